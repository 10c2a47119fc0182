//! A running tool's progress: a bar in the Output pane under the run's header, its message
//! beside it; where it stopped once the run ended.

use super::*;
use crate::model::run_output::Progress;

/// A run of the selected tool started, with some output; the Output pane focused. The run
/// started 20 s ago, so the header's time holds still.
fn running(app: &mut App) -> u64 {
    key(app, KeyCode::Enter);
    ctrl(app, 's');
    let (key_id, _) = started_run(app).expect("started");
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stdout,
        bytes: b"reading input\n".to_vec(),
        skipped: 0,
    });
    if let Some(run) = app.runs.iter_mut().find(|r| r.key == key_id) {
        run.started = Instant::now() - Duration::from_secs(20);
    }
    key(app, KeyCode::Char('2'));
    key_id
}

fn progress(app: &mut App, key: u64, progress: f64, total: Option<f64>, message: Option<&str>) {
    app.update(AppEvent::RunProgress {
        key,
        progress: Progress {
            progress,
            total,
            message: message.map(str::to_string),
        },
    });
}

#[test]
fn a_running_tools_progress_is_a_bar_with_its_percentage_and_message() {
    let mut app = app_with(sample());
    let key_id = running(&mut app);
    let before = render(&app, 80, 24);
    assert!(!before.contains('%'), "no bar before a report:\n{before}");
    progress(&mut app, key_id, 3.0, Some(10.0), Some("parsing file 3"));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("progress_with_total", screen);
    assert!(screen.contains("  30% · 3/10 · parsing file 3"), "{screen}");
    // The output is still there, under the bar.
    assert!(screen.contains("reading input"), "{screen}");
}

#[test]
fn progress_without_a_total_shows_the_value_and_the_end_keeps_where_it_stopped() {
    let mut app = app_with(sample());
    let key_id = running(&mut app);
    progress(&mut app, key_id, 42.0, None, Some("rows read"));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("progress_without_total", screen);
    assert!(screen.contains("progress 42 · rows read"), "{screen}");
    assert!(!screen.contains('%'), "{screen}");
    progress(&mut app, key_id, 7.5, Some(10.0), None);
    let record = RunRecord {
        id: 0,
        tool: "csv_to_json".into(),
        version: "1.2.0".into(),
        tier: Tier::Approved,
        input: "{}".into(),
        started_at: "2026-11-21T10:00:00.000Z".into(),
        duration_ms: 20_000,
        exit_code: None,
        signal: None,
        peak_memory_kb: None,
        bytes_out: 14,
        status: crate::model::RunStatus::Timeout,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: String::new(),
        error: Some("timed out after 20 s; killed".into()),
    };
    app.update(AppEvent::RunFinished {
        key: key_id,
        result: Ok((Box::new(record), "session".into())),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("progress_after_the_end", screen);
    assert!(screen.contains("  75% · 7.5/10"), "{screen}");
    assert!(screen.contains("timeout"), "{screen}");
}
