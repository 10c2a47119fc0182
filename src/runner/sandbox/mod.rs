//! Linux sandbox for the tools toolbench runs.
//!
//! This module owns the *helper mode* of the toolbench binary: the runner
//! spawns `toolbench __sandbox-exec <policy json> -- command...` (see
//! [`helper_argv`]), and that process confines itself before it execs the
//! tool. Doing it in a fresh, single-threaded process (instead of in a
//! `pre_exec` hook of the multi-threaded runner) lets us fork, unshare
//! namespaces and allocate freely.
//!
//! Layers, each recorded in [`Protections`] as active or missing with the
//! reason (the helper never claims a layer the kernel refused):
//! - `fds`: every inherited descriptor but stdin, stdout, stderr closed;
//! - `session`: a new session (no controlling terminal);
//! - `limits`: memory summed over the tree and its process count, through a
//!   cgroup where toolbench may create one, else pid 1's watchdog;
//! - `userns`, `pidns`, `netns` (without network), `mountns`: namespaces;
//!   pid 1 dies with the helper, which takes every descendant with it;
//! - `hidden`, `dev`, `proc`, `scratch`: the filesystem view (see `mounts`);
//! - `nnp`, `landlock`, `seccomp`, `rlimits`, `caps`.
//!
//! The helper writes a [`SandboxReport`] to `report_path` before exec.

mod args;
mod caps;
mod cgroup;
mod helper;
mod landlock_rules;
mod limits;
mod mountinfo;
mod mounts;
mod namespaces;
mod output_relay;
mod policy;
mod seccomp_filter;
mod status;
mod watchdog;

use std::ffi::OsString;
use std::path::Path;

pub use helper::{EXIT_HELPER_FAILED, usage_path};
pub use policy::{Layer, Protections, SandboxPolicy, SandboxReport, ToolUsage};

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
