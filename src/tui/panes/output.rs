//! The Output pane: live output of tool runs, one run at a time, with a header.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Framing, empty_state, pane_block};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::layout::Pane;
use crate::tui::runs::{RunState, RunView};
use crate::tui::text_view::TextView;
use crate::tui::theme::Theme;

/// A run's rows as the app lays them out for the Output pane.
pub(crate) trait RunRows {
    /// The header above the output, `width` columns wide.
    fn header(&self, run: &RunView, width: usize) -> Vec<Line<'static>>;
    /// The search line under the output while a search is typed or shown.
    fn search(&self) -> Option<Line<'static>>;
    /// The output rows in view in `width`×`height`.
    fn visible(&self, run: &RunView, width: usize, height: usize) -> Vec<Line<'static>>;
}

/// What the Output pane shows, borrowed from the shown.
pub(crate) struct OutputView<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) keymap: &'a Keymap,
    pub(crate) framing: Framing,
    /// This session's runs, and the position of the one shown.
    pub(crate) runs: &'a [RunView],
    pub(crate) output_run: usize,
    pub(crate) output_view: &'a TextView,
    pub(crate) selected_run: Option<&'a RunView>,
    pub(crate) rows: &'a dyn RunRows,
}

pub(crate) fn draw(frame: &mut Frame, shown: &OutputView, area: Rect) {
    let running = shown.runs.iter().filter(|r| r.is_running()).count();
    let mut title = match (shown.runs.len(), running) {
        (0, _) => "Output".to_string(),
        // The position among this session's runs; a run's number (`#42`, as the failure
        // detail and `toolbench runs` say it) is in the header once it is recorded.
        (n, 0) => format!("Output · {} of {n}", shown.output_run + 1),
        (n, r) => format!("Output · {} of {n} · {r} running", shown.output_run + 1),
    };
    if let Some(label) = shown.output_view.label().filter(|_| !shown.runs.is_empty()) {
        title.push_str(&format!(" · {label}"));
    }
    let block = pane_block(shown.theme, Pane::Output, shown.framing, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(run) = shown.selected_run else {
        // Two lines: the empty pane is only as tall as this.
        let text = vec![
            Line::from("No runs yet."),
            Line::from(format!(
                "Press {} on a tool in the Catalog to run it; its output streams here live.",
                shown.keymap.hint(Action::Launch)
            )),
        ];
        frame.render_widget(empty_state(shown.theme, text), inner);
        return;
    };
    let header = shown.rows.header(run, inner.width as usize);
    let search = shown.rows.search();
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
    let rows = shown
        .rows
        .visible(run, body.width as usize, body.height as usize);
    if rows.is_empty() {
        let note = match &run.state {
            RunState::Refused(reason) => {
                Line::from(Span::styled(format!("✗ {reason}"), shown.theme.error))
            }
            RunState::Running => Line::from(Span::styled("waiting for output…", shown.theme.dim)),
            RunState::Finished(_) => Line::from(Span::styled("(no output)", shown.theme.dim)),
        };
        frame.render_widget(Paragraph::new(note), body);
    } else {
        frame.render_widget(Paragraph::new(rows), body);
    }
}
