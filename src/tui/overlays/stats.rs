//! The workspace stats overlay (`S`): runs per day over the last days as a bar chart, and the
//! active tools ranked by quality with how it moved over a week.
//!
//! Drawing only reads `WorkspaceStats`, aggregated off the event loop (`Effect::LoadStats`),
//! so a frame costs the same over a hundred recorded runs as over a hundred thousand.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::{bar, block};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart};

use super::centered;
use crate::model::quality::QualityTrend;
use crate::model::quality::{DayRuns, WorkspaceStats};
use crate::tui::action::Action;
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

mod draw;
pub(crate) use draw::draw;

/// Days in the bar chart, ending today.
pub const DAYS_SHOWN: usize = 30;
/// The ranking compares each tool's quality now with its quality this long ago.
pub const TREND_OVER: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// A change in quality smaller than this shows as steady (→).
const STEADY: f64 = 0.005;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatsState {
    /// `None` until the aggregation arrives; `Err` holds why it failed.
    pub(crate) data: Option<Result<Box<WorkspaceStats>, crate::model::StoreError>>,
    /// First ranking row shown.
    pub(crate) scroll: usize,
}

impl StatsState {
    pub(crate) fn loading() -> Self {
        Self {
            data: None,
            scroll: 0,
        }
    }

    /// Scrolls the ranking, kept so its last row stays at the bottom of `room` rows.
    pub(crate) fn on_action(&mut self, action: Action, room: usize) {
        let tools = match &self.data {
            Some(Ok(stats)) => stats.ranking.len(),
            _ => 0,
        };
        let page = room.max(1) as isize;
        let step = match action {
            Action::Down => 1,
            Action::Up => -1,
            Action::PageDown => page,
            Action::PageUp => -page,
            Action::First => isize::MIN / 2,
            Action::Last => isize::MAX / 2,
            _ => return,
        };
        let last = tools.saturating_sub(room) as isize;
        self.scroll = (self.scroll as isize).saturating_add(step).clamp(0, last) as usize;
    }
}

/// Where the parts of the overlay go inside the terminal `area`.
struct Areas {
    frame: Rect,
    summary: Rect,
    bars: Rect,
    axis: Rect,
    legend: Rect,
    header: Rect,
    ranking: Rect,
}

fn areas(area: Rect) -> Areas {
    let frame = centered(
        area,
        area.width.saturating_sub(4).max(40),
        area.height.saturating_sub(2),
    );
    let inner = frame.inner(ratatui::layout::Margin::new(1, 1));
    // Two fifths of what is left after the text rows go to the bars: the ranking keeps room
    // for ten tools at 80x24.
    let bars = (inner.height.saturating_sub(6) * 2 / 5).clamp(3, 12);
    let [summary, bars, axis, legend, _, header, ranking] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(bars),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    Areas {
        frame,
        summary,
        bars,
        axis,
        legend,
        header,
        ranking,
    }
}

/// Ranking rows that fit on a terminal of `size`: what one page of scrolling is.
pub(crate) fn ranking_rows(size: Rect) -> usize {
    usize::from(areas(size).ranking.height)
}

/// How many of `runs` were ok: a rounded percentage, or the counts themselves (`2/3`) while
/// there are too few runs for a percentage to mean anything.
fn ok_share(ok: u64, runs: u64) -> String {
    if runs < 10 {
        format!("{ok}/{runs}")
    } else {
        format!("{}%", (ok * 100 + runs / 2) / runs)
    }
}

/// "Runs per day, last 30 days (UTC): 1234 runs, 93% ok, busiest 11-20 with 512".
fn summary<'a>(theme: &Theme, days: &[DayRuns]) -> Line<'a> {
    let runs: u64 = days.iter().map(|d| d.runs).sum();
    let ok: u64 = days.iter().map(|d| d.ok).sum();
    let plural = if runs == 1 { "" } else { "s" };
    let mut text = format!(
        "Runs per day, last {} days (UTC): {runs} run{plural}",
        days.len()
    );
    if runs > 0 {
        text.push_str(&format!(", {} ok", ok_share(ok, runs)));
    }
    if let Some(busiest) = days.iter().filter(|d| d.runs > 0).max_by_key(|d| d.runs) {
        text.push_str(&format!(
            ", busiest {} with {}",
            short_day(&busiest.day),
            busiest.runs
        ));
    }
    Line::from(Span::styled(text, theme.text))
}

/// One bar per day, oldest on the left, coloured by how many of its runs were not ok; under
/// it the dates of the first day and of every seventh after, where the bars are.
fn draw_days(frame: &mut Frame, theme: &Theme, days: &[DayRuns], parts: &Areas) {
    let per_day = (parts.bars.width as usize / days.len().max(1)).max(1) as u16;
    let (width, gap) = match per_day {
        1 => (1, 0),
        n => ((n - 1).min(4), 1),
    };
    let bars: Vec<Bar> = days
        .iter()
        .map(|d| {
            Bar::default()
                .value(d.runs)
                // The summary line names the busiest day: numbers would not fit thin bars.
                .text_value(String::new())
                .style(outcome_style(theme, d))
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .data(ratatui::widgets::BarGroup::default().bars(&bars))
            .bar_width(width)
            .bar_gap(gap)
            .bar_set(bar::NINE_LEVELS),
        parts.bars,
    );
    let step = usize::from(width + gap);
    let mut axis = String::new();
    for (i, day) in days.iter().enumerate().step_by(7) {
        let x = i * step;
        let label = short_day(&day.day);
        if x < axis.chars().count() || x + label.len() > usize::from(parts.axis.width) {
            continue;
        }
        axis.push_str(&" ".repeat(x - axis.chars().count()));
        axis.push_str(label);
    }
    frame.render_widget(Line::from(Span::styled(axis, theme.dim)), parts.axis);
}

fn outcome_style(theme: &Theme, day: &DayRuns) -> Style {
    let not_ok = day.runs - day.ok.min(day.runs);
    if not_ok == 0 {
        theme.ok
    } else if not_ok * 2 < day.runs {
        theme.warning
    } else {
        theme.error
    }
}

/// `11-20` of `2026-11-20`.
fn short_day(day: &str) -> &str {
    day.get(5..).unwrap_or(day)
}

/// The tool name column: as wide as the longest name, within what the other columns leave.
fn name_width(ranking: &[QualityTrend], width: u16) -> usize {
    // Rank, marker and quality, change, runs and ok with their gaps: see `ranked`.
    const OTHER_COLUMNS: usize = 6 + 2 + 14 + 2 + 7 + 2 + 7 + 2 + 4;
    let longest = ranking
        .iter()
        .map(|t| t.stats.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    longest.min(usize::from(width).saturating_sub(OTHER_COLUMNS).max(8))
}

/// "   1  csv_to_json  ██████▋   0.83  ↑ +0.04     1234   98%".
fn ranked<'a>(theme: &Theme, rank: usize, trend: &QualityTrend, name_width: usize) -> Line<'a> {
    let stats = &trend.stats;
    let change = trend.change();
    let (change, style) = if change >= STEADY {
        (format!("↑ {change:+.2}"), theme.ok)
    } else if change <= -STEADY {
        (format!("↓ {change:+.2}"), theme.error)
    } else {
        ("→ ±0.00".to_string(), theme.dim)
    };
    let ok = if stats.runs == 0 {
        "–".to_string()
    } else {
        ok_share(stats.ok, stats.runs)
    };
    Line::from(vec![
        Span::styled(format!("{rank:>4}  "), theme.dim),
        Span::styled(fit(&stats.name, name_width), theme.text),
        Span::raw("  "),
        Span::styled(quality_bar(stats.quality), theme.title_focused),
        Span::styled(format!("  {:.2}", stats.quality), theme.text),
        Span::styled(format!("  {change}"), style),
        Span::styled(format!("  {:>7}  {ok:>4}", stats.runs), theme.dim),
    ])
}

/// Quality as eight cells filled in eighths: a marker to compare tools at a glance.
fn quality_bar(quality: f64) -> String {
    const CELLS: usize = 8;
    let eighths = (quality.clamp(0.0, 1.0) * (CELLS * 8) as f64).round() as usize;
    let partial = [
        "",
        block::ONE_EIGHTH,
        block::ONE_QUARTER,
        block::THREE_EIGHTHS,
        block::HALF,
        block::FIVE_EIGHTHS,
        block::THREE_QUARTERS,
        block::SEVEN_EIGHTHS,
    ];
    let mut text = block::FULL.repeat(eighths / 8);
    text.push_str(partial[eighths % 8]);
    format!("{text:<CELLS$}")
}

#[cfg(test)]
mod share_tests {
    use super::ok_share;

    #[test]
    fn a_few_runs_are_counted_and_many_rounded_alike_everywhere() {
        assert_eq!(ok_share(2, 3), "2/3");
        assert_eq!(ok_share(0, 1), "0/1");
        assert_eq!(ok_share(20, 30), "67%");
        assert_eq!(ok_share(1, 30), "3%");
        assert_eq!(ok_share(1233, 1234), "100%");
    }
}
