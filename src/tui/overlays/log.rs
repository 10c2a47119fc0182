//! The `@` overlay: this session's messages with their time, newest last, wrapped under
//! their text's column.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::log_lines::{frame_of, lines};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::message_log::MessageLog;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    top: usize,
    log: &MessageLog,
) {
    let rect = frame_of(area);
    let content = lines(log, theme, usize::from(rect.width.saturating_sub(2)));
    let count = log.lines().len();
    let key = |action| keymap.hint(action);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Messages ({count}) "),
            theme.title_focused,
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
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0)),
        rect,
    );
}
