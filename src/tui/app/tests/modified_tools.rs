//! An active tool whose content is not what a person approved (or, where signatures are
//! required, that no allowed reviewer signed) will not run: the launch dialog says so before
//! anything is typed, and the refusal names the workbench's keys that settle it, not the
//! CLI's commands.

use super::*;
use crate::command::CommandError;
use crate::model::Drift;
use crate::model::Signature;
use crate::seal::{Modification, SealError, SignatureRefusal};

fn modified(name: &str) -> ToolEntry {
    let mut entry = tool(
        Tier::Approved,
        name,
        "1.0.0",
        CostTier::Low,
        "Slugify titles",
    );
    entry.drift = Some(Box::new(Drift::Modified {
        approved_version: "1.0.0".into(),
        approved_hash: "e5bbf7a1f15c0000".into(),
    }));
    entry
}

/// The dialog's text, its rows joined, as a person reads it through the wrapping.
fn dialog_text(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split('│').nth(2))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_launch_dialog_of_a_modified_tool_says_it_will_not_run_and_which_keys_review_it() {
    let mut app = app_with(vec![modified("slugify")]);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
    let screen = render(&app, 80, 24);
    let text = dialog_text(&screen);
    assert!(
        text.contains(
            "✗ modified since approval: it will not run until the change is reviewed (b sends \
             the change to review, a in Review approves it where it is)"
        ),
        "{screen}"
    );
    assert!(!text.contains("toolbench"), "{screen}");

    // A tool as approved has no such line.
    let mut app = app_with(vec![tool(
        Tier::Approved,
        "slugify",
        "1.0.0",
        CostTier::Low,
        "Slugify titles",
    )]);
    key(&mut app, KeyCode::Enter);
    assert!(!render(&app, 80, 24).contains("will not run"));
}

#[test]
fn a_refused_run_of_a_modified_tool_names_the_review_keys_not_the_clis_commands() {
    let mut app = app_with(vec![modified("slugify")]);
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (run, _) = started_run(&mut app).expect("asked to start");
    let refusal = SealError::Modified(Box::new(Modification {
        name: "slugify".into(),
        folder: "approved/slugify".into(),
        approved: "1.0.0".into(),
        approved_hash: "e5bbf7a1f15c".into(),
        version: "1.0.0".into(),
        hash: "bbbcb5a4ddc8".into(),
    }));
    // The CLI's words stay the CLI's.
    assert!(refusal.to_string().contains("`toolbench resubmit slugify`"));
    app.update(AppEvent::RunNotStarted {
        key: run,
        error: CommandError::Sealed {
            tool: "slugify@1.0.0".into(),
            reason: Box::new(refusal),
        },
    });
    assert_eq!(
        message(&app),
        "slugify@1.0.0 will not run: approved/slugify was modified since approval (approved \
         1.0.0 e5bbf7a1f15c, now 1.0.0 bbbcb5a4ddc8); b sends the change to review, a in Review \
         approves it where it is"
    );

    // One never approved here, and a workspace never accepted, the same way.
    for (reason, keys) in [
        (
            SealError::Unapproved {
                name: "slugify".into(),
                folder: "approved/slugify".into(),
                hash: "bbbcb5a4ddc8".into(),
            },
            "approved/slugify was not approved in this workspace (no approval on record); b \
             sends it to review, a in Review approves it where it is",
        ),
        (
            SealError::NotAccepted { active: 3 },
            "this workspace was never opened here: its 3 active tools are not accepted yet; W \
             asks to accept them",
        ),
    ] {
        let mut app = app_with(vec![modified("slugify")]);
        key(&mut app, KeyCode::Enter);
        ctrl(&mut app, 's');
        let (run, _) = started_run(&mut app).expect("asked to start");
        app.update(AppEvent::RunNotStarted {
            key: run,
            error: CommandError::Sealed {
                tool: "slugify@1.0.0".into(),
                reason: Box::new(reason),
            },
        });
        assert_eq!(message(&app), format!("slugify@1.0.0 will not run: {keys}"));
    }
}

fn unsigned(name: &str) -> ToolEntry {
    let mut entry = modified(name);
    entry.drift = Some(Box::new(Drift::Unsigned));
    entry
}

#[test]
fn an_unsigned_tool_where_signatures_are_required_names_the_keys_that_review_and_sign_it() {
    let mut app = app_with(vec![unsigned("slugify")]);
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    let text = dialog_text(&screen);
    assert!(
        text.contains(
            "✗ unsigned: it will not run until an allowed reviewer signs its review (d shows it, \
             a in Review signs its content)"
        ),
        "{screen}"
    );
    ctrl(&mut app, 's');
    let (run, _) = started_run(&mut app).expect("asked to start");
    let refusal = SealError::Signature(Box::new(SignatureRefusal {
        name: "slugify".into(),
        folder: "approved/slugify".into(),
        version: "1.0.0".into(),
        hash: "bbbcb5a4ddc8".into(),
        signature: Signature::Unsigned,
    }));
    // The CLI's words stay the CLI's.
    assert!(refusal.to_string().contains("`toolbench verify slugify`"));
    app.update(AppEvent::RunNotStarted {
        key: run,
        error: CommandError::Sealed {
            tool: "slugify@1.0.0".into(),
            reason: Box::new(refusal),
        },
    });
    assert_eq!(
        message(&app),
        "slugify@1.0.0 will not run: approved/slugify (1.0.0 bbbcb5a4ddc8) has no signed review \
         and [review] signatures = \"require\"; d shows it, a in Review signs its content"
    );
}
