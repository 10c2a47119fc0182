//! The suggestions overlay (`O`): the tools the run history says are worth building or
//! changing, highest priority first, each with why; accept or dismiss (with a reason) here as
//! `toolbench suggest` does.
//!
//! The detectors run off the event loop (`Command::RefreshSuggestions` through `Effect::Apply`);
//! drawing reads their rows.

use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

use super::centered;
use crate::command::CommandError;
use crate::model::suggestions::SuggestionRow;
use crate::tui::action::Action;
use crate::tui::cursor::ListCursor;

mod draw;
pub(crate) use draw::draw;

pub(crate) struct SuggestionsState {
    /// `None` until the detectors report; `Err` holds why they failed.
    pub(crate) rows: Option<Result<Vec<SuggestionRow>, CommandError>>,
    pub(crate) cursor: ListCursor,
    /// The reason being typed for dismissing the selected suggestion.
    pub(crate) reason: Option<TextArea<'static>>,
}

/// What a key in the overlay asks for.
pub(crate) enum Asked {
    Nothing,
    Close,
    Accept(i64),
}

impl SuggestionsState {
    pub(crate) fn loading() -> Self {
        SuggestionsState {
            rows: None,
            cursor: ListCursor::default(),
            reason: None,
        }
    }

    pub(crate) fn selected(&self) -> Option<&SuggestionRow> {
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

    pub(crate) fn on_action(&mut self, action: Action, page: usize) -> Asked {
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

impl SuggestionsState {
    /// A click at screen row `row`, column `column` on a screen of `size`: selects the
    /// suggestion drawn there (two rows each) and gives its index, `None` off the list or
    /// while a reason is typed.
    pub(crate) fn click(&mut self, size: Rect, column: u16, row: u16) -> Option<usize> {
        let rect = area(size);
        if self.reason.is_some() || column <= rect.x || column + 1 >= rect.right() {
            return None;
        }
        let line = row.checked_sub(rect.y + 1)?;
        let height = usize::from(rect.height.saturating_sub(2)) / 2;
        let len = self.len();
        self.cursor.click(usize::from(line) / 2, len, height)
    }
}

/// Rows of the list that fit on a terminal of `size` (two lines each).
pub(crate) fn page(size: Rect) -> usize {
    usize::from(area(size).height.saturating_sub(4) / 2).max(1)
}

fn area(size: Rect) -> Rect {
    centered(
        size,
        size.width.saturating_sub(4).min(110),
        size.height.saturating_sub(2),
    )
}
