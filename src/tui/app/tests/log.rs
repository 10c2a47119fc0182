//! `@` shows this session's messages again, with their time, newest last.

use super::*;

/// The screen with the log's times as `hh:mm:ss`, so it reads the same at any hour.
fn render_timeless(app: &App) -> String {
    let times = regex::Regex::new(r"\d\d:\d\d:\d\d").expect("regex");
    times
        .replace_all(&render(app, 80, 24), "hh:mm:ss")
        .into_owned()
}

#[test]
fn at_shows_every_message_of_the_session_with_its_time_newest_last() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('y'));
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (run, _) = started_run(&mut app).expect("started");
    let record = RunRecord {
        duration_ms: 42,
        ..crate::store::runs::tests::sample_run("word_count", "2026-11-21T10:00:00.000Z")
    };
    app.update(AppEvent::RunFinished {
        key: run,
        result: Ok((Box::new(record), String::new())),
    });
    // A notice while an error shows is not on the bar, but it is in the log.
    app.update(AppEvent::StoreRefused("run not stored: disk full".into()));
    app.update(AppEvent::Notice("adopted 1 tool".into()));
    key(&mut app, KeyCode::Char('@'));
    let screen = render_timeless(&app);
    insta::assert_snapshot!(screen);
    let order = [
        "  sorted by tier",
        "✗ nothing to copy in the Failures pane",
        "  started word_count@1.0.0",
        "  word_count@1.0.0 ok in 42 ms",
        "✗ run not stored: disk full",
        "  adopted 1 tool",
    ];
    let places: Vec<usize> = order
        .iter()
        .map(|line| {
            screen
                .find(&format!("hh:mm:ss {line}"))
                .unwrap_or(usize::MAX)
        })
        .collect();
    assert!(places.is_sorted() && places[5] != usize::MAX, "{screen}");
    key(&mut app, KeyCode::Char('@'));
    assert!(app.overlay.is_none(), "@ again closes it");
}

#[test]
fn the_log_opens_at_its_end_and_scrolls_within_its_lines() {
    let mut app = app_with(sample());
    for i in 1..=40 {
        app.notify(format!("message {i}"), Level::Info);
    }
    key(&mut app, KeyCode::Char('@'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("message 40"), "{screen}");
    assert!(!screen.contains("message 1 "), "{screen}");
    key(&mut app, KeyCode::Char('j'));
    assert!(
        render(&app, 80, 24).contains("message 40"),
        "no further than the end"
    );
    key(&mut app, KeyCode::Char('g'));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("message 1\n") || screen.contains("message 1 "),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('j'));
    assert!(
        !render(&app, 80, 24).contains("message 1 "),
        "one row down from the top"
    );
}
