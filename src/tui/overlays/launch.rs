//! The launch dialog: input editor prefilled from the schema, checked as you type, and the
//! typed confirmation that costly tools ask for.

use std::sync::Arc;

use ratatui_textarea::{CursorMove, TextArea};
use serde_json::Value;

use crate::model::input_schema;
use crate::model::{InputMode, Manifest, ToolEntry};
use crate::tui::paste::{self, Field};
use crate::workbench::reads::schema_of;

mod draw;
mod history;
pub(crate) use draw::draw;
pub(crate) use history::{INPUT_HISTORY, INPUT_HISTORY_BYTES, InputHistory};

pub(crate) struct LaunchState {
    pub(crate) entry: ToolEntry,
    pub(crate) manifest: Arc<Manifest>,
    /// `None` for tools that take no input.
    pub(crate) editor: Option<TextArea<'static>>,
    schema: Option<Value>,
    /// What is wrong with the input right now, if anything.
    pub(crate) error: Option<String>,
    /// Present when the admission rule asks for a typed confirmation, or the person grants an
    /// unreviewed tool what it declares.
    pub(crate) confirm: Option<TextArea<'static>>,
    /// Why the admission rule asks (`model::admission`), in the words the CLI and agents read
    /// too; empty when it does not.
    gate_reason: String,
    pub(crate) editing_confirm: bool,
    /// The tool is outside core/ and approved/ and declares something: it runs without what
    /// it declares unless the person grants it (`grant`, which asks for the typed name).
    pub(crate) unreviewed: bool,
    pub(crate) grant: bool,
    /// The tool's past inputs, read from the store after the dialog opened.
    pub(crate) history: InputHistory,
}

/// Where a person starts typing in the example input: the value of `wanted` (the first
/// required property: the example lists properties by name, so an optional one may come
/// first), else the first value; selected so that what is typed replaces it (a string's text
/// without its quotes, a number or `true`); inside the quotes of an empty string or the
/// brackets of an empty list; else before the value. `(row, first column, column after the
/// selection)`.
fn first_value(lines: &[String], wanted: Option<&str>) -> (u16, u16, u16) {
    let at = |row: usize, start: usize, end: usize| {
        let column = |c: usize| u16::try_from(c).unwrap_or(0);
        (u16::try_from(row).unwrap_or(0), column(start), column(end))
    };
    // A top-level property's line is indented two spaces.
    let wanted = wanted.map(|name| format!("  {}: ", Value::from(name)));
    let from = wanted
        .as_deref()
        .and_then(|key| lines.iter().position(|line| line.starts_with(key)))
        .unwrap_or(0);
    for (row, line) in lines.iter().enumerate().skip(from) {
        let Some(key_end) = line.find("\": ").map(|i| i + "\": ".len()) else {
            continue;
        };
        let start = line[..key_end].chars().count();
        let value = line[key_end..].trim_end().trim_end_matches(',');
        let length = value.chars().count();
        return match value.chars().next() {
            Some('"') if length >= 2 => at(row, start + 1, start + length - 1),
            Some('[' | '{') if length == 2 => at(row, start + 1, start + 1),
            Some('[' | '{') | None => at(row, start, start),
            Some(_) => at(row, start, start + length),
        };
    }
    at(0, 0, 0)
}

impl LaunchState {
    /// `confirmation`: why the tool needs a typed confirmation, when it does.
    pub(crate) fn new(
        entry: ToolEntry,
        manifest: Arc<Manifest>,
        confirmation: Option<String>,
    ) -> Self {
        let schema = manifest
            .input_schema
            .as_ref()
            .and_then(|source| schema_of(&entry, source).ok());
        let editor = (manifest.run.input != InputMode::None).then(|| {
            let example = schema
                .as_ref()
                .map(input_schema::example_input)
                .unwrap_or_else(|| Value::Object(Default::default()));
            let text = serde_json::to_string_pretty(&example).unwrap_or_else(|_| "{}".to_string());
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            let required = schema
                .as_ref()
                .and_then(|s| s.get("required")?.get(0)?.as_str());
            let (row, start, end) = first_value(&lines, required);
            let mut area = TextArea::new(lines);
            area.set_cursor_line_style(ratatui::style::Style::default());
            area.move_cursor(CursorMove::Jump(row, start));
            if end > start {
                area.start_selection();
                area.move_cursor(CursorMove::Jump(row, end));
            }
            area
        });
        let unreviewed = !entry.tier.is_active() && manifest.permissions.declares_any();
        let confirm = confirmation.is_some().then(confirm_field);
        let mut state = Self {
            entry,
            manifest,
            editor,
            schema,
            error: None,
            confirm,
            gate_reason: confirmation.unwrap_or_default(),
            editing_confirm: false,
            unreviewed,
            grant: false,
            history: InputHistory::default(),
        };
        state.keys_to_the_only_field();
        state.check();
        state
    }

    /// With no input to edit, the typed name is the one field, and it has the keys: what is
    /// typed must not go to an editor that is not there.
    fn keys_to_the_only_field(&mut self) {
        if self.editor.is_none() {
            self.editing_confirm = self.confirm.is_some();
        }
    }

    /// The dialog with `input` in the editor instead of the schema's example.
    pub(crate) fn with_input(mut self, input: &str) -> Self {
        self.set_input(input);
        self
    }

    fn set_input(&mut self, input: &str) {
        if let Some(editor) = &mut self.editor {
            let mut area = TextArea::new(input.lines().map(str::to_string).collect());
            area.set_cursor_line_style(editor.cursor_line_style());
            *editor = area;
            self.check();
        }
    }

    /// Shows the next older (or newer) past input; false when there is none that way.
    pub(crate) fn walk_history(&mut self, older: bool) -> bool {
        let Some(current) = self.input() else {
            return false;
        };
        match self.history.step(older, &current) {
            Some(text) => {
                self.set_input(&text);
                true
            }
            None => false,
        }
    }

    /// What the person confirmed by typing the name: the cost gate's question, and the grants
    /// of an unreviewed tool when they asked for them.
    pub(crate) fn consent(&self) -> crate::command::Consent {
        crate::command::Consent {
            confirmed: self.confirm.is_some() && !self.gate_reason.is_empty(),
            grant: self.grant,
        }
    }

    /// Grants an unreviewed tool what it declares for this run, or takes that back; granting
    /// asks for the typed name.
    pub(crate) fn toggle_grant(&mut self) {
        if !self.unreviewed {
            return;
        }
        self.grant = !self.grant;
        if self.grant && self.confirm.is_none() {
            self.confirm = Some(confirm_field());
        }
        if !self.grant && self.gate_reason.is_empty() {
            self.confirm = None;
            self.editing_confirm = false;
        }
        self.keys_to_the_only_field();
    }

    /// What the confirmation field asks for, as its title says: the tool's name, typed.
    pub(crate) fn confirm_prompt(&self) -> String {
        format!("type {} to confirm", self.entry.name)
    }

    /// Why the typed name is asked for, as the dialog says above the input.
    pub(crate) fn confirm_reason(&self) -> String {
        let grant = "grants an unreviewed tool what it declares";
        match (self.gate_reason.is_empty(), self.grant) {
            (false, true) => format!("{}; {grant}", self.gate_reason),
            (false, false) => self.gate_reason.clone(),
            (true, _) => grant.to_string(),
        }
    }

    /// The input text as typed, `None` for tools without input.
    pub(crate) fn input(&self) -> Option<String> {
        self.editor.as_ref().map(|e| e.lines().join("\n"))
    }

    /// Re-checks the input against the schema after every edit.
    pub(crate) fn check(&mut self) {
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
            && let Err(reason) = input_schema::check(schema, &value)
        {
            self.error = Some(reason.to_string());
        }
    }

    /// Why the run cannot start yet, or `None` when it can.
    pub(crate) fn blocker(&self) -> Option<String> {
        if let Some(error) = &self.error {
            return Some(format!("input: {error}"));
        }
        let confirm = self.confirm.as_ref()?;
        let typed = confirm.lines().join("");
        (typed.trim() != self.entry.name).then(|| {
            let what = match (self.gate_reason.is_empty(), self.grant) {
                (true, _) => "to grant it what it declares".to_string(),
                (false, true) => format!(
                    "to confirm this {} cost run and its grants",
                    self.manifest.cost_tier
                ),
                (false, false) => format!("to confirm this {} cost run", self.manifest.cost_tier),
            };
            format!("type {} {what}", self.entry.name)
        })
    }

    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        // Up on the editor's first row walks to older inputs, down on its last to newer
        // ones, as a shell's history does with a command over several lines.
        if let (false, Some(editor), KeyModifiers::NONE) =
            (self.editing_confirm, &self.editor, key.modifiers)
        {
            let row = editor.cursor().0;
            let walked = match key.code {
                KeyCode::Up if row == 0 => self.walk_history(true),
                KeyCode::Down if row + 1 >= editor.lines().len() && self.history.is_walking() => {
                    self.walk_history(false)
                }
                _ => false,
            };
            if walked {
                return;
            }
        }
        let field = self.field();
        let target = if self.editing_confirm {
            self.confirm.as_mut()
        } else {
            self.editor.as_mut()
        };
        if let Some(area) = target {
            paste::key_into_area(area, key, field);
        }
        self.check();
    }

    /// How the field that has the keys takes text: the input's editor its lines, the typed
    /// name one line (there Enter runs).
    pub(crate) fn field(&self) -> Field {
        if self.editing_confirm || self.editor.is_none() {
            Field::Line
        } else {
            Field::Lines
        }
    }

    /// Types a paste into the field that has the keys: the input's editor takes its lines,
    /// the confirmation one line. False when the tool takes no input and asks nothing.
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        let field = self.field();
        let target = if self.editing_confirm {
            self.confirm.as_mut()
        } else {
            self.editor.as_mut()
        };
        let Some(area) = target else {
            return false;
        };
        paste::into_area(area, text, field);
        self.check();
        true
    }

    /// The input's editor and the typed name both: the keys move between them.
    pub(crate) fn two_fields(&self) -> bool {
        self.editor.is_some() && self.confirm.is_some()
    }

    pub(crate) fn switch_field(&mut self) {
        if self.two_fields() {
            self.editing_confirm = !self.editing_confirm;
        } else {
            self.editing_confirm = self.confirm.is_some();
        }
    }
}

/// The field the name is typed into; its title says what to type (`confirm_prompt`).
fn confirm_field() -> TextArea<'static> {
    let mut area = TextArea::default();
    area.set_cursor_line_style(ratatui::style::Style::default());
    area
}

#[cfg(test)]
mod tests {
    use super::first_value;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn typing_starts_at_the_first_value() {
        // A string's text is selected without its quotes; an empty one takes the cursor
        // between them.
        let example = lines("{\n  \"text\": \"\",\n  \"n\": 0\n}");
        assert_eq!(first_value(&example, None), (1, 11, 11));
        assert_eq!(
            first_value(&lines("{\n  \"mode\": \"fast\"\n}"), None),
            (1, 11, 15)
        );
        // A number or a boolean is selected, its comma left.
        assert_eq!(
            first_value(&lines("{\n  \"n\": 10,\n  \"m\": 1\n}"), None),
            (1, 7, 9)
        );
        assert_eq!(
            first_value(&lines("{\n  \"on\": false\n}"), None),
            (1, 8, 13)
        );
        // An empty list takes the cursor inside; a list over several rows, before it.
        assert_eq!(
            first_value(&lines("{\n  \"tags\": []\n}"), None),
            (1, 11, 11)
        );
        assert_eq!(
            first_value(&lines("{\n  \"tags\": [\n    \"a\"\n  ]\n}"), None),
            (1, 10, 10)
        );
        // Columns count characters, not bytes; no key at all: the start.
        assert_eq!(first_value(&lines("{\n  \"é\": \"\"\n}"), None), (1, 8, 8));
        assert_eq!(first_value(&lines("{}"), None), (0, 0, 0));
        // The first required property, when one is named, wherever the example lists it.
        let example = lines("{\n  \"max_length\": 64,\n  \"text\": \"\"\n}");
        assert_eq!(first_value(&example, Some("text")), (2, 11, 11));
        assert_eq!(first_value(&example, Some("gone")), (1, 16, 18));
    }
}
