//! The Failures pane: the failure history of the workspace, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{empty_state, pane_block};
use crate::tui::app::App;
use crate::tui::app::failure_lines::{empty_text, lines};
use crate::tui::layout::Pane;

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let title = if app.failures.is_empty() {
        "Failures".to_string()
    } else {
        format!("Failures ({})", app.failures.len())
    };
    let block = pane_block(app, Pane::Failures, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.failures.is_empty() {
        frame.render_widget(empty_state(app, empty_text(app)), inner);
        return;
    }
    let window = app
        .failures_cursor
        .window(app.failures.len(), inner.height as usize);
    let rows = lines(app, window, inner.width as usize);
    frame.render_widget(Paragraph::new(rows), inner);
}
