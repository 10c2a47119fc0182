//! Being told: a call that starts waiting, a proposal that lands or a tool request that
//! arrives flashes the Review pane's title, rings the bell and is counted on the status bar.

use super::*;

/// The lines the app asked the event loop to ring the bell for.
fn told(app: &mut App) -> Vec<String> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Tell(line) => Some(line),
            _ => None,
        })
        .collect()
}

fn history(app: &mut App, proposers: &[(&str, &str)]) {
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![],
        alerts: vec![],
        proposers: proposers
            .iter()
            .map(|(folder, client)| (folder.to_string(), client.to_string()))
            .collect(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
}

#[test]
fn a_call_that_starts_waiting_flashes_review_rings_and_is_counted() {
    let mut app = app_with(sample());
    app.take_effects();
    let calls = vec![crate::model::calls::CallRow::fixture(7)];
    app.update(AppEvent::CallsPolled {
        calls: calls.clone(),
        rules: Vec::new(),
    });
    assert_eq!(
        told(&mut app),
        ["claude-code asks to run deploy@1.0.0: call #7 waits for you"]
    );
    assert!(app.review_lit(), "the Review pane's title flashes");
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("│ 1 waiting (4)"), "{screen}");
    // The same call polled again is not news.
    app.update(AppEvent::CallsPolled {
        calls,
        rules: Vec::new(),
    });
    assert!(told(&mut app).is_empty());
}

#[test]
fn a_tool_request_that_arrives_is_told_and_counted() {
    let mut app = app_with(sample());
    app.take_effects();
    app.update(AppEvent::RequestsPolled(vec![
        crate::model::requests::RequestRow {
            id: 3,
            name: "wanted".into(),
            description: "Count the lines of a text".into(),
            inputs: serde_json::json!({"type": "object"}),
            outputs: None,
            rationale: "I count lines by hand".into(),
            client: "claude-code".into(),
            requested_at: "2026-11-22T10:00:00Z".into(),
            state: crate::model::requests::RequestState::Pending,
            answered_by: None,
            answered_at: None,
            reason: None,
        },
    ]));
    assert_eq!(told(&mut app), ["claude-code asks for a tool: wanted"]);
    assert_eq!(app.waiting(), 1);
}

#[test]
fn a_proposal_that_lands_after_the_first_read_is_told_and_counted_while_it_waits() {
    let mut app = app_with(sample());
    app.take_effects();
    // What the first read finds was there before: counted, not told.
    history(
        &mut app,
        &[("experimental/drop_tables-0.1.0", "claude-code")],
    );
    assert!(told(&mut app).is_empty());
    assert_eq!(app.waiting(), 1);
    history(
        &mut app,
        &[
            ("experimental/drop_tables-0.1.0", "claude-code"),
            ("experimental/csv_to_json-1.3.0", "codex"),
        ],
    );
    assert_eq!(
        told(&mut app),
        ["codex proposed experimental/csv_to_json-1.3.0: it waits for review"]
    );
    assert_eq!(app.waiting(), 2);
    assert!(render(&app, 80, 24).contains("2 waiting (4)"));
}
