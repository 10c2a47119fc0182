//! The mouse over an overlay with a list (the command palette, a resource view, the
//! suggestions): a click selects the row under it, a second click on the same row opens or
//! runs it as `enter` would, the wheel moves the selection. Other overlays take the wheel
//! as their scroll keys.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use super::{Action, App, DOUBLE_CLICK, Overlay};

impl App {
    pub(super) fn on_overlay_mouse(&mut self, mouse: MouseEvent) {
        let action = match mouse.kind {
            MouseEventKind::ScrollDown => Action::Down,
            MouseEventKind::ScrollUp => Action::Up,
            MouseEventKind::Down(MouseButton::Left) => return self.overlay_click(mouse),
            _ => return,
        };
        self.perform(action);
    }

    fn overlay_click(&mut self, mouse: MouseEvent) {
        let size = self.size;
        let (column, row) = (mouse.column, mouse.row);
        let clicked = match self.overlay.as_mut() {
            Some(Overlay::Palette(state)) => state.click(size, column, row),
            Some(Overlay::Resource(state)) => state.click(size, row),
            Some(Overlay::Suggestions(state)) => state.click(size, column, row),
            _ => None,
        };
        self.dirty = true;
        let Some(index) = clicked else {
            self.last_overlay_click = None;
            return;
        };
        let again = self
            .last_overlay_click
            .is_some_and(|(at, i)| at.elapsed() <= DOUBLE_CLICK && i == index);
        if !again {
            self.last_overlay_click = Some((Instant::now(), index));
            return;
        }
        self.last_overlay_click = None;
        match &self.overlay {
            // As `enter` there: the palette runs its action, a view opens its row. A
            // suggestion is accepted only by its key: a decision is never a double click.
            Some(Overlay::Palette(_)) => {
                self.palette_key(&KeyEvent::from(KeyCode::Enter));
            }
            Some(Overlay::Resource(_)) => self.perform(Action::Open),
            _ => {}
        }
    }
}
