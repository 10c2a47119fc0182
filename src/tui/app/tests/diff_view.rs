//! The review overlay's diff against the parent, as a reviewer reads it: hunk headers, both
//! sides' line numbers, and side by side (`s`) where the overlay is 120 columns or wider.

use super::*;

/// The review overlay of csv_to_json 1.3.0 on `width` columns, its Diff tab shown with the
/// real diff of the sample workspace's 1.3.0 against 1.2.0.
fn diff_open(width: u16) -> App {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(width, 30)));
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    load_real_diff(&mut app, &entry);
    key(&mut app, KeyCode::Tab);
    app
}

/// The content of the sample workspace's csv_to_json 1.3.0 diffed against 1.2.0, handed to
/// the overlay of `entry` as the background load would.
fn load_real_diff(app: &mut App, entry: &ToolEntry) {
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
    let mut content = None;
    crate::tui::detail_content::load(find("1.3.0"), Some(find("1.2.0")), &app.theme, |c| {
        content.get_or_insert(c);
    });
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: Box::new(content.expect("content")),
    });
}

#[test]
fn the_diff_has_hunk_headers_and_both_line_numbers() {
    let app = diff_open(100);
    let screen = render(&app, 100, 30);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("@@ -1,9 +1,11 @@ main.py"), "{screen}");
    // Old and new numbers in the gutter, the marks kept (readable without colour).
    assert!(screen.contains("│ 3    - Input (stdin, JSON)"), "{screen}");
    assert!(screen.contains("│    3 + Input (stdin, JSON)"), "{screen}");
    assert!(!screen.contains("side by side"), "no room for it: {screen}");
    // `s` says why the diff stays unified.
    let mut app = app;
    key(&mut app, KeyCode::Char('s'));
    let said = render(&app, 100, 30);
    assert!(
        said.contains("side by side needs an overlay of 120 columns"),
        "{said}"
    );
    assert!(said.contains("│ 3    - Input (stdin, JSON)"), "{said}");
}

#[test]
fn the_help_lists_s_under_the_tool_detail() {
    let app = app_with(sample());
    let help: Vec<String> = crate::tui::overlays::help::lines(&app.theme, &app.keymap, 160, "")
        .iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    assert!(
        help.iter()
            .any(|l| l.trim_start().starts_with("s ") && l.contains("diff side by side")),
        "{help:#?}"
    );
}

#[test]
fn s_shows_the_diff_side_by_side_at_120_columns_and_again_unified() {
    let mut app = diff_open(130);
    let unified = render(&app, 130, 30);
    assert!(unified.contains("s side by side"), "{unified}");
    key(&mut app, KeyCode::Char('s'));
    let screen = render(&app, 130, 30);
    insta::assert_snapshot!(screen);
    let row = screen
        .lines()
        .find(|l| l.contains("- Input (stdin, JSON)"))
        .unwrap_or_else(|| panic!("no removed line: {screen}"));
    assert!(
        row.contains("│ 3 + Input (stdin, JSON)"),
        "the added line beside the removed one: {row}"
    );
    assert!(screen.contains("· side by side"), "{screen}");
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(render(&app, 130, 30), unified, "unified again");
}

#[test]
fn side_by_side_is_remembered_and_waits_for_room() {
    let mut app = diff_open(130);
    key(&mut app, KeyCode::Char('s'));
    let split = render(&app, 130, 30);
    // Closed and opened again: still side by side.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    load_real_diff(&mut app, &entry);
    key(&mut app, KeyCode::Tab);
    assert_eq!(render(&app, 130, 30), split);
    // Narrower than 120 columns the diff is unified, and side by side again once wide.
    app.update(AppEvent::Terminal(Event::Resize(100, 30)));
    let narrow = render(&app, 100, 30);
    assert!(narrow.contains("│ 3    - Input (stdin, JSON)"), "{narrow}");
    assert!(!narrow.contains("│ 3 + Input"), "{narrow}");
    app.update(AppEvent::Terminal(Event::Resize(130, 30)));
    assert_eq!(render(&app, 130, 30), split);
}

/// A 50,000-line file with every 100th line changed, as the overlay's diff.
fn fifty_thousand_line_diff(app: &mut App, entry: &ToolEntry) {
    let old: String = (1..=50_000).map(|i| format!("line {i}\n")).collect();
    let new: String = (1..=50_000)
        .map(|i| match i % 100 {
            0 => format!("line {i} changed\n"),
            _ => format!("line {i}\n"),
        })
        .collect();
    let mut diff = crate::tui::diff::DiffText::default();
    let hunks = crate::diff::hunks(&old, &new, 3);
    diff.file(&app.theme, "big.txt", None, &hunks);
    let mut content = content_with_source("main.py", "print(1)\n");
    content.diff_layout = crate::tui::diff::DiffLayout::new(diff.numbers, diff.lines.len());
    content.diff = Some(diff.lines);
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content,
    });
}

#[test]
fn a_fifty_thousand_line_diff_draws_its_end_and_finds_a_line_side_by_side() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(130, 30)));
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    fifty_thousand_line_diff(&mut app, &entry);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('G'));
    let started = Instant::now();
    let end = render(&app, 130, 30);
    // Only the rows in view are built: the end of a long diff draws at once.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        end.contains("50000 - line 50000") && end.contains("│50000 + line 50000 changed"),
        "{end}"
    );
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "line 25000 changed");
    key(&mut app, KeyCode::Enter);
    let found = render(&app, 130, 30);
    let row = found
        .lines()
        .find(|l| l.contains("+ line 25000 changed"))
        .unwrap_or_else(|| panic!("the match is in view: {found}"));
    assert!(
        row.contains("25000 - line 25000 "),
        "beside its old line: {row}"
    );
}
