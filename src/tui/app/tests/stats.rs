//! The workspace stats overlay on `S`: runs per day and the tools ranked by quality.

use super::*;
use crate::model::quality::score::quality;
use crate::model::quality::{DayRuns, WorkspaceStats};
use crate::model::quality::{QualityTrend, ToolStats};
use crate::tui::overlays::stats::StatsState;

/// 30 days ending 2026-11-22: a quiet start, two idle days, a bad day and a busy week.
fn days() -> Vec<DayRuns> {
    let now = crate::clock::parse_rfc3339("2026-11-22T12:00:00.000Z").expect("valid");
    crate::clock::last_days(now, 30)
        .into_iter()
        .enumerate()
        .map(|(i, day)| {
            let runs = match i {
                3 | 4 => 0,
                _ if i >= 23 => 40 + (i as u64 % 5) * 9,
                _ => 4 + (i as u64 * 7) % 13,
            };
            let not_ok = match i {
                17 => runs,
                _ if i % 6 == 0 => 1,
                _ => 0,
            };
            DayRuns {
                day,
                runs,
                ok: runs - not_ok,
            }
        })
        .collect()
}

fn trend(name: &str, runs: u64, ok: u64, median_ms: u64, earlier: f64) -> QualityTrend {
    QualityTrend {
        stats: ToolStats {
            name: name.into(),
            runs,
            ok,
            success_rate: if runs == 0 {
                0.0
            } else {
                ok as f64 / runs as f64
            },
            median_ms: (runs > 0).then_some(median_ms),
            quality: quality(runs, ok, (runs > 0).then_some(median_ms), &[]),
            last_status: None,
            last_run_at: None,
        },
        earlier,
    }
}

fn workspace_stats() -> WorkspaceStats {
    WorkspaceStats {
        days: days(),
        ranking: vec![
            trend("word_count", 812, 809, 12, 0.90),
            trend("csv_to_json", 240, 228, 140, 0.97),
            trend("slugify", 35, 35, 8, 0.83),
            trend("url_extract", 0, 0, 0, 0.40),
            trend("drop_tables", 0, 0, 0, 0.40),
        ],
    }
}

fn open_stats(app: &mut App) {
    key(app, KeyCode::Char('S'));
    let asked = app
        .take_effects()
        .into_iter()
        .any(|e| matches!(e, Effect::LoadStats));
    assert!(asked, "the overlay asks for its data through an effect");
}

#[test]
fn capital_s_opens_the_stats_overlay_which_loads_its_data_in_the_background() {
    let mut app = app_with(sample());
    open_stats(&mut app);
    assert!(matches!(app.overlay, Some(Overlay::Stats(_))));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Workspace stats") && screen.contains("loading…"),
        "{screen}"
    );
    app.update(AppEvent::StatsLoaded(Ok(Box::new(workspace_stats()))));
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("loading…"), "{screen}");
    // S again, esc and q close it; q does not quit from the overlay.
    key(&mut app, KeyCode::Char('S'));
    assert!(app.overlay.is_none());
    open_stats(&mut app);
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    open_stats(&mut app);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.overlay.is_none() && !app.should_quit);
}

#[test]
fn data_arriving_after_the_overlay_closed_is_dropped_and_an_error_is_shown() {
    let mut app = app_with(sample());
    app.update(AppEvent::StatsLoaded(Ok(Box::new(workspace_stats()))));
    assert!(app.overlay.is_none());
    open_stats(&mut app);
    app.update(AppEvent::StatsLoaded(Err(
        crate::model::StoreError::Sqlite {
            path: "state.db".into(),
            reason: "database is locked".into(),
        },
    )));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("could not read the statistics: state.db: database is locked"),
        "{screen}"
    );
}

#[test]
fn stats_overlay_charts_runs_per_day_and_ranks_tools_with_their_trend_at_80x24() {
    let mut app = app_with(sample());
    open_stats(&mut app);
    app.update(AppEvent::StatsLoaded(Ok(Box::new(workspace_stats()))));
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("10-24"),
        "the oldest day is labelled: {screen}"
    );
    assert!(screen.contains("word_count"), "{screen}");
    assert!(
        screen.contains("↑ +0.0") && screen.contains("↓ -0.0"),
        "{screen}"
    );
}

#[test]
fn stats_overlay_charts_runs_per_day_and_ranks_tools_with_their_trend_at_160x48() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(160, 48)));
    open_stats(&mut app);
    app.update(AppEvent::StatsLoaded(Ok(Box::new(workspace_stats()))));
    let screen = render(&app, 160, 48);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("busiest 11-22 with 76"), "{screen}");
}

#[test]
fn j_and_k_scroll_a_long_ranking_and_stop_at_its_ends() {
    let mut app = app_with(sample());
    open_stats(&mut app);
    let ranking: Vec<QualityTrend> = (0..40)
        .map(|i| trend(&format!("tool_{i:02}"), 100 - i, 100 - i, 10, 0.5))
        .collect();
    app.update(AppEvent::StatsLoaded(Ok(Box::new(WorkspaceStats {
        days: days(),
        ranking,
    }))));
    let scroll = |app: &App| match &app.overlay {
        Some(Overlay::Stats(stats)) => stats.scroll,
        _ => panic!("stats overlay open"),
    };
    let rows = crate::tui::overlays::stats::ranking_rows(app.size);
    assert!(rows > 0 && rows < 40, "{rows}");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(scroll(&app), 1);
    assert!(!render(&app, 80, 24).contains("tool_00"));
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(scroll(&app), 40 - rows);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("tool_39"), "{screen}");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(scroll(&app), 40 - rows);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(scroll(&app), 39 - rows);
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(scroll(&app), 0);
}

#[test]
fn an_empty_workspace_says_it_has_no_tools_to_rank() {
    let mut app = app_with(vec![]);
    open_stats(&mut app);
    app.update(AppEvent::StatsLoaded(Ok(Box::new(WorkspaceStats {
        days: days()
            .into_iter()
            .map(|d| DayRuns {
                runs: 0,
                ok: 0,
                ..d
            })
            .collect(),
        ranking: vec![],
    }))));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("last 30 days (UTC): 0 runs"), "{screen}");
    assert!(screen.contains("No active tools yet"), "{screen}");
}

#[test]
fn stats_state_never_scrolls_while_loading() {
    let mut state = StatsState::loading();
    state.on_action(crate::tui::action::Action::Last, 10);
    assert_eq!(state.scroll, 0);
}
