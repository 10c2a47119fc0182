//! The run's share of what the kernel counts per user: inotify instances and watches, fanotify
//! groups, user namespaces. Linux keeps each count per user and per user namespace, and what a
//! process makes counts in its own namespace and in every one above it, up to the host's, each
//! against that namespace's limit: a run that took all 128 inotify instances its user may have
//! (the default) would leave the host's `toolbench mcp` and workbench, which watch the
//! workspace, none ("Too many open files"). The limits of the run's own user namespace
//! (`/proc/sys/user/*`) bound what the run can take. The helper, which owns that namespace,
//! writes them; the tool holds no capability in it and can only read them.

use std::fs::OpenOptions;
use std::io::{self, Write};

/// inotify instances of the whole run: a tool that follows a file or two (`tail -f`, a test
/// runner) needs a few, and the user's 128 stay the host's.
const INOTIFY_INSTANCES: u32 = 8;
/// inotify watches of the whole run, one per file or folder watched: the user's default is
/// 8192 on a small machine.
const INOTIFY_WATCHES: u32 = 1024;

/// Each limit's file in `/proc/sys/user` and the run's value.
const RUN_LIMITS: [(&str, u32); 4] = [
    ("max_inotify_instances", INOTIFY_INSTANCES),
    ("max_inotify_watches", INOTIFY_WATCHES),
    // fanotify, open to unprivileged users since Linux 5.13: no tool needs it.
    ("max_fanotify_groups", 0),
    // seccomp refuses the tool a user namespace of its own; this refuses it on a kernel
    // without seccomp too.
    ("max_user_namespaces", 0),
];

/// Why the run's share is not bounded.
#[derive(Debug, thiserror::Error)]
pub(super) enum CountsError {
    #[error("no user namespace of the run's own")]
    NoUserNamespace,
    /// Each limit the kernel refused, with why (the others are in place).
    #[error("{}", refused(.0))]
    Refused(Vec<(&'static str, io::Error)>),
}

/// `max_inotify_watches: Permission denied (os error 13), …`
fn refused(limits: &[(&'static str, io::Error)]) -> String {
    let each: Vec<String> = limits
        .iter()
        .map(|(name, error)| format!("{name}: {error}"))
        .collect();
    each.join(", ")
}

/// Sets the run's limits in the calling process's user namespace, which must be the run's own
/// (a namespace's owner holds every capability in it). A count this kernel does not keep (no
/// file: fanotify's before Linux 5.13) has nothing to bound.
pub(super) fn limit() -> Result<String, CountsError> {
    let failed: Vec<(&'static str, io::Error)> = RUN_LIMITS
        .iter()
        .filter_map(|(name, value)| {
            let written = OpenOptions::new()
                .write(true)
                .open(format!("/proc/sys/user/{name}"))
                .and_then(|mut file| file.write_all(value.to_string().as_bytes()));
            match written {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Some((*name, e)),
                _ => None,
            }
        })
        .collect();
    if failed.is_empty() {
        Ok(format!(
            "inotify {INOTIFY_INSTANCES} ({INOTIFY_WATCHES} watches), no fanotify or user namespace"
        ))
    } else {
        Err(CountsError::Refused(failed))
    }
}

#[cfg(test)]
mod tests {
    /// In a user namespace of its own, a process bounded by `limit` gets its run's inotify
    /// instances and no more, and no user namespace. `None` when this machine gives the test
    /// no user namespace.
    fn bounded_in_a_child() -> Option<(i32, bool)> {
        // SAFETY: glibc's fork keeps malloc usable in the child, which only makes system
        // calls and exits.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork: {}", std::io::Error::last_os_error());
        if child == 0 {
            // SAFETY: integer arguments; the child ends with `_exit`, never returning here.
            let code = unsafe {
                if libc::unshare(libc::CLONE_NEWUSER) != 0 {
                    255
                } else if super::limit().is_err() {
                    254
                } else {
                    let mut instances = 0;
                    while instances < 200 && libc::inotify_init1(0) >= 0 {
                        instances += 1;
                    }
                    let nested = libc::unshare(libc::CLONE_NEWUSER) == 0;
                    instances + if nested { 100 } else { 0 }
                }
            };
            // SAFETY: ends the forked child without the test harness's exit.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for our own child into a local.
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "the child died: {status}");
        match libc::WEXITSTATUS(status) {
            255 => None,
            254 => panic!("the limits were refused"),
            code => Some((code % 100, code >= 100)),
        }
    }

    #[test]
    fn a_run_gets_its_own_inotify_instances_and_no_user_namespace() {
        if let Some((instances, nested)) = bounded_in_a_child() {
            let expected = i32::try_from(super::INOTIFY_INSTANCES).expect("small");
            assert_eq!((instances, nested), (expected, false));
        }
    }
}
