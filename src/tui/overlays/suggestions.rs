//! The suggestions overlay (`O`): the tools the run history says are worth building or
//! changing, highest priority first, each with why; accept or dismiss (with a reason) here as
//! `toolbench suggest` does.
//!
//! The detectors run off the event loop (`Effect::LoadSuggestions`); drawing reads their rows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::centered;
use crate::model::suggestions::SuggestionRow;
use crate::store::StoreError;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::cursor::ListCursor;
use crate::tui::ui::fit;

pub struct SuggestionsState {
    /// `None` until the detectors report; `Err` holds why they failed.
    pub rows: Option<Result<Vec<SuggestionRow>, StoreError>>,
    pub cursor: ListCursor,
    /// The reason being typed for dismissing the selected suggestion.
    pub reason: Option<TextArea<'static>>,
}

/// What a key in the overlay asks for.
pub enum Asked {
    Nothing,
    Close,
    Accept(i64),
}

impl SuggestionsState {
    pub fn loading() -> Self {
        SuggestionsState {
            rows: None,
            cursor: ListCursor::default(),
            reason: None,
        }
    }

    pub fn selected(&self) -> Option<&SuggestionRow> {
        match &self.rows {
            Some(Ok(rows)) => rows.get(self.cursor.selected),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Asked {
        let len = self.len();
        match action {
            Action::Close | Action::Quit | Action::Suggestions => return Asked::Close,
            Action::Approve => {
                if let Some(row) = self.selected() {
                    return Asked::Accept(row.id);
                }
            }
            Action::Reject | Action::Archive if self.selected().is_some() => {
                let mut reason = TextArea::default();
                reason.set_placeholder_text("why not (required)");
                self.reason = Some(reason);
            }
            _ => {
                self.cursor.navigate(action, len, page);
            }
        }
        Asked::Nothing
    }
}

/// Rows of the list that fit on a terminal of `size` (two lines each).
pub fn page(size: Rect) -> usize {
    usize::from(area(size).height.saturating_sub(4) / 2).max(1)
}

fn area(size: Rect) -> Rect {
    centered(
        size,
        size.width.saturating_sub(4).min(110),
        size.height.saturating_sub(2),
    )
}

pub fn draw(frame: &mut Frame, app: &App, size: Rect, state: &SuggestionsState) {
    let theme = &app.theme;
    let rect = area(size);
    let keys = format!(
        " {} accept · {} dismiss · esc close ",
        app.keymap.hint(Action::Approve),
        app.keymap.hint(Action::Archive)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Suggestions ", theme.title_focused))
        .title_bottom(Span::styled(keys, theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [list, input] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    let list = if state.reason.is_some() { list } else { inner };
    let rows = match &state.rows {
        None => {
            frame.render_widget(Span::styled("reading the run history…", theme.dim), list);
            return;
        }
        Some(Err(reason)) => {
            let failed = format!(
                "could not read the suggestions: {}",
                crate::error_chain::one_line(reason)
            );
            frame.render_widget(Span::styled(failed, theme.error), list);
            return;
        }
        Some(Ok(rows)) if rows.is_empty() => {
            let none = Paragraph::new(vec![
                Line::from("Nothing in the run history stands out yet."),
                Line::styled(
                    "Habits, capabilities nothing serves, failing or slow tools and look-alikes show here.",
                    theme.dim,
                ),
            ]);
            frame.render_widget(none, list);
            return;
        }
        Some(Ok(rows)) => rows,
    };
    let width = usize::from(list.width);
    let window = state
        .cursor
        .window(rows.len(), usize::from(list.height) / 2);
    let mut lines = Vec::new();
    for pos in window {
        let row = &rows[pos];
        let style = if pos == state.cursor.selected {
            theme.selected
        } else {
            theme.text
        };
        let accepted = match row.state.as_str() {
            "new" => String::new(),
            state => format!(" [{state}]"),
        };
        let head = format!("#{} {:>6.1}  {}{accepted}", row.id, row.priority, row.title);
        lines.push(Line::styled(fit(&head, width), style));
        lines.push(Line::styled(
            fit(&format!("          {}", row.why), width),
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(reason) = &state.reason {
        let mut field = reason.clone();
        field.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(" dismiss: reason (enter confirms, esc goes back) "),
        );
        frame.render_widget(&field, input);
    }
}
