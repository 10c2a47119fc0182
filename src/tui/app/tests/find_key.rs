//! Finding a key: the help overlay narrows as you type; the command palette lists what
//! applies here, fuzzy-matched, and runs the chosen action.

use super::*;

#[test]
fn the_help_narrows_to_the_keys_holding_every_typed_word() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('?'));
    type_text(&mut app, "copy");
    assert!(!app.should_quit, "typed, not acted on");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Copy the selection"), "{screen}");
    assert!(!screen.contains("Quit toolbench"), "{screen}");
    key(&mut app, KeyCode::Esc);
    type_text(&mut app, "output line");
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("Keys · output line█"), "{screen}");
    type_text(&mut app, "zzz");
    assert!(render(&app, 80, 24).contains("No key does \"output linezzz\"."));
    // Esc clears what was typed, then closes; `?` closes on an empty query.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char('?'));
    assert!(app.overlay.is_none());
}

#[test]
fn ctrl_p_lists_the_actions_of_the_focused_pane_and_runs_the_chosen_one() {
    let mut app = app_with(sample());
    ctrl(&mut app, 'p');
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("Actions here"), "{screen}");
    // The Catalog's own actions come first, each with its key.
    assert!(screen.contains("p                Promote"), "{screen}");
    type_text(&mut app, "sort");
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.sort, SortOrder::Tier);
    assert_eq!(message(&app), "sorted by tier");

    // In the Output pane, its actions, not the Catalog's.
    key(&mut app, KeyCode::Char('2'));
    ctrl(&mut app, 'p');
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Cancel the selected run"), "{screen}");
    assert!(!screen.contains("Promote"), "{screen}");
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn the_palette_over_the_review_overlay_offers_its_decisions_and_gives_it_back() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'p');
    type_text(&mut app, "reject");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("r                Reject"), "{screen}");
    key(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.overlay, Some(Overlay::Detail(_))),
        "given back"
    );
    ctrl(&mut app, 'p');
    type_text(&mut app, "reject");
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&app.overlay, Some(Overlay::Decision(d)) if d.kind == DecisionKind::Reject),
        "the reject dialog of the candidate shown"
    );
}

#[test]
fn ctrl_c_quits_from_the_palette_too() {
    let mut app = app_with(sample());
    ctrl(&mut app, 'p');
    ctrl(&mut app, 'c');
    assert!(app.should_quit);
}
