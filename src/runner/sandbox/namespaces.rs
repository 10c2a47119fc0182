//! Session and namespaces of the helper, set up before it forks pid 1.

use std::fs;

use rustix::process::{getgid, getuid, setsid};
use rustix::thread::{UnshareFlags, unshare_unsafe};

/// Which namespaces the helper's children will live in.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Namespaces {
    pub user: bool,
    pub pid: bool,
    pub net: bool,
}

/// New session, so the tool has no controlling terminal to read from or
/// signal. Fails when the caller is already a process-group leader.
pub(super) fn new_session() -> bool {
    setsid().is_ok()
}

/// Unshares what it can; every namespace is tried on its own so that one
/// refusal does not cost the others.
pub(super) fn enter(network: bool) -> Namespaces {
    let user = enter_user_ns();
    // Without a user namespace these need CAP_SYS_ADMIN; when we are root
    // they still work.
    let pid = unshare(UnshareFlags::NEWPID);
    let net = !network && unshare(UnshareFlags::NEWNET);
    Namespaces { user, pid, net }
}

/// A user namespace where we keep our own uid/gid, so files the tool creates
/// in the scratch dir belong to the user running toolbench.
fn enter_user_ns() -> bool {
    let (uid, gid) = (getuid().as_raw(), getgid().as_raw());
    if !unshare(UnshareFlags::NEWUSER) {
        return false;
    }
    // "deny" must precede gid_map for unprivileged callers; kernels before
    // 3.19 lack the file, which is fine.
    let _ = fs::write("/proc/self/setgroups", "deny");
    let uid_ok = fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n")).is_ok();
    let gid_ok = fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n")).is_ok();
    uid_ok && gid_ok
}

fn unshare(flags: UnshareFlags) -> bool {
    // SAFETY: the helper is single-threaded (helper_main runs before any
    // thread exists) and we never unshare FILES, the flag that makes this
    // call unsafe.
    unsafe { unshare_unsafe(flags) }.is_ok()
}
