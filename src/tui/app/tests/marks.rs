//! Several candidates at once: `space` marks them in the Review pane, and `a` or `r` decides
//! on each marked one, recorded one by one.

use super::*;

/// The marked decision a dialog asked for: the tools, in queue order, and the command.
fn decided_each(app: &mut App) -> Option<(Vec<String>, ReviewCommand)> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::ApplyEach(commands) => {
            let mut labels = Vec::new();
            let mut decisions = Vec::new();
            for (label, command) in commands {
                let Command::Decide { tool, decision } = command else {
                    panic!("{label}: a decision, not {command:?}");
                };
                assert_eq!(tool.to_string(), label, "each labelled by its tool");
                labels.push(label);
                decisions.push(decision);
            }
            let decision = decisions.first()?.clone();
            assert!(decisions.iter().all(|d| *d == decision), "one decision");
            Some((labels, decision))
        }
        _ => None,
    })
}

/// The sample with the Review pane focused; its queue: csv_to_json@1.3.0, drop_tables@0.1.0,
/// then the broken url_extract.
fn reviewing() -> App {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    app
}

#[test]
fn space_marks_candidates_and_approve_decides_on_each_marked_one() {
    let mut app = reviewing();
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.review_cursor.selected, 2, "space moves to the next row");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Review (3) · 2 marked"), "{screen}");
    assert_eq!(screen.matches("● ").count(), 2, "{screen}");

    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("Approve 2 marked candidates?"), "{screen}");
    type_text(&mut app, "both reviewed");
    key(&mut app, KeyCode::Enter);
    let (tools, command) = decided_each(&mut app).expect("one decision for each marked");
    assert_eq!(tools, ["csv_to_json@1.3.0", "drop_tables@0.1.0"]);
    assert_eq!(
        command,
        ReviewCommand::Approve {
            reason: Some("both reviewed".into()),
            accepted: Default::default(),
        }
    );
    assert!(app.marks.is_empty(), "the marks were used");
}

#[test]
fn reject_of_marked_candidates_needs_a_reason_shared_by_each() {
    let mut app = reviewing();
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Enter);
    assert!(decided_each(&mut app).is_none(), "no reason, no decision");
    assert!(render(&app, 80, 24).contains("reject needs a reason"));
    type_text(&mut app, "duplicates");
    key(&mut app, KeyCode::Enter);
    let (tools, command) = decided_each(&mut app).expect("decided");
    assert_eq!(tools.len(), 2);
    assert_eq!(
        command,
        ReviewCommand::Reject {
            reason: "duplicates".into()
        }
    );
}

#[test]
fn a_marked_broken_candidate_is_named_before_any_reason_is_typed() {
    let mut app = reviewing();
    for _ in 0..3 {
        key(&mut app, KeyCode::Char(' '));
    }
    key(&mut app, KeyCode::Char('a'));
    assert!(app.overlay.is_none(), "no dialog opens");
    assert!(
        message(&app).contains("unmark url_extract: broken tools are never approved"),
        "{}",
        message(&app)
    );
    // Rejecting it with the others is fine: a broken tool can be thrown away.
    key(&mut app, KeyCode::Char('r'));
    assert!(matches!(app.overlay, Some(Overlay::Decision(_))));
}

#[test]
fn a_mark_is_dropped_when_the_candidate_changes_after_it_was_marked() {
    let mut app = reviewing();
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    let mut entries = sample();
    let changed = entries
        .iter_mut()
        .find(|e| e.name == "drop_tables")
        .expect("in the sample");
    changed.content_hash = "ffff0000".into();
    app.update(AppEvent::ScanFinished {
        entries: entries.into(),
        elapsed: Duration::from_millis(5),
    });
    assert!(
        message(&app).contains("unmarked drop_tables-0.1.0: changed or gone"),
        "{}",
        message(&app)
    );
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Enter);
    let (tools, _) = decided_each(&mut app).expect("decided");
    assert_eq!(
        tools,
        ["csv_to_json@1.3.0"],
        "only the content that was marked"
    );
}

#[test]
fn other_decisions_act_on_one_tool_and_esc_clears_the_marks() {
    let mut app = reviewing();
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('R'));
    assert!(app.overlay.is_none());
    assert!(
        message(&app).contains("one tool at a time: esc clears the marks"),
        "{}",
        message(&app)
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.marks.is_empty());
    assert!(!render(&app, 80, 24).contains("marked"));
    // Unmarked, R asks for feedback on the row again.
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('R'));
    assert!(matches!(app.overlay, Some(Overlay::Decision(_))));
}

#[test]
fn space_on_a_row_that_is_not_a_candidate_says_so() {
    let mut app = reviewing();
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
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char(' '));
    assert!(app.marks.is_empty());
    assert!(message(&app).contains("only candidates can be marked"));
}

#[test]
fn the_results_of_marked_decisions_are_told_in_one_line() {
    let mut app = reviewing();
    let refused = crate::command::CommandError::Stopped("modified since validation".into());
    let approved = crate::model::decided::Decision {
        action: crate::model::decisions::DecisionAction::Approve,
        tool: "csv_to_json".into(),
        version: "1.3.0".into(),
        from_version: None,
        from_tier: Tier::Experimental,
        to_tier: Tier::Approved,
        location: "approved/csv_to_json".into(),
        reason: None,
        superseded: None,
        snapshot: None,
        wrapped: false,
        records: vec![],
        recovered: vec![],
        warnings: vec![],
        commit: None,
        in_place: false,
        signed: None,
        affected: vec![
            "experimental/csv_to_json-1.3.0".into(),
            "approved/csv_to_json".into(),
        ],
    };
    // Each done is named with what was done.
    app.update(AppEvent::AppliedEach(vec![(
        "csv_to_json@1.3.0".into(),
        Ok(Applied::Decided(crate::model::decided::Outcome::Tool(
            approved.clone(),
        ))),
    )]));
    assert_eq!(message(&app), "decided 1: approve csv_to_json@1.3.0");
    app.take_effects();
    app.update(AppEvent::AppliedEach(vec![
        (
            "csv_to_json@1.3.0".into(),
            Ok(Applied::Decided(crate::model::decided::Outcome::Tool(
                approved,
            ))),
        ),
        ("drop_tables@0.1.0".into(), Err(refused)),
    ]));
    let line = message(&app);
    assert!(
        line.starts_with("decided 1 of 2; refused drop_tables@0.1.0: the command stopped before it ended: modified since validation"),
        "{line}"
    );
    let effects = app.take_effects();
    assert!(
        effects.contains(&Effect::Reload(vec![
            "experimental/csv_to_json-1.3.0".into(),
            "approved/csv_to_json".into()
        ])),
        "only the folders the decisions moved are read again: {effects:?}"
    );
    assert!(!effects.contains(&Effect::Scan));
}
