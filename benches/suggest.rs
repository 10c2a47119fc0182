//! Opportunity mining (issue 42): the detectors over a history of 1,000,000 runs, against the
//! same detectors over its newest 10,000, to show they read a bounded slice whatever the
//! history's size.
//!
//!     cargo bench --bench suggest
//!
//! See BENCHMARKS.md for the figures.

mod support;

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use toolbench::model::{RunOrigin, RunRecord, RunStatus, ToolEntry};
use toolbench::store::Store;
use toolbench::suggest::{Settings, detect};

const TOOLS: usize = 200;
const CLIENTS: u64 = 8;

fn main() {
    divan::main();
}

/// `runs` runs over the last 60 days (one in seven failed), each of `CLIENTS` clients
/// running a few habits of three tools in a row among random calls.
struct History {
    _dir: tempfile::TempDir,
    store: Store,
    catalog: Vec<ToolEntry>,
    now: SystemTime,
}

fn history(runs: u64) -> std::sync::Mutex<History> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let catalog = support::synthesize_entries(TOOLS);
    let now = SystemTime::now();
    let span = Duration::from_secs(60 * 24 * 60 * 60);
    let mut batch = Vec::with_capacity(100_000);
    for i in 0..runs {
        let client = i % CLIENTS;
        let step = i / CLIENTS;
        // Every fourth stretch of three runs is the client's habit; the rest are scattered.
        let tool = if (step / 3).is_multiple_of(4) {
            (client as usize * 3 + (step % 3) as usize) % TOOLS
        } else {
            ((i * 7919) % TOOLS as u64) as usize
        };
        let at = now - span + span.mul_f64(i as f64 / runs as f64);
        batch.push(RunRecord {
            id: 0,
            tool: catalog[tool].name.clone(),
            version: catalog[tool].version.clone(),
            tier: catalog[tool].tier,
            input: "{}".into(),
            started_at: toolbench::clock::rfc3339(at),
            duration_ms: 20 + i % 300,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: None,
            bytes_out: 10,
            status: if i.is_multiple_of(7) {
                RunStatus::Failed
            } else {
                RunStatus::Ok
            },
            origin: RunOrigin::Mcp,
            client: Some(format!("agent-{client}")),
            project: None,
            log_dir: None,
            sandbox: String::new(),
            error: None,
        });
        if batch.len() == batch.capacity() {
            store.insert_runs(&mut batch).expect("runs");
            batch.clear();
        }
    }
    store.insert_runs(&mut batch).expect("runs");
    std::sync::Mutex::new(History {
        _dir: dir,
        store,
        catalog,
        now,
    })
}

static MILLION: LazyLock<std::sync::Mutex<History>> = LazyLock::new(|| history(1_000_000));
static TEN_THOUSAND: LazyLock<std::sync::Mutex<History>> = LazyLock::new(|| history(10_000));

fn run_detectors(history: &std::sync::Mutex<History>, settings: &Settings) -> usize {
    let h = history.lock().expect("history");
    detect(h._dir.path(), &h.store, &h.catalog, h.now, settings)
        .expect("detect")
        .len()
}

/// Every detector over 1,000,000 runs: the newest 50,000 of the last 30 days are read.
#[divan::bench(sample_count = 10)]
fn detect_1m_runs() -> usize {
    run_detectors(&MILLION, &Settings::default())
}

/// The same detectors over a history of 10,000 runs, all of which are read.
#[divan::bench(sample_count = 10)]
fn detect_10k_runs() -> usize {
    run_detectors(&TEN_THOUSAND, &Settings::default())
}
