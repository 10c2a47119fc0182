//! The Review pane: tools waiting in experimental/ for a human decision, and what else waits
//! for one (agent calls, tool requests, health alerts, rules).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{Framing, ListRows, empty_state, pane_block};
use crate::tui::layout::Pane;
use crate::tui::theme::Theme;

/// What waits beside the rows, counted in the pane's title.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiting {
    /// Agent calls waiting for an answer.
    pub(crate) calls: usize,
    /// Rows marked for one decision on all of them.
    pub(crate) marked: usize,
}

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    framing: Framing,
    area: Rect,
    review: &dyn ListRows,
    waiting: Waiting,
) {
    // Waiting agent calls are counted apart: an agent is blocked on each. The title says it
    // in as many words as the frame has room for.
    let marked = match waiting.marked {
        0 => String::new(),
        n => format!(" · {n} marked"),
    };
    let rows = review.count();
    let titles: Vec<String> = match waiting.calls {
        0 => vec![format!("Review ({rows}){marked}")],
        1 => vec![
            format!("Review ({rows}) · 1 call waiting{marked}"),
            format!("Review ({rows}) · 1 waiting{marked}"),
            format!("Review ({rows}) · ⏸ 1{marked}"),
        ],
        n => vec![
            format!("Review ({rows}) · {n} calls waiting{marked}"),
            format!("Review ({rows}) · {n} waiting{marked}"),
            format!("Review ({rows}) · ⏸ {n}{marked}"),
        ],
    };
    // The frame's corners, the pane's number and the spaces around the title.
    let room = usize::from(area.width).saturating_sub(6);
    let title = titles
        .iter()
        .find(|t| t.chars().count() <= room)
        .or(titles.last())
        .cloned()
        .unwrap_or_default();
    let block = pane_block(theme, Pane::Review, framing, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if review.count() == 0 {
        frame.render_widget(empty_state(theme, review.empty_text()), inner);
        return;
    }
    let window = review.window(inner.height as usize);
    let rows = review.lines(window, inner.width as usize);
    frame.render_widget(Paragraph::new(rows), inner);
}
