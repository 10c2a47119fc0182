//! Starting the tool from pid 1 with `clone(CLONE_VM | CLONE_VFORK)` instead of `fork`: a
//! process that execs at once needs no copy of pid 1's page tables, and pid 1 does not wait on
//! the copy's teardown at the exec (docs/benchmarks/runs.md, issue 7).
//!
//! The child runs on a stack of its own but in pid 1's memory, with pid 1 stopped until the
//! child has exec'd or exited. So everything it needs is built before the clone, and the child
//! only makes system calls: it puts its signals back to their defaults, drops its
//! capabilities, lowers its priority when a watchdog watches it, and execs. What it has to
//! tell (the capabilities it dropped, why the exec failed) it leaves in the memory it shares
//! with pid 1. The command is looked up in `PATH` exactly as `execvp` does it, with the tool's
//! environment in place, as `std::process::Command` would.

use std::collections::BTreeMap;
use std::ffi::{CString, NulError, c_char, c_int, c_void};
use std::io;

use rustix::process::Pid;

use super::caps::{self, CapsError};
use super::write_broker::Handoff;

/// The child's stack beyond what `execvp` takes on it for the command (see `stack_bytes`).
const CHILD_STACK_BYTES: usize = 64 * 1024;
/// The exit code of a process whose command could not be executed (as in shells).
pub(super) const EXIT_EXEC_FAILED: c_int = 127;
/// The highest signal number Linux knows.
const LAST_SIGNAL: c_int = 64;
/// The kernel's signal set: one bit for each of its 64 signals.
const SIGSET_BYTES: usize = 8;

unsafe extern "C" {
    static mut environ: *const *const c_char;
}

/// The tool's command, ready to exec.
pub(super) struct ToolCommand {
    program: CString,
    /// Owns what `argv` points into.
    _args: Vec<CString>,
    argv: Vec<*const c_char>,
    _env: Vec<CString>,
    envp: Vec<*const c_char>,
    /// Set for a tool a watchdog watches: it must not starve its watchdog.
    niceness: Option<c_int>,
    /// The run's progress pipe (close-on-exec), put at `PROGRESS_FD` right before the exec.
    progress: Option<c_int>,
    /// The write broker's filter, installed by the tool's process before its exec, which
    /// sends pid 1 its listener (see `write_broker`).
    writes: Option<Handoff>,
}

/// Why the command cannot be exec'd before any process was made for it.
#[derive(Debug, thiserror::Error)]
pub(super) enum CommandError {
    #[error("empty command")]
    Empty,
    #[error("a word of the command or environment holds a NUL byte")]
    Nul(#[from] NulError),
}

/// The started tool, and what its process did before its exec.
pub(super) struct Spawned {
    pub(crate) pid: Pid,
    /// The capabilities the tool process dropped (the report's `caps`).
    pub(crate) caps: Result<String, CapsError>,
    /// Why the exec failed; the process has then exited with 127.
    pub(crate) exec_error: Option<io::Error>,
    /// Why the write broker's filter could not be installed; the process has then exited with
    /// 127 before its exec.
    pub(crate) writes_error: Option<io::Error>,
}

/// What the child leaves for pid 1 in their shared memory.
struct ChildExchange<'a> {
    command: &'a ToolCommand,
    caps: Option<Result<String, CapsError>>,
    exec_errno: c_int,
    writes_errno: c_int,
}

impl ToolCommand {
    pub(crate) fn new(
        command: &[std::ffi::OsString],
        env: &BTreeMap<String, String>,
        niceness: Option<c_int>,
        progress: Option<c_int>,
    ) -> Result<Self, CommandError> {
        use std::os::unix::ffi::OsStrExt;
        let program = command.first().ok_or(CommandError::Empty)?;
        let program = CString::new(program.as_bytes())?;
        let args = command
            .iter()
            .map(|a| CString::new(a.as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let env = env
            .iter()
            .map(|(k, v)| CString::new(format!("{k}={v}")))
            .collect::<Result<Vec<_>, _>>()?;
        let pointers = |words: &[CString]| {
            words
                .iter()
                .map(|w| w.as_ptr())
                .chain([std::ptr::null()])
                .collect()
        };
        Ok(Self {
            program,
            argv: pointers(&args),
            envp: pointers(&env),
            _args: args,
            _env: env,
            niceness,
            progress,
            writes: None,
        })
    }

    /// The tool's process installs the write broker's filter before its exec.
    pub(crate) fn hand_writes(&mut self, handoff: Handoff) {
        self.writes = Some(handoff);
    }

    /// What the child's stack must hold: glibc's `execvp` builds the path it tries (`PATH`'s
    /// length and the program's) and, for a script without `#!`, a second argv on the stack.
    fn stack_bytes(&self) -> usize {
        let path = self
            ._env
            .iter()
            .find_map(|e| e.to_bytes().strip_prefix(b"PATH="))
            .map_or(0, <[u8]>::len);
        CHILD_STACK_BYTES
            + path
            + self.program.as_bytes().len()
            + (self.argv.len() + 2) * std::mem::size_of::<*const c_char>()
    }

    /// Replaces the calling process with the command, as `spawn`'s child does; returns only
    /// why it could not.
    pub(crate) fn exec(&self) -> io::Error {
        default_signals();
        if let Some(niceness) = self.niceness {
            // SAFETY: nice only changes our own scheduling priority.
            unsafe { libc::nice(niceness) };
        }
        if let Some(pipe) = self.progress {
            let target = crate::runner::progress::PROGRESS_FD;
            // SAFETY: system calls on descriptor numbers of this process's own table (the
            // clone shares pid 1's memory, not its descriptors): whatever was at the target
            // was close-on-exec, and the copy made there is not.
            let placed = unsafe {
                if pipe == target {
                    libc::fcntl(pipe, libc::F_SETFD, 0)
                } else {
                    libc::dup2(pipe, target)
                }
            };
            if placed < 0 {
                return io::Error::last_os_error();
            }
        }
        // SAFETY: `environ` and execvp get NULL-terminated arrays of NUL-terminated strings
        // that `self` owns; execvp looks the program up in the PATH of that environment.
        unsafe {
            environ = self.envp.as_ptr();
            libc::execvp(self.program.as_ptr(), self.argv.as_ptr());
        }
        io::Error::last_os_error()
    }

    /// Starts the command as a child of the calling process, which must be single-threaded,
    /// on `stack` (made for this command).
    pub(crate) fn spawn(&self, stack: &ChildStack) -> io::Result<Spawned> {
        let mut shared = ChildExchange {
            command: self,
            caps: None,
            exec_errno: 0,
            writes_errno: 0,
        };
        let all = full_signal_set();
        let mut before = empty_signal_set();
        // SAFETY: this process is single-threaded and stopped until the child execs or exits
        // (CLONE_VFORK). Signals stay blocked meanwhile, so no handler of ours runs in the
        // child; `environ` is ours again before anything else reads it; `shared`, the stack
        // and the command outlive the child's use of them.
        let pid = unsafe {
            libc::sigprocmask(libc::SIG_SETMASK, &all, &mut before);
            let environment = environ;
            let pid = libc::clone(
                child,
                stack.top(),
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                (&raw mut shared).cast::<c_void>(),
            );
            let clone_error = io::Error::last_os_error();
            environ = environment;
            libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
            if pid < 0 {
                return Err(clone_error);
            }
            pid
        };
        let pid = Pid::from_raw(pid).ok_or_else(|| io::Error::other("clone returned pid 0"))?;
        let caps = shared.caps.take().unwrap_or(Err(CapsError::NotDropped));
        let exec_error =
            (shared.exec_errno != 0).then(|| io::Error::from_raw_os_error(shared.exec_errno));
        let writes_error =
            (shared.writes_errno != 0).then(|| io::Error::from_raw_os_error(shared.writes_errno));
        Ok(Spawned {
            pid,
            caps,
            exec_error,
            writes_error,
        })
    }
}

/// The child's stack, with a page below it that no one may touch: the child runs in pid 1's
/// memory, so a stack it overran would be pid 1's heap, but a guard page makes it fault.
/// Made before pid 1 takes on the run's limits: under `RLIMIT_AS` it may have no room left.
pub(super) struct ChildStack {
    base: *mut c_void,
    bytes: usize,
}

impl ChildStack {
    pub(crate) fn for_command(command: &ToolCommand) -> io::Result<Self> {
        Self::new(command.stack_bytes())
    }

    fn new(usable: usize) -> io::Result<Self> {
        // SAFETY: sysconf only reads a system value.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
        let bytes = usable.div_ceil(page) * page + page;
        // SAFETY: a fresh private anonymous mapping; its lowest page is then made
        // inaccessible, and it is unmapped on drop.
        unsafe {
            let base = libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            let stack = Self { base, bytes };
            if libc::mprotect(base, page, libc::PROT_NONE) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(stack)
        }
    }

    /// Where the child's stack starts: its highest address, 16-byte aligned (pages are).
    fn top(&self) -> *mut c_void {
        self.base.cast::<u8>().wrapping_add(self.bytes).cast()
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `new` made, which nothing uses any more.
        unsafe { libc::munmap(self.base, self.bytes) };
    }
}

/// The child: system calls only, on its own stack, in pid 1's memory.
extern "C" fn child(shared: *mut c_void) -> c_int {
    // SAFETY: `spawn` passes a `ChildExchange` that outlives us (pid 1 is stopped until we exec or
    // exit), and nothing else touches it meanwhile.
    let shared = unsafe { &mut *shared.cast::<ChildExchange<'_>>() };
    shared.caps = Some(caps::drop_all());
    // From here on every call the filter traps waits for pid 1, which is stopped until this
    // process has exec'd: none is made before the exec (signals, priority, descriptors).
    if let Some(writes) = &shared.command.writes
        && let Err(errno) = writes.install()
    {
        shared.writes_errno = errno;
        // SAFETY: ends this process without running anything of pid 1's.
        unsafe { libc::_exit(EXIT_EXEC_FAILED) }
    }
    let error = shared.command.exec();
    shared.exec_errno = error.raw_os_error().unwrap_or(libc::ENOEXEC);
    // SAFETY: ends this process without running anything of pid 1's.
    unsafe { libc::_exit(EXIT_EXEC_FAILED) }
}

/// What a program expects at its start, whoever started toolbench: every signal handled by
/// default (in `spawn`'s child, pid 1's handlers would run in pid 1's memory; a caller's
/// ignored signals, glibc's own included, would survive the exec) and none blocked. The
/// dispositions go first, so that no handler runs once the blocked signals are let through.
fn default_signals() {
    // The kernel's `struct sigaction`, all zero: SIG_DFL, no flags, no mask. Larger than the
    // kernel reads on any architecture.
    let default = [0u64; 8];
    for signal in 1..=LAST_SIGNAL {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: rt_sigaction reads a zeroed struct and writes nothing back. Straight to the
        // kernel: glibc refuses to touch the signals it keeps for itself.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                signal,
                default.as_ptr(),
                std::ptr::null_mut::<c_void>(),
                SIGSET_BYTES,
            );
        }
    }
    let none = empty_signal_set();
    // SAFETY: sets our own signal mask from an initialised set.
    unsafe { libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut()) };
}

fn full_signal_set() -> libc::sigset_t {
    // SAFETY: sigfillset initialises the set it is given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        set
    }
}

fn empty_signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set it is given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        set
    }
}
