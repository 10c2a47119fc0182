//! Runs: recording history and drawing live output.
//!
//! `cargo bench --bench runs`. The end-to-end figures (overhead of `toolbench run` over the
//! bare command, 1 GiB of output) are measured by `benches/runs.sh` with hyperfine.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use toolbench::model::SortOrder;
use toolbench::model::{RunOrigin, RunRecord, RunStatus, Tier};
use toolbench::runner::Stream;
use toolbench::store::{SharedStore, Store, StoreWriter};
use toolbench::tui::app::{App, AppEvent, Effect};
use toolbench::tui::keymap::Keymap;
use toolbench::tui::theme::Theme;

fn main() {
    divan::main();
}

fn run(i: usize) -> RunRecord {
    RunRecord {
        id: 0,
        tool: format!("tool_{}", i % 200),
        version: "1.0.0".into(),
        tier: Tier::Approved,
        input: "{\"csv\": \"a,b\\n1,2\"}".into(),
        started_at: format!("2026-11-21T10:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        duration_ms: (i % 97) as u64,
        exit_code: Some(0),
        signal: None,
        peak_memory_kb: Some(6000),
        bytes_out: 120,
        status: if i.is_multiple_of(10) {
            RunStatus::Failed
        } else {
            RunStatus::Ok
        },
        origin: RunOrigin::Cli,
        client: None,
        project: None,
        log_dir: Some(format!(".toolbench/runs/r{i}")),
        sandbox: "session rlimits nnp userns pidns netns landlock(v7) seccomp".into(),
        error: None,
    }
}

/// Figure: recording 10,000 runs ≤ 1 s — through the TUI's batching writer thread, each run
/// sent on its own as runs finish, then flushed (synchronous=FULL, WAL).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn record_10k_runs_through_the_writer(bencher: divan::Bencher) {
    bencher
        .with_inputs(|| tempfile::tempdir().expect("tempdir"))
        .bench_values(|dir| {
            let store = Store::open(dir.path()).expect("store");
            let writer = StoreWriter::spawn(SharedStore::new(store)).expect("writer");
            for i in 0..10_000 {
                writer.record_run(run(i), None, None);
            }
            writer.flush();
            dir
        });
}

/// The baseline in the same run: one INSERT per run, each in its own transaction (what a
/// writer without batching would do), for 1,000 runs.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn record_1k_runs_one_transaction_each(bencher: divan::Bencher) {
    bencher
        .with_inputs(|| tempfile::tempdir().expect("tempdir"))
        .bench_values(|dir| {
            let mut store = Store::open(dir.path()).expect("store");
            for i in 0..1_000 {
                store.insert_runs(&mut [run(i)]).expect("insert");
            }
            dir
        });
}

/// An app with one running tool, ready to receive output.
fn app_with_running_tool() -> (App, u64) {
    let entries = toolbench::catalog::scan::scan_workspace(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools"),
        toolbench::catalog::scan::ScanLimits::default(),
        &toolbench::catalog::scan::KnownHashes::default(),
        &toolbench::catalog::scan::ScanProgress::default(),
    );
    let mut app = App::new(
        "tools/".into(),
        entries,
        SortOrder::Name,
        Keymap::defaults(),
        Theme::builtin(),
    );
    app.update(AppEvent::Terminal(Event::Resize(120, 40)));
    // Select csv_to_json, open the launch dialog and start it.
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Char('/'),
        KeyModifiers::NONE,
    ))));
    for c in "csv_to_json".chars() {
        app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))));
    }
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    ))));
    let key = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::StartRun { key, .. } => Some(key),
            _ => None,
        })
        .expect("run started");
    (app, key)
}

/// Figure: the TUI keeps drawing ≤ 16 ms per frame while a tool prints 100,000 lines per
/// second. One frame's worth at 60 frames per second is 1,667 lines: this takes them in as the
/// event loop does (64 KiB chunks) and draws the whole screen once, on a buffer already full.
#[divan::bench(sample_count = 200)]
fn frame_at_100k_lines_per_second(bencher: divan::Bencher) {
    let (mut app, key) = app_with_running_tool();
    let line = "2026-11-21T10:00:00Z INFO processed row 123456 of the input file, all fine\n";
    let frame_bytes: Vec<u8> = line.repeat(100_000 / 60).into_bytes();
    for _ in 0..10 {
        app.update(AppEvent::RunOutput {
            key,
            stream: Stream::Stdout,
            bytes: frame_bytes.clone(),
            skipped: 0,
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    bencher.bench_local(|| {
        for chunk in frame_bytes.chunks(64 * 1024) {
            app.update(AppEvent::RunOutput {
                key,
                stream: Stream::Stdout,
                bytes: chunk.to_vec(),
                skipped: 0,
            });
        }
        terminal
            .draw(|frame| toolbench::tui::ui::draw(frame, &app))
            .expect("draw");
    });
}
