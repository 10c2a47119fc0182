//! Evolving a tool in the built-in editor: a hint, and the tool's files to change.
//!
//! Submitting with edits makes the new candidate from them; submitting with no edit hands
//! the hint to the configured evolver (or makes a plain bumped copy when there is none).

use std::collections::BTreeMap;

use ratatui_textarea::TextArea;

use crate::model::ToolEntry;
use crate::tui::paste::{self, Field};

mod draw;
pub(crate) use draw::draw;

pub(crate) struct EditedFile {
    pub(crate) name: String,
    original: String,
    pub(crate) editor: TextArea<'static>,
}

impl EditedFile {
    fn text(&self) -> String {
        let mut text = self.editor.lines().join("\n");
        if self.original.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    pub(crate) fn is_changed(&self) -> bool {
        self.text() != self.original
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EvolveFocus {
    Hint,
    Editor,
}

pub(crate) struct EvolveState {
    pub(crate) entry: ToolEntry,
    pub(crate) hint: TextArea<'static>,
    /// `None` until the files are read.
    pub(crate) files: Option<Vec<EditedFile>>,
    pub(crate) selected: usize,
    pub(crate) focus: EvolveFocus,
    pub(crate) problem: Option<String>,
    /// Open the files in the person's own editor once they are read (`E`).
    pub(crate) editor_on_load: bool,
}

impl EvolveState {
    pub(crate) fn new(entry: ToolEntry) -> Self {
        let mut hint = TextArea::default();
        hint.set_cursor_line_style(ratatui::style::Style::default());
        hint.set_placeholder_text("what should the new version do better?");
        Self {
            entry,
            hint,
            files: None,
            selected: 0,
            focus: EvolveFocus::Hint,
            problem: None,
            editor_on_load: false,
        }
    }

    /// The text files of the tool arrived from disk; true when they are to open in the
    /// person's own editor now.
    pub(crate) fn loaded(&mut self, files: Vec<(String, String)>) -> bool {
        let edited = files
            .into_iter()
            .map(|(name, text)| EditedFile {
                name,
                editor: file_editor(&text),
                original: text,
            })
            .collect::<Vec<_>>();
        // Start on the script rather than the manifest.
        self.selected = edited
            .iter()
            .position(|f| f.name != "tool.toml" && !f.name.starts_with("tests/"))
            .unwrap_or(0);
        self.files = Some(edited);
        std::mem::take(&mut self.editor_on_load)
    }

    /// Each file's name and text as edited so far; `None` until they are read.
    pub(crate) fn texts(&self) -> Option<Vec<(String, String)>> {
        let files = self.files.as_ref()?;
        Some(files.iter().map(|f| (f.name.clone(), f.text())).collect())
    }

    /// Takes the files as the person's editor left them; how many differ from before.
    pub(crate) fn take_edited(&mut self, edited: Vec<(String, String)>) -> usize {
        let mut changed = 0;
        for file in self.files.iter_mut().flatten() {
            let Some((_, text)) = edited.iter().find(|(name, _)| *name == file.name) else {
                continue;
            };
            if *text != file.text() {
                changed += 1;
                file.editor = file_editor(text);
            }
        }
        self.focus = EvolveFocus::Hint;
        changed
    }

    pub(crate) fn switch_focus(&mut self) {
        self.focus = match self.focus {
            EvolveFocus::Hint if self.files.as_ref().is_some_and(|f| !f.is_empty()) => {
                EvolveFocus::Editor
            }
            _ => EvolveFocus::Hint,
        };
    }

    pub(crate) fn step_file(&mut self, delta: isize) {
        let count = self.files.as_ref().map_or(0, Vec::len);
        if count > 0 {
            self.selected = (self.selected as isize + delta).rem_euclid(count as isize) as usize;
        }
    }

    /// How the field that has the keys takes text: the hint one line (there Enter moves on to
    /// the files), the file being edited its lines.
    pub(crate) fn field(&self) -> Field {
        match self.focus {
            EvolveFocus::Hint => Field::Line,
            EvolveFocus::Editor => Field::Lines,
        }
    }

    /// Types a paste into the hint (one line) or the file being edited (its lines).
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        self.problem = None;
        match self.focus {
            EvolveFocus::Hint => paste::into_area(&mut self.hint, text, Field::Line),
            EvolveFocus::Editor => self
                .files
                .as_mut()
                .and_then(|f| f.get_mut(self.selected))
                .is_some_and(|file| paste::into_area(&mut file.editor, text, Field::Lines)),
        }
    }

    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        self.problem = None;
        match self.focus {
            EvolveFocus::Hint => {
                paste::key_into_area(&mut self.hint, key, Field::Line);
            }
            EvolveFocus::Editor => {
                if let Some(file) = self.files.as_mut().and_then(|f| f.get_mut(self.selected)) {
                    paste::key_into_area(&mut file.editor, key, Field::Lines);
                }
            }
        }
    }

    /// The hint and the changed files, or what is missing.
    pub(crate) fn result(&self) -> Result<(String, BTreeMap<String, String>), NoHint> {
        let hint = self.hint.lines().join(" ").trim().to_string();
        if hint.is_empty() {
            return Err(NoHint);
        }
        let edits = self
            .files
            .iter()
            .flatten()
            .filter(|f| f.is_changed())
            .map(|f| (f.name.clone(), f.text()))
            .collect();
        Ok((hint, edits))
    }
}

/// The built-in editor of one file: its lines numbered in a gutter (the colours of its
/// language are laid over as it is drawn).
fn file_editor(text: &str) -> TextArea<'static> {
    let mut editor = TextArea::new(text.lines().map(str::to_string).collect());
    editor.set_cursor_line_style(ratatui::style::Style::default());
    editor.set_line_number_style(
        ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::DIM),
    );
    editor
}

/// An evolve asked for without saying what should change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("write a hint: what should the new version do better?")]
pub(crate) struct NoHint;
