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

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};

use super::app::{App, Overlay};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(frame, app, area, *scroll),
        Some(Overlay::Detail(detail)) => detail::draw(frame, app, area, detail),
        Some(Overlay::Launch(launch)) => launch::draw(frame, app, area, launch),
        Some(Overlay::Decision(decision)) => decision::draw(frame, app, area, decision),
        Some(Overlay::CallAnswer(answer)) => call_answer::draw(frame, app, area, answer),
        Some(Overlay::Evolve(evolve)) => evolve::draw(frame, app, area, evolve),
        Some(Overlay::MarkFailure(mark)) => mark_failure::draw(frame, app, area, mark),
        Some(Overlay::Service(dialog)) => service::draw(frame, app, area, dialog),
        Some(Overlay::Stats(stats)) => stats::draw(frame, app, area, stats),
        Some(Overlay::Suggestions(state)) => suggestions::draw(frame, app, area, state),
        Some(Overlay::Resource(state)) => resources::draw(frame, app, area, state),
        Some(Overlay::FailureDetail {
            failure, scroll, ..
        }) => failure_detail::draw(frame, app, area, failure, *scroll),
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
