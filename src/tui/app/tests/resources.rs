//! The resource views: `:` and a name open a table of what the store holds.

use super::*;
use crate::model::RunStatus;
use crate::store::calls::{CallRow, CallState};
use crate::store::{DecisionAction, DecisionRecord};
use crate::tui::overlays::resources::{Resource, Rows, Table};

fn run(id: i64, tool: &str, status: RunStatus, client: Option<&str>) -> RunRecord {
    RunRecord {
        id,
        tool: tool.into(),
        version: "1.0.0".into(),
        tier: Tier::Core,
        input: String::new(),
        started_at: format!("2026-11-22T10:0{id}:00.000Z"),
        duration_ms: 1_240 * id as u64,
        exit_code: (status != RunStatus::Timeout).then_some(i32::from(status != RunStatus::Ok)),
        signal: (status == RunStatus::Timeout).then_some(9),
        peak_memory_kb: None,
        bytes_out: 0,
        status,
        origin: if client.is_some() {
            RunOrigin::Mcp
        } else {
            RunOrigin::Tui
        },
        client: client.map(str::to_string),
        log_dir: None,
        sandbox: String::new(),
        error: None,
    }
}

fn runs() -> Table {
    Table::new(
        Rows::Runs(vec![
            run(3, "word_count", RunStatus::Ok, Some("claude-code")),
            run(2, "slugify", RunStatus::Failed, None),
            run(1, "word_count", RunStatus::Timeout, None),
        ]),
        false,
    )
}

/// `:` then `text` then enter.
fn command(app: &mut App, text: &str) {
    key(app, KeyCode::Char(':'));
    type_text(app, text);
    key(app, KeyCode::Enter);
}

#[test]
fn colon_runs_opens_the_runs_view_and_its_rows_arrive_in_the_background() {
    let mut app = app_with(sample());
    app.take_effects();
    command(&mut app, "runs");
    assert_eq!(
        app.take_effects(),
        vec![Effect::LoadResource(Resource::Runs)]
    );
    let loading = render(&app, 80, 24);
    assert!(loading.contains("Runs"), "{loading}");
    assert!(loading.contains("loading…"), "{loading}");
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Runs,
        table: Ok(runs()),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("Runs (3)"), "{screen}");
    assert!(
        screen.contains("3  11-22 10:03 word_count@1.0.0 mcp/claude-code ok"),
        "{screen}"
    );
    assert!(screen.contains("sig 9"), "{screen}");
    // Enter on a run opens its tool's detail.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => assert_eq!(detail.entry.name, "slugify"),
        _ => panic!("enter on a run opens its tool's detail"),
    }
}

#[test]
fn the_filter_narrows_rows_to_those_holding_every_word() {
    let mut app = app_with(sample());
    command(&mut app, "r");
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Runs,
        table: Ok(runs()),
    });
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "WORD timeout");
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("/WORD timeout█  (1/3)"), "{screen}");
    assert!(screen.contains("timeout"), "{screen}");
    assert!(!screen.contains("slugify"), "{screen}");
    assert!(!screen.contains("claude-code"), "{screen}");
    // Enter keeps the filter; esc clears it, then closes the view.
    key(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("/WORD timeout  (1/3)"));
    key(&mut app, KeyCode::Esc);
    let cleared = render(&app, 80, 24);
    assert!(cleared.contains("slugify"), "{cleared}");
    assert!(matches!(app.overlay, Some(Overlay::Resource(_))));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn an_unknown_view_is_answered_in_one_line_with_the_names_there_are() {
    let mut app = app_with(sample());
    app.take_effects();
    command(&mut app, "jobs");
    assert!(app.overlay.is_none());
    assert!(app.command.is_none());
    assert!(app.take_effects().is_empty());
    let screen = render(&app, 120, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("no view named jobs: try runs, history, calls, services"),
        "{screen}"
    );
}

#[test]
fn tab_completes_a_view_name_as_far_as_the_names_agree() {
    let mut app = app_with(sample());
    app.take_effects();
    key(&mut app, KeyCode::Char(':'));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.command.as_deref(), Some(""));
    let all = render(&app, 80, 24);
    assert!(all.contains(":█"), "{all}");
    assert!(
        all.contains("runs, history, calls, services · tab"),
        "{all}"
    );
    type_text(&mut app, "h");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.command.as_deref(), Some("history"));
    let prompt = render(&app, 80, 24);
    insta::assert_snapshot!(prompt);
    assert!(prompt.contains(":history█"), "{prompt}");
    // Esc leaves the prompt without opening anything.
    key(&mut app, KeyCode::Esc);
    assert!(app.command.is_none());
    assert!(app.overlay.is_none());
    assert!(app.take_effects().is_empty());
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "x");
    let none = render(&app, 80, 24);
    assert!(none.contains("no view starts with x"), "{none}");
}

#[test]
fn a_store_that_cannot_be_read_is_an_error_line_not_an_empty_view() {
    let mut app = app_with(sample());
    command(&mut app, "history");
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::History,
        table: Err(crate::store::StoreError::Sqlite {
            path: "/ws/.toolbench/state.db".into(),
            reason: "database is locked".into(),
        }),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("could not read the history: /ws/.toolbench/state.db: database is locked"),
        "{screen}"
    );
    assert!(!screen.contains("No decisions"), "{screen}");
}

#[test]
fn colon_switches_views_and_a_late_answer_for_the_old_one_is_dropped() {
    let mut app = app_with(sample());
    command(&mut app, "history");
    let decision = DecisionRecord {
        id: 1,
        tool: "csv_to_json".into(),
        action: DecisionAction::Approve,
        who: "ana".into(),
        at: "2026-11-22T09:00:00.000Z".into(),
        reason: Some("reads well".into()),
        from_version: Some("1.2.0".into()),
        to_version: Some("1.3.0".into()),
        from_tier: Some(Tier::Experimental),
        to_tier: Some(Tier::Approved),
        from_hash: None,
        to_hash: None,
    };
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::History,
        table: Ok(Table::new(Rows::History(vec![decision]), false)),
    });
    let history = render(&app, 80, 24);
    assert!(
        history.contains("csv_to_json 1.2.0 → 1.3.0 approve  ana      reads well"),
        "{history}"
    );
    command(&mut app, "calls");
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::History,
        table: Ok(Table::new(Rows::History(vec![]), false)),
    });
    assert!(render(&app, 80, 24).contains("loading…"));
    let mut answered = CallRow::fixture(4);
    answered.state = CallState::Rejected;
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Calls,
        table: Ok(Table::new(
            Rows::Calls(vec![answered, CallRow::fixture(3)]),
            false,
        )),
    });
    app.update(AppEvent::CallsPolled {
        calls: vec![CallRow::fixture(3)],
        rules: vec![],
    });
    let calls = render(&app, 80, 24);
    assert!(calls.contains("Calls (2)"), "{calls}");
    assert!(calls.contains(r#"{"env":"staging"}"#), "{calls}");
    // Enter on a waiting call shows it in the Review pane.
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.focus, Pane::Review);
    assert!(matches!(
        app.review_row(app.review_cursor.selected),
        Some(ReviewRow::Call(call)) if call.id == 3
    ));
}
