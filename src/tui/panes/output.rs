//! The Output pane: live output of tool runs, one run at a time, with a header.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{empty_state, pane_block};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::output_lines::{header_rows, search_line, visible_rows};
use crate::tui::layout::Pane;
use crate::tui::runs::RunState;

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let running = app.runs.iter().filter(|r| r.is_running()).count();
    let mut title = match (app.runs.len(), running) {
        (0, _) => "Output".to_string(),
        // The position among this session's runs; a run's number (`#42`, as the failure
        // detail and `toolbench runs` say it) is in the header once it is recorded.
        (n, 0) => format!("Output · {} of {n}", app.output_run + 1),
        (n, r) => format!("Output · {} of {n} · {r} running", app.output_run + 1),
    };
    if let Some(label) = app.output_view.label().filter(|_| !app.runs.is_empty()) {
        title.push_str(&format!(" · {label}"));
    }
    let block = pane_block(app, Pane::Output, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(run) = app.selected_run() else {
        // Two lines: the empty pane is only as tall as this.
        let text = vec![
            Line::from("No runs yet."),
            Line::from(format!(
                "Press {} on a tool in the Catalog to run it; its output streams here live.",
                app.keymap.hint(Action::Launch)
            )),
        ];
        frame.render_widget(empty_state(app, text), inner);
        return;
    };
    let header = header_rows(app, run, inner.width as usize);
    let search = search_line(app);
    let [header_area, body, search_area] = Layout::vertical([
        Constraint::Length(header.len() as u16),
        Constraint::Min(0),
        Constraint::Length(u16::from(search.is_some())),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(header), header_area);
    if let Some(search) = search {
        frame.render_widget(Paragraph::new(search), search_area);
    }
    let rows = visible_rows(app, run, body.width as usize, body.height as usize);
    if rows.is_empty() {
        let note = match &run.state {
            RunState::Refused(reason) => {
                Line::from(Span::styled(format!("✗ {reason}"), app.theme.error))
            }
            RunState::Running => Line::from(Span::styled("waiting for output…", app.theme.dim)),
            RunState::Finished(_) => Line::from(Span::styled("(no output)", app.theme.dim)),
        };
        frame.render_widget(Paragraph::new(note), body);
    } else {
        frame.render_widget(Paragraph::new(rows), body);
    }
}
