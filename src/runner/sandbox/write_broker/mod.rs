//! The write broker (`writes` layer): a tool never makes, renames, links, removes or writes a
//! `.git` (folder, file or link) or anything in a toolbench workspace under a path it was
//! granted for writing, at any depth, and does everything else there as before.
//!
//! How: pid 1 shows each written folder to the tool read-only (the kernel then refuses every
//! change there, whatever path or descriptor the tool uses) and keeps for itself a writable
//! copy of its mount that no path reaches. A seccomp filter the tool installs before its exec
//! (`filter`) makes each call that would make or change a name, or open a file for writing,
//! wait for pid 1 (user notification). pid 1 resolves where it lands (`place`): outside the
//! written folders it lets the kernel carry the call out as the tool made it; inside, it
//! refuses a `.git`, `toolbench.toml` or `.toolbench` anywhere on the path and any change in a
//! workspace, and carries the rest out itself in the copy (`calls`), handing an opened file
//! to the tool as a new descriptor. Letting the kernel go on is always safe: if the tool
//! changed the path or its links meanwhile, the call lands on the read-only view.
//!
//! What pid 1 must never do: act anywhere but in a written folder, or with more than the
//! tool's own rights (it drops every capability but the one that lets it read the tool's
//! memory, and shares the tool's uid and Landlock domain).

mod calls;
mod filter;
mod notify;
mod place;

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

pub(super) use filter::Handoff;

use super::policy::SandboxPolicy;

/// The kernel the broker needs: user notification with killable waits (5.19); descriptors
/// handed over with the answer (5.14), mount ids from statx (5.8), detached mounts (5.2).
const NEEDS: (u32, u32) = (5, 19);

/// Why the broker is missing: the written folders are then writable as granted, with the
/// `.git` at their top and the workspaces known at grant time kept read-only.
#[derive(Debug, thiserror::Error)]
pub(super) enum BrokerError {
    #[error("no pid namespace")]
    NoPidNamespace,
    #[error("no mount namespace")]
    NoMountNamespace,
    #[error(
        "needs Linux {major}.{minor} (seccomp user notification with killable waits); this is \
         {0}",
        major = NEEDS.0,
        minor = NEEDS.1
    )]
    OldKernel(String),
    #[error("seccomp user notification unavailable")]
    NoUserNotification(#[source] io::Error),
    #[error("no filter for this architecture")]
    Architecture,
    #[error("yama forbids reading the tool's memory (kernel.yama.ptrace_scope = 3)")]
    NoPtrace,
    #[error("no mount ids (statx)")]
    NoMountIds,
    #[error("cannot keep a writable copy of {}", .path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot show {} read-only", .path.display())]
    ReadOnly {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot make the socket the listener comes over")]
    Socket(#[source] io::Error),
}

/// Why a broker prepared for a tool could not start: the tool is then not let run, since
/// its written folders are read-only to it.
#[derive(Debug, thiserror::Error)]
pub(super) enum StartError {
    #[error("the tool's process did not hand over its listener")]
    NoListener(#[source] io::Error),
    #[error("cannot serve the listener")]
    Listener(#[source] io::Error),
    #[error("cannot watch for the end of the tool's processes")]
    Signals(#[source] io::Error),
    #[error("cannot give up pid 1's capabilities")]
    Capabilities(#[source] super::caps::CapsError),
}

/// What pid 1 made before the tool starts: the written folders read-only to the tool with
/// their writable copies, and the socket pair the tool's process sends its listener over.
pub(super) struct Prepared {
    folders: place::Folders,
    /// pid 1's end.
    socket: OwnedFd,
    handoff: Option<Handoff>,
}

impl Prepared {
    /// What the tool's process needs to install the filter (taken once).
    pub(super) fn handoff(&mut self) -> Option<Handoff> {
        self.handoff.take()
    }

    /// The `writes` layer's detail.
    pub(super) fn detail(&self) -> String {
        let n = self.folders.written.len();
        format!(
            "brokered: {n} written folder{} read-only to the tool, no .git or workspace made or \
             changed",
            if n == 1 { "" } else { "s" }
        )
    }
}

/// Sets up the broker for a run with written folders, in pid 1 after the run's mounts are
/// built and before its own protections (it mounts); `None` when the run writes nowhere.
/// `namespaces`: pid 1 of its own pid namespace, in a mount namespace of the run's.
pub(super) fn prepare(
    policy: &SandboxPolicy,
    pid_ns: bool,
    mount_ns: bool,
) -> Option<Result<Prepared, BrokerError>> {
    if policy.grants.write.is_empty() {
        return None;
    }
    Some(prepare_for(&policy.grants.write, pid_ns, mount_ns))
}

fn prepare_for(written: &[PathBuf], pid_ns: bool, mount_ns: bool) -> Result<Prepared, BrokerError> {
    if !mount_ns {
        return Err(BrokerError::NoMountNamespace);
    }
    if !pid_ns {
        return Err(BrokerError::NoPidNamespace);
    }
    kernel_ok()?;
    notify::available().map_err(BrokerError::NoUserNotification)?;
    let program = filter::program().ok_or(BrokerError::Architecture)?;
    if std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").is_ok_and(|s| s.trim() == "3")
    {
        return Err(BrokerError::NoPtrace);
    }
    // Every copy first: nothing is made read-only unless all of them are there.
    let mut folders = Vec::with_capacity(written.len());
    for path in written {
        let copy = copy_of(path).map_err(|source| BrokerError::Copy {
            path: path.clone(),
            source,
        })?;
        let shown = super::mount_calls::open_path(path).map_err(|source| BrokerError::Copy {
            path: path.clone(),
            source,
        })?;
        let mount = super::mount_calls::mount_of(&shown).ok_or(BrokerError::NoMountIds)?;
        folders.push(place::Written::new(path.clone(), mount, copy));
    }
    let (socket, tool_end) = rustix::net::socketpair(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::SEQPACKET,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| BrokerError::Socket(e.into()))?;
    for folder in &folders {
        super::mounts::remount_read_only(&folder.path).map_err(|source| BrokerError::ReadOnly {
            path: folder.path.clone(),
            source,
        })?;
    }
    Ok(Prepared {
        folders: place::Folders { written: folders },
        socket,
        handoff: Some(Handoff::new(program, tool_end)),
    })
}

/// The running kernel is recent enough (`uname`'s release, `major.minor`).
fn kernel_ok() -> Result<(), BrokerError> {
    // SAFETY: uname fills the struct we pass; its fields are NUL-terminated strings.
    let release = unsafe {
        let mut names: libc::utsname = std::mem::zeroed();
        libc::uname(&mut names);
        std::ffi::CStr::from_ptr(names.release.as_ptr())
            .to_string_lossy()
            .into_owned()
    };
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    let version = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    if version >= NEEDS {
        Ok(())
    } else {
        Err(BrokerError::OldKernel(release))
    }
}

/// A detached, writable copy of the mount at `path` (`open_tree(OPEN_TREE_CLONE)`): the same
/// files, reachable by no path, only through the descriptor pid 1 keeps.
fn copy_of(path: &Path) -> io::Result<OwnedFd> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let flags = libc::OPEN_TREE_CLONE | libc::O_CLOEXEC.unsigned_abs();
    // SAFETY: a NUL-terminated path; the result is a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor just made, owned by nothing else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) })
}

/// pid 1 serving the tool's calls while the run lasts.
pub(super) struct Broker {
    /// `None` once no process of the tool is left under the filter.
    listener: Option<notify::Listener>,
    folders: place::Folders,
    /// SIGCHLD, which pid 1 keeps blocked, as a descriptor to wait on beside the listener.
    signals: OwnedFd,
}

impl Broker {
    /// Takes the listener the tool's process sent, then gives up every capability pid 1 has
    /// but the one to read the tool's memory.
    pub(super) fn start(prepared: Prepared) -> Result<Self, StartError> {
        let listener = filter::receive_fd(&prepared.socket).map_err(StartError::NoListener)?;
        let listener = notify::Listener::new(listener).map_err(StartError::Listener)?;
        let signals = sigchld_fd().map_err(StartError::Signals)?;
        super::caps::keep_only_ptrace().map_err(StartError::Capabilities)?;
        Ok(Self {
            listener: Some(listener),
            folders: prepared.folders,
            signals,
        })
    }

    /// Serves calls until a child of pid 1 changed state or `timeout_ms` passed (as
    /// `sigtimedwait` would wait), or the listener is done: then it waits for SIGCHLD alone.
    pub(super) fn serve(&mut self, timeout_ms: Option<i64>) {
        let deadline = timeout_ms.map(|ms| {
            std::time::Instant::now() + std::time::Duration::from_millis(ms.max(0) as u64)
        });
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            let timeout = left.map(|left| Timespec {
                tv_sec: left.as_secs() as i64,
                tv_nsec: i64::from(left.subsec_nanos()),
            });
            let Some(listener) = &self.listener else {
                let mut fds = [PollFd::new(&self.signals, PollFlags::IN)];
                let _ = poll(&mut fds, timeout.as_ref());
                drain(&self.signals);
                return;
            };
            let mut fds = [
                PollFd::new(&self.signals, PollFlags::IN),
                PollFd::new(listener, PollFlags::IN),
            ];
            match poll(&mut fds, timeout.as_ref()) {
                Ok(0) => return,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return,
            }
            let (child, calls) = (fds[0].revents(), fds[1].revents());
            if calls.contains(PollFlags::IN) {
                self.serve_one();
            } else if calls.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                self.listener = None;
            }
            if child.contains(PollFlags::IN) {
                drain(&self.signals);
                return;
            }
        }
    }

    fn serve_one(&self) {
        let Some(listener) = &self.listener else {
            return;
        };
        let Ok(call) = listener.receive() else {
            return;
        };
        match calls::judge(&call, listener, &self.folders) {
            calls::Reply::Answer(answer) => listener.answer(&call, answer),
            calls::Reply::File(file, cloexec) => {
                if let Err(errno) = listener.answer_with(&call, file.as_fd(), cloexec) {
                    listener.answer(&call, notify::SyscallAnswer::Refused(errno));
                }
            }
        }
    }
}

/// A signalfd for SIGCHLD (blocked in pid 1), read without waiting.
fn sigchld_fd() -> io::Result<OwnedFd> {
    // SAFETY: sigemptyset initialises the set before sigaddset and signalfd read it.
    let fd = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC)
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor just made, owned by nothing else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}

/// Reads every pending SIGCHLD off the signalfd (pid 1 reaps every child anyway).
fn drain(signals: &OwnedFd) {
    let mut info = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
    while rustix::io::read(signals, &mut info).is_ok_and(|n| n > 0) {}
}
