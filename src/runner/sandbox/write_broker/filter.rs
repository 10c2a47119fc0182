//! The tool's own seccomp filter, stacked on the run's: every call that makes, removes,
//! renames or links a name, opens a file for writing, or changes a file's mode, owner, times or
//! extended attributes by its path waits for pid 1 (`SECCOMP_RET_USER_NOTIF`); `openat2`, whose flags lie in
//! memory a filter cannot read, answers ENOSYS (C libraries do not need it; programs that try
//! it fall back to `openat`). Everything else is allowed here, and the run's own filter still
//! refuses what it refuses (the kernel takes the strictest answer of all filters).
//!
//! The filter is installed by the tool's process itself, right before its exec, with
//! `SECCOMP_FILTER_FLAG_NEW_LISTENER`: the listener it returns is sent to pid 1 over a socket
//! pair and closed, so the tool never holds it. That process runs in pid 1's memory and may
//! only make system calls (see `spawn`): the program and the socket are made beforehand.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use libc::{c_int, c_long, sock_filter};

/// How a call is judged by the filter.
#[derive(Clone, Copy)]
enum Trap {
    /// Always asks pid 1.
    Always,
    /// Asks pid 1 when argument `n` (open flags) asks to write, create or truncate.
    WriteFlags(u32),
    /// Asks pid 1 when argument `n` (an access mode) holds `W_OK`.
    WriteAccess(u32),
    /// Asks pid 1 when argument `n` (a path) is not NULL (`utimensat` on a descriptor passes
    /// none).
    PathGiven(u32),
    /// Answers ENOSYS.
    Unavailable,
}

/// The flags of an open that may change a file: the kernel refuses them all on the tool's
/// read-only view of a written folder, so pid 1 must see them.
const WRITE_FLAGS: u32 =
    (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC).unsigned_abs();

/// Call numbers not every architecture's `libc` names.
const SYS_FCHMODAT2: c_long = 452;

/// The calls trapped on this architecture, with how.
fn trapped() -> Vec<(c_long, Trap)> {
    let mut calls = vec![
        (libc::SYS_openat, Trap::WriteFlags(2)),
        (libc::SYS_openat2, Trap::Unavailable),
        (libc::SYS_mkdirat, Trap::Always),
        (libc::SYS_mknodat, Trap::Always),
        (libc::SYS_unlinkat, Trap::Always),
        (libc::SYS_renameat2, Trap::Always),
        (libc::SYS_linkat, Trap::Always),
        (libc::SYS_symlinkat, Trap::Always),
        (libc::SYS_truncate, Trap::Always),
        (libc::SYS_fchmodat, Trap::Always),
        (SYS_FCHMODAT2, Trap::Always),
        (libc::SYS_fchownat, Trap::Always),
        (libc::SYS_utimensat, Trap::PathGiven(1)),
        (libc::SYS_faccessat, Trap::WriteAccess(2)),
        (libc::SYS_faccessat2, Trap::WriteAccess(2)),
        (libc::SYS_setxattr, Trap::Always),
        (libc::SYS_lsetxattr, Trap::Always),
        (libc::SYS_removexattr, Trap::Always),
        (libc::SYS_lremovexattr, Trap::Always),
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend([
        (libc::SYS_open, Trap::WriteFlags(1)),
        (libc::SYS_creat, Trap::Always),
        (libc::SYS_mkdir, Trap::Always),
        (libc::SYS_mknod, Trap::Always),
        (libc::SYS_unlink, Trap::Always),
        (libc::SYS_rmdir, Trap::Always),
        (libc::SYS_rename, Trap::Always),
        (libc::SYS_renameat, Trap::Always),
        (libc::SYS_link, Trap::Always),
        (libc::SYS_symlink, Trap::Always),
        (libc::SYS_chmod, Trap::Always),
        (libc::SYS_chown, Trap::Always),
        (libc::SYS_lchown, Trap::Always),
        (libc::SYS_access, Trap::WriteAccess(1)),
    ]);
    #[cfg(target_arch = "aarch64")]
    calls.push((38, Trap::Always)); // renameat
    calls
}

/// `AUDIT_ARCH_*` of the architecture this filter is built for; `None` where it is not.
pub(super) fn audit_arch() -> Option<u32> {
    if cfg!(target_arch = "x86_64") {
        Some(0xC000_003E)
    } else if cfg!(target_arch = "aarch64") {
        Some(0xC000_00B7)
    } else {
        None
    }
}

/// Offsets in `seccomp_data`.
const NUMBER_AT: u32 = 0;
const ARCH_AT: u32 = 4;

/// Where the low and high 32 bits of argument `n` lie in `seccomp_data`.
fn arg_words(n: u32) -> (u32, u32) {
    let at = 16 + 8 * n;
    if cfg!(target_endian = "little") {
        (at, at + 4)
    } else {
        (at + 4, at)
    }
}

const LOAD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;

fn op(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const NOTIFY: u32 = libc::SECCOMP_RET_USER_NOTIF;

/// The instructions judging one trapped call, entered with the call number loaded.
fn block(trap: Trap) -> Vec<sock_filter> {
    match trap {
        Trap::Always => vec![op(RET, NOTIFY, 0, 0)],
        Trap::Unavailable => vec![op(
            RET,
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS.unsigned_abs(),
            0,
            0,
        )],
        Trap::WriteFlags(n) | Trap::WriteAccess(n) => {
            let mask = match trap {
                Trap::WriteFlags(_) => WRITE_FLAGS,
                _ => libc::W_OK.unsigned_abs(),
            };
            vec![
                op(LOAD, arg_words(n).0, 0, 0),
                op(JSET, mask, 0, 1),
                op(RET, NOTIFY, 0, 0),
                op(RET, ALLOW, 0, 0),
            ]
        }
        Trap::PathGiven(n) => {
            let (low, high) = arg_words(n);
            vec![
                op(LOAD, low, 0, 0),
                op(JEQ, 0, 0, 3),
                op(LOAD, high, 0, 0),
                op(JEQ, 0, 0, 1),
                op(RET, ALLOW, 0, 0),
                op(RET, NOTIFY, 0, 0),
            ]
        }
    }
}

/// The whole program; `None` on an architecture it is not written for.
pub(super) fn program() -> Option<Vec<sock_filter>> {
    let arch = audit_arch()?;
    let mut program = vec![
        op(LOAD, ARCH_AT, 0, 0),
        // Another architecture's calls (x86-64's x32 numbers share its token, and the run's
        // filter refuses them) are the run's filter's to judge.
        op(JEQ, arch, 1, 0),
        op(RET, ALLOW, 0, 0),
        op(LOAD, NUMBER_AT, 0, 0),
    ];
    for (number, trap) in trapped() {
        let block = block(trap);
        let skip = u8::try_from(block.len()).ok()?;
        program.push(op(JEQ, u32::try_from(number).ok()?, 0, skip));
        program.extend(block);
    }
    program.push(op(RET, ALLOW, 0, 0));
    Some(program)
}

/// What the tool's process needs to install the filter and hand its listener to pid 1, made
/// by pid 1 before it starts the tool.
pub(in crate::runner::sandbox) struct Handoff {
    program: Vec<sock_filter>,
    /// The tool's end of the socket pair (close-on-exec).
    socket: OwnedFd,
}

/// `SECCOMP_SET_MODE_FILTER`.
const SET_MODE_FILTER: libc::c_ulong = 1;

impl Handoff {
    pub(super) fn new(program: Vec<sock_filter>, socket: OwnedFd) -> Self {
        Self { program, socket }
    }

    /// In the tool's process, right before its exec: installs the filter and sends its
    /// listener to pid 1. System calls only, on the caller's stack: no allocation. Returns the
    /// errno of what failed.
    pub(in crate::runner::sandbox) fn install(&self) -> Result<(), c_int> {
        let program = libc::sock_fprog {
            len: u16::try_from(self.program.len()).map_err(|_| libc::E2BIG)?,
            filter: self.program.as_ptr().cast_mut(),
        };
        // Killable waits only: a signal that interrupted a wait would make the tool repeat a
        // call pid 1 has already carried out (a second mkdir fails with EEXIST).
        let flags =
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        // SAFETY: seccomp reads a filter program that outlives the call.
        let listener = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                SET_MODE_FILTER,
                flags,
                &raw const program,
            )
        };
        if listener < 0 {
            return Err(errno());
        }
        let listener = listener as c_int;
        let sent = send_fd(self.socket.as_raw_fd(), listener);
        // SAFETY: closes the descriptor the call above made for us.
        unsafe { libc::close(listener) };
        sent
    }
}

fn errno() -> c_int {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
}

/// Sends `fd` over the connected Unix socket `socket` (`SCM_RIGHTS`), with one byte.
fn send_fd(socket: c_int, fd: c_int) -> Result<(), c_int> {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // Room for one cmsghdr and one descriptor, aligned as the kernel wants.
    let mut control = [0u64; 4];
    // SAFETY: a zeroed msghdr is valid; the pointers set below outlive sendmsg; CMSG_* only
    // compute addresses inside `control`, which is large enough for one descriptor.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<c_int>() as u32) as usize;
        let header = libc::CMSG_FIRSTHDR(&raw const msg);
        if header.is_null() {
            return Err(libc::EINVAL);
        }
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<c_int>() as u32) as usize;
        libc::CMSG_DATA(header).cast::<c_int>().write_unaligned(fd);
        if libc::sendmsg(socket, &raw const msg, libc::MSG_NOSIGNAL) < 0 {
            return Err(errno());
        }
    }
    Ok(())
}

/// Receives the descriptor `send_fd` sent, close-on-exec, without waiting: the tool's process
/// sent it before its exec, which `spawn` waits for.
pub(super) fn receive_fd(socket: &OwnedFd) -> io::Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut control = [0u64; 4];
    // SAFETY: as in `send_fd`; the descriptor read from the control message is new and ours.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        let flags = libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC;
        if libc::recvmsg(socket.as_raw_fd(), &raw mut msg, flags) < 0 {
            return Err(io::Error::last_os_error());
        }
        let header = libc::CMSG_FIRSTHDR(&raw const msg);
        if header.is_null()
            || (*header).cmsg_level != libc::SOL_SOCKET
            || (*header).cmsg_type != libc::SCM_RIGHTS
        {
            return Err(io::Error::from_raw_os_error(libc::EBADMSG));
        }
        let fd = libc::CMSG_DATA(header).cast::<c_int>().read_unaligned();
        Ok(<OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every jump lands inside the program, and every path through it ends in a return.
    #[test]
    fn the_program_is_well_formed() {
        let Some(program) = program() else {
            return;
        };
        assert!(program.len() < 4096);
        for (at, insn) in program.iter().enumerate() {
            if insn.code & 0x07 == libc::BPF_JMP as u16 {
                assert!(at + 1 + usize::from(insn.jt.max(insn.jf)) < program.len());
            }
        }
        assert_eq!(program.last().map(|i| i.code), Some(RET));
    }
}
