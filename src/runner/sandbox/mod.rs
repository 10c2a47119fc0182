//! Linux sandbox for the tools toolbench runs.
//!
//! This module owns the *helper mode* of the toolbench binary: the runner
//! spawns `toolbench __sandbox-exec -- command...` with the policy in its
//! environment (see [`helper_program`]), and that process confines itself
//! before it execs the tool. Doing it in a fresh, single-threaded process (instead of in a
//! `pre_exec` hook of the multi-threaded runner) lets us fork, unshare
//! namespaces and allocate freely. A process that runs one tool and ends
//! may fork that process ahead instead, while it has one thread
//! (`ForkedHelper`).
//!
//! Layers, each recorded in `Protections` as active or missing with the
//! reason (the helper never claims a layer the kernel refused):
//! - `fds`: every inherited descriptor but stdin, stdout, stderr closed;
//! - `session`: a new session (no controlling terminal);
//! - `limits`: memory summed over the tree and its process count, through a
//!   cgroup where toolbench may create one, else pid 1's watchdog;
//! - `userns`, `pidns`, `netns` (without network), `mountns`: namespaces;
//!   pid 1 dies with the helper, which takes every descendant with it;
//! - `rights`: run by root, every file the run was not granted seen as nobody sees it (see
//!   `seen_as_nobody`);
//! - `counts`: the run's share of what the kernel counts per user (see `ucounts`);
//! - `hidden`, `dev`, `proc`, `scratch`: the filesystem view (see `mounts`);
//! - `nnp`, `landlock`, `seccomp`, `rlimits`, `caps`;
//! - `writes`: for a run that writes a granted folder, no `.git` and no workspace made or
//!   changed there (see `write_broker`).
//!
//! The helper writes a [`SandboxReport`] to `report_path` before exec.

mod args;
mod caps;
mod cgroup;
mod egress_listen;
mod forked;
mod helper;
mod landlock_rules;
mod limits;
mod mount_calls;
mod mountinfo;
mod mounts;
mod namespaces;
mod output_relay;
mod path_failures;
mod placement;
mod policy;
mod seccomp_filter;
mod seen_as_nobody;
mod spawn;
mod status;
mod ucounts;
mod watchdog;
mod write_broker;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use args::HELPER_ARG;
pub(crate) use cgroup::{BackgroundThreads, remove_stale_cgroups};
pub(crate) use egress_listen::{HandOver, MAX_LISTENERS};
pub(crate) use forked::{ForkedHelper, read_end};
pub(crate) use helper::EXIT_HELPER_FAILED;
pub(crate) use helper::step_back;
pub(crate) use policy::{EgressPlan, ServiceLogs, ToolUsage};
pub use policy::{SandboxPolicy, SandboxReport};

/// The helper's whole environment, however it is started: nothing of the caller's or the
/// tool's reaches it before the tool's own exec.
pub(crate) const HELPER_PATH: &str = "/usr/bin:/bin";

/// Where the helper started as a program finds its policy: in its environment, which only
/// its own user can read (`/proc/<pid>/environ`), not on its command line, which every user
/// of the host can (`/proc/<pid>/cmdline`, `ps`), with the tool's environment in it.
pub const POLICY_VAR: &str = "TOOLBENCH_SANDBOX_POLICY";

/// Build the argv that runs `command` sandboxed by `exe` (the toolbench
/// binary): `[exe, HELPER_ARG, <policy json>, "--", command...]`, as the
/// forked helper receives it through its own socket.
pub(crate) fn helper_argv(exe: &Path, policy: &SandboxPolicy, command: &[String]) -> Vec<OsString> {
    args::build(exe, policy, command)
}

/// The helper started as a program: `exe __sandbox-exec -- command...` in `/`, with an
/// environment of its own (PATH, and the policy; nothing of the caller's or the tool's).
pub(crate) fn helper_invocation(
    exe: &Path,
    policy: &SandboxPolicy,
    command: &[String],
) -> super::posix_spawn::Program {
    super::posix_spawn::Program {
        path: exe.to_path_buf(),
        argv: args::program(exe, command),
        env: vec![
            (OsString::from("PATH"), OsString::from(HELPER_PATH)),
            (
                OsString::from(POLICY_VAR),
                OsString::from(args::policy_json(policy)),
            ),
        ],
        dir: PathBuf::from("/"),
    }
}

/// `helper_invocation` as a command: the caller adds the standard streams and how the
/// child is kept.
pub fn helper_program(
    exe: &Path,
    policy: &SandboxPolicy,
    command: &[String],
) -> std::process::Command {
    let invocation = helper_invocation(exe, policy, command);
    let mut program = std::process::Command::new(&invocation.path);
    program
        .args(&invocation.argv[1..])
        .current_dir(&invocation.dir)
        .env_clear()
        .envs(invocation.env);
    program
}

/// Entry point of the helper mode; `args` is the whole argv (`argv[0]` is the
/// toolbench binary, `argv[1]` is [`HELPER_ARG`]).
///
/// Must be called before any thread or async runtime exists: it forks and
/// unshares namespaces, which both require a single-threaded process.
/// Never returns: it execs the tool (in a child) and exits with its status.
pub fn helper_main(args: Vec<OsString>) -> ! {
    match args::with_policy_from(args, POLICY_VAR) {
        Ok(args) => start_helper(args, None),
        Err(e) => refuse(&e),
    }
}

/// The helper for `args`, with what it set up before it knew them when it was forked ahead.
fn start_helper(args: Vec<OsString>, prepared: Option<helper::Prepared>) -> ! {
    match args::parse(&args) {
        Ok(parsed) => helper::run(parsed, prepared),
        Err(e) => {
            // Removes the cgroups a forked helper made.
            drop(prepared);
            refuse(&e)
        }
    }
}

fn refuse(e: &args::ArgsError) -> ! {
    eprintln!("toolbench sandbox: {}", crate::error_chain::one_line(e));
    status::end(helper::EXIT_HELPER_FAILED)
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::PathBuf;

    use rustix::io::Errno;

    use super::cgroup::CgroupError;
    use super::landlock_rules::PortRuleError;
    use super::mounts::MountError;
    use super::namespaces::NamespaceError;
    use crate::error_chain::one_line;
    use crate::model::protections::Protections;

    fn enoent() -> io::Error {
        io::Error::from_raw_os_error(libc::ENOENT)
    }

    #[test]
    fn a_missing_layer_records_its_cause_chain_on_one_line() {
        let mut p = Protections::default();
        p.set(
            "scratch",
            Err::<String, _>(MountError::Enter {
                path: PathBuf::from("/tmp/scratch"),
                source: enoent(),
            }),
        );
        p.set(
            "pidns",
            Err::<String, _>(NamespaceError::Unshare(Errno::PERM)),
        );
        assert_eq!(
            p.summary(),
            format!(
                "none · missing: scratch (cannot enter /tmp/scratch: {}), pidns (unavailable: {})",
                enoent(),
                io::Error::from_raw_os_error(libc::EPERM)
            )
        );
    }

    #[test]
    fn paths_that_failed_each_keep_their_own_cause() {
        let failed = vec![
            (PathBuf::from("/a"), enoent()),
            (PathBuf::from("/b"), enoent()),
        ];
        let e = enoent();
        assert_eq!(
            one_line(&MountError::StillWritable(failed)),
            format!("still writable: /a: {e}, /b: {e}")
        );
        let refused = CgroupError::Refused(vec![
            (
                PathBuf::from("/sys/fs/cgroup/x"),
                io::Error::other("no memory or pids controller delegated"),
            ),
            (PathBuf::from("/y"), enoent()),
        ]);
        assert_eq!(
            one_line(&refused),
            format!("/sys/fs/cgroup/x: no memory or pids controller delegated; /y: {e}")
        );
    }

    #[test]
    fn a_service_port_without_tcp_rules_names_the_landlock_abi() {
        let err = PortRuleError::NoTcpRules(landlock::ABI::Unsupported);
        assert_eq!(
            one_line(&err),
            "landlock unsupported has no TCP rules (needs ABI v4, Linux 6.7): the service may \
             bind and connect to any TCP port"
        );
        let err = PortRuleError::NoTcpRules(landlock::ABI::V3);
        assert!(one_line(&err).starts_with("landlock v3 has no TCP rules"));
    }
}
