//! Pictures of a tool's life (issue 12): the workspace stats overlay over a store of 100,000
//! runs of about 200 tools over 90 days, and a tool's quality day by day over 10,000 runs.
//!
//!     cargo bench --bench stats
//!
//! See BENCHMARKS.md for the targets and the figures.

mod support;

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use toolbench::model::SortOrder;
use toolbench::model::quality::WorkspaceStats;
use toolbench::model::{FailureRecord, RunOrigin, RunRecord, RunStatus, Severity, ToolEntry};
use toolbench::store::Store;
use toolbench::tui::action::Action;
use toolbench::tui::app::{App, AppEvent};
use toolbench::tui::keymap::Keymap;
use toolbench::tui::overlays::stats::{DAYS_SHOWN, TREND_OVER};
use toolbench::tui::quality_history::QUALITY_DAYS;
use toolbench::tui::theme::Theme;
use toolbench::tui::ui;

const TOOLS: usize = 200;
const RUNS: u64 = 100_000;
const DAYS: u64 = 90;
/// The tool of the detail benchmark: 10,000 runs of its own (plus its share of the others),
/// over the same 90 days.
const BUSY_TOOL_RUNS: u64 = 10_000;

fn main() {
    divan::main();
}

/// A workspace state of `RUNS` runs (one in nine not ok, an automatic failure for each of
/// those) spread evenly over the last `DAYS` days across `TOOLS` tools, plus one tool with
/// `BUSY_TOOL_RUNS` runs. The folder lives as long as the benchmarks.
struct Recorded {
    _dir: tempfile::TempDir,
    store: Store,
    catalog: Vec<ToolEntry>,
    busy: String,
    now: SystemTime,
}

static RECORDED: LazyLock<std::sync::Mutex<Recorded>> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let catalog = support::synthesize_entries(TOOLS);
    let now = SystemTime::now();
    let span = Duration::from_secs(DAYS * 24 * 60 * 60);
    let busy = catalog[0].name.clone();
    let mut runs: Vec<RunRecord> = (0..RUNS + BUSY_TOOL_RUNS)
        .map(|i| {
            let (tool, n, of) = if i < RUNS {
                (&catalog[(i * 7919) as usize % TOOLS], i, RUNS)
            } else {
                (&catalog[0], i - RUNS, BUSY_TOOL_RUNS)
            };
            let at = now - span + span.mul_f64(n as f64 / of as f64);
            RunRecord {
                id: 0,
                tool: tool.name.clone(),
                version: tool.version.clone(),
                tier: tool.tier,
                input: "{}".into(),
                started_at: toolbench::clock::rfc3339(at),
                duration_ms: 20 + (i * 37) % 2_000,
                exit_code: Some(0),
                signal: None,
                peak_memory_kb: Some(4_096),
                bytes_out: 120,
                status: match i % 9 {
                    0 => RunStatus::Failed,
                    4 if i % 27 == 4 => RunStatus::Timeout,
                    _ => RunStatus::Ok,
                },
                origin: RunOrigin::Cli,
                client: None,
                project: None,
                log_dir: None,
                sandbox: String::new(),
                error: None,
            }
        })
        .collect();
    store.insert_runs(&mut runs).expect("insert runs");
    let mut failures: Vec<FailureRecord> = runs
        .iter()
        .filter(|r| r.status != RunStatus::Ok)
        .map(|r| FailureRecord {
            id: 0,
            tool: r.tool.clone(),
            version: r.version.clone(),
            severity: Severity::Medium,
            scenario: "bench".into(),
            error: "exit 1".into(),
            origin: RunOrigin::Cli,
            at: r.started_at.clone(),
            run_id: Some(r.id),
            tag: None,
        })
        .collect();
    store
        .insert_failures(&mut failures)
        .expect("insert failures");
    std::sync::Mutex::new(Recorded {
        _dir: dir,
        store,
        catalog,
        busy,
        now,
    })
});

fn aggregate(recorded: &Recorded) -> WorkspaceStats {
    recorded
        .store
        .workspace_stats(&recorded.catalog, recorded.now, DAYS_SHOWN, TREND_OVER)
        .expect("workspace stats")
}

/// What the `S` overlay's effect does on its blocking thread: runs per day, every tool's
/// stats now and a week ago, the ranking.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn aggregate_workspace_stats_100k_runs(bencher: divan::Bencher) {
    let recorded = RECORDED.lock().expect("recorded");
    bencher.bench_local(|| aggregate(&recorded).ranking.len());
}

/// The larger part of the aggregation: every tool's stats, the query `toolbench stats` and
/// the catalog's quality column use (the overlay runs it twice: now and a week ago).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn every_tool_stats_100k_runs(bencher: divan::Bencher) {
    let recorded = RECORDED.lock().expect("recorded");
    bencher.bench_local(|| recorded.store.tool_stats().expect("stats").len());
}

/// Figure: one frame with the stats overlay open, at 160x48, over the data aggregated from
/// 100,000 runs (the catalog and the other panes are drawn behind it, as in the workbench).
#[divan::bench(sample_count = 50, sample_size = 10)]
fn render_stats_overlay_frame_160x48_100k_runs(bencher: divan::Bencher) {
    let (stats, catalog) = {
        let recorded = RECORDED.lock().expect("recorded");
        (aggregate(&recorded), recorded.catalog.clone())
    };
    let mut app = App::new(
        "bench".into(),
        catalog,
        SortOrder::Name,
        Keymap::defaults(),
        Theme::builtin(),
    );
    app.update(AppEvent::Terminal(crossterm::event::Event::Resize(160, 48)));
    app.perform(Action::Stats);
    app.update(AppEvent::StatsLoaded(Ok(Box::new(stats))));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    bencher.bench_local(|| {
        terminal
            .draw(|frame| ui::draw(frame, &app))
            .expect("draw")
            .area
    });
}

/// The tool detail's chart data for a tool with 10,000 runs: its last 30 days with runs,
/// each with the quality at its end (on the LoadDetail thread, before the content shows).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn quality_by_day_10k_runs_of_one_tool(bencher: divan::Bencher) {
    let recorded = RECORDED.lock().expect("recorded");
    bencher.bench_local(|| {
        recorded
            .store
            .quality_by_day(&recorded.busy, QUALITY_DAYS)
            .expect("quality by day")
            .len()
    });
}
