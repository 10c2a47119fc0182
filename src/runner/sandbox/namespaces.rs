//! Session and namespaces of the helper, set up before it forks pid 1.

use std::fs;
use std::io;

use rustix::io::Errno;
use rustix::process::{getgid, getuid, setsid};
use rustix::thread::{UnshareFlags, unshare_unsafe};

/// Why a namespace is missing.
#[derive(Debug, thiserror::Error)]
pub(super) enum NamespaceError {
    #[error("unavailable")]
    Unshare(#[source] Errno),
    #[error("cannot map ids")]
    MapIds(#[source] io::Error),
    #[error("the manifest asks for network")]
    NetworkWanted,
    #[error("a service listens on the host network")]
    ServiceOnHostNetwork,
}

/// The namespaces a helper enters before it knows its run: user, mount and pid.
#[derive(Debug)]
pub(super) struct Namespaces {
    pub user: Result<String, NamespaceError>,
    pub mount: Result<String, NamespaceError>,
    pub pid: Result<String, NamespaceError>,
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
    let pid = unshare(UnshareFlags::NEWPID);
    Namespaces { user, mount, pid }
}

/// The network namespace, once the run says whether it has network: inside the user
/// namespace `enter` made, when there is one.
pub(super) fn enter_net(network: bool) -> Result<String, NamespaceError> {
    if network {
        return Err(NamespaceError::NetworkWanted);
    }
    unshare(UnshareFlags::NEWNET)
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
    // SAFETY: the helper is single-threaded (helper_main runs before any
    // thread exists) and we never unshare FILES, the flag that makes this
    // call unsafe.
    unsafe { unshare_unsafe(flags) }
        .map(|()| String::new())
        .map_err(NamespaceError::Unshare)
}
