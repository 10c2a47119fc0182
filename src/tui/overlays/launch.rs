//! The launch dialog: input editor prefilled from the schema, checked as you type, and the
//! typed confirmation that costly tools ask for.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;
use serde_json::Value;

use super::centered;
use crate::model::{InputMode, Manifest, ToolEntry};
use crate::runner::schema;
use crate::tui::app::App;

pub struct LaunchState {
    pub entry: ToolEntry,
    pub manifest: Arc<Manifest>,
    /// `None` for tools that take no input.
    pub editor: Option<TextArea<'static>>,
    schema: Option<Value>,
    /// What is wrong with the input right now, if anything.
    pub error: Option<String>,
    /// Present when the admission rule asks for a typed confirmation.
    pub confirm: Option<TextArea<'static>>,
    /// Why it asks (`runner::gate`), in the words the CLI and agents read too.
    confirm_reason: String,
    pub editing_confirm: bool,
}

impl LaunchState {
    /// `confirmation`: why the tool needs a typed confirmation, when it does.
    pub fn new(entry: ToolEntry, manifest: Arc<Manifest>, confirmation: Option<String>) -> Self {
        let tool_dir = crate::runner::tool_dir(&entry);
        let schema = manifest
            .input_schema
            .as_ref()
            .and_then(|source| schema::load(source, &tool_dir).ok());
        let editor = (manifest.run.input != InputMode::None).then(|| {
            let example = schema
                .as_ref()
                .map(schema::example_input)
                .unwrap_or_else(|| Value::Object(Default::default()));
            let text = serde_json::to_string_pretty(&example).unwrap_or_else(|_| "{}".to_string());
            let mut area = TextArea::new(text.lines().map(str::to_string).collect());
            area.set_cursor_line_style(ratatui::style::Style::default());
            area
        });
        let confirm = confirmation.is_some().then(|| {
            let mut area = TextArea::default();
            area.set_cursor_line_style(ratatui::style::Style::default());
            area.set_placeholder_text(format!("type {} to confirm", entry.name));
            area
        });
        let mut state = Self {
            entry,
            manifest,
            editor,
            schema,
            error: None,
            confirm,
            confirm_reason: confirmation.unwrap_or_default(),
            editing_confirm: false,
        };
        state.check();
        state
    }

    /// The input text as typed, `None` for tools without input.
    pub fn input(&self) -> Option<String> {
        self.editor.as_ref().map(|e| e.lines().join("\n"))
    }

    /// Re-checks the input against the schema after every edit.
    pub fn check(&mut self) {
        self.error = None;
        let Some(text) = self.input() else {
            return;
        };
        let value = match serde_json::from_str::<Value>(if text.trim().is_empty() {
            "{}"
        } else {
            &text
        }) {
            Ok(value) => value,
            Err(e) => {
                self.error = Some(format!("not valid JSON: {e}"));
                return;
            }
        };
        if let Some(schema) = &self.schema
            && let Err(reason) = schema::check(schema, &value)
        {
            self.error = Some(reason.to_string());
        }
    }

    /// Why the run cannot start yet, or `None` when it can.
    pub fn blocker(&self) -> Option<String> {
        if let Some(error) = &self.error {
            return Some(format!("input: {error}"));
        }
        let confirm = self.confirm.as_ref()?;
        let typed = confirm.lines().join("");
        (typed.trim() != self.entry.name).then(|| {
            format!(
                "type {} to confirm this {} cost run",
                self.entry.name, self.manifest.cost_tier
            )
        })
    }

    pub fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        let target = if self.editing_confirm {
            self.confirm.as_mut()
        } else {
            self.editor.as_mut()
        };
        if let Some(area) = target {
            area.input(key);
        }
        self.check();
    }

    pub fn switch_field(&mut self) {
        if self.confirm.is_some() && self.editor.is_some() {
            self.editing_confirm = !self.editing_confirm;
        } else {
            self.editing_confirm = self.confirm.is_some();
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, state: &LaunchState) {
    let theme = &app.theme;
    let rect = centered(area, 76, area.height.saturating_sub(4).max(12));
    let m = &state.manifest;
    let title = format!(" Run {} {} ", m.name, m.version);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(
            " ctrl-s run · tab switch field · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let confirm_height = if state.confirm.is_some() { 3 } else { 0 };
    let [info, editor, status, confirm] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(confirm_height),
    ])
    .areas(inner);
    let mut info_spans = vec![
        Span::styled(format!("{} · ", m.description), theme.text),
        Span::styled(format!("cost {} ", m.cost_tier), theme.cost(m.cost_tier)),
        Span::styled(
            format!("· input {} · timeout {} s", m.run.input, m.run.timeout_secs),
            theme.dim,
        ),
    ];
    // What the run will be granted, and on which project.
    if m.permissions != Default::default() {
        let on = match (&app.project_label, m.permissions.uses_project()) {
            (Some(project), true) => format!(" on {project}"),
            (None, true) => " (no project!)".to_string(),
            _ => String::new(),
        };
        info_spans.push(Span::styled(
            format!(" · {}{on}", m.permissions.summary()),
            theme.warning,
        ));
    }
    let info_line = Line::from(info_spans);
    frame.render_widget(Paragraph::new(info_line).wrap(Wrap { trim: true }), info);
    match &state.editor {
        Some(area) => {
            let style = if state.editing_confirm {
                theme.border
            } else {
                theme.border_focused
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(style)
                .title(" input (JSON) ");
            let inner_editor = block.inner(editor);
            frame.render_widget(block, editor);
            frame.render_widget(area, inner_editor);
        }
        None => frame.render_widget(
            Paragraph::new(if state.confirm.is_some() {
                "This tool takes no input. Type its name below, then press ctrl-s to run it."
            } else {
                "This tool takes no input. Press enter (or ctrl-s) to run it."
            })
            .style(theme.dim),
            editor,
        ),
    }
    let status_line = match &state.error {
        Some(error) => Line::from(Span::styled(format!("✗ {error}"), theme.error)),
        None if state.editor.is_some() => {
            Line::from(Span::styled("✓ input matches the schema", theme.ok))
        }
        None => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(status_line).wrap(Wrap { trim: true }),
        status,
    );
    if let Some(area) = &state.confirm {
        let style = if state.editing_confirm {
            theme.border_focused
        } else {
            theme.warning
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(Span::styled(
                format!(" type the tool name to confirm: {} ", state.confirm_reason),
                theme.warning,
            ));
        let inner_confirm = block.inner(confirm);
        frame.render_widget(block, confirm);
        frame.render_widget(area, inner_confirm);
    }
}
