//! Recovery: what the decision log costs a decision, `audit verify` over a long log, and
//! `toolbench doctor` on a big workspace whose store lost its header.
//!
//! `cargo bench --bench recovery`. The workspaces live under cargo's target folder, on the
//! disk the store is on, not a tmpfs: the log's cost is its fsync.

use std::path::{Path, PathBuf};

use toolbench::model::audit::LoggedRow;
use toolbench::model::{RunOrigin, RunRecord, RunStatus, Tier};
use toolbench::proc_stat::ProcessId;
use toolbench::runner::inflight::{self, InFlight, Marker};
use toolbench::store::decision_log::{DecisionLog, NewEntry};
use toolbench::store::{DecisionAction, DecisionRecord, Store};

fn main() {
    divan::main();
}

fn bench_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir")
}

fn decision(n: usize) -> DecisionRecord {
    DecisionRecord {
        id: 0,
        tool: format!("tool_{}", n % 200),
        action: DecisionAction::Approve,
        who: "ana".into(),
        at: format!(
            "2026-11-24T10:{:02}:{:02}.{:03}Z",
            (n / 60) % 60,
            n % 60,
            n % 1000
        ),
        reason: Some("looks right".into()),
        from_version: Some("1.0.0".into()),
        to_version: Some("1.0.0".into()),
        from_tier: Some(Tier::Experimental),
        to_tier: Some(Tier::Approved),
        from_hash: Some("ab".repeat(32)),
        to_hash: Some("ab".repeat(32)),
    }
}

/// What one decision's entry looks like: its row, as the store writes it.
fn entry(n: usize) -> NewEntry {
    let d = decision(n);
    let row = serde_json::json!({
        "id": n, "tool": d.tool, "action": "approve", "who": d.who, "at": d.at,
        "reason": d.reason, "from_version": d.from_version, "to_version": d.to_version,
        "from_tier": "experimental", "to_tier": "approved", "from_hash": d.from_hash,
        "to_hash": d.to_hash,
    });
    NewEntry {
        at: d.at.clone(),
        who: d.who,
        action: "approve".into(),
        subject: format!("{}@1.0.0", d.tool),
        rows: vec![LoggedRow {
            table: "decisions".into(),
            row: row.as_object().cloned().unwrap_or_default(),
        }],
    }
}

/// Figure: what the log adds to a decision (≤ 1 ms): one chained, synced append to a log of
/// 1,000 entries.
#[divan::bench(sample_count = 100, sample_size = 1)]
fn log_append(bencher: divan::Bencher) {
    let dir = bench_dir();
    let log = DecisionLog::in_state_dir(dir.path());
    log.append_all(&(0..1000).map(entry).collect::<Vec<_>>())
        .expect("log");
    let mut n = 1000;
    bencher.bench_local(|| {
        n += 1;
        log.append(&entry(n)).expect("append");
    });
}

/// For scale: a whole decision as the store records it, its log entry included.
#[divan::bench(sample_count = 100, sample_size = 1)]
fn record_decision_with_log(bencher: divan::Bencher) {
    let dir = bench_dir();
    let mut store = Store::open(dir.path()).expect("store");
    let mut n = 0;
    bencher.bench_local(|| {
        n += 1;
        store
            .record_decisions(&[decision(n)], &[], &[])
            .expect("record");
    });
}

/// Figure: `audit verify` over 100,000 entries (< 1 s).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn audit_verify_100k(bencher: divan::Bencher) {
    let dir = bench_dir();
    let log = DecisionLog::in_state_dir(dir.path());
    let entries: Vec<NewEntry> = (0..100_000).map(entry).collect();
    log.append_all(&entries).expect("log");
    bencher.bench_local(|| {
        let summary = log.verify().expect("read").expect("whole");
        assert_eq!(summary.entries, 100_000);
    });
}

/// A workspace of 10,000 stored runs, each with its folder and record, and 1,000 decisions.
fn big_workspace(root: &Path) {
    let mut store = Store::open(root).expect("store");
    let mut runs = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let tool = format!("tool_{}", i % 200);
        let marker = Marker::reserve(root, &tool, |log_dir| InFlight {
            tool: tool.clone(),
            version: "1.0.0".into(),
            tier: Tier::Approved,
            input: "{}".into(),
            started_at: format!("2026-11-24T10:00:00.{:03}Z", i % 1000),
            origin: RunOrigin::Cli,
            client: None,
            log_dir,
            starter: ProcessId {
                pid: std::process::id(),
                start_ticks: 0,
            },
            helper: None,
            finished: None,
        })
        .expect("reserve");
        let record = RunRecord {
            id: 0,
            tool: tool.clone(),
            version: "1.0.0".into(),
            tier: Tier::Approved,
            input: "{}".into(),
            started_at: format!("2026-11-24T10:00:00.{:03}Z", i % 1000),
            duration_ms: 12,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: Some(4000),
            bytes_out: 100,
            status: RunStatus::Ok,
            origin: RunOrigin::Cli,
            client: None,
            project: None,
            log_dir: Some(marker.log_dir().to_string()),
            sandbox: "landlock".into(),
            error: None,
        };
        runs.push((record, None));
    }
    store.record_runs_once(&mut runs).expect("runs");
    for (record, _) in &runs {
        inflight::finish(root, record.log_dir.as_deref(), Some(record));
    }
    for n in 0..1000 {
        store
            .record_decisions(&[decision(n)], &[], &[])
            .expect("decision");
    }
}

fn state(root: &Path) -> PathBuf {
    root.join(".toolbench/state.db")
}

/// Figure: `toolbench doctor` (check and repair, the library's work) on a workspace of
/// 10,000 runs and 1,000 decisions whose store lost its first 4 KiB: every run comes back
/// from its folder, every decision from the log.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn doctor_10k_runs_1k_decisions(bencher: divan::Bencher) {
    let dir = bench_dir();
    let root = dir.path();
    big_workspace(root);
    let config = toolbench::config::Config::load(root).expect("config");
    bencher
        .with_inputs(|| {
            let path = state(root);
            let mut bytes = std::fs::read(&path).expect("read");
            bytes[..4096].fill(0x55);
            std::fs::write(&path, bytes).expect("damage");
        })
        .bench_local_values(|()| {
            let findings = toolbench::doctor::check(root);
            assert!(findings.needs_rebuild());
            let report = toolbench::doctor::repair(root, &config, &findings).expect("repair");
            assert_eq!(report.runs_from_folders, 10_000);
        });
}

/// For scale: the doctor's check alone on that workspace, whole.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn doctor_check_whole_10k_runs(bencher: divan::Bencher) {
    let dir = bench_dir();
    let root = dir.path();
    big_workspace(root);
    bencher.bench_local(|| {
        let findings = toolbench::doctor::check(root);
        assert!(findings.is_whole(), "{:?}", findings.lines(root));
    });
}
