//! `y` copies what the focused pane or overlay selects, through the terminal (OSC 52), and
//! the status bar says what it copied.

use super::*;

/// The text the app asked the terminal to put on the clipboard, if any.
fn copied(app: &mut App) -> Option<String> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Copy(text) => Some(text),
        _ => None,
    })
}

#[test]
fn y_in_the_catalog_copies_the_selected_tools_content_hash_and_says_so() {
    let mut app = app_with(sample());
    app.take_effects();
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app).as_deref(), Some("0123abcd"));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("copied the content hash of csv_to_json@1.2.0"),
        "{screen}"
    );
}

#[test]
fn y_on_a_waiting_call_copies_its_arguments() {
    let mut app = app_with(sample());
    app.update(AppEvent::CallsPolled {
        calls: vec![crate::model::calls::CallRow::fixture(7)],
        rules: Vec::new(),
    });
    key(&mut app, KeyCode::Char('4'));
    app.take_effects();
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app).as_deref(), Some(r#"{"env":"staging"}"#));
    assert_eq!(message(&app), "copied the arguments of call #7");
}

#[test]
fn y_in_the_output_copies_the_current_match_else_the_last_line_in_view() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        message(&app),
        "nothing to copy: no run in the Output pane",
        "said, not silent"
    );
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (run, _) = started_run(&mut app).expect("started");
    app.update(AppEvent::RunOutput {
        key: run,
        stream: Stream::Stdout,
        bytes: b"first line\nsecond line\nlast line\n".to_vec(),
        skipped: 0,
    });
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app).as_deref(), Some("last line"));
    assert_eq!(
        message(&app),
        "copied line 3 of csv_to_json's output (9 characters)"
    );
    type_text(&mut app, "/second");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app).as_deref(), Some("second line"));
}

#[test]
fn y_where_nothing_is_selected_says_so_in_one_line() {
    let mut app = app_with(Vec::new());
    app.take_effects();
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app), None);
    assert_eq!(message(&app), "nothing to copy: no tool selected");
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "nothing to copy in the Failures pane");
}

#[test]
fn y_in_the_tool_detail_copies_the_content_hash_it_shows() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    app.take_effects();
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(copied(&mut app).as_deref(), Some("0123abcd"));
    assert!(
        matches!(app.overlay, Some(Overlay::Detail(_))),
        "still open"
    );
}
