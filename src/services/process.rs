//! A service's process: the sandbox helper started detached (its own session, output to its
//! log files, no death signal tied to us), and stopped by pid and start time only, so a pid the
//! kernel gave to another program since is never signalled.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::model::services::Stopped;
use crate::proc_stat::ProcessId;
use crate::runner::sandbox::{self, SandboxPolicy};

/// How often a stop looks whether the service is gone.
const POLL: Duration = Duration::from_millis(20);
/// How long a stop waits after SIGKILL before it gives up.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// A helper just spawned by this process.
pub(crate) struct Spawned {
    pub(crate) child: Child,
    pub(crate) id: ProcessId,
}

/// Starts the helper for `policy` and `argv`, its stdout and stderr appended to the two logs.
/// Why a service's sandbox helper did not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("{}: cannot open the log: {error}", .path.display())]
    Log {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    #[error("cannot start the sandbox helper: {0}")]
    Helper(std::io::Error),
    #[error("the sandbox helper ended before it could be named")]
    Vanished,
}

/// Not in our process group and not killed with us: it leads its own session.
pub(crate) fn spawn(
    exe: &Path,
    policy: &SandboxPolicy,
    argv: &[String],
    logs: (&Path, &Path),
) -> Result<Spawned, SpawnError> {
    let append = |path: &Path| -> Result<File, SpawnError> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(crate::workspace::private::FILE_MODE)
            .open(path)
            .map_err(|error| SpawnError::Log {
                path: path.to_path_buf(),
                error,
            })
    };
    let child = sandbox::helper_program(exe, policy, argv)
        .stdin(Stdio::null())
        .stdout(append(logs.0)?)
        .stderr(append(logs.1)?)
        .spawn()
        .map_err(SpawnError::Helper)?;
    let id = ProcessId::of(child.id()).ok_or(SpawnError::Vanished)?;
    Ok(Spawned { child, id })
}

/// Reaps `child` in the background once it ends, so a long-lived toolbench (the workbench)
/// keeps no zombie; a short-lived one simply exits and leaves it to init.
pub(crate) fn reap_later(mut child: Child) {
    let _ = std::thread::Builder::new()
        .name("service-reaper".into())
        .spawn(move || {
            let _ = child.wait();
        });
}

/// SIGTERM to the instance's process group, SIGKILL after `grace`.
pub(crate) fn stop(id: ProcessId, grace: Duration) -> Stopped {
    if !id.is_alive() {
        return Stopped::NotRunning;
    }
    // The helper leads its own group; while it lives, no other process can have that group id.
    signal_group(id, libc::SIGTERM);
    if wait_gone(id, grace) {
        return Stopped::Terminated;
    }
    signal_group(id, libc::SIGKILL);
    if wait_gone(id, KILL_WAIT) {
        Stopped::Killed
    } else {
        Stopped::Stuck
    }
}

fn signal_group(id: ProcessId, signal: libc::c_int) {
    let Ok(pid) = i32::try_from(id.pid) else {
        return;
    };
    // Checked right before each signal: a pid the kernel reused is never ours to signal.
    if id.is_alive() {
        // SAFETY: kill(2) on the group and the process we started, with a signal number.
        unsafe {
            libc::kill(-pid, signal);
            libc::kill(pid, signal);
        }
    }
}

fn wait_gone(id: ProcessId, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if !id.is_alive() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}
