//! Linux sandbox for the tools toolbench runs.
//!
//! This module owns the *helper mode* of the toolbench binary: the runner
//! spawns `toolbench __sandbox-exec <policy json> -- command...` (see
//! [`helper_argv`]), and that process confines itself before it execs the
//! tool. Doing it in a fresh, single-threaded process (instead of in a
//! `pre_exec` hook of the multi-threaded runner) lets us fork, unshare
//! namespaces and allocate freely.
//!
//! Layers, each best effort and recorded in [`Protections`]:
//! - a new session (no controlling terminal);
//! - user, pid and (without network) net namespaces; pid 1 of the pid
//!   namespace dies with the helper, which takes every descendant with it;
//! - rlimits (address space, CPU, files, file size, processes, no core);
//! - `PR_SET_NO_NEW_PRIVS`;
//! - Landlock: read/execute everywhere, write only beneath the scratch dir
//!   and to `/dev/null`, TCP denied without network;
//! - seccomp without network: only `AF_UNIX` sockets can be created.
//!
//! The helper writes a [`SandboxReport`] to `report_path` before exec.

mod args;
mod helper;
mod landlock_rules;
mod limits;
mod namespaces;
mod policy;
mod seccomp_filter;
mod status;

use std::ffi::OsString;
use std::path::Path;

pub use helper::{EXIT_HELPER_FAILED, usage_path};
pub use policy::{Protections, SandboxPolicy, SandboxReport, ToolUsage};

/// First argument that switches the toolbench binary into helper mode.
pub const HELPER_ARG: &str = "__sandbox-exec";

/// Build the argv that runs `command` sandboxed by `exe` (the toolbench
/// binary): `[exe, HELPER_ARG, <policy json>, "--", command...]`.
pub fn helper_argv(exe: &Path, policy: &SandboxPolicy, command: &[String]) -> Vec<OsString> {
    args::build(exe, policy, command)
}

/// Entry point of the helper mode; `args` is the whole argv (argv[0] is the
/// toolbench binary, argv[1] is [`HELPER_ARG`]).
///
/// Must be called before any thread or async runtime exists: it forks and
/// unshares namespaces, which both require a single-threaded process.
/// Never returns: it execs the tool (in a child) and exits with its status.
pub fn helper_main(args: Vec<OsString>) -> ! {
    match args::parse(&args) {
        Ok(parsed) => helper::run(parsed),
        Err(msg) => {
            eprintln!("toolbench sandbox: {msg}");
            std::process::exit(helper::EXIT_HELPER_FAILED)
        }
    }
}
