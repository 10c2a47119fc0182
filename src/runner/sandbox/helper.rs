//! The helper's process tree:
//!
//! ```text
//! helper (runner's child, outside the pid ns): fds, session, cgroups, namespaces and their
//! │   per-user counts, the mounts every run shares (`prepare`, ahead of the run when
//! │   forked); limits; writes the report and the usage; tells the runner the end; waits
//! └── pid 1 (init): joins the cgroups (v1); dies with the helper; the run's mounts;
//!     │   protections; starts the tool; sends the report to the helper; reaps; watchdog;
//!     │   once the tool ended, kills and reaps the rest and sends the end and the usage
//!     └── tool: drops capabilities, execs the command
//! ```
//!
//! The tool is not pid 1 itself because a pid-namespace init ignores every
//! signal it has no handler for, even SIGKILL sent from inside (so
//! `kill -9 $$` would do nothing). Without a pid namespace the middle
//! process execs the command directly.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::{Mode, OFlags, ResolveFlags, open, openat, openat2};
use rustix::io::Errno;
use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{
    Pid, Signal, WaitOptions, getpid, set_parent_process_death_signal, wait, waitpid,
};
use rustix::thread::set_no_new_privs;

use super::args::HelperArgs;
use super::cgroup::{CgroupError, CpuShare, RunCgroups};
use super::output_relay::{OutputPipes, OutputRelay};
use super::policy::{SandboxPolicy, SandboxReport, ToolUsage};
use super::seen_as_nobody::{self, CallersView};
use super::spawn::{ChildStack, CommandError, EXIT_EXEC_FAILED, ToolCommand};
use super::status::{Frame, Outcome, Relay, end, reenact};
use super::watchdog::{NoWatchdog, Watchdog};
use super::{
    caps, egress_listen, landlock_rules, limits, mounts, namespaces, seccomp_filter, ucounts,
    write_broker,
};
use crate::error_chain::one_line;
use crate::model::protections::Protections;
use crate::safe_fs;

/// Malformed helper arguments, or the helper itself failed (fork, pipe);
/// 125 as in `env`, `nice` and container runtimes.
pub(crate) const EXIT_HELPER_FAILED: i32 = 125;
/// How much lower than its watchdog a watched tool runs.
const WATCHED_NICENESS: libc::c_int = 10;

/// Why the helper could not start the tool: the report's `error`.
#[derive(Debug, thiserror::Error)]
enum HelperError {
    #[error("cannot create pipe")]
    Pipe(#[source] io::Error),
    #[error("cannot join the run's cgroup")]
    JoinCgroup(#[source] io::Error),
    #[error("cannot take the output pipes")]
    TakeOutput(#[source] io::Error),
    #[error("cannot relay the output")]
    RelayOutput(#[source] io::Error),
    #[error("cannot open the folder of the logs")]
    LogFolder(#[source] io::Error),
    #[error("cannot fork")]
    Fork(#[source] io::Error),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("command not found: {0}")]
    NotFound(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("cannot enter the scratch folder {}", .path.display())]
    Scratch {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot grant what the tool declared: {0}")]
    Grants(String),
    #[error("landlock does not hold, and {0} other workspaces' state folders were left to it")]
    LandlockMissing(usize),
    #[error("cannot hand the tool's writes to pid 1")]
    Writes(#[source] io::Error),
    #[error(transparent)]
    Broker(#[from] write_broker::StartError),
    #[error("cannot execute {program}")]
    Exec {
        program: String,
        #[source]
        source: io::Error,
    },
}

/// Inherited descriptors may still be open.
#[derive(Debug, thiserror::Error)]
#[error("cannot list descriptors")]
struct FdsError(#[source] io::Error);

/// State carried from the helper into its children.
struct Run {
    policy: SandboxPolicy,
    command: Vec<OsString>,
    report: ReportTo,
    protections: Protections,
    /// Why no cgroup limits the tree (its whole cause chain), which then is pid 1's
    /// watchdog's job.
    no_cgroup: Option<String>,
    /// The run's cgroups, for the runner to remove should the helper be killed.
    cgroups: Vec<std::path::PathBuf>,
    /// The view of the filesystem every run shares, for pid 1 to complete.
    world: Option<Result<mounts::World, mounts::MountError>>,
    /// pid 1's end of the network namespace the helper makes once pid 1 is forked.
    net: Option<namespaces::NetJoin>,
    /// The run's progress pipe, close-on-exec here: the tool's own process puts it at
    /// `PROGRESS_FD` right before its exec (see `ToolCommand`).
    progress: Option<OwnedFd>,
    /// The write broker pid 1 prepared for the run's written folders.
    writes: Option<write_broker::Prepared>,
}

/// Where the report goes. The helper writes the file from outside the run's cgroups, where a
/// page it writes keeps no removed cgroup alive (see `cgroup`); its child sends its report to
/// the helper.
enum ReportTo {
    File(ReportFile),
    /// The status pipe to the helper (close-on-exec: the tool never inherits it).
    Helper(File),
}

/// The report file, created when the first report comes: the helper is idle then, waiting on
/// its child while the tool runs, so the creation (costly on some disks,
/// docs/benchmarks/runs.md) is off the run's path. Created through the host's root, opened
/// before the mount namespace, so the path resolves on the host whatever the namespace hides;
/// and a file open for writing on one of the namespace's own mounts would keep pid 1 from
/// making that mount read-only. The host's root never reaches pid 1: its copy goes with this
/// in the child (`ReportTo::Helper`).
struct ReportFile {
    host_root: Option<OwnedFd>,
    path: std::path::PathBuf,
    file: std::cell::OnceCell<Option<File>>,
}

impl ReportFile {
    /// Replaces the report with `bytes`; false when the file cannot be written.
    fn write(&self, bytes: &[u8]) -> bool {
        let file =
            self.file.get_or_init(
                || match create_through(self.host_root.as_ref(), &self.path) {
                    Ok(file) => Some(file),
                    Err(e) => {
                        eprintln!(
                            "toolbench sandbox: cannot write {}: {e}",
                            self.path.display()
                        );
                        None
                    }
                },
            );
        if let Some(file) = file {
            rewrite(file, bytes);
        }
        file.is_some()
    }
}

impl ReportTo {
    fn into_file(self) -> Option<ReportFile> {
        match self {
            ReportTo::File(file) => Some(file),
            ReportTo::Helper(_) => None,
        }
    }
}

/// What a helper sets up before it knows its run. A helper forked ahead does this while its
/// run is still being looked up, so it is off the run's path.
pub(super) struct Prepared {
    fds: Result<String, FdsError>,
    session: bool,
    /// Made and joined, without limits yet.
    cgroups: Result<RunCgroups, CgroupError>,
    /// The host's `/`, opened before the mount namespace (see `open_run_files`).
    host_root: Option<OwnedFd>,
    ns: namespaces::Namespaces,
    /// The run's share of what the kernel counts per user, bounded in its user namespace.
    counts: Result<String, ucounts::CountsError>,
    /// For a root's run: whether root's files are seen as nobody's (`seen_as_nobody`).
    rights: Option<Result<String, seen_as_nobody::RightsError>>,
    /// Built in the mount namespace, when there is one.
    world: Option<Result<mounts::World, mounts::MountError>>,
    /// Where a runner that forked this helper hears how the run ended (see `report_end`).
    end_notice: Option<OwnedFd>,
    /// The run's progress pipe: adopted by a helper started as a program, received with the
    /// stdio by a forked one.
    progress: Option<OwnedFd>,
}

impl Prepared {
    /// The socket the run came over: the run's end is told on it too.
    pub(super) fn report_end_on(&mut self, socket: OwnedFd) {
        self.end_notice = Some(socket);
    }

    /// The run's progress pipe, received with the run (close-on-exec).
    pub(super) fn progress_on(&mut self, pipe: OwnedFd) {
        self.progress = Some(pipe);
    }
}

/// Closes what was inherited (all but `keep`, the forked helper's socket, or `progress`, the
/// progress pipe a helper started as a program was left, which it adopts), starts a
/// session, makes the cgroups, enters the user, mount, IPC and pid namespaces, bounds the
/// run's share of what the kernel counts per user, and builds the
/// view of the filesystem every run shares with the files of `hide` hidden (see
/// `mounts::prepare_world`).
pub(super) fn prepare(
    keep: Option<RawFd>,
    progress: Option<RawFd>,
    hide: &[PathBuf],
    share: CpuShare,
) -> Prepared {
    // First, before we open anything of our own.
    let fds = close_inherited_fds(keep.or(progress));
    // Then the pipe, while no descriptor of ours can be at its number.
    let progress = progress.filter(|_| keep.is_none()).and_then(adopt_progress);
    let session = namespaces::new_session();
    // Before the user namespace: cgroups belong to the real user.
    let cgroups = RunCgroups::create(share);
    let host_root = open(
        "/",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok();
    // While still root on the host: mapping owners takes that.
    let nobodys_tree = seen_as_nobody::clone_tree();
    let ns = namespaces::enter();
    let counts = match ns.user {
        Ok(_) => ucounts::limit(),
        Err(_) => Err(ucounts::CountsError::NoUserNamespace),
    };
    let (rights, callers) = match (nobodys_tree, ns.mount.is_ok()) {
        (None, _) => (None, CallersView::current()),
        (Some(Ok(tree)), true) => match tree.enter() {
            Ok((callers, detail)) => (Some(Ok(detail)), callers),
            Err(e) => (Some(Err(e)), CallersView::current()),
        },
        (Some(Ok(_)), false) => (
            Some(Err(seen_as_nobody::RightsError::NoMountNamespace)),
            CallersView::current(),
        ),
        (Some(Err(e)), _) => (Some(Err(e)), CallersView::current()),
    };
    let world = ns
        .mount
        .is_ok()
        .then(|| mounts::prepare_world(hide, callers));
    Prepared {
        fds,
        session,
        cgroups,
        host_root,
        ns,
        counts,
        rights,
        world,
        end_notice: None,
        progress,
    }
}

/// The progress pipe a helper started as a program inherited at `fd` (kept open by
/// `prepare`), made close-on-exec; `None` when `fd` is not an open pipe.
fn adopt_progress(fd: RawFd) -> Option<OwnedFd> {
    if fd <= 2 {
        return None;
    }
    // SAFETY: fstat on a descriptor number only reads its metadata, or fails.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut stat) } != 0 || stat.st_mode & libc::S_IFMT != libc::S_IFIFO {
        return None;
    }
    // SAFETY: the runner left this descriptor open for us alone; `prepare` kept it, and
    // nothing else of ours owns it.
    let pipe = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    rustix::io::fcntl_setfd(&pipe, rustix::io::FdFlags::CLOEXEC).ok()?;
    Some(pipe)
}

/// The helper: `prepared` when it was done ahead, else now.
pub(super) fn run(mut args: HelperArgs, prepared: Option<Prepared>) -> ! {
    die_with_starter(args.policy.starter_pid);
    if args.policy.background {
        step_back();
    }
    // A forked helper ignores `progress_fd`: the number is the runner's, the pipe came with
    // the stdio.
    let share = match args.policy.background {
        true => CpuShare::Background,
        false => CpuShare::Default,
    };
    let mut prepared = prepared
        .unwrap_or_else(|| prepare(None, args.policy.progress_fd, &args.policy.hide, share));
    let progress = prepared.progress.take();
    // The variable names the pipe only when there is one: nothing else of ours is at 3.
    let var = crate::runner::progress::PROGRESS_FD_VAR.to_string();
    match &progress {
        Some(_) => args
            .policy
            .env
            .insert(var, crate::runner::progress::PROGRESS_FD.to_string()),
        None => args.policy.env.remove(&var),
    };
    let mut protections = Protections::default();
    protections.set(
        "fds",
        prepared.fds.map(|kept| match &progress {
            Some(_) => format!("{kept} and the progress pipe"),
            None => kept,
        }),
    );
    // Opened like the report, through the host's root, before the report takes it.
    let logs_folder = args.policy.service_logs.as_ref().map(|logs| {
        open_folder_through(prepared.host_root.as_ref(), &logs.dir)
            .map(|folder| (folder, logs.max_bytes))
    });
    // The runner's socket for the egress listeners, in the run's folder, which this mount
    // namespace hides: opened through the host's root too.
    let egress_folder = args.policy.egress.as_ref().and_then(|plan| {
        let folder = plan.socket.parent()?;
        open_folder_through(prepared.host_root.as_ref(), folder).ok()
    });
    let report = ReportFile {
        host_root: prepared.host_root,
        path: args.policy.report_path.clone(),
        file: std::cell::OnceCell::new(),
    };
    let (cgroups, no_cgroup) = match prepared
        .cgroups
        .and_then(|cgroups| cgroups.limit(&args.policy))
    {
        Ok((cgroups, version)) => {
            protections.set_active("limits", format!("cgroup {version}"));
            (Some(cgroups), None)
        }
        // pid 1 decides: a watchdog needs a pid namespace.
        Err(reason) => (None, Some(one_line(&reason))),
    };
    let net = match args.policy.service_port {
        // A service listens on the host's loopback, where its clients are.
        Some(_) => Err(namespaces::NamespaceError::ServiceOnHostNetwork),
        // A list of hosts keeps the run's own namespace: the proxy reaches them for it.
        None if args.policy.network && args.policy.egress.is_none() => {
            Err(namespaces::NamespaceError::NetworkWanted)
        }
        None => namespaces::net_handoff(),
    };
    protections.set_flag(
        "session",
        prepared.session,
        "already a process-group leader",
    );
    protections.set("userns", prepared.ns.user);
    protections.set("counts", prepared.counts);
    protections.set("pidns", prepared.ns.pid);
    let (net_maker, net_join) = match net {
        Ok((maker, join)) => {
            // In its place in the report; pid 1 records the namespace once it joined it.
            protections.set_flag("netns", false, "not joined yet");
            (Some(maker), Some(join))
        }
        Err(reason) => {
            protections.set("netns", Err::<String, _>(reason));
            (None, None)
        }
    };
    protections.set("mountns", prepared.ns.mount);
    if let Some(rights) = prepared.rights {
        protections.set("rights", rights);
    }
    protections.set("ipcns", prepared.ns.ipc);
    let end_notice = prepared.end_notice;
    let mut run = Run {
        policy: args.policy,
        command: args.command,
        report: ReportTo::File(report),
        protections,
        no_cgroup,
        cgroups: cgroups.as_ref().map(RunCgroups::paths).unwrap_or_default(),
        world: prepared.world,
        net: net_join,
        progress,
        writes: None,
    };
    // pid 1 reports the tool's end through this pipe; it also tells pid 1
    // whether the helper is still alive (see `die_with_helper`).
    let (status_rx, status_tx) = match pipe_with(PipeFlags::CLOEXEC) {
        Ok(pair) => pair,
        Err(e) => fail(&run, HelperError::Pipe(e.into()), EXIT_HELPER_FAILED),
    };
    // A service outlives every reader of a pipe: its helper keeps its logs for it.
    let output = match logs_folder {
        Some(Ok((folder, budget))) => match OutputPipes::new(folder, budget) {
            Ok(pipes) => Some(pipes),
            Err(e) => fail(&run, HelperError::Pipe(e), EXIT_HELPER_FAILED),
        },
        Some(Err(e)) => fail(&run, HelperError::LogFolder(e), EXIT_HELPER_FAILED),
        None => None,
    };
    // SAFETY: the helper is single-threaded: helper_main runs before any runtime exists.
    match unsafe { fork() } {
        Ok(None) => {
            // What only the helper needs is closed here: nothing of the run can reach it
            // through pid 1 (its /proc/1/fd) even if every other layer were missing. The
            // report file goes too: the child sends its report to the helper.
            drop((status_rx, end_notice, net_maker, egress_folder));
            run.report = ReportTo::Helper(File::from(status_tx));
            // First: from here on, what the child does counts against the run's limits.
            if let Some(Err(e)) = cgroups.map(RunCgroups::enter_from_child) {
                fail(&run, HelperError::JoinCgroup(e), EXIT_HELPER_FAILED);
            }
            if let Some(Err(e)) = output.map(OutputPipes::install_in_child) {
                fail(&run, HelperError::TakeOutput(e), EXIT_HELPER_FAILED);
            }
            first_child(&mut run)
        }
        Ok(Some(child)) => {
            // pid 1 and the tool hold the progress pipe; the run's end closes it.
            drop(run.progress.take());
            if let Some(maker) = net_maker {
                // pid 1 builds the mounts meanwhile: on this CPU, the namespace on another.
                super::placement::step_aside();
                let plan = run.policy.egress.as_ref();
                // The listeners are the runner's before pid 1 learns of the namespace, so
                // before the tool starts. The runner notices listeners that never came (the
                // egress layer says so).
                maker.make(|| {
                    let listeners = plan.map(egress_listen::listen);
                    if let (Some(listeners), Some(folder), Some(name)) = (
                        listeners,
                        &egress_folder,
                        plan.and_then(|p| p.socket.file_name()),
                    ) {
                        let _ = listeners.hand_over(folder.as_fd(), name);
                    }
                });
            }
            drop(egress_folder);
            let policy = run.policy.clone();
            if policy.service_port.is_some() {
                // `tools stop` signals the whole group: the service gets SIGTERM and time to
                // end cleanly, the helper waits for it. Set after the fork, so the service
                // still has the default disposition.
                ignore_sigterm();
            }
            let relay = match output.map(OutputPipes::into_relay).transpose() {
                Ok(relay) => relay,
                Err(e) => fail(&run, HelperError::RelayOutput(e), EXIT_HELPER_FAILED),
            };
            // Only the child keeps the status pipe's writing end: its end is the child's.
            let report =
                std::mem::replace(&mut run.report, ReportTo::Helper(File::from(status_tx)))
                    .into_file();
            drop(run);
            let files = Supervised {
                status_rx,
                report,
                end_notice,
            };
            supervise(child, files, cgroups, &policy, relay)
        }
        Err(e) => fail(&run, HelperError::Fork(e), EXIT_HELPER_FAILED),
    }
}

/// A run never outlives the toolbench process that started it, however that process ends
/// (kill -9 included): the kernel kills us when it goes, and pid 1 and the tool follow. The
/// starter may already be gone before the signal was armed, so it is checked once more after.
fn die_with_starter(starter: Option<u32>) {
    let Some(starter) = starter else {
        return;
    };
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
    if u32::try_from(parent).ok() != Some(starter) {
        end(EXIT_HELPER_FAILED);
    }
}

/// Closes every descriptor above stderr that the caller left open (a shell's
/// `exec 7>>file`), so none of them reaches the tool; all but `keep`, which is ours.
fn close_inherited_fds(keep: Option<RawFd>) -> Result<String, FdsError> {
    let ranges = match keep {
        Some(keep) if keep > 2 => vec![(3, keep - 1), (keep + 1, RawFd::MAX)],
        _ => vec![(3, RawFd::MAX)],
    };
    let closed = ranges.into_iter().all(|(first, last)| {
        // SAFETY: close_range only closes descriptors, and `keep` is outside every range.
        first > last
            || unsafe { libc::syscall(libc::SYS_close_range, first as u32, last as u32, 0u32) } == 0
    });
    if !closed {
        // Kernels before 5.9: close them one by one.
        let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
            .map_err(FdsError)?
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
            .filter(|fd| *fd > 2 && Some(*fd) != keep)
            .collect();
        for fd in open {
            // SAFETY: closing a descriptor number we do not use.
            unsafe { libc::close(fd) };
        }
    }
    Ok("only stdin, stdout, stderr".to_string())
}

/// Creates the report at `path` and its folder when missing (a run's folder is made by the
/// first thing written into it), never through a symlink below the folder that holds it: the
/// workspace's own path is resolved through the host's root (IN_ROOT, so an absolute link on
/// the way resolves from the host's root too), whatever this mount namespace hides.
fn create_through(host_root: Option<&OwnedFd>, path: &Path) -> io::Result<File> {
    let open_base = |base: &Path| match host_root {
        Some(_) => open_folder_through(host_root, base)
            .map(|fd| safe_fs::Dir::from_open(fd, base.to_path_buf()))
            .map_err(|e| safe_fs::SafeFsError::Io {
                path: base.to_path_buf(),
                reason: e.to_string(),
            }),
        None => safe_fs::Dir::open(base),
    };
    safe_fs::create_in_new_folder(path, open_base).map_err(io::Error::other)
}

/// The folder at `path`, an absolute path resolved through the host's root (IN_ROOT, so an
/// absolute link on the way resolves from the host's root too), whatever this mount namespace
/// hides; without the host's root, as this namespace sees it.
fn open_folder_through(host_root: Option<&OwnedFd>, path: &Path) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let opened = match (host_root, path.strip_prefix("/")) {
        (Some(root), Ok(below)) => {
            match openat2(root, below, flags, Mode::empty(), ResolveFlags::IN_ROOT) {
                // Kernels before 5.6 lack openat2; some container filters answer EPERM for it.
                Err(Errno::NOSYS | Errno::PERM) => openat(root, below, flags, Mode::empty()),
                opened => opened,
            }
        }
        _ => open(path, flags, Mode::empty()),
    };
    Ok(opened?)
}

/// What the helper keeps of the run while it waits for pid 1.
struct Supervised {
    /// pid 1's frames: its report, then the tool's end.
    status_rx: OwnedFd,
    report: Option<ReportFile>,
    end_notice: Option<OwnedFd>,
}

/// The helper: waits for its only child and ends the way the tool ended.
fn supervise(
    child: Pid,
    files: Supervised,
    cgroups: Option<RunCgroups>,
    policy: &SandboxPolicy,
    relay: Option<OutputRelay>,
) -> ! {
    let mut status = File::from(files.status_rx);
    let mut frames = Frames {
        file: files.report,
        report: None,
        ended: None,
    };
    // A service's output ends with the service: everything it printed is in its logs
    // before the helper waits for pid 1 and reports the end. Its report comes first: the
    // service's launcher waits for it while the service runs.
    if let Some(output) = relay {
        frames.take(&mut status, Until::Report);
        output.copy_until_closed();
    }
    // Until pid 1 relays the end (or, without a pid namespace, the tool has exec'd).
    frames.take(&mut status, Until::End);
    // pid 1 relays the tool's end once it is the run's last process; without a pid
    // namespace the child *is* the tool and nothing is relayed.
    let Some(relay) = frames.ended.take() else {
        let outcome = wait_for(child).unwrap_or(Outcome::Exited(EXIT_HELPER_FAILED));
        frames.add_usage(observed_usage(children_usage(), cgroups.as_ref(), policy));
        drop(cgroups);
        reenact(outcome)
    };
    frames.add_usage(observed_usage(relay.usage, cgroups.as_ref(), policy));
    if let Some(notice) = files.end_notice {
        report_end(notice, relay.outcome);
    }
    // pid 1's own exit, and its namespace's teardown, while the runner records the run.
    let _ = wait_for(child);
    drop(cgroups);
    reenact(relay.outcome)
}

/// What the run used: `usage` as the tree's reaper counted it, with the cgroups' peak and
/// limit where they measured the run.
fn observed_usage(
    mut usage: ToolUsage,
    cgroups: Option<&RunCgroups>,
    policy: &SandboxPolicy,
) -> ToolUsage {
    if let Some(cgroups) = cgroups {
        let seen = cgroups.usage(policy);
        if let Some(peak) = seen.peak_kb {
            usage.max_rss_kb = peak;
        }
        usage.limit = usage.limit.or(seen.limit);
    }
    usage
}

/// Tells the runner that forked this helper how the run ended, before the helper waits for
/// pid 1's exit and removes its cgroups, so that the runner records the run meanwhile. Only
/// once pid 1 relayed the end: every other process of the run is gone by then (pid 1 killed
/// and reaped them) and pid 1 only exits, so nothing is left to guard and the helper no longer
/// dies with the runner. Without `/dev/null` nothing is told, and the runner waits for the
/// helper's exit as before.
fn report_end(notice: OwnedFd, outcome: Outcome) {
    let Ok(null) = open("/dev/null", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()) else {
        return;
    };
    // The runner reads the tool's output until end of file: our copies of its pipes go first.
    for target in 0..=2 {
        // SAFETY: dup2 onto stdin, stdout or stderr from a descriptor we own.
        if unsafe { libc::dup2(null.as_raw_fd(), target) } < 0 {
            return;
        }
    }
    if set_parent_process_death_signal(None).is_ok() {
        yield_to_runner();
        let _ = rustix::io::write(&notice, &outcome.encode());
    }
}

/// How much lower than what a person waits for background work runs: a command run meanwhile
/// at the default priority gets about nine tenths of a CPU both want. Not the lowest: a watched
/// tool must be able to run lower still than its watchdog (`WATCHED_NICENESS`).
const BACKGROUND_NICENESS: libc::c_int = 10;
/// The lowest priority of the best-effort I/O class (`ioprio_set(2)`): class 2, level 7.
const BACKGROUND_IO_PRIORITY: libc::c_int = (2 << 13) | 7;

/// Work nobody waits for (`SandboxPolicy::background`) steps back before anything else: the
/// helper, then everything it starts, inherits a lower CPU and I/O priority. Failing leaves
/// the run as it was, at the default priority. Both act on the calling thread alone (the
/// helper has one), so a background thread of a front end steps back the same way.
pub(crate) fn step_back() {
    // SAFETY: both change only the calling thread's own scheduling priorities, which what it
    // starts inherits; lowering them needs no privilege.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICENESS);
        libc::syscall(libc::SYS_ioprio_set, 1, 0, BACKGROUND_IO_PRIORITY);
    }
}

/// What is left of the helper's work once the end is told (pid 1's exit, the cgroups'
/// removal) is nobody's wait: the runner, woken by the notice on the CPU the helper runs on,
/// goes first instead of queueing behind it.
fn yield_to_runner() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: changes only our own scheduling policy, from a valid parameter; lowering it to
    // SCHED_IDLE needs no privilege. Failing leaves the helper as it was.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
}

/// CPU times of the tree, and the largest single process: the kernel folds
/// each reaped descendant into its reaper's `RUSAGE_CHILDREN`.
fn children_usage() -> ToolUsage {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return ToolUsage::default();
    }
    ToolUsage {
        max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        user_ms: timeval_ms(usage.ru_utime),
        system_ms: timeval_ms(usage.ru_stime),
        limit: None,
    }
}

fn timeval_ms(t: libc::timeval) -> u64 {
    u64::try_from(t.tv_sec).unwrap_or(0) * 1000 + u64::try_from(t.tv_usec).unwrap_or(0) / 1000
}

/// Waits until the helper's only child ends.
fn wait_for(child: Pid) -> Option<Outcome> {
    loop {
        match waitpid(Some(child), WaitOptions::empty()) {
            Ok(Some((_, status))) => {
                if let Some(outcome) = Outcome::from_wait(status) {
                    return Some(outcome);
                }
            }
            Ok(None) | Err(Errno::INTR) => {}
            Err(_) => return None,
        }
    }
}

/// How far `Frames::take` reads.
#[derive(PartialEq)]
enum Until {
    Report,
    /// pid 1's end, or end of file.
    End,
}

/// What the helper makes of its child's frames.
struct Frames {
    /// The report file, written from outside the run's cgroups.
    file: Option<ReportFile>,
    /// The last report, as the child sent it.
    report: Option<Vec<u8>>,
    ended: Option<Relay>,
}

impl Frames {
    /// Reads the child's frames: each report is written to the report file as it comes, the
    /// end is kept.
    fn take(&mut self, status: &mut File, until: Until) {
        while let Some(frame) = Frame::receive(&mut *status) {
            match frame {
                Frame::Report(json) => {
                    if let Some(file) = &self.file {
                        file.write(&json);
                    }
                    self.report = Some(json);
                    if until == Until::Report {
                        return;
                    }
                }
                Frame::End(relay) => {
                    self.ended = Some(relay);
                    return;
                }
            }
        }
    }

    /// Rewrites the report with what the run used. Without a report (the child failed
    /// before it could send one) there is nothing to add it to: the run failed to start.
    fn add_usage(&self, usage: ToolUsage) {
        let (Some(file), Some(json)) = (&self.file, &self.report) else {
            return;
        };
        let Ok(mut report) = serde_json::from_slice::<SandboxReport>(json) else {
            return;
        };
        report.usage = Some(usage);
        if let Ok(bytes) = serde_json::to_vec(&report) {
            file.write(&bytes);
        }
    }
}

/// Replaces the file's content with `bytes`: written over from the start, then cut to their
/// length. Cutting it to nothing first would free the file's block only for the write to take
/// one again, and would leave a reader an empty file meanwhile.
fn rewrite(mut file: &File, bytes: &[u8]) {
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(bytes))
        .and_then(|()| file.set_len(bytes.len() as u64));
}

/// pid 1 of the new pid namespace (or just the sandboxed child when the
/// namespace could not be created).
fn first_child(run: &mut Run) -> ! {
    if let ReportTo::Helper(status_tx) = &run.report {
        die_with_helper(status_tx);
    }
    // pid 1 keeps its capabilities (mounts, the watchdog's reads): not dumpable, so the tool
    // cannot open its memory or descriptors through /proc, whatever its uid.
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    if !run.protections.is_active("session") {
        // The helper could not start a session (it was already a group
        // leader); a fresh child always can.
        let session = namespaces::new_session();
        run.protections
            .set_flag("session", session, "cannot start a session");
    }
    // Only the helper's first child after unshare(CLONE_NEWPID) is pid 1.
    let pid_ns = run.protections.is_active("pidns") && getpid().as_raw_pid() == 1;
    if !pid_ns {
        run.protections
            .set_flag("pidns", false, "the tool is not pid 1's child");
    }
    // The helper makes the network namespace while the mounts below are built.
    let net = run.net.take().map(namespaces::NetJoin::open);
    let workspaces_state = match &run.world {
        Some(Ok(world)) => landlock_rules::WorkspacesState::of(&run.policy, &world.callers),
        _ => landlock_rules::WorkspacesState::of(&run.policy, &CallersView::current()),
    };
    let private_tmp = match run.world.take() {
        Some(world) if run.protections.is_active("mountns") => mounts::build(
            &run.policy,
            (&workspaces_state.cover, workspaces_state.left_to_landlock),
            world,
            pid_ns,
            &mut run.protections,
        ),
        _ => false,
    };
    if !private_tmp {
        for layer in ["hidden", "dev", "proc", "scratch"] {
            run.protections.set_flag(layer, false, "no mount namespace");
        }
        if let Err(source) = enter_host_scratch(&run.policy.scratch_dir) {
            let path = run.policy.scratch_dir.clone();
            fail(
                run,
                HelperError::Scratch { path, source },
                EXIT_HELPER_FAILED,
            );
        }
    }
    // A tool never runs without what it was granted (a path gone since it was granted, one
    // that could not be shown): it would see an empty folder, or none, and end `ok`.
    if let Some(missing) = run
        .protections
        .layer("grants")
        .filter(|layer| !layer.active)
        .map(|layer| layer.detail.clone())
    {
        fail(run, HelperError::Grants(missing), EXIT_HELPER_FAILED);
    }
    // Once the run's mounts are built, before pid 1's own protections (it mounts).
    match write_broker::prepare(&run.policy, pid_ns, private_tmp) {
        Some(Ok(prepared)) => run.writes = Some(prepared),
        Some(Err(reason)) => run.protections.set("writes", Err::<String, _>(reason)),
        None => {}
    }
    if let Some(net) = net {
        run.protections.set("netns", net.enter());
    }
    if let Some(reason) = &run.no_cgroup {
        let watchdog = if pid_ns {
            Ok(format!("watchdog (no cgroup: {reason})"))
        } else {
            Err(NoWatchdog {
                no_cgroup: reason.clone(),
            })
        };
        run.protections.set("limits", watchdog);
    }
    // Made before the limits, which may leave pid 1 no room for them.
    let command = tool_command(run);
    let stack = match pid_ns
        .then(|| ChildStack::for_command(&command))
        .transpose()
    {
        Ok(stack) => stack,
        Err(e) => fail(run, HelperError::Fork(e), EXIT_HELPER_FAILED),
    };
    let watchdog = run.no_cgroup.is_some();
    apply_protections(&run.policy, &mut run.protections, private_tmp, watchdog);
    // Left uncovered for Landlock to keep the run out of: without it, the run does not start.
    if workspaces_state.left_to_landlock > 0 && !run.protections.is_active("landlock") {
        let left = workspaces_state.left_to_landlock;
        fail(run, HelperError::LandlockMissing(left), EXIT_HELPER_FAILED);
    }
    match stack {
        Some(stack) => be_init(run, &command, &stack),
        None => exec_tool(run, &command),
    }
}

/// Without a mount namespace the scratch folder is a plain folder on the host, made here: the
/// runner makes none, since a run with its own namespace gets its scratch as a tmpfs made
/// inside it and nothing on the host.
fn enter_host_scratch(scratch: &Path) -> io::Result<()> {
    // Its run's folder may not be made yet either: both are made beneath the folder holding
    // the run's, never through a symlink planted in their place.
    let not_in_a_run = || io::Error::from(io::ErrorKind::InvalidInput);
    let run = scratch.parent().ok_or_else(not_in_a_run)?;
    let (Some(base), Some(run_name), Some(name)) =
        (run.parent(), run.file_name(), scratch.file_name())
    else {
        return Err(not_in_a_run());
    };
    safe_fs::Dir::open(base)
        .and_then(|runs| {
            runs.create_dirs_with_mode(Path::new(run_name), crate::workspace::private::DIR_MODE)
        })
        .and_then(|run| run.create_dirs_with_mode(Path::new(name), 0o700))
        .map_err(io::Error::other)?
        .enter()
}

/// Killing the helper (the runner kills its process group on timeout or
/// cancel) kills pid 1, and the kernel then kills the whole namespace,
/// including descendants that started their own session.
fn die_with_helper(status_tx: &File) {
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    // The helper may have died before the line above. getppid() cannot tell
    // (it is 0 inside a new pid namespace), but the status pipe can: a pipe
    // whose reader is gone polls as an error.
    let mut fds = [PollFd::new(status_tx, PollFlags::OUT)];
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    if poll(&mut fds, Some(&now)).is_ok() && fds[0].revents().contains(PollFlags::ERR) {
        end(EXIT_HELPER_FAILED);
    }
}

fn ignore_sigterm() {
    // SAFETY: sets our own disposition of one signal to SIG_IGN.
    unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
}

/// `watchdog`: no cgroup limits the run, pid 1's watchdog does.
fn apply_protections(
    policy: &SandboxPolicy,
    p: &mut Protections,
    private_tmp: bool,
    watchdog: bool,
) {
    p.set_flag(
        "nnp",
        set_no_new_privs(true).is_ok(),
        "prctl(PR_SET_NO_NEW_PRIVS) refused",
    );
    let landlock = landlock_rules::apply(policy, private_tmp);
    if let Some(plan) = &policy.egress {
        let held = landlock.as_ref().map(|_| ()).map_err(|e| one_line(e));
        let netns = p.is_active("netns").then_some(()).ok_or_else(|| {
            p.layer("netns")
                .map(|l| l.detail.clone())
                .unwrap_or_default()
        });
        p.set("egress", landlock_rules::proxy_rule(plan, netns, held));
    }
    if let Some(port) = policy.service_port {
        let port_rule = match &landlock {
            Ok(_) => landlock_rules::port_rule(port),
            Err(reason) => Err(landlock_rules::PortRuleError::NoLandlock {
                reason: one_line(reason),
            }),
        };
        p.set("port", port_rule);
    }
    p.set("landlock", landlock);
    // Through the proxy, TCP is all a run needs: it resolves no names itself.
    let tcp_only = policy.service_port.is_some() || policy.egress.is_some();
    let sockets = seccomp_filter::Sockets::of(policy.network, tcp_only);
    p.set("seccomp", seccomp_filter::apply(sockets, watchdog));
    // Last, so that a tight RLIMIT_AS cannot make the setup above fail.
    p.set("rlimits", limits::apply(policy).map(|()| String::new()));
}

/// pid 1: runs the tool as its child, reaps orphans, watches the tree's
/// size when no cgroup does, and relays the tool's end to the helper. Its
/// own exit then kills whatever the tool left behind.
fn be_init(run: &mut Run, command: &ToolCommand, stack: &ChildStack) -> ! {
    // SIGCHLD is waited for with a timeout, so it must not be delivered.
    block_sigchld();
    // pid 1 is a fork of the single-threaded helper and starts no thread.
    let spawned = match command.spawn(stack) {
        Ok(spawned) => spawned,
        Err(e) => fail(run, HelperError::Fork(e), EXIT_HELPER_FAILED),
    };
    // The tool holds the progress pipe now: once its tree is gone, the runner reads its end.
    drop(run.progress.take());
    run.protections.set("caps", spawned.caps);
    if let Some(e) = spawned.writes_error {
        fail(run, HelperError::Writes(e), EXIT_HELPER_FAILED);
    }
    let mut broker = match run.writes.take() {
        Some(prepared) => {
            let detail = prepared.detail();
            match write_broker::Broker::start(prepared) {
                Ok(broker) => {
                    run.protections.set_active("writes", detail);
                    Some(broker)
                }
                Err(e) => fail(run, e.into(), EXIT_HELPER_FAILED),
            }
        }
        None => None,
    };
    // The tool's process exits 127 when its exec failed, as a shell's would.
    let error = spawned
        .exec_error
        .map(|e| one_line(&exec_error(program(run), e)));
    write_report(run, error);
    let tool = spawned.pid;
    let mut watchdog = run.no_cgroup.is_some().then_some(Watchdog {
        memory_mb: Some(run.policy.memory_mb),
        max_processes: Some(run.policy.max_processes),
        peak_kb: 0,
        last_kb: 0,
    });
    let mut limit = None;
    let outcome = loop {
        if let Some(outcome) = reap_ready(tool) {
            break outcome;
        }
        if limit.is_none()
            && let Some(reason) = watchdog.as_mut().and_then(Watchdog::check)
        {
            limit = Some(one_line(&reason));
            // Everything in the namespace but us.
            // SAFETY: kill(2) with pid -1 and a signal number.
            unsafe { libc::kill(-1, libc::SIGKILL) };
        }
        let timeout = watchdog.as_ref().map(Watchdog::interval_ms);
        match &mut broker {
            Some(broker) => broker.serve(timeout),
            None => wait_sigchld(timeout),
        }
    };
    let limit = limit.or_else(|| scratch_full(&run.policy));
    end_the_rest();
    let mut usage = children_usage();
    usage.max_rss_kb = usage.max_rss_kb.max(watchdog.map_or(0, |w| w.peak_kb));
    usage.limit = limit;
    // The runner reads the tool's output until end of file: our copies of its pipes go now,
    // not with our exit.
    for stdio in 0..=2 {
        // SAFETY: closes descriptors of our own; nothing of ours uses stdio any more.
        unsafe { libc::close(stdio) };
    }
    if let ReportTo::Helper(status_tx) = &run.report {
        let _ = Frame::End(Relay { outcome, usage }).send(status_tx);
    }
    end(0)
}

/// Kills every process of the namespace but pid 1 and reaps them all, so that the run's end
/// can be told before pid 1's own exit (which would kill them too) and its teardown.
fn end_the_rest() {
    // SAFETY: kill(2) with pid -1 and a signal number: everything in the namespace but us.
    unsafe { libc::kill(-1, libc::SIGKILL) };
    // Orphans are reparented to us as their parents die: no child left means no process.
    // Any child, whatever its process group (`waitpid(None)` would wait for ours only).
    loop {
        match wait(WaitOptions::empty()) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

/// The scratch tmpfs filled up during the run: the tool was refused a write, whatever it
/// made of that.
fn scratch_full(policy: &SandboxPolicy) -> Option<String> {
    let stat = rustix::fs::statvfs(&policy.scratch_dir).ok()?;
    (stat.f_bavail == 0).then(|| format!("scratch disk limit of {} MiB reached", policy.disk_mb))
}

/// Reaps every child that ended, whatever its process group (a tool may leave ours with
/// `setsid` or `setpgid`); `Some` once the tool is among them.
fn reap_ready(tool: Pid) -> Option<Outcome> {
    loop {
        match wait(WaitOptions::NOHANG) {
            Ok(Some((pid, status))) => {
                if pid == tool
                    && let Some(outcome) = Outcome::from_wait(status)
                {
                    return Some(outcome);
                }
            }
            Err(Errno::INTR) => {}
            Ok(None) => return None,
            Err(_) => return Some(Outcome::Exited(EXIT_HELPER_FAILED)),
        }
    }
}

fn sigchld_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset uses it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        set
    }
}

fn block_sigchld() {
    let set = sigchld_set();
    // SAFETY: changes only our own signal mask.
    unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
}

/// Waits for a child to change state, at most `timeout_ms` when given.
fn wait_sigchld(timeout_ms: Option<i64>) {
    let set = sigchld_set();
    let timeout = timeout_ms.map(|ms| libc::timespec {
        tv_sec: 0,
        tv_nsec: ms * 1_000_000,
    });
    let ptr = timeout
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: the set is initialised and the timeout (when given) outlives the call.
    unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), ptr) };
}

/// Without a pid namespace: drops capabilities, writes the report and execs the command in
/// this process; on failure rewrites the report with the reason and exits 127.
fn exec_tool(run: &mut Run, command: &ToolCommand) -> ! {
    // The exec puts the progress pipe at its descriptor: the status pipe, which tells an exec
    // that failed, must not be there.
    if run.progress.is_some()
        && let ReportTo::Helper(status_tx) = &mut run.report
        && status_tx.as_raw_fd() == crate::runner::progress::PROGRESS_FD
        && let Ok(moved) = rustix::io::fcntl_dupfd_cloexec(&*status_tx, 4)
    {
        *status_tx = File::from(moved);
    }
    run.protections.set("caps", caps::drop_all());
    write_report(run, None);
    let err = command.exec();
    fail(run, exec_error(program(run), err), EXIT_EXEC_FAILED)
}

/// The program the tool's command names.
fn program(run: &Run) -> &std::ffi::OsStr {
    run.command
        .first()
        .map_or_else(Default::default, OsString::as_os_str)
}

/// The tool's command with its own environment. A watched tool runs at a lower priority: the
/// watchdog only holds the limits if it gets the CPU when it wakes, and a tree of busy
/// processes at its own priority would keep it waiting while memory grows.
fn tool_command(run: &mut Run) -> ToolCommand {
    let niceness = run.no_cgroup.is_some().then_some(WATCHED_NICENESS);
    let progress = run.progress.as_ref().map(AsRawFd::as_raw_fd);
    let mut command = match ToolCommand::new(&run.command, &run.policy.env, niceness, progress) {
        Ok(command) => command,
        Err(e) => fail(run, e.into(), EXIT_HELPER_FAILED),
    };
    if let Some(handoff) = run
        .writes
        .as_mut()
        .and_then(write_broker::Prepared::handoff)
    {
        command.hand_writes(handoff);
    }
    command
}

fn exec_error(program: &std::ffi::OsStr, err: io::Error) -> HelperError {
    let program = program.to_string_lossy().into_owned();
    match err.kind() {
        io::ErrorKind::NotFound => HelperError::NotFound(program),
        io::ErrorKind::PermissionDenied => HelperError::PermissionDenied(program),
        _ => HelperError::Exec {
            program,
            source: err,
        },
    }
}

/// Records `error` in the report (or on stderr when there is no report)
/// and exits with `code`.
fn fail(run: &Run, error: HelperError, code: i32) -> ! {
    let error = one_line(&error);
    if !write_report(run, Some(error.clone())) {
        eprintln!("toolbench sandbox: {error}");
    }
    end(code)
}

/// Writes the report, or sends it to the helper; false when it went nowhere.
fn write_report(run: &Run, error: Option<String>) -> bool {
    let report = SandboxReport {
        protections: run.protections.clone(),
        error,
        cgroups: run.cgroups.clone(),
        usage: None,
    };
    // One write, not one per token.
    let Ok(bytes) = serde_json::to_vec(&report) else {
        return false;
    };
    match &run.report {
        ReportTo::File(file) => file.write(&bytes),
        ReportTo::Helper(status_tx) => Frame::Report(bytes).send(status_tx).is_ok(),
    }
}

/// `fork()`: `None` in the child, the child's pid in the parent.
///
/// # Safety
///
/// The calling process must have a single thread: the child then inherits no lock held by
/// another thread and may run any code, allocation included.
pub(super) unsafe fn fork() -> io::Result<Option<Pid>> {
    // SAFETY: fork takes no arguments; the caller answers for the child (see above).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Pid::from_raw(pid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_fs::planted;

    #[test]
    fn a_rewrite_leaves_only_the_new_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("report.json");
        let file = File::create(&path).expect("file");
        for content in ["{\"a\": \"a longer first report\"}", "{}", "{\"b\": 2}"] {
            rewrite(&file, content.as_bytes());
            assert_eq!(std::fs::read_to_string(&path).expect("read"), content);
        }
    }

    #[test]
    fn the_report_never_goes_through_a_link_planted_as_its_run_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let elsewhere = planted::link_to_empty_folder(&dir.path().join("run"));
        let host_root = open(
            "/",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("/");
        let report = dir.path().join("run/report.json");
        assert!(create_through(Some(&host_root), &report).is_err());
        assert!(
            planted::is_empty(&elsewhere),
            "the report went through the link"
        );
        let made = dir.path().join("made/report.json");
        create_through(Some(&host_root), &made).expect("a missing run folder is made");
        assert!(made.is_file());
    }
}
