//! Drawing the command palette from its state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{PaletteState, area, page};
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

/// Columns of the keys before an action's description.
const KEYS_WIDTH: usize = 16;

pub(crate) fn draw<B>(frame: &mut Frame, theme: &Theme, size: Rect, state: &PaletteState<B>) {
    let rect = area(size);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Actions here ({}) ", state.len()),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            " type to find · ↑↓ choose · enter runs · esc closes ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        fit(&format!("> {}█", state.query), width),
        theme.filter,
    )];
    let window = state.cursor.window(state.len(), page(size));
    let start = window.start;
    for (pos, row) in state.shown().enumerate().skip(start).take(window.len()) {
        let style = if pos == state.cursor.selected {
            theme.selected
        } else {
            theme.text
        };
        let keys = fit(&row.keys, KEYS_WIDTH);
        let help = fit(row.help, width.saturating_sub(KEYS_WIDTH + 1));
        lines.push(Line::from(vec![
            Span::styled(keys, theme.key.patch(style)),
            Span::styled(format!(" {help}"), style),
        ]));
    }
    if state.len() == 0 {
        lines.push(Line::styled("No action here matches.", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
