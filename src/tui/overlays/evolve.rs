//! Evolving a tool in the built-in editor: a hint, and the tool's files to change.
//!
//! Submitting with edits makes the new candidate from them; submitting with no edit hands
//! the hint to the configured evolver (or makes a plain bumped copy when there is none).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::centered;
use crate::model::ToolEntry;
use crate::tui::app::App;

pub struct EditedFile {
    pub name: String,
    original: String,
    pub editor: TextArea<'static>,
}

impl EditedFile {
    fn text(&self) -> String {
        let mut text = self.editor.lines().join("\n");
        if self.original.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    pub fn is_changed(&self) -> bool {
        self.text() != self.original
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvolveFocus {
    Hint,
    Editor,
}

pub struct EvolveState {
    pub entry: ToolEntry,
    pub hint: TextArea<'static>,
    /// `None` until the files are read.
    pub files: Option<Vec<EditedFile>>,
    pub selected: usize,
    pub focus: EvolveFocus,
    pub problem: Option<String>,
}

impl EvolveState {
    pub fn new(entry: ToolEntry) -> Self {
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
        }
    }

    /// The text files of the tool arrived from disk.
    pub fn loaded(&mut self, files: Vec<(String, String)>) {
        let edited = files
            .into_iter()
            .map(|(name, text)| {
                let mut editor = TextArea::new(text.lines().map(str::to_string).collect());
                editor.set_cursor_line_style(ratatui::style::Style::default());
                EditedFile {
                    name,
                    original: text,
                    editor,
                }
            })
            .collect::<Vec<_>>();
        // Start on the script rather than the manifest.
        self.selected = edited
            .iter()
            .position(|f| f.name != "tool.toml" && !f.name.starts_with("tests/"))
            .unwrap_or(0);
        self.files = Some(edited);
    }

    pub fn switch_focus(&mut self) {
        self.focus = match self.focus {
            EvolveFocus::Hint if self.files.as_ref().is_some_and(|f| !f.is_empty()) => {
                EvolveFocus::Editor
            }
            _ => EvolveFocus::Hint,
        };
    }

    pub fn step_file(&mut self, delta: isize) {
        let count = self.files.as_ref().map_or(0, Vec::len);
        if count > 0 {
            self.selected = (self.selected as isize + delta).rem_euclid(count as isize) as usize;
        }
    }

    pub fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        self.problem = None;
        match self.focus {
            EvolveFocus::Hint if key.code != crossterm::event::KeyCode::Enter => {
                self.hint.input(key);
            }
            EvolveFocus::Hint => self.switch_focus(),
            EvolveFocus::Editor => {
                if let Some(file) = self.files.as_mut().and_then(|f| f.get_mut(self.selected)) {
                    file.editor.input(key);
                }
            }
        }
    }

    /// The hint and the changed files, or what is missing.
    pub fn result(&self) -> Result<(String, BTreeMap<String, String>), NoHint> {
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

/// An evolve asked for without saying what should change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("write a hint: what should the new version do better?")]
pub struct NoHint;

pub fn draw(frame: &mut Frame, app: &App, area: Rect, state: &EvolveState) {
    let theme = &app.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Evolve {} into a new candidate ", state.entry.id()),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            " tab hint/editor · ctrl-n/ctrl-p file · ctrl-s create · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [hint_area, body, status] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    let focus_style = |focused: bool| {
        if focused {
            theme.border_focused
        } else {
            theme.border
        }
    };
    let hint_block = Block::default()
        .borders(Borders::ALL)
        .border_style(focus_style(state.focus == EvolveFocus::Hint))
        .title(" hint ");
    let hint_inner = hint_block.inner(hint_area);
    frame.render_widget(hint_block, hint_area);
    frame.render_widget(&state.hint, hint_inner);

    let Some(files) = &state.files else {
        frame.render_widget(
            Paragraph::new(Span::styled("reading the tool's files…", theme.dim)),
            body,
        );
        return;
    };
    let [list, editor] =
        Layout::horizontal([Constraint::Length(24), Constraint::Min(10)]).areas(body);
    let rows: Vec<Line> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mark = if f.is_changed() { "● " } else { "  " };
            let line = Line::from(vec![
                Span::styled(mark, theme.warning),
                Span::raw(f.name.clone()),
            ]);
            if i == state.selected {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(rows).block(
            Block::default()
                .borders(Borders::RIGHT)
                .border_style(theme.border),
        ),
        list,
    );
    if let Some(file) = files.get(state.selected) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focus_style(state.focus == EvolveFocus::Editor))
            .title(format!(" {} ", file.name));
        let inner_editor = block.inner(editor);
        frame.render_widget(block, editor);
        frame.render_widget(&file.editor, inner_editor);
    }
    let changed = files.iter().filter(|f| f.is_changed()).count();
    let line = match &state.problem {
        Some(problem) => Line::from(Span::styled(format!("✗ {problem}"), theme.error)),
        None if changed == 0 => Line::from(Span::styled(
            "no edits: the configured evolver (or a plain copy) makes the new version",
            theme.dim,
        )),
        None => Line::from(Span::styled(
            format!("{changed} file(s) edited: they become the new version"),
            theme.ok,
        )),
    };
    frame.render_widget(Paragraph::new(line), status);
}
