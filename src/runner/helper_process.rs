//! The run's sandbox helper as a child process, started as toolbench's own program or handed
//! its run when it was forked ahead (`sandbox::ForkedHelper`). The runner writes, reads and
//! waits on both the same way; both are killed when dropped before they ended.
//!
//! A helper is seen to end without being reaped, and reaped only after its process group was
//! killed: until then its pid, which names its group, cannot be given to another run's
//! helper, whose group the kill would then hit.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::pin::Pin;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex, PoisonError};

use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{Pid, PidfdFlags, Signal, WaitId, WaitIdOptions, WaitIdStatus, WaitOptions};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest};
use tokio::net::unix::pipe;

use super::posix_spawn::{self, Program};
use super::sandbox::{self, ForkedHelper, SandboxPolicy};

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
    exit: HelperExit,
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

    /// Starts toolbench's program at `exe` as the helper, without copying this process
    /// (`posix_spawn`): the progress pipe at the number `policy.progress_fd` names.
    fn spawn(
        exe: &Path,
        policy: &SandboxPolicy,
        argv: &[String],
        stdin: bool,
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<Self> {
        let keep = progress.filter(|fd| policy.progress_fd == Some(fd.as_raw_fd()));
        Self::start_program(
            &sandbox::helper_invocation(exe, policy, argv),
            stdin,
            keep.map(|fd| (fd, fd.as_raw_fd())),
        )
    }

    /// Starts `program` as a helper: its own process group, its standard streams piped (stdin
    /// empty unless `stdin`), and `keep` open at the number it names.
    fn start_program(
        program: &Program,
        stdin: bool,
        keep: Option<(BorrowedFd<'_>, i32)>,
    ) -> io::Result<Self> {
        let pipes = Pipes::new(stdin)?;
        let pid = posix_spawn::spawn(program, pipes.theirs(), keep)?;
        // Not reaped before it is waited for: the pid is still this child's.
        let pidfd = rustix::process::pidfd_open(pid, PidfdFlags::empty());
        let exit = HelperExit::new(pid, pidfd.map_err(io::Error::from), None);
        Self::started(pipes, exit?)
    }

    fn hand_over(
        forked: ForkedHelper,
        exe: &Path,
        policy: &SandboxPolicy,
        argv: &[String],
        stdin: bool,
        progress: Option<BorrowedFd<'_>>,
    ) -> io::Result<Self> {
        let pipes = Pipes::new(stdin)?;
        let started = forked.start(
            &sandbox::helper_argv(exe, policy, argv),
            pipes.theirs(),
            progress,
        )?;
        let exit = HelperExit::new(started.pid, Ok(started.pidfd), Some(started.end_notice))?;
        Self::started(pipes, exit)
    }

    /// The helper holding its ends of `pipes`, which are dropped here: only it and its tree
    /// hold them now, so ours see end of file when they end.
    fn started(pipes: Pipes, exit: HelperExit) -> io::Result<Self> {
        let Pipes { ours, theirs } = pipes;
        drop(theirs);
        Ok(Self {
            pid: exit.pid.as_raw_pid().unsigned_abs(),
            stdin: ours
                .stdin
                .map(|fd| pipe::Sender::from_owned_fd(fd).map(|p| Box::pin(p) as HelperInput))
                .transpose()?,
            stdout: Some(Box::pin(pipe::Receiver::from_owned_fd(ours.stdout)?)),
            stderr: Some(Box::pin(pipe::Receiver::from_owned_fd(ours.stderr)?)),
            exit,
        })
    }

    pub(crate) fn id(&self) -> u32 {
        self.pid
    }

    /// Waits until the run ended: the helper's exit, or its word that the run's processes are
    /// all gone (cancel-safe; answers again once it has). An exited helper is left unreaped,
    /// for [`Self::kill_group_and_reap`].
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.exit.wait().await
    }

    /// Kills the helper's process group, as nothing a tool started may outlive its run, then
    /// waits for the helper's end and reaps it. A helper that told the run's end has nothing
    /// of the run left (pid 1 and its namespace are gone) and is removing the run's cgroups:
    /// it is left to finish.
    pub(crate) async fn kill_group_and_reap(&mut self) -> io::Result<ExitStatus> {
        if !self.removes_its_cgroups() {
            kill_group(self.pid);
        }
        self.exit.reap().await
    }

    /// The helper told the run's end and goes on to remove the run's cgroups itself: the
    /// runner must not wait for them.
    pub(crate) fn removes_its_cgroups(&self) -> bool {
        matches!(self.exit.end, HelperEnd::Told(_))
    }
}

/// The helper's standard streams: the ends it gets, and ours.
struct Pipes {
    ours: OurEnds,
    theirs: [OwnedFd; 3],
}

struct OurEnds {
    stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    stderr: OwnedFd,
}

impl Pipes {
    /// Pipes for stdout and stderr (widened), and for stdin when `stdin`, else `/dev/null`.
    fn new(stdin: bool) -> io::Result<Self> {
        let (stdin_theirs, stdin_ours) = if stdin {
            let (read, write) = pipe_with(PipeFlags::CLOEXEC)?;
            (read, Some(write))
        } else {
            (std::fs::File::open("/dev/null")?.into(), None)
        };
        let (stdout_ours, stdout_theirs) = pipe_with(PipeFlags::CLOEXEC)?;
        let (stderr_ours, stderr_theirs) = pipe_with(PipeFlags::CLOEXEC)?;
        crate::pipes::widen(stdout_ours.as_fd());
        crate::pipes::widen(stderr_ours.as_fd());
        Ok(Self {
            ours: OurEnds {
                stdin: stdin_ours,
                stdout: stdout_ours,
                stderr: stderr_ours,
            },
            theirs: [stdin_theirs, stdout_theirs, stderr_theirs],
        })
    }

    fn theirs(&self) -> [BorrowedFd<'_>; 3] {
        self.theirs.each_ref().map(AsFd::as_fd)
    }
}

/// The helper's end, seen through its pidfd or, for a helper forked ahead, told on its
/// socket.
struct HelperExit {
    pid: Pid,
    pidfd: AsyncFd<OwnedFd>,
    /// Dropped once the helper closed it without a word.
    end_notice: Option<AsyncFd<OwnedFd>>,
    end: HelperEnd,
}

/// What is known of a helper's end.
#[derive(Clone, Copy)]
enum HelperEnd {
    Running,
    /// It told the run's end and goes on to remove the run's cgroups.
    Told(ExitStatus),
    /// It exited and holds its pid until reaped.
    Exited(ExitStatus),
    Reaped(ExitStatus),
}

enum Ended {
    Exited(ExitStatus),
    Told(ExitStatus),
    Untold,
}

impl HelperExit {
    /// The helper `pid`, started: a `pidfd` or an end notice that could not be had leaves it
    /// killed and reaped (as dropping it does).
    fn new(pid: Pid, pidfd: io::Result<OwnedFd>, end_notice: Option<OwnedFd>) -> io::Result<Self> {
        let pidfd = pidfd.and_then(readable).inspect_err(|_| {
            let _ = rustix::process::kill_process(pid, Signal::KILL);
            reap_when_ended(pid);
        })?;
        let mut exit = Self {
            pid,
            pidfd,
            end_notice: None,
            end: HelperEnd::Running,
        };
        // On an error, `exit` is dropped here, and the helper with it.
        exit.end_notice = end_notice.map(readable).transpose()?;
        Ok(exit)
    }

    async fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            let ended = match (self.end, &self.end_notice) {
                (
                    HelperEnd::Told(status) | HelperEnd::Exited(status) | HelperEnd::Reaped(status),
                    _,
                ) => return Ok(status),
                (HelperEnd::Running, Some(notice)) => tokio::select! {
                    status = exited(&self.pidfd) => Ended::Exited(status?),
                    told = told(notice) => told,
                },
                (HelperEnd::Running, None) => Ended::Exited(exited(&self.pidfd).await?),
            };
            match ended {
                Ended::Exited(status) => self.end = HelperEnd::Exited(status),
                Ended::Told(status) => self.end = HelperEnd::Told(status),
                Ended::Untold => self.end_notice = None,
            }
        }
    }

    /// Waits for the helper's end and reaps it if it exited; one that told the run's end is
    /// reaped when dropped.
    async fn reap(&mut self) -> io::Result<ExitStatus> {
        let status = self.wait().await?;
        if let HelperEnd::Exited(_) = self.end
            && let Ok(Some(_)) = rustix::process::waitpid(Some(self.pid), WaitOptions::NOHANG)
        {
            self.end = HelperEnd::Reaped(status);
        }
        Ok(status)
    }
}

/// Waits until the child behind `pidfd` exited, and leaves it unreaped.
async fn exited(pidfd: &AsyncFd<OwnedFd>) -> io::Result<ExitStatus> {
    let exited_unreaped = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG;
    loop {
        let mut ready = pidfd.readable().await?;
        match rustix::process::waitid(WaitId::PidFd(pidfd.as_fd()), exited_unreaped)? {
            Some(status) => return Ok(exit_status(&status)),
            None => ready.clear_ready(),
        }
    }
}

/// The status waitid(2) tells, as wait(2) would have (without the core-dump flag).
fn exit_status(status: &WaitIdStatus) -> ExitStatus {
    ExitStatus::from_raw(match status.exit_status() {
        Some(code) => (code & 0xff) << 8,
        None => status.terminating_signal().unwrap_or_default(),
    })
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

impl Drop for HelperExit {
    /// Kills a helper still running, unless it told the run's end and is removing the run's
    /// cgroups, and reaps it once it ends.
    fn drop(&mut self) {
        match self.end {
            HelperEnd::Reaped(_) => return,
            HelperEnd::Running => {
                let _ = rustix::process::kill_process(self.pid, Signal::KILL);
            }
            HelperEnd::Told(_) | HelperEnd::Exited(_) => {}
        }
        reap_when_ended(self.pid);
    }
}

/// Reaps `pid` now if it ended, else from a thread that waits for it: a long-lived front end
/// keeps no zombie of a run it gave up on.
fn reap_when_ended(pid: Pid) {
    if let Ok(Some(_)) = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG) {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("helper-reaper".into())
        .spawn(move || rustix::process::waitpid(Some(pid), WaitOptions::empty()));
}

/// Kills the process group `pid` leads (the helper and everything it started).
pub(crate) fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncBufReadExt;

    use super::*;
    use crate::proc_stat::ProcStat;

    /// Longest any step here may take: a hung step fails its test instead of stalling the suite.
    const BOUND: Duration = Duration::from_secs(10);

    /// `script` run by sh as a helper would be: its own process group, killed when dropped.
    fn helper(script: &str) -> HelperProcess {
        let program = Program {
            path: "/bin/sh".into(),
            argv: ["sh", "-c", script].map(Into::into).to_vec(),
            env: vec![("PATH".into(), sandbox::HELPER_PATH.into())],
            dir: "/".into(),
        };
        HelperProcess::start_program(&program, false, None).expect("helper")
    }

    async fn bounded<T>(step: impl Future<Output = T>) -> T {
        tokio::time::timeout(BOUND, step)
            .await
            .expect("within bound")
    }

    /// The process `pid` is dead, or gone: a zombie counts, as its parent may be an init that
    /// does not reap.
    async fn ends(pid: &str) -> bool {
        let dead = || ProcStat::read(pid).is_none_or(|stat| stat.field(3) == Some("Z"));
        let deadline = tokio::time::Instant::now() + BOUND;
        while !dead() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        dead()
    }

    #[tokio::test]
    async fn an_exited_helper_holds_its_pid_and_group_until_reaped_after_the_kill() {
        let mut helper = helper("exit 3");
        let pid = helper.id();
        let status = bounded(helper.wait()).await.expect("wait");
        assert_eq!(status.code(), Some(3));
        let state = ProcStat::read(pid).and_then(|stat| stat.field(3).map(str::to_owned));
        assert_eq!(state.as_deref(), Some("Z"), "seen exited, not reaped");
        let status = bounded(helper.kill_group_and_reap()).await.expect("reap");
        assert_eq!(status.code(), Some(3));
        assert!(ProcStat::read(pid).is_none(), "reaped");
    }

    #[tokio::test]
    async fn a_process_left_in_the_helpers_group_is_killed_at_the_runs_end() {
        let mut helper = helper("sleep 60 & echo $!; exit 0");
        let mut line = String::new();
        let stdout = helper.stdout.take().expect("stdout");
        bounded(tokio::io::BufReader::new(stdout).read_line(&mut line))
            .await
            .expect("straggler's pid");
        let straggler = line.trim();
        assert_eq!(bounded(helper.wait()).await.expect("wait").code(), Some(0));
        let alive = ProcStat::read(straggler).is_some_and(|stat| stat.field(3) != Some("Z"));
        assert!(alive, "alive until the kill");
        bounded(helper.kill_group_and_reap()).await.expect("reap");
        assert!(
            ends(straggler).await,
            "the straggler {straggler} outlived the run"
        );
    }

    #[tokio::test]
    async fn a_helper_killed_by_a_signal_reads_as_killed() {
        let mut helper = helper("kill -9 $$");
        let status = bounded(helper.wait()).await.expect("wait");
        assert_eq!((status.code(), status.signal()), (None, Some(9)));
        bounded(helper.kill_group_and_reap()).await.expect("reap");
    }

    #[tokio::test]
    async fn a_helper_given_up_on_while_it_runs_is_killed_and_reaped() {
        let helper = helper("exec sleep 60");
        let pid = helper.id();
        drop(helper);
        // Not even a zombie left: a long-lived front end would gather them.
        let deadline = tokio::time::Instant::now() + BOUND;
        while ProcStat::read(pid).is_some() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(ProcStat::read(pid).is_none(), "helper {pid} left behind");
    }

    #[tokio::test]
    async fn a_helper_whose_end_notice_cannot_be_watched_is_killed_and_reaped() {
        let program = Program {
            path: "/bin/sleep".into(),
            argv: ["sleep", "60"].map(Into::into).to_vec(),
            env: Vec::new(),
            dir: "/".into(),
        };
        let pipes = Pipes::new(false).expect("pipes");
        let pid = posix_spawn::spawn(&program, pipes.theirs(), None).expect("sleep");
        let pidfd = rustix::process::pidfd_open(pid, PidfdFlags::empty()).map_err(io::Error::from);
        // A regular file: epoll refuses to watch it, as it might any notice in a bad moment.
        let unwatchable = OwnedFd::from(tempfile::tempfile().expect("file"));
        assert!(HelperExit::new(pid, pidfd, Some(unwatchable)).is_err());
        let pid = pid.as_raw_pid().to_string();
        let deadline = tokio::time::Instant::now() + BOUND;
        while ProcStat::read(&pid).is_some() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(ProcStat::read(&pid).is_none(), "helper {pid} left behind");
    }
}
