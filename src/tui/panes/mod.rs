//! The four panes of the main screen, one file each.

pub(crate) mod catalog;
pub(crate) mod failures;
pub(crate) mod output;
pub(crate) mod review;

use ratatui::layout::Alignment;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::app::App;
use super::layout::Pane;

/// A pane's frame: rounded border, title, focus colour.
pub(crate) fn pane_block<'a>(app: &App, pane: Pane, title: String) -> Block<'a> {
    let focused = app.focus == pane && app.overlay.is_none();
    let number = Pane::ALL
        .iter()
        .position(|p| *p == pane)
        .map_or(0, |i| i + 1);
    let (border, title_style) = if focused {
        (app.theme.border_focused, app.theme.title_focused)
    } else {
        (app.theme.border, app.theme.title)
    };
    // Something new waits for a person: the Review pane's title flashes.
    let title_style = match pane == Pane::Review && app.review_lit() {
        true => app.theme.selected,
        false => title_style,
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(format!(" {number} {title} "), title_style))
}

/// A centred, dimmed explanation for an empty pane.
pub(crate) fn empty_state<'a>(app: &App, lines: Vec<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(lines)
        .style(app.theme.dim)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
}
