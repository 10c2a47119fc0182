//! Tools report progress on `$TOOLBENCH_PROGRESS_FD`: what the sandbox gives them (a pipe at
//! fd 3, and no other descriptor beyond stdin, stdout and stderr), and what the run job makes
//! of what they write (the newest report that stands, at most ten a second, whatever the
//! garbage), with real runs in the sandbox: `toolbench run` (its helper forked ahead) and the
//! run job in this process (its helper started as a program).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{bin, run_request, stderr, stdout, write_tool};
use toolbench::catalog::scan::{ScanLimits, load_path};
use toolbench::jobs::run::{Recorder, RunJob, RunObserver};
use toolbench::model::run_job::{OutputPolicy, RunJobEvent};
use toolbench::model::{RunStatus, Tier, ToolEntry};
use toolbench::store::{SharedStore, Store};

/// Long enough for a slow machine, short enough that a hang fails the test.
const PATIENCE: Duration = Duration::from_secs(60);

/// Lists the tool's descriptors as JSON, `{"3": "fifo", ...}`, with the variable's value:
/// the listing's own descriptor is closed by the time each is looked at, so it drops out.
const LIST_FDS_PY: &str = r#"import json, os, stat
listed = os.listdir("/proc/self/fd")
kinds = {}
for name in listed:
    try:
        mode = os.fstat(int(name)).st_mode
    except OSError:
        continue
    kinds[name] = "fifo" if stat.S_ISFIFO(mode) else "other"
link = os.readlink("/proc/self/fd/3") if "3" in kinds else ""
print(json.dumps({"fds": kinds, "var": os.environ.get("TOOLBENCH_PROGRESS_FD"), "link3": link}))
"#;

/// A workspace with one approved tool `probe` running `sh run.sh` with `script`, loaded as
/// the catalog would (the run job takes the entry; no review needed).
fn workspace_with(script: &str, extra_run: &str) -> (tempfile::TempDir, ToolEntry) {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = format!(
        "name = \"probe\"\nversion = \"1.0.0\"\ndescription = \"A probe\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n{extra_run}\n"
    );
    let folder = write_tool(ws.path(), Tier::Approved.dir_name(), "probe", &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    std::fs::write(folder.join("list_fds.py"), LIST_FDS_PY).expect("lister");
    let entry = load_path(ws.path(), Tier::Approved, &folder, ScanLimits::default())
        .expect("the tool loads");
    assert!(entry.error.is_none(), "{:?}", entry.error);
    (ws, entry)
}

/// One progress event as an observer got it.
#[derive(Debug, Clone, PartialEq)]
struct Told {
    progress: f64,
    total: Option<f64>,
    message: Option<String>,
}

#[derive(Default)]
struct Seen {
    stdout: Vec<u8>,
    progress: Vec<Told>,
    /// Progress told after the run's end was (must be none).
    late_progress: usize,
    finished: bool,
}

async fn follow(mut observer: RunObserver) -> Seen {
    let mut seen = Seen::default();
    while let Some(event) = observer.next().await {
        match event {
            RunJobEvent::Output { bytes, .. } => seen.stdout.extend_from_slice(&bytes),
            RunJobEvent::Progress {
                progress,
                total,
                message,
            } => {
                if seen.finished {
                    seen.late_progress += 1;
                }
                seen.progress.push(Told {
                    progress,
                    total,
                    message,
                });
            }
            RunJobEvent::Finished(_) => seen.finished = true,
            _ => {}
        }
    }
    seen
}

/// Runs `script` as a run job to its record; what one observer saw, the status and how long
/// the run took from start to record.
async fn run_job(script: &str, extra_run: &str) -> (Seen, RunStatus, Duration) {
    let (ws, entry) = workspace_with(script, extra_run);
    let recorder = Recorder::Store(SharedStore::new(Store::open(ws.path()).expect("store")));
    let job = RunJob::new(run_request(ws.path(), &entry), recorder);
    let started = Instant::now();
    let seen = tokio::spawn(follow(job.observe(OutputPolicy::Newest)));
    let recorded = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the run ends")
        .expect("stored");
    let took = started.elapsed();
    (seen.await.expect("observer"), recorded.run.status, took)
}

fn assert_progress_never_goes_back(told: &[Told]) {
    for pair in told.windows(2) {
        assert!(pair[0].progress <= pair[1].progress, "{told:?}");
    }
    for report in told {
        assert!(
            report.progress.is_finite() && report.progress >= 0.0,
            "{report:?}"
        );
        if let Some(total) = report.total {
            assert!(total > 0.0 && report.progress <= total, "{report:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_reach_the_observer_and_garbage_backwards_and_overshooting_ones_do_not() {
    let script = r#"p() { printf '%s\n' "$1" >&"$TOOLBENCH_PROGRESS_FD"; }
p '{"progress": 1, "total": 4, "message": "one"}'
sleep 0.3
p 'garbage'
p '{"progress": NaN, "message": "nan"}'
p '{"progress": 1e999, "message": "huge"}'
p '["progress", 2]'
printf '{"progress": 2, "message": "nul"}\000\n\377\376\n' >&3
p '{"progress": "2", "message": "string"}'
p '{"progress": 3, "total": 4, "message": "three\nsecond line \u001b]0;title\u0007"}'
sleep 0.3
p '{"progress": 2, "total": 4, "message": "backwards"}'
p '{"progress": 9, "total": 4, "message": "overshoot"}'
sleep 0.3
p '{"progress": 4, "total": 4, "message": "done"}'
echo out
"#;
    let (seen, status, _) = run_job(script, "").await;
    assert_eq!(status, RunStatus::Ok);
    assert_eq!(seen.stdout, b"out\n");
    let told = &seen.progress;
    assert_progress_never_goes_back(told);
    let messages: Vec<&str> = told.iter().filter_map(|t| t.message.as_deref()).collect();
    assert_eq!(messages, ["one", "three", "done"], "{told:?}");
    assert_eq!(
        (told[2].progress, told[2].total),
        (4.0, Some(4.0)),
        "{told:?}"
    );
    assert_eq!(seen.late_progress, 0, "progress comes before the run's end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_one_visible_line_of_at_most_200_characters() {
    let long = "é".repeat(300);
    let script = format!(
        "printf '{{\"progress\": 1, \"message\": \"a\\\\u001b[2Jb\\\\nhidden\"}}\\n' >&3\nsleep 0.3\nprintf '{{\"progress\": 2, \"message\": \"{long}\"}}\\n' >&3\n"
    );
    let (seen, status, _) = run_job(&script, "").await;
    assert_eq!(status, RunStatus::Ok);
    let messages: Vec<String> = seen
        .progress
        .iter()
        .filter_map(|t| t.message.clone())
        .collect();
    assert_eq!(messages.len(), 2, "{:?}", seen.progress);
    assert_eq!(messages[0], "a\\u{1b}[2Jb");
    assert_eq!(messages[1].chars().count(), 200);
    assert!(messages[1].ends_with('…'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_on_the_progress_fd_finishes_promptly_and_is_told_at_most_ten_times_a_second() {
    // 200,000 reports, then 8 MiB without a newline, then 8 MiB of NUL bytes, then a last
    // report: the tool never waits on its progress pipe for long.
    let script = r#"seq 1 200000 | sed 's/.*/{"progress": &, "total": 200001}/' >&3
head -c 8388608 /dev/zero | tr '\0' 'x' >&3
head -c 8388608 /dev/zero >&3
printf '\n{"progress": 200001, "total": 200001, "message": "last"}\n' >&3
echo flooded
"#;
    let (seen, status, took) = run_job(script, "timeout_secs = 50").await;
    assert_eq!(status, RunStatus::Ok);
    assert_eq!(seen.stdout, b"flooded\n");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let told = &seen.progress;
    assert_progress_never_goes_back(told);
    let last = told.last().expect("at least the last report");
    assert_eq!(last.progress, 200_001.0);
    assert_eq!(last.message.as_deref(), Some("last"));
    // At most one per 100 ms, and the last one at the end: a burst never floods the queue.
    let bound = took.as_millis() / 100 + 2;
    assert!(
        (told.len() as u128) <= bound,
        "{} reports in {took:?}",
        told.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_that_closes_or_ignores_the_fd_runs_as_before() {
    let (seen, status, _) = run_job("exec 3>&-\necho closed\n", "").await;
    assert_eq!(status, RunStatus::Ok);
    assert_eq!(seen.stdout, b"closed\n");
    assert!(seen.progress.is_empty());
    let (seen, status, _) = run_job("echo ignored\n", "").await;
    assert_eq!(status, RunStatus::Ok);
    assert_eq!(seen.stdout, b"ignored\n");
    assert!(seen.progress.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_left_holding_the_fd_does_not_keep_the_run_going() {
    // The child holds fd 3 (and nothing else of the run's pipes) and outlives the tool.
    let script = "sleep 30 >/dev/null 2>&1 </dev/null &\n\
                  echo '{\"progress\": 1, \"message\": \"left a child\"}' >&3\n\
                  echo parent-done\n";
    let (seen, status, took) = run_job(script, "").await;
    assert_eq!(status, RunStatus::Ok);
    assert_eq!(seen.stdout, b"parent-done\n");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(
        seen.progress.last().and_then(|t| t.message.as_deref()),
        Some("left a child")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_tool_writing_progress_ends_at_its_timeout() {
    let script = "i=0\nwhile true; do i=$((i+1)); echo \"{\\\"progress\\\": $i}\" >&3; done\n";
    let (seen, status, took) = run_job(script, "timeout_secs = 2").await;
    assert_eq!(status, RunStatus::Timeout);
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(!seen.progress.is_empty());
    assert_progress_never_goes_back(&seen.progress);
}

/// The descriptors a run of the lister had, from its stdout.
fn fds_of(stdout: &[u8]) -> (BTreeMap<String, String>, Option<String>, String) {
    let line = String::from_utf8_lossy(stdout);
    let value: serde_json::Value =
        serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line}"));
    let fds = value["fds"]
        .as_object()
        .expect("fds")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    (
        fds,
        value["var"].as_str().map(str::to_string),
        value["link3"].as_str().unwrap_or_default().to_string(),
    )
}

fn assert_only_stdio_and_the_pipe(stdout: &[u8]) {
    let (fds, var, link) = fds_of(stdout);
    let numbers: Vec<&str> = fds.keys().map(String::as_str).collect();
    assert_eq!(numbers, ["0", "1", "2", "3"], "{fds:?}");
    assert_eq!(fds["3"], "fifo", "{fds:?}");
    assert!(link.starts_with("pipe:["), "fd 3 is {link}");
    assert_eq!(var.as_deref(), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_gets_a_pipe_at_fd_3_and_no_other_descriptor() {
    let (seen, status, _) = run_job("python3 \"$TOOLBENCH_TOOL_DIR/list_fds.py\"\n", "").await;
    assert_eq!(status, RunStatus::Ok);
    assert_only_stdio_and_the_pipe(&seen.stdout);
}

/// The caller's own descriptors (a shell's `exec 7>>file`) never reach the tool; only the
/// progress pipe is added to stdin, stdout and stderr.
#[test]
fn toolbench_run_with_a_descriptor_of_the_callers_open_gives_the_tool_only_stdio_and_the_pipe() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"lister\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"python3\", \"list_fds.py\"]\ninput = \"none\"\n";
    let folder = write_tool(ws.path(), "experimental", "lister", manifest);
    std::fs::write(folder.join("list_fds.py"), LIST_FDS_PY).expect("lister");
    common::approve(ws.path(), "lister");
    let log = ws.path().join("caller.log");
    std::fs::write(&log, "").expect("log");
    let config = tempfile::tempdir().expect("config");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec 7>>\"$0\"; exec 8<\"$0\"; exec \"$@\"")
        .arg(&log)
        .arg(bin())
        .arg("--root")
        .arg(ws.path())
        .args(["run", "lister", "--yes"])
        .envs(common::user_dirs(config.path()))
        .env_remove("TOOLBENCH_ROOT")
        .output()
        .expect("toolbench run");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_only_stdio_and_the_pipe(&out.stdout);
}

/// Hostile: a descriptor the starting process left open across exec (a library's file opened
/// without close-on-exec), which `posix_spawn` hands to the helper as fork did. The tool
/// writes through every number it could hold, directly and by reopening `/proc/self/fd/N`;
/// the host file behind the descriptor stays empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_descriptor_the_starter_left_open_reaches_no_tool_started_in_process() {
    let host = tempfile::tempdir().expect("host dir");
    let file = host.path().join("starter.log");
    let opened = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .expect("host file");
    let low = std::os::fd::OwnedFd::from(opened);
    // One at the number it got, one high up; neither close-on-exec.
    let high = rustix::io::fcntl_dupfd_cloexec(&low, 300).expect("dup");
    for fd in [&low, &high] {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).expect("inheritable");
    }
    let script = "for n in 3 4 5 6 7 8 9; do eval \"echo ESCAPE >&$n\" 2>/dev/null; done\n\
                  for path in /proc/self/fd/*; do echo ESCAPE > \"$path\" 2>/dev/null; done\n\
                  n=3; while [ $n -lt 1024 ]; do echo ESCAPE > /proc/self/fd/$n 2>/dev/null; n=$((n+1)); done\n\
                  true\n";
    let (_, status, _) = run_job(script, "").await;
    drop((low, high));
    assert_eq!(status, RunStatus::Ok);
    let written = std::fs::read(&file).expect("host file");
    assert!(
        written.is_empty(),
        "the tool wrote through the starter's descriptor: {:?}",
        String::from_utf8_lossy(&written)
    );
}
