//! UI tests: real key events through `App::update`, screens rendered with `TestBackend`.

use crate::model::scan_event::Remark;
use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyModifiers, MouseEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::command::{Applied, Command};
use crate::model::decisions::DecisionKind;
use crate::model::review_command::ReviewCommand;
use crate::model::run_output::Stream;
use crate::model::{
    Category, CostTier, FailureRecord, InputMode, Manifest, Provenance, RunOrigin, RunRecord,
    RunSpec,
};
use crate::tui::ui;

fn manifest(name: &str, version: &str, description: &str, parent: Option<&str>) -> Manifest {
    Manifest {
        name: name.into(),
        version: version
            .parse()
            .unwrap_or_else(|_| semver::Version::new(0, 0, 0)),
        description: description.into(),
        category: Category::Data,
        cost_tier: CostTier::Low,
        idempotent: true,
        keywords: Default::default(),
        capabilities: Default::default(),
        use_cases: vec![],
        run: RunSpec {
            command: vec!["python3".into(), "main.py".into()],
            input: InputMode::StdinJson,
            timeout_secs: 30,
            memory_mb: 256,
            env: Default::default(),
        },
        input_schema: None,
        output_schema: None,
        provenance: Provenance {
            parent: parent.map(|p| p.parse().expect("valid parent")),
            ..Provenance::default()
        },
        service: None,
        mcp: Default::default(),
        permissions: Default::default(),
        inferred: false,
        dependencies: Default::default(),
    }
}

fn tool(tier: Tier, name: &str, version: &str, cost: CostTier, description: &str) -> ToolEntry {
    ToolEntry {
        tier,
        path: format!("/ws/{tier}/{name}-{version}").into(),
        name: name.into(),
        version: version.into(),
        description: description.into(),
        category: Some(Category::Data),
        cost_tier: Some(cost),
        keywords: Default::default(),
        capabilities: Default::default(),
        inferred: false,
        content_hash: "0123abcd".into(),
        error: None,
        oversized: false,
        fingerprint: String::new(),
        warnings: vec![],
        manifest: Some(Arc::new(Manifest {
            cost_tier: cost,
            ..manifest(name, version, description, None)
        })),
        writable_by_others: None,
        has_lock: false,
        drift: None,
        signature: None,
    }
}

fn sample() -> Vec<ToolEntry> {
    let mut evolved = tool(
        Tier::Experimental,
        "csv_to_json",
        "1.3.0",
        CostTier::Low,
        "Convert CSV text into JSON rows",
    );
    evolved.manifest = Some(Arc::new(manifest(
        "csv_to_json",
        "1.3.0",
        "Convert CSV text into JSON rows",
        Some("csv_to_json@1.2.0"),
    )));
    let mut broken = tool(Tier::Experimental, "url_extract", "?", CostTier::Low, "");
    broken.cost_tier = None;
    broken.manifest = None;
    broken.error = Some(
        "experimental/url_extract/tool.toml:7: field `cost_tier`: unknown value \"extreme\"".into(),
    );
    vec![
        tool(
            Tier::Core,
            "word_count",
            "1.0.0",
            CostTier::Low,
            "Count words, lines and characters",
        ),
        tool(
            Tier::Approved,
            "csv_to_json",
            "1.2.0",
            CostTier::Low,
            "Convert CSV text into JSON rows",
        ),
        tool(
            Tier::Approved,
            "slugify",
            "1.0.0",
            CostTier::Medium,
            "Turn a title into a URL slug",
        ),
        evolved,
        broken,
        tool(
            Tier::Experimental,
            "drop_tables",
            "0.1.0",
            CostTier::Prohibited,
            "Drop database tables",
        ),
        tool(
            Tier::Archived,
            "old_csv_parser",
            "0.9.0",
            CostTier::High,
            "Naive CSV parser",
        ),
    ]
}

fn app_with(entries: Vec<ToolEntry>) -> App {
    let mut app = App::new(
        "tools/".into(),
        entries,
        SortOrder::Name,
        Keymap::defaults(),
        Theme::builtin(),
    );
    app.update(AppEvent::Terminal(Event::Resize(80, 24)));
    app
}

fn key(app: &mut App, code: KeyCode) {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() || c == '?' => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        code, modifiers,
    ))));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The screen as text, trailing spaces trimmed: what the UI tests (and snapshots) read.
pub(super) fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, app)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn main_screen_shows_catalog_review_failures_output_and_status() {
    let app = app_with(sample());
    insta::assert_snapshot!(render(&app, 80, 24));
}

/// The hints of an empty Catalog (no tools, a filter matching nothing) and an empty Review
/// fit their panes at the smallest screen, 80 columns, however the columns are shared: no
/// line wraps into a word left alone.
#[test]
fn empty_hints_fit_their_panes_at_the_smallest_screen() {
    let right = usize::from(crate::tui::layout::right_share(80));
    let (catalog_room, review_room) = (80 - right - 2, right - 2);
    let widest = |lines: Vec<Line<'static>>| lines.iter().map(Line::width).max().unwrap_or(0);
    let mut app = app_with(vec![]);
    app.update(AppEvent::ScanFinished {
        entries: vec![].into(),
        elapsed: Duration::from_millis(3),
    });
    assert!(
        widest(crate::tui::panes::catalog::empty_text(
            &crate::tui::ui::catalog_view(&app)
        )) <= catalog_room
    );
    assert!(widest(crate::tui::app::review_lines::empty_text(&app)) <= review_room);
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzz");
    assert!(
        widest(crate::tui::panes::catalog::empty_text(
            &crate::tui::ui::catalog_view(&app)
        )) <= catalog_room
    );
    assert!(render(&app, 80, 24).contains("No tool matches \"zzz\"."));
}

#[test]
fn empty_workspace_explains_every_pane() {
    let mut app = app_with(vec![]);
    app.update(AppEvent::ScanFinished {
        entries: vec![].into(),
        elapsed: Duration::from_millis(3),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("No tools in this workspace yet."));
    assert!(screen.contains("Review (0)"));
    // At the smallest screen every line of the hints is whole on a row of its own: none is
    // wrapped into a word left alone.
    let hints = crate::tui::panes::catalog::empty_text(&crate::tui::ui::catalog_view(&app))
        .into_iter()
        .chain(crate::tui::app::review_lines::empty_text(&app));
    for hint in hints {
        let hint = hint.to_string();
        assert!(screen.contains(hint.as_str()), "{hint:?} cut:\n{screen}");
    }
}

#[test]
fn a_fresh_workspace_says_it_is_scanning_until_the_scan_reports() {
    let mut app = app_with(vec![]);
    let first = render(&app, 80, 24);
    insta::assert_snapshot!(first);
    assert!(
        first.contains("Reading the workspace (scanning…)"),
        "{first}"
    );
    assert!(!first.contains("No tools in this workspace"), "{first}");
    app.update(AppEvent::ScanProgress { done: 4, total: 9 });
    let running = render(&app, 80, 24);
    assert!(
        running.contains("Reading the workspace (scanning 4/9)"),
        "{running}"
    );
    assert!(running.contains("Nothing to review yet."), "{running}");
    app.update(AppEvent::ScanFinished {
        entries: vec![].into(),
        elapsed: Duration::from_millis(3),
    });
    let done = render(&app, 80, 24);
    assert!(done.contains("No tools in this workspace yet."), "{done}");
    assert!(!done.contains("scanning"), "{done}");
}

#[test]
fn review_title_counts_waiting_tools_and_badges_say_why() {
    let app = app_with(sample());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Review (3)"), "{screen}");
    assert!(screen.contains("evolves 1.2.0"), "{screen}");
    assert!(screen.contains("broken"));
}

#[test]
fn an_agents_proposal_names_its_client_in_the_review_pane() {
    let mut app = app_with(sample());
    let proposers = HashMap::from([(
        "experimental/drop_tables-0.1.0".to_string(),
        "claude-code".to_string(),
    )]);
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![],
        alerts: vec![],
        proposers,
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    let screen = render(&app, 160, 30);
    assert!(screen.contains("new · claude-code"), "{screen}");
    assert!(screen.contains("evolves 1.2.0"), "{screen}");
    // After `R`, the row says changes were requested until the candidate changes.
    let asked = app
        .catalog
        .entries()
        .iter()
        .find(|e| e.name == "drop_tables")
        .map(|e| e.content_hash.clone())
        .expect("drop_tables");
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: [asked].into(),
    });
    let screen = render(&app, 160, 30);
    assert!(screen.contains("changes requested"), "{screen}");

    // Right after `R` the decision itself says which content changes were asked of.
    let evolved = app
        .catalog
        .entries()
        .iter()
        .find(|e| e.name == "csv_to_json" && e.tier == Tier::Experimental)
        .map(|e| e.content_hash.clone())
        .expect("the evolved candidate");
    let record = |action| crate::model::decisions::DecisionRecord {
        id: 1,
        tool: "csv_to_json".into(),
        action,
        who: "ana".into(),
        at: "2026-11-24T12:00:00.000Z".into(),
        reason: Some("quote fields".into()),
        from_version: Some("1.3.0".into()),
        to_version: Some("1.3.0".into()),
        from_tier: Some(Tier::Experimental),
        to_tier: Some(Tier::Experimental),
        from_hash: None,
        to_hash: Some(evolved.clone()),
    };
    app.take_effects();
    app.update(decided_event(crate::model::decided::Outcome::Tool(
        crate::model::decided::Decision {
            action: crate::model::decisions::DecisionAction::RequestChanges,
            tool: "csv_to_json".into(),
            version: "1.3.0".into(),
            from_version: None,
            from_tier: Tier::Experimental,
            to_tier: Tier::Experimental,
            location: "experimental/csv_to_json-1.3.0".into(),
            reason: Some("quote fields".into()),
            superseded: None,
            snapshot: None,
            wrapped: false,
            records: vec![record(
                crate::model::decisions::DecisionAction::RequestChanges,
            )],
            recovered: vec![],
            warnings: vec![],
            commit: None,
            in_place: false,
            signed: None,
            affected: vec![],
        },
    )));
    assert!(app.changes_requested.contains(&evolved));
    assert!(
        !app.take_effects().contains(&Effect::LoadHistory),
        "no reread of the history for a badge"
    );
}

#[test]
fn a_record_the_store_refused_is_shown_in_the_status_bar() {
    let mut app = app_with(sample());
    app.update(AppEvent::StoreRefused(
        "run of word_count not stored: database or disk is full; kept in .toolbench/running/ for the next start".into(),
    ));
    let level = app.message.as_ref().map(|(_, l, _)| *l);
    assert_eq!(level, Some(Level::Error));
    let screen = render(&app, 120, 30);
    assert!(screen.contains("run of word_count not stored"), "{screen}");
}

#[test]
fn a_long_workspace_path_gives_way_to_a_message_in_the_status_bar() {
    let mut app = app_with(sample());
    let root = "/var/tmp/a-folder-with-a-long-name/and-one-more-inside-it/the-workspace";
    app.root_label = root.into();
    let status = |app: &App| {
        render(app, 120, 30)
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    };
    assert!(status(&app).contains(root), "{}", status(&app));

    let why = "type word_count to confirm this high cost run";
    app.notify(why.into(), Level::Error);
    let bar = status(&app);
    assert!(bar.contains(why), "{bar}");
    assert!(bar.contains("…") && bar.contains("/the-workspace"), "{bar}");
}

#[test]
fn the_review_queue_is_in_arrival_order_with_unseen_candidates_last() {
    let mut app = app_with(sample());
    let path_of = |name: &str| {
        app.catalog
            .entries()
            .iter()
            .find(|e| e.name == name && e.tier == Tier::Experimental)
            .map(|e| e.path.clone())
            .expect("candidate")
    };
    let arrivals = HashMap::from([
        (
            path_of("url_extract"),
            "2026-11-20T08:00:00.000Z".to_string(),
        ),
        (
            path_of("csv_to_json"),
            "2026-11-21T08:00:00.000Z".to_string(),
        ),
    ]);
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals,
        changes_requested: Default::default(),
    });
    let queue: Vec<&str> = app
        .review
        .iter()
        .map(|i| app.catalog.entries()[*i].name.as_str())
        .collect();
    assert_eq!(queue, ["url_extract", "csv_to_json", "drop_tables"]);
}

#[test]
fn slash_filters_the_catalog_as_you_type_and_esc_clears() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "csv");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Catalog (3/7)"), "{screen}");
    assert!(screen.contains("/csv▏"), "{screen}");
    assert!(!screen.contains("word_count"));
    key(&mut app, KeyCode::Enter);
    assert!(!app.filter.editing);
    assert_eq!(app.filter.query, "csv");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.len(), 7);
}

#[test]
fn filter_typing_q_does_not_quit() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "q");
    assert!(!app.should_quit);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}

#[test]
fn help_overlay_is_generated_from_the_keymap() {
    let mut app = app_with(sample());
    app.keymap
        .overlay(
            "[catalog]\nfilter = [\"f\"]\n",
            std::path::Path::new("keymap.toml"),
        )
        .expect("valid");
    key(&mut app, KeyCode::Char('?'));
    // Tall enough that the Catalog's keys, after every global one, are on the first page.
    let screen = render(&app, 80, 56);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("f                 Filter the catalog (fuzzy)"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('?'));
    assert!(app.overlay.is_none());
}

fn detail_loaded(app: &mut App) -> ToolEntry {
    let effects = app.take_effects();
    let Some(Effect::LoadDetail { entry, .. }) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::LoadDetail { .. }))
    else {
        panic!("detail load requested");
    };
    *entry
}

fn content_with_source(name: &str, text: &str) -> Box<DetailContent> {
    let theme = Theme::builtin();
    let set = crate::tui::highlight::syntaxes();
    let syntax = crate::tui::highlight::find_syntax(set, name, text, None).expect("a language");
    let lines = crate::tui::highlight::highlight(set, syntax, text, &theme).lines;
    Box::new(DetailContent {
        manifest: vec![],
        sources: vec![crate::tui::detail_content::SourceFile {
            name: name.into(),
            lines,
            note: None,
        }],
        main_source: Some(0),
        files: vec![crate::tui::detail_content::ListedFile {
            name: name.into(),
            size: text.len() as u64,
            not_shown: None,
        }],
        diff: None,
        diff_layout: Default::default(),
        behaviour: 0,
        recent_runs: vec![],
        quality_by_day: vec![],
        environment: None,
    })
}

#[test]
fn the_detail_overview_pictures_the_tools_recent_runs() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    use crate::model::RunStatus;
    let run = |ms: u64, status: RunStatus| RunRecord {
        id: 1,
        tool: entry.name.clone(),
        version: entry.version.clone(),
        tier: entry.tier,
        input: String::new(),
        started_at: "2026-11-22T10:00:00.000Z".into(),
        duration_ms: ms,
        exit_code: None,
        signal: None,
        peak_memory_kb: None,
        bytes_out: 0,
        status,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: String::new(),
        error: None,
    };
    let mut content = content_with_source("main.py", "print(1)\n");
    content.recent_runs = vec![run(120, RunStatus::Failed), run(40, RunStatus::Ok)];
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content,
    });
    let screen = render(&app, 100, 40);
    assert!(screen.contains("durations"), "{screen}");
    assert!(screen.contains("outcomes     ●✗"), "{screen}");
    assert!(screen.contains("last 2 runs · 50% ok"), "{screen}");
}

#[test]
fn d_opens_tool_detail_and_content_arrives_later() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    assert_eq!(entry.name, "csv_to_json");
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("csv_to_json 1.2.0") && screen.contains("python3 main.py"),
        "{screen}"
    );
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert!(render(&app, 80, 24).contains("loading…"));
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", "import sys\nprint(1)\n"),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("   1 import sys"), "{screen}");
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn review_overlay_shows_checks_and_a_finding_jumps_to_its_line() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    assert!(render(&app, 80, 24).contains("Not validated yet"));
    let report: crate::model::validation_report::ValidationReport = serde_json::from_value(serde_json::json!({
        "name": entry.name, "version": entry.version, "tier": "experimental", "path": "experimental/x",
        "verdict": "fail", "content_hash": entry.content_hash, "validated_at": "2026-11-21T10:00:00.000Z",
        "checks": [{"check": "security", "status": "fail", "message": "1 error(s)"}],
        "findings": [
            {"rule": "eval-exec", "file": "main.py", "line": 2, "severity": "warning", "message": "eval runs text", "check": "security"},
            {"rule": "pipe-to-shell", "file": "main.py", "line": 30, "severity": "error", "message": "download piped to sh", "check": "security"}
        ],
        "tests": [{"case": "basic", "status": "pass", "message": "", "duration_ms": 12, "peak_memory_kb": 6000, "exit_code": 0}],
        "similar": [{"name": "old_csv_parser", "score": 0.32, "version": "0.9.0", "tier": "archived"}]
    }))
    .expect("report JSON");
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    let text: String = (1..=40).map(|i| format!("line {i}\n")).collect();
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", &text),
    });
    let screen = render(&app, 100, 30);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("✗ security") && screen.contains("main.py:30 pipe-to-shell"),
        "{screen}"
    );
    assert!(
        screen.contains("basic") && screen.contains("old_csv_parser"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("  29 line 29") && screen.contains("  30 line 30"),
        "{screen}"
    );
    assert!(!screen.contains("   1 line 1\n"), "{screen}");
    // The review badge leads with the verdict.
    key(&mut app, KeyCode::Esc);
    assert!(
        render(&app, 80, 24).contains("✗ csv_to_j"),
        "{}",
        render(&app, 80, 24)
    );
}

/// A failed validation of `entry` arrived for it.
fn validated_as_failing(app: &mut App, entry: &ToolEntry) {
    let report: crate::model::validation_report::ValidationReport = serde_json::from_value(serde_json::json!({
        "name": entry.name, "version": entry.version, "tier": "experimental", "path": "experimental/x",
        "verdict": "fail", "content_hash": entry.content_hash, "validated_at": "2026-11-21T10:00:00.000Z",
        "checks": [
            {"check": "security", "status": "fail", "message": "1 error(s)"},
            {"check": "tests", "status": "fail", "message": "1 of 2 failed"},
            {"check": "lint", "status": "warn", "message": "2 warnings"}
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

fn decided_with(app: &mut App) -> Option<ReviewCommand> {
    commands(app).into_iter().find_map(|c| match c {
        Command::Decide { decision, .. } => Some(decision),
        _ => None,
    })
}

/// The commands the app asked of the library (`Effect::Apply`), in order.
pub(super) fn commands(app: &mut App) -> Vec<Command> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Apply(command) => Some(*command),
            _ => None,
        })
        .collect()
}

/// What the event loop reports once the library took a decision the app asked for.
pub(super) fn decided_event(outcome: crate::model::decided::Outcome) -> AppEvent {
    AppEvent::Applied {
        command: Box::new(Command::Decide {
            tool: ToolId::named("any"),
            decision: ReviewCommand::Promote,
        }),
        result: Ok(Applied::Decided(outcome)),
    }
}

#[test]
fn approving_a_failing_candidate_shows_what_failed_first_and_takes_its_typed_name() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    let entry = app.selected_entry().cloned().expect("a candidate selected");
    validated_as_failing(&mut app, &entry);
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("✗ verdict fail: security, tests failed"),
        "{screen}"
    );
    // Enter alone does not approve it.
    key(&mut app, KeyCode::Enter);
    assert_eq!(decided_with(&mut app), None);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains(&format!("type {} to approve it all the same", entry.name)),
        "{screen}"
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, &entry.name);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        decided_with(&mut app),
        Some(ReviewCommand::Approve {
            reason: None,
            accepted: crate::model::review_command::Accepted {
                failures: true,
                escalation: true
            }
        })
    );
}

#[test]
fn broken_tool_detail_shows_its_error() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('d'));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("url_extract"), "{screen}");
    assert!(screen.contains("unknown value \"extreme\""), "{screen}");
}

#[test]
fn too_small_terminal_says_so() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(60, 20)));
    let screen = render(&app, 60, 20);
    assert!(
        screen.contains("toolbench needs at least 80x24; this one is 60x20."),
        "{screen}"
    );
}

/// Keys and clicks act on what the screen shows: while it says the terminal is too small,
/// nothing shows, and only quitting and resizing act.
#[test]
fn a_too_small_terminal_takes_no_key_but_quit() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(40, 10)));
    // Review, first candidate, approve, confirm: blind, it would approve csv_to_json@1.3.0.
    for code in [
        KeyCode::Char('4'),
        KeyCode::Char('g'),
        KeyCode::Char('a'),
        KeyCode::Enter,
    ] {
        key(&mut app, code);
    }
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 30,
        row: 3,
        modifiers: KeyModifiers::NONE,
    };
    app.update(AppEvent::Terminal(Event::Mouse(click)));
    assert_eq!(app.focus, Pane::Catalog);
    assert!(app.overlay.is_none());
    assert!(commands(&mut app).is_empty(), "nothing was decided");

    app.update(AppEvent::Terminal(Event::Resize(80, 24)));
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('a'));
    assert!(matches!(app.overlay, Some(Overlay::Decision(_))));

    app.update(AppEvent::Terminal(Event::Resize(40, 10)));
    // What a key answers shows there too (the quit key's question with runs going).
    app.notify("press q again to cancel 1 run".into(), Level::Info);
    let screen = render(&app, 40, 10);
    assert!(screen.contains("press q again to cancel 1 run"), "{screen}");
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit, "q quits, as the screen says");
}

/// The too-small screen says only quitting and resizing act: over a view where `q` would
/// close the view (a resource view, the stats, the suggestions), `q` there quits as it does
/// with nothing open, and asks again while a run goes; `ctrl-c` quits from a view at any size.
#[test]
fn q_on_the_too_small_screen_quits_over_a_view_too() {
    type Open = fn(&mut App);
    let open_views: [(&str, Open); 3] = [
        ("runs", |app| {
            key(app, KeyCode::Char(':'));
            type_text(app, "runs");
            key(app, KeyCode::Enter);
        }),
        ("stats", |app| key(app, KeyCode::Char('S'))),
        ("suggestions", |app| key(app, KeyCode::Char('O'))),
    ];
    for (name, open) in open_views {
        let mut app = app_with(sample());
        open(&mut app);
        assert!(app.overlay.is_some(), "{name} open");
        app.update(AppEvent::Terminal(Event::Resize(40, 10)));
        key(&mut app, KeyCode::Char('q'));
        assert!(app.should_quit, "{name}: q quits, as the screen says");

        let mut app = app_with(sample());
        open(&mut app);
        ctrl(&mut app, 'c');
        assert!(app.should_quit, "{name}: ctrl-c quits");
    }
    // With a run going, the first q asks, on the screen it is pressed on; the second quits.
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('S'));
    app.update(AppEvent::Terminal(Event::Resize(40, 10)));
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    assert!(matches!(app.overlay, Some(Overlay::Stats(_))), "not closed");
    assert!(render(&app, 40, 10).contains("q again to cancel 1 run(s)"));
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}

#[test]
fn panes_switch_with_tab_and_numbers() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Output);
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.focus, Pane::Review);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.focus, Pane::Failures);
}

#[test]
fn mouse_click_focuses_pane_and_selects_row() {
    let mut app = app_with(sample());
    let review = app.areas().review;
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.update(AppEvent::Terminal(Event::Mouse(click(
        review.x + 3,
        review.y + 2,
    ))));
    assert_eq!(app.focus, Pane::Review);
    assert_eq!(app.review_cursor.selected, 1);
    assert_eq!(
        app.selected_entry().map(|e| e.name.as_str()),
        Some("drop_tables")
    );
    let scroll = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 2,
        row: 2,
        modifiers: KeyModifiers::NONE,
    };
    app.update(AppEvent::Terminal(Event::Mouse(scroll)));
    assert_eq!(app.focus, Pane::Catalog);
    assert_eq!(app.catalog_cursor.selected, 3);
}

#[test]
fn scan_progress_shows_in_status_bar_and_finish_keeps_selection() {
    let mut app = app_with(sample());
    app.update(AppEvent::ScanProgress {
        done: 40,
        total: 100,
    });
    assert!(render(&app, 80, 24).contains("scanning 40/100"));
    key(&mut app, KeyCode::Char('G'));
    let selected = app.selected_entry().map(|e| e.path.clone());
    let mut entries = sample();
    entries.insert(
        0,
        tool(
            Tier::Core,
            "aaa_first",
            "1.0.0",
            CostTier::Low,
            "sorts first",
        ),
    );
    app.update(AppEvent::ScanFinished {
        entries: entries.into(),
        elapsed: Duration::from_millis(5),
    });
    assert_eq!(app.selected_entry().map(|e| e.path.clone()), selected);
    assert!(!render(&app, 80, 24).contains("scanning"));
}

#[test]
fn sort_key_cycles_between_name_and_tier() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.sort, SortOrder::Tier);
    assert_eq!(app.selected_entry().map(|e| e.tier), Some(Tier::Core));
    assert!(render(&app, 80, 24).contains("Catalog (7) · tier"));
}

#[test]
fn shutdown_signal_quits() {
    let mut app = app_with(sample());
    app.update(AppEvent::Shutdown("SIGTERM"));
    assert!(app.should_quit);
}

/// The status bar's message, or nothing.
fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.0.clone())
        .unwrap_or_default()
}

fn ctrl(app: &mut App, c: char) {
    app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    ))));
}

fn with_input_schema(mut entry: ToolEntry, schema: serde_json::Value) -> ToolEntry {
    let mut m = entry
        .manifest
        .as_deref()
        .cloned()
        .unwrap_or_else(|| manifest("x", "1.0.0", "", None));
    m.input_schema = Some(crate::model::SchemaSource::Inline(schema.to_string()));
    entry.manifest = Some(Arc::new(m));
    entry
}

/// The input of the run the app asked for, and whether it carries the person's confirmation.
fn started_confirmed(app: &mut App) -> Option<(Option<String>, bool)> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::StartRun { input, consent, .. } => Some((input, consent.confirmed)),
        _ => None,
    })
}

fn started_run(app: &mut App) -> Option<(u64, Option<String>)> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::StartRun { key, input, .. } => Some((key, input)),
        _ => None,
    })
}

/// The launch dialog says what the run will be granted and on which project; the status bar
/// names the project.
#[test]
fn the_launch_dialog_shows_the_permissions_and_the_project() {
    let mut entry = tool(
        Tier::Approved,
        "git_changed_files",
        "0.3.0",
        CostTier::Low,
        "Git",
    );
    let mut m = entry
        .manifest
        .as_deref()
        .cloned()
        .expect("fixture manifest");
    m.permissions.project = crate::model::ProjectAccess::Read;
    entry.manifest = Some(Arc::new(m));
    let mut app = app_with(vec![entry]);
    app.project_label = Some("myproject".into());
    assert!(render(&app, 120, 24).contains("│ project myproject"));
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 100, 24);
    // The line may wrap before the project's name.
    assert!(
        screen.contains("project read on") && screen.contains("myproject"),
        "{screen}"
    );
    app.project_label = None;
    let screen = render(&app, 100, 24);
    assert!(
        screen.contains("project read (no") && screen.contains("project!)"),
        "{screen}"
    );
}

#[test]
fn enter_opens_launch_dialog_prefilled_from_the_schema_with_inline_errors() {
    let schema = serde_json::json!({"type": "object", "required": ["csv"], "properties": {"csv": {"type": "string"}}});
    let entry = with_input_schema(
        tool(
            Tier::Approved,
            "csv_to_json",
            "1.2.0",
            CostTier::Low,
            "Convert CSV",
        ),
        schema,
    );
    let mut app = app_with(vec![entry]);
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("\"csv\": \"\""), "{screen}");
    assert!(screen.contains("✓ input matches the schema"), "{screen}");
    // What is typed first fills the first value, inside its quotes.
    for c in "a,b".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    assert!(render(&app, 80, 24).contains("\"csv\": \"a,b\""));
    // Break the JSON: the error shows inline and ctrl-s refuses to start.
    key(&mut app, KeyCode::Char('"'));
    assert!(render(&app, 80, 24).contains("✗ not valid JSON"));
    ctrl(&mut app, 's');
    assert!(started_run(&mut app).is_none());
    key(&mut app, KeyCode::Backspace);
    ctrl(&mut app, 's');
    let (_, input) = started_run(&mut app).expect("run started");
    assert_eq!(
        input.map(|i| i.replace(char::is_whitespace, "")),
        Some("{\"csv\":\"a,b\"}".to_string())
    );
    // The run shows in Output; the focus stays where the dialog was opened.
    assert_eq!(app.focus, Pane::Catalog);
    assert!(app.overlay.is_none());
}

/// The example's first value is selected: typing replaces it (`5`, not `105`), and an arrow
/// key keeps it (the cursor was after it: `1`, `5`, `0`).
#[test]
fn the_launch_dialogs_first_value_is_replaced_by_what_is_typed() {
    let schema = serde_json::json!({"type": "object", "required": ["n"],
        "properties": {"n": {"type": "integer", "default": 10}}});
    let entry = with_input_schema(
        tool(Tier::Approved, "repeat", "1.0.0", CostTier::Low, "Repeat"),
        schema,
    );
    for (before, expected) in [(None, "{\"n\":5}"), (Some(KeyCode::Left), "{\"n\":150}")] {
        let mut app = app_with(vec![entry.clone()]);
        key(&mut app, KeyCode::Enter);
        if let Some(before) = before {
            key(&mut app, before);
        }
        key(&mut app, KeyCode::Char('5'));
        ctrl(&mut app, 's');
        let (_, input) = started_run(&mut app).expect("run started");
        assert_eq!(
            input.map(|i| i.replace(char::is_whitespace, "")),
            Some(expected.to_string())
        );
    }
}

#[test]
fn a_tool_without_input_runs_on_enter_and_one_filter_match_is_acted_on() {
    let no_input = |name: &str, cost: CostTier| {
        let mut entry = tool(Tier::Core, name, "1.0.0", cost, "List changes");
        let mut m = manifest(name, "1.0.0", "List changes", None);
        m.run.input = InputMode::None;
        m.cost_tier = cost;
        entry.manifest = Some(Arc::new(m));
        entry
    };
    let mut app = app_with(vec![
        no_input("git_changed", CostTier::Low),
        no_input("wipe_cache", CostTier::High),
    ]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        started_confirmed(&mut app),
        Some((None, false)),
        "a run nobody confirmed is not sent as confirmed: the library's gate decides"
    );
    assert!(
        app.overlay.is_none(),
        "no dialog for a tool that takes nothing"
    );
    // Its output shows at once, and the focus stays on the Catalog: the next `/` filters
    // it rather than searching the output.
    assert_eq!(app.focus, Pane::Catalog);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("git_changed 1.0.0 running"), "{screen}");

    // A tool that needs a typed confirmation keeps its dialog, reached from the filter.
    type_text(&mut app, "/wipe");
    key(&mut app, KeyCode::Enter);
    assert!(started_run(&mut app).is_none());
    assert!(
        render(&app, 80, 24).contains("wipe_cache"),
        "the dialog of the one match opened"
    );
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
}

/// ctrl-c quits from a dialog too, as everywhere; `q` there is text.
#[test]
fn ctrl_c_quits_from_a_dialog_where_q_is_typed() {
    let writes = crate::model::Permissions {
        project: crate::model::ProjectAccess::Write,
        ..Default::default()
    };
    let mut app = app_with(vec![reaching(Tier::Approved, "loc_report", writes)]);
    type_text(&mut app, "/loc_rep");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit, "q is typed");
    ctrl(&mut app, 'c');
    assert!(app.should_quit, "ctrl-c quits");
}

/// A tool of `tier` that takes no input and declares `permissions`.
fn reaching(tier: Tier, name: &str, permissions: crate::model::Permissions) -> ToolEntry {
    let mut entry = tool(tier, name, "1.0.0", CostTier::Low, "Count lines");
    let mut m = manifest(name, "1.0.0", "Count lines", None);
    m.run.input = InputMode::None;
    m.permissions = permissions;
    entry.manifest = Some(Arc::new(m));
    entry
}

/// The dialog answering an agent's waiting call says who asks, why it waits, what the tool
/// may touch and which content would run, before the arguments.
#[test]
fn the_call_dialog_names_the_client_why_it_waits_the_grants_and_the_content() {
    let writes = crate::model::Permissions {
        project: crate::model::ProjectAccess::Write,
        network: crate::model::Network::Any,
        ..Default::default()
    };
    let deploy = reaching(Tier::Approved, "deploy", writes);
    let mut app = app_with(vec![deploy.clone()]);
    app.update(AppEvent::CallsPolled {
        calls: vec![crate::model::calls::CallRow {
            content_hash: deploy.content_hash.clone(),
            why: "cost tier high needs a confirmation with the default preset".into(),
            ..crate::model::calls::CallRow::fixture(7)
        }],
        rules: Vec::new(),
    });
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 80, 24);
    for line in [
        "from    claude-code",
        "waits   cost tier high needs a confirmation with the default preset",
        "grants  project write · network anywhere",
        "content deploy@1.0.0 · 0123abcd",
        "\"env\": \"staging\"",
    ] {
        assert!(screen.contains(line), "{line}:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    // A call of content the catalog no longer holds says so instead of guessing.
    key(&mut app, KeyCode::Esc);
    app.update(AppEvent::CallsPolled {
        calls: vec![crate::model::calls::CallRow::fixture(8)],
        rules: Vec::new(),
    });
    key(&mut app, KeyCode::Char('r'));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("grants  unknown: that content is no longer in the catalog"),
        "{screen}"
    );
}

/// The rollback and restore dialogs name where the tool goes, as the store tells once read:
/// the version brought back, the tier restored to.
#[test]
fn rollback_and_restore_dialogs_name_the_version_and_the_tier() {
    use crate::model::decisions::Destination;
    let active = tool(Tier::Approved, "csv_to_json", "1.3.0", CostTier::Low, "CSV");
    let archived = tool(Tier::Archived, "old_csv", "0.9.0", CostTier::Low, "old");
    let mut app = app_with(vec![active.clone(), archived.clone()]);
    app.take_effects();
    key(&mut app, KeyCode::Char('u'));
    assert!(
        app.take_effects().contains(&Effect::LoadDestination {
            command: ReviewCommand::Rollback { to: None },
            entry: Box::new(active.clone()),
        }),
        "the dialog asks where the rollback goes"
    );
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("the previous version (reading which…)"),
        "{screen}"
    );
    app.update(AppEvent::DestinationLoaded {
        path: active.path.clone(),
        destination: Ok(Destination::Version {
            version: "1.2.0".into(),
            content_hash: "557ded5baff7e2a7".into(),
        }),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("csv_to_json@1.2.0 (557ded5baff7) becomes active again;"),
        "{screen}"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('U'));
    app.take_effects();
    app.update(AppEvent::DestinationLoaded {
        path: archived.path.clone(),
        destination: Ok(Destination::Tier(Tier::Approved)),
    });
    let screen = render(&app, 80, 24);
    assert!(screen.contains("archived → approved"), "{screen}");
    assert!(!screen.contains("the tier it left"), "{screen}");
}

/// `P` pauses background validation and says how many candidates wait; again, it goes on.
#[test]
fn p_pauses_background_validation_and_says_what_waits() {
    let mut app = app_with(sample());
    app.take_effects();
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(app.take_effects(), [Effect::PauseValidation(true)]);
    let screen = render(&app, 120, 24);
    // The sample's three candidates have no report yet.
    assert!(
        screen.contains("validation paused (3 waiting, P)"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(app.take_effects(), [Effect::PauseValidation(false)]);
    assert!(!render(&app, 120, 24).contains("validation paused"));
}

fn started_consent(app: &mut App) -> Option<crate::command::Consent> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::StartRun { consent, .. } => Some(consent),
        _ => None,
    })
}

#[test]
fn filter_and_enter_on_a_tool_that_writes_opens_its_dialog_naming_what_it_touches() {
    let writes = crate::model::Permissions {
        project: crate::model::ProjectAccess::Write,
        ..Default::default()
    };
    let mut app = app_with(vec![
        reaching(Tier::Approved, "loc_report", writes),
        reaching(Tier::Approved, "word_count", Default::default()),
    ]);
    app.project_label = Some("myproject".into());
    type_text(&mut app, "/loc_rep");
    key(&mut app, KeyCode::Enter);
    assert!(
        started_run(&mut app).is_none(),
        "nothing runs on the filter's Enter"
    );
    assert!(matches!(app.overlay, Some(Overlay::Launch(_))));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("touches: project write on myproject"),
        "{screen}"
    );
    // One more Enter runs it, with nothing granted beyond what it declares (an active tool).
    key(&mut app, KeyCode::Enter);
    assert_eq!(started_consent(&mut app), Some(Default::default()));

    // A tool that reaches nothing beyond its scratch still runs at once.
    key(&mut app, KeyCode::Char('1'));
    type_text(&mut app, "/");
    ctrl(&mut app, 'u');
    type_text(&mut app, "word_c");
    key(&mut app, KeyCode::Enter);
    assert!(started_consent(&mut app).is_some());
    assert!(app.overlay.is_none());
}

#[test]
fn an_unreviewed_candidate_runs_without_its_grants_unless_they_are_granted_by_name() {
    let reaches = crate::model::Permissions {
        project: crate::model::ProjectAccess::Write,
        network: crate::model::Network::Any,
        ..Default::default()
    };
    let mut app = app_with(vec![reaching(Tier::Experimental, "loc_report", reaches)]);
    app.project_label = Some("myproject".into());
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("unreviewed: runs without project write") && screen.contains("grants it"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    // Enter runs it with nothing granted, and its output says it is unreviewed.
    key(&mut app, KeyCode::Enter);
    let consent = started_consent(&mut app).expect("ran");
    assert!(!consent.grant && !consent.confirmed, "{consent:?}");
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("loc_report 1.0.0 unreviewed · running"),
        "{screen}"
    );

    // Granting asks for its name first.
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'g');
    let screen = render(&app, 80, 24);
    assert!(screen.contains("granted for this run"), "{screen}");
    ctrl(&mut app, 's');
    assert!(
        started_consent(&mut app).is_none(),
        "not confirmed by name yet"
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "loc_report");
    ctrl(&mut app, 's');
    assert_eq!(
        started_consent(&mut app),
        Some(crate::command::Consent {
            confirmed: false,
            grant: true
        })
    );
}

#[test]
fn high_cost_needs_the_tool_name_typed_and_prohibited_never_opens() {
    let mut app = app_with(vec![tool(
        Tier::Approved,
        "bulk_rename",
        "0.2.0",
        CostTier::High,
        "Rename files",
    )]);
    key(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("type bulk_rename to confirm"));
    ctrl(&mut app, 's');
    assert!(started_run(&mut app).is_none(), "not confirmed yet");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "bulk_rename");
    ctrl(&mut app, 's');
    assert_eq!(started_confirmed(&mut app).map(|(_, c)| c), Some(true));

    let mut app = app_with(vec![tool(
        Tier::Approved,
        "drop_tables",
        "0.1.0",
        CostTier::Prohibited,
        "Drop",
    )]);
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    let message = app
        .message
        .as_ref()
        .map(|(text, _, _)| text.clone())
        .unwrap_or_default();
    assert_eq!(
        message,
        "drop_tables never runs: cost_tier = \"prohibited\""
    );
}

/// The launch dialog's foot, as drawn at 80×24.
fn launch_foot(app: &App) -> String {
    let screen = render(app, 80, 24);
    screen
        .lines()
        .find(|l| l.contains(" cancel "))
        .and_then(|l| l.split('╰').nth(1))
        .and_then(|l| l.split('─').next())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The launch dialog's foot names the keys it answers, from the keymap in force: Enter runs
/// where the keys are in a one-line field (or in none), Tab is named where there are two
/// fields to move between.
#[test]
fn the_launch_dialogs_foot_names_the_keys_it_answers() {
    let mut app = app_with(sample());
    type_text(&mut app, "/slugify");
    key(&mut app, KeyCode::Enter);
    assert_eq!(launch_foot(&app), "ctrl-s run · esc cancel");

    let mut app = app_with(vec![tool(
        Tier::Approved,
        "bulk_rename",
        "0.2.0",
        CostTier::High,
        "Rename files",
    )]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        launch_foot(&app),
        "ctrl-s run · tab/shift-tab switch field · esc cancel"
    );
    key(&mut app, KeyCode::Tab);
    assert_eq!(
        launch_foot(&app),
        "enter/ctrl-s run · tab/shift-tab switch field · esc cancel"
    );

    let mut app = app_with(vec![costly_without_input()]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(launch_foot(&app), "enter/ctrl-s run · esc cancel");

    // Keys bound elsewhere are named, and answer.
    let mut keymap = Keymap::defaults();
    keymap
        .overlay(
            "[dialog]\nsubmit = [\"ctrl-x\"]\nclose = [\"ctrl-q\"]\n",
            std::path::Path::new("keymap.toml"),
        )
        .expect("keymap");
    let mut app = App::new(
        "tools/".into(),
        sample(),
        SortOrder::Name,
        keymap,
        Theme::builtin(),
    );
    app.update(AppEvent::Terminal(Event::Resize(80, 24)));
    type_text(&mut app, "/slugify");
    key(&mut app, KeyCode::Enter);
    assert_eq!(launch_foot(&app), "ctrl-x run · ctrl-q cancel");
    ctrl(&mut app, 'x');
    assert!(started_run(&mut app).is_some());
}

/// An approved high-cost tool that takes no input: its launch asks for its typed name alone.
fn costly_without_input() -> ToolEntry {
    let mut entry = tool(
        Tier::Approved,
        "tmp_cleaner",
        "0.1.0",
        CostTier::High,
        "List temporary files",
    );
    if let Some(manifest) = entry.manifest.as_mut() {
        Arc::make_mut(manifest).run.input = InputMode::None;
    }
    entry
}

/// A costly tool that takes no input asks for its name alone: what is typed goes there at
/// once, and the field's title and why the name is asked show whole at 80 and 120 columns.
#[test]
fn a_costly_tool_without_input_takes_its_typed_name_at_once() {
    let mut app = app_with(vec![costly_without_input()]);
    key(&mut app, KeyCode::Enter);
    for width in [80, 120] {
        let screen = render(&app, width, 24);
        assert!(
            screen.contains("┌ type tmp_cleaner to confirm ─"),
            "{screen}"
        );
        let text: Vec<&str> = screen
            .lines()
            .filter_map(|l| l.split('│').nth(2))
            .map(str::trim)
            .collect();
        assert!(
            text.join(" ").contains(
                "why its name is asked: cost tier high needs a confirmation with the default preset"
            ),
            "{screen}"
        );
    }
    type_text(&mut app, "tmp_cleaner");
    ctrl(&mut app, 's');
    assert_eq!(started_confirmed(&mut app), Some((None, true)));
}

#[test]
fn output_streams_safely_and_header_shows_the_end() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (key_id, _) = started_run(&mut app).expect("started");
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stdout,
        bytes: b"line one\n\x1b[2Jsecret\x07\n".to_vec(),
        skipped: 0,
    });
    app.update(AppEvent::RunOutput {
        key: key_id,
        stream: Stream::Stderr,
        bytes: b"warn\xff\n".to_vec(),
        skipped: 0,
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("line one")
            && screen.contains("\\u{1b}[2Jsecret\\u{7}")
            && screen.contains("warn\u{fffd}"),
        "{screen}"
    );
    assert!(screen.contains("running"), "{screen}");
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
        bytes_out: 30,
        status: crate::model::RunStatus::Ok,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: "session landlock(v7)".into(),
        error: None,
    };
    app.update(AppEvent::RunFinished {
        key: key_id,
        result: Ok((Box::new(record), "session landlock(v7)".into())),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("csv_to_json 1.2.0 ok · exit 0 · 42 ms · sandbox: session landlock(v7)"),
        "{screen}"
    );
    // Ended is not stored: quitting now would wait for the record.
    assert_eq!(app.runs_in_flight(), 0);
    assert_eq!(app.runs_unrecorded(), 1);
    // Once stored, the run's number is the one the failure detail and `runs` give it.
    app.update(AppEvent::RunRecorded {
        key: key_id,
        run: Box::new(RunRecord {
            id: 42,
            ..crate::store::runs::tests::sample_run("csv_to_json", "2026-11-21T10:00:00.000Z")
        }),
        failure: None,
    });
    assert_eq!(app.runs_unrecorded(), 0);
    assert!(
        render(&app, 100, 24).contains("ok · exit 0 · run #42"),
        "{}",
        render(&app, 100, 24)
    );
}

#[test]
fn c_cancels_the_selected_running_run() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let (key_id, _) = started_run(&mut app).expect("started");
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('c'));
    assert!(app.take_effects().contains(&Effect::CancelRun(key_id)));
}

#[test]
fn f_marks_a_failure_for_the_selected_run_with_the_clis_checks_and_a_tag() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    started_run(&mut app);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('f'));
    assert!(render(&app, 80, 24).contains("Mark a failure of csv_to_json@1.2.0"));
    ctrl(&mut app, 's');
    assert!(render(&app, 80, 24).contains("needs a scenario"));
    type_text(&mut app, "semicolon CSV");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "wrong columns");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "Not JSON");
    ctrl(&mut app, 's');
    let screen = render(&app, 80, 24);
    assert!(screen.contains("not a valid negative tag"), "{screen}");
    for _ in 0.."Not JSON".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "not-for-semicolons");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    ctrl(&mut app, 's');
    let recorded = commands(&mut app).into_iter().next();
    // The library's command, the same the CLI's `mark-failure` builds.
    assert_eq!(
        recorded.expect("failure recorded"),
        crate::command::Command::MarkFailure {
            tool: crate::model::ToolId::known("csv_to_json", "1.2.0"),
            report: crate::model::failure_report::FailureReport {
                scenario: "semicolon CSV".into(),
                error: "wrong columns".into(),
                severity: crate::model::Severity::High,
                tag: Some("not-for-semicolons".into()),
            },
            // Still running: no recorded run to point at yet.
            run: None,
        }
    );
}

#[test]
fn tab_in_the_tag_field_completes_a_tag_already_used() {
    let mut app = app_with(sample());
    let used = |tag: &str| FailureRecord {
        id: 1,
        tool: "slugify".into(),
        version: "1.0.0".into(),
        severity: crate::model::Severity::Low,
        scenario: "s".into(),
        error: "e".into(),
        origin: RunOrigin::Cli,
        at: "2026-11-21T10:05:00.000Z".into(),
        run_id: None,
        tag: Some(tag.into()),
    };
    app.update(AppEvent::HistoryLoaded {
        failures: vec![
            used("not-for-json"),
            used("not-for-csv"),
            used("not-for-json"),
        ],
        stats: vec![],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    started_run(&mut app);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('f'));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("tab completes: not-for-csv, not-for-json"),
        "{screen}"
    );
    type_text(&mut app, "big input");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "wrong rows");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "not-for-j");
    key(&mut app, KeyCode::Tab);
    // Completed in place; the next Tab moves on to the severity.
    key(&mut app, KeyCode::Tab);
    ctrl(&mut app, 's');
    let failure = commands(&mut app)
        .into_iter()
        .next()
        .expect("failure recorded");
    let crate::command::Command::MarkFailure { report, .. } = failure else {
        panic!("a failure report: {failure:?}");
    };
    assert_eq!(report.tag.as_deref(), Some("not-for-json"));
}

#[test]
fn failures_pane_lists_history_and_opens_details() {
    let mut app = app_with(sample());
    let failure = FailureRecord {
        id: 3,
        tool: "slugify".into(),
        version: "1.0.0".into(),
        severity: crate::model::Severity::Critical,
        scenario: "cli run (failed)".into(),
        error: "exit 1: boom".into(),
        origin: RunOrigin::Cli,
        at: "2026-11-21T10:05:00.000Z".into(),
        run_id: Some(9),
        tag: None,
    };
    let stats = crate::model::quality::ToolStats {
        name: "slugify".into(),
        runs: 4,
        ok: 3,
        success_rate: 0.75,
        median_ms: Some(30),
        quality: 0.61,
        last_status: Some(crate::model::RunStatus::Failed),
        last_run_at: None,
    };
    app.update(AppEvent::HistoryLoaded {
        failures: vec![failure],
        stats: vec![stats],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    // At 80 columns the tool, the severity and the error; wider, the time too.
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Failures (1)") && screen.contains("slugify  critical exit 1: boom"),
        "{screen}"
    );
    let wide = render(&app, 160, 45);
    assert!(
        wide.contains("11-21 10:05 slugify  critical exit 1: boom"),
        "{wide}"
    );
    // At 80 columns the Catalog keeps the last run's mark and gives the figure's room to the
    // description; zoomed, the figure is back.
    assert!(
        screen.contains("slugify        1.0.0 ✗ Turn a title"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('Z'));
    let zoomed = render(&app, 80, 24);
    assert!(zoomed.contains("med  0.61✗ Turn a title"), "{zoomed}");
    key(&mut app, KeyCode::Char('Z'));
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Failure #3") && screen.contains("exit 1: boom"),
        "{screen}"
    );
}

/// The decision a key asked for: its kind, the tool, and the text it carries.
fn decided(app: &mut App) -> Option<(DecisionKind, String, String)> {
    commands(app).into_iter().find_map(|c| match c {
        Command::Decide {
            tool,
            decision: command,
        } => {
            let text = match &command {
                ReviewCommand::Approve { reason, .. } | ReviewCommand::Archive { reason } => {
                    reason.clone().unwrap_or_default()
                }
                ReviewCommand::Reject { reason } => reason.clone(),
                ReviewCommand::RequestChanges { feedback } => feedback.clone(),
                ReviewCommand::Evolve { hint, .. } | ReviewCommand::EvolveEdited { hint, .. } => {
                    hint.clone()
                }
                ReviewCommand::Promote
                | ReviewCommand::Restore
                | ReviewCommand::Rollback { .. }
                | ReviewCommand::Resubmit
                | ReviewCommand::Undo { .. } => String::new(),
            };
            Some((command.kind()?, tool.to_string(), text))
        }
        _ => None,
    })
}

/// The approval dialog says what approving archives: the approved tool of the candidate's
/// name, by version, and nothing of the kind when there is none.
#[test]
fn the_approval_dialog_names_the_approved_tool_it_supersedes() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 100, 24);
    assert!(screen.contains("Approve csv_to_json@1.3.0?"), "{screen}");
    assert!(
        screen.contains("csv_to_json@1.2.0, approved now"),
        "{screen}"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 100, 24);
    assert!(screen.contains("Approve drop_tables@0.1.0?"), "{screen}");
    assert!(screen.contains("experimental → approved"), "{screen}");
    assert!(!screen.contains("superseded"), "{screen}");
}

#[test]
fn review_keys_confirm_decisions_with_a_reason() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Approve csv_to_json@1.3.0?"), "{screen}");
    type_text(&mut app, "handles semicolons");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        decided(&mut app),
        Some((
            DecisionKind::Approve,
            "csv_to_json@1.3.0".to_string(),
            "handles semicolons".to_string()
        ))
    );

    // Reject needs a reason: Enter on an empty field asks for it instead.
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Enter);
    assert!(decided(&mut app).is_none());
    assert!(render(&app, 80, 24).contains("reject needs a reason"));
    type_text(&mut app, "duplicate");
    key(&mut app, KeyCode::Enter);
    assert_eq!(decided(&mut app).map(|d| d.0), Some(DecisionKind::Reject));

    // Request changes needs feedback, and says so in words.
    key(&mut app, KeyCode::Char('R'));
    key(&mut app, KeyCode::Enter);
    assert!(decided(&mut app).is_none());
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("request changes needs feedback"),
        "{screen}"
    );

    // Esc cancels without deciding.
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert!(decided(&mut app).is_none());
}

/// A drift from approved content, as the seals mark an active tool whose files changed.
fn modified() -> Option<Box<crate::model::Drift>> {
    Some(Box::new(crate::model::Drift::Modified {
        approved_version: "1.2.0".into(),
        approved_hash: "0123abcd".into(),
    }))
}

#[test]
fn catalog_keys_promote_archive_rollback_and_validate() {
    let mut entries = sample();
    // Resubmitting sends a change to review: the first row, csv_to_json@1.2.0, has one.
    entries[1].drift = modified();
    let mut app = app_with(entries);
    for (code, kind) in [
        ('p', DecisionKind::Promote),
        ('x', DecisionKind::Archive),
        ('u', DecisionKind::Rollback),
        ('b', DecisionKind::Resubmit),
    ] {
        key(&mut app, KeyCode::Char(code));
        key(&mut app, KeyCode::Enter);
        assert_eq!(decided(&mut app).map(|d| d.0), Some(kind));
    }
    key(&mut app, KeyCode::Char('v'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Validate { force: true, .. }))
    );
}

/// A decision the selected tool's tier rules out says so at once, in
/// the words the library refuses it with, and opens no dialog to confirm what will not
/// happen; a refusal read from the store leaves its dialog only to close.
#[test]
fn decisions_that_cannot_apply_are_refused_before_a_dialog() {
    let mut entries = sample();
    let slugify = entries[2].clone();
    let mut changed = tool(Tier::Approved, "fmt", "1.0.0", CostTier::Low, "Format");
    changed.drift = modified();
    entries.push(changed);
    let mut app = app_with(entries);
    app.take_effects();
    let select = |app: &mut App, id: &str| {
        key(app, KeyCode::Char('g'));
        while app.selected_entry().map(ToolEntry::id).as_deref() != Some(id) {
            key(app, KeyCode::Char('j'));
        }
    };
    for (id, code, refusal) in [
        (
            "slugify@1.0.0",
            'U',
            "cannot restore slugify@1.0.0: it is in approved/, not in archived/",
        ),
        (
            "csv_to_json@1.3.0",
            'p',
            "cannot promote csv_to_json@1.3.0: it is in experimental/, not in approved/",
        ),
        (
            "csv_to_json@1.3.0",
            'u',
            "cannot roll back csv_to_json@1.3.0: it is in experimental/, not in core/ or approved/",
        ),
    ] {
        select(&mut app, id);
        key(&mut app, KeyCode::Char(code));
        assert!(app.overlay.is_none(), "{id} {code}: no dialog");
        assert_eq!(message(&app), refusal);
        assert!(app.take_effects().is_empty(), "{id} {code}: nothing read");
    }
    select(&mut app, "fmt@1.0.0");
    key(&mut app, KeyCode::Char('b'));
    assert!(matches!(app.overlay, Some(Overlay::Decision(_))));
    key(&mut app, KeyCode::Esc);

    // The store refuses a rollback with nothing to go back to: the dialog offers only to close.
    select(&mut app, "slugify@1.0.0");
    key(&mut app, KeyCode::Char('u'));
    assert!(render(&app, 80, 24).contains("enter confirm · esc cancel"));
    app.update(AppEvent::DestinationLoaded {
        path: slugify.path.clone(),
        destination: Err("cannot roll back slugify: no earlier version is kept".into()),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("refused: cannot roll back slugify"),
        "{screen}"
    );
    assert!(screen.contains("╰ esc close ─"), "{screen}");
    assert!(!screen.contains("enter confirm"), "{screen}");
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    assert!(
        decided(&mut app).is_none(),
        "a refused decision is not sent"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn decision_results_are_reported_and_read_again_only_what_they_touched() {
    let mut app = app_with(sample());
    app.update(AppEvent::Applied {
        command: Box::new(Command::Decide {
            tool: ToolId::named("url_extract"),
            decision: ReviewCommand::Promote,
        }),
        result: Err(crate::review::ReviewError::Refused {
            action: "approve",
            tool: "url_extract".into(),
            reason: "manifest is broken".into(),
        }
        .into()),
    });
    let message = app.message.as_ref().map(|(t, l, _)| (t.clone(), *l));
    assert_eq!(
        message,
        Some((
            "cannot approve url_extract: manifest is broken".to_string(),
            Level::Error
        ))
    );
    app.update(decided_event(crate::model::decided::Outcome::Request(
        crate::model::decided::AnsweredRequest {
            name: "csv_to_json".into(),
            state: crate::model::requests::RequestState::Approved,
            ids: vec![1],
            clients: vec!["agent".into()],
            who: "ana".into(),
            at: "2026-11-21T10:00:00.000Z".into(),
            reason: None,
        },
    )));
    let effects = app.take_effects();
    assert!(
        effects.contains(&Effect::Reload(Vec::new())),
        "an answered request touches no tool: {effects:?}"
    );
    assert!(!effects.contains(&Effect::Scan), "no scan of every tool");
}

#[test]
fn health_alerts_lead_the_review_pane_and_u_proposes_the_rollback() {
    use crate::model::health::HealthAlert;
    let mut app = app_with(sample());
    let alerts = vec![
        HealthAlert::RollbackProposed {
            name: "slugify".into(),
            version: "1.0.0".into(),
            back_to: "0.9.0".into(),
        },
        HealthAlert::Degraded {
            name: "word_count".into(),
            version: "1.0.0".into(),
            success_rate: 0.2,
            runs: 5,
        },
    ];
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![],
        alerts,
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Review (5)"), "{screen}");
    assert!(
        screen.contains("↩ slugify@1.0.0 failed 3 times in a row"),
        "{screen}"
    );
    assert!(
        screen.contains("⚠ word_count@1.0.0 degraded: 20% of its"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('u'));
    key(&mut app, KeyCode::Enter);
    // A rollback names the tool, not the version on the row: it acts on the active one.
    assert_eq!(
        decided(&mut app).map(|d| (d.0, d.1)),
        Some((DecisionKind::Rollback, "slugify".to_string()))
    );
    // Past the alerts, the queue continues as before.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        app.selected_entry().map(|e| e.id()),
        Some("csv_to_json@1.3.0".to_string())
    );
}

#[test]
fn e_opens_the_evolve_editor_and_edits_become_the_new_candidate() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('e'));
    let loaded = app.take_effects().into_iter().find_map(|e| match e {
        Effect::LoadEvolve(entry) => Some(entry),
        _ => None,
    });
    let entry = loaded.expect("files requested");
    assert!(render(&app, 100, 30).contains("reading the tool's files"));
    app.update(AppEvent::EvolveLoaded {
        path: entry.path.clone(),
        files: vec![
            ("main.py".into(), "print(1)\n".into()),
            ("tool.toml".into(), "name = \"x\"\n".into()),
        ],
    });
    // No hint yet: refused with a reason.
    ctrl(&mut app, 's');
    assert!(render(&app, 100, 30).contains("write a hint"));
    type_text(&mut app, "print two");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "2)");
    let screen = render(&app, 100, 30);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("1 file(s) edited"), "{screen}");
    ctrl(&mut app, 's');
    let edited = commands(&mut app).into_iter().find_map(|c| match c {
        Command::Decide {
            decision: ReviewCommand::EvolveEdited { hint, edits },
            ..
        } => Some((hint, edits)),
        _ => None,
    });
    let (hint, edits) = edited.expect("evolve with edits");
    assert_eq!(hint, "print two");
    assert_eq!(edits.get("main.py").map(String::as_str), Some("print(2)\n"));
    assert_eq!(edits.len(), 1, "unchanged files are not sent");
}

#[test]
fn evolve_without_edits_asks_the_evolver() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('e'));
    let entry = app.take_effects().into_iter().find_map(|e| match e {
        Effect::LoadEvolve(entry) => Some(entry),
        _ => None,
    });
    let entry = entry.expect("files requested");
    app.update(AppEvent::EvolveLoaded {
        path: entry.path.clone(),
        files: vec![("main.py".into(), "x\n".into())],
    });
    type_text(&mut app, "faster");
    ctrl(&mut app, 's');
    let evolve = commands(&mut app).into_iter().find_map(|c| match c {
        Command::Decide {
            decision: ReviewCommand::Evolve { hint, with: None },
            ..
        } => Some(hint),
        _ => None,
    });
    assert_eq!(evolve.as_deref(), Some("faster"));
}
mod again;
mod copy;
mod diff_view;
mod environment;
mod evolve_editor;
mod find_key;
mod first_rows;
mod inputs;
mod layout;
mod log;
mod long_lines;
mod marks;
mod modified_tools;
mod mouse;
mod one_line_fields;
mod pager;
mod pair;
mod paste;
mod permissions;
mod preview;
mod progress;
mod quality_chart;
mod readme_keys;
mod resources;
mod services;
mod stats;
mod told;
mod undo;

#[test]
fn candidates_validated_one_by_one_queue_in_the_order_they_arrived() {
    let names = ["c_tool", "a_tool", "e_tool", "b_tool", "d_tool"];
    let entries: Vec<ToolEntry> = names
        .iter()
        .map(|name| ToolEntry {
            path: format!("/ws/experimental/{name}").into(),
            ..ToolEntry::fixture(Tier::Experimental, name)
        })
        .collect();
    let mut app = app_with(entries);
    let queued = |app: &App| -> Vec<String> {
        app.review
            .iter()
            .map(|i| app.catalog.entries()[*i].name.clone())
            .collect()
    };
    // Not seen yet: in path order.
    assert_eq!(
        queued(&app),
        ["a_tool", "b_tool", "c_tool", "d_tool", "e_tool"]
    );
    for name in ["c_tool", "a_tool", "e_tool"] {
        let report: crate::model::validation_report::ValidationReport =
            serde_json::from_value(serde_json::json!({
                "name": name, "version": "1.0.0", "tier": "experimental",
                "path": format!("experimental/{name}"), "verdict": "pass", "content_hash": "",
                "validated_at": "2026-11-21T10:00:00.000Z", "checks": [], "findings": [],
                "tests": [], "similar": []
            }))
            .expect("report JSON");
        app.update(AppEvent::Validated {
            path: format!("/ws/experimental/{name}").into(),
            report: Box::new(report),
            unstored: Vec::new(),
        });
        // Arrival times a few milliseconds apart, as a burst of answers has them.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let placed = queued(&app);
    assert_eq!(placed, ["c_tool", "a_tool", "e_tool", "b_tool", "d_tool"]);
    // The queue kept sorted as they came is the one a full refresh makes.
    app.refresh_views();
    assert_eq!(queued(&app), placed);
}

#[test]
fn an_evolver_at_work_is_said_in_the_status_bar() {
    let mut app = app_with(sample());
    app.update(AppEvent::EvolveProgress(
        crate::model::decisions::EvolveProgress::EvolverRunning {
            tool: "csv_to_json@1.2.0".into(),
            command: "llm-evolve".into(),
            timeout: std::time::Duration::from_secs(120),
        },
    ));
    let screen = render(&app, 120, 24);
    assert!(
        screen.contains("evolving csv_to_json@1.2.0: evolver running (llm-evolve, up to 120 s)"),
        "{screen}"
    );
}

fn suggestion(id: i64, title: &str) -> crate::model::suggestions::SuggestionRow {
    use crate::model::suggestions::{SuggestionKind, SuggestionRow, SuggestionState};
    SuggestionRow {
        id,
        kind: SuggestionKind::Compose,
        title: title.into(),
        tools: vec!["word_count".into(), "line_sort".into()],
        evidence: serde_json::json!({"count": 4}),
        priority: 4.0,
        why: "cli ran word_count then line_sort 4 times".into(),
        state: SuggestionState::New,
        found_at: "2026-11-24T12:00:00.000Z".into(),
        seen_at: "2026-11-24T12:00:00.000Z".into(),
        decided_by: None,
        decided_at: None,
        reason: None,
        request_id: None,
        accepted_version: None,
    }
}

/// The detectors' answer, as the library's door gives it back.
fn refreshed(rows: Vec<crate::model::suggestions::SuggestionRow>) -> AppEvent {
    AppEvent::Applied {
        command: Box::new(Command::RefreshSuggestions),
        result: Ok(Applied::SuggestionsRefreshed(rows)),
    }
}

fn refresh_suggestions() -> Effect {
    Effect::Apply(Box::new(Command::RefreshSuggestions))
}

#[test]
fn suggestions_open_with_o_and_are_accepted_or_dismissed_with_a_reason() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('O'));
    assert!(app.take_effects().contains(&refresh_suggestions()));
    assert!(render(&app, 80, 24).contains("reading the run history…"));
    app.update(refreshed(vec![
        suggestion(3, "compose word_count → line_sort into one tool"),
        suggestion(5, "a tool for pdf.merge is missing"),
    ]));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("#3    4.0  compose word_count → line_sort"),
        "{screen}"
    );

    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('a'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Apply(Box::new(Command::AcceptSuggestion { id: 5 }))]
    );

    // Dismissing asks why; an empty reason is refused, esc goes back to the list.
    key(&mut app, KeyCode::Char('x'));
    assert!(render(&app, 80, 24).contains("dismiss: reason"));
    key(&mut app, KeyCode::Enter);
    assert!(app.take_effects().is_empty());
    key(&mut app, KeyCode::Esc);
    assert!(!render(&app, 80, 24).contains("dismiss: reason"));
    assert!(
        render(&app, 80, 24).contains("Suggestions"),
        "esc left the reason, not the list"
    );
    key(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "no PDFs here");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Apply(Box::new(Command::DismissSuggestion {
            id: 5,
            reason: "no PDFs here".into()
        }))]
    );
    // The answer is told, and the list read again.
    app.update(AppEvent::Applied {
        command: Box::new(Command::DismissSuggestion {
            id: 5,
            reason: "no PDFs here".into(),
        }),
        result: Ok(Applied::SuggestionAnswered(Box::new(
            crate::command::SuggestionAnswered {
                said: "suggestion #5 dismissed".into(),
                decided: None,
            },
        ))),
    });
    assert_eq!(app.take_effects(), vec![refresh_suggestions()]);
    assert!(render(&app, 120, 24).contains("suggestion #5 dismissed"));
    key(&mut app, KeyCode::Esc);
    assert!(!render(&app, 80, 24).contains("Suggestions"));
}

#[test]
fn new_suggestions_are_counted_in_the_background_one_count_at_a_time() {
    let mut app = app_with(sample());
    app.update(AppEvent::ScanFinished {
        entries: sample().into(),
        elapsed: Duration::from_millis(3),
    });
    let counting = refresh_suggestions();
    assert!(
        app.take_effects().contains(&counting),
        "counted once at start"
    );
    // Runs that end while a count is under way ask for one more after it, not one each.
    for _ in 0..3 {
        app.update(AppEvent::RunRecorded {
            key: 99,
            run: Box::new(crate::store::runs::tests::sample_run(
                "word_count",
                "2026-11-24T12:00:00.000Z",
            )),
            failure: None,
        });
    }
    assert!(!app.take_effects().contains(&counting));
    let mut accepted = suggestion(4, "accepted already");
    accepted.state = crate::model::suggestions::SuggestionState::Accepted;
    app.update(refreshed(vec![
        suggestion(3, "new"),
        accepted,
        suggestion(5, "new too"),
    ]));
    assert_eq!(app.take_effects(), vec![counting.clone()]);
    assert!(render(&app, 100, 24).contains("2 suggested (O)"));
    app.update(refreshed(Vec::new()));
    assert!(app.take_effects().is_empty());
    assert!(!render(&app, 100, 24).contains("suggested"));
}

/// A count the detectors could not take says why on the status line and ends all the same;
/// with the list open, the list says it.
#[test]
fn a_refused_refresh_of_the_suggestions_is_told_where_it_was_asked_for() {
    let mut app = app_with(sample());
    app.update(refreshed(vec![suggestion(3, "new")]));
    let refused = || AppEvent::Applied {
        command: Box::new(Command::RefreshSuggestions),
        result: Err(CommandError::Stopped("the store is locked".into())),
    };
    app.update(refused());
    let screen = render(&app, 120, 24);
    assert!(
        screen.contains("suggestions not read: ") && screen.contains("the store is locked"),
        "{screen}"
    );
    assert!(!screen.contains("suggested (O)"), "{screen}");

    key(&mut app, KeyCode::Char('O'));
    app.update(refused());
    let screen = render(&app, 120, 24);
    assert!(screen.contains("the store is locked"), "{screen}");
    assert!(matches!(app.overlay, Some(Overlay::Suggestions(_))));
}

/// Keys act from the view you are reading: in the review overlay `v` validates, `a` approves
/// and `e` evolves the tool and content it shows, as on its row.
#[test]
fn decision_keys_act_from_the_review_overlay_on_what_it_shows() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let shown = detail_loaded(&mut app);
    app.take_effects();
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Validate {
            tool: ValidationTarget::of(&shown),
            force: true
        }]
    );
    assert!(
        matches!(app.overlay, Some(Overlay::Detail(_))),
        "v keeps the overlay"
    );
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains(&format!("Approve {}?", shown.id())),
        "{screen}"
    );
    // Keys that are not decisions do not leak from the pane into the overlay.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Enter);
    detail_loaded(&mut app);
    key(&mut app, KeyCode::Char('s'));
    assert!(matches!(app.overlay, Some(Overlay::Detail(_))));
    key(&mut app, KeyCode::Char('e'));
    assert!(
        matches!(app.overlay, Some(Overlay::Evolve(_))),
        "e evolves what it shows"
    );
}

/// Every pane's keys are in the help, the Failures pane's included.
#[test]
fn the_help_lists_the_keys_of_every_pane() {
    let app = app_with(sample());
    let help: Vec<String> = crate::tui::overlays::help::lines(&app.theme, &app.keymap, 100, "")
        .iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    for title in ["Catalog", "Output", "Failures", "Review"] {
        assert!(
            help.iter().any(|l| l == title),
            "no {title} section: {help:#?}"
        );
    }
    assert!(
        help.iter()
            .any(|l| l.contains("enter") && l.contains("Show the selected failure")),
        "{help:#?}"
    );
}

/// `a` on a broken tool says why at once, before any reason is typed; a decision that
/// records no text asks for none.
#[test]
fn approving_a_broken_tool_is_refused_at_once_and_promote_asks_no_note() {
    let mut app = app_with(sample());
    app.update(AppEvent::ScanFinished {
        entries: sample().into(),
        elapsed: Duration::from_millis(3),
    });
    // The Review pane lists the candidates; the broken one is the third.
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert!(app.selected_entry().is_some_and(|e| e.error.is_some()));
    key(&mut app, KeyCode::Char('a'));
    assert!(app.overlay.is_none(), "no dialog for a broken tool");
    let screen = render(&app, 120, 24);
    assert!(screen.contains("cannot be approved"), "{screen}");

    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('g'));
    let approved = app
        .view
        .iter()
        .position(|i| app.catalog.entries()[*i].tier == Tier::Approved)
        .expect("an approved sample");
    for _ in 0..approved {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('p'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Promote"), "{screen}");
    assert!(
        !screen.contains("note"),
        "no field for a note nobody keeps: {screen}"
    );
    type_text(&mut app, "typed");
    assert!(!render(&app, 80, 24).contains("typed"));
}

/// Quitting with a run in flight asks first; a second q quits (the event loop then cancels
/// the run and waits for it to be recorded `cancelled`).
#[test]
fn quitting_with_a_run_in_flight_asks_first() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Enter);
    if started_run(&mut app).is_none() {
        // The tool takes input: its launch dialog runs it with ctrl-s.
        ctrl(&mut app, 's');
        assert!(started_run(&mut app).is_some(), "a run started");
    }
    assert_eq!(app.runs_in_flight(), 1);
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    assert!(render(&app, 100, 24).contains("q again to cancel 1 run(s) and quit"));
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}

/// A command the library refused is said in one line, worded by what was asked.
#[test]
fn a_refused_command_is_said_as_what_was_asked() {
    let mut app = app_with(sample());
    let refused = |command| AppEvent::Applied {
        command: Box::new(command),
        result: Err(crate::review::ReviewError::Refused {
            action: "mark a failure of",
            tool: "csv_to_json@1.2.0".into(),
            reason: "no run of it".into(),
        }
        .into()),
    };
    app.update(refused(Command::MarkFailure {
        tool: ToolId::named("csv_to_json"),
        report: crate::model::failure_report::FailureReport {
            scenario: "s".into(),
            error: "e".into(),
            severity: crate::model::Severity::Low,
            tag: None,
        },
        run: None,
    }));
    let said = app.message.as_ref().map(|(t, l, _)| (t.clone(), *l));
    assert_eq!(
        said,
        Some((
            "failure not recorded: cannot mark a failure of csv_to_json@1.2.0: no run of it"
                .to_string(),
            Level::Error
        ))
    );
    assert!(app.failures.iter().all(|f| f.scenario != "s"));
    app.update(refused(Command::RevokeRule { id: 3 }));
    let said = app.message.as_ref().map(|(t, _, _)| t.clone());
    assert_eq!(
        said.as_deref(),
        Some("cannot mark a failure of csv_to_json@1.2.0: no run of it")
    );
}

/// What accepting the workspace asks of the library: every active tool, for real.
fn accept_workspace() -> Effect {
    Effect::Apply(Box::new(Command::Accept {
        only: Vec::new(),
        dry_run: false,
    }))
}

/// A workspace never opened here: the first scan's end asks to accept its active tools, lists
/// them, and accepts only on the typed word; esc leaves them waiting, and `W` asks again.
#[test]
fn a_never_opened_workspace_asks_to_accept_its_active_tools_on_the_typed_word() {
    let mut entries = sample();
    for entry in entries.iter_mut().filter(|e| e.tier.is_active()) {
        entry.drift = Some(Box::new(crate::model::Drift::NotAccepted));
    }
    let mut app = app_with(vec![]);
    app.update(AppEvent::ScanFinished {
        entries: entries.into(),
        elapsed: Duration::from_millis(3),
    });
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("Accept this workspace's 3 active tools?"),
        "{screen}"
    );
    assert!(screen.contains("core/word_count 1.0.0"), "{screen}");
    type_text(&mut app, "acce");
    key(&mut app, KeyCode::Enter);
    assert!(
        render(&app, 80, 24).contains("type accept to accept them"),
        "a word cut short accepts nothing"
    );
    assert!(!app.effects.contains(&accept_workspace()));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none(), "esc leaves them waiting");
    key(&mut app, KeyCode::Char('W'));
    assert!(
        matches!(app.overlay, Some(Overlay::Accept(_))),
        "W asks again"
    );
    type_text(&mut app, "accept");
    key(&mut app, KeyCode::Enter);
    assert!(app.effects.contains(&accept_workspace()));
    assert!(app.overlay.is_none());
}

/// Accepting the active tools (here or in another process) changes what each candidate of
/// their names is compared with: nothing approved before, the accepted content now. When the
/// catalog shows them accepted, those candidates are validated again, whatever is cached,
/// and no other is.
#[test]
fn a_catalog_showing_the_tools_accepted_validates_their_candidates_again() {
    let not_accepted = || {
        let mut entries = sample();
        for entry in entries.iter_mut().filter(|e| e.tier.is_active()) {
            entry.drift = Some(Box::new(crate::model::Drift::NotAccepted));
        }
        entries
    };
    let mut app = app_with(not_accepted());
    let candidate = sample()
        .into_iter()
        .find(|e| e.name == "csv_to_json" && e.tier == Tier::Experimental)
        .expect("the sample's candidate");
    let report: crate::model::validation_report::ValidationReport =
        serde_json::from_value(serde_json::json!({
            "name": candidate.name, "version": candidate.version, "tier": "experimental",
            "path": "experimental/csv_to_json-1.3.0", "verdict": "pass",
            "content_hash": candidate.content_hash, "validated_at": "2026-11-21T10:00:00.000Z",
            "checks": [], "findings": [], "tests": [], "similar": []
        }))
        .expect("report JSON");
    app.update(AppEvent::Validated {
        path: candidate.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    let asked = |app: &mut App| -> Vec<(String, String)> {
        app.take_effects()
            .into_iter()
            .filter_map(|effect| match effect {
                Effect::Validate { tool, .. } if tool.name == "csv_to_json" => {
                    Some((tool.name, tool.version))
                }
                _ => None,
            })
            .collect()
    };
    asked(&mut app);
    app.update(AppEvent::CatalogReplaced(Arc::new(Catalog::new(
        not_accepted(),
    ))));
    assert!(
        asked(&mut app).is_empty(),
        "validated, nothing accepted yet"
    );
    app.update(AppEvent::CatalogReplaced(Arc::new(Catalog::new(sample()))));
    assert_eq!(
        asked(&mut app),
        [("csv_to_json".to_string(), "1.3.0".to_string())]
    );
    app.update(AppEvent::CatalogReplaced(Arc::new(Catalog::new(sample()))));
    assert!(asked(&mut app).is_empty(), "once");
}

/// A decision that changes the active version of a name (the watch reads the folders it
/// touched) asks again for the validation of the candidates of that name, and of no other.
#[test]
fn an_active_version_that_changed_asks_again_for_its_names_candidates() {
    let mut app = app_with(sample());
    for entry in sample().iter().filter(|e| e.tier == Tier::Experimental) {
        let report: crate::model::validation_report::ValidationReport =
            serde_json::from_value(serde_json::json!({
                "name": entry.name, "version": entry.version, "tier": "experimental",
                "path": entry.path, "verdict": "pass", "content_hash": entry.content_hash,
                "validated_at": "2026-11-21T10:00:00.000Z",
                "checks": [], "findings": [], "tests": [], "similar": []
            }))
            .expect("report JSON");
        app.update(AppEvent::Validated {
            path: entry.path.clone(),
            report: Box::new(report),
            unstored: Vec::new(),
        });
    }
    let asked = |app: &mut App| -> Vec<String> {
        app.take_effects()
            .into_iter()
            .filter_map(|effect| match effect {
                Effect::Validate { tool, force: false } => {
                    Some(format!("{}@{}", tool.name, tool.version))
                }
                _ => None,
            })
            .collect()
    };
    asked(&mut app);
    let active = sample()
        .into_iter()
        .find(|e| e.name == "csv_to_json" && e.tier.is_active())
        .expect("the sample's active csv_to_json");
    let candidates: Vec<String> = sample()
        .into_iter()
        .filter(|e| e.tier == Tier::Experimental)
        .map(|e| e.name)
        .collect();
    let other = sample()
        .into_iter()
        .find(|e| e.tier.is_active() && !candidates.contains(&e.name))
        .expect("an active tool with no candidate");
    app.update(AppEvent::Watched {
        updated: vec![other],
        removed: vec![],
    });
    assert!(asked(&mut app).is_empty(), "no candidate of its name");
    app.update(AppEvent::Watched {
        updated: vec![ToolEntry {
            content_hash: "another".into(),
            ..active
        }],
        removed: vec![],
    });
    assert_eq!(asked(&mut app), ["csv_to_json@1.3.0"]);
}

/// Rows a first scan streams come in no order, a few or many at a time; the catalog shown
/// holds them in tier and path order, as a scan's result is, and finds them by search.
#[test]
fn a_first_scans_rows_are_shown_in_tier_and_path_order() {
    let mut app = app_with(vec![]);
    let row = |tier, name: &str| ToolEntry::fixture(tier, name);
    // A few (folded one by one), then many (folded in one pass), each out of order.
    app.update(AppEvent::ScanRows(vec![
        row(Tier::Experimental, "zeta"),
        row(Tier::Core, "omega"),
        row(Tier::Experimental, "alpha"),
    ]));
    app.update(AppEvent::ScanRows(
        (0..40)
            .rev()
            .map(|i| row(Tier::Approved, &format!("tool_{i:02}")))
            .chain([row(Tier::Core, "beta")])
            .collect(),
    ));
    let shown: Vec<(Tier, PathBuf)> = app
        .catalog
        .entries()
        .iter()
        .map(|e| (e.tier, e.path.clone()))
        .collect();
    let mut ordered = shown.clone();
    ordered.sort();
    assert_eq!(shown, ordered);
    assert_eq!(shown.len(), 44);
    let found = app.catalog.search().filter("tool_07", None);
    assert_eq!(
        found
            .first()
            .map(|&i| app.catalog.entries()[i].name.as_str()),
        Some("tool_07")
    );
}

/// A workspace with nothing cached shows the rows its first scan reads before the scan ends,
/// and queues nothing for validation until it does.
#[test]
fn a_first_scan_shows_its_rows_as_they_come() {
    let mut app = app_with(vec![]);
    let mut rows = sample();
    let later = rows.split_off(3);
    app.update(AppEvent::ScanProgress { done: 3, total: 7 });
    app.update(AppEvent::ScanRows(rows));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Catalog (3)"), "{screen}");
    assert!(screen.contains("word_count"), "{screen}");
    assert!(
        !app.effects
            .iter()
            .any(|e| matches!(e, Effect::Validate { .. })),
        "rows are shown, not queued"
    );
    app.update(AppEvent::ScanRows(later));
    assert!(render(&app, 80, 24).contains("Catalog (7)"));
    app.update(AppEvent::ScanFinished {
        entries: sample().into(),
        elapsed: Duration::from_millis(3),
    });
    assert!(
        app.effects
            .iter()
            .any(|e| matches!(e, Effect::Validate { .. }))
    );
}

/// A scan that tells its result as its rows ends with the rows shown as its result: the
/// entries the live catalog takes are the very list shown (one copy, not two), in tier and
/// path order, and what waits for review is queued then.
#[test]
fn a_scan_told_as_its_rows_ends_with_the_rows_shown_as_its_result() {
    let mut app = app_with(vec![]);
    app.scan_workspace();
    app.take_effects();
    let mut rows = sample();
    let last = rows.split_off(3);
    app.update(AppEvent::ScanRows(rows));
    app.update(AppEvent::ScanTold {
        last,
        remark: None,
        elapsed: Duration::from_millis(3),
    });
    let kept = app
        .take_told_result()
        .expect("the result, for the live catalog");
    assert!(
        Arc::ptr_eq(&kept, &app.catalog.shared_entries()),
        "the live catalog keeps the list shown, not a copy"
    );
    assert!(app.take_told_result().is_none(), "taken once");
    let mut expected = sample();
    expected.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
    assert_eq!(app.catalog.entries(), expected.as_slice());
    assert!(matches!(app.scan, ScanState::Done { tools: 7, .. }));
    assert!(
        app.effects
            .iter()
            .any(|e| matches!(e, Effect::Validate { .. }))
    );
    assert!(
        !app.effects.contains(&Effect::Scan),
        "nothing to read again"
    );
}

/// While a scan's rows are shown they may be its result, held nowhere else: a catalog the
/// live one tells meanwhile does not drop them, and what changed it is read by one more scan
/// after; the scan's end marks them again when the seals changed during it; after it, a
/// catalog told is taken again.
#[test]
fn rows_shown_stay_until_the_scan_ends_and_are_marked_as_the_seals_stand_after_it() {
    let mut app = app_with(vec![]);
    app.scan_workspace();
    app.take_effects();
    app.update(AppEvent::ScanRows(sample()));
    app.update(AppEvent::CatalogReplaced(Arc::new(
        Catalog::new(Vec::new()),
    )));
    assert_eq!(app.catalog.len(), 7, "the rows stay");
    assert!(app.catalog.entries().iter().all(|e| e.drift.is_none()));
    // The seals of a workspace not accepted here: every active tool waits for a person.
    app.update(AppEvent::ScanTold {
        last: Vec::new(),
        remark: Some(Remark::new(|entries| {
            crate::seal::SealBook::default().mark(entries)
        })),
        elapsed: Duration::from_millis(3),
    });
    let active = |e: &&ToolEntry| e.tier.is_active() && !e.is_broken();
    assert!(app.catalog.entries().iter().filter(active).count() > 0);
    for entry in app.catalog.entries() {
        let expected = active(&entry).then_some(crate::model::Drift::NotAccepted);
        assert_eq!(entry.drift.as_deref(), expected.as_ref(), "{}", entry.name);
    }
    assert!(
        app.take_effects().contains(&Effect::Scan),
        "what changed the catalog told meanwhile is read again"
    );
    app.update(AppEvent::CatalogReplaced(Arc::new(
        Catalog::new(Vec::new()),
    )));
    assert_eq!(app.catalog.len(), 0, "taken once the scan ended");
}

/// Another process recorded a run or a failure, or the person presses F5: the history (the
/// Failures pane, quality, health) is read again.
#[test]
fn a_history_recorded_elsewhere_and_a_rescan_read_the_history_again() {
    let loads = |app: &mut App| {
        app.take_effects()
            .into_iter()
            .filter(|e| matches!(e, Effect::LoadHistory))
            .count()
    };
    let mut app = app_with(sample());
    loads(&mut app);
    app.update(AppEvent::HistoryChanged);
    assert_eq!(loads(&mut app), 1);
    key(&mut app, KeyCode::F(5));
    assert_eq!(loads(&mut app), 1);
}

/// The quality beside a tool is its name's in use: the active version shows it, a candidate
/// of the same name (which never ran) does not borrow it.
#[test]
fn a_candidate_shows_no_quality_of_the_active_version() {
    let mut app = app_with(sample());
    let stats = crate::model::quality::ToolStats {
        name: "csv_to_json".into(),
        runs: 8,
        ok: 8,
        success_rate: 1.0,
        median_ms: Some(30),
        quality: 0.83,
        last_status: Some(crate::model::RunStatus::Ok),
        last_run_at: None,
    };
    app.update(AppEvent::HistoryLoaded {
        failures: vec![],
        stats: vec![stats],
        alerts: vec![],
        proposers: HashMap::new(),
        arrivals: HashMap::new(),
        changes_requested: Default::default(),
    });
    key(&mut app, KeyCode::Char('Z'));
    let zoomed = render(&app, 120, 30);
    let line = |tier: &str| {
        zoomed
            .lines()
            .find(|l| l.contains(&format!("{tier} csv_to_json")))
            .unwrap_or_else(|| panic!("no {tier} row:\n{zoomed}"))
            .to_string()
    };
    assert!(line("appr").contains("0.83✓"), "{zoomed}");
    assert!(!line("exp ").contains("0.83"), "{zoomed}");
}

/// Esc on the filter shows every tool again with the one found still selected.
#[test]
fn leaving_the_filter_keeps_the_tool_found_selected() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "slugify");
    assert_eq!(
        app.selected_entry().map(|e| e.name.as_str()),
        Some("slugify")
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.view.len() > 1, "every tool again");
    assert_eq!(
        app.selected_entry().map(|e| e.name.as_str()),
        Some("slugify")
    );
}

/// The launch dialog at 80x24 shows a long description and what an unreviewed tool would
/// touch whole (wrapped), and the cost, input and timeout always.
#[test]
fn the_launch_dialog_shows_its_lines_whole_at_80_columns() {
    let reaches = crate::model::Permissions {
        project: crate::model::ProjectAccess::Write,
        network: crate::model::Network::Any,
        ..Default::default()
    };
    let mut entry = reaching(Tier::Experimental, "loc_report", reaches);
    let long = "Count the lines of code of every source file in the project, by language, \
                skipping vendored folders and generated files, and report the totals";
    if let Some(manifest) = entry.manifest.as_mut() {
        Arc::make_mut(manifest).description = long.into();
    }
    let mut app = app_with(vec![entry]);
    app.project_label = Some("a-project-with-a-long-name-here".into());
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    // The dialog's rows, inside its borders, as one text.
    let text: Vec<&str> = screen
        .lines()
        .filter_map(|l| l.split('│').nth(2))
        .map(str::trim)
        .collect();
    let text = text.join(" ");
    assert!(
        text.contains("cost low · input none · timeout 30 s"),
        "{screen}"
    );
    assert!(text.contains("and report the totals"), "{screen}");
    assert!(text.contains("grants it for this run"), "{screen}");
}
