//! A paste (bracketed by the terminal) is text, never a command: it goes whole into the field
//! being typed in, its line breaks are lines only in an editor, and where nothing takes text
//! it is dropped with a word on the status line.

use super::*;

fn paste(app: &mut App, text: &str) {
    app.update(AppEvent::Terminal(Event::Paste(text.into())));
}

fn applied(app: &mut App) -> Vec<Effect> {
    app.take_effects()
        .into_iter()
        .filter(|e| matches!(e, Effect::Apply(_) | Effect::StartRun { .. }))
        .collect()
}

#[test]
fn a_paste_into_the_filter_searches_once_and_its_line_break_opens_nothing() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('/'));
    paste(&mut app, "slugi\r\n");
    assert_eq!(app.filter.query, "slugi ");
    assert!(app.filter.editing, "the break did not end the filter");
    assert!(app.overlay.is_none(), "nor opened the one match");
    assert!(applied(&mut app).is_empty());
    // The person's own Enter still does.
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
}

#[test]
fn a_paste_where_nothing_takes_text_quits_decides_and_runs_nothing() {
    let mut app = app_with(sample());
    // `q` quits, `4` and `a` would go to the Review pane and approve, Enter runs.
    paste(&mut app, "q4a\r");
    assert!(!app.should_quit);
    assert_eq!(app.focus, Pane::Catalog);
    assert!(app.overlay.is_none());
    assert!(applied(&mut app).is_empty());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("nothing here takes it"), "{screen}");
}

#[test]
fn a_paste_into_the_input_editor_keeps_its_lines_and_runs_nothing() {
    let mut app = app_with(sample());
    type_text(&mut app, "/slugify");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
    paste(&mut app, "{\r\n  \"title\": \"A b\"\r\n}\u{1b}[2J");
    let Some(Overlay::Launch(launch)) = &app.overlay else {
        panic!("the dialog closed on the paste");
    };
    let editor = launch.editor.as_ref().expect("an input editor");
    let lines = editor.lines();
    assert_eq!(lines[..2], ["{", "  \"title\": \"A b\""]);
    assert!(lines[2].starts_with("}[2J"), "{lines:?}");
    assert!(applied(&mut app).is_empty(), "no line break submitted it");
}

#[test]
fn a_paste_into_a_reason_is_one_line_and_submits_nothing() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('r'));
    assert!(
        matches!(&app.overlay, Some(Overlay::Decision(d)) if d.kind == DecisionKind::Reject),
        "the reject dialog"
    );
    paste(&mut app, "breaks the CSV\nheader\r\n");
    let Some(Overlay::Decision(decision)) = &app.overlay else {
        panic!("the dialog closed on the paste");
    };
    assert_eq!(decision.text.lines(), ["breaks the CSV header "]);
    assert!(applied(&mut app).is_empty(), "no line break submitted it");
}

#[test]
fn a_paste_into_the_palette_or_the_command_line_is_typed_there() {
    let mut app = app_with(sample());
    ctrl(&mut app, 'p');
    paste(&mut app, "und\n");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("> und "), "{screen}");
    assert!(matches!(app.overlay, Some(Overlay::Palette(_))), "not run");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(':'));
    paste(&mut app, "runs\r");
    assert_eq!(app.command.as_deref(), Some("runs "));
}
