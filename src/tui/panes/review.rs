//! The Review pane: tools waiting in experimental/ for a human decision, and what else waits
//! for one (agent calls, tool requests, health alerts, rules).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{empty_state, pane_block};
use crate::tui::app::App;
use crate::tui::app::review_lines::{empty_text, lines};
use crate::tui::layout::Pane;

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    // Waiting agent calls are counted apart: an agent is blocked on each. The title says it
    // in as many words as the frame has room for.
    let marked = match app.marks.len() {
        0 => String::new(),
        n => format!(" · {n} marked"),
    };
    let rows = app.review_rows();
    let titles: Vec<String> = match app.pending_calls.len() {
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
    let block = pane_block(app, Pane::Review, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.review_rows() == 0 {
        frame.render_widget(empty_state(app, empty_text(app)), inner);
        return;
    }
    let window = app
        .review_cursor
        .window(app.review_rows(), inner.height as usize);
    let rows = lines(app, window, inner.width as usize);
    frame.render_widget(Paragraph::new(rows), inner);
}
