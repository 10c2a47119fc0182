//! Data exchanged between the runner and the helper: the policy going in,
//! the report and the usage coming out.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::protections::Protections;

/// What the sandbox allows one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxPolicy {
    /// The only writable directory: a fresh tmpfs of `disk_mb` mounted over
    /// this path inside the run; also the tool's cwd, `HOME` and `/tmp`.
    pub scratch_dir: PathBuf,
    /// Paths that show up empty inside the run (state, secrets, sockets).
    pub hide: Vec<PathBuf>,
    /// The other workspaces' state, hidden as `hide` is; but for a tool's run (`allow_list`)
    /// where Landlock is present, only where it lies within a folder the run may read, or
    /// holds one: elsewhere Landlock alone keeps the run out (and the run does not start
    /// without it), so a run's cost does not grow with the number of workspaces.
    #[serde(default)]
    pub workspaces_state: Vec<PathBuf>,
    /// Paths that stay reachable, read-only, even under a covered folder
    /// (the tool's own folder when the workspace lives under `/tmp`).
    pub visible: Vec<PathBuf>,
    /// Memory summed over the run's processes, in MiB (also `RLIMIT_AS` of
    /// each process).
    pub memory_mb: u64,
    /// `RLIMIT_CPU`, in seconds.
    pub cpu_secs: u64,
    /// `RLIMIT_NOFILE`.
    pub max_open_files: u64,
    /// `RLIMIT_FSIZE`, in MiB.
    pub max_file_size_mb: u64,
    /// Processes of the run at once, counted over the whole tree.
    pub max_processes: u64,
    /// Size of the scratch tmpfs, in MiB.
    pub disk_mb: u64,
    /// `false`: no network (net namespace, Landlock TCP rules, seccomp).
    pub network: bool,
    /// Reads are an allow list (a tool's run): the system's folders, `visible`, scratch and
    /// `grants`, nothing else. `false` (checkers, the evolver, services): everything but
    /// `hide`.
    #[serde(default)]
    pub allow_list: bool,
    /// What the tool declared and a person approved: more paths to read, paths to write, its
    /// working folder, the ports it may connect to.
    #[serde(default)]
    pub grants: crate::runner::grants::Grants,
    /// For a run whose grants are withheld (code no person approved) and whose tool works on
    /// a project: its working folder lies in scratch, made empty there, or a copy of this
    /// fixture (the tool's own `tests/project/`). Never a real project.
    #[serde(default)]
    pub project_fixture: Option<PathBuf>,
    /// The tool's whole environment, applied only at its final `exec`: the
    /// helper itself always runs with the fixed environment the runner gives it.
    pub env: BTreeMap<String, String>,
    /// Where the helper writes its JSON [`SandboxReport`] before exec.
    pub report_path: PathBuf,
    /// The toolbench process that started the run: the helper dies with it.
    /// `None` only for a service, which outlives the process that launched it.
    #[serde(default)]
    pub starter_pid: Option<u32>,
    /// A service's port: with `network`, TCP is limited to binding this port
    /// (no outgoing connections, no other sockets), and SIGTERM reaches the
    /// service first instead of ending the helper.
    #[serde(default)]
    pub service_port: Option<u16>,
    /// A service's logs: its helper reads the service's output from pipes and keeps it here,
    /// bounded (see `runner::service_log`).
    #[serde(default)]
    pub service_logs: Option<ServiceLogs>,
    /// A list of hosts enforced by the runner's egress proxy: the run keeps its own network
    /// namespace, where the helper listens for the proxy and the forwarded loopback ports and
    /// hands those listeners to the runner.
    #[serde(default)]
    pub egress: Option<EgressPlan>,
    /// The run's progress pipe (its writing end) as the helper started as a program inherits
    /// it: the runner's descriptor number, left open across the helper's exec. The tool finds
    /// it at `runner::progress::PROGRESS_FD`. A forked helper receives the pipe with its
    /// stdio instead and ignores this. `None`: no progress pipe (services).
    #[serde(default)]
    pub progress_fd: Option<i32>,
    /// Work nobody waits for (background validation): the helper and everything it starts
    /// run niced, at the lowest best-effort I/O priority, so the commands a person runs
    /// meanwhile are not slowed by it.
    #[serde(default)]
    pub background: bool,
}

/// Where a run with a list of hosts reaches them: the proxy's port and the loopback
/// addresses forwarded as they are, all listened on inside the run's network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressPlan {
    /// The runner's Unix socket the helper hands the listeners over on.
    pub(crate) socket: PathBuf,
    /// The proxy's port on the run's own `127.0.0.1`.
    pub(crate) proxy_port: u16,
    /// Declared loopback addresses, listened on inside and forwarded to the host's same one.
    pub(crate) forward: Vec<std::net::SocketAddr>,
}

impl EgressPlan {
    /// Every TCP port the run may connect to: the proxy's and the forwarded ones.
    pub(crate) fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = std::iter::once(self.proxy_port)
            .chain(self.forward.iter().map(std::net::SocketAddr::port))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

/// Where a service's helper keeps its output, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLogs {
    /// The instance's folder.
    pub(crate) dir: PathBuf,
    /// The most its stdout and stderr logs hold together, in bytes.
    pub(crate) max_bytes: u64,
}

/// What the helper tells the runner in `report_path`: written when the tool started (or
/// could not), rewritten with `usage` once the run is over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxReport {
    pub protections: Protections,
    /// Why the command could not be started, e.g. "command not found: x".
    pub error: Option<String>,
    /// The run's cgroups: the runner removes them once the run is over, in
    /// case the helper was killed before it could.
    #[serde(default)]
    pub(crate) cgroups: Vec<PathBuf>,
    /// What the run used, once it is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) usage: Option<ToolUsage>,
}

/// Resource usage of a finished run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ToolUsage {
    /// Peak memory of the whole tree (summed over its processes) when a
    /// cgroup or the watchdog measured it, else the largest single process.
    pub(crate) max_rss_kb: u64,
    pub(crate) user_ms: u64,
    pub(crate) system_ms: u64,
    /// Set when the run was stopped for going over a tree-wide limit, e.g.
    /// "memory limit of 256 MiB reached (summed over the run's processes)".
    #[serde(default)]
    pub(crate) limit: Option<String>,
}

#[cfg(test)]
impl SandboxPolicy {
    /// A tool's run that reads `/home/u/project`, for tests.
    pub(crate) fn fixture() -> Self {
        SandboxPolicy {
            scratch_dir: PathBuf::from("/tmp/scratch dir"),
            hide: vec![PathBuf::from("/root/.ssh")],
            workspaces_state: Vec::new(),
            visible: vec![PathBuf::from("/tmp/tool")],
            memory_mb: 256,
            cpu_secs: 10,
            max_open_files: 64,
            max_file_size_mb: 16,
            max_processes: 32,
            disk_mb: 100,
            network: false,
            allow_list: true,
            grants: crate::runner::grants::Grants {
                read: vec![PathBuf::from("/home/u/project")],
                workdir: Some(PathBuf::from("/home/u/project")),
                ..Default::default()
            },
            project_fixture: None,
            env: [("PATH".to_string(), "/usr/bin".to_string())].into(),
            report_path: PathBuf::from("/tmp/report.json"),
            starter_pid: None,
            service_port: None,
            service_logs: None,
            egress: None,
            progress_fd: None,
            background: true,
        }
    }
}
