//! A tool's success rate and quality over time, charted in the tool detail's overview.

use super::*;
use crate::model::quality::{DayQuality, DayRuns};

/// The quality of `csv_to_json` over eight days it ran: a bad day, then recovery.
fn quality_days() -> Vec<DayQuality> {
    [
        ("2026-11-02", 12, 12, 0.62),
        ("2026-11-03", 20, 19, 0.66),
        ("2026-11-06", 8, 8, 0.68),
        ("2026-11-07", 30, 9, 0.58),
        ("2026-11-08", 25, 20, 0.60),
        ("2026-11-12", 14, 14, 0.64),
        ("2026-11-15", 40, 39, 0.69),
        ("2026-11-20", 22, 22, 0.71),
    ]
    .into_iter()
    .map(|(day, runs, ok, quality)| DayQuality {
        day: DayRuns {
            day: day.into(),
            runs,
            ok,
        },
        quality,
    })
    .collect()
}

fn detail_with_history(app: &mut App) {
    key(app, KeyCode::Char('d'));
    let entry = detail_loaded(app);
    let mut content = content_with_source("main.py", "print(1)\n");
    content.recent_runs = (0..12)
        .map(|i| RunRecord {
            id: i,
            tool: entry.name.clone(),
            version: entry.version.clone(),
            tier: entry.tier,
            input: String::new(),
            started_at: "2026-11-20T10:00:00.000Z".into(),
            duration_ms: 40 + (i as u64 * 37) % 120,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: None,
            bytes_out: 0,
            status: if i == 4 {
                crate::model::RunStatus::Failed
            } else {
                crate::model::RunStatus::Ok
            },
            origin: RunOrigin::Tui,
            client: None,
            project: None,
            log_dir: None,
            sandbox: String::new(),
            error: None,
        })
        .collect();
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content,
    });
    // The chart's data comes last, on its own.
    app.update(AppEvent::QualityByDayLoaded {
        path: entry.path.clone(),
        days: quality_days(),
    });
}

#[test]
fn the_detail_overview_charts_success_and_quality_over_time_at_80x24() {
    let mut app = app_with(sample());
    detail_with_history(&mut app);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("last 8 days with runs"), "{screen}");
    assert!(
        screen.contains("outcomes"),
        "the run strip stays in view: {screen}"
    );
}

#[test]
fn the_detail_overview_charts_success_and_quality_over_time_at_160x48() {
    let mut app = app_with(sample());
    app.update(AppEvent::Terminal(Event::Resize(160, 48)));
    detail_with_history(&mut app);
    let screen = render(&app, 160, 48);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("11-02") && screen.contains("11-20"),
        "{screen}"
    );
}

#[test]
fn the_quality_chart_scrolls_with_the_overview_and_hides_where_there_is_no_room() {
    let mut app = app_with(sample());
    detail_with_history(&mut app);
    for _ in 0..40 {
        key(&mut app, KeyCode::Char('j'));
    }
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("11-02"),
        "scrolled to the end, the axis shows: {screen}"
    );
    // Below the workbench's smallest size nothing is drawn but the notice, and nothing panics.
    for (width, height) in [(79, 24), (20, 5), (1, 1)] {
        render(&app, width, height);
    }
}

#[test]
fn chart_data_for_another_tool_is_not_shown() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", "print(1)\n"),
    });
    app.update(AppEvent::QualityByDayLoaded {
        path: "/ws/core/word_count-1.0.0".into(),
        days: quality_days(),
    });
    assert!(!render(&app, 80, 24).contains("over time"));
}
