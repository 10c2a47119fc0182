//! Session and namespaces of the helper, set up before it forks pid 1.

use std::fs::{self, File};
use std::io::{self, Read, Write};

use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags, open, openat};
use rustix::io::Errno;
use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{Pid, getgid, getpid, getuid, setsid};
use rustix::thread::{LinkNameSpaceType, UnshareFlags, move_into_link_name_space, unshare_unsafe};

/// Why a namespace is missing.
#[derive(Debug, thiserror::Error)]
pub(super) enum NamespaceError {
    #[error("unavailable")]
    Unshare(#[source] Errno),
    #[error("cannot map ids")]
    MapIds(#[source] io::Error),
    #[error("the manifest asks for network")]
    NetworkWanted,
    #[error("cannot open it")]
    Open(#[source] Errno),
    #[error("cannot hand it to pid 1")]
    Handoff(#[source] io::Error),
    #[error("cannot enter it")]
    Enter(#[source] Errno),
    #[error("a service listens on the host network")]
    ServiceOnHostNetwork,
}

/// The namespaces a helper enters before it knows its run: user, mount, IPC and pid. The
/// network namespace comes once the run is known (`make_net`).
#[derive(Debug)]
pub(super) struct Namespaces {
    pub(crate) user: Result<String, NamespaceError>,
    pub(crate) mount: Result<String, NamespaceError>,
    /// System V shared memory, semaphores and message queues, and POSIX message queues, of
    /// the run's own: the host's are reachable by key from any namespace but their own.
    pub(crate) ipc: Result<String, NamespaceError>,
    pub(crate) pid: Result<String, NamespaceError>,
}

/// New session, so the tool has no controlling terminal to read from or
/// signal. Fails when the caller is already a process-group leader.
pub(super) fn new_session() -> bool {
    setsid().is_ok()
}

/// Unshares what it can; every namespace is tried on its own so that one
/// refusal does not cost the others. The user namespace comes first: it
/// grants the capabilities the others need when we are not root.
pub(super) fn enter() -> Namespaces {
    let user = enter_user_ns();
    let mount = unshare(UnshareFlags::NEWNS);
    let ipc = unshare(UnshareFlags::NEWIPC);
    let pid = unshare(UnshareFlags::NEWPID);
    Namespaces {
        user,
        mount,
        ipc,
        pid,
    }
}

/// The run's network namespace, made by the helper once it has forked pid 1 (making one takes
/// the kernel about half a millisecond, which pid 1 spends on the run's mounts meanwhile, on
/// another CPU) and joined by pid 1 through the helper's `/proc` folder. `net_handoff` gives
/// the helper's end and pid 1's.
pub(super) fn net_handoff() -> Result<(NetMaker, NetJoin), NamespaceError> {
    let (told, tell) =
        pipe_with(PipeFlags::CLOEXEC).map_err(|e| NamespaceError::Handoff(e.into()))?;
    Ok((
        NetMaker(File::from(tell)),
        NetJoin {
            told: File::from(told),
            helper: getpid(),
        },
    ))
}

/// The helper's end: makes the namespace and tells pid 1 how that went.
pub(super) struct NetMaker(File);

impl NetMaker {
    /// Moves the helper into a new network namespace; pid 1 learns 0 or the errno. `inside`
    /// runs in the new namespace before pid 1 is told, so what it sets up there (the egress
    /// listeners) is in place before the tool starts.
    pub(super) fn make(self, inside: impl FnOnce()) {
        let code = match unshare(UnshareFlags::NEWNET) {
            Ok(_) => {
                inside();
                0
            }
            Err(NamespaceError::Unshare(errno)) => errno.raw_os_error(),
            Err(_) => libc::EINVAL,
        };
        let _ = (&self.0).write_all(&code.to_le_bytes());
    }
}

/// pid 1's end.
pub(super) struct NetJoin {
    told: File,
    helper: Pid,
}

impl NetJoin {
    /// Opens the helper's `/proc` folder: before pid 1 mounts the run's own `/proc`, where the
    /// helper has no folder.
    pub(super) fn open(self) -> PendingNet {
        let folder = open(
            format!("/proc/{}", self.helper.as_raw_pid()),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        );
        PendingNet {
            told: self.told,
            folder,
        }
    }
}

/// pid 1's end, with the helper's `/proc` folder open.
pub(super) struct PendingNet {
    told: File,
    folder: rustix::io::Result<OwnedFd>,
}

impl PendingNet {
    /// Waits for the helper's namespace and moves pid 1 into it.
    pub(super) fn enter(mut self) -> Result<String, NamespaceError> {
        let mut code = [0u8; 4];
        self.told
            .read_exact(&mut code)
            .map_err(NamespaceError::Handoff)?;
        match i32::from_le_bytes(code) {
            0 => {}
            errno => return Err(NamespaceError::Unshare(Errno::from_raw_os_error(errno))),
        }
        let folder = self.folder.map_err(NamespaceError::Open)?;
        let namespace = openat(
            &folder,
            "ns/net",
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(NamespaceError::Open)?;
        move_into_link_name_space(namespace.as_fd(), Some(LinkNameSpaceType::Network))
            .map(|()| String::new())
            .map_err(NamespaceError::Enter)
    }
}

/// A user namespace where we keep our own uid/gid, so files the tool creates
/// in the scratch dir belong to the user running toolbench.
fn enter_user_ns() -> Result<String, NamespaceError> {
    let (uid, gid) = (getuid().as_raw(), getgid().as_raw());
    unshare(UnshareFlags::NEWUSER)?;
    // "deny" must precede gid_map for unprivileged callers; kernels before
    // 3.19 lack the file, which is fine.
    let _ = fs::write("/proc/self/setgroups", "deny");
    fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))
        .and_then(|()| fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n")))
        .map(|()| format!("uid {uid}"))
        .map_err(NamespaceError::MapIds)
}

fn unshare(flags: UnshareFlags) -> Result<String, NamespaceError> {
    // SAFETY: we never unshare FILES, the flag that makes this call unsafe; the helper has a
    // single thread throughout.
    unsafe { unshare_unsafe(flags) }
        .map(|()| String::new())
        .map_err(NamespaceError::Unshare)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A helper that ended before making the namespace leaves it missing, never counted.
    #[test]
    fn a_namespace_never_made_is_reported_missing() {
        let (maker, join) = net_handoff().expect("pipe");
        drop(maker);
        let entered = join.open().enter();
        assert!(
            matches!(entered, Err(NamespaceError::Handoff(_))),
            "{entered:?}"
        );
    }
}
