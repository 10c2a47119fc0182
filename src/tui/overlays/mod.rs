//! Overlays drawn over the main screen: help, tool detail, workspace stats, suggestions, the
//! resource views and the dialogs.

pub mod call_answer;
pub mod decision;
pub mod detail;
pub mod evolve;
pub mod failure_detail;
pub mod help;
pub mod launch;
pub mod mark_failure;
pub mod resources;
pub mod service;
pub mod stats;
pub mod suggestions;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

mod draw;
pub use draw::draw;

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
