//! Session and namespaces of the helper, set up before it forks pid 1.

use std::fs;
use std::io;

use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags, open};
use rustix::io::Errno;
use rustix::process::{getgid, getuid, setsid};
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
    #[error("cannot start a thread to make it")]
    Thread(#[source] io::Error),
    #[error("cannot keep it")]
    Keep(#[source] Errno),
    #[error("cannot enter it")]
    Enter(#[source] Errno),
    #[error("a service listens on the host network")]
    ServiceOnHostNetwork,
}

/// The namespaces a helper enters before it knows its run: user, mount, IPC and pid; and the
/// network namespace it may enter later.
#[derive(Debug)]
pub(super) struct Namespaces {
    pub user: Result<String, NamespaceError>,
    pub mount: Result<String, NamespaceError>,
    /// System V shared memory, semaphores and message queues, and POSIX message queues, of
    /// the run's own: the host's are reachable by key from any namespace but their own.
    pub ipc: Result<String, NamespaceError>,
    pub pid: Result<String, NamespaceError>,
    /// Made ahead unless the run is known to have network; entered with `enter_net`.
    pub net: Result<OwnedFd, NamespaceError>,
}

/// New session, so the tool has no controlling terminal to read from or
/// signal. Fails when the caller is already a process-group leader.
pub(super) fn new_session() -> bool {
    setsid().is_ok()
}

/// Unshares what it can; every namespace is tried on its own so that one
/// refusal does not cost the others. The user namespace comes first: it
/// grants the capabilities the others need when we are not root.
///
/// `meanwhile` runs in the mount namespace (told whether there is one) while the network
/// namespace is made on its own thread: making one takes the kernel about half a
/// millisecond, which the mounts need not wait for.
pub(super) fn enter<T>(
    network: Option<bool>,
    meanwhile: impl FnOnce(bool) -> T,
) -> (Namespaces, T) {
    let user = enter_user_ns();
    // Before any thread exists: a thread shares our filesystem context, which a new mount
    // namespace must not.
    let mount = unshare(UnshareFlags::NEWNS);
    let ipc = unshare(UnshareFlags::NEWIPC);
    let maker = match network {
        Some(true) => Err(NamespaceError::NetworkWanted),
        _ => start_net(),
    };
    let done = meanwhile(mount.is_ok());
    let net = maker.and_then(join_net);
    // After the thread is joined: once in a new pid namespace, no thread can be started.
    let pid = unshare(UnshareFlags::NEWPID);
    let namespaces = Namespaces {
        user,
        mount,
        ipc,
        pid,
        net,
    };
    (namespaces, done)
}

type NetMaker = std::thread::JoinHandle<Result<OwnedFd, NamespaceError>>;

/// Starts making a network namespace ahead, before the run says whether it has network: on
/// a thread of its own, since a namespace belongs to the thread that unshares it, so the
/// helper itself stays in the host's until `enter_net`. Inside the user namespace `enter`
/// made, when there is one.
fn start_net() -> Result<NetMaker, NamespaceError> {
    std::thread::Builder::new()
        .name("netns".into())
        .spawn(|| {
            unshare(UnshareFlags::NEWNET)?;
            open(
                "/proc/thread-self/ns/net",
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(NamespaceError::Keep)
        })
        .map_err(NamespaceError::Thread)
}

/// The namespace `start_net` made. The thread has ended once joined: the helper is
/// single-threaded again before it forks.
fn join_net(maker: NetMaker) -> Result<OwnedFd, NamespaceError> {
    maker
        .join()
        .unwrap_or_else(|_| Err(NamespaceError::Thread(io::Error::other("it panicked"))))
}

/// Moves the helper into the network namespace `make_net` made.
pub(super) fn enter_net(namespace: OwnedFd) -> Result<String, NamespaceError> {
    move_into_link_name_space(namespace.as_fd(), Some(LinkNameSpaceType::Network))
        .map(|()| String::new())
        .map_err(NamespaceError::Enter)
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
    // SAFETY: we never unshare FILES, the flag that makes this call unsafe; the user and
    // mount namespaces, which need a single thread, are unshared before any thread exists.
    unsafe { unshare_unsafe(flags) }
        .map(|()| String::new())
        .map_err(NamespaceError::Unshare)
}
