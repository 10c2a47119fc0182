//! `.` runs the last run again with its input, and the launch dialog walks the tool's past
//! inputs, read from the runs the store holds.

use super::*;

fn csv_tool() -> ToolEntry {
    let schema = serde_json::json!({"type": "object", "required": ["csv"],
        "properties": {"csv": {"type": "string"}}});
    with_input_schema(
        tool(
            Tier::Approved,
            "csv_to_json",
            "1.2.0",
            CostTier::Low,
            "Convert CSV",
        ),
        schema,
    )
}

/// The input of every run the app asked for.
fn started_inputs(app: &mut App) -> Vec<Option<String>> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::StartRun { input, .. } => Some(input),
            _ => None,
        })
        .collect()
}

#[test]
fn dot_with_no_run_yet_says_so() {
    let mut app = app_with(vec![csv_tool()]);
    key(&mut app, KeyCode::Char('.'));
    assert_eq!(
        message(&app),
        "nothing to run again: no run started here yet (enter runs a tool)"
    );
    assert!(started_inputs(&mut app).is_empty());
}

#[test]
fn dot_runs_the_last_run_again_with_the_same_input() {
    let mut app = app_with(vec![csv_tool()]);
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "a,b");
    ctrl(&mut app, 's');
    let first = started_inputs(&mut app);
    assert_eq!(first.len(), 1);
    // From another pane too: the run is the workbench's last, wherever the focus is.
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('.'));
    assert!(app.overlay.is_none(), "no dialog: nothing to ask");
    assert_eq!(started_inputs(&mut app), first);
    assert_eq!(message(&app), "running csv_to_json@1.2.0 again");
    assert_eq!(app.runs.len(), 2);
}

#[test]
fn dot_on_a_tool_changed_since_opens_its_dialog_with_the_input_instead() {
    let mut app = app_with(vec![csv_tool()]);
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "x");
    ctrl(&mut app, 's');
    app.take_effects();
    let changed = ToolEntry {
        content_hash: "ffff0000".into(),
        ..csv_tool()
    };
    app.update(AppEvent::Watched {
        updated: vec![changed],
        removed: Vec::new(),
    });
    key(&mut app, KeyCode::Char('.'));
    assert!(started_inputs(&mut app).is_empty());
    assert_eq!(
        message(&app),
        "csv_to_json@1.2.0 changed since its last run: check the input and run it"
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("\"csv\": \"x\""), "{screen}");
}

#[test]
fn the_launch_dialog_walks_past_inputs_with_ctrl_p_and_ctrl_n() {
    let mut app = app_with(vec![csv_tool()]);
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    let path = csv_tool().path;
    assert!(
        app.take_effects().contains(&Effect::LoadInputHistory {
            path: path.clone(),
            tool: "csv_to_json".into(),
        }),
        "the past inputs are read as the dialog opens"
    );
    ctrl(&mut app, 'p');
    assert_eq!(message(&app), "no past input of csv_to_json");
    app.update(AppEvent::InputHistoryLoaded {
        path,
        inputs: Ok(vec![r#"{"csv":"new"}"#.into(), r#"{"csv":"old"}"#.into()]),
    });
    assert!(render(&app, 80, 24).contains("ctrl-p: 2 past inputs"));
    ctrl(&mut app, 'p');
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("\"csv\": \"new\""), "{screen}");
    assert!(screen.contains("past input 1/2"), "{screen}");
    // Up on the first row goes older too; ctrl-n comes back down to the example.
    key(&mut app, KeyCode::Up);
    assert!(render(&app, 80, 24).contains("\"csv\": \"old\""));
    ctrl(&mut app, 'p');
    assert_eq!(message(&app), "that is the oldest of 2 past inputs");
    ctrl(&mut app, 'n');
    ctrl(&mut app, 'n');
    assert!(render(&app, 80, 24).contains("\"csv\": \"\""));
    ctrl(&mut app, 's');
    assert_eq!(
        started_inputs(&mut app)
            .into_iter()
            .flatten()
            .map(|i| i.replace(char::is_whitespace, ""))
            .collect::<Vec<_>>(),
        [r#"{"csv":""}"#]
    );
}

/// A run of `tool` as the store keeps it, started from the workbench with `input`.
fn recorded(tool: &ToolEntry, version: &str, input: &str) -> RunRecord {
    RunRecord {
        id: 7,
        tool: tool.name.clone(),
        version: version.into(),
        tier: tool.tier,
        input: input.into(),
        started_at: "2026-11-22T10:00:00.000Z".into(),
        duration_ms: 40,
        exit_code: Some(0),
        signal: None,
        peak_memory_kb: None,
        bytes_out: 0,
        status: crate::model::RunStatus::Ok,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: String::new(),
        error: None,
    }
}

/// After a restart `.` runs the newest run an earlier session started, read from the store:
/// at once while the tool is the same active version, else through its launch dialog.
#[test]
fn dot_after_a_restart_runs_the_last_run_the_store_kept() {
    let tool = csv_tool();
    let mut app = app_with(vec![tool.clone()]);
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.2.0", "x,y",
    )))));
    key(&mut app, KeyCode::Char('.'));
    assert!(app.overlay.is_none(), "nothing to ask");
    assert_eq!(started_inputs(&mut app), vec![Some("x,y".to_string())]);
    assert_eq!(message(&app), "running csv_to_json@1.2.0 again");
    // A run started here is the last one: a late read of the store does not replace it.
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.2.0", "old",
    )))));
    key(&mut app, KeyCode::Char('.'));
    assert_eq!(started_inputs(&mut app), vec![Some("x,y".to_string())]);

    // Another version than the one that ran is not taken for it.
    let mut app = app_with(vec![tool.clone()]);
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.1.0", "x,y",
    )))));
    key(&mut app, KeyCode::Char('.'));
    assert_eq!(
        message(&app),
        "cannot run csv_to_json@1.1.0 again: it is no longer in the catalog"
    );
    assert!(started_inputs(&mut app).is_empty());
}

/// A candidate's run of an earlier session kept no content hash: `.` asks first, its input in
/// the launch dialog. A store that cannot be read is one line.
#[test]
fn dot_after_a_restart_asks_first_for_unreviewed_code_and_a_store_error_is_one_line() {
    let mut tool = csv_tool();
    tool.tier = Tier::Experimental;
    let mut app = app_with(vec![tool.clone()]);
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.2.0", "x,y",
    )))));
    key(&mut app, KeyCode::Char('.'));
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
    assert!(started_inputs(&mut app).is_empty());
    let screen = render(&app, 100, 30);
    assert!(screen.contains("x,y"), "{screen}");

    let mut app = app_with(vec![tool]);
    app.update(AppEvent::LastRunRead(Err(StoreError::Sqlite {
        path: "state.db".into(),
        reason: "disk gone".into(),
    })));
    assert!(
        message(&app).starts_with("the last run (for .) not read"),
        "{}",
        message(&app)
    );
}

/// `.` pressed before the store answered runs the last run once it does.
#[test]
fn dot_before_the_store_answers_runs_the_last_run_when_it_does() {
    let tool = csv_tool();
    let mut app = app_with(vec![tool.clone()]);
    app.reading_last_run();
    key(&mut app, KeyCode::Char('.'));
    assert_eq!(message(&app), "reading the last run…");
    assert!(started_inputs(&mut app).is_empty());
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.2.0", "x,y",
    )))));
    assert_eq!(started_inputs(&mut app), vec![Some("x,y".to_string())]);

    // With nothing recorded, it says so then.
    let mut app = app_with(vec![tool]);
    app.reading_last_run();
    key(&mut app, KeyCode::Char('.'));
    app.update(AppEvent::LastRunRead(Ok(None)));
    assert_eq!(
        message(&app),
        "nothing to run again: no run started here yet (enter runs a tool)"
    );
}

/// A row of the cached index before the first scan ends: `tool` without its manifest.
fn cached_row(tool: &ToolEntry) -> ToolEntry {
    ToolEntry {
        manifest: None,
        ..tool.clone()
    }
}

fn scan_finishes(app: &mut App, entries: Vec<ToolEntry>) {
    app.update(AppEvent::ScanFinished {
        entries: std::sync::Arc::new(entries),
        elapsed: Duration::from_millis(3),
    });
}

/// `.` right after a restart, on a tool the cached index shows before the first scan read its
/// manifest: it runs once the scan has, not a refusal to try again.
#[test]
fn dot_before_the_first_scan_read_the_manifest_runs_once_it_has() {
    let tool = csv_tool();
    let mut app = app_with(vec![cached_row(&tool)]);
    app.update(AppEvent::LastRunRead(Ok(Some(recorded(
        &tool, "1.2.0", "x,y",
    )))));
    key(&mut app, KeyCode::Char('.'));
    assert_eq!(
        message(&app),
        "reading csv_to_json's manifest: it runs once read…"
    );
    assert!(started_inputs(&mut app).is_empty());
    scan_finishes(&mut app, vec![tool]);
    assert_eq!(started_inputs(&mut app), vec![Some("x,y".to_string())]);
    assert_eq!(message(&app), "running csv_to_json@1.2.0 again");
}

/// Enter likewise opens the tool's launch dialog once its manifest is read; a dialog opened
/// meanwhile, or the tool gone, leaves nothing started behind the person's back.
#[test]
fn enter_before_the_first_scan_read_the_manifest_launches_once_it_has() {
    let tool = csv_tool();
    let mut app = app_with(vec![cached_row(&tool)]);
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    scan_finishes(&mut app, vec![tool.clone()]);
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));

    let mut app = app_with(vec![cached_row(&tool)]);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    scan_finishes(&mut app, vec![tool.clone()]);
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    assert!(started_inputs(&mut app).is_empty());

    let mut app = app_with(vec![cached_row(&tool)]);
    key(&mut app, KeyCode::Enter);
    scan_finishes(&mut app, vec![]);
    assert_eq!(
        message(&app),
        "cannot run csv_to_json: the scan found it gone"
    );
    assert!(app.overlay.is_none());

    // Once the scan has ended, a row without a manifest is refused with its reason at once.
    let mut app = app_with(vec![]);
    scan_finishes(&mut app, vec![cached_row(&tool)]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        message(&app),
        "csv_to_json cannot run: the manifest is still being read"
    );
}
