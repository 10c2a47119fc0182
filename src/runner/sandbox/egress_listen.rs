//! The helper's part of the egress proxy (`runner::egress`): in the run's own network
//! namespace, before pid 1 joins it, brings loopback up and listens on the proxy's port and on
//! every declared loopback address; then hands the listeners to the runner, which lives in the
//! host's network namespace, over its Unix socket (`SCM_RIGHTS`), and closes its own copies.
//! pid 1 was forked before the namespace existed: it never holds them.

use std::ffi::OsStr;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::fs::{Mode, OFlags, open};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags, sendmsg};
use serde::{Deserialize, Serialize};

use super::policy::EgressPlan;

/// The most listeners one hand-over carries (the kernel takes up to 253 descriptors).
pub(crate) const MAX_LISTENERS: usize = 64;

/// What the helper tells the runner with the descriptors: the address each one listens on,
/// in their order, and what it could not listen on and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HandOver {
    pub(crate) listening: Vec<SocketAddr>,
    pub(crate) failed: Vec<String>,
}

/// The listeners made inside the run's namespace.
pub(super) struct Listeners {
    made: Vec<(SocketAddr, OwnedFd)>,
    failed: Vec<String>,
}

/// Brings loopback up and listens on the proxy's port and the forwarded addresses. Called in
/// the new namespace, before pid 1 is told it exists.
pub(super) fn listen(plan: &EgressPlan) -> Listeners {
    let mut failed = Vec::new();
    if let Err(e) = loopback_up() {
        failed.push(format!("cannot bring loopback up: {e}"));
    }
    let proxy = SocketAddr::from(([127, 0, 0, 1], plan.proxy_port));
    let mut made = Vec::new();
    for addr in std::iter::once(proxy).chain(plan.forward.iter().copied()) {
        if made.len() == MAX_LISTENERS {
            failed.push(format!("{addr}: more than {MAX_LISTENERS} listeners"));
            continue;
        }
        match TcpListener::bind(addr) {
            Ok(listener) => made.push((addr, OwnedFd::from(listener))),
            Err(e) => failed.push(format!("cannot listen on {addr}: {e}")),
        }
    }
    Listeners { made, failed }
}

impl Listeners {
    /// Connects to the runner's socket `name` in `folder` (opened through the host's root:
    /// the run's folder is hidden in the helper's mount namespace) and sends the listeners.
    /// Our copies close when this returns, whatever happened.
    pub(super) fn hand_over(self, folder: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
        let stream = connect_in(folder, name)?;
        let message = HandOver {
            listening: self.made.iter().map(|(addr, _)| *addr).collect(),
            failed: self.failed,
        };
        let bytes = serde_json::to_vec(&message).map_err(io::Error::other)?;
        let fds: Vec<BorrowedFd<'_>> = self.made.iter().map(|(_, fd)| fd.as_fd()).collect();
        let mut space = vec![MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(fds.len()))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(&fds)) {
            return Err(io::Error::other("no room for the descriptors"));
        }
        let mut sent = sendmsg(
            &stream,
            &[IoSlice::new(&bytes)],
            &mut control,
            SendFlags::NOSIGNAL,
        )?;
        while sent < bytes.len() {
            sent += rustix::io::write(&stream, &bytes[sent..])?;
        }
        Ok(())
    }
}

/// A Unix socket's path may be too long for `sockaddr_un`, and the folder is not reachable
/// by path in this mount namespace: the helper steps into the folder, connects to the bare
/// name and steps back.
fn connect_in(folder: BorrowedFd<'_>, name: &OsStr) -> io::Result<UnixStream> {
    let back = open(
        ".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    rustix::process::fchdir(folder)?;
    let stream = UnixStream::connect(name);
    rustix::process::fchdir(&back)?;
    stream
}

/// `ip link set lo up`, as the namespace's owner.
fn loopback_up() -> io::Result<()> {
    // SAFETY: a plain socket(2) call; the descriptor is owned right after.
    let socket = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if socket < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `socket` is a fresh descriptor nothing else owns.
    let socket: OwnedFd = unsafe { std::os::fd::FromRawFd::from_raw_fd(socket) };
    let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
    // SAFETY: ifreq is plain data; zeroed it names no interface and holds no flags.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: the ioctls read and write the ifreq we own, on our own socket.
    unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request) < 0 {
            return Err(io::Error::last_os_error());
        }
        request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(fd, libc::SIOCSIFFLAGS, &request) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
