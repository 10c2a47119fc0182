//! A one-line field (a typed name, a reason, the mark-failure dialog's fields) never takes a
//! line break: Enter there, or a key the editor reads as one, does what the dialog's Enter
//! does, and the field stays one line. Nor a tab: Tab and shift-Tab move between fields.

use super::*;

fn ctrl_m(app: &mut App) {
    ctrl(app, 'm');
}

fn confirm_lines(app: &App) -> Vec<String> {
    match &app.overlay {
        Some(Overlay::Launch(launch)) => launch
            .confirm
            .as_ref()
            .map(|c| c.lines().to_vec())
            .unwrap_or_default(),
        _ => panic!("the launch dialog closed"),
    }
}

#[test]
fn enter_in_the_typed_name_runs_the_tool_and_never_breaks_the_line() {
    let mut app = app_with(vec![tool(
        Tier::Approved,
        "bulk_rename",
        "0.2.0",
        CostTier::High,
        "Rename files",
    )]);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "bulk");
    // Not the name yet: Enter says what to type, and the field is still one line.
    key(&mut app, KeyCode::Enter);
    ctrl_m(&mut app);
    assert!(started_run(&mut app).is_none(), "not confirmed yet");
    assert_eq!(confirm_lines(&app), ["bulk"]);
    assert!(message(&app).contains("type bulk_rename to confirm"));
    type_text(&mut app, "_rename");
    assert_eq!(confirm_lines(&app), ["bulk_rename"]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(started_confirmed(&mut app).map(|(_, c)| c), Some(true));
    assert!(app.overlay.is_none());
}

#[test]
fn a_costly_tool_without_input_runs_on_enter_after_its_name() {
    let mut app = app_with(vec![costly_without_input()]);
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Type its name below, then press enter (or"),
        "{screen}"
    );
    type_text(&mut app, "tmp_cleaner");
    key(&mut app, KeyCode::Enter);
    assert_eq!(started_confirmed(&mut app), Some((None, true)));
}

/// The input's editor is many lines: Enter there is a new line, and runs nothing.
#[test]
fn enter_in_the_input_editor_is_a_new_line() {
    let mut app = app_with(sample());
    type_text(&mut app, "/slugify");
    key(&mut app, KeyCode::Enter);
    let lines = |app: &App| match &app.overlay {
        Some(Overlay::Launch(launch)) => launch.editor.as_ref().map_or(0, |e| e.lines().len()),
        _ => panic!("the launch dialog closed"),
    };
    let before = lines(&app);
    key(&mut app, KeyCode::Enter);
    assert_eq!(lines(&app), before + 1);
    assert!(started_run(&mut app).is_none());
}

#[test]
fn enter_moves_through_the_mark_failure_fields_and_saves_from_the_last() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    started_run(&mut app);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('f'));
    type_text(&mut app, "semicolon CSV");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "wrong columns");
    ctrl_m(&mut app);
    key(&mut app, KeyCode::Enter);
    let Some(Overlay::MarkFailure(mark)) = &app.overlay else {
        panic!("the dialog closed before its last field");
    };
    assert_eq!(mark.field, 3, "on the severity");
    for area in [&mark.scenario, &mark.error, &mark.tag] {
        assert_eq!(area.lines().len(), 1, "{:?}", area.lines());
    }
    assert!(render(&app, 80, 24).contains("enter saves"));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        commands(&mut app).into_iter().next(),
        Some(crate::command::Command::MarkFailure {
            tool: crate::model::ToolId::known("csv_to_json", "1.2.0"),
            report: crate::model::failure_report::FailureReport {
                scenario: "semicolon CSV".into(),
                error: "wrong columns".into(),
                severity: crate::model::Severity::High,
                tag: None,
            },
            run: None,
        })
    );
}

/// A key the editor reads as a line break (`ctrl-m`) confirms a decision as Enter does,
/// and never puts a second line into its reason.
#[test]
fn ctrl_m_in_a_reason_confirms_the_decision_instead_of_breaking_the_line() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('r'));
    type_text(&mut app, "breaks the header");
    ctrl_m(&mut app);
    assert_eq!(
        decided_with(&mut app),
        Some(ReviewCommand::Reject {
            reason: "breaks the header".into()
        })
    );
}

/// Where the typed name is the dialog's one field, Tab and shift-Tab do nothing; where an
/// input comes before it, they move between the two; nothing is typed either way.
#[test]
fn tab_and_shift_tab_move_between_fields_and_never_type_into_one() {
    let mut app = app_with(vec![costly_without_input()]);
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "tmp");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::BackTab);
    type_text(&mut app, "_cleaner");
    assert_eq!(confirm_lines(&app), ["tmp_cleaner"]);

    let mut app = app_with(vec![tool(
        Tier::Approved,
        "bulk_rename",
        "0.2.0",
        CostTier::High,
        "Rename files",
    )]);
    key(&mut app, KeyCode::Enter);
    let editing_name = |app: &App| match &app.overlay {
        Some(Overlay::Launch(launch)) => launch.editing_confirm,
        _ => panic!("the launch dialog closed"),
    };
    key(&mut app, KeyCode::Tab);
    assert!(editing_name(&app));
    type_text(&mut app, "bulk");
    key(&mut app, KeyCode::BackTab);
    assert!(!editing_name(&app), "shift-tab goes back to the input");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "_rename");
    assert_eq!(confirm_lines(&app), ["bulk_rename"]);
}

/// Shift-Tab takes the mark-failure dialog back one field, from the first to the last.
#[test]
fn shift_tab_goes_back_through_the_mark_failure_fields() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    started_run(&mut app);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('f'));
    type_text(&mut app, "semicolon");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::BackTab);
    type_text(&mut app, " CSV");
    let field = |app: &App| match &app.overlay {
        Some(Overlay::MarkFailure(mark)) => (mark.field, mark.scenario.lines().to_vec()),
        _ => panic!("the dialog closed"),
    };
    assert_eq!(field(&app), (0, vec!["semicolon CSV".to_string()]));
    key(&mut app, KeyCode::BackTab);
    assert_eq!(field(&app).0, 3, "from the first to the severity");
}
