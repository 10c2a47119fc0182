//! The harness of the hostile suite: a workspace, a host area outside it, a fake HOME holding a
//! fake SSH key, bounded runs of the real binary, and snapshots of what must not change.
#![allow(dead_code)] // the hostile tests use most, not all, of it

use std::ffi::CString;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "binary.rs"]
mod binary;
#[path = "visible_base.rs"]
mod visible_base;
pub use binary::bin;
pub use visible_base::visible_base;

/// A string no other test (or run of the suite) uses.
pub fn unique(tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "HOSTILE-{tag}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A Python / TOML / JSON string literal of `s` (JSON strings are valid in all three for the
/// paths and markers used here).
pub fn lit(s: impl AsRef<str>) -> String {
    serde_json::to_string(s.as_ref()).expect("string literal")
}

pub fn lit_path(p: &Path) -> String {
    lit(p.to_str().expect("utf-8 path"))
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A workspace, a host folder outside it (one a run sees, `visible_base`), a fake HOME and a
/// config folder, all temporary.
pub struct Bench {
    pub ws: tempfile::TempDir,
    pub host: tempfile::TempDir,
    pub home: tempfile::TempDir,
    pub config: tempfile::TempDir,
    /// The unique secret inside the fake `~/.ssh/id_ed25519`.
    pub ssh_secret: String,
}

impl Bench {
    pub fn new() -> Bench {
        let ws = tempfile::tempdir().expect("workspace tempdir");
        let host = tempfile::tempdir_in(visible_base()).expect("host tempdir");
        let home = tempfile::tempdir().expect("home tempdir");
        let config = tempfile::tempdir().expect("config tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            fs::create_dir_all(ws.path().join(tier)).expect("tier");
        }
        let ssh = home.path().join(".ssh");
        fs::create_dir_all(&ssh).expect("mkdir .ssh");
        fs::set_permissions(&ssh, fs::Permissions::from_mode(0o700)).expect("chmod .ssh");
        let ssh_secret = unique("SSHKEY");
        let key = ssh.join("id_ed25519");
        fs::write(
            &key,
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n{ssh_secret}\n-----END OPENSSH PRIVATE KEY-----\n"
            ),
        )
        .expect("fake key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod key");
        Bench {
            ws,
            host,
            home,
            config,
            ssh_secret,
        }
    }

    pub fn root(&self) -> &Path {
        self.ws.path()
    }

    pub fn host(&self) -> &Path {
        self.host.path()
    }

    pub fn ssh_key(&self) -> PathBuf {
        self.home.path().join(".ssh/id_ed25519")
    }

    pub fn state_db(&self) -> PathBuf {
        self.root().join(".toolbench/state.db")
    }

    pub fn tool_dir(&self, name: &str) -> PathBuf {
        self.root().join("experimental").join(name)
    }

    /// Writes `experimental/<name>/tool.toml` (input `none`, 20 s unless `run_extra` says
    /// otherwise) and `files` (relative paths) into the tool folder. The tool may read
    /// `visible_base` (`[permissions] read`), where the host folders of the attacks live: an
    /// attack on them then meets the read-only world and the hidden paths, not only a folder
    /// it cannot see.
    pub fn tool(
        &self,
        name: &str,
        command: &[&str],
        run_extra: &str,
        files: &[(&str, &str)],
    ) -> PathBuf {
        let folder = self.tool_dir(name);
        fs::create_dir_all(&folder).expect("tool folder");
        let argv: Vec<String> = command.iter().map(lit).collect();
        let timeout = if run_extra.contains("timeout_secs") {
            ""
        } else {
            "timeout_secs = 20\n"
        };
        // A `[permissions]` section of the caller's gets the read grant; else one of its own.
        const SECTION: &str = "[permissions]\n";
        let read = format!("read = [{}]\n", lit_path(&visible_base()));
        let (own, run_extra) = match run_extra.find(SECTION) {
            Some(at) => {
                let at = at + SECTION.len();
                (
                    String::new(),
                    format!("{}{read}{}", &run_extra[..at], &run_extra[at..]),
                )
            }
            None => (format!("{SECTION}{read}\n"), run_extra.to_string()),
        };
        let manifest = format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"A hostile test tool\"\ncost_tier = \"low\"\n\n{own}[run]\ncommand = [{}]\ninput = \"none\"\n{timeout}{run_extra}\n",
            argv.join(", ")
        );
        fs::write(folder.join("tool.toml"), manifest).expect("manifest");
        for (path, text) in files {
            let target = folder.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).expect("mkdir");
            }
            fs::write(&target, text).expect("tool file");
        }
        folder
    }

    /// The binary with this bench's workspace, HOME and config, nothing inherited.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        self.configure(&mut cmd);
        cmd.args(args);
        cmd
    }

    /// `--root` and the environment of a toolbench invocation, for commands spawned otherwise
    /// (through `sh`, in a PTY).
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        vec![
            ("HOME".into(), self.home.path().display().to_string()),
            (
                "TOOLBENCH_CONFIG_DIR".into(),
                self.config.path().display().to_string(),
            ),
        ]
    }

    fn configure(&self, cmd: &mut Command) {
        cmd.arg("--root")
            .arg(self.root())
            .env_remove("TOOLBENCH_ROOT");
        for (k, v) in self.env_pairs() {
            cmd.env(k, v);
        }
    }

    /// Runs toolbench with `args`; panics if it does not finish within `limit`.
    pub fn tb(&self, args: &[&str], limit: Duration) -> Output {
        run_bounded(self.command(args), limit)
    }

    /// `run NAME --yes --grant --json` bounded by `limit`: the parsed result (Null when not
    /// JSON). The tools are in experimental/: `--grant` gives each what it declares, as a
    /// person may for one run, so every attack meets the sandbox with its grants in place.
    pub fn run_limit(&self, name: &str, limit: Duration) -> (Value, Output) {
        let out = self.tb(&["run", name, "--yes", "--grant", "--json"], limit);
        let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (value, out)
    }

    pub fn run(&self, name: &str) -> (Value, Output) {
        self.run_limit(name, Duration::from_secs(90))
    }

    /// Validates `name` and approves it as a person who read the report would, whatever it
    /// found: for tests of what an active tool (a service, say) may do in its sandbox.
    pub fn approve(&self, name: &str) {
        let (_, validated) = self.validate(name);
        let out = self.tb(
            &["approve", name, "--accept-failures", "--accept-escalation"],
            Duration::from_secs(60),
        );
        assert!(
            out.status.success(),
            "approving {name}: {}{}",
            text(&validated.stderr),
            text(&out.stderr)
        );
    }

    /// `validate NAME --json --force`: the parsed report (Null when not JSON).
    pub fn validate(&self, name: &str) -> (Value, Output) {
        let out = self.tb(
            &["validate", name, "--json", "--force"],
            Duration::from_secs(180),
        );
        let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (value, out)
    }

    /// Every byte toolbench kept of its runs: each run folder's files (logs, reports).
    pub fn recorded_runs(&self) -> Vec<u8> {
        let mut all = Vec::new();
        let runs = self.root().join(".toolbench/runs");
        for entry in fs::read_dir(runs).into_iter().flatten().flatten() {
            for file in fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                if file.path().is_file() {
                    all.extend(fs::read(file.path()).unwrap_or_default());
                }
            }
        }
        all
    }

    /// Where `secret` (`what`, for the message) turned up: the CLI's stdout or stderr, or the
    /// logs toolbench kept of its runs. Empty when nowhere.
    pub fn leaks(&self, what: &str, secret: &str, stdout: &[u8], stderr: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        if contains(stdout, secret) || contains(stderr, secret) {
            found.push(format!("{what} reached the CLI's output"));
        }
        if contains(&self.recorded_runs(), secret) {
            found.push(format!("{what} reached the run's recorded logs"));
        }
        found
    }

    /// The logs of the run described by a `run --json` result.
    pub fn run_logs(&self, result: &Value) -> Vec<u8> {
        let Some(dir) = result["log_dir"].as_str() else {
            return Vec::new();
        };
        let dir = self.root().join(dir);
        let mut all = fs::read(dir.join("stdout.log")).unwrap_or_default();
        all.extend(fs::read(dir.join("stderr.log")).unwrap_or_default());
        all
    }
}

impl Default for Bench {
    fn default() -> Self {
        Bench::new()
    }
}

/// Runs `cmd` (own process group, stdin null, output to temp files) to its end; kills the
/// group and panics after `limit`.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    let out = tempfile::tempfile().expect("stdout file");
    let err = tempfile::tempfile().expect("stderr file");
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().expect("clone"))
        .stderr(err.try_clone().expect("clone"))
        .process_group(0);
    let child = cmd.spawn().expect("spawn");
    let status = wait_bounded(child, limit, &format!("{cmd:?}"));
    Output {
        status,
        stdout: read_all(out),
        stderr: read_all(err),
    }
}

/// Waits for `child` at most `limit`, else kills its process group and panics.
pub fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if Instant::now() > deadline {
            // SAFETY: signalling a process group we created.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.kill();
            let _ = child.wait();
            panic!("did not finish within {limit:?}: {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_all(mut file: fs::File) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_end(&mut bytes);
    bytes
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

/// Asserts that `list` is empty, printing each escape with the context.
pub fn assert_no_escape(escapes: &[String], context: &str) {
    assert!(
        escapes.is_empty(),
        "the sandbox let these through:\n  - {}\n{context}",
        escapes.join("\n  - ")
    );
}

/// Builds a shared object whose constructor appends to `marker` (and which also works as an
/// LD_AUDIT library). Fails the test when no C compiler is installed.
pub fn build_marker_so(work: &Path, out: &Path, marker: &Path) {
    let src = work.join("marker.c");
    fs::write(
        &src,
        format!(
            "#include <fcntl.h>\n#include <unistd.h>\n\
             __attribute__((constructor)) static void hostile_marker(void) {{\n\
               int fd = open({}, O_WRONLY | O_CREAT | O_APPEND, 0644);\n\
               if (fd >= 0) {{ (void)!write(fd, \"loaded\\n\", 7); close(fd); }}\n\
             }}\n\
             unsigned int la_version(unsigned int v) {{ return v; }}\n",
            lit_path(marker)
        ),
    )
    .expect("write C source");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let out_status = Command::new(&cc)
        .args(["-shared", "-fPIC", "-o"])
        .arg(out)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs a C compiler ({cc}) to build its LD_PRELOAD library: {e}")
        });
    assert!(
        out_status.status.success(),
        "{cc} failed: {}",
        text(&out_status.stderr)
    );
}

/// Everything about one file or folder a tool might change: content, mode, owner, times,
/// extended attributes.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub exists: bool,
    pub content: Vec<u8>,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub xattrs: Vec<(String, Vec<u8>)>,
}

pub fn snapshot(path: &Path) -> Snapshot {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Snapshot {
            exists: false,
            content: Vec::new(),
            mode: 0,
            uid: 0,
            gid: 0,
            nlink: 0,
            mtime: (0, 0),
            ctime: (0, 0),
            xattrs: Vec::new(),
        };
    };
    let content = if meta.is_file() {
        fs::read(path).unwrap_or_default()
    } else {
        Vec::new()
    };
    Snapshot {
        exists: true,
        content,
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        nlink: meta.nlink(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
        xattrs: xattrs(path),
    }
}

/// What differs between two snapshots of `what`, one line each.
pub fn changes(what: &str, before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |field: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{what}: {field} {a} -> {b}"));
        }
    };
    diff(
        "exists",
        before.exists.to_string(),
        after.exists.to_string(),
    );
    diff(
        "content",
        text(&before.content),
        text(&after.content).to_string(),
    );
    diff(
        "mode",
        format!("{:o}", before.mode),
        format!("{:o}", after.mode),
    );
    diff(
        "owner",
        format!("{}:{}", before.uid, before.gid),
        format!("{}:{}", after.uid, after.gid),
    );
    diff("links", before.nlink.to_string(), after.nlink.to_string());
    diff(
        "mtime",
        format!("{:?}", before.mtime),
        format!("{:?}", after.mtime),
    );
    diff(
        "ctime",
        format!("{:?}", before.ctime),
        format!("{:?}", after.ctime),
    );
    diff(
        "xattrs",
        format!("{:?}", before.xattrs),
        format!("{:?}", after.xattrs),
    );
    out
}

/// The names in a folder, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Extended attributes of `path` (not following symlinks), sorted by name.
pub fn xattrs(path: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return Vec::new();
    };
    let mut names = vec![0u8; 64 * 1024];
    // SAFETY: the buffer is valid for its length; the path is NUL-terminated.
    let len = unsafe { libc::llistxattr(c_path.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if len <= 0 {
        return Vec::new();
    }
    names.truncate(len as usize);
    let mut out = Vec::new();
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Ok(c_name) = CString::new(name) else {
            continue;
        };
        let mut value = vec![0u8; 64 * 1024];
        // SAFETY: as above.
        let n = unsafe {
            libc::lgetxattr(
                c_path.as_ptr(),
                c_name.as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        value.truncate(n.max(0) as usize);
        out.push((String::from_utf8_lossy(name).into_owned(), value));
    }
    out.sort();
    out
}

/// The host's processes whose command line or environment carries `tag`: their pid and
/// their `/proc` folder.
pub fn tagged(tag: &str) -> Vec<(i32, PathBuf)> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<i32>().ok()?;
            let dir = entry.path();
            let cmdline = fs::read(dir.join("cmdline")).unwrap_or_default();
            let environ = fs::read(dir.join("environ")).unwrap_or_default();
            (contains(&cmdline, tag) || contains(&environ, tag)).then_some((pid, dir))
        })
        .collect()
}

/// Processes on the host whose command line or environment carries `tag`: (count, summed
/// private anonymous memory in KiB; shared library pages are not counted once per process).
pub fn tagged_processes(tag: &str) -> (usize, u64) {
    let found = tagged(tag);
    let rss_kib = found
        .iter()
        .map(|(_, dir)| {
            let status = fs::read_to_string(dir.join("status")).unwrap_or_default();
            status
                .lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    (found.len(), rss_kib)
}

/// Polls `sample` every `every` on a thread until stopped; keeps the largest value seen.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<u64>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    pub fn start(every: Duration, sample: impl Fn() -> u64 + Send + 'static) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(Mutex::new(0));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let v = sample();
                if let Ok(mut peak) = p.lock() {
                    *peak = (*peak).max(v);
                }
                std::thread::sleep(every);
            }
        });
        Sampler {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// Stops sampling and returns the peak.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.lock().map(|p| *p).unwrap_or(0)
    }
}

/// Waits up to `limit` for no process to carry `tag`; returns how many still do.
pub fn survivors_after(tag: &str, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let (count, _) = tagged_processes(tag);
        if count == 0 || Instant::now() > deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kills every process carrying `tag`, so a failing test does not leave its tool behind.
pub fn kill_tagged(tag: &str) {
    for _ in 0..5 {
        let found = tagged(tag);
        if found.is_empty() {
            return;
        }
        for (pid, _) in found {
            // SAFETY: killing a process of our own test tool.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Allocated bytes of every file under `dir`.
pub fn allocated_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total += meta.blocks() * 512;
            }
        }
    }
    total
}

/// Bytes available to unprivileged users on the file system holding `path`.
pub fn free_bytes(path: &Path) -> u64 {
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return 0;
    };
    // SAFETY: statvfs fills the zeroed struct; the path is NUL-terminated.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c_path.as_ptr(), &mut st) != 0 {
            return 0;
        }
        st.f_bavail as u64 * st.f_frsize as u64
    }
}
