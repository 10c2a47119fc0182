//! The four panes of the main screen, one file each: each draws from the theme, the keys and
//! a view of what it shows, never from `App` (the app lays out their rows through `ListRows`
//! and `RunRows`).

pub(crate) mod catalog;
pub(crate) mod failures;
pub(crate) mod output;
pub(crate) mod review;

use std::ops::Range;

use ratatui::layout::Alignment;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::layout::Pane;
use super::theme::Theme;

/// What a pane's frame shows of the rest of the screen: whether the pane has the keys, and
/// whether its title flashes for something new that waits for a person.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Framing {
    pub(crate) focused: bool,
    pub(crate) lit: bool,
}

/// The rows of a list pane as the app lays them out: the pane asks only for the window it has
/// room for.
pub(crate) trait ListRows {
    fn count(&self) -> usize;
    /// The rows in view in `height` rows, around the cursor.
    fn window(&self, height: usize) -> Range<usize>;
    /// What the pane says when it has no rows.
    fn empty_text(&self) -> Vec<Line<'static>>;
    fn lines(&self, window: Range<usize>, width: usize) -> Vec<Line<'static>>;
}

/// A pane's frame: rounded border, title, focus colour.
pub(crate) fn pane_block<'a>(
    theme: &Theme,
    pane: Pane,
    framing: Framing,
    title: String,
) -> Block<'a> {
    let focused = framing.focused;
    let number = Pane::ALL
        .iter()
        .position(|p| *p == pane)
        .map_or(0, |i| i + 1);
    let (border, title_style) = if focused {
        (theme.border_focused, theme.title_focused)
    } else {
        (theme.border, theme.title)
    };
    // Something new waits for a person: the Review pane's title flashes.
    let title_style = match framing.lit {
        true => theme.selected,
        false => title_style,
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(format!(" {number} {title} "), title_style))
}

/// A centred, dimmed explanation for an empty pane.
pub(crate) fn empty_state<'a>(theme: &Theme, lines: Vec<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(lines)
        .style(theme.dim)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
}
