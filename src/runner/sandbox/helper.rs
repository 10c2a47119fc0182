//! The helper's process tree:
//!
//! ```text
//! helper (runner's child, outside the pid ns): session, namespaces, waits
//! └── pid 1 (init): dies with the helper; protections; reaps orphans
//!     └── tool: writes the report, execs the command
//! ```
//!
//! The tool is not pid 1 itself because a pid-namespace init ignores every
//! signal it has no handler for, even SIGKILL sent from inside (so
//! `kill -9 $$` would do nothing). Without a pid namespace the middle
//! process execs the command directly.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{Pid, Signal, WaitOptions, getpid, set_parent_process_death_signal, waitpid};
use rustix::thread::set_no_new_privs;

use super::args::HelperArgs;
use super::policy::{Protections, SandboxPolicy, SandboxReport};
use super::status::{Outcome, reenact};
use super::{landlock_rules, limits, namespaces, seccomp_filter};

/// Malformed helper arguments, or the helper itself failed (fork, pipe);
/// 125 as in `env`, `nice` and container runtimes.
pub const EXIT_HELPER_FAILED: i32 = 125;
/// The command could not be executed (as in shells).
const EXIT_EXEC_FAILED: i32 = 127;

/// State carried from the helper into its children.
struct Run {
    policy: SandboxPolicy,
    command: Vec<OsString>,
    /// Opened before Landlock, which would forbid opening it later; it is
    /// close-on-exec, so the tool never inherits it.
    report: Option<File>,
    protections: Protections,
}

pub(super) fn run(args: HelperArgs) -> ! {
    let mut protections = Protections {
        session: namespaces::new_session(),
        ..Protections::default()
    };
    // Before the user namespace: should its uid mapping fail, we would no
    // longer be allowed to create the file.
    let report = open_report(&args.policy.report_path);
    let ns = namespaces::enter(args.policy.network);
    protections.user_ns = ns.user;
    protections.pid_ns = ns.pid;
    protections.net_ns = ns.net;
    let mut run = Run {
        policy: args.policy,
        command: args.command,
        report,
        protections,
    };
    // pid 1 reports the tool's end through this pipe; it also tells pid 1
    // whether the helper is still alive (see `die_with_helper`).
    let (status_rx, status_tx) = match pipe_with(PipeFlags::CLOEXEC) {
        Ok(pair) => pair,
        Err(e) => fail(&run, format!("cannot create pipe: {e}"), EXIT_HELPER_FAILED),
    };
    match fork() {
        Ok(None) => {
            drop(status_rx);
            first_child(&mut run, status_tx)
        }
        Ok(Some(child)) => {
            let usage_path = usage_path(&run.policy.report_path);
            drop((status_tx, run));
            supervise(child, status_rx, &usage_path)
        }
        Err(e) => fail(&run, format!("cannot fork: {e}"), EXIT_HELPER_FAILED),
    }
}

fn open_report(path: &Path) -> Option<File> {
    match File::create(path) {
        Ok(file) => Some(file),
        Err(e) => {
            eprintln!(
                "toolbench sandbox: cannot write report {}: {e}",
                path.display()
            );
            None
        }
    }
}

/// The helper: waits for its only child and ends the way the tool ended.
fn supervise(child: Pid, status_rx: OwnedFd, usage_path: &Path) -> ! {
    let direct = wait_for(child);
    write_usage(usage_path);
    // pid 1 relays the tool's end; without a pid namespace the child *is*
    // the tool and nothing is relayed.
    let relayed = read_outcome(status_rx);
    reenact(
        relayed
            .or(direct)
            .unwrap_or(Outcome::Exited(EXIT_HELPER_FAILED)),
    )
}

/// Where the helper records the tool's resource usage, next to the report.
pub fn usage_path(report_path: &Path) -> std::path::PathBuf {
    report_path.with_extension("usage.json")
}

/// Peak memory of the whole tool tree: the kernel folds each reaped
/// descendant's peak into its reaper's, so once pid 1 is reaped our
/// `RUSAGE_CHILDREN` holds the tool's.
fn write_usage(path: &Path) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return;
    }
    let record = super::policy::ToolUsage {
        max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        user_ms: timeval_ms(usage.ru_utime),
        system_ms: timeval_ms(usage.ru_stime),
    };
    if let Ok(text) = serde_json::to_string(&record) {
        let _ = std::fs::write(path, text);
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

fn read_outcome(status_rx: OwnedFd) -> Option<Outcome> {
    let mut bytes = [0u8; 4];
    File::from(status_rx).read_exact(&mut bytes).ok()?;
    Some(Outcome::decode(bytes))
}

/// pid 1 of the new pid namespace (or just the sandboxed child when the
/// namespace could not be created).
fn first_child(run: &mut Run, status_tx: OwnedFd) -> ! {
    die_with_helper(&status_tx);
    if !run.protections.session {
        // The helper could not start a session (it was already a group
        // leader); a fresh child always can.
        run.protections.session = namespaces::new_session();
    }
    // Only the helper's first child after unshare(CLONE_NEWPID) is pid 1.
    run.protections.pid_ns &= getpid().as_raw_pid() == 1;
    apply_protections(&run.policy, &mut run.protections);
    if run.protections.pid_ns {
        be_init(run, status_tx)
    } else {
        drop(status_tx);
        exec_tool(run)
    }
}

/// Killing the helper (the runner kills its process group on timeout or
/// cancel) kills pid 1, and the kernel then kills the whole namespace,
/// including descendants that started their own session.
fn die_with_helper(status_tx: &OwnedFd) {
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
        std::process::exit(EXIT_HELPER_FAILED);
    }
}

fn apply_protections(policy: &SandboxPolicy, p: &mut Protections) {
    // The runner already starts us there; this makes the policy self-contained.
    let _ = std::env::set_current_dir(&policy.scratch_dir);
    p.no_new_privs = set_no_new_privs(true).is_ok();
    p.landlock = landlock_rules::apply(&policy.scratch_dir, policy.network).ok();
    p.seccomp = !policy.network && seccomp_filter::deny_network_sockets().is_ok();
    // Last, so that a tight RLIMIT_AS cannot make the setup above fail.
    p.rlimits = limits::apply(policy).is_ok();
}

/// pid 1: runs the tool as its child, reaps orphans, and relays the tool's
/// end to the helper. Its own exit then kills whatever the tool left behind.
fn be_init(run: &Run, status_tx: OwnedFd) -> ! {
    let tool = match fork() {
        Ok(None) => exec_tool(run),
        Ok(Some(tool)) => tool,
        Err(e) => fail(run, format!("cannot fork: {e}"), EXIT_HELPER_FAILED),
    };
    let outcome = reap_until(tool);
    let _ = File::from(status_tx).write_all(&outcome.encode());
    std::process::exit(0)
}

fn reap_until(tool: Pid) -> Outcome {
    loop {
        match waitpid(None, WaitOptions::empty()) {
            Ok(Some((pid, status))) if pid == tool => {
                if let Some(outcome) = Outcome::from_wait(status) {
                    return outcome;
                }
            }
            Ok(_) | Err(Errno::INTR) => {}
            Err(_) => return Outcome::Exited(EXIT_HELPER_FAILED),
        }
    }
}

/// Writes the report and execs the command; on failure rewrites the report
/// with the reason and exits 127.
fn exec_tool(run: &Run) -> ! {
    let Some((program, args)) = run.command.split_first() else {
        fail(run, "empty command".to_string(), EXIT_HELPER_FAILED)
    };
    write_report(run, None);
    // std's exec searches PATH like execvp and restores the default SIGPIPE
    // disposition and signal mask that Rust's runtime changed.
    let err = Command::new(program).args(args).exec();
    fail(run, exec_error(program, &err), EXIT_EXEC_FAILED)
}

fn exec_error(program: &OsString, err: &io::Error) -> String {
    let name = program.to_string_lossy();
    match err.kind() {
        io::ErrorKind::NotFound => format!("command not found: {name}"),
        io::ErrorKind::PermissionDenied => format!("permission denied: {name}"),
        _ => format!("cannot execute {name}: {err}"),
    }
}

/// Records `error` in the report (or on stderr when there is no report)
/// and exits with `code`.
fn fail(run: &Run, error: String, code: i32) -> ! {
    if run.report.is_none() {
        eprintln!("toolbench sandbox: {error}");
    }
    write_report(run, Some(error));
    std::process::exit(code)
}

fn write_report(run: &Run, error: Option<String>) {
    let Some(mut file) = run.report.as_ref() else {
        return;
    };
    let report = SandboxReport {
        protections: run.protections.clone(),
        error,
    };
    // Rewritten in place: after Landlock the path cannot be reopened, but an
    // fd opened before it can still be truncated and written.
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = serde_json::to_writer(&mut file, &report);
}

/// `fork()`: `None` in the child, the child's pid in the parent.
fn fork() -> io::Result<Option<Pid>> {
    // SAFETY: the helper is single-threaded (helper_main runs before any
    // thread or runtime exists), so the child inherits no lock held by
    // another thread and may allocate freely.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Pid::from_raw(pid))
}
