//! A sandbox helper forked ahead of its run, for a process that starts one run and then ends
//! (`toolbench run`).
//!
//! Starting the helper as a program costs about 1.5 ms: the kernel loads toolbench anew, the
//! loader relocates it and Rust starts up, before any of the sandbox is built. A process that
//! knows it will run one tool forks the helper while it still has a single thread, which is
//! the only time a fork may go on running Rust code.
//!
//! While its parent still looks up the tool, the child prepares everything of the sandbox
//! that does not depend on the run (`helper::prepare`): it keeps only its socket open,
//! starts its own environment and process group, makes and joins the run's cgroups, enters
//! the user, mount, IPC and pid namespaces and builds the read-only view of the filesystem
//! every run shares, with the files every run hides already hidden. Then it
//! waits on the socket for its run: the same arguments the program would get, and the three
//! descriptors to use as stdin, stdout and stderr. From there it is the helper exactly as started by exec, with the same fixed
//! environment and working folder (`/`).
//!
//! The child prepares on another CPU than its parent's (`placement`), and gets the parent's
//! whole set of CPUs back when its run arrives.
//!
//! A child whose run never comes (the run was refused) is told so when its parent drops it,
//! and removes its cgroups before it ends; when the parent dies, the kernel kills it, and
//! the next run removes the cgroups it left.

use std::ffi::OsString;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType, recvmsg, sendmsg, socketpair,
};
use rustix::process::{Pid, Signal, WaitOptions, getpid, set_parent_process_death_signal};

use super::HELPER_PATH;
use super::helper::EXIT_HELPER_FAILED;
use super::placement::Placement;
use super::status::{Outcome, end};
use crate::proc_stat::ProcStat;

/// The most a run's arguments may take on the socket: the kernel's limit for a program's
/// arguments and environment together, which is what exec would allow.
const MAX_RUN_BYTES: usize = 2 * 1024 * 1024;
/// How long a helper that was never given its run has to remove its cgroups and end.
const UNSTARTED_GRACE: Timespec = Timespec {
    tv_sec: 1,
    tv_nsec: 0,
};

/// A forked helper that has not been given its run yet.
#[derive(Debug)]
pub(crate) struct ForkedHelper {
    pid: Pid,
    /// Becomes readable when the helper ends: what an async runtime waits on.
    pidfd: Option<OwnedFd>,
    socket: Option<OwnedFd>,
}

/// A helper given its run.
#[derive(Debug)]
pub(crate) struct StartedHelper {
    pub(crate) pid: Pid,
    pub(crate) pidfd: OwnedFd,
    /// Non-blocking; readable when the run ended ([`read_end`]) or the helper did.
    pub(crate) end_notice: OwnedFd,
}

/// Why no helper could be forked ahead; the run then starts the helper as a program.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ForkError {
    #[error("this process has {0} threads; a fork must happen while it has one")]
    Threads(usize),
    #[error("cannot create the helper's socket")]
    Socket(#[source] io::Error),
    #[error("cannot fork")]
    Fork(#[source] io::Error),
    #[error("cannot watch the forked helper (pidfd_open)")]
    Pidfd(#[source] io::Error),
}

impl ForkedHelper {
    /// Forks the helper. Refused unless this process has a single thread: a child of a
    /// threaded process may find a lock (the allocator's) held forever.
    /// `hide_ahead` names the paths every run of this process hides; the child asks for them
    /// before it drops its starter's environment (see `helper::prepare`).
    pub(crate) fn fork(hide_ahead: fn() -> Vec<PathBuf>) -> Result<Self, ForkError> {
        let threads = thread_count();
        if threads != 1 {
            return Err(ForkError::Threads(threads));
        }
        let (ours, theirs) = socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC,
            None,
        )
        .map_err(|e| ForkError::Socket(e.into()))?;
        let parent = getpid();
        let placement = Placement::ours();
        // SAFETY: this process has one thread (checked above).
        match unsafe { super::helper::fork() } {
            Err(e) => Err(ForkError::Fork(e)),
            Ok(None) => {
                drop(ours);
                wait_for_run(theirs, parent, placement, hide_ahead)
            }
            Ok(Some(pid)) => {
                placement.steer_away(pid);
                drop(theirs);
                // Also here, not only in the child: a group kill right after the start must
                // find the group whichever of the two runs first.
                // SAFETY: setpgid on our own child, with integer arguments.
                unsafe { libc::setpgid(pid.as_raw_pid(), pid.as_raw_pid()) };
                let mut helper = Self {
                    pid,
                    pidfd: None,
                    socket: Some(ours),
                };
                // Our child, not reaped yet: the pidfd cannot name another process. Kernels
                // before 5.3 have none: the helper is then killed, the next run removes its
                // cgroups, and this run starts its helper as a program.
                let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
                    .map_err(|e| ForkError::Pidfd(e.into()))?;
                helper.pidfd = Some(pidfd);
                Ok(helper)
            }
        }
    }

    /// The helper's pid, known before it is given its run.
    pub(crate) fn pid(&self) -> Pid {
        self.pid
    }

    /// Gives the helper its run: `argv` as `helper_argv` builds it (the policy included: this
    /// socket is private), stdin, stdout and stderr, and the run's progress pipe when it has
    /// one. Returns the helper's pid.
    pub(crate) fn start(
        mut self,
        argv: &[OsString],
        stdio: [BorrowedFd<'_>; 3],
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<StartedHelper> {
        let (Some(socket), Some(pidfd)) = (self.socket.take(), self.pidfd.take()) else {
            return Err(io::Error::other("the forked helper was already started"));
        };
        let message = encode(argv);
        if message.len() > MAX_RUN_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the run's arguments are too long",
            ));
        }
        let fds: Vec<BorrowedFd<'_>> = stdio.into_iter().chain(progress).collect();
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        control.push(SendAncillaryMessage::ScmRights(&fds));
        let mut sent = sendmsg(
            &socket,
            &[IoSlice::new(&message)],
            &mut control,
            SendFlags::NOSIGNAL,
        )?;
        while sent < message.len() {
            sent += rustix::io::write(&socket, &message[sent..])?;
        }
        rustix::io::ioctl_fionbio(&socket, true)?;
        Ok(StartedHelper {
            pid: self.pid,
            pidfd,
            end_notice: socket,
        })
    }
}

impl Drop for ForkedHelper {
    /// A helper never given its run is told so (its socket closes), removes its cgroups and
    /// ends; one that does not end at once is killed. A started one is the run's.
    fn drop(&mut self) {
        let Some(socket) = self.socket.take() else {
            return;
        };
        drop(socket);
        let ended = self.pidfd.as_ref().is_some_and(|pidfd| {
            let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
            poll(&mut fds, Some(&UNSTARTED_GRACE)).is_ok_and(|ready| ready > 0)
        });
        if !ended {
            let _ = rustix::process::kill_process(self.pid, Signal::KILL);
        }
        let _ = rustix::process::waitpid(Some(self.pid), WaitOptions::empty());
    }
}

/// How the run ended, as the helper told it on `end_notice` once the run's processes were all
/// gone: the status its exit will have. `Ok(None)` when it ended without telling (it was
/// killed, or had no pid namespace): its exit then tells. `WouldBlock` until either.
pub(crate) fn read_end(end_notice: &OwnedFd) -> io::Result<Option<ExitStatus>> {
    let mut bytes = [0u8; 4];
    let read = rustix::io::read(end_notice, &mut bytes)?;
    Ok((read == bytes.len()).then(|| ExitStatus::from_raw(Outcome::decode(bytes).wait_status())))
}

/// Threads of this process (field 20 of its stat); 0 when it cannot be read, which refuses
/// the fork.
fn thread_count() -> usize {
    ProcStat::read("self")
        .and_then(|stat| stat.field(20)?.parse().ok())
        .unwrap_or(0)
}

/// Each argument as a little-endian u32 length and its bytes, after the whole message's
/// length.
fn encode(argv: &[OsString]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in argv {
        let bytes = part.as_bytes();
        body.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        body.extend_from_slice(bytes);
    }
    let mut message = (body.len() as u64).to_le_bytes().to_vec();
    message.extend_from_slice(&body);
    message
}

/// The inverse of `encode` for the message's body; `None` when it is malformed or empty.
fn decode(mut body: &[u8]) -> Option<Vec<OsString>> {
    let mut parts = Vec::new();
    while !body.is_empty() {
        let (len, rest) = body.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        parts.push(OsString::from_vec(rest[..len].to_vec()));
        body = &rest[len..];
    }
    (!parts.is_empty()).then_some(parts)
}

/// The child: dies with its parent, prepares what needs no run (see `helper::prepare`),
/// waits for its run and becomes the helper; when the parent closes the socket without a
/// run, it removes what it prepared and leaves quietly.
fn wait_for_run(
    socket: OwnedFd,
    parent: Pid,
    placement: Placement,
    hide_ahead: fn() -> Vec<PathBuf>,
) -> ! {
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    if rustix::process::getppid() != Some(parent) {
        end(EXIT_HELPER_FAILED);
    }
    // SAFETY: setpgid on ourselves, with integer arguments.
    unsafe { libc::setpgid(0, 0) };
    let hide = hide_ahead();
    fixed_environment();
    // Forked ahead for a person's run alone (`toolbench run`): never background work.
    let mut prepared = super::helper::prepare(
        Some(socket.as_raw_fd()),
        None,
        &hide,
        super::cgroup::CpuShare::Default,
    );
    let Some((stdio, progress, body)) = receive(&socket) else {
        drop(prepared);
        end(0);
    };
    placement.restore();
    prepared.report_end_on(socket);
    if let Some(progress) = progress {
        prepared.progress_on(progress);
    }
    let Some(argv) = decode(&body) else {
        drop(prepared);
        end(EXIT_HELPER_FAILED);
    };
    // Received in ascending numbers, so each is at or above its target and none is
    // overwritten before it is copied; the progress pipe comes last, above all three.
    for (target, fd) in stdio.into_iter().enumerate() {
        let target = target as libc::c_int;
        if fd.as_raw_fd() == target {
            let _ = fd.into_raw_fd();
            continue;
        }
        // SAFETY: dup2 onto 0, 1 and 2 from a descriptor we own; the original then closes.
        if unsafe { libc::dup2(fd.as_raw_fd(), target) } < 0 {
            drop(prepared);
            end(EXIT_HELPER_FAILED);
        }
    }
    super::start_helper(argv, Some(prepared))
}

/// The environment and working folder the helper gets when started as a program: PATH only,
/// and `/`, so that it holds on to no folder of its starter's.
fn fixed_environment() {
    let _ = std::env::set_current_dir("/");
    let names: Vec<OsString> = std::env::vars_os().map(|(name, _)| name).collect();
    for name in names {
        // SAFETY: this process has one thread (the fork required it).
        unsafe { std::env::remove_var(name) };
    }
    // SAFETY: as above.
    unsafe { std::env::set_var("PATH", HELPER_PATH) };
}

/// The three descriptors, the progress pipe when one came, and the message's body; `None` at
/// end of file or on any error.
fn receive(socket: &OwnedFd) -> Option<([OwnedFd; 3], Option<OwnedFd>, Vec<u8>)> {
    let mut first = vec![0u8; 64 * 1024];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = recvmsg(
        socket,
        &mut [IoSliceMut::new(&mut first)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )
    .ok()?;
    let mut fds: Vec<OwnedFd> = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    let progress = match fds.len() {
        3 => None,
        4 => fds.pop(),
        _ => return None,
    };
    let stdio: [OwnedFd; 3] = fds.try_into().ok()?;
    let mut message = first;
    message.truncate(got.bytes);
    let (len, _) = message.split_first_chunk::<8>()?;
    let total = 8usize.checked_add(usize::try_from(u64::from_le_bytes(*len)).ok()?)?;
    if total > MAX_RUN_BYTES + 8 {
        return None;
    }
    while message.len() < total {
        let mut chunk = vec![0u8; (total - message.len()).min(64 * 1024)];
        let n = rustix::io::read(socket.as_fd(), &mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        message.extend_from_slice(&chunk[..n]);
    }
    message.truncate(total);
    Some((stdio, progress, message.split_off(8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_survives_its_trip_through_the_socket_byte_for_byte() {
        let argv: Vec<OsString> = ["toolbench", "__sandbox-exec", "{\"a\":1}", "--", "sh", ""]
            .into_iter()
            .map(OsString::from)
            .chain([OsString::from_vec(vec![0xff, b' ', 0x00, b'x'])])
            .collect();
        let message = encode(&argv);
        let (len, body) = message.split_first_chunk::<8>().expect("length");
        assert_eq!(u64::from_le_bytes(*len) as usize, body.len());
        let decoded = decode(body).expect("decodes");
        assert_eq!(decoded, argv, "an argument holding NUL stays one argument");
    }

    #[test]
    fn a_malformed_body_is_refused() {
        assert!(
            decode(&[5, 0, 0, 0, b'a']).is_none(),
            "shorter than its length"
        );
        assert!(decode(&[1, 0]).is_none(), "a cut length");
        assert!(decode(&[]).is_none(), "no arguments");
    }

    #[test]
    fn a_threaded_process_does_not_fork() {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || held.recv());
        assert!(matches!(ForkedHelper::fork(Vec::new), Err(ForkError::Threads(n)) if n > 1));
        drop(release);
        let _ = other.join();
    }
}
