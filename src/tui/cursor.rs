//! Selection and scroll position of one list, kept valid as the list and the view change.

use crate::tui::action::Action;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ListCursor {
    pub(crate) selected: usize,
    pub(crate) offset: usize,
}

impl ListCursor {
    /// Moves by `delta` rows, clamped to `len`, keeping the selection within `height` rows.
    pub(crate) fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Self::default();
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, len as isize - 1) as usize;
        self.keep_visible(len, height);
    }

    /// The list keys of an overlay's own list (down, up, a page, first, last); false for any
    /// other action, which the overlay handles itself.
    pub(crate) fn navigate(&mut self, action: Action, len: usize, page: usize) -> bool {
        match action {
            Action::Down => self.move_by(1, len, page),
            Action::Up => self.move_by(-1, len, page),
            Action::PageDown => self.move_by(page as isize, len, page),
            Action::PageUp => self.move_by(-(page as isize), len, page),
            Action::First => self.first(),
            Action::Last => self.last(len, page),
            _ => return false,
        }
        true
    }

    pub(crate) fn first(&mut self) {
        *self = Self::default();
    }

    pub(crate) fn last(&mut self, len: usize, height: usize) {
        self.selected = len.saturating_sub(1);
        self.keep_visible(len, height);
    }

    pub(crate) fn select(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.keep_visible(len, height);
    }

    /// Re-clamps after the list changed length.
    pub(crate) fn keep_visible(&mut self, len: usize, height: usize) {
        if len == 0 {
            *self = Self::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// The rows to draw: `offset..offset+height`, clamped to `len`, moved down when the
    /// pane shrank under the selection (panes are sized by their content), so the selected
    /// row is always drawn.
    /// A click on the list's `line`-th row from its top, `height` rows shown: selects the
    /// item there and gives its index; `None` where no item is drawn.
    pub(crate) fn click(&mut self, line: usize, len: usize, height: usize) -> Option<usize> {
        let window = self.window(len, height);
        let index = window.start + line;
        if line >= height || index >= window.end {
            return None;
        }
        self.select(index, len, height);
        Some(index)
    }

    pub(crate) fn window(&self, len: usize, height: usize) -> std::ops::Range<usize> {
        let mut start = self.offset.min(len);
        if height > 0 && self.selected >= start + height {
            start = self.selected + 1 - height;
        }
        start..(start + height).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_a_selection_that_a_shrinking_pane_left_below_it() {
        let mut cursor = ListCursor::default();
        cursor.select(15, 40, 20);
        assert_eq!(cursor.window(40, 20), 0..20);
        // The pane is now 10 rows: row 15 is still drawn, as the last one.
        assert_eq!(cursor.window(40, 10), 6..16);
    }

    #[test]
    fn moving_scrolls_the_window_and_clamps() {
        let mut c = ListCursor::default();
        c.move_by(5, 10, 3);
        assert_eq!(
            c,
            ListCursor {
                selected: 5,
                offset: 3
            }
        );
        c.move_by(100, 10, 3);
        assert_eq!(
            c,
            ListCursor {
                selected: 9,
                offset: 7
            }
        );
        c.move_by(-100, 10, 3);
        assert_eq!(
            c,
            ListCursor {
                selected: 0,
                offset: 0
            }
        );
        c.last(10, 3);
        c.keep_visible(4, 3);
        assert_eq!(
            c,
            ListCursor {
                selected: 3,
                offset: 1
            }
        );
        assert_eq!(c.window(4, 3), 1..4);
    }
}
