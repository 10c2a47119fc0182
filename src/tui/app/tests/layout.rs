//! The main screen follows its content and the terminal: column widths from the rows on
//! screen, panes sized by what they hold, a zoom key, and a help overlay that cuts no line.

use super::*;

/// Starts a run of the selected tool and feeds it `lines` lines of output.
fn streaming(app: &mut App, lines: usize) -> u64 {
    key(app, KeyCode::Enter);
    ctrl(app, 's');
    let (key_id, _) = started_run(app).expect("started");
    let text: String = (1..=lines).map(|i| format!("row {i}\n")).collect();
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stdout,
        bytes: text.into_bytes(),
        skipped: 0,
    });
    key_id
}

/// `count` core tools named `tool_00`, `tool_01`, …
fn many_tools(count: usize) -> Vec<ToolEntry> {
    (0..count)
        .map(|i| {
            tool(
                Tier::Core,
                &format!("tool_{i:02}"),
                "1.0.0",
                CostTier::Low,
                "x",
            )
        })
        .collect()
}

fn failure(id: i64, tool: &str, error: &str) -> FailureRecord {
    FailureRecord {
        id,
        tool: tool.into(),
        version: "1.0.0".into(),
        severity: crate::model::Severity::High,
        scenario: "cli run (failed)".into(),
        error: error.into(),
        origin: RunOrigin::Cli,
        at: "2026-11-21T10:05:00.000Z".into(),
        run_id: None,
        tag: None,
    }
}

/// Every pane holding something: a tool with a long name, a streaming run, failures.
fn busy_app() -> App {
    let mut entries = sample();
    entries.push(tool(
        Tier::Approved,
        "git_changed_files_since_last_release",
        "2.10.0",
        CostTier::Low,
        "List the files changed since the last tagged release, grouped by folder",
    ));
    let mut app = app_with(entries);
    app.update(AppEvent::HistoryLoaded {
        failures: vec![
            failure(2, "slugify", "exit 1: title was empty"),
            failure(
                1,
                "git_changed_files_since_last_release",
                "timeout after 30 s",
            ),
        ],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    streaming(&mut app, 40);
    app
}

/// The screen with the live run's elapsed time blanked, so snapshots do not depend on it.
fn steady(screen: String) -> String {
    let elapsed = regex::Regex::new(r"running · [0-9.]+ m?s *").expect("pattern");
    elapsed
        .replace_all(&screen, |found: &regex::Captures| {
            let width = found[0].chars().count();
            format!("{:<width$}", "running · … ms")
        })
        .into_owned()
}

#[test]
fn every_pane_at_80x24_and_160x48() {
    let app = busy_app();
    insta::assert_snapshot!("busy_80x24", steady(render(&app, 80, 24)));
    insta::assert_snapshot!("busy_160x48", steady(render(&app, 160, 48)));
}

#[test]
fn names_are_whole_when_there_is_room_and_descriptions_take_the_rest() {
    let mut app = busy_app();
    let wide = render(&app, 160, 48);
    assert!(
        wide.contains("git_changed_files_since_last_release 2.10.0"),
        "{wide}"
    );
    assert!(wide.contains("List the files changed since t…"), "{wide}");
    // The Failures pane lines its tool column up with the longest name on screen.
    assert!(
        wide.contains("11-21 10:05 git_changed_files_since_last_release high"),
        "{wide}"
    );
    // At 80 columns the name keeps a third of the pane and the description what is left.
    let narrow = render(&app, 80, 24);
    assert!(narrow.contains("git_changed_f… 2.10.0"), "{narrow}");
    // Zoomed, the catalog has the width for every description whole.
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('z'));
    let zoomed = render(&app, 160, 48);
    assert!(
        zoomed.contains("List the files changed since the last tagged release, grouped by folder"),
        "{zoomed}"
    );
}

#[test]
fn the_output_pane_is_a_few_lines_when_empty_and_grows_while_a_run_streams() {
    let mut app = app_with(sample());
    assert_eq!(app.areas().output.height, 4);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("No runs yet."), "{screen}");
    // The catalog takes the room: all seven tools and its filter line.
    assert_eq!(app.areas().catalog.height, 19);

    let key_id = streaming(&mut app, 3);
    // Its frame, the header and three lines.
    assert_eq!(app.areas().output.height, 6);
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stdout,
        bytes: "more\n".repeat(200).into_bytes(),
        skipped: 0,
    });
    // Every row the panes above do not need: the catalog's seven tools and filter line,
    // the Review and Failures panes' rows, in 11.
    assert_eq!(app.areas().output.height, 23 - 11);
    app.update(AppEvent::Terminal(Event::Resize(160, 48)));
    assert_eq!(app.areas().output.height, 47 - 11);
    // With more tools than rows, the run keeps its share: 45 % of the screen.
    let mut app = app_with(many_tools(60));
    streaming(&mut app, 200);
    assert_eq!(app.areas().output.height, 10);
}

#[test]
fn z_gives_the_focused_pane_the_whole_screen_and_tab_moves_the_zoom() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('z'));
    let areas = app.areas();
    assert_eq!(areas.output, Rect::new(0, 0, 80, 23));
    assert!(areas.catalog.is_empty() && areas.review.is_empty());
    let screen = steady(render(&app, 80, 24));
    insta::assert_snapshot!("zoomed_output_80x24", screen);
    assert!(!screen.contains("Catalog"), "{screen}");
    assert!(screen.contains("zoomed (z back)"), "{screen}");
    // The zoom follows the focus.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Failures);
    assert_eq!(app.areas().failures, Rect::new(0, 0, 80, 23));
    insta::assert_snapshot!("zoomed_failures_160x48", steady(render(&app, 160, 48)));
    key(&mut app, KeyCode::Char('z'));
    assert!(!app.areas().catalog.is_empty());
}

#[test]
fn a_zoomed_catalog_shows_a_page_of_tools_and_keeps_the_selection_in_view() {
    let mut app = app_with(many_tools(60));
    key(&mut app, KeyCode::Char('z'));
    // 23 rows: the frame and the filter line leave 20 tools.
    assert_eq!(app.pane_height(Pane::Catalog), 20);
    for _ in 0..30 {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('z'));
    // Back in the smaller pane, the selected tool is still on screen.
    let screen = render(&app, 80, 24);
    assert!(screen.contains("tool_30"), "{screen}");
}

#[test]
fn a_200_character_name_and_description_stay_on_one_cut_line() {
    let long_name = "n".repeat(200);
    let long_description = "d".repeat(200);
    let mut broken = tool(
        Tier::Experimental,
        &long_name,
        "1.0.0",
        CostTier::Low,
        &long_description,
    );
    broken.error = Some(format!(
        "experimental/x/tool.toml:1: field `name`: \"{long_name}\" is longer than 64 characters"
    ));
    let mut entries = sample();
    entries.push(tool(
        Tier::Approved,
        &long_name,
        "1.0.0",
        CostTier::Low,
        &long_description,
    ));
    entries.push(broken);
    let mut app = app_with(entries);
    app.update(AppEvent::HistoryLoaded {
        failures: vec![failure(1, &long_name, &long_description)],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    for (width, height) in [(80, 24), (160, 48)] {
        app.update(AppEvent::Terminal(Event::Resize(width, height)));
        let screen = render(&app, width, height);
        assert_eq!(screen.lines().count(), usize::from(height), "{screen}");
        assert!(
            screen
                .lines()
                .all(|l| l.chars().count() <= usize::from(width))
        );
        // Cut with an ellipsis, never wrapped onto the next row.
        assert!(screen.contains("nnnn…"), "{screen}");
        assert!(!screen.contains(&"n".repeat(200)), "{screen}");
    }
    // Two matches: Enter keeps the filter, then d opens the detail of the first.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "nnnn");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('d'));
    assert!(matches!(app.overlay, Some(Overlay::Detail(_))));
    let detail = render(&app, 80, 24);
    assert!(detail.lines().all(|l| l.chars().count() <= 80), "{detail}");
}

#[test]
fn the_help_overlay_wraps_its_descriptions_so_no_line_is_cut() {
    let mut app = app_with(sample());
    for width in [40_usize, 76, 158] {
        let text: Vec<String> = crate::tui::overlays::help::lines(&app, width)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert!(
            text.iter().all(|l| l.chars().count() <= width),
            "a line wider than {width}: {text:?}"
        );
        let joined = text.join(" ");
        let words: Vec<&str> = joined.split_whitespace().collect();
        for (context, rows) in app.keymap.sections() {
            for word in rows
                .iter()
                .flat_map(|(_, action)| action.help_in(context).split_whitespace())
            {
                assert!(
                    words.contains(&word),
                    "{word:?} is missing at {width} columns"
                );
            }
        }
    }
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!("help_160x48", render(&app, 160, 48));
}
