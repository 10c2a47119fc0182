//! Overlays drawn over the main screen: help, tool detail, workspace stats, suggestions, the
//! resource views, pairing a device and the dialogs.

pub(crate) mod accept;
pub(crate) mod call_answer;
pub(crate) mod decision;
pub(crate) mod detail;
pub(crate) mod evolve;
pub(crate) mod failure_detail;
pub(crate) mod help;
pub(crate) mod launch;
pub(crate) mod log;
pub(crate) mod log_lines;
pub(crate) mod mark_failure;
pub(crate) mod pair;
pub(crate) mod palette;
pub(crate) mod resources;
pub(crate) mod service;
pub mod stats;
pub(crate) mod suggestions;
pub(crate) mod undo;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// A centred rectangle of at most `width`×`height` inside `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}
