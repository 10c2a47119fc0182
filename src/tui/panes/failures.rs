//! The Failures pane: the failure history of the workspace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::tui::app::App;
use crate::tui::layout::Pane;
use crate::tui::ui::{empty_state, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app, Pane::Failures, "Failures".to_string());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = vec![
        Line::from(""),
        Line::from("No failures recorded."),
        Line::from("Failed runs are listed here with"),
        Line::from("time, tool, severity and error."),
    ];
    frame.render_widget(empty_state(app, text), inner);
}
