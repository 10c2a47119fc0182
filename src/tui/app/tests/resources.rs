//! The resource views: `:` and a name open a table of what the store holds.

use super::*;
use crate::model::RunStatus;
use crate::model::calls::{CallRow, CallState};
use crate::model::decisions::{DecisionAction, DecisionRecord};
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
        project: None,
        log_dir: None,
        sandbox: String::new(),
        error: None,
    }
}

pub(super) fn runs() -> Table {
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

/// `y` in `:runs` copies the selected run's input; a run that took none says so.
#[test]
fn y_in_the_runs_view_copies_the_selected_runs_input() {
    let mut app = app_with(sample());
    command(&mut app, "runs");
    let mut table = runs();
    if let Rows::Runs(rows) = &mut table.rows {
        rows[1].input = r#"{"title":"Hello"}"#.into();
    }
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Runs,
        table: Ok(Table::new(table.rows, false)),
    });
    app.take_effects();
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "nothing to copy: run #3 took no input");
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy(r#"{"title":"Hello"}"#.into())]
    );
    assert_eq!(message(&app), "copied the input of run #2");
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
        screen.contains("no view named jobs: try runs, history, calls, services, validations"),
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
        all.contains("runs, history, calls, services, validations · tab completes"),
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
        table: Err(crate::model::StoreError::Sqlite {
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

/// The runs view open with `runs()` loaded.
pub(super) fn runs_view(table: Table) -> App {
    let mut app = app_with(sample());
    command(&mut app, "runs");
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Runs,
        table: Ok(table),
    });
    app
}

/// The open resource view's filter and selected row.
fn view_state(app: &App) -> (String, usize) {
    match &app.overlay {
        Some(Overlay::Resource(state)) => (state.filter.clone(), state.cursor.selected),
        _ => panic!("a resource view is open"),
    }
}

/// Enter on a candidate's run opens the candidate's detail, not the active version's of its
/// name; a version the catalog no longer holds opens its name's.
#[test]
fn enter_on_a_run_opens_the_version_that_ran() {
    let candidate = RunRecord {
        version: "1.3.0".into(),
        tier: Tier::Experimental,
        ..run(2, "csv_to_json", RunStatus::Ok, None)
    };
    let gone = RunRecord {
        version: "0.9.9".into(),
        ..run(1, "csv_to_json", RunStatus::Ok, None)
    };
    let mut app = runs_view(Table::new(Rows::Runs(vec![candidate, gone]), false));
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => {
            assert_eq!(detail.entry.version, "1.3.0");
            assert_eq!(detail.entry.tier, Tier::Experimental);
        }
        _ => panic!("enter on a run opens its tool's detail"),
    }
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => assert_eq!(detail.entry.version, "1.2.0"),
        _ => panic!("enter on a run opens its tool's detail"),
    }
}

#[test]
fn closing_a_tool_detail_opened_from_a_view_returns_to_the_view_as_it_was() {
    let mut app = runs_view(runs());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "word");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('j'));
    let before = render(&app, 80, 24);
    assert!(before.contains("/word  (2/3)"), "{before}");
    // The second row shown: run 1, a timeout with no failure recorded.
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => assert_eq!(detail.entry.name, "word_count"),
        _ => panic!("enter on a run opens its tool's detail"),
    }
    key(&mut app, KeyCode::Esc);
    assert_eq!(view_state(&app), ("word".to_string(), 1));
    assert_eq!(render(&app, 80, 24), before);
    // Esc then clears the filter and closes the view, as before the detail.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    // A detail opened from a pane closes to the main screen.
    key(&mut app, KeyCode::Char('d'));
    assert!(matches!(app.overlay, Some(Overlay::Detail(_))));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

fn failure_of(run: i64, id: i64, error: &str) -> FailureRecord {
    FailureRecord {
        id,
        tool: "slugify".into(),
        version: "1.0.0".into(),
        severity: crate::model::Severity::High,
        scenario: "tui run (failed)".into(),
        error: error.into(),
        origin: RunOrigin::Tui,
        at: format!("2026-11-22T10:0{id}:30.000Z"),
        run_id: Some(run),
        tag: None,
    }
}

#[test]
fn enter_on_a_failed_run_with_a_failure_opens_the_failure_and_esc_returns_to_the_view() {
    // Newest first, as the store gives them: the newest failure of a run is the one shown.
    let table = runs().with_failures(vec![
        failure_of(2, 8, "exit 1: slug too long"),
        failure_of(2, 7, "exit 1: older"),
        // A failure of an ok run is not what enter on it opens.
        failure_of(3, 6, "wrong count"),
    ]);
    let mut app = runs_view(table);
    // The hint line says what enter does on the row selected: an ok run's tool detail…
    let screen = render(&app, 100, 24);
    assert!(screen.contains("enter tool detail"), "{screen}");
    key(&mut app, KeyCode::Char('j'));
    // … a failed run's failure.
    let screen = render(&app, 100, 24);
    assert!(screen.contains("enter failure detail"), "{screen}");
    assert!(!screen.contains("enter tool detail"), "{screen}");
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::FailureDetail { failure, .. }) => assert_eq!(failure.id, 8),
        _ => panic!("enter on a failed run opens its failure"),
    }
    let screen = render(&app, 80, 24);
    assert!(screen.contains("exit 1: slug too long"), "{screen}");
    assert!(screen.contains("#2"), "{screen}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(view_state(&app), (String::new(), 1));
    // An ok run opens its tool's detail even when a failure was marked on it.
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => assert_eq!(detail.entry.name, "word_count"),
        _ => panic!("enter on an ok run opens its tool's detail"),
    }
}

#[test]
fn a_failure_recorded_since_the_view_was_read_is_found_in_the_failures_pane() {
    let mut app = runs_view(runs());
    app.update(AppEvent::HistoryLoaded {
        failures: vec![failure_of(1, 9, "killed after 10 s")],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::FailureDetail { failure, .. }) => assert_eq!(failure.id, 9),
        _ => panic!("enter on the timed-out run opens its failure"),
    }
}

/// The rows of the help's section titled `title`, as text.
fn help_section(app: &App, title: &str) -> Vec<String> {
    let lines: Vec<String> = crate::tui::overlays::help::lines(&app.theme, &app.keymap, 160, "")
        .iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    lines
        .iter()
        .skip_while(|l| l.as_str() != title)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .cloned()
        .collect()
}

fn lists(section: &[String], key: &str, text: &str) -> bool {
    section
        .iter()
        .any(|l| l.trim_start().starts_with(&format!("{key} ")) && l.contains(text))
}

#[test]
fn the_help_lists_every_key_of_the_resource_views_and_esc_on_the_review_marks() {
    let mut app = app_with(sample());
    let views = help_section(&app, "Resource views (:runs …)");
    for (key, text) in [
        ("/", "Filter"),
        (
            "enter",
            "tool detail, a call in Review, an instance in Output",
        ),
        (":", "another resource view"),
        ("esc", "Clear the filter, then close the view"),
    ] {
        assert!(lists(&views, key, text), "{key}: {views:#?}");
    }
    let review = help_section(&app, "Review");
    assert!(lists(&review, "space", "Mark or unmark"), "{review:#?}");
    assert!(lists(&review, "esc", "Clear the marks"), "{review:#?}");
    // From the keymap: a key rebound there is the one the help names.
    app.keymap
        .overlay(
            "[resource]\nclose = [\"backspace\"]\n",
            std::path::Path::new("keymap.toml"),
        )
        .expect("valid");
    let views = help_section(&app, "Resource views (:runs …)");
    assert!(lists(&views, "backspace", "close the view"), "{views:#?}");
    assert!(!lists(&views, "esc", "close the view"), "{views:#?}");
}

/// A queue with one tool under way, two waiting (one a person asked for) and one verdict.
fn queue_of(app: &App, paused: bool) -> Table {
    use crate::command::validations::{QueueSnapshot, Queued};
    let entry = |name: &str, version: &str| {
        let entry = app
            .catalog
            .entries()
            .iter()
            .find(|e| e.name == name && e.version == version)
            .expect("in the sample");
        (entry.path.clone(), entry.content_hash.clone())
    };
    let queued = |name: &str, version: &str, asked_by_person: bool| Queued {
        name: name.into(),
        version: version.into(),
        path: entry(name, version).0,
        asked_by_person,
        content_hash: entry(name, version).1,
    };
    let (path, hash) = entry("csv_to_json", "1.3.0");
    let report: crate::model::validation_report::ValidationReport =
        serde_json::from_value(serde_json::json!({
            "name": "csv_to_json", "version": "1.3.0", "tier": "experimental",
            "path": "experimental/csv_to_json-1.3.0", "verdict": "warn",
            "content_hash": hash, "validated_at": "2026-11-24T10:00:00.000Z",
            "checks": [], "findings": [], "tests": [], "similar": []
        }))
        .expect("report JSON");
    let reports = std::collections::HashMap::from([(path, report)]);
    crate::tui::overlays::resources::validation_rows(
        QueueSnapshot {
            validating: vec![queued("drop_tables", "0.1.0", false)],
            waiting: vec![
                queued("url_extract", "?", true),
                queued("slugify", "1.0.0", false),
            ],
            paused,
        },
        reports.iter(),
    )
    .table()
}

/// `:validations` lists the queue: under way, waiting in the order it goes (what a person
/// asked for first), then the verdicts; `P` pauses from inside the view, which reads the
/// queue again; `enter` on a verdict opens that tool's detail.
#[test]
fn colon_validations_shows_the_queue_in_its_order_and_p_pauses_it_from_there() {
    let mut app = app_with(sample());
    app.take_effects();
    command(&mut app, "validations");
    assert_eq!(
        app.take_effects(),
        vec![Effect::LoadResource(Resource::Validations)]
    );
    let table = queue_of(&app, false);
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Validations,
        table: Ok(table),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    for row in [
        "  validating drop_tables@0.1.0 background",
        "1 waiting    url_extract       you",
        "2 waiting    slugify@1.0.0     background",
        "  done       csv_to_json@1.3.0 -          warn    11-24 10:00",
    ] {
        assert!(screen.contains(row), "{row}\n{screen}");
    }
    assert!(
        screen.contains("Validations · 1 under way · 2 waiting · 1 validated"),
        "{screen}"
    );
    assert!(screen.contains("P pause"), "{screen}");

    key(&mut app, KeyCode::Char('P'));
    assert!(app.validation_paused);
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::PauseValidation(true),
            Effect::LoadResource(Resource::Validations)
        ]
    );
    let table = queue_of(&app, true);
    app.update(AppEvent::ResourceLoaded {
        resource: Resource::Validations,
        table: Ok(table),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("2 waiting · 1 validated · paused"),
        "{screen}"
    );
    assert!(screen.contains("2 paused     slugify@1.0.0"), "{screen}");
    assert!(
        screen.contains("1 waiting    url_extract       you"),
        "asked: {screen}"
    );
    assert!(screen.contains("P go on"), "{screen}");

    for _ in 0..3 {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Enter);
    let detail = render(&app, 80, 24);
    assert!(
        detail.contains("csv_to_json") && detail.contains("1.3.0"),
        "{detail}"
    );
    assert!(
        !detail.contains("Validations ·"),
        "the detail is shown: {detail}"
    );
}

/// `o` in `:runs` asks for the selected run's log in the pager; a run without a log says so.
#[test]
fn o_in_the_runs_view_pages_the_selected_runs_log() {
    let mut table = runs();
    if let Rows::Runs(rows) = &mut table.rows {
        rows[1].log_dir = Some(".toolbench/runs/2".into());
    }
    let mut app = runs_view(table);
    app.take_effects();
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(message(&app), "run #3 left no log");
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::PageRunLog {
            log_dir: ".toolbench/runs/2".into(),
            name: "slugify-1.0.0".into(),
        }]
    );
    app.update(AppEvent::Paged(crate::tui::external_editor::Paged::NoPager));
    assert!(message(&app).starts_with("set $PAGER"), "{}", message(&app));
    assert!(
        matches!(app.overlay, Some(Overlay::Resource(_))),
        "the view stays"
    );
}
