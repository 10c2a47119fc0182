//! The command palette (`ctrl-p`): every action that applies where it was opened, with its
//! keys, narrowed by a fuzzy match of what is typed; `enter` runs the chosen one.
//!
//! Holds the rows and the query; the app chooses the rows and runs the action.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::layout::Rect;

use crate::tui::action::Action;
use crate::tui::cursor::ListCursor;

mod draw;
pub(crate) use draw::draw;

/// An action the palette offers: its keys here and what it does here.
pub(crate) struct PaletteRow {
    pub(crate) keys: String,
    pub(crate) action: Action,
    pub(crate) help: &'static str,
}

/// `B`: the overlay it was opened over (the app's).
pub(crate) struct PaletteState<B> {
    rows: Vec<PaletteRow>,
    pub(crate) query: String,
    /// Indices of the rows that match, best first.
    shown: Vec<usize>,
    pub(crate) cursor: ListCursor,
    /// The overlay it was opened over, given back when it closes.
    pub(crate) back: Option<Box<B>>,
}

/// What a key in the palette asks of the app.
pub(crate) enum Asked {
    Nothing,
    Close,
    Run(Action),
    /// Not a key of the palette: the keymap's (ctrl-c quits).
    NotMine,
}

impl<B> PaletteState<B> {
    pub(crate) fn new(rows: Vec<PaletteRow>, back: Option<Box<B>>) -> Self {
        let shown = (0..rows.len()).collect();
        Self {
            rows,
            query: String::new(),
            shown,
            cursor: ListCursor::default(),
            back,
        }
    }

    /// The rows that match what is typed, best first: a fuzzy match of the description and
    /// the keymap name (`cpy` finds copy).
    fn refilter(&mut self) {
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut scored: Vec<(i64, usize)> = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                let haystack = format!("{} {}", row.action.name(), row.help);
                matcher.fuzzy_match(&haystack, &self.query).map(|s| (s, i))
            })
            .collect();
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        self.shown = scored.into_iter().map(|(_, i)| i).collect();
        self.cursor.first();
    }

    /// The rows shown, best first.
    pub(crate) fn shown(&self) -> impl Iterator<Item = &PaletteRow> {
        self.shown.iter().map(|i| &self.rows[*i])
    }

    pub(crate) fn len(&self) -> usize {
        self.shown.len()
    }

    /// A list action from elsewhere (the mouse wheel) moves the choice.
    pub(crate) fn navigate(&mut self, action: Action, page: usize) {
        self.cursor.navigate(action, self.shown.len(), page);
    }

    pub(crate) fn key(&mut self, key: &KeyEvent, page: usize) -> Asked {
        let len = self.shown.len();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Asked::Close,
            KeyCode::Enter => {
                if let Some(row) = self.shown.get(self.cursor.selected) {
                    return Asked::Run(self.rows[*row].action);
                }
            }
            KeyCode::Down => self.cursor.move_by(1, len, page),
            KeyCode::Char('n') if ctrl => self.cursor.move_by(1, len, page),
            KeyCode::Up => self.cursor.move_by(-1, len, page),
            KeyCode::Char('p') if ctrl => self.cursor.move_by(-1, len, page),
            KeyCode::PageDown => self.cursor.move_by(page as isize, len, page),
            KeyCode::PageUp => self.cursor.move_by(-(page as isize), len, page),
            KeyCode::Backspace => {
                self.query.pop();
                self.refilter();
            }
            KeyCode::Char(c) if !ctrl => {
                self.query.push(c);
                self.refilter();
            }
            _ => return Asked::NotMine,
        }
        Asked::Nothing
    }
}

impl<B> PaletteState<B> {
    /// A click at screen row `row`, column `column` on a screen of `size`: selects the action
    /// drawn there and gives its position, `None` off the list.
    pub(crate) fn click(&mut self, size: Rect, column: u16, row: u16) -> Option<usize> {
        let rect = area(size);
        if column <= rect.x || column + 1 >= rect.right() {
            return None;
        }
        // Below the top border and the query line.
        let line = row.checked_sub(rect.y + 2)?;
        self.cursor
            .click(usize::from(line), self.shown.len(), page(size))
    }
}

/// The palette's frame on a screen of `size`.
pub(crate) fn area(size: Rect) -> Rect {
    super::centered(size, 76, size.height.saturating_sub(4))
}

/// Rows of actions the palette shows at once: the frame and the query line take three.
pub(crate) fn page(size: Rect) -> usize {
    usize::from(area(size).height.saturating_sub(3)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<PaletteRow> {
        [Action::Copy, Action::Again, Action::Log]
            .into_iter()
            .map(|action| PaletteRow {
                keys: String::new(),
                action,
                help: action.help(),
            })
            .collect()
    }

    fn typed(state: &mut PaletteState<()>, text: &str) {
        for c in text.chars() {
            state.key(&KeyEvent::from(KeyCode::Char(c)), 10);
        }
    }

    #[test]
    fn typing_narrows_the_rows_fuzzily_and_enter_runs_the_best() {
        let mut state = PaletteState::new(rows(), None);
        assert_eq!(state.len(), 3);
        typed(&mut state, "cpy");
        let shown: Vec<Action> = state.shown().map(|r| r.action).collect();
        assert_eq!(shown.first(), Some(&Action::Copy), "{shown:?}");
        assert!(matches!(
            state.key(&KeyEvent::from(KeyCode::Enter), 10),
            Asked::Run(Action::Copy)
        ));
        typed(&mut state, "zzzz");
        assert_eq!(state.len(), 0);
        assert!(matches!(
            state.key(&KeyEvent::from(KeyCode::Enter), 10),
            Asked::Nothing
        ));
    }
}
