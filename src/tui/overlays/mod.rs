//! Overlays drawn over the main screen: help and tool detail.

pub mod detail;
pub mod help;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};

use super::app::{App, Overlay};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(frame, app, area, *scroll),
        Some(Overlay::Detail(detail)) => detail::draw(frame, app, area, detail),
    }
}

/// A centred rectangle of at most `width`×`height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}
