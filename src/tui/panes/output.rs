//! The Output pane: live output of tool runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::tui::app::App;
use crate::tui::layout::Pane;
use crate::tui::ui::{empty_state, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app, Pane::Output, "Output".to_string());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = vec![
        Line::from(""),
        Line::from("No runs yet."),
        Line::from("The output of tool runs streams here live."),
    ];
    frame.render_widget(empty_state(app, text), inner);
}
