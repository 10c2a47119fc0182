//! The preview beside the queue: where the Review pane is 100 columns wide inside, the
//! selected candidate's verdict, failing checks and diff, following the selection.

use super::*;

/// The Review pane zoomed on a terminal `width` columns wide.
fn review_zoomed(width: u16) -> App {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(width, 24)));
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('Z'));
    app
}

/// Answers the preview's read as the background would, with the sample workspace's real
/// csv_to_json 1.3.0 against 1.2.0 for the content asked for.
fn answer_preview(app: &mut App) -> bool {
    let asked = app.take_effects().into_iter().find_map(|e| match e {
        Effect::LoadPreview { entry, .. } => Some(entry),
        _ => None,
    });
    let Some(entry) = asked else {
        return false;
    };
    let entries = crate::catalog::scan::scan_workspace(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools"),
        crate::catalog::scan::ScanLimits::default(),
        &crate::catalog::scan::KnownHashes::default(),
        &crate::catalog::scan::ScanProgress::default(),
    );
    let find = |version: &str| {
        entries
            .iter()
            .find(|e| e.name == "csv_to_json" && e.version == version)
            .expect("sample tool")
    };
    let diff = crate::tui::detail_content::diff_only(find("1.3.0"), find("1.2.0"), &app.theme);
    let lines = diff.numbered(&app.theme, 200);
    app.update(AppEvent::PreviewLoaded {
        hash: entry.content_hash.clone(),
        lines,
    });
    true
}

/// A verdict for `entry`: its tests failed, its syntax passed.
fn validated(app: &mut App, entry: &ToolEntry) {
    let report: crate::model::validation_report::ValidationReport =
        serde_json::from_value(serde_json::json!({
            "name": entry.name, "version": entry.version, "tier": "experimental",
            "path": "experimental/csv_to_json-1.3.0", "verdict": "fail",
            "content_hash": entry.content_hash, "validated_at": "2026-11-24T10:00:00.000Z",
            "checks": [
                {"check": "syntax", "status": "pass", "message": "python3 compiles it"},
                {"check": "tests", "status": "fail", "message": "1 of 2 cases failed"}
            ],
            "findings": [], "tests": [], "similar": []
        }))
        .expect("report JSON");
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
}

#[test]
fn a_wide_review_pane_previews_the_selected_candidate_beside_the_queue() {
    let mut app = review_zoomed(120);
    let entry = app.review_entry().cloned().expect("a candidate selected");
    assert_eq!(entry.name, "csv_to_json");
    let before = render(&app, 120, 24);
    assert!(before.contains("reading the diff…"), "{before}");
    validated(&mut app, &entry);
    assert!(
        answer_preview(&mut app),
        "the diff is read in the background"
    );
    let screen = render(&app, 120, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("csv_to_json 1.3.0"), "{screen}");
    // The failing check, not the passing one, as the review overlay's checklist marks it.
    assert!(
        screen.contains("✗ tests         1 of 2 cases failed"),
        "{screen}"
    );
    assert!(!screen.contains("python3 compiles it"), "{screen}");
    assert!(screen.contains("@@ -1,9 +1,11 @@ main.py"), "{screen}");
    // Read once per content: selecting it again asks for nothing.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('k'));
    assert!(!answer_preview(&mut app), "kept for the same content");
}

#[test]
fn the_preview_follows_the_selection() {
    let mut app = review_zoomed(120);
    answer_preview(&mut app);
    key(&mut app, KeyCode::Char('j'));
    let entry = app.review_entry().cloned().expect("a tool on the next row");
    assert_ne!(entry.name, "csv_to_json");
    let screen = render(&app, 120, 24);
    let title = format!("{} {}", entry.name, entry.version);
    assert!(screen.contains(&title), "{screen}");
    assert!(!screen.contains("@@ -1,9 +1,11 @@"), "{screen}");
}

#[test]
fn a_narrow_review_pane_shows_the_queue_alone() {
    // Zoomed at 100 columns, the pane has 98 inside: under the preview's 100.
    let mut app = review_zoomed(100);
    let screen = render(&app, 100, 24);
    assert!(!screen.contains("reading the diff"), "{screen}");
    assert!(
        !answer_preview(&mut app),
        "nothing read for a preview not shown"
    );
    // Not zoomed, at 80 columns, as today.
    let app = app_with(sample());
    let screen = render(&app, 80, 24);
    assert!(
        !screen.contains("verdict") && !screen.contains("reading the diff"),
        "{screen}"
    );
}

#[test]
fn a_click_selects_a_row_of_the_queue_and_none_on_the_preview() {
    let mut app = review_zoomed(120);
    let click = |app: &mut App, column: u16, row: u16| {
        app.update(AppEvent::Terminal(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })));
    };
    let review = app.areas().review;
    // The preview's third row is level with the queue's third.
    click(&mut app, review.x + 80, review.y + 3);
    assert_eq!(
        app.review_entry().map(|e| e.name.as_str()),
        Some("csv_to_json")
    );
    click(&mut app, review.x + 3, review.y + 3);
    let entry = app.review_entry().cloned().expect("the third row's tool");
    assert_ne!(entry.name, "csv_to_json");
    let screen = render(&app, 120, 24);
    assert!(
        screen.contains(&format!("│{} {}", entry.name, entry.version)),
        "{screen}"
    );
}

/// Reviewing (the Review pane focused on a candidate) widens the right column where the wider
/// share gives the preview room: a 170-column terminal shows it without zooming. Focused
/// elsewhere, or on a terminal too narrow for it, the Catalog keeps its width.
#[test]
fn reviewing_on_an_ordinary_wide_terminal_shows_the_preview_unzoomed() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(170, 40)));
    let catalog_width = app.areas().catalog.width;
    assert!(!app.shows_preview(), "the Catalog focused");
    key(&mut app, KeyCode::Char('4'));
    assert!(app.shows_preview(), "{:?}", app.areas());
    assert!(app.areas().catalog.width < catalog_width);
    let entry = app.review_entry().cloned().expect("a candidate selected");
    validated(&mut app, &entry);
    assert!(answer_preview(&mut app), "the diff is read");
    let screen = render(&app, 170, 40);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("✗ tests"), "{screen}");
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.areas().catalog.width, catalog_width, "given back");
    app.update(AppEvent::Terminal(Event::Resize(150, 40)));
    key(&mut app, KeyCode::Char('4'));
    assert!(!app.shows_preview(), "150 columns: no room for it");
}
