//! Drawing whichever overlay the app has open, over the main screen: the one place that reads
//! `App` for an overlay and hands each the theme, the keys and the state it shows.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::{App, Overlay, status_line};
use crate::tui::overlays::{
    accept, call_answer, decision, detail, evolve, failure_detail, help, launch, log, mark_failure,
    pair, palette, resources, service, stats, suggestions, undo,
};

pub(super) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(overlay) = &app.overlay {
        draw_overlay(frame, app, area, overlay);
    }
}

fn draw_overlay(frame: &mut Frame, app: &App, area: Rect, overlay: &Overlay) {
    let (theme, keymap) = (&app.theme, &app.keymap);
    match overlay {
        Overlay::Help { scroll, query } => help::draw(frame, theme, keymap, area, *scroll, query),
        Overlay::Log { top } => log::draw(frame, theme, keymap, area, *top, &app.log),
        Overlay::Palette(state) => {
            // Over the overlay it was opened from, which stays in view.
            if let Some(back) = &state.back {
                draw_overlay(frame, app, area, back);
            }
            palette::draw(frame, theme, area, state);
        }
        Overlay::Accept(state) => accept::draw(frame, theme, area, state),
        Overlay::Detail(state) => {
            let validation = app.validations.get(&state.entry.path);
            detail::draw(frame, theme, keymap, area, state, validation);
        }
        Overlay::Launch(state) => {
            let project = app.project_label.as_deref();
            launch::draw(frame, theme, keymap, area, state, project);
        }
        Overlay::Decision(state) => decision::draw(frame, theme, keymap, area, state),
        Overlay::Undo(state) => undo::draw(frame, theme, area, state),
        Overlay::CallAnswer(state) => call_answer::draw(frame, theme, area, state, &app.catalog),
        Overlay::Evolve(state) => evolve::draw(frame, theme, area, state),
        Overlay::MarkFailure(state) => mark_failure::draw(frame, theme, area, state),
        Overlay::Service(state) => service::draw(frame, theme, area, state),
        Overlay::Stats(state) => stats::draw(frame, theme, keymap, area, state),
        Overlay::Pair(state) => pair::draw(frame, theme, keymap, area, state),
        Overlay::Suggestions(state) => suggestions::draw(frame, theme, keymap, area, state),
        Overlay::Resource(state) => {
            let around = resources::Surroundings {
                theme,
                keymap,
                status_rows: status_line::rows(app, usize::from(area.width)),
                enter_hint: app.resource_enter_hint(state),
                validation_paused: app.validation_paused,
            };
            resources::draw(frame, &around, area, state);
        }
        Overlay::FailureDetail {
            failure, scroll, ..
        } => failure_detail::draw(frame, theme, area, failure, *scroll),
    }
}
