//! `o` in the Output pane: the selected run's whole log in `$PAGER`, or a line saying why not.

use super::*;

#[test]
fn o_pages_a_finished_runs_log_and_says_why_not_for_a_running_one() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (key_id, _) = started_run(&mut app).expect("started");
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        message(&app),
        "the run is still going: its whole log opens once it ends"
    );
    assert!(app.take_effects().is_empty());
    let record = RunRecord {
        log_dir: Some(".toolbench/runs/7".into()),
        ..crate::store::runs::tests::sample_run("csv_to_json", "2026-11-21T10:00:00.000Z")
    };
    app.update(AppEvent::RunFinished {
        key: key_id,
        result: Ok((Box::new(record), String::new())),
    });
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::PageRunLog {
            log_dir: ".toolbench/runs/7".into(),
            name: "csv_to_json-1.2.0".into(),
        }]
    );
    // Without $PAGER: the pane zoomed, and a line saying so.
    app.update(AppEvent::Paged(crate::tui::external_editor::Paged::NoPager));
    assert!(app.zoomed);
    assert_eq!(
        message(&app),
        "set $PAGER to read the whole log there; here, the pane zoomed (/ searches)"
    );
    app.update(AppEvent::Paged(crate::tui::external_editor::Paged::Failed(
        "$PAGER (nope) exited with exit status: 127".into(),
    )));
    assert_eq!(message(&app), "$PAGER (nope) exited with exit status: 127");
}
