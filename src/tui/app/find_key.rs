//! Finding a key: typing in the help overlay narrows it; the command palette lists what
//! applies here and runs the chosen action.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, App, Overlay};
use crate::tui::action::KeyContext;
use crate::tui::overlays::palette::{self, Asked, PaletteRow, PaletteState};

impl App {
    /// Keys typed in the help overlay: a character narrows it, backspace widens it, esc
    /// clears what was typed first. False for the keys it leaves to the keymap (scrolling,
    /// the help key on an empty query, esc on an empty query, anything with ctrl or alt).
    pub(super) fn help_filter_key(&mut self, key: &KeyEvent) -> bool {
        let closes = self.keymap.binds(KeyContext::Global, Action::Help, key);
        let Some(Overlay::Help { scroll, query }) = &mut self.overlay else {
            return false;
        };
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        match key.code {
            KeyCode::Char(_) if closes && query.is_empty() => return false,
            KeyCode::Char(c) => query.push(c),
            KeyCode::Backspace => {
                query.pop();
            }
            KeyCode::Esc if !query.is_empty() => query.clear(),
            _ => return false,
        }
        *scroll = 0;
        true
    }

    /// Opens the command palette over what is open, listing what applies there.
    pub(super) fn open_palette(&mut self) {
        let rows = self.palette_rows();
        let back = self.overlay.take().map(Box::new);
        self.overlay = Some(Overlay::Palette(Box::new(PaletteState::new(rows, back))));
    }

    /// Every action a key does here, most specific context first, each once with its keys
    /// and what it does here; the palette's own key left out.
    fn palette_rows(&self) -> Vec<PaletteRow> {
        let (contexts, decisions_from) = self.key_contexts();
        let sections = self.keymap.sections();
        let mut rows: Vec<PaletteRow> = Vec::new();
        for context in contexts.iter().chain(decisions_from.as_ref()) {
            let only_decisions = Some(*context) == decisions_from;
            let bindings = sections
                .iter()
                .filter(|(c, _)| c == context)
                .flat_map(|(_, bindings)| bindings);
            for (keys, action) in bindings {
                let offered = *action != Action::Palette
                    && (!only_decisions || action.is_decision())
                    && !rows.iter().any(|row| row.action == *action);
                if offered {
                    rows.push(PaletteRow {
                        keys: keys.clone(),
                        action: *action,
                        help: action.help_in(*context),
                    });
                }
            }
        }
        rows
    }

    /// Keys while the palette is open: typing, choosing, `enter` (which closes it and runs
    /// the chosen action where it was opened) and `esc`; false for the rest (ctrl-c quits).
    pub(super) fn palette_key(&mut self, key: &KeyEvent) -> bool {
        let page = palette::page(self.size);
        let Some(Overlay::Palette(state)) = &mut self.overlay else {
            return false;
        };
        match state.key(key, page) {
            Asked::NotMine => return false,
            Asked::Nothing => {}
            Asked::Close => self.overlay = state.back.take().map(|back| *back),
            Asked::Run(action) => {
                self.overlay = state.back.take().map(|back| *back);
                self.perform(action);
            }
        }
        true
    }
}
