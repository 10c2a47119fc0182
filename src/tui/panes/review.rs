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
    // Waiting agent calls are counted apart: an agent is blocked on each.
    let mut title = match app.pending_calls.len() {
        0 => format!("Review ({})", app.review_rows()),
        n => format!("Review ({}) · {n} call(s) waiting", app.review_rows()),
    };
    if !app.marks.is_empty() {
        title.push_str(&format!(" · {} marked", app.marks.len()));
    }
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
