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
    for (id, error) in [(1, "first"), (2, "second")] {
        app.update(AppEvent::Applied {
            command: Box::new(Command::Gc {
                days_unused: Some(0),
                min_quality: None,
                dry_run: true,
            }),
            result: Ok(Applied::FailureMarked {
                failure: failure(id, error),
                quality: 1.0,
            }),
        });
    }
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

fn wheel(app: &mut App, down: bool) {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    app.update(AppEvent::Terminal(Event::Mouse(MouseEvent {
        kind,
        column: 40,
        row: 10,
        modifiers: KeyModifiers::NONE,
    })));
}

/// In a resource view a click selects the row under it, the wheel moves the selection and a
/// double-click opens the row as enter does.
#[test]
fn a_click_selects_a_row_of_a_resource_view_and_a_double_click_opens_it() {
    let mut app = super::resources::runs_view(super::resources::runs());
    let selected = |app: &App| match &app.overlay {
        Some(Overlay::Resource(state)) => state.cursor.selected,
        _ => panic!("the view is open"),
    };
    // Below the frame's top and the column headings: the third run.
    press(&mut app, 10, 4);
    assert_eq!(selected(&app), 2);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    wheel(&mut app, false);
    assert_eq!(selected(&app), 1);
    wheel(&mut app, true);
    assert_eq!(selected(&app), 2);
    // A click past the last row selects nothing.
    press(&mut app, 10, 12);
    assert_eq!(selected(&app), 2);
    assert!(matches!(app.overlay, Some(Overlay::Resource(_))));
    press(&mut app, 10, 4);
    press(&mut app, 10, 4);
    match &app.overlay {
        Some(Overlay::Detail(detail)) => assert_eq!(detail.entry.name, "word_count"),
        _ => panic!("a double-click opens the run's tool detail"),
    }
}

/// In the command palette a click chooses an action and a double-click runs it.
#[test]
fn a_double_click_in_the_palette_runs_the_action_under_it() {
    let mut app = app_with(sample());
    ctrl(&mut app, 'p');
    // Narrowed to the log and one more; the wheel chooses the other first.
    type_text(&mut app, "messages");
    wheel(&mut app, true);
    let (top, position) = match &app.overlay {
        Some(Overlay::Palette(state)) => (
            crate::tui::overlays::palette::area(app.size).y,
            state
                .shown()
                .position(|row| row.action == Action::Log)
                .expect("the log is offered"),
        ),
        _ => panic!("the palette is open"),
    };
    // Below the frame's top and the query line.
    let row = top + 2 + position as u16;
    assert_ne!(position, 1, "{position}");
    press(&mut app, 20, row);
    match &app.overlay {
        Some(Overlay::Palette(state)) => assert_eq!(state.cursor.selected, position),
        _ => panic!("one click only chooses"),
    }
    press(&mut app, 20, row);
    assert!(
        matches!(app.overlay, Some(Overlay::Log { .. })),
        "{}",
        render(&app, 80, 24)
    );
}

/// In the suggestions a click selects one (two rows each); a double-click accepts nothing.
#[test]
fn a_click_selects_a_suggestion_and_a_double_click_decides_nothing() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('O'));
    app.update(refreshed(vec![
        suggestion(3, "compose word_count → line_sort into one tool"),
        suggestion(5, "a tool for pdf.merge is missing"),
    ]));
    app.take_effects();
    let screen = render(&app, 80, 24);
    let row = screen
        .lines()
        .position(|line| line.contains("pdf.merge"))
        .expect("the second suggestion is drawn") as u16;
    press(&mut app, 20, row);
    press(&mut app, 20, row);
    match &app.overlay {
        Some(Overlay::Suggestions(state)) => assert_eq!(state.cursor.selected, 1),
        _ => panic!("the suggestions stay open"),
    }
    assert!(app.take_effects().is_empty(), "nothing accepted");
}
