//! The library's jobs driven directly, with real runs of tiny tools in the sandbox (the
//! toolbench binary is the sandbox helper, so these live here rather than in `src/jobs/`).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{bin, minimal_manifest, run_request, write_tool};
use toolbench::catalog::scan::{ScanLimits, load_path};
use toolbench::command::CommandError;
use toolbench::command::validations::{
    ValidationEvent, ValidationQueue, ValidationRequest, ValidationTarget,
};
use toolbench::jobs::run::{Recorder, RunJob, RunObserver};
use toolbench::jobs::watch::{WatchJob, WatchObserver, WatchRequest};
use toolbench::model::run_job::{OutputPolicy, RunJobError, RunJobEvent};
use toolbench::model::{Catalog, LookupError};
use toolbench::model::{RunOrigin, RunStatus, Tier, ToolEntry};
use toolbench::runner::Stream;
use toolbench::store::writer::StoreWriter;
use toolbench::store::{SharedStore, Store};
use toolbench::watch::WatchUpdate;
use toolbench::workbench::Workbench;

/// Long enough for a slow machine, short enough that a hang fails the test.
const PATIENCE: Duration = Duration::from_secs(60);

/// An empty workspace with one tool running `script`; `extra_run` goes into its `[run]`.
fn workspace_with(tier: Tier, script: &str, extra_run: &str) -> (tempfile::TempDir, ToolEntry) {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = format!(
        "name = \"probe\"\nversion = \"1.0.0\"\ndescription = \"A probe\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n{extra_run}\n"
    );
    let folder = write_tool(ws.path(), tier.dir_name(), "probe", &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    // A person accepts it where it is, when it is active.
    toolbench::seal::accept_all(ws.path(), "ana").expect("accepted");
    let entry = load_path(ws.path(), tier, &folder, ScanLimits::default()).expect("the tool loads");
    assert!(entry.error.is_none(), "{:?}", entry.error);
    (ws, entry)
}

fn store_of(root: &Path) -> Recorder {
    Recorder::Store(SharedStore::new(Store::open(root).expect("store")))
}

/// Everything an observer is told, stdout and stderr gathered.
#[derive(Default)]
struct Seen {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    skipped: u64,
    /// The other events, by name, in order.
    results: Vec<&'static str>,
    stored_id: Option<i64>,
}

async fn follow(mut observer: RunObserver) -> Seen {
    let mut seen = Seen::default();
    while let Some(event) = observer.next().await {
        match event {
            RunJobEvent::Output {
                stream,
                bytes,
                skipped,
            } => {
                seen.skipped += skipped;
                match stream {
                    Stream::Stdout => seen.stdout.extend(bytes),
                    Stream::Stderr => seen.stderr.extend(bytes),
                }
            }
            // Progress has its own suite (tests/progress.rs).
            RunJobEvent::Progress { .. } => {}
            RunJobEvent::NotStarted(_) => seen.results.push("not started"),
            RunJobEvent::Finished(_) => seen.results.push("finished"),
            RunJobEvent::Recorded { run, .. } => {
                seen.results.push("recorded");
                seen.stored_id = Some(run.id);
            }
            RunJobEvent::Unstored(_) => seen.results.push("unstored"),
        }
    }
    seen
}

fn stored_runs(root: &Path) -> Vec<toolbench::model::RunRecord> {
    Store::open(root)
        .expect("store")
        .list_runs(Some("probe"), 10)
        .expect("runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_observers_of_one_run_both_see_all_output_and_the_result() {
    let (ws, entry) = workspace_with(
        Tier::Approved,
        "for i in $(seq 1 2000); do echo \"line $i\"; done\necho oops >&2\n",
        "",
    );
    let job = RunJob::new(run_request(ws.path(), &entry), store_of(ws.path()));
    let first = tokio::spawn(follow(job.observe(OutputPolicy::Newest)));
    let second = tokio::spawn(follow(job.observe(OutputPolicy::Every)));
    let recorded = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the run ends")
        .expect("stored");
    let expected: String = (1..=2000).map(|i| format!("line {i}\n")).collect();
    for seen in [first.await.expect("first"), second.await.expect("second")] {
        assert_eq!(String::from_utf8_lossy(&seen.stdout), expected);
        assert_eq!(seen.stderr, b"oops\n");
        assert_eq!(seen.skipped, 0);
        assert_eq!(seen.results, ["finished", "recorded"]);
        assert_eq!(seen.stored_id, Some(recorded.run.id));
    }
    assert_eq!(recorded.run.status, RunStatus::Ok);
    assert_eq!(stored_runs(ws.path()), vec![recorded.run]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observer_that_never_reads_neither_holds_up_the_run_nor_loses_its_record() {
    let total: u64 = 8 * 1024 * 1024;
    let (ws, entry) = workspace_with(Tier::Approved, &format!("head -c {total} /dev/zero\n"), "");
    let writer = Arc::new(
        StoreWriter::spawn(SharedStore::new(Store::open(ws.path()).expect("store")))
            .expect("writer"),
    );
    let job = RunJob::new(run_request(ws.path(), &entry), Recorder::Writer(writer));
    let idle = job.observe(OutputPolicy::Newest);
    let recorded = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the run ends while its observer reads nothing")
        .expect("stored");
    assert_eq!(
        (recorded.run.status, recorded.run.bytes_out),
        (RunStatus::Ok, total)
    );
    assert_eq!(stored_runs(ws.path()), vec![recorded.run.clone()]);
    // Read at last: the newest output, what was skipped, and every result.
    let seen = follow(idle).await;
    assert!(seen.stdout.len() <= 1024 * 1024, "{}", seen.stdout.len());
    assert_eq!(seen.stdout.len() as u64 + seen.skipped, total);
    assert_eq!(seen.results, ["finished", "recorded"]);
    assert_eq!(seen.stored_id, Some(recorded.run.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_every_observer_that_never_reads_holds_the_tool_but_not_its_timeout_or_record() {
    let (ws, entry) = workspace_with(Tier::Approved, "yes\n", "timeout_secs = 2");
    let job = RunJob::new(run_request(ws.path(), &entry), store_of(ws.path()));
    let _idle = job.observe(OutputPolicy::Every);
    let recorded = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the timeout still ends the run")
        .expect("stored");
    assert_eq!(recorded.run.status, RunStatus::Timeout);
    assert_eq!(stored_runs(ws.path()), vec![recorded.run]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_is_recorded_cancelled() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo started\nsleep 30\n", "");
    let job = RunJob::new(run_request(ws.path(), &entry), store_of(ws.path()));
    let mut observer = job.observe(OutputPolicy::Newest);
    let run = job.start();
    let first = tokio::time::timeout(PATIENCE, observer.next())
        .await
        .expect("output comes");
    assert!(
        matches!(first, Some(RunJobEvent::Output { .. })),
        "{first:?}"
    );
    run.cancel();
    let recorded = tokio::time::timeout(PATIENCE, run.ended())
        .await
        .expect("the cancelled run ends")
        .expect("stored");
    assert_eq!(recorded.run.status, RunStatus::Cancelled);
    assert!(
        recorded.failure.is_none(),
        "cancelling is not the tool's fault"
    );
    assert_eq!(stored_runs(ws.path()), vec![recorded.run]);
    assert_eq!(follow(observer).await.results, ["finished", "recorded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canceller_reports_closed_once_its_run_has_ended() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo done\n", "");
    let job = RunJob::new(run_request(ws.path(), &entry), store_of(ws.path()));
    let run = job.start();
    let canceller = run.canceller();
    assert!(!canceller.is_closed(), "the run is still going");
    tokio::time::timeout(PATIENCE, run.ended())
        .await
        .expect("the run ends")
        .expect("stored");
    // A front end keeping cancellers by run forgets the ones whose run is over this way.
    assert!(
        canceller.is_closed(),
        "the ended run still holds its cancel channel"
    );
}

/// Makes the store refuse every run from now on, as a full disk or a held lock would.
fn refuse_runs(root: &Path) {
    let db = Store::open(root).expect("store").path().to_path_buf();
    rusqlite::Connection::open(db)
        .expect("open the state file")
        .execute_batch(
            "CREATE TRIGGER refuse_runs BEFORE INSERT ON runs \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .expect("trigger");
}

async fn assert_refused_run_is_kept(ws: &tempfile::TempDir, entry: &ToolEntry, recorder: Recorder) {
    let job = RunJob::new(run_request(ws.path(), entry), recorder);
    let observer = job.observe(OutputPolicy::Newest);
    let ended = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the run ends");
    let Err(RunJobError::Unstored(lost)) = ended else {
        panic!("the store refused the run: {ended:?}");
    };
    assert!(lost.reason.contains("full"), "{}", lost.reason);
    assert!(lost.kept.is_ok(), "{:?}", lost.kept);
    assert!(
        lost.to_string().contains("kept in .toolbench/running/"),
        "{lost}"
    );
    assert_eq!(follow(observer).await.results, ["finished", "unstored"]);
    let kept = toolbench::runner::inflight::list(ws.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let finished = kept[0].finished.as_ref().expect("kept finished");
    assert_eq!((finished.status, finished.id), (RunStatus::Ok, 0));
    assert_eq!(finished.log_dir, lost.record.log_dir);
    assert!(stored_runs(ws.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_refuses_yields_unstored_with_the_run_kept_in_running() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo '{}'\n", "");
    let recorder = store_of(ws.path());
    refuse_runs(ws.path());
    assert_refused_run_is_kept(&ws, &entry, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_refuses_yields_unstored_with_the_run_kept_in_running() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo '{}'\n", "");
    let store = SharedStore::new(Store::open(ws.path()).expect("store"));
    let writer = StoreWriter::spawn(store).expect("writer");
    refuse_runs(ws.path());
    assert_refused_run_is_kept(&ws, &entry, Recorder::Writer(Arc::new(writer))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_cannot_start_tells_every_observer_why() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo '{}'\n", "");
    let mut prohibited = entry.clone();
    prohibited.cost_tier = Some(toolbench::model::CostTier::Prohibited);
    if let Some(manifest) = prohibited.manifest.as_mut() {
        Arc::make_mut(manifest).cost_tier = toolbench::model::CostTier::Prohibited;
    }
    let job = RunJob::new(run_request(ws.path(), &prohibited), store_of(ws.path()));
    let observer = job.observe(OutputPolicy::Newest);
    let ended = job.start().ended().await;
    assert!(
        matches!(ended, Err(RunJobError::NotStarted(_))),
        "{ended:?}"
    );
    assert_eq!(follow(observer).await.results, ["not started"]);
    assert!(stored_runs(ws.path()).is_empty());
}

/// A helper that cannot start ends the run as a `sandbox_error`: stored once, with its
/// folder, and nothing left in running/ for a later start to store again as abandoned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_helper_cannot_start_is_stored_once_and_leaves_nothing_in_flight() {
    let (ws, entry) = workspace_with(Tier::Approved, "echo '{}'\n", "");
    let mut request = run_request(ws.path(), &entry);
    request.workspace = request
        .workspace
        .with_program(ws.path().join("no-such-helper"));
    let job = RunJob::new(request, store_of(ws.path()));
    let recorded = tokio::time::timeout(PATIENCE, job.start().ended())
        .await
        .expect("the run ends")
        .expect("stored");
    assert_eq!(recorded.run.status, RunStatus::SandboxError);
    assert!(recorded.run.log_dir.is_some(), "named by its folder");
    assert!(toolbench::runner::inflight::list(ws.path()).is_empty());
    assert_eq!(stored_runs(ws.path()).len(), 1);
}

/// A candidate whose one test case passes.
fn candidate_with_a_case() -> (tempfile::TempDir, ToolEntry) {
    candidate_with_case("echo '{\"ok\": true}'\n", "ok")
}

/// A candidate running `script`, with one test case that expects `expected` in its output.
fn candidate_with_case(script: &str, expected: &str) -> (tempfile::TempDir, ToolEntry) {
    let (ws, entry) = workspace_with(Tier::Experimental, script, "");
    std::fs::create_dir_all(entry.path.join("tests")).expect("tests dir");
    std::fs::write(
        entry.path.join("tests/basic.toml"),
        format!("input = '{{}}'\nexpect_stdout_contains = \"{expected}\"\n"),
    )
    .expect("case");
    // Read again: validation judges the folder as it is, case included.
    let entry = load_path(
        ws.path(),
        Tier::Experimental,
        &entry.path,
        ScanLimits::default(),
    )
    .expect("the candidate");
    (ws, entry)
}

/// A validation queue of one worker on the workspace at `root`, and what it tells.
fn one_worker_queue(
    root: &Path,
) -> (
    ValidationQueue,
    tokio::sync::mpsc::UnboundedReceiver<ValidationEvent>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let commands = Workbench::at(root, None)
        .expect("opened")
        .with_program(bin())
        .caller(RunOrigin::Tui)
        .expect("the store");
    let queue = ValidationQueue::start(
        &tokio::runtime::Handle::current(),
        1,
        commands,
        move |event| tx.send(event).is_ok(),
    );
    (queue, rx)
}

/// What the queue tells next, within `PATIENCE`.
async fn told(rx: &mut tokio::sync::mpsc::UnboundedReceiver<ValidationEvent>) -> ValidationEvent {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("told in time")
        .expect("the queue is running")
}

/// The nicenesses the threads of process `pid` have on the host (field 19 of each task's
/// stat), each once: threads come and go, their niceness must not. Only the background's
/// threads (`toolbench-bg`, which step back on purpose) when `background`, else all others.
fn niceness_of(pid: u32, background: bool) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|task| {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            (comm.trim() == "toolbench-bg") == background
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
        .filter_map(|stat| {
            let after_name = stat.rsplit_once(") ")?.1;
            after_name.split(' ').nth(16).map(str::to_owned)
        })
        .collect()
}

/// Blocks: a candidate in background validation that would push its lower priority onto
/// the host: every process of its user (`PRIO_USER`), its process group, and a process of
/// the same user outside whose pid it knows. The case passes only once the tool has tried
/// all three (so the attack ran); outside, that process and every thread of the validating
/// process keep their niceness (its background threads the 10 they step back by).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_candidate_cannot_lower_the_priority_of_anything_outside() {
    let mut outside = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("a process outside");
    let before = (
        niceness_of(outside.id(), false),
        niceness_of(std::process::id(), false),
    );
    let script = format!(
        "python3 - <<'EOF'\n\
         import os\n\
         tried = []\n\
         for which, who in ((os.PRIO_USER, os.getuid()), (os.PRIO_PGRP, 0), (os.PRIO_PROCESS, {})):\n\
         \x20   try:\n\
         \x20       os.setpriority(which, who, 19)\n\
         \x20       tried.append('done')\n\
         \x20   except OSError as e:\n\
         \x20       tried.append(e.strerror)\n\
         print('tried all', tried)\n\
         EOF\n",
        outside.id()
    );
    let (ws, entry) = candidate_with_case(&script, "tried all");
    let (queue, mut rx) = one_worker_queue(ws.path());
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&entry),
        force: false,
        catalog: Arc::new(Catalog::new(vec![entry.clone()])),
    });
    let told = told(&mut rx).await;
    let after = (
        niceness_of(outside.id(), false),
        niceness_of(std::process::id(), false),
    );
    let background = niceness_of(std::process::id(), true);
    let _ = outside.kill();
    let _ = outside.wait();
    let ValidationEvent::Validated { report, .. } = told else {
        panic!("validated: {told:?}");
    };
    let case = serde_json::to_value(&report.tests).expect("json");
    assert_eq!(case[0]["status"], "pass", "the attack ran: {case}");
    assert_eq!(before, after, "a priority outside the run changed");
    assert!(!before.0.is_empty() && !before.1.is_empty(), "{before:?}");
    assert_eq!(
        background,
        ["10".to_string()].into(),
        "the background's threads step back by 10 themselves, and no further"
    );
}

/// Background validation steps back for what a person runs meanwhile: its runs are niced
/// (10 below the default), while a validation a person asked for (`force`) runs at the
/// default priority. The candidate's one case passes only when its run is niced, so each
/// verdict says at which priority the case ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_validation_runs_niced_and_a_persons_request_does_not() {
    // Field 19 of /proc/self/stat is the niceness of the process reading it (awk here, a
    // child of the tool's sh, which inherits it).
    let (ws, entry) = candidate_with_case(
        "awk '{ print ($19 >= 10 ? \"stepped back\" : \"default priority \" $19) }' /proc/self/stat\n",
        "stepped back",
    );
    let (queue, mut rx) = one_worker_queue(ws.path());
    let catalog = Arc::new(Catalog::new(vec![entry.clone()]));
    let mut statuses = Vec::new();
    for force in [false, true] {
        queue.push(ValidationRequest {
            tool: ValidationTarget::of(&entry),
            force,
            catalog: Arc::clone(&catalog),
        });
        let told = told(&mut rx).await;
        let ValidationEvent::Validated { report, .. } = told else {
            panic!("validated: {told:?}");
        };
        let case = serde_json::to_value(&report.tests).expect("json");
        statuses.push(case[0]["status"].clone());
    }
    assert_eq!(statuses, ["pass", "fail"], "background, then asked for");
}

/// The CPU cgroup (v1 `cpu` hierarchy) of process `pid` as the host sees it, with what it
/// holds the process to: `(path, cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us)`.
fn cpu_cgroup_of(pid: &str) -> Option<(String, String, String, String)> {
    let memberships = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let path = memberships.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "cpu")
            .then(|| path.to_string())
    })?;
    Some(cpu_group(&path))
}

/// The v1 CPU group at `path`: its path, shares, quota and period.
fn cpu_group(path: &str) -> (String, String, String, String) {
    let folder = Path::new("/sys/fs/cgroup/cpu").join(path.trim_start_matches('/'));
    let read = |file: &str| {
        std::fs::read_to_string(folder.join(file))
            .map(|text| text.trim().to_string())
            .unwrap_or_default()
    };
    (
        path.to_string(),
        read("cpu.shares"),
        read("cpu.cfs_quota_us"),
        read("cpu.cfs_period_us"),
    )
}

/// This process's v1 CPU group and its folder, when toolbench may write it (root); else says
/// why nothing is checked.
fn own_writable_cpu_cgroup() -> Option<(String, std::path::PathBuf)> {
    let Some((own, ..)) = cpu_cgroup_of("self") else {
        eprintln!("no v1 cpu hierarchy here: nothing to check");
        return None;
    };
    let writable = Path::new("/sys/fs/cgroup/cpu").join(own.trim_start_matches('/'));
    if rustix::fs::access(&writable, rustix::fs::Access::WRITE_OK).is_err() {
        eprintln!("the cpu hierarchy is not ours to write here: nothing to check");
        return None;
    }
    Some((own, writable))
}

/// Watches the host's processes until `done` for one whose command line is `argv`, and
/// returns the CPU cgroup it was first seen in.
fn cpu_cgroup_of_process(
    argv: &'static [&'static str],
    done: Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Option<(String, String, String, String)>> {
    std::thread::spawn(move || {
        let wanted: Vec<u8> = argv
            .iter()
            .flat_map(|a| [a.as_bytes(), b"\0"].concat())
            .collect();
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                let pid = entry.file_name().to_string_lossy().into_owned();
                let found =
                    std::fs::read(entry.path().join("cmdline")).ok().as_deref() == Some(&wanted);
                if let Some(group) = found.then(|| cpu_cgroup_of(&pid)).flatten() {
                    return Some(group);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    })
}

/// Background validation holds its runs to a CPU share of their own, where sessions are
/// scheduled apart (autogroup) and niceness alone would leave a sandbox as much CPU as the
/// command a person runs meanwhile: the tool's process is seen from the host in a CPU
/// cgroup of weight 15 (niceness 19's against 1024) and a ceiling of one CPU, while a
/// validation a person asked for runs in the validating process's own CPU cgroup. The
/// validating process's own threads doing the background's work are held back alike: they
/// are in a group of that weight and ceiling, the background run's group nests inside it,
/// and the test's own threads stay where they were. Needs a v1 `cpu` hierarchy toolbench may
/// write (root); says so and checks nothing elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_validation_runs_in_a_cpu_cgroup_of_its_own_and_a_persons_does_not() {
    let Some((own, writable)) = own_writable_cpu_cgroup() else {
        return;
    };
    const MARKER: &[&str] = &["sleep", "2.718"];
    let (ws, entry) = candidate_with_case("sleep 2.718\necho finished\n", "finished");
    let (queue, mut rx) = one_worker_queue(ws.path());
    let catalog = Arc::new(Catalog::new(vec![entry.clone()]));
    let mut seen = Vec::new();
    for force in [false, true] {
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = cpu_cgroup_of_process(MARKER, Arc::clone(&done));
        queue.push(ValidationRequest {
            tool: ValidationTarget::of(&entry),
            force,
            catalog: Arc::clone(&catalog),
        });
        let told = told(&mut rx).await;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let ValidationEvent::Validated { report, .. } = told else {
            panic!("validated: {told:?}");
        };
        let case = serde_json::to_value(&report.tests).expect("json");
        assert_eq!(case[0]["status"], "pass", "the case ran: {case}");
        seen.push(
            watcher
                .join()
                .expect("the watcher")
                .expect("the tool was seen running"),
        );
    }
    let (background, asked) = (&seen[0], &seen[1]);
    assert_ne!(background.0, own, "background: a group of its own");
    assert!(background.0.contains("toolbench-run-"), "{background:?}");
    assert_eq!(
        (background.1.as_str(), &background.2),
        ("15", &background.3),
        "weight 15, one period per period: {background:?}"
    );
    assert_eq!(
        asked.0, own,
        "asked for: the validating process's own group"
    );

    let held_back = Path::new(&own)
        .join(format!("toolbench-background-{}", std::process::id()))
        .display()
        .to_string();
    let threads = threads_named("toolbench-bg");
    assert!(!threads.is_empty(), "the background's threads");
    for tid in &threads {
        let group = cpu_cgroup_of(&format!("self/task/{tid}")).expect("a cpu group");
        assert_eq!(group.0, held_back, "thread {tid}");
        assert_eq!(
            (group.1.as_str(), &group.2),
            ("15", &group.3),
            "weight 15, one CPU: {group:?}"
        );
    }
    assert!(
        background
            .0
            .starts_with(&format!("{held_back}/toolbench-run-")),
        "the background run nests in the background's group: {background:?}"
    );
    let this_thread = cpu_cgroup_of("thread-self").expect("a cpu group");
    assert_eq!(this_thread.0, own, "a thread of the person's side stays");

    // The group a process gone left behind (its threads were still leaving when it ended) is
    // removed when the next one makes its own.
    let mut gone = std::process::Command::new("true")
        .spawn()
        .expect("a process");
    gone.wait().expect("it ends");
    let left = writable.join(format!("toolbench-background-{}", gone.id()));
    std::fs::create_dir(&left).expect("a group left behind");
    let (_another, _) = one_worker_queue(ws.path());
    // Removed beside the start, not before it ends.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while left.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!left.exists(), "{} is still there", left.display());
}

/// The ids of this process's threads called `name`.
fn threads_named(name: &str) -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("the threads")
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .map(|task| task.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Blocks: a background candidate taking back the CPU its run was held to: it raises its CPU
/// cgroup's weight and lifts its quota through every descriptor of pid 1 it can reach and by
/// path (through `/proc/self/cgroup`; the run's view has no `/sys/fs/cgroup`, so those reach
/// nothing today), raises the group above (the background threads' group, where its run
/// nests), and moves itself into that group or the hierarchy's root. Only then
/// does it become `sleep 2.721`, which the host finds and reads: still in its run's group,
/// weight 15, one CPU. The case passes only once the tool tried pid 1's descriptors (so the
/// attack ran). Needs what the test above needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_candidate_cannot_take_back_the_cpu_its_run_is_held_to() {
    if own_writable_cpu_cgroup().is_none() {
        return;
    }
    const MARKER: &[&str] = &["sleep", "2.721"];
    let script = "python3 - <<'EOF'\n\
        import glob, os, sys\n\
        targets = [(t, b'262144') for t in glob.glob('/proc/1/fd/*')]\n\
        for line in open('/proc/self/cgroup'):\n\
        \x20   path = line.rstrip('\\n').split(':', 2)[2]\n\
        \x20   for base in glob.glob('/sys/fs/cgroup/*'):\n\
        \x20       mine = base + path\n\
        \x20       targets += [(mine + '/cpu.shares', b'262144'), (mine + '/cpu.cfs_quota_us', b'-1'),\n\
        \x20                   (mine + '/cpu.weight', b'10000'), (mine + '/cpu.max', b'max'),\n\
        \x20                   (os.path.dirname(mine) + '/cpu.shares', b'262144'),\n\
        \x20                   (os.path.dirname(mine) + '/cpu.cfs_quota_us', b'-1'),\n\
        \x20                   (os.path.dirname(mine) + '/tasks', b'0'), (base + '/tasks', b'0'),\n\
        \x20                   (base + '/cgroup.procs', b'0')]\n\
        tried = 0\n\
        for target, value in targets:\n\
        \x20   try:\n\
        \x20       fd = os.open(target, os.O_WRONLY)\n\
        \x20       os.write(fd, value)\n\
        \x20   except OSError:\n\
        \x20       pass\n\
        \x20   tried += 1\n\
        fds = sum(t.startswith('/proc/1/fd/') for t, _ in targets)\n\
        print('tried all' if fds else 'no descriptor of pid 1 to try', tried, flush=True)\n\
        os.execvp('sleep', ['sleep', '2.721'])\n\
        EOF\n";
    let (ws, entry) = candidate_with_case(script, "tried all");
    let (queue, mut rx) = one_worker_queue(ws.path());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = cpu_cgroup_of_process(MARKER, Arc::clone(&done));
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&entry),
        force: false,
        catalog: Arc::new(Catalog::new(vec![entry.clone()])),
    });
    let told = told(&mut rx).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let ValidationEvent::Validated { report, .. } = told else {
        panic!("validated: {told:?}");
    };
    let case = serde_json::to_value(&report.tests).expect("json");
    assert_eq!(case[0]["status"], "pass", "the attack ran: {case}");
    let seen = watcher
        .join()
        .expect("the watcher")
        .expect("the host saw the tool after its attack");
    assert!(
        seen.0.contains("toolbench-run-"),
        "left its group: {seen:?}"
    );
    assert_eq!(
        (seen.1.as_str(), &seen.2),
        ("15", &seen.3),
        "weight 15, one period per period: {seen:?}"
    );
    let above = cpu_group(
        &Path::new(&seen.0)
            .parent()
            .expect("nested")
            .display()
            .to_string(),
    );
    assert!(above.0.contains("toolbench-background-"), "{above:?}");
    assert_eq!(
        (above.1.as_str(), &above.2),
        ("15", &above.3),
        "the background's group above it holds too: {above:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validation_queue_validates_stores_and_tells_each_request() {
    let (ws, entry) = candidate_with_a_case();
    let (queue, mut rx) = one_worker_queue(ws.path());
    let catalog = Arc::new(Catalog::new(vec![entry.clone()]));
    let request = |entry: &ToolEntry| ValidationRequest {
        tool: ValidationTarget::of(entry),
        force: true,
        catalog: Arc::clone(&catalog),
    };
    queue.push(request(&entry));
    let first = told(&mut rx).await;
    let ValidationEvent::Validated {
        path,
        report,
        unstored,
    } = first
    else {
        panic!("validated: {first:?}");
    };
    assert_eq!(path, entry.path);
    assert!(unstored.is_empty(), "{unstored:?}");
    assert_eq!(report.tests.len(), 1, "{:?}", report.tests);
    let runs = stored_runs(ws.path());
    assert_eq!(runs.len(), 1, "the case's run is stored: {runs:?}");
    assert_eq!(runs[0].origin, RunOrigin::Validation);
    assert!(toolbench::runner::inflight::list(ws.path()).is_empty());

    // The folder changes after the tool was shown: what was shown is no longer there, and
    // what is there now was never asked for.
    std::fs::write(entry.path.join("run.sh"), "echo '{\"ok\": \"swapped\"}'\n").expect("edit");
    queue.push(request(&entry));
    let swapped = told(&mut rx).await;
    assert!(
        matches!(
            &swapped,
            ValidationEvent::Refused {
                error: CommandError::Lookup(LookupError::ContentChanged { .. }),
                ..
            }
        ),
        "{swapped:?}"
    );

    // A folder outside the workspace is no tool of it, whatever it holds.
    let (elsewhere, outside) = candidate_with_a_case();
    queue.push(request(&outside));
    let refused = told(&mut rx).await;
    assert!(
        matches!(
            &refused,
            ValidationEvent::Refused {
                error: CommandError::Lookup(LookupError::FolderLeft { .. }),
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(stored_runs(ws.path()).len(), 1, "neither was run");
    assert!(stored_runs(elsewhere.path()).is_empty());
}

/// A paused queue starts nothing of the background's, keeps it, and validates it once it
/// goes on; what a person asks for (`force`) runs while paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_queue_keeps_the_background_and_goes_on_where_it_stopped() {
    let (ws, entry) = candidate_with_a_case();
    let (queue, mut rx) = one_worker_queue(ws.path());
    let catalog = Arc::new(Catalog::new(vec![entry.clone()]));
    queue.pause();
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&entry),
        force: false,
        catalog: Arc::clone(&catalog),
    });
    let quiet = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await;
    assert!(quiet.is_err(), "nothing started while paused: {quiet:?}");
    assert_eq!(queue.waiting(), 1);
    assert!(stored_runs(ws.path()).is_empty());
    // A person's request, for another tool of the workspace, runs all the same.
    let other = write_tool(
        ws.path(),
        Tier::Experimental.dir_name(),
        "other",
        &minimal_manifest("other"),
    );
    std::fs::write(other.join("run.sh"), "echo '{}'\n").expect("script");
    let other = load_path(ws.path(), Tier::Experimental, &other, ScanLimits::default())
        .expect("the other tool");
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&other),
        force: true,
        catalog: Arc::clone(&catalog),
    });
    assert!(matches!(
        told(&mut rx).await,
        ValidationEvent::Validated { .. }
    ));
    assert_eq!(queue.waiting(), 1, "the background's still waits");
    queue.resume();
    assert!(matches!(
        told(&mut rx).await,
        ValidationEvent::Validated { .. }
    ));
    assert_eq!(queue.waiting(), 0);
}

/// An agent swaps a queued candidate's code before its turn: the request names the folder and
/// the content a person saw there, so the swapped code is not run in its name. The swapped code
/// does run once it is asked for as itself, so the first refusal was not for nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_swapped_while_queued_is_not_validated_in_the_name_of_what_was_seen() {
    let (ws, seen) = candidate_with_a_case();
    let (queue, mut rx) = one_worker_queue(ws.path());
    let catalog = Arc::new(Catalog::new(vec![seen.clone()]));
    queue.pause();
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&seen),
        force: false,
        catalog: Arc::clone(&catalog),
    });
    std::fs::write(seen.path.join("run.sh"), "echo '{\"ok\": \"swapped\"}'\n").expect("swap");
    queue.resume();
    let ValidationEvent::Refused { tool, .. } = told(&mut rx).await else {
        panic!("the swapped content was validated in the name of what was seen");
    };
    assert_eq!(tool, format!("{}@{}", seen.name, seen.version));
    assert!(stored_runs(ws.path()).is_empty(), "nothing of it ran");

    let swapped = load_path(
        ws.path(),
        Tier::Experimental,
        &seen.path,
        ScanLimits::default(),
    )
    .expect("the swapped candidate");
    assert_ne!(swapped.content_hash, seen.content_hash);
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&swapped),
        force: true,
        catalog,
    });
    let ValidationEvent::Validated { path, .. } = told(&mut rx).await else {
        panic!("the swapped content, asked for as itself, is validated");
    };
    assert_eq!(path, swapped.path);
    assert!(!stored_runs(ws.path()).is_empty(), "its case ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_whose_runs_the_store_refuses_tells_them_and_keeps_them_for_the_next_start() {
    let (ws, entry) = candidate_with_a_case();
    let (queue, mut rx) = one_worker_queue(ws.path());
    refuse_runs(ws.path());
    queue.push(ValidationRequest {
        tool: ValidationTarget::of(&entry),
        force: true,
        catalog: Arc::new(Catalog::new(vec![entry.clone()])),
    });
    let told = told(&mut rx).await;
    let ValidationEvent::Validated {
        report, unstored, ..
    } = told
    else {
        panic!("the report stands though its run was refused: {told:?}");
    };
    assert_eq!(report.tests.len(), 1, "{:?}", report.tests);
    assert!(
        report.runs.is_empty(),
        "no run was stored: {:?}",
        report.runs
    );
    assert_eq!(unstored.len(), 1, "the refused run is told: {unstored:?}");
    let lost = &unstored[0];
    assert!(lost.reason.contains("full"), "{}", lost.reason);
    assert!(lost.kept.is_ok(), "{:?}", lost.kept);
    assert_eq!(lost.record.origin, RunOrigin::Validation);
    let kept = toolbench::runner::inflight::list(ws.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let finished = kept[0].finished.as_ref().expect("kept finished");
    assert_eq!(
        (finished.status, finished.origin, &finished.log_dir),
        (RunStatus::Ok, RunOrigin::Validation, &lost.record.log_dir)
    );
    assert!(stored_runs(ws.path()).is_empty());
}

/// Waits until `observer` is told that tool `name` appeared; other updates are skipped.
async fn sees_tool(observer: &mut WatchObserver, name: &str) {
    let seen = tokio::time::timeout(PATIENCE, async {
        while let Some(update) = observer.next().await {
            if let WatchUpdate::Tools { updated, .. } = update
                && updated.iter().any(|e| e.name == name)
            {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or_else(|_| panic!("{name} was not seen within {PATIENCE:?}"));
    assert!(seen, "the watch ended before {name} was seen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_observers_of_one_watch_both_see_a_new_tool_and_one_that_stops_reading_holds_nobody_back()
 {
    let ws = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(ws.path().join("experimental")).expect("tier");
    let job = WatchJob::new(WatchRequest {
        root: ws.path().to_path_buf(),
        limits: ScanLimits::default(),
    });
    let mut stalled = job.observe();
    let mut reading = job.observe();
    let watching = tokio::time::timeout(PATIENCE, job.start())
        .await
        .expect("set up in time")
        .expect("watching");

    write_tool(
        ws.path(),
        "experimental",
        "alpha",
        &minimal_manifest("alpha"),
    );
    sees_tool(&mut stalled, "alpha").await;
    sees_tool(&mut reading, "alpha").await;

    // One observer reads no more; the other still hears every change, as does one that
    // came later.
    let mut late = watching.observe();
    for name in ["beta", "gamma"] {
        write_tool(ws.path(), "experimental", name, &minimal_manifest(name));
        sees_tool(&mut reading, name).await;
        sees_tool(&mut late, name).await;
    }
    // Reading again, the stalled one catches up.
    sees_tool(&mut stalled, "gamma").await;

    drop(watching);
    let ended =
        tokio::time::timeout(PATIENCE, async { while reading.next().await.is_some() {} }).await;
    assert!(ended.is_ok(), "a stopped watch ends its observers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evolve_tells_that_its_evolver_runs_then_gives_the_new_candidate() {
    use toolbench::command::{Applied, Command};
    use toolbench::review::evolve::EvolveProgress;
    let (ws, _) = workspace_with(Tier::Approved, "echo '{}'\n", "");
    let workbench = Workbench::at(ws.path(), None)
        .expect("opened")
        .with_program(bin());
    let mut ctx = workbench.caller(RunOrigin::Tui).expect("store");
    let (tx, mut progress) = tokio::sync::mpsc::unbounded_channel();
    ctx.progress = Some(Arc::new(move |step| {
        let _ = tx.send(step);
    }));
    let evolver = ["sh", "-c", "cat >/dev/null; echo '{\"files\": {}}'"];
    let command = Command::Decide {
        tool: toolbench::model::ToolId::named("probe"),
        decision: toolbench::model::review_command::ReviewCommand::Evolve {
            hint: "say more".into(),
            with: Some(toolbench::model::review_command::EvolverCommand {
                argv: evolver.map(String::from).to_vec(),
                from: ws.path().to_path_buf(),
            }),
        },
    };
    let applied = tokio::time::timeout(PATIENCE, workbench.apply(&ctx, command))
        .await
        .expect("the evolve ends");
    let Ok(Applied::Decided(outcome)) = applied else {
        panic!("a decision");
    };
    assert!(outcome.summary().contains("1.1.0"), "{}", outcome.summary());
    let running = progress.try_recv().expect("told before the result");
    assert!(
        matches!(&running, EvolveProgress::EvolverRunning { tool, .. } if tool == "probe@1.0.0"),
        "{running:?}"
    );
    assert!(
        ws.path()
            .join("experimental/probe-1.1.0/tool.toml")
            .is_file()
    );
}
