//! What the Failures pane shows, measured as the layout needs it and drawn by
//! `panes::failures`.

use std::ops::Range;

use ratatui::text::{Line, Span};

use super::App;
use crate::model::Severity;
use crate::tui::action::Action;
use crate::tui::layout::{Pane, column_width};
use crate::tui::ui::{fit, widest};

pub(crate) fn empty_text(app: &App) -> Vec<Line<'static>> {
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
pub(crate) fn wanted_width(app: &App, window: Range<usize>, cap: usize) -> usize {
    if app.failures.is_empty() {
        return widest(&empty_text(app));
    }
    widest(&lines(app, window, cap))
}

/// The rows at `window`, `width` columns wide: time, tool, severity, then the error takes
/// the rest (at least 8 columns).
pub(crate) fn lines(app: &App, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
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
