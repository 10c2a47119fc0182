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
    assert!(
        wide.contains("2.10.0 low   -    List the files changed sinc…"),
        "{wide}"
    );
    // The Failures pane lines its tool column up with the longest name on screen, and the
    // severity and the error follow it whole.
    assert!(
        wide.contains("slugify                              high exit 1: title was empty"),
        "{wide}"
    );
    assert!(
        wide.contains("git_changed_files_since_last_release high timeout after 30 s"),
        "{wide}"
    );
    // At 80 columns names come whole before the description's room (it keeps its least): the
    // sample's longest, and a longer one cut only there.
    let narrow = render(&app, 80, 24);
    assert!(narrow.contains("git_changed_files_s… 2.10.0"), "{narrow}");
    assert!(narrow.contains("old_csv_parser       0.9.0"), "{narrow}");
    // Zoomed, the catalog has the width for every description whole.
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('Z'));
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
fn shift_z_gives_the_focused_pane_the_whole_screen_and_tab_moves_the_zoom() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('Z'));
    let areas = app.areas();
    assert_eq!(areas.output, Rect::new(0, 0, 80, 23));
    assert!(areas.catalog.is_empty() && areas.review.is_empty());
    let screen = steady(render(&app, 80, 24));
    insta::assert_snapshot!("zoomed_output_80x24", screen);
    assert!(!screen.contains("Catalog"), "{screen}");
    assert!(screen.contains("zoomed (Z back)"), "{screen}");
    // The zoom follows the focus.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Failures);
    assert_eq!(app.areas().failures, Rect::new(0, 0, 80, 23));
    insta::assert_snapshot!("zoomed_failures_160x48", steady(render(&app, 160, 48)));
    key(&mut app, KeyCode::Char('Z'));
    assert!(!app.areas().catalog.is_empty());
}

#[test]
fn a_zoomed_catalog_shows_a_page_of_tools_and_keeps_the_selection_in_view() {
    let mut app = app_with(many_tools(60));
    key(&mut app, KeyCode::Char('Z'));
    // 23 rows: the frame and the filter line leave 20 tools.
    assert_eq!(app.pane_height(Pane::Catalog), 20);
    for _ in 0..30 {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('Z'));
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
        let text: Vec<String> =
            crate::tui::overlays::help::lines(&app.theme, &app.keymap, width, "")
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

/// A workspace as a new user meets it: the sample's tools, an agent's proposal, a waiting
/// call, failures of every severity, a run, and a status message longer than the bar.
fn first_day_app() -> App {
    let mut entries = sample();
    let mut proposed = tool(
        Tier::Experimental,
        "todo_lister",
        "0.1.0",
        CostTier::Low,
        "List the TODO comments of a project",
    );
    proposed.path = "/ws/experimental/todo_lister".into();
    entries.push(proposed);
    let mut app = app_with(entries);
    let severe =
        |id: i64, tool: &str, severity: crate::model::Severity, error: &str| FailureRecord {
            severity,
            ..failure(id, tool, error)
        };
    app.update(AppEvent::HistoryLoaded {
        failures: vec![
            severe(
                3,
                "json_format",
                crate::model::Severity::Medium,
                "exit 1: field \"json\" is not valid JSON",
            ),
            severe(
                2,
                "slugify",
                crate::model::Severity::Critical,
                "exit 1: boom",
            ),
            severe(
                1,
                "word_count",
                crate::model::Severity::Low,
                "timeout after 30 s",
            ),
        ],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::from([(
            "experimental/todo_lister".to_string(),
            "claude-code".to_string(),
        )]),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    app.update(AppEvent::CallsPolled {
        calls: vec![crate::model::calls::CallRow::fixture(7)],
        rules: Vec::new(),
    });
    streaming(&mut app, 12);
    app.notify(
        "8 active tools accepted as they were found: they run as they are now; \
         a change to any of them waits for a person"
            .into(),
        Level::Info,
    );
    app
}

/// Words on `screen` cut with `…` whose whole is one of `words`.
fn cut_words<'a>(screen: &str, words: &[&'a str]) -> Vec<(&'a str, String)> {
    let mut cut = Vec::new();
    for piece in screen.split(|c: char| c.is_whitespace() || "│╭╮╰╯─".contains(c)) {
        // Two letters and a `…` could be any word's start: three tell.
        let Some(stem) = piece.strip_suffix('…').filter(|s| s.chars().count() >= 3) else {
            continue;
        };
        for word in words {
            if word.starts_with(stem) && *word != stem {
                cut.push((*word, piece.to_string()));
            }
        }
    }
    cut
}

/// At 80×24 and 160×45 every pane and the status bar show each name, version, severity,
/// badge, client and key hint whole (each fits its pane), cut only free text at the end of
/// a row, and show the whole status message, wrapped under the bar rather than cut into the
/// key hints.
#[test]
fn no_word_is_cut_that_fits_at_80x24_and_160x45() {
    let words = [
        "csv_to_json",
        "word_count",
        "slugify",
        "drop_tables",
        "url_extract",
        "old_csv_parser",
        "todo_lister",
        "json_format",
        "1.2.0",
        "1.3.0",
        "0.1.0",
        "0.9.0",
        "medium",
        "critical",
        "evolves",
        "broken",
        "claude-code",
        "deploy@1.0.0",
        "help",
        "quit",
        "waiting",
        "Review",
        "Failures",
        "Catalog",
        "Output",
    ];
    for (width, height) in [(80, 24), (160, 45)] {
        let mut app = first_day_app();
        app.update(AppEvent::Terminal(Event::Resize(width, height)));
        let screen = render(&app, width, height);
        insta::assert_snapshot!(
            format!("first_day_{width}x{height}"),
            steady(screen.clone())
        );
        let cut = cut_words(&screen, &words);
        assert!(cut.is_empty(), "{width}x{height}: cut {cut:?}\n{screen}");
        for word in words {
            assert!(
                screen.contains(word),
                "{width}x{height}: {word} missing\n{screen}"
            );
        }
        // The status message whole, and never run into the key hints.
        let message = "8 active tools accepted as they were found: they run as they are \
                       now; a change to any of them waits for a person";
        let joined: String = screen
            .lines()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        for word in message.split(' ') {
            assert!(
                joined.split(' ').any(|w| w == word),
                "{width}x{height}: {word:?} of the message\n{joined}"
            );
        }
        assert!(
            screen.lines().any(|l| l.ends_with("  ? help  q quit")),
            "{width}x{height}: the key hints stand apart\n{screen}"
        );
    }
}
