//! A tool's success rate and quality over time, as a braille line chart for the tool detail.
//!
//! One point per day the tool ran, the last `QUALITY_DAYS` of them: a day is what a reviewer
//! remembers ("since Tuesday's change"), and skipping idle days keeps a rarely used tool's
//! chart from being mostly empty. Success is that day's own rate, so a bad day stands out;
//! quality is the score as it stood at the end of that day, from the store's one rule.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use crate::model::quality::DayQuality;
use crate::tui::theme::Theme;

/// Days with runs the chart shows, newest on the right.
pub const QUALITY_DAYS: usize = 30;

/// Rows the chart takes: its title line, the plot and the x axis. Fewer than `MIN_ROWS` leaves
/// no room for a line worth reading; more than `MAX_ROWS` adds nothing.
pub(crate) const MIN_ROWS: u16 = 7;
pub(crate) const MAX_ROWS: u16 = 14;
/// Narrower than this, the axis labels would crowd out the plot.
pub(crate) const MIN_WIDTH: u16 = 30;

/// The chart of `days` (oldest first) in `area`, into `buf`.
pub(crate) fn render(theme: &Theme, days: &[DayQuality], area: Rect, buf: &mut Buffer) {
    if days.is_empty() || area.width < MIN_WIDTH || area.height < MIN_ROWS {
        return;
    }
    let [title, plot] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let success: Vec<(f64, f64)> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (i as f64, d.day.ok as f64 / d.day.runs.max(1) as f64))
        .collect();
    let quality: Vec<(f64, f64)> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (i as f64, d.quality))
        .collect();
    let label = |text: &str| Span::styled(format!("{text:<13}"), theme.dim);
    Line::from(vec![
        label("over time"),
        Span::styled("━ success rate", theme.ok),
        Span::styled("  ━ quality", theme.title_focused),
        Span::styled(
            match days.len() {
                1 => " · 1 day with runs".to_string(),
                n => format!(" · last {n} days with runs"),
            },
            theme.dim,
        ),
    ])
    .render(title, buf);
    let short = |d: &DayQuality| d.day.day.get(5..).unwrap_or(&d.day.day).to_string();
    // Labels are spread evenly: a middle one only sits on its day when there is a middle day.
    let mut x_labels = vec![short(&days[0])];
    if days.len() > 2 && days.len() % 2 == 1 {
        x_labels.push(short(&days[days.len() / 2]));
    }
    if days.len() > 1 {
        x_labels.push(short(&days[days.len() - 1]));
    }
    let dataset = |name: &'static str, points, style| {
        Dataset::default()
            .name(name)
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(style)
            .data(points)
    };
    Chart::new(vec![
        dataset("success", &success, theme.ok),
        dataset("quality", &quality, theme.title_focused),
    ])
    // The title line names the lines: the built-in legend would cover the plot.
    .legend_position(None)
    .x_axis(
        Axis::default()
            .style(theme.dim)
            // One day still needs a width to place its point.
            .bounds([0.0, (days.len() - 1).max(1) as f64])
            .labels(x_labels),
    )
    .y_axis(
        Axis::default()
            .style(theme.dim)
            .bounds([0.0, 1.0])
            .labels(["0", "0.5", "1"]),
    )
    .render(plot, buf);
}

/// Draws `rows` of the chart as lines `top..top + rows` of a view of `view.height` lines
/// scrolled by `scroll`: the chart scrolls with the text above it, cut where the view ends.
pub(crate) fn render_scrolled(
    theme: &Theme,
    days: &[DayQuality],
    rows: u16,
    (top, scroll): (usize, usize),
    view: Rect,
    buf: &mut Buffer,
) {
    let whole = Rect::new(0, 0, view.width, rows);
    let mut scratch = Buffer::empty(whole);
    render(theme, days, whole, &mut scratch);
    for row in 0..rows {
        let Some(y) = (top + usize::from(row))
            .checked_sub(scroll)
            .filter(|y| *y < usize::from(view.height))
        else {
            continue;
        };
        for x in 0..view.width {
            buf[(view.x + x, view.y + y as u16)] = scratch[(x, row)].clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quality::DayRuns;

    fn day(day: &str, runs: u64, ok: u64, quality: f64) -> DayQuality {
        DayQuality {
            day: DayRuns {
                day: day.into(),
                runs,
                ok,
            },
            quality,
        }
    }

    fn text(buf: &Buffer) -> String {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
                    + "\n"
            })
            .collect()
    }

    #[test]
    fn the_chart_names_its_lines_and_labels_its_days() {
        let theme = Theme::builtin();
        let days = [
            day("2026-11-01", 4, 4, 0.6),
            day("2026-11-03", 2, 1, 0.55),
            day("2026-11-07", 5, 5, 0.7),
        ];
        let area = Rect::new(0, 0, 74, 9);
        let mut buf = Buffer::empty(area);
        render(&theme, &days, area, &mut buf);
        let shown = text(&buf);
        assert!(shown.contains("━ success rate  ━ quality"), "{shown}");
        assert!(shown.contains("last 3 days with runs"), "{shown}");
        for label in ["11-01", "11-03", "11-07", "0.5"] {
            assert!(shown.contains(label), "{label} in {shown}");
        }
    }

    #[test]
    fn too_little_room_or_no_days_draw_nothing_and_never_panic() {
        let theme = Theme::builtin();
        let days = [day("2026-11-01", 1, 1, 0.5)];
        for (width, height) in [(0, 0), (1, 1), (MIN_WIDTH - 1, 20), (80, MIN_ROWS - 1)] {
            let area = Rect::new(0, 0, width, height);
            let mut buf = Buffer::empty(area);
            render(&theme, &days, area, &mut buf);
            assert!(text(&buf).trim().is_empty());
        }
        let area = Rect::new(0, 0, 80, 10);
        let mut buf = Buffer::empty(area);
        render(&theme, &[], area, &mut buf);
        assert!(text(&buf).trim().is_empty());
        // A single day is a point, and scrolling past the chart leaves the view untouched.
        render(&theme, &days, area, &mut buf);
        assert!(text(&buf).contains("1 day with runs"));
        let mut view = Buffer::empty(area);
        render_scrolled(&theme, &days, MIN_ROWS, (0, 50), area, &mut view);
        assert!(text(&view).trim().is_empty());
    }
}
