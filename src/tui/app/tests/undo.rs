//! `z` undoes the last decision this session took: it asks first, naming what the undo will
//! do, and says in one line why not when there is nothing to undo or it cannot be undone.

use super::*;
use crate::model::decisions::{DecisionAction, DecisionRecord};

fn row(id: i64, action: DecisionAction, version: &str, from: Tier, to: Tier) -> DecisionRecord {
    DecisionRecord {
        id,
        tool: "csv_to_json".into(),
        action,
        who: "ana".into(),
        at: "2026-11-24T12:00:00.000Z".into(),
        reason: None,
        from_version: Some(version.into()),
        to_version: Some(version.into()),
        from_tier: Some(from),
        to_tier: Some(to),
        from_hash: Some("aaaa".into()),
        to_hash: Some("aaaa".into()),
    }
}

/// The approval of csv_to_json@1.3.0 over 1.2.0, as the library answers it: the row of the
/// version superseded (#11), then the approval's own (#12).
fn approved(app: &mut App) {
    let decision = crate::model::decided::Decision {
        action: DecisionAction::Approve,
        tool: "csv_to_json".into(),
        version: "1.3.0".into(),
        from_version: None,
        from_tier: Tier::Experimental,
        to_tier: Tier::Approved,
        location: "approved/csv_to_json".into(),
        reason: None,
        superseded: Some("1.2.0".into()),
        snapshot: None,
        wrapped: false,
        records: vec![
            row(
                11,
                DecisionAction::Supersede,
                "1.2.0",
                Tier::Approved,
                Tier::Archived,
            ),
            row(
                12,
                DecisionAction::Approve,
                "1.3.0",
                Tier::Experimental,
                Tier::Approved,
            ),
        ],
        recovered: vec![],
        warnings: vec![],
        commit: None,
        in_place: false,
        signed: None,
        affected: vec![],
    };
    app.update(decided_event(crate::model::decided::Outcome::Tool(
        decision,
    )));
    app.take_effects();
}

fn undo_asked(app: &mut App) -> Option<(String, i64)> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Apply(command) => match *command {
            Command::Decide {
                tool,
                decision: ReviewCommand::Undo { of },
            } => Some((tool.to_string(), of)),
            _ => None,
        },
        _ => None,
    })
}

#[test]
fn z_asks_to_undo_the_last_approval_naming_what_comes_back_and_y_undoes_it() {
    let mut app = app_with(sample());
    approved(&mut app);
    key(&mut app, KeyCode::Char('z'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("Undo approve of csv_to_json 1.3.0?"),
        "{screen}"
    );
    assert!(
        screen.contains("Send 1.3.0 back to review and make 1.2.0 active again."),
        "{screen}"
    );
    // n keeps the decision; nothing is asked of the library.
    key(&mut app, KeyCode::Char('n'));
    assert!(app.overlay.is_none());
    assert_eq!(undo_asked(&mut app), None);
    // y undoes the approval's own row, not the superseded version's.
    key(&mut app, KeyCode::Char('z'));
    key(&mut app, KeyCode::Char('y'));
    assert!(app.overlay.is_none());
    assert_eq!(undo_asked(&mut app), Some(("csv_to_json".into(), 12)));
    assert!(
        message(&app).starts_with("undo approve of csv_to_json 1.3.0…"),
        "{}",
        message(&app)
    );
}

#[test]
fn z_with_nothing_decided_in_this_session_says_so() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('z'));
    assert!(app.overlay.is_none());
    assert_eq!(
        message(&app),
        "nothing to undo: no decision was taken in this session"
    );
}

#[test]
fn z_waits_for_a_validation_of_the_tool_and_does_not_undo_an_undo() {
    let mut app = app_with(sample());
    approved(&mut app);
    app.validating.insert("csv_to_json".into());
    key(&mut app, KeyCode::Char('z'));
    assert!(app.overlay.is_none());
    assert_eq!(
        message(&app),
        "cannot undo the approve of csv_to_json@1.3.0 (#12): a validation of csv_to_json is under way; undo once it has ended"
    );
    app.validating.clear();
    let mut undone = row(
        13,
        DecisionAction::Undo,
        "1.3.0",
        Tier::Approved,
        Tier::Experimental,
    );
    undone.reason = Some("undo of #12".into());
    app.update(decided_event(crate::model::decided::Outcome::Tool(
        crate::model::decided::Decision {
            action: DecisionAction::Undo,
            tool: "csv_to_json".into(),
            version: "1.3.0".into(),
            from_version: None,
            from_tier: Tier::Approved,
            to_tier: Tier::Experimental,
            location: "experimental/csv_to_json".into(),
            reason: Some("undo of #12".into()),
            superseded: Some("1.2.0".into()),
            snapshot: None,
            wrapped: false,
            records: vec![undone],
            recovered: vec![],
            warnings: vec![],
            commit: None,
            in_place: false,
            signed: None,
            affected: vec![],
        },
    )));
    key(&mut app, KeyCode::Char('z'));
    assert!(app.overlay.is_none());
    assert_eq!(
        message(&app),
        "cannot undo the undo of csv_to_json@1.3.0 (#13): an undo is not undone; take the decision again"
    );
}

#[test]
fn a_validation_asked_for_marks_its_tool_until_its_report_comes() {
    let mut app = app_with(sample());
    let entry = app.selected_entry().cloned().expect("a selected tool");
    key(&mut app, KeyCode::Char('v'));
    assert!(app.validating.contains(&entry.name), "{:?}", app.validating);
}
