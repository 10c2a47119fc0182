//! Drawing the resources overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{QueueCounts, ROW_LIMIT, Resource, ResourceState, Table, area, column_widths};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

/// What the view's frame says beside its own rows, read from the app by whoever draws it.
pub(crate) struct Surroundings<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) keymap: &'a Keymap,
    /// Rows the status bar takes below the view, however many a message gives it.
    pub(crate) status_rows: u16,
    /// What `enter` does on the selected row.
    pub(crate) enter_hint: &'a str,
    pub(crate) validation_paused: bool,
}

pub(crate) fn draw(frame: &mut Frame, around: &Surroundings, size: Rect, state: &ResourceState) {
    let theme = around.theme;
    let keymap = around.keymap;
    // Above the status bar, however many rows a message gives it.
    let mut rect = area(size);
    let message_rows = around.status_rows;
    rect.height = rect.height.saturating_sub(message_rows.saturating_sub(1));
    let resource = state.resource;
    let count = match &state.table {
        Some(Ok(Table {
            queue: Some(queue), ..
        })) => queue_counts(queue),
        Some(Ok(table)) if table.capped => format!(" (newest {ROW_LIMIT})"),
        Some(Ok(table)) => format!(" ({})", table.len()),
        _ => String::new(),
    };
    // The queue's own key, where its rows are.
    let pause = match resource {
        Resource::Validations => format!(
            " · {} {}",
            keymap.hint(Action::PauseValidation),
            if around.validation_paused {
                "go on"
            } else {
                "pause"
            }
        ),
        _ => String::new(),
    };
    let keys = format!(
        " {} filter · {} {}{pause} · {} other view · esc close ",
        keymap.hint(Action::Filter),
        keymap.hint(Action::Open),
        around.enter_hint,
        keymap.hint(Action::CommandLine),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {}{count} ", resource.title()),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(keys, theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [header, list, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let table = match &state.table {
        None => {
            frame.render_widget(Span::styled("loading…", theme.dim), header);
            return;
        }
        Some(Err(reason)) => {
            let failed = format!(
                "could not read the {}: {}",
                resource.name(),
                crate::error_chain::one_line(reason)
            );
            frame.render_widget(Span::styled(failed, theme.error), header);
            return;
        }
        Some(Ok(table)) => table,
    };
    if table.is_empty() {
        let none = match resource {
            Resource::Runs => "No runs recorded yet.",
            Resource::History => "No decisions recorded yet.",
            Resource::Calls => "No agent call has asked for a person yet.",
            Resource::Services => "No service instances (launch one from the Catalog).",
            Resource::Validations => "Nothing validated or waiting for validation yet.",
        };
        frame.render_widget(Span::styled(none, theme.dim), header);
        return;
    }
    let widths = column_widths(table, resource.columns(), usize::from(inner.width));
    let line_of = |cells: &[&str]| -> String {
        let last = cells.len().saturating_sub(1);
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == last {
                    cell.to_string()
                } else {
                    fit(cell, widths[i])
                }
            })
            .collect();
        fit(&parts.join(" "), usize::from(inner.width))
    };
    frame.render_widget(
        Paragraph::new(Line::styled(line_of(resource.columns()), theme.title)),
        header,
    );
    let window = state
        .cursor
        .window(state.shown.len(), usize::from(list.height));
    let lines: Vec<Line> = window
        .map(|pos| {
            let cells: Vec<&str> = table.cells[state.shown[pos]]
                .iter()
                .map(String::as_str)
                .collect();
            let style = if pos == state.cursor.selected {
                theme.selected
            } else {
                theme.text
            };
            Line::styled(line_of(&cells), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if state.filtering || !state.filter.is_empty() {
        let (shown, total) = state.counts();
        let caret = if state.filtering { "█" } else { "" };
        let line = Line::from(vec![
            Span::styled(format!("/{}{caret}", state.filter), theme.filter),
            Span::styled(format!("  ({shown}/{total})"), theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), foot);
    }
}

/// The validation view's title after its name: how many are under way, wait and have a
/// verdict, whether or not each is shown, and whether the queue is paused.
fn queue_counts(queue: &QueueCounts) -> String {
    let paused = match queue.paused {
        true => " · paused",
        false => "",
    };
    format!(
        " · {} under way · {} waiting · {} validated{paused}",
        queue.validating, queue.waiting, queue.validated,
    )
}
