//! The mouse: a click focuses a pane and selects a row, the wheel scrolls, a double-click
//! opens what the row holds.

use super::*;

fn press(app: &mut App, column: u16, row: u16) {
    app.update(AppEvent::Terminal(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })));
}

#[test]
fn a_double_click_on_a_review_row_opens_its_review_overlay() {
    let mut app = app_with(sample());
    let review = app.areas().review;
    press(&mut app, review.x + 3, review.y + 2);
    assert!(app.overlay.is_none(), "one click selects");
    press(&mut app, review.x + 3, review.y + 2);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        matches!(&app.overlay, Some(Overlay::Detail(d)) if d.entry.name == "drop_tables"),
        "{screen}"
    );
}

#[test]
fn clicks_on_two_rows_select_each_and_open_nothing() {
    let mut app = app_with(sample());
    let catalog = app.areas().catalog;
    press(&mut app, catalog.x + 3, catalog.y + 1);
    press(&mut app, catalog.x + 3, catalog.y + 3);
    assert!(app.overlay.is_none());
    assert_eq!(app.catalog_cursor.selected, 2);
    // A click below the last row selects nothing, and a second one there opens nothing.
    let below = catalog.y + 12;
    press(&mut app, catalog.x + 3, below);
    press(&mut app, catalog.x + 3, below);
    assert!(app.overlay.is_none());
    assert_eq!(app.catalog_cursor.selected, 2);
}

#[test]
fn a_click_selects_a_failure_and_a_double_click_opens_it() {
    let mut app = app_with(sample());
    let failure = |id: i64, error: &str| FailureRecord {
        id,
        tool: "word_count".into(),
        version: "1.0.0".into(),
        severity: crate::model::Severity::Critical,
        scenario: "cli run (failed)".into(),
        error: error.into(),
        origin: RunOrigin::Cli,
        at: "2026-11-21T10:05:00.000Z".into(),
        run_id: None,
        tag: None,
    };
    app.update(AppEvent::FailureRecorded(Box::new(failure(1, "first"))));
    app.update(AppEvent::FailureRecorded(Box::new(failure(2, "second"))));
    let failures = app.areas().failures;
    press(&mut app, failures.x + 3, failures.y + 2);
    assert_eq!(
        (app.focus, app.failures_cursor.selected),
        (Pane::Failures, 1)
    );
    press(&mut app, failures.x + 3, failures.y + 2);
    assert!(
        matches!(&app.overlay, Some(Overlay::FailureDetail { failure, .. }) if failure.error == "first"),
        "the older failure, second in the list"
    );
}

#[test]
fn the_wheel_moves_the_palettes_choice() {
    let mut app = app_with(sample());
    ctrl(&mut app, 'p');
    app.update(AppEvent::Terminal(Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 5,
        modifiers: KeyModifiers::NONE,
    })));
    let Some(Overlay::Palette(palette)) = &app.overlay else {
        panic!("the palette stays open");
    };
    assert_eq!(palette.cursor.selected, 1);
}
