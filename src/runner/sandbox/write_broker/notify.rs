//! The listener's side of seccomp user notification: a call the tool waits in, how pid 1
//! answers it (let the kernel carry it out, a result, an error, or a new descriptor), and
//! reading what the call points to in the tool's memory.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::io::Errno;

/// `SECCOMP_GET_NOTIF_SIZES`.
const GET_NOTIF_SIZES: libc::c_ulong = 3;
/// `SECCOMP_GET_ACTION_AVAIL`.
const GET_ACTION_AVAIL: libc::c_ulong = 2;

/// Whether this kernel has user notification at all (Linux 5.0).
pub(super) fn available() -> io::Result<()> {
    let action: u32 = libc::SECCOMP_RET_USER_NOTIF;
    // SAFETY: the call reads one u32 we pass.
    let rc = unsafe { libc::syscall(libc::SYS_seccomp, GET_ACTION_AVAIL, 0, &raw const action) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One call the tool waits in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    pub(crate) id: u64,
    /// The calling thread, in the run's pid namespace (pid 1's own).
    pub(crate) pid: u32,
    pub(crate) nr: i64,
    pub(crate) args: [u64; 6],
}

/// How pid 1 answers a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SyscallAnswer {
    /// The kernel carries the call out as the tool made it, with the tool's rights: safe
    /// whatever the tool changed meanwhile, since its view of every written folder is
    /// read-only.
    Continue,
    /// The call returns this value.
    Done(i64),
    /// The call fails with this errno.
    Refused(Errno),
}

/// The listener pid 1 serves.
pub(super) struct Listener {
    fd: OwnedFd,
    /// The kernel's sizes of `struct seccomp_notif` and `seccomp_notif_resp`, which may be
    /// larger than ours: the buffers are made for the larger.
    notif_bytes: usize,
    resp_bytes: usize,
}

#[repr(C)]
#[derive(Default)]
struct NotifSizes {
    notif: u16,
    resp: u16,
    data: u16,
}

impl Listener {
    pub(super) fn new(fd: OwnedFd) -> io::Result<Self> {
        let mut sizes = NotifSizes::default();
        // SAFETY: the call writes the three u16 of `sizes`.
        let rc = unsafe { libc::syscall(libc::SYS_seccomp, GET_NOTIF_SIZES, 0, &raw mut sizes) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            fd,
            notif_bytes: usize::from(sizes.notif).max(std::mem::size_of::<libc::seccomp_notif>()),
            resp_bytes: usize::from(sizes.resp)
                .max(std::mem::size_of::<libc::seccomp_notif_resp>()),
        })
    }

    /// The next call; `Err` when the caller went away meanwhile (ENOENT) or the listener is
    /// done.
    pub(super) fn receive(&self) -> Result<Call, Errno> {
        // Zeroed each time: the kernel refuses a buffer that is not.
        let mut buffer = vec![0u64; self.notif_bytes.div_ceil(8)];
        // SAFETY: the buffer holds at least the kernel's struct seccomp_notif, and ours.
        let rc = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_RECV as _,
                buffer.as_mut_ptr(),
            )
        };
        if rc != 0 {
            return Err(Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::IO));
        }
        // SAFETY: the kernel filled a struct seccomp_notif at the start of the buffer, which
        // is aligned for it.
        let notif = unsafe { &*buffer.as_ptr().cast::<libc::seccomp_notif>() };
        Ok(Call {
            id: notif.id,
            pid: notif.pid,
            nr: i64::from(notif.data.nr),
            args: notif.data.args,
        })
    }

    /// True while the tool still waits in `call`: what was read about it meanwhile (its
    /// memory, its folders in /proc) was the caller's and not another process's that took
    /// its pid.
    pub(super) fn still_waiting(&self, call: &Call) -> bool {
        let id = call.id;
        // SAFETY: the call reads one u64 we pass.
        unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_ID_VALID as _,
                &raw const id,
            ) == 0
        }
    }

    /// Answers `call`. A caller gone meanwhile is no error of ours.
    pub(super) fn answer(&self, call: &Call, answer: SyscallAnswer) {
        let mut buffer = vec![0u64; self.resp_bytes.div_ceil(8)];
        {
            // SAFETY: the buffer holds at least a struct seccomp_notif_resp, aligned.
            let resp = unsafe { &mut *buffer.as_mut_ptr().cast::<libc::seccomp_notif_resp>() };
            resp.id = call.id;
            match answer {
                SyscallAnswer::Continue => {
                    resp.flags = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
                }
                SyscallAnswer::Done(value) => resp.val = value,
                SyscallAnswer::Refused(errno) => resp.error = -errno.raw_os_error(),
            }
        }
        // SAFETY: the buffer holds the response, as large as the kernel's struct.
        unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_SEND as _,
                buffer.as_ptr(),
            );
        }
    }

    /// Puts a copy of `file` in the tool's descriptor table and answers `call` with its
    /// number, in one step (`SECCOMP_ADDFD_FLAG_SEND`, Linux 5.14). `Err` when it could not
    /// (the tool's table is full): the call is then still to be answered.
    pub(super) fn answer_with(
        &self,
        call: &Call,
        file: BorrowedFd<'_>,
        cloexec: bool,
    ) -> Result<(), Errno> {
        let addfd = libc::seccomp_notif_addfd {
            id: call.id,
            flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
            srcfd: file.as_raw_fd() as u32,
            newfd: 0,
            newfd_flags: if cloexec {
                libc::O_CLOEXEC.unsigned_abs()
            } else {
                0
            },
        };
        // SAFETY: the call reads the struct we pass.
        let rc = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_ADDFD as _,
                &raw const addfd,
            )
        };
        if rc < 0 {
            Err(Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::IO))
        } else {
            Ok(())
        }
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The most a path may hold with its NUL, as the kernel counts.
const PATH_MAX: usize = 4096;

/// The NUL-terminated string at `address` in the memory of `pid`, without its NUL. ENAMETOOLONG
/// past `PATH_MAX`, EFAULT where the tool's memory cannot be read.
pub(super) fn read_string(pid: u32, address: u64) -> Result<Vec<u8>, Errno> {
    let mut text = Vec::with_capacity(256);
    let mut at = address;
    // Page by page: a string near the end of a mapping is readable only up to that end.
    while text.len() < PATH_MAX {
        let to_page_end = 4096 - (at % 4096) as usize;
        let want = to_page_end.min(PATH_MAX - text.len());
        let start = text.len();
        text.resize(start + want, 0);
        let read = read_memory(pid, at, &mut text[start..])?;
        text.truncate(start + read);
        if let Some(nul) = text[start..].iter().position(|b| *b == 0) {
            text.truncate(start + nul);
            return Ok(text);
        }
        if read < want {
            return Err(Errno::FAULT);
        }
        at = at.checked_add(want as u64).ok_or(Errno::FAULT)?;
    }
    Err(Errno::NAMETOOLONG)
}

/// `bytes.len()` bytes at `address` in the memory of `pid`.
pub(super) fn read_exact(pid: u32, address: u64, bytes: &mut [u8]) -> Result<(), Errno> {
    match read_memory(pid, address, bytes)? {
        n if n == bytes.len() => Ok(()),
        _ => Err(Errno::FAULT),
    }
}

fn read_memory(pid: u32, address: u64, into: &mut [u8]) -> Result<usize, Errno> {
    if into.is_empty() {
        return Ok(0);
    }
    let local = libc::iovec {
        iov_base: into.as_mut_ptr().cast(),
        iov_len: into.len(),
    };
    let remote = libc::iovec {
        iov_base: address as *mut libc::c_void,
        iov_len: into.len(),
    };
    // SAFETY: the kernel writes at most `into.len()` bytes into `into`; the remote address is
    // only read in the other process, through the kernel's checks.
    let read = unsafe {
        libc::process_vm_readv(
            pid as libc::pid_t,
            &raw const local,
            1,
            &raw const remote,
            1,
            0,
        )
    };
    if read < 0 {
        Err(Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::FAULT))
    } else {
        Ok(read as usize)
    }
}

/// The file-mode creation mask of `pid` (`/proc/PID/status`), which a file pid 1 makes for it
/// must follow.
pub(super) fn umask_of(pid: u32) -> Result<u32, Errno> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|_| Errno::SRCH)?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))
        .and_then(|mask| u32::from_str_radix(mask.trim(), 8).ok())
        .ok_or(Errno::SRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_read_up_to_its_nul_across_pages() {
        let me = std::process::id();
        // A string that starts near the end of a page and runs into the next.
        let mut pages = vec![b'x'; 3 * 4096];
        let base = pages.as_ptr() as usize;
        let start = (base / 4096 + 1) * 4096 - 5;
        let offset = start - base;
        pages[offset + 9] = 0;
        assert_eq!(
            read_string(me, start as u64).as_deref(),
            Ok(&b"xxxxxxxxx"[..])
        );
        // More than PATH_MAX bytes without a NUL.
        pages[offset + 9] = b'x';
        assert_eq!(read_string(me, start as u64), Err(Errno::NAMETOOLONG));
        assert_eq!(read_string(me, 0), Err(Errno::FAULT));
    }

    #[test]
    fn the_umask_is_read_from_proc() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "umask 027; exec sleep 5"])
            .spawn()
            .expect("sh");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = umask_of(child.id());
        while seen != Ok(0o027) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
            seen = umask_of(child.id());
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(seen, Ok(0o027));
    }
}
