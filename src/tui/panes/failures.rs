//! The Failures pane: the failure history of the workspace, newest first.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::Severity;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::layout::{Pane, column_width};
use crate::tui::ui::{empty_state, fit, pane_block, widest};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let title = if app.failures.is_empty() {
        "Failures".to_string()
    } else {
        format!("Failures ({})", app.failures.len())
    };
    let block = pane_block(app, Pane::Failures, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.failures.is_empty() {
        frame.render_widget(empty_state(app, empty_text(app)), inner);
        return;
    }
    let window = app
        .failures_cursor
        .window(app.failures.len(), inner.height as usize);
    let rows = lines(app, window, inner.width as usize);
    frame.render_widget(Paragraph::new(rows), inner);
}

fn empty_text(app: &App) -> Vec<Line<'static>> {
    vec![
        Line::from(""),
        Line::from("No failures recorded."),
        Line::from("Failed runs land here."),
        Line::from(format!(
            "Press {} in Output to mark one.",
            app.keymap.hint(Action::MarkFailure)
        )),
    ]
}

/// Columns the rows in `window` would fill, up to `cap`: what the pane asks of the layout.
pub fn wanted_width(app: &App, window: Range<usize>, cap: usize) -> usize {
    if app.failures.is_empty() {
        return widest(&empty_text(app));
    }
    widest(&lines(app, window, cap))
}

/// The rows at `window`, `width` columns wide: time, tool, severity, then the error takes
/// the rest (at least 8 columns).
fn lines(app: &App, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let longest = app.failures[window.clone()]
        .iter()
        .map(|f| f.tool.chars().count())
        .max()
        .unwrap_or(0);
    let tool_width = column_width(longest, width, 8, 12 + 1 + 5 + 8);
    window
        .map(|pos| {
            let f = &app.failures[pos];
            let time = crate::tui::ui::short_time(&f.at);
            let severity_style = match f.severity {
                Severity::Low => theme.dim,
                Severity::Medium => theme.warning,
                Severity::High | Severity::Critical => theme.error,
            };
            let head = format!("{time} {} ", fit(&f.tool, tool_width));
            let sev = format!(
                "{:<4} ",
                &f.severity.as_str()[..f.severity.as_str().len().min(4)]
            );
            let rest = width.saturating_sub(head.chars().count() + sev.len());
            let line = Line::from(vec![
                Span::styled(head, theme.text),
                Span::styled(sev, severity_style),
                Span::styled(fit(&f.error, rest), theme.dim),
            ]);
            if pos == app.failures_cursor.selected && app.focus == Pane::Failures {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect()
}
