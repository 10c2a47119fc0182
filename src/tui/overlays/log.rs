//! The `@` overlay: this session's messages with their time, newest last, wrapped under
//! their text's column.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::action::Action;
use crate::tui::app::{App, Level};
use crate::tui::ui::wrap;

/// Columns before a message: its time and a mark.
const TIME_WIDTH: usize = 11;

/// The overlay's frame on a screen of `size`: the screen but its status line and a margin.
fn frame_of(size: Rect) -> Rect {
    centered(
        size,
        size.width.saturating_sub(4),
        size.height.saturating_sub(2),
    )
}

/// Every line of the log as shown `width` columns wide.
fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let room = width.saturating_sub(TIME_WIDTH).max(12);
    let mut lines = Vec::new();
    if app.log.dropped > 0 {
        lines.push(Line::from(Span::styled(
            format!("({} older messages no longer kept)", app.log.dropped),
            theme.dim,
        )));
    }
    for line in app.log.lines() {
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
pub(crate) fn last_top(app: &App, size: Rect) -> usize {
    let rect = frame_of(size);
    let visible = usize::from(rect.height.saturating_sub(2));
    lines(app, usize::from(rect.width.saturating_sub(2)))
        .len()
        .saturating_sub(visible)
}

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect, top: usize) {
    let rect = frame_of(area);
    let content = lines(app, usize::from(rect.width.saturating_sub(2)));
    let count = app.log.lines().len();
    let key = |action| app.keymap.hint(action);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(app.theme.border_focused)
        .title(Span::styled(
            format!(" Messages ({count}) "),
            app.theme.title_focused,
        ))
        .title_bottom(Span::styled(
            format!(
                " {}/{} scroll · {}/{} first/last · {} or {} close ",
                key(Action::Down),
                key(Action::Up),
                key(Action::First),
                key(Action::Last),
                key(Action::Close),
                key(Action::Log)
            ),
            app.theme.dim,
        ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0)),
        rect,
    );
}
