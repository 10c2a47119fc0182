//! End-to-end tests of the sandbox helper mode: each test spawns toolbench
//! with `__sandbox-exec` first, as the runner does, and checks one
//! protection from the outside. They expect a kernel where every layer works (user
//! namespaces, Landlock ABI 4+, seccomp), as on the development machine.

use std::fs;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use toolbench::runner::sandbox::{self, SandboxPolicy, SandboxReport};

#[path = "common/binary.rs"]
mod binary;
use binary::bin;

/// A scratch dir plus a separate state dir (holding the report), both
/// temporary, like the runner sets up for one tool run.
struct Fixture {
    scratch: TempDir,
    state: TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            scratch: TempDir::new().expect("scratch dir"),
            state: TempDir::new().expect("state dir"),
        }
    }

    fn policy(&self, network: bool) -> SandboxPolicy {
        SandboxPolicy {
            scratch_dir: self.scratch.path().to_path_buf(),
            hide: Vec::new(),
            workspaces_state: Vec::new(),
            visible: Vec::new(),
            memory_mb: 1024,
            cpu_secs: 30,
            max_open_files: 256,
            max_file_size_mb: 64,
            max_processes: 256,
            disk_mb: 256,
            network,
            allow_list: false,
            grants: Default::default(),
            project_fixture: None,
            env: [
                ("PATH", "/usr/local/bin:/usr/bin:/bin".to_string()),
                ("HOME", self.scratch.path().display().to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            report_path: self.state.path().join("report.json"),
            starter_pid: None,
            service_port: None,
            service_logs: None,
            egress: None,
            progress_fd: None,
            background: false,
        }
    }

    fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// The helper command, spawned as the runner does: a fixed environment
    /// (the tool's comes from the policy), cwd = scratch dir.
    fn command(&self, policy: &SandboxPolicy, cmd: &[&str]) -> Command {
        let cmd: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        let mut command = sandbox::helper_program(&bin(), policy, &cmd);
        command.current_dir(self.scratch()).stdin(Stdio::null());
        command
    }

    fn run(&self, policy: &SandboxPolicy, cmd: &[&str]) -> Output {
        self.command(policy, cmd).output().expect("helper runs")
    }

    fn sh(&self, network: bool, script: &str) -> Output {
        self.run(&self.policy(network), &["sh", "-c", script])
    }

    fn report(&self, policy: &SandboxPolicy) -> SandboxReport {
        let text = fs::read_to_string(&policy.report_path).expect("report written");
        serde_json::from_str(&text).expect("report is JSON")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn exit_code_of_the_tool_is_the_helpers_exit_code() {
    let fx = Fixture::new();
    let out = fx.sh(false, "exit 3");
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
}

#[test]
fn tool_killed_by_sigkill_is_seen_as_killed_by_signal_9() {
    let fx = Fixture::new();
    let out = fx.sh(false, "kill -9 $$");
    assert_eq!(out.status.signal(), Some(9), "{}", describe(&out));
}

/// Python script connecting to 127.0.0.1:PORT; prints "connected" or
/// "blocked: <error>".
fn connect_script(port: u16) -> String {
    format!(
        "import socket\n\
         try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=5)\n    print('connected')\n\
         except OSError as e:\n    print('blocked:', e)\n"
    )
}

#[test]
fn tcp_connect_to_loopback_fails_without_network() {
    let fx = Fixture::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let out = fx.run(&fx.policy(false), &["python3", "-c", &connect_script(port)]);
    assert!(
        text(&out.stdout).starts_with("blocked:"),
        "{}",
        describe(&out)
    );
}

#[test]
fn tcp_connect_to_loopback_works_with_network() {
    let fx = Fixture::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    let out = fx.run(&fx.policy(true), &["python3", "-c", &connect_script(port)]);
    assert_eq!(text(&out.stdout).trim(), "connected", "{}", describe(&out));
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn no_socket_can_be_created_without_network_but_a_stream_pair_can() {
    // UDP is outside Landlock's TCP rules and a net namespace still lets a
    // socket be created: this failure comes from the seccomp filter.
    let fx = Fixture::new();
    let script = "import errno, socket\n\
                  socket.socketpair()\n\
                  for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK):\n    \
                      try:\n        socket.socket(family, socket.SOCK_DGRAM)\n        print('created', family)\n    \
                      except OSError as e:\n        print(errno.errorcode[e.errno])\n";
    let out = fx.run(&fx.policy(false), &["python3", "-c", script]);
    assert!(out.status.success(), "{}", describe(&out));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{}", describe(&out));
    for line in &lines {
        assert!(line == "EPERM" || line == "EACCES", "{}", describe(&out));
    }
}

#[test]
fn writing_a_file_in_the_scratch_dir_works_and_stays_private() {
    let fx = Fixture::new();
    let out = fx.sh(
        false,
        "mkdir sub && echo hello > sub/out.txt && cat sub/out.txt",
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "hello\n");
    // Scratch is a tmpfs of the run's own: the host's folder stays empty.
    let left = fs::read_dir(fx.scratch()).expect("scratch dir").count();
    assert_eq!(left, 0, "the run wrote into the host's scratch folder");
}

#[test]
fn writing_into_a_directory_outside_the_scratch_dir_fails() {
    let fx = Fixture::new();
    let outside = TempDir::new().expect("outside dir");
    let target = outside.path().join("escaped.txt");
    let out = fx.sh(false, &format!("echo pwned > '{}'", target.display()));
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(!target.exists(), "file written outside the scratch dir");
}

#[test]
fn writing_to_dev_null_works() {
    let fx = Fixture::new();
    let out = fx.sh(false, "echo discard > /dev/null && echo ok");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout).trim(), "ok");
}

const ALLOC_512_MIB: &str = "x = bytearray(512 * 1024 * 1024); print('allocated')";

#[test]
fn allocating_beyond_memory_limit_fails() {
    let fx = Fixture::new();
    let policy = SandboxPolicy {
        memory_mb: 128,
        ..fx.policy(false)
    };
    let out = fx.run(&policy, &["python3", "-c", ALLOC_512_MIB]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("MemoryError"),
        "{}",
        describe(&out)
    );
}

#[test]
fn allocating_within_memory_limit_works() {
    // Control for the test above: the same allocation is fine when the limit
    // allows it, so it is the limit that makes it fail.
    let fx = Fixture::new();
    let out = fx.run(&fx.policy(false), &["python3", "-c", ALLOC_512_MIB]);
    assert!(out.status.success(), "{}", describe(&out));
}

/// The host pid of the process whose command line is exactly `argv`,
/// waiting up to 10 s. The run's own /proc and scratch are private, so the
/// host finds it by a unique argument.
fn wait_for_process(argv: &[&str]) -> i32 {
    let wanted: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = fs::read_dir("/proc")
            .expect("host /proc")
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .find(|pid| fs::read(proc_dir(*pid).join("cmdline")).is_ok_and(|c| c == wanted));
        if let Some(pid) = found {
            return pid;
        }
        assert!(Instant::now() < deadline, "grandchild never started");
        sleep(Duration::from_millis(20));
    }
}

fn proc_dir(pid: i32) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}"))
}

/// Session id of `pid`, from /proc/PID/stat (field 6, after the comm).
fn session_of(pid: i32) -> Option<i32> {
    let stat = fs::read_to_string(proc_dir(pid).join("stat")).ok()?;
    let after_comm = stat.rsplit_once(')')?.1;
    after_comm.split_whitespace().nth(3)?.parse().ok()
}

fn gone_within(pid: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match fs::metadata(proc_dir(pid)) {
            Err(e) if e.kind() == ErrorKind::NotFound => return true,
            _ => sleep(Duration::from_millis(20)),
        }
    }
    false
}

/// A sandboxed tool whose grandchild detached (own session) and sleeps.
/// When a test fails it kills what it started, so nothing is left behind.
struct Detached {
    helper: Child,
    helper_pid: i32,
    /// The grandchild's pid as this test sees it, once known.
    grandchild: Option<i32>,
}

impl Detached {
    fn spawn(fx: &Fixture) -> Self {
        // The grandchild becomes `sleep` with an argument unique to this
        // test, by which the host finds it.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let marker = format!("1000.{}{nanos}", std::process::id());
        let script = format!("setsid sleep {marker} & sleep 1000");
        let helper = fx
            .command(&fx.policy(false), &["sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("helper spawns");
        let helper_pid = i32::try_from(helper.id()).expect("pid fits");
        let mut this = Detached {
            helper,
            helper_pid,
            grandchild: None,
        };
        let grandchild = wait_for_process(&["sleep", &marker]);
        this.grandchild = Some(grandchild);
        assert!(proc_dir(grandchild).exists(), "grandchild is running");
        assert_ne!(
            session_of(grandchild),
            session_of(helper_pid),
            "grandchild left the helper's session"
        );
        this
    }

    /// SIGKILLs `target` (the helper's pid or, negated, its group) and
    /// checks the helper died of it and the grandchild is gone within 2 s.
    fn kill_and_check(mut self, target: i32) {
        // SAFETY: plain kill(2) of processes this test started.
        let rc = unsafe { libc::kill(target, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill({target}, SIGKILL)");
        let status = self.helper.wait().expect("helper reaped");
        assert_eq!(status.signal(), Some(9));
        let grandchild = self.grandchild.expect("pid known");
        assert!(
            gone_within(grandchild, Duration::from_secs(2)),
            "detached grandchild {grandchild} survived the helper"
        );
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        // SAFETY: plain kill(2) of processes this test started; errors
        // (already gone) do not matter here.
        unsafe {
            libc::kill(-self.helper_pid, libc::SIGKILL);
            if let Some(pid) = self.grandchild {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        let _ = self.helper.wait();
    }
}

#[test]
fn killing_the_helper_group_kills_a_detached_grandchild() {
    let fx = Fixture::new();
    let tool = Detached::spawn(&fx);
    // What the runner does on timeout or cancel.
    let group = -tool.helper_pid;
    tool.kill_and_check(group);
}

#[test]
fn killing_only_the_helper_process_kills_a_detached_grandchild() {
    // Only the parent-death signal of pid 1 links the helper to the sandbox
    // here: pid 1 dies with the helper and takes the namespace along.
    let fx = Fixture::new();
    let tool = Detached::spawn(&fx);
    let helper = tool.helper_pid;
    tool.kill_and_check(helper);
}

#[test]
fn nonexistent_command_exits_127_and_the_report_names_it() {
    let fx = Fixture::new();
    let policy = fx.policy(false);
    let out = fx.run(&policy, &["nosuchcmd-toolbench", "arg"]);
    assert_eq!(out.status.code(), Some(127), "{}", describe(&out));
    let error = fx.report(&policy).error.expect("report has an error");
    assert!(error.contains("nosuchcmd-toolbench"), "{error}");
    assert!(error.contains("not found"), "{error}");
}

#[test]
fn report_lists_every_protection_as_active_on_this_machine() {
    let fx = Fixture::new();
    let policy = fx.policy(false);
    let out = fx.run(&policy, &["true"]);
    assert!(out.status.success(), "{}", describe(&out));
    let report = fx.report(&policy);
    assert_eq!(report.error, None);
    let p = report.protections;
    for layer in [
        "fds", "limits", "session", "userns", "pidns", "netns", "mountns", "ipcns", "hidden",
        "dev", "proc", "scratch", "nnp", "landlock", "seccomp", "rlimits", "caps",
    ] {
        assert!(p.is_active(layer), "{layer}: {}", p.summary());
    }
    let landlock = &p.layer("landlock").expect("landlock").detail;
    assert!(landlock.ends_with(" full"), "landlock: {landlock}");
    assert!(!p.summary().contains("missing"), "{}", p.summary());
}

#[test]
fn report_fd_is_not_inherited_by_the_tool() {
    let fx = Fixture::new();
    let policy = fx.policy(false);
    let out = fx.run(&policy, &["ls", "-l", "/proc/self/fd"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        !text(&out.stdout).contains("report.json"),
        "{}",
        describe(&out)
    );
}

#[test]
fn malformed_helper_arguments_exit_125_with_one_line_on_stderr() {
    let helper = |policy: Option<&str>, args: &[&str]| {
        let mut command = Command::new(bin());
        command
            .arg(sandbox::HELPER_ARG)
            .args(args)
            .env_remove(sandbox::POLICY_VAR);
        if let Some(policy) = policy {
            command.env(sandbox::POLICY_VAR, policy);
        }
        command.output().expect("helper runs")
    };
    let good = serde_json::to_string(&Fixture::new().policy(false)).expect("policy");
    for (policy, args, says) in [
        (Some("{not json"), &["--", "true"][..], "malformed policy"),
        (None, &["--", "true"], sandbox::POLICY_VAR),
        // The policy on the command line, where every user could read it, is refused.
        (None, &[good.as_str(), "--", "true"], sandbox::POLICY_VAR),
        (Some(good.as_str()), &["true"], "usage"),
    ] {
        let out = helper(policy, args);
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn a_helper_whose_starter_is_gone_before_it_arms_never_runs_the_tool() {
    // The starter (a shell) spawns the helper and is gone at once, so the helper usually
    // starts orphaned, before it could arm its parent-death signal: the check that follows
    // the arming must end it. Either way nothing of the run may be left.
    let fx = Fixture::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let marker = format!("999.{}{nanos}", std::process::id());
    let mut policy = fx.policy(false);
    policy.starter_pid = Some(u32::MAX); // placeholder, replaced by the shell's own pid
    let json = serde_json::to_string(&policy).expect("policy");
    let json = json.replace(&u32::MAX.to_string(), "STARTER");
    let script = format!(
        "p=$(printf '%s' '{json}' | sed \"s/STARTER/$$/\"); \
         {var}=\"$p\" \"$0\" __sandbox-exec -- sleep {marker} >/dev/null 2>&1 & exit 0",
        var = sandbox::POLICY_VAR
    );
    let status = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(bin())
        .current_dir(fx.scratch())
        .status()
        .expect("starter runs");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(1500));
    let wanted: Vec<u8> = ["sleep", marker.as_str()]
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    let alive: Vec<i32> = fs::read_dir("/proc")
        .expect("host /proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| fs::read(proc_dir(*pid).join("cmdline")).is_ok_and(|c| c == wanted))
        .collect();
    for pid in &alive {
        // SAFETY: plain kill(2) of a process this test started.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    assert!(
        alive.is_empty(),
        "the tool ran without its starter: {alive:?}"
    );
}

/// A granted path is the real path it was resolved to before the run: a link swapped in
/// since (by another run that may write the project) is not followed to what it names.
/// The folder behind the link stays unchanged, and the run says the grant was refused.
#[test]
fn a_granted_path_swapped_for_a_link_is_not_granted() {
    let fx = Fixture::new();
    let outside = TempDir::new().expect("outside");
    let keep = outside.path().join("keep.txt");
    fs::write(&keep, "original\n").expect("keep");
    let project = TempDir::new().expect("project");
    let build = project.path().join("build");
    std::os::unix::fs::symlink(outside.path(), &build).expect("link");
    let mut policy = fx.policy(false);
    policy.allow_list = true;
    policy.grants.read = vec![build.clone()];
    policy.grants.write = vec![build.clone()];
    let script = format!(
        "echo pwned > {b}/keep.txt; echo pwned > {o}; cat {b}/keep.txt",
        b = build.display(),
        o = keep.display()
    );
    let out = fx.run(&policy, &["sh", "-c", &script]);
    assert_eq!(
        fs::read_to_string(&keep).expect("keep"),
        "original\n",
        "{}",
        describe(&out)
    );
    let report = fx.report(&policy);
    let grants = report.protections.layer("grants").expect("grants layer");
    assert!(
        !grants.active && grants.detail.contains("not shown"),
        "{grants:?}"
    );
}
