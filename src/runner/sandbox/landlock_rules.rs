//! Landlock ruleset: read and execute the system's folders, the tool's own and what it was
//! granted (a tool's run), or everywhere (checkers, the evolver, services); write only beneath
//! the scratch dir, `/tmp`, the device nodes and the granted paths; no abstract Unix sockets
//! or signals outside the sandbox; without network also no TCP, with a list of hosts TCP
//! connections to the egress proxy's port and the forwarded loopback ports only (the proxy
//! holds the host names), and for a service TCP only to bind its own port.

use std::fmt;
use std::path::{Path, PathBuf};

use super::mount_calls;
use super::policy::SandboxPolicy;
use super::seen_as_nobody::CallersView;
use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, NetPort, PathBeneath, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr, RulesetError, RulesetStatus, Scope,
};

/// Why Landlock enforces nothing.
#[derive(Debug, thiserror::Error)]
pub(super) enum LandlockError {
    #[error("landlock unsupported by this kernel")]
    Unsupported,
    #[error(transparent)]
    Ruleset(#[from] RulesetError),
    #[error("landlock ruleset not enforced")]
    NotEnforced,
}

/// Why a service's port is not the only one it may use.
#[derive(Debug, thiserror::Error)]
pub(super) enum PortRuleError {
    #[error(
        "landlock {} has no TCP rules (needs ABI v4, Linux 6.7): the service may bind \
         and connect to any TCP port",
        AbiName(*.0)
    )]
    NoTcpRules(ABI),
    /// `reason` is the landlock layer's own reason, recorded as that layer.
    #[error("no landlock ({reason}): any TCP port")]
    NoLandlock { reason: String },
}

/// `v4`, or `unsupported`.
struct AbiName(ABI);

impl fmt::Display for AbiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == ABI::Unsupported {
            f.write_str("unsupported")
        } else {
            write!(f, "v{}", self.0)
        }
    }
}

/// `LANDLOCK_CREATE_RULESET_VERSION` from the kernel uapi.
const CREATE_RULESET_VERSION: libc::c_uint = 1;

/// Restricts the calling process (and its future children). Returns e.g.
/// "v7 full", or why nothing was enforced.
/// `private_tmp`: `/tmp` is the run's own (the mount namespace is in place),
/// so it may be written like scratch. A service's port: TCP is handled and only
/// binding that port is granted; granted ports: only connecting to them.
pub(super) fn apply(policy: &SandboxPolicy, private_tmp: bool) -> Result<String, LandlockError> {
    let abi = kernel_abi();
    if abi == ABI::Unsupported {
        return Err(LandlockError::Unsupported);
    }
    // Through the egress proxy: its port and the forwarded loopback ports only.
    let proxied = policy.egress.as_ref().map(super::policy::EgressPlan::ports);
    let ports = proxied.as_deref();
    let handle_net = !policy.network || policy.service_port.is_some() || ports.is_some();
    let created = ruleset(abi, handle_net)?.create()?;
    let mut created = add_rules(created, abi, policy, private_tmp)?;
    if has_tcp_rules(abi) {
        if let Some(port) = policy.service_port {
            created = created.add_rule(NetPort::new(port, AccessNet::BindTcp))?;
        }
        for port in ports.unwrap_or_default() {
            created = created.add_rule(NetPort::new(*port, AccessNet::ConnectTcp))?;
        }
    }
    let status = created.restrict_self()?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(format!("v{abi} full")),
        RulesetStatus::PartiallyEnforced => Ok(format!("v{abi} partial")),
        RulesetStatus::NotEnforced => Err(LandlockError::NotEnforced),
    }
}

/// The highest ABI both the kernel and the crate know. We target it (rather
/// than a fixed ABI) so every right the kernel can enforce is handled, and a
/// kernel that supports all of them reports "full".
fn kernel_abi() -> ABI {
    // SAFETY: the version query takes no attribute pointer and size 0; it
    // only returns an integer (or -1 with errno).
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    ABI::from(i32::try_from(version).unwrap_or(0))
}

/// What a service's port rule rests on, as a protection layer: Landlock's TCP rules, or why
/// this kernel has none.
pub(super) fn port_rule(port: u16) -> Result<String, PortRuleError> {
    let abi = kernel_abi();
    if has_tcp_rules(abi) {
        Ok(format!("bind tcp/{port} only, no connect"))
    } else {
        Err(PortRuleError::NoTcpRules(abi))
    }
}

/// Why a list of hosts is not held by the egress proxy.
#[derive(Debug, thiserror::Error)]
pub(super) enum ProxyRuleError {
    #[error("no network namespace ({0}): the host's network, tcp to the listed ports")]
    NoNamespace(String),
}

/// What a tool's list of hosts rests on when the egress proxy holds it: its own network
/// namespace, where only the proxy and the forwarded loopback ports listen (and Landlock lets
/// TCP connect to those ports only); the proxy lets through only the listed hosts. The runner
/// adds what went through.
pub(super) fn proxy_rule(
    plan: &super::policy::EgressPlan,
    netns: Result<(), String>,
    landlock: Result<(), String>,
) -> Result<String, ProxyRuleError> {
    netns.map_err(ProxyRuleError::NoNamespace)?;
    let abi = kernel_abi();
    let mut detail = format!("hosts enforced by proxy 127.0.0.1:{}", plan.proxy_port);
    if !plan.forward.is_empty() {
        let forward: Vec<String> = plan.forward.iter().map(ToString::to_string).collect();
        detail.push_str(&format!("; forwarded {}", forward.join(", ")));
    }
    detail.push_str("; no dns, no udp");
    // The namespace holds it on its own: nothing but the proxy's and the forwarded
    // listeners is reachable in it. Landlock's TCP rules only narrow it further.
    match landlock {
        Err(reason) => detail.push_str(&format!("; no landlock ({reason}): any port inside")),
        Ok(()) if !has_tcp_rules(abi) => detail.push_str(&format!(
            "; landlock {} has no tcp rules: any port inside",
            AbiName(abi)
        )),
        Ok(()) => {}
    }
    Ok(detail)
}

fn has_tcp_rules(abi: ABI) -> bool {
    !AccessNet::from_all(abi).is_empty()
}

fn ruleset(abi: ABI, handle_net: bool) -> Result<Ruleset, RulesetError> {
    let mut ruleset = Ruleset::default().handle_access(AccessFs::from_all(abi))?;
    let net = AccessNet::from_all(abi);
    // Handling TCP rights without any port rule denies every bind/connect.
    if handle_net && !net.is_empty() {
        ruleset = ruleset.handle_access(net)?;
    }
    let scopes = scopes(abi);
    if !scopes.is_empty() {
        ruleset = ruleset.scope(scopes)?;
    }
    Ok(ruleset)
}

/// Signals and abstract Unix sockets never leave the sandbox.
fn scopes(abi: ABI) -> BitFlags<Scope> {
    Scope::from_all(abi)
}

fn add_rules(
    mut created: RulesetCreated,
    abi: ABI,
    policy: &SandboxPolicy,
    private_tmp: bool,
) -> Result<RulesetCreated, RulesetError> {
    let all = AccessFs::from_all(abi);
    // Connecting to pathname Unix sockets (ABI 9+) is never granted: the
    // host's daemons listen there, with or without network.
    let read = AccessFs::from_read(abi);
    let readable = readable(policy);
    let mut rules: Vec<(&Path, BitFlags<AccessFs>)> =
        readable.iter().map(|path| (path.as_path(), read)).collect();
    rules.push((&policy.scratch_dir, all));
    rules.extend(policy.grants.write.iter().map(|path| (path.as_path(), all)));
    // `/tmp` is the scratch's `tmp` folder bound there: Landlock follows the
    // path the tool used, so it needs its own rule.
    if private_tmp {
        rules.push((Path::new("/tmp"), all));
    }
    let devices = [
        "/dev/null",
        "/dev/zero",
        "/dev/full",
        "/dev/random",
        "/dev/urandom",
    ];
    rules.extend(
        devices
            .iter()
            .map(|d| (Path::new(*d), AccessFs::from_file(abi))),
    );
    for (path, access) in rules {
        // A granted path is opened only as it was granted: a link swapped into it since would
        // hand its rights to where it leads. A path we cannot open gets no rule, which only
        // makes the sandbox stricter, so it is not worth failing the whole ruleset over.
        let opened = if policy.grants.paths().any(|granted| granted == path) {
            mount_calls::open_granted(path)
        } else {
            mount_calls::open_path(path)
        };
        if let Ok(fd) = opened {
            // A file (a granted one) takes only the rights a file can have.
            let is_dir = rustix::fs::fstat(&fd)
                .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir());
            let access = if is_dir {
                access
            } else {
                access & AccessFs::from_file(abi)
            };
            created = created.add_rule(PathBeneath::new(fd, access))?;
        }
    }
    Ok(created)
}

/// The other workspaces' state folders (`SandboxPolicy::workspaces_state`) as the run's
/// view treats them.
pub(super) struct WorkspacesState {
    /// Covered by the run's mounts.
    pub(super) cover: Vec<PathBuf>,
    /// How many Landlock alone keeps the run out of.
    pub(super) left_to_landlock: usize,
}

impl WorkspacesState {
    /// A tool's run on a kernel with Landlock reads only `readable`, so a folder neither
    /// within one of those nor holding one is out of its reach without a mount (the helper
    /// refuses the run should Landlock then not hold). The metadata of what is left so
    /// (`stat`) stays visible to the run; its names (a folder's list) and contents do not.
    /// Only real folders are covered (`registry::is_state_dir`), looked at here, not before.
    /// `callers`: where a folder is looked at, the caller's view (a folder only nobody could
    /// not reach in the run's world may still lie in a grant shown with the caller's rights).
    pub(super) fn of(policy: &SandboxPolicy, callers: &CallersView) -> Self {
        let real = |state: &PathBuf| callers.is_real_folder(state);
        let states = &policy.workspaces_state;
        if !policy.allow_list || kernel_abi() == ABI::Unsupported {
            return Self {
                cover: states.iter().filter(|s| real(s)).cloned().collect(),
                left_to_landlock: 0,
            };
        }
        let readable = readable(policy);
        let (within, left): (Vec<&PathBuf>, Vec<&PathBuf>) = states.iter().partition(|state| {
            readable
                .iter()
                .any(|read| state.starts_with(read) || read.starts_with(state))
        });
        Self {
            cover: within.into_iter().filter(|s| real(s)).cloned().collect(),
            left_to_landlock: left.len(),
        }
    }
}

/// Where the run may read: everywhere, or for a tool's run the system's folders, its own
/// `/proc`, its tool's folder (`visible`) and what it was granted; with network, the real
/// files the resolver reads too (`/etc/resolv.conf` often leads to `/run`).
fn readable(policy: &SandboxPolicy) -> Vec<PathBuf> {
    if !policy.allow_list {
        return vec![PathBuf::from("/")];
    }
    let mut paths: Vec<PathBuf> = crate::runner::grants::SYSTEM_READ
        .iter()
        .chain(&["/proc"])
        .map(PathBuf::from)
        .collect();
    paths.extend(policy.visible.iter().cloned());
    paths.extend(policy.grants.read.iter().cloned());
    if policy.network {
        paths.extend(
            ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf"]
                .iter()
                .filter_map(|file| std::fs::canonicalize(file).ok()),
        );
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tool's run where Landlock is present covers a workspace's state only where the run
    /// could read it (within a grant, here) and only where it is a real folder (not a link
    /// planted in its place, not gone); the rest is left to Landlock. Without Landlock, or for
    /// a run that reads everywhere, every real one is covered.
    #[test]
    fn a_workspaces_state_beyond_the_runs_reads_is_left_to_landlock_alone() {
        let folders = tempfile::tempdir().expect("a folder");
        let granted = folders.path().join("granted");
        let within = granted.join("ws/.toolbench");
        let far = folders.path().join("far/.toolbench");
        let linked = granted.join("linked/.toolbench");
        let gone = granted.join("gone/.toolbench");
        for folder in [&within, &far] {
            std::fs::create_dir_all(folder).expect("a real state folder");
        }
        std::fs::create_dir_all(linked.parent().expect("its parent")).expect("a folder");
        std::os::unix::fs::symlink("/usr", &linked).expect("a link in a state folder's place");
        let mut policy = SandboxPolicy {
            workspaces_state: vec![within.clone(), far.clone(), linked, gone],
            visible: Vec::new(),
            ..SandboxPolicy::fixture()
        };
        policy.grants.read = vec![granted];
        let state = WorkspacesState::of(&policy, &CallersView::current());
        if kernel_abi() == ABI::Unsupported {
            assert_eq!(state.cover, [within.clone(), far.clone()]);
            assert_eq!(state.left_to_landlock, 0);
        } else {
            assert_eq!(state.cover, std::slice::from_ref(&within));
            assert_eq!(state.left_to_landlock, 1);
        }
        let everywhere = SandboxPolicy {
            allow_list: false,
            ..policy
        };
        let state = WorkspacesState::of(&everywhere, &CallersView::current());
        assert_eq!(state.cover, [within, far]);
        assert_eq!(state.left_to_landlock, 0);
    }
}
