//! The run's sandbox helper as a child process, started as toolbench's own program or handed
//! its run when it was forked ahead (`sandbox::ForkedHelper`). The runner writes, reads and
//! waits on both the same way; both are killed when dropped before they ended.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::pin::Pin;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex, PoisonError};

use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{Pid, Signal, WaitOptions};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest};
use tokio::net::unix::pipe;

use super::confine;
use super::sandbox::{self, ForkedHelper, SandboxPolicy};

/// Pipe buffer requested for output: the most an unprivileged process may ask for by default
/// (`/proc/sys/fs/pipe-max-size`).
const PIPE_BYTES: usize = 1024 * 1024;

pub(crate) type HelperInput = Pin<Box<dyn AsyncWrite + Send>>;
pub(crate) type HelperOutput = Pin<Box<dyn AsyncRead + Send>>;

/// A helper forked ahead by the front end, for the first run that takes it; empty for every
/// front end that starts its helpers as programs.
#[derive(Clone, Default)]
pub struct PreforkedHelper(Arc<Mutex<Option<ForkedHelper>>>);

impl PreforkedHelper {
    pub(crate) fn new(helper: ForkedHelper) -> Self {
        Self(Arc::new(Mutex::new(Some(helper))))
    }

    /// The pid of the helper the next run will take, if there is one.
    pub(crate) fn pid(&self) -> Option<u32> {
        let helper = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        helper.as_ref().map(|h| h.pid().as_raw_pid().unsigned_abs())
    }

    fn take(&self) -> Option<ForkedHelper> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl fmt::Debug for PreforkedHelper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PreforkedHelper")
    }
}

/// A started helper: its pid (also its process group), its pipes and its end.
pub(crate) struct HelperProcess {
    pid: u32,
    pub(crate) stdin: Option<HelperInput>,
    pub(crate) stdout: Option<HelperOutput>,
    pub(crate) stderr: Option<HelperOutput>,
    exit: Exit,
}

enum Exit {
    Spawned(tokio::process::Child),
    Forked(ForkedExit),
}

impl HelperProcess {
    /// Starts the helper for `policy` and `argv`: the one `preforked` holds when there is one,
    /// else toolbench's program at `exe`. Stdin is a pipe when `stdin`, else empty. `progress`
    /// is the writing end of the run's progress pipe (close-on-exec), which only the helper
    /// gets: for a program, at the number `policy.progress_fd` names.
    pub(crate) fn start(
        preforked: &PreforkedHelper,
        exe: &Path,
        policy: &SandboxPolicy,
        argv: &[String],
        stdin: bool,
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<Self> {
        match preforked.take() {
            Some(forked) => Self::hand_over(forked, exe, policy, argv, stdin, progress),
            None => Self::spawn(exe, policy, argv, stdin, progress),
        }
    }

    fn spawn(
        exe: &Path,
        policy: &SandboxPolicy,
        argv: &[String],
        stdin: bool,
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<Self> {
        let mut command = confine::helper_command(exe, policy, argv, stdin);
        if let Some(pipe) = progress.map(|fd| fd.as_raw_fd())
            && policy.progress_fd == Some(pipe)
        {
            // SAFETY: runs in the forked child before its exec and only clears the
            // close-on-exec flag of one descriptor in the child's own table (fcntl is
            // async-signal-safe). Every other process this one starts gets it closed.
            unsafe {
                command.pre_exec(move || {
                    if libc::fcntl(pipe, libc::F_SETFD, 0) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| io::Error::other("the helper ended at once"))?;
        if let Some(out) = &child.stdout {
            widen_pipe(out.as_fd());
        }
        if let Some(err) = &child.stderr {
            widen_pipe(err.as_fd());
        }
        Ok(Self {
            pid,
            stdin: child.stdin.take().map(|p| Box::pin(p) as HelperInput),
            stdout: child.stdout.take().map(|p| Box::pin(p) as HelperOutput),
            stderr: child.stderr.take().map(|p| Box::pin(p) as HelperOutput),
            exit: Exit::Spawned(child),
        })
    }

    fn hand_over(
        forked: ForkedHelper,
        exe: &Path,
        policy: &SandboxPolicy,
        argv: &[String],
        stdin: bool,
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<Self> {
        let (stdin_theirs, stdin_ours) = if stdin {
            let (read, write) = pipe_with(PipeFlags::CLOEXEC)?;
            (read, Some(write))
        } else {
            (std::fs::File::open("/dev/null")?.into(), None)
        };
        let (stdout_ours, stdout_theirs) = pipe_with(PipeFlags::CLOEXEC)?;
        let (stderr_ours, stderr_theirs) = pipe_with(PipeFlags::CLOEXEC)?;
        widen_pipe(stdout_ours.as_fd());
        widen_pipe(stderr_ours.as_fd());
        let started = forked.start(
            &sandbox::helper_argv(exe, policy, argv),
            [
                stdin_theirs.as_fd(),
                stdout_theirs.as_fd(),
                stderr_theirs.as_fd(),
            ],
            progress,
        )?;
        // Only the helper holds the other ends now: end of file when it and its tree end.
        drop((stdin_theirs, stdout_theirs, stderr_theirs));
        Ok(Self {
            pid: started.pid.as_raw_pid().unsigned_abs(),
            stdin: stdin_ours
                .map(|fd| pipe::Sender::from_owned_fd(fd).map(|p| Box::pin(p) as HelperInput))
                .transpose()?,
            stdout: Some(Box::pin(pipe::Receiver::from_owned_fd(stdout_ours)?)),
            stderr: Some(Box::pin(pipe::Receiver::from_owned_fd(stderr_ours)?)),
            exit: Exit::Forked(ForkedExit {
                pid: started.pid,
                pidfd: readable(started.pidfd)?,
                end_notice: Some(readable(started.end_notice)?),
                status: None,
                reaped: false,
            }),
        })
    }

    pub(crate) fn id(&self) -> u32 {
        self.pid
    }

    /// Waits until the run ended: the helper's exit, or its word that the run's processes are
    /// all gone (cancel-safe; answers again once it has).
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        match &mut self.exit {
            Exit::Spawned(child) => child.wait().await,
            Exit::Forked(forked) => forked.wait().await,
        }
    }

    /// Kills the helper's process group: nothing a tool started may outlive its run. A helper
    /// that told the run's end has nothing of the run left (pid 1 and its namespace are gone)
    /// and is removing the run's cgroups: it is left to finish.
    pub(crate) fn kill_group(&self) {
        if !self.removes_its_cgroups() {
            super::kill_group(self.pid);
        }
    }

    /// The helper told the run's end and goes on to remove the run's cgroups itself: the
    /// runner must not wait for them.
    pub(crate) fn removes_its_cgroups(&self) -> bool {
        matches!(&self.exit, Exit::Forked(forked) if forked.status.is_some() && !forked.reaped)
    }
}

/// A handed-over helper's end, seen through its pidfd or told on its socket.
struct ForkedExit {
    pid: Pid,
    pidfd: AsyncFd<OwnedFd>,
    /// Dropped once the helper closed it without a word.
    end_notice: Option<AsyncFd<OwnedFd>>,
    status: Option<ExitStatus>,
    reaped: bool,
}

enum Ended {
    Reaped(ExitStatus),
    Told(ExitStatus),
    Untold,
}

impl ForkedExit {
    async fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.status {
                return Ok(status);
            }
            let ended = match &self.end_notice {
                Some(notice) => tokio::select! {
                    status = reaped(&self.pidfd, self.pid) => Ended::Reaped(status?),
                    told = told(notice) => told,
                },
                None => Ended::Reaped(reaped(&self.pidfd, self.pid).await?),
            };
            match ended {
                Ended::Reaped(status) => {
                    self.status = Some(status);
                    self.reaped = true;
                }
                Ended::Told(status) => self.status = Some(status),
                Ended::Untold => self.end_notice = None,
            }
        }
    }
}

async fn reaped(pidfd: &AsyncFd<OwnedFd>, pid: Pid) -> io::Result<ExitStatus> {
    loop {
        let mut ready = pidfd.readable().await?;
        match rustix::process::waitpid(Some(pid), WaitOptions::NOHANG)? {
            Some((_, status)) => return Ok(ExitStatus::from_raw(status.as_raw())),
            None => ready.clear_ready(),
        }
    }
}

async fn told(notice: &AsyncFd<OwnedFd>) -> Ended {
    loop {
        let Ok(mut ready) = notice.readable().await else {
            return Ended::Untold;
        };
        match ready.try_io(|fd| sandbox::read_end(fd.get_ref())) {
            Ok(Ok(Some(status))) => return Ended::Told(status),
            Ok(Ok(None) | Err(_)) => return Ended::Untold,
            Err(_would_block) => {}
        }
    }
}

fn readable(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd stays open and the same until the AsyncFd drops it.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(io::Error::from)
}

impl Drop for ForkedExit {
    /// As `kill_on_drop` does for a spawned helper, unless it told the run's end and is
    /// removing the run's cgroups. One that cannot be reaped at once stays a zombie until this
    /// process, which runs one tool, ends.
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        if self.status.is_none() {
            let _ = rustix::process::kill_process(self.pid, Signal::KILL);
        }
        let _ = rustix::process::waitpid(Some(self.pid), WaitOptions::NOHANG);
    }
}

/// Grows a pipe that a flood of output goes through (a tool's into us, ours into the user's
/// next command): fewer, larger reads and writes, and fewer wake-ups of the other side. A
/// pipe that is already as large is left alone; one that cannot grow keeps its size.
pub(crate) fn widen_pipe(fd: std::os::fd::BorrowedFd<'_>) {
    if rustix::pipe::fcntl_getpipe_size(fd).is_ok_and(|size| size < PIPE_BYTES) {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_is_widened_and_never_narrowed() {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC).expect("pipe");
        widen_pipe(write.as_fd());
        let size = || rustix::pipe::fcntl_getpipe_size(&read).expect("size");
        assert_eq!(size(), PIPE_BYTES);
        // A pipe someone made larger stays as large.
        let larger = 2 * PIPE_BYTES;
        if rustix::pipe::fcntl_setpipe_size(&read, larger).is_ok() {
            widen_pipe(read.as_fd());
            assert!(size() >= larger);
        }
        // Not a pipe: nothing to do, and nothing breaks.
        let file = tempfile::tempfile().expect("file");
        widen_pipe(file.as_fd());
    }
}
