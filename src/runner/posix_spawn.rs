//! A program started through posix_spawn(3), which glibc does with `clone(CLONE_VM |
//! CLONE_VFORK)`: unlike fork, nothing of this process's memory map is copied, so starting a
//! run costs the same in a long-lived server holding a large catalog as in a small command.
//! (std's `Command` forks as soon as a `pre_exec` hook is set, which passing the run's
//! progress pipe needed.)
//!
//! The child gets the three standard streams given, one more descriptor at the number asked
//! for, and nothing else of ours (every descriptor of this process is close-on-exec); its own
//! process group; an empty signal mask and SIGPIPE at its default, as std gives a child.

use std::ffi::{CString, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rustix::process::Pid;

/// What to start: the program, its whole argv (`argv[0]` first), its whole environment, and
/// the folder it starts in.
#[derive(Debug)]
pub(crate) struct Program {
    pub(crate) path: PathBuf,
    pub(crate) argv: Vec<OsString>,
    pub(crate) env: Vec<(OsString, OsString)>,
    pub(crate) dir: PathBuf,
}

/// Starts `program` with `stdio` as its stdin, stdout and stderr, and `keep` (a descriptor
/// and the number the child has it at) open across the exec. Returns the child's pid, for
/// the caller to wait for and reap.
pub(crate) fn spawn(
    program: &Program,
    stdio: [BorrowedFd<'_>; 3],
    keep: Option<(BorrowedFd<'_>, RawFd)>,
) -> io::Result<Pid> {
    let path = c_string(program.path.as_os_str().as_bytes())?;
    let argv = program
        .argv
        .iter()
        .map(|arg| c_string(arg.as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let env = program
        .env
        .iter()
        .map(|(name, value)| c_string(&[name.as_bytes(), b"=", value.as_bytes()].concat()))
        .collect::<io::Result<Vec<_>>>()?;
    let dir = c_string(program.dir.as_os_str().as_bytes())?;
    if keep.is_some_and(|(_, at)| at < 3) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a descriptor kept for the child cannot take a standard stream's number",
        ));
    }
    // A source at a standard stream's number (this process started with one closed) would be
    // overwritten by an earlier dup2: each is moved above them first.
    let moved: Vec<Option<OwnedFd>> = stdio
        .iter()
        .map(|fd| above_standard_streams(*fd))
        .collect::<io::Result<_>>()?;
    let sources: Vec<RawFd> = stdio
        .iter()
        .zip(&moved)
        .map(|(fd, moved)| moved.as_ref().map_or(fd.as_raw_fd(), AsRawFd::as_raw_fd))
        .collect();

    let actions = FileActions::new()?;
    for (target, source) in (0..).zip(sources) {
        actions.dup2(source, target)?;
    }
    if let Some((fd, at)) = keep {
        // glibc 2.29 and later clear close-on-exec when both numbers are the same.
        actions.dup2(fd.as_raw_fd(), at)?;
    }
    actions.chdir(&dir)?;
    let attributes = Attributes::new()?;

    let pointers = |strings: &[CString]| -> Vec<*mut libc::c_char> {
        strings
            .iter()
            .map(|s| s.as_ptr().cast_mut())
            .chain(std::iter::once(std::ptr::null_mut()))
            .collect()
    };
    let (argv, env) = (pointers(&argv), pointers(&env));
    let mut pid: libc::pid_t = 0;
    // SAFETY: every pointer is to a NUL-terminated string or a NULL-terminated array of them,
    // alive until the call returns; the actions and attributes are initialised.
    let error = unsafe {
        libc::posix_spawn(
            &raw mut pid,
            path.as_ptr(),
            &raw const actions.0,
            &raw const attributes.0,
            argv.as_ptr(),
            env.as_ptr(),
        )
    };
    check(error)?;
    Pid::from_raw(pid).ok_or_else(|| io::Error::other("posix_spawn gave no pid"))
}

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a program's argument or environment holds a NUL byte",
        )
    })
}

/// A copy of `fd` above the standard streams' numbers (close-on-exec), if it is one of them.
fn above_standard_streams(fd: BorrowedFd<'_>) -> io::Result<Option<OwnedFd>> {
    if fd.as_raw_fd() >= 3 {
        return Ok(None);
    }
    rustix::io::fcntl_dupfd_cloexec(fd, 3)
        .map(Some)
        .map_err(io::Error::from)
}

/// A posix_spawn(3) function's answer: 0, or the error number itself.
fn check(error: libc::c_int) -> io::Result<()> {
    match error {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

/// What the child does between its start and its exec, destroyed when dropped.
struct FileActions(libc::posix_spawn_file_actions_t);

impl FileActions {
    fn new() -> io::Result<Self> {
        let mut actions = std::mem::MaybeUninit::uninit();
        // SAFETY: init writes a valid value into the storage it is given.
        check(unsafe { libc::posix_spawn_file_actions_init(actions.as_mut_ptr()) })?;
        // SAFETY: initialised just above.
        Ok(Self(unsafe { actions.assume_init() }))
    }

    fn dup2(&self, from: RawFd, to: RawFd) -> io::Result<()> {
        // SAFETY: the actions are initialised; glibc copies what it needs.
        check(unsafe {
            libc::posix_spawn_file_actions_adddup2((&raw const self.0).cast_mut(), from, to)
        })
    }

    fn chdir(&self, dir: &CString) -> io::Result<()> {
        // SAFETY: as `dup2`; the folder's name is copied.
        check(unsafe {
            libc::posix_spawn_file_actions_addchdir_np((&raw const self.0).cast_mut(), dir.as_ptr())
        })
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { libc::posix_spawn_file_actions_destroy(&raw mut self.0) };
    }
}

/// The child's process group and signals, destroyed when dropped.
struct Attributes(libc::posix_spawnattr_t);

impl Attributes {
    fn new() -> io::Result<Self> {
        let mut attributes = std::mem::MaybeUninit::uninit();
        // SAFETY: init writes a valid value into the storage it is given.
        check(unsafe { libc::posix_spawnattr_init(attributes.as_mut_ptr()) })?;
        // SAFETY: initialised just above; dropped (destroyed) on every way out below.
        let mut this = Self(unsafe { attributes.assume_init() });
        let attr = &raw mut this.0;
        // SAFETY: the sets are initialised by sigemptyset before use, and the attributes
        // copy them.
        unsafe {
            let mut empty = std::mem::zeroed::<libc::sigset_t>();
            libc::sigemptyset(&raw mut empty);
            let mut pipe = std::mem::zeroed::<libc::sigset_t>();
            libc::sigemptyset(&raw mut pipe);
            libc::sigaddset(&raw mut pipe, libc::SIGPIPE);
            let flags = libc::POSIX_SPAWN_SETPGROUP
                | libc::POSIX_SPAWN_SETSIGMASK
                | libc::POSIX_SPAWN_SETSIGDEF;
            check(libc::posix_spawnattr_setflags(
                attr,
                libc::c_short::try_from(flags).unwrap_or_default(),
            ))?;
            check(libc::posix_spawnattr_setpgroup(attr, 0))?;
            check(libc::posix_spawnattr_setsigmask(attr, &raw const empty))?;
            check(libc::posix_spawnattr_setsigdefault(attr, &raw const pipe))?;
        }
        Ok(this)
    }
}

impl Drop for Attributes {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { libc::posix_spawnattr_destroy(&raw mut self.0) };
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::os::fd::AsFd;

    use rustix::process::WaitOptions;

    use super::*;

    /// `argv` of `path`, with PATH alone in its environment, started in `dir`.
    fn program(path: &str, argv: &[&str], dir: &str) -> Program {
        Program {
            path: PathBuf::from(path),
            argv: argv.iter().map(OsString::from).collect(),
            env: vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))],
            dir: PathBuf::from(dir),
        }
    }

    fn wait(pid: Pid) -> i32 {
        let (_, status) = rustix::process::waitpid(Some(pid), WaitOptions::empty())
            .expect("wait")
            .expect("a status");
        status.exit_status().expect("exited")
    }

    #[test]
    fn the_child_gets_its_streams_the_kept_descriptor_its_folder_group_and_environment() {
        let (mut read, write) = std::io::pipe().expect("pipe");
        let (mut progress_read, progress_write) = std::io::pipe().expect("progress pipe");
        // At a high number, as a busy process has; the first copy closed.
        let progress_write =
            rustix::io::fcntl_dupfd_cloexec(OwnedFd::from(progress_write), 40).expect("dup");
        let null = std::fs::File::open("/dev/null").expect("null");
        let at = progress_write.as_raw_fd();
        // The process group is field 5 of /proc/PID/stat (sh's name holds no space). The kept
        // descriptor is written through /proc: sh takes no number past 9 after `>&`, and a
        // busy test process gives high ones.
        let script = format!(
            "echo \"$(pwd) $PATH [$HOME]\"; cut -d' ' -f5 /proc/$$/stat; echo $$; \
             grep -E '^Sig(Blk|Ign)' /proc/$$/status | cut -f2; \
             echo progress > /proc/self/fd/{at}"
        );
        let program = program("/bin/sh", &["sh", "-c", &script], "/");
        let pid = spawn(
            &program,
            [null.as_fd(), write.as_fd(), write.as_fd()],
            Some((progress_write.as_fd(), at)),
        )
        .expect("spawned");
        drop((write, progress_write));
        assert_eq!(wait(pid), 0);
        let mut out = String::new();
        read.read_to_string(&mut out).expect("output");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "/ /usr/bin:/bin []", "{out}");
        assert_eq!(lines[1], lines[2], "its own process group: {out}");
        assert_eq!(lines[3], "0000000000000000", "no signal blocked: {out}");
        // This test's process ignores SIGPIPE (as every Rust program does); the child not.
        let ignored = u64::from_str_radix(lines[4], 16).expect("SigIgn");
        assert_eq!(
            ignored & (1 << (libc::SIGPIPE - 1)),
            0,
            "SIGPIPE at its default: {out}"
        );
        let mut progress = String::new();
        progress_read
            .read_to_string(&mut progress)
            .expect("progress");
        assert_eq!(progress, "progress\n");
    }

    #[test]
    fn a_program_that_is_not_there_is_an_error_not_a_child() {
        let null = std::fs::File::open("/dev/null").expect("null");
        let program = program("/nonexistent/program", &["x"], "/");
        let error =
            spawn(&program, [null.as_fd(), null.as_fd(), null.as_fd()], None).expect_err("refused");
        assert_eq!(error.kind(), io::ErrorKind::NotFound, "{error}");
    }
}
