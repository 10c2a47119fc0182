//! Drawing whichever overlay the app has open, over the main screen.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{
    accept, call_answer, decision, detail, evolve, failure_detail, help, launch, log, mark_failure,
    palette, resources, service, stats, suggestions,
};
use crate::tui::app::{App, Overlay};

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(overlay) = &app.overlay {
        draw_overlay(frame, app, area, overlay);
    }
}

fn draw_overlay(frame: &mut Frame, app: &App, area: Rect, overlay: &Overlay) {
    match overlay {
        Overlay::Help { scroll, query } => help::draw(frame, app, area, *scroll, query),
        Overlay::Log { top } => log::draw(frame, app, area, *top),
        Overlay::Palette(state) => {
            // Over the overlay it was opened from, which stays in view.
            if let Some(back) = &state.back {
                draw_overlay(frame, app, area, back);
            }
            palette::draw(frame, app, area, state);
        }
        Overlay::Accept(state) => accept::draw(frame, &app.theme, area, state),
        Overlay::Detail(detail) => detail::draw(frame, app, area, detail),
        Overlay::Launch(launch) => launch::draw(frame, app, area, launch),
        Overlay::Decision(decision) => decision::draw(frame, app, area, decision),
        Overlay::CallAnswer(answer) => call_answer::draw(frame, app, area, answer),
        Overlay::Evolve(evolve) => evolve::draw(frame, app, area, evolve),
        Overlay::MarkFailure(mark) => mark_failure::draw(frame, app, area, mark),
        Overlay::Service(dialog) => service::draw(frame, app, area, dialog),
        Overlay::Stats(stats) => stats::draw(frame, app, area, stats),
        Overlay::Suggestions(state) => suggestions::draw(frame, app, area, state),
        Overlay::Resource(state) => resources::draw(frame, app, area, state),
        Overlay::FailureDetail {
            failure, scroll, ..
        } => failure_detail::draw(frame, app, area, failure, *scroll),
    }
}
