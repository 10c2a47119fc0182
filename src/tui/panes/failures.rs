//! The Failures pane: the failure history of the workspace, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{Framing, ListRows, empty_state, pane_block};
use crate::tui::layout::Pane;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    framing: Framing,
    area: Rect,
    failures: &dyn ListRows,
) {
    let title = if failures.count() == 0 {
        "Failures".to_string()
    } else {
        format!("Failures ({})", failures.count())
    };
    let block = pane_block(theme, Pane::Failures, framing, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if failures.count() == 0 {
        frame.render_widget(empty_state(theme, failures.empty_text()), inner);
        return;
    }
    let window = failures.window(inner.height as usize);
    let rows = failures.lines(window, inner.width as usize);
    frame.render_widget(Paragraph::new(rows), inner);
}
