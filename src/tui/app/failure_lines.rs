//! What the Failures pane shows, measured as the layout needs it and drawn by
//! `panes::failures`.

use std::ops::Range;

use ratatui::text::{Line, Span};

use super::App;
use crate::model::Severity;
use crate::tui::action::Action;
use crate::tui::layout::{Pane, column_width};
use crate::tui::panes::ListRows;
use crate::tui::text_fit::{fit, wanted, widest};

/// The Failures pane's rows, as the app holds them.
pub(crate) struct FailureRows<'a>(pub(crate) &'a App);

impl ListRows for FailureRows<'_> {
    fn count(&self) -> usize {
        self.0.failures.len()
    }

    fn window(&self, height: usize) -> Range<usize> {
        self.0.failures_cursor.window(self.0.failures.len(), height)
    }

    fn empty_text(&self) -> Vec<Line<'static>> {
        empty_text(self.0)
    }

    fn lines(&self, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
        lines(self.0, window, width)
    }
}

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
/// An error is long free text: it asks for `FREE_TEXT` columns, not all of itself, so the
/// Catalog keeps its room on a wide screen.
pub(crate) fn wanted_width(app: &App, window: Range<usize>, cap: usize) -> usize {
    if app.failures.is_empty() {
        return widest(&empty_text(app));
    }
    wanted(&lines(app, window, cap), FREE_TEXT)
}

/// Columns of an error a row asks for when measured.
const FREE_TEXT: usize = 24;
/// The time column is shown while the error keeps at least this much beside it.
const ERROR_ROOM: usize = 16;
/// What the error keeps beside a long tool name.
const MIN_ERROR: usize = 8;

/// The rows at `window`, `width` columns wide: the tool and the severity whole first, the time
/// when there is room for it, then the error takes the rest.
pub(crate) fn lines(app: &App, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let shown = &app.failures[window.clone()];
    let longest = shown
        .iter()
        .map(|f| f.tool.chars().count())
        .max()
        .unwrap_or(0);
    let severity_width = shown
        .iter()
        .map(|f| f.severity.as_str().len())
        .max()
        .unwrap_or(0);
    // What the errors in view need of their room, when less.
    let error_room = shown
        .iter()
        .map(|f| f.error.chars().count())
        .max()
        .unwrap_or(0)
        .min(ERROR_ROOM);
    // The tool's name gets the room first: whole while the error keeps a few columns.
    let tool_width = column_width(longest, width, 8, severity_width + 2 + MIN_ERROR);
    // `11-21 10:05 `: only while the error keeps its room.
    let time = width >= TIME_WIDTH + tool_width + severity_width + 2 + error_room;
    window
        .map(|pos| {
            let f = &app.failures[pos];
            let severity_style = match f.severity {
                Severity::Low => theme.dim,
                Severity::Medium => theme.warning,
                Severity::High | Severity::Critical => theme.error,
            };
            let mut head = String::new();
            if time {
                head.push_str(&crate::tui::text_fit::short_time(&f.at));
                head.push(' ');
            }
            head.push_str(&fit(&f.tool, tool_width));
            head.push(' ');
            let sev = format!("{:<severity_width$} ", f.severity.as_str());
            let rest = width.saturating_sub(head.chars().count() + sev.chars().count());
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

/// `11-21 10:05 `.
const TIME_WIDTH: usize = 12;
