//! Drawing whichever overlay the app has open, over the main screen.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{
    accept, call_answer, decision, detail, evolve, failure_detail, help, launch, log, mark_failure,
    resources, service, stats, suggestions,
};
use crate::tui::app::{App, Overlay};

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(frame, app, area, *scroll),
        Some(Overlay::Log { top }) => log::draw(frame, app, area, *top),
        Some(Overlay::Accept(state)) => accept::draw(frame, &app.theme, area, state),
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
