//! Long lines can be read: wrapped or scrolled sideways, searched, and a header that would be
//! cut shown whole on demand.

use super::*;

/// A finished run of the selected tool that printed `text`, with `protections`; the Output
/// pane focused.
fn finished_run(app: &mut App, text: &str, protections: &str) {
    key(app, KeyCode::Enter);
    ctrl(app, 's');
    let (key_id, _) = started_run(app).expect("started");
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stdout,
        bytes: text.as_bytes().to_vec(),
        skipped: 0,
    });
    let record = RunRecord {
        id: 0,
        tool: "csv_to_json".into(),
        version: "1.2.0".into(),
        tier: Tier::Approved,
        input: "{}".into(),
        started_at: "2026-11-21T10:00:00.000Z".into(),
        duration_ms: 42,
        exit_code: Some(0),
        signal: None,
        peak_memory_kb: None,
        bytes_out: text.len() as u64,
        status: crate::model::RunStatus::Ok,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: protections.into(),
        error: None,
    };
    app.update(AppEvent::RunFinished {
        key: key_id,
        result: Ok((Box::new(record), protections.into())),
    });
    key(app, KeyCode::Char('2'));
}

fn long_line() -> String {
    format!("start {} END-OF-LINE", "x".repeat(140))
}

#[test]
fn a_long_output_line_is_read_by_scrolling_right_or_by_wrapping() {
    let mut app = app_with(sample());
    let text = format!("first\n{}\nlast\n", long_line());
    finished_run(&mut app, &text, "session");
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("END-OF-LINE"), "{screen}");
    for _ in 0..20 {
        key(&mut app, KeyCode::Char('>'));
    }
    // It stops once the end of the widest line is in view.
    assert_eq!(app.output_view.offset, 80);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("scrolled_right", screen);
    assert!(
        screen.contains("→80") && screen.contains("END-OF-LINE"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.output_view.offset, 72);
    key(&mut app, KeyCode::Char('0'));
    assert_eq!(app.output_view.offset, 0);
    key(&mut app, KeyCode::Char('w'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("wrapped", screen);
    assert!(
        screen.contains("· wrap") && screen.contains("xx END-OF-LINE") && screen.contains("│start"),
        "{screen}"
    );
}

#[test]
fn wrapped_output_still_follows_the_end() {
    let mut app = app_with(sample());
    let mut text: String = (1..=40).map(|i| format!("row {i}\n")).collect();
    text.push_str(&long_line());
    text.push('\n');
    finished_run(&mut app, &text, "session");
    key(&mut app, KeyCode::Char('w'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("xx END-OF-LINE"), "{screen}");
    assert!(!screen.contains("row 1\n"), "{screen}");
}

#[test]
fn search_in_output_finds_a_match_out_of_view_and_n_moves_to_the_next() {
    let mut app = app_with(sample());
    let text: String = (1..=100)
        .map(|i| match i {
            10 => "a Needle here\n".to_string(),
            60 => format!("{} needle far right\n", "y".repeat(120)),
            _ => format!("row {i}\n"),
        })
        .collect();
    finished_run(&mut app, &text, "session");
    assert!(!render(&app, 80, 24).contains("Needle"));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "NEEDLE");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("/NEEDLE▏"), "{screen}");
    key(&mut app, KeyCode::Enter);
    // From the end in view, around to the first match.
    assert_eq!(app.output_view.search.current, Some((9, 0)));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("a Needle here"), "{screen}");
    assert!(screen.contains("/NEEDLE · n next · N previous"), "{screen}");
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.output_view.search.current, Some((59, 0)));
    // Sideways too: the match is past the pane's edge.
    assert!(app.output_view.offset > 0);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("search_next", screen);
    assert!(screen.contains("needle far right"), "{screen}");
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.output_view.search.current, Some((9, 0)));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzz");
    key(&mut app, KeyCode::Enter);
    assert!(
        render(&app, 100, 24).contains("no match for \"zzz\""),
        "{}",
        render(&app, 100, 24)
    );
    // Esc drops the search, and `n` then says how to start one.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('n'));
    assert!(render(&app, 100, 24).contains("no search: / to search"));
}

#[test]
fn search_and_wrap_in_the_detail_source() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    let source: String = (1..=200)
        .map(|i| match i {
            150 => format!("x = 1  # marker {} tail-of-150\n", "z".repeat(100)),
            _ => format!("print({i})\n"),
        })
        .collect();
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", &source),
    });
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "Marker");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("/Marker▏"), "{screen}");
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains(" 149 print(149)") && screen.contains(" 150 x = 1  # marker"),
        "{screen}"
    );
    assert!(!screen.contains("tail-of-150"), "{screen}");
    key(&mut app, KeyCode::Char('w'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("detail_source_wrapped", screen);
    assert!(
        screen.contains("tail-of-150") && screen.contains("wrap"),
        "{screen}"
    );
    // The line numbers keep their column: continuation rows start under the text.
    assert!(screen.lines().any(|l| l.contains("│     zzz")), "{screen}");
    // Esc drops the search first, then closes.
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_some());
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn the_protection_list_is_counted_when_cut_and_shown_whole_after_i_or_zoomed() {
    let protections = "userns pidns mountns netns landlock(v7 full) seccomp(strict) \
                       · missing: cgroup (not root: cannot delegate the memory controller)";
    let mut app = app_with(sample());
    finished_run(&mut app, "done\n", protections);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("sandbox: 6 layers, 1 missing (i)"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('i'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("protections_whole", screen);
    assert!(
        screen.contains("landlock(v7 full)") && screen.contains("memory controller)"),
        "{screen}"
    );
    assert!(screen.contains("done"), "{screen}");
    key(&mut app, KeyCode::Char('i'));
    assert!(render(&app, 80, 24).contains("6 layers"));
    key(&mut app, KeyCode::Char('Z'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("protections_zoomed", screen);
    assert!(screen.contains("memory controller)"), "{screen}");
}

#[test]
fn the_help_lists_the_new_keys_of_output_and_the_detail() {
    let app = app_with(sample());
    let help: Vec<String> = crate::tui::overlays::help::lines(&app.theme, &app.keymap, 120, "")
        .iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    // Output and the detail list each key, `i` only Output.
    for (keys, text) in [
        ("w", "Wrap long lines"),
        (">", "Scroll long lines right"),
        ("/", "Search the text"),
        ("n", "next match"),
        ("N", "previous match"),
        ("i", "header whole"),
    ] {
        assert!(
            help.iter()
                .filter(|l| l.trim_start().starts_with(&format!("{keys} ")) && l.contains(text))
                .count()
                > usize::from(keys != "i"),
            "{keys}: {help:#?}"
        );
    }
}

#[test]
fn another_run_is_shown_from_its_left_edge_whether_selected_or_launched() {
    let mut app = app_with(sample());
    finished_run(&mut app, "short one\n", "session");
    let wide = format!("{}\n", "w".repeat(700));
    key(&mut app, KeyCode::Char('1'));
    finished_run(&mut app, &wide, "session");
    for _ in 0..100 {
        key(&mut app, KeyCode::Char('>'));
    }
    assert!(app.output_view.offset > 600, "{}", app.output_view.offset);
    assert!(render(&app, 80, 24).contains("→"));
    // Selected: the previous run shows its lines, not blanks past their end.
    key(&mut app, KeyCode::Char('['));
    assert_eq!(app.output_view.offset, 0);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("short one") && !screen.contains("→"),
        "{screen}"
    );
    // Launched: the new run starts at the left edge too.
    key(&mut app, KeyCode::Char(']'));
    key(&mut app, KeyCode::Char('>'));
    assert_eq!(app.output_view.offset, 8);
    key(&mut app, KeyCode::Char('1'));
    finished_run(&mut app, "fresh output\n", "session");
    assert_eq!(app.output_view.offset, 0);
    assert!(render(&app, 80, 24).contains("│fresh output"));
}

/// The words `w000` … `w299` a screen shows.
fn words_on(screen: &str) -> std::collections::BTreeSet<String> {
    screen
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 4 && w.starts_with('w') && w[1..].parse::<u32>().is_ok())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_wrapped_line_taller_than_the_pane_is_read_row_by_row_with_j_k_and_pages() {
    let mut app = app_with(sample());
    let words: Vec<String> = (0..300).map(|i| format!("w{i:03}")).collect();
    finished_run(&mut app, &format!("{}\n", words.join(" ")), "session");
    key(&mut app, KeyCode::Char('w'));
    let screen = render(&app, 80, 24);
    // The end, as it follows the output.
    assert!(
        screen.contains("w299") && !screen.contains("w000"),
        "{screen}"
    );
    // One row up at a time: never an empty view, and every row of the line on the way.
    let mut seen = words_on(&screen);
    for _ in 0..100 {
        key(&mut app, KeyCode::Char('k'));
        let screen = render(&app, 80, 24);
        assert!(!screen.contains("(no output)"), "{screen}");
        seen.extend(words_on(&screen));
    }
    assert_eq!(seen.len(), words.len(), "{seen:?}");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("│w000 w001"), "{screen}");
    // Down again by pages, to the end, which is followed again.
    key(&mut app, KeyCode::PageDown);
    let paged = render(&app, 80, 24);
    assert!(
        !paged.contains("w000") && !paged.contains("w299"),
        "{paged}"
    );
    // A page moves a screen of rows: the row under the last one shown is now at the top.
    let last_before = words_on(&screen).into_iter().max().unwrap_or_default();
    let first_after = words_on(&paged).into_iter().min().unwrap_or_default();
    assert!(first_after > last_before, "{screen}\n{paged}");
    key(&mut app, KeyCode::PageUp);
    assert_eq!(render(&app, 80, 24), screen);
    for _ in 0..100 {
        key(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(app.output_scroll, 0);
    assert!(render(&app, 80, 24).contains("w299"));
    // Unwrapped, k on a short output has nothing to scroll back to.
    key(&mut app, KeyCode::Char('w'));
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.output_scroll, 0);
    assert!(render(&app, 80, 24).contains("│w000"));
}

#[test]
fn a_match_in_a_wrapped_line_taller_than_the_pane_is_scrolled_to_its_row() {
    let mut app = app_with(sample());
    let words: Vec<String> = (0..300).map(|i| format!("w{i:03}")).collect();
    finished_run(&mut app, &format!("{}\n", words.join(" ")), "session");
    key(&mut app, KeyCode::Char('w'));
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "w150");
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("w150"), "{screen}");
}

/// The screen's runs of cells in `style`'s background colour, as text, each with the
/// character after it: what a search marks so, and which match it is.
fn marked(app: &App, width: u16, height: u16, style: ratatui::style::Style) -> Vec<String> {
    let backend = TestBackend::new(width, height);
    let mut terminal = Terminal::new(backend).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut found = Vec::new();
    for y in 0..height {
        let mut run = String::new();
        for x in 0..width {
            let cell = &buffer[(x, y)];
            if style.bg.is_some() && cell.bg == style.bg.unwrap_or_default() {
                run.push_str(cell.symbol());
            } else if !run.is_empty() {
                run.push_str(cell.symbol());
                found.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            found.push(run);
        }
    }
    found
}

#[test]
fn n_steps_through_every_match_of_a_line_and_marks_the_current_one() {
    let mut app = app_with(sample());
    let columns: Vec<String> = (0..40)
        .map(|i| format!("column_{i}={}", "v".repeat(12)))
        .collect();
    let text = format!("head\n{}\ntail\n", columns.join(" "));
    finished_run(&mut app, &text, "session");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "column_2");
    key(&mut app, KeyCode::Enter);
    // column_2, then column_20 … column_29: eleven matches on one line.
    assert_eq!(app.output_view.search.current, Some((1, 0)));
    let current = app.theme.search_current;
    assert_eq!(marked(&app, 80, 24, current), ["column_2="]);
    for k in 1..11 {
        key(&mut app, KeyCode::Char('n'));
        assert_eq!(app.output_view.search.current, Some((1, k)));
        // Sideways to each: the current match is in view, marked apart from the others.
        let shown = marked(&app, 80, 24, current);
        // The digit after it, unless the match ends at the pane's edge.
        let expected = [format!("column_2{}", k - 1), "column_2│".to_string()];
        assert!(
            shown.len() == 1 && expected.contains(&shown[0]),
            "match {k}: {shown:?}"
        );
        let others = marked(&app, 80, 24, app.theme.search_match);
        assert!(
            !others.iter().any(|m| m == &shown[0]),
            "{others:?} {shown:?}"
        );
    }
    // Around the end to the first match again, and back.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.output_view.search.current, Some((1, 0)));
    assert_eq!(marked(&app, 80, 24, current), ["column_2="]);
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.output_view.search.current, Some((1, 10)));
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.output_view.search.current, Some((1, 9)));
    assert_eq!(marked(&app, 80, 24, current), ["column_28"]);
}

#[test]
fn n_steps_through_every_match_of_a_line_in_the_detail_too() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    let columns: Vec<String> = (0..40).map(|i| format!("column_{i}=1")).collect();
    let source = format!("print(0)\nrow = [{}]\n", columns.join(", "));
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", &source),
    });
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "column_2");
    key(&mut app, KeyCode::Enter);
    let current = app.theme.search_current;
    assert_eq!(marked(&app, 80, 24, current), ["column_2="]);
    for k in 1..11 {
        key(&mut app, KeyCode::Char('n'));
        let shown = marked(&app, 80, 24, current);
        assert_eq!(shown, [format!("column_2{}", k - 1)], "match {k}");
    }
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(marked(&app, 80, 24, current), ["column_2="]);
}

/// The overview's values are read whole: one wider than the room beside its label goes on
/// under itself, as a 64-digit hash and a long description do at 80 columns.
#[test]
fn the_detail_overview_wraps_long_values_under_their_labels() {
    let description = "Rename the files of the project whose names match a regular expression, \
                       keeping a journal so every rename can be undone at the very end";
    let hash = "ae8801ec02cfe9503007b15f19c84ea0a051ebb5a583cf8d1e726e11c57c9a1f";
    let mut entry = tool(
        Tier::Experimental,
        "bulk_rename",
        "0.2.0",
        CostTier::High,
        description,
    );
    entry.content_hash = hash.into();
    let mut app = app_with(vec![entry]);
    key(&mut app, KeyCode::Char('d'));
    let screen = render(&app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let at = |needle: &str| {
        rows.iter()
            .position(|row| row.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not shown:\n{screen}"))
    };
    // Its end on a row of its own, under the value's first column.
    let first = at("│description  Rename the files of the project");
    let last = at("│             at the very end");
    assert!(last > first + 1, "{screen}");
    // Every digit of the hash, the rest under its start.
    let hash_row = at("│content hash ae8801ec02cf");
    let continued = rows[hash_row + 1]
        .split('│')
        .nth(2)
        .map(str::trim)
        .unwrap_or_default();
    assert!(
        hash.ends_with(continued) && !continued.is_empty(),
        "{screen}"
    );
}
