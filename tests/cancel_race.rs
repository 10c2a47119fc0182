//! A run cancelled or stopped at any moment leaves no process behind: before its helper has
//! built the sandbox, while pid 1 sets the run up, or after the tool started, whether its
//! helper was started as a program (the library's runs, `toolbench mcp`) or forked ahead
//! (`toolbench run`), while other runs load the machine. Alone in its test binary: it floods
//! the machine with runs of its own.
//!
//! Only processes of these runs are looked for: each sleeps a number of seconds no other
//! program on the machine sleeps (this test process's pid in its fraction), so a `sleep 60`
//! of another program is never taken for one of ours.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{run_request, toolbench_command, write_tool};
use toolbench::catalog::scan::{ScanLimits, load_path};
use toolbench::model::{Tier, ToolEntry};
use toolbench::runner;

/// When each run is cancelled, counted from its start.
const DELAYS_MS: [u64; 12] = [0, 1, 2, 3, 5, 10, 20, 50, 100, 250, 500, 1000];
/// How often each delay is tried.
const ROUNDS: usize = 3;
/// How long what is left of a stopped run may take to be gone.
const GRACE: Duration = Duration::from_secs(5);

/// The seconds the tool of test `test` sleeps, unique to this test process and test (the
/// tests of this file run at once): `45.0000123452` for test 2 of process 12345.
fn marked_seconds(test: u8) -> String {
    format!("45.{:09}{test}", std::process::id())
}

/// A tool whose tree sleeps: the shell, a child in the background, a child that left the
/// shell's session, and one in the foreground.
fn sleeper_script(test: u8) -> String {
    let secs = marked_seconds(test);
    format!("sleep {secs} &\nsetsid sleep {secs} &\necho started\nsleep {secs}\n")
}

/// A core tool running `script`, stopped after `timeout_secs`, accepted as it is by a person.
fn tool(root: &Path, name: &str, script: &str, timeout_secs: u64) -> ToolEntry {
    let manifest = format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"A probe\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\ntimeout_secs = {timeout_secs}\n"
    );
    let folder = write_tool(root, Tier::Core.dir_name(), name, &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    common::accept(root);
    let entry = load_path(root, Tier::Core, &folder, ScanLimits::default()).expect("loads");
    assert!(entry.error.is_none(), "{:?}", entry.error);
    entry
}

/// Every process of test `test`'s runs still there, with what the kernel says of it.
fn survivors(test: u8) -> Vec<String> {
    let marker = format!("sleep {}", marked_seconds(test));
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if !cmdline.contains(&marker) {
                return None;
            }
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            // A zombie is gone but for its parent's wait.
            if status
                .lines()
                .any(|l| l.starts_with("State:") && l.contains('Z'))
            {
                return None;
            }
            let fields: Vec<&str> = status
                .lines()
                .filter(|l| {
                    ["PPid", "NSpid", "NSpgid", "NSsid"]
                        .iter()
                        .any(|f| l.starts_with(f))
                })
                .collect();
            let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
            Some(format!(
                "{pid}: {cmdline} [{}] cgroup {}",
                fields.join(", "),
                cgroup.trim().replace('\n', " ")
            ))
        })
        .collect()
}

/// Waits until none of ours is left, at most `GRACE`; what is still there then, killed so
/// that the next run starts clean and nothing outlives the test.
fn left_after_grace(test: u8) -> Vec<String> {
    let deadline = Instant::now() + GRACE;
    loop {
        let left = survivors(test);
        if left.is_empty() || Instant::now() >= deadline {
            for pid in left
                .iter()
                .filter_map(|l| l.split(':').next()?.parse::<i32>().ok())
            {
                // SAFETY: kill(2) with integer arguments, on a process of this test's runs.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Short runs, a few at once, until `stop`: the load a busy server puts on the machine. Each
/// run is finished as a server finishes it once its record is stored: a run left in the
/// running folder is one every `toolbench run` reads at its start, and thousands of them would
/// measure that instead of the stops under test.
fn flood(root: &Path, entry: &ToolEntry, stop: &AtomicBool) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        while !stop.load(Ordering::Relaxed) {
            let runs: Vec<_> = (0..4)
                .map(|_| {
                    let (_cancel, cancelled) = runner::cancel_pair();
                    tokio::spawn(runner::execute(
                        run_request(root, entry),
                        runner::Keeper::ThisProcess,
                        None,
                        cancelled,
                    ))
                })
                .collect();
            for run in runs {
                if let Ok(Ok(outcome)) = run.await {
                    let record = &outcome.record;
                    runner::inflight::finish(root, record.log_dir.as_deref(), Some(record));
                }
            }
        }
    });
}

struct Flood {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flood {
    fn start(root: &Path) -> Self {
        let entry = tool(
            root,
            "busy",
            "i=0; while [ $i -lt 200 ]; do i=$((i+1)); done\n",
            10,
        );
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, root) = (Arc::clone(&stop), root.to_path_buf());
            std::thread::spawn(move || flood(&root, &entry, &stop))
        };
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The library's runs (a helper started as a program, as for `toolbench mcp` and the
/// workbench), each cancelled a given time after it started.
#[test]
fn a_run_cancelled_at_any_moment_leaves_no_process_behind() {
    let ws = tempfile::tempdir().expect("tempdir");
    let sleeper = tool(ws.path(), "sleeper", &sleeper_script(1), 120);
    let _flood = Flood::start(ws.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut failures = Vec::new();
    // Runs cancelled before and after the tool started.
    let mut started = [0; 2];
    for round in 0..ROUNDS {
        for delay in DELAYS_MS {
            let outcome = runtime.block_on(async {
                let (cancel, cancelled) = runner::cancel_pair();
                let run = tokio::spawn(runner::execute(
                    run_request(ws.path(), &sleeper),
                    runner::Keeper::ThisProcess,
                    None,
                    cancelled,
                ));
                tokio::time::sleep(Duration::from_millis(delay)).await;
                let _ = cancel.send(true);
                tokio::time::timeout(Duration::from_secs(60), run).await
            });
            let status = match outcome {
                Ok(Ok(Ok(outcome))) => {
                    started[usize::from(outcome.stdout.starts_with(b"started"))] += 1;
                    format!("{:?}", outcome.record.status)
                }
                other => format!("{other:?}"),
            };
            let left = left_after_grace(1);
            if !left.is_empty() {
                failures.push(format!(
                    "round {round}, cancelled after {delay} ms ({status}): {left:#?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        started[0] > 0 && started[1] > 0,
        "runs stopped before and after their tool started: {started:?}"
    );
}

/// `toolbench run` (a helper forked ahead and handed its run), stopped by SIGTERM or SIGINT a
/// given time after it started: before its handlers exist, while it hands the run over, or
/// while the tool runs.
#[test]
fn toolbench_run_stopped_at_any_moment_leaves_no_process_behind() {
    let ws = tempfile::tempdir().expect("tempdir");
    tool(ws.path(), "sleeper", &sleeper_script(2), 120);
    let config = tempfile::tempdir().expect("config");
    let _flood = Flood::start(ws.path());
    let mut failures = Vec::new();
    let mut started = [0; 2];
    for round in 0..ROUNDS {
        for (n, delay) in DELAYS_MS.into_iter().enumerate() {
            let signal = if n % 2 == 0 {
                libc::SIGTERM
            } else {
                libc::SIGINT
            };
            let mut child = toolbench_command(ws.path(), config.path(), &["run", "sleeper"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("toolbench run");
            std::thread::sleep(Duration::from_millis(delay));
            let pid = i32::try_from(child.id()).expect("pid");
            // SAFETY: kill(2) on our own child, not reaped yet.
            unsafe { libc::kill(pid, signal) };
            let deadline = Instant::now() + Duration::from_secs(60);
            let status = loop {
                if let Some(status) = child.try_wait().expect("wait") {
                    break Some(status);
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    break child.wait().ok();
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            // Looked for before stdout is read: a survivor would hold the pipe open.
            let left = left_after_grace(2);
            if !left.is_empty() {
                failures.push(format!(
                    "round {round}, signal {signal} after {delay} ms ({status:?}): {left:#?}"
                ));
            }
            let mut stdout = Vec::new();
            if let Some(mut pipe) = child.stdout.take() {
                let _ = std::io::Read::read_to_end(&mut pipe, &mut stdout);
            }
            started[usize::from(stdout.starts_with(b"started"))] += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        started[0] > 0 && started[1] > 0,
        "runs stopped before and after their tool started: {started:?}"
    );
}

/// A run that outlives its timeout is killed with its whole tree.
#[test]
fn a_run_that_times_out_leaves_no_process_behind() {
    let ws = tempfile::tempdir().expect("tempdir");
    let sleeper = tool(ws.path(), "sleeper", &sleeper_script(3), 1);
    let _flood = Flood::start(ws.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let outcome = runtime.block_on(async {
            let (_cancel, cancelled) = runner::cancel_pair();
            let run = runner::execute(
                run_request(ws.path(), &sleeper),
                runner::Keeper::ThisProcess,
                None,
                cancelled,
            );
            tokio::time::timeout(Duration::from_secs(60), run).await
        });
        let status = match outcome {
            Ok(Ok(outcome)) => format!("{:?}", outcome.record.status),
            other => format!("{other:?}"),
        };
        assert_eq!(status, "Timeout");
        let left = left_after_grace(3);
        if !left.is_empty() {
            failures.push(format!("round {round}: {left:#?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
