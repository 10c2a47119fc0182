//! The `@` overlay's lines: this session's messages with their time, newest last, wrapped
//! under their text's column. Apart from its drawing, so the app can ask where the end is.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::centered;
use crate::tui::message_log::{Level, MessageLog};
use crate::tui::text_fit::wrap;
use crate::tui::theme::Theme;

/// Columns before a message: its time and a mark.
const TIME_WIDTH: usize = 11;

/// The overlay's frame on a screen of `size`: the screen but its status line and a margin.
pub(super) fn frame_of(size: Rect) -> Rect {
    centered(
        size,
        size.width.saturating_sub(4),
        size.height.saturating_sub(2),
    )
}

/// Every line of the log as shown `width` columns wide.
pub(super) fn lines(log: &MessageLog, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(TIME_WIDTH).max(12);
    let mut lines = Vec::new();
    if log.dropped > 0 {
        lines.push(Line::from(Span::styled(
            format!("({} older messages no longer kept)", log.dropped),
            theme.dim,
        )));
    }
    for line in log.lines() {
        let (mark, style) = match line.level {
            Level::Info => ("  ", theme.text),
            Level::Error => ("✗ ", theme.error),
        };
        for (i, part) in wrap(&line.text, room).into_iter().enumerate() {
            let lead = match i {
                0 => Span::styled(format!("{} {mark}", line.at), theme.dim),
                _ => Span::raw(" ".repeat(TIME_WIDTH)),
            };
            lines.push(Line::from(vec![lead, Span::styled(part, style)]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "Nothing said yet this session: messages, runs and decisions land here.",
            theme.dim,
        )));
    }
    lines
}

/// The top row that shows the end of the log on a screen of `size`: where `@` opens.
pub(crate) fn last_top(log: &MessageLog, theme: &Theme, size: Rect) -> usize {
    let rect = frame_of(size);
    let visible = usize::from(rect.height.saturating_sub(2));
    lines(log, theme, usize::from(rect.width.saturating_sub(2)))
        .len()
        .saturating_sub(visible)
}
