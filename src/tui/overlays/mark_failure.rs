//! Marking a failure by hand for a run: scenario, error, an optional negative tag and the
//! severity, checked by the same library call as `mark-failure` and MCP's report.

use ratatui_textarea::TextArea;

use crate::command::Command;
use crate::model::failure_report::FailureReport;
use crate::model::{Severity, ToolId};
use crate::tui::paste::{self, Field};

mod draw;
pub(crate) use draw::draw;

/// The dialog's fields: three typed, then the severity.
const FIELDS: usize = 4;

pub(crate) struct MarkFailureState {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) run_id: Option<i64>,
    pub(crate) scenario: TextArea<'static>,
    pub(crate) error: TextArea<'static>,
    /// A negative tag such as `not-for-json`; optional.
    pub(crate) tag: TextArea<'static>,
    pub(crate) severity: Severity,
    /// 0 scenario, 1 error, 2 tag, 3 severity (of `FIELDS`).
    pub(crate) field: usize,
    /// Negative tags already reported in this workspace, sorted: what Tab completes.
    pub(crate) known_tags: Vec<String>,
    pub(crate) problem: Option<String>,
}

impl MarkFailureState {
    pub(crate) fn new(
        tool: String,
        version: String,
        run_id: Option<i64>,
        error: &str,
        known_tags: Vec<String>,
    ) -> Self {
        let single_line = |text: &str, placeholder: &str| {
            let mut area = TextArea::new(vec![text.to_string()]);
            area.set_cursor_line_style(ratatui::style::Style::default());
            area.set_placeholder_text(placeholder);
            area
        };
        Self {
            tool,
            version,
            run_id,
            scenario: single_line("", "what was the tool asked to do?"),
            error: single_line(error, "what went wrong?"),
            tag: single_line("", "optional, e.g. not-for-json"),
            severity: Severity::Medium,
            field: 0,
            known_tags,
            problem: None,
        }
    }

    /// Tab: in the tag field, completes a typed start of a known tag first; else the next field.
    pub(crate) fn next_field(&mut self) {
        if self.field == 2
            && let Some(tag) = self.completion()
        {
            self.tag = TextArea::new(vec![tag]);
            self.tag
                .set_cursor_line_style(ratatui::style::Style::default());
            self.tag.move_cursor(ratatui_textarea::CursorMove::End);
            return;
        }
        self.field = (self.field + 1) % FIELDS;
    }

    /// Shift-Tab: the previous field, from the first to the last.
    pub(crate) fn prev_field(&mut self) {
        self.field = (self.field + FIELDS - 1) % FIELDS;
    }

    /// Enter: on to the next field; false on the last (the severity), where Enter saves.
    pub(crate) fn move_on(&mut self) -> bool {
        let more = self.field + 1 < FIELDS;
        if more {
            self.field += 1;
        }
        more
    }

    /// The first known tag that starts with what is typed, when that is not a tag already.
    fn completion(&self) -> Option<String> {
        let typed = self.tag.lines().join("");
        let typed = typed.trim();
        if typed.is_empty() || self.known_tags.iter().any(|t| t == typed) {
            return None;
        }
        self.known_tags
            .iter()
            .find(|t| t.starts_with(typed))
            .cloned()
    }

    /// The text field that has the keys; `None` on the severity, which is chosen, not typed.
    fn text_field(&mut self) -> Option<&mut TextArea<'static>> {
        match self.field {
            0 => Some(&mut self.scenario),
            1 => Some(&mut self.error),
            2 => Some(&mut self.tag),
            _ => None,
        }
    }

    /// Types a paste into the text field that has the keys (one line each); false on the
    /// severity.
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        self.text_field()
            .is_some_and(|area| paste::into_area(area, text, Field::Line))
    }

    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        if let Some(area) = self.text_field() {
            paste::key_into_area(area, key, Field::Line);
            return;
        }
        let step: isize = match key.code {
            KeyCode::Left | KeyCode::Char('h') => -1,
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => 1,
            _ => 0,
        };
        let all = Severity::ALL;
        let i = all.iter().position(|s| *s == self.severity).unwrap_or(0) as isize;
        self.severity = all[(i + step).rem_euclid(all.len() as isize) as usize];
    }

    /// The command that records the failure, or what is wrong with it: the rule
    /// `mark-failure` applies, checked here too so the dialog can stay open and say it.
    pub(crate) fn command(
        &self,
    ) -> Result<Command, crate::model::failure_report::FailureReportError> {
        let text = |area: &TextArea<'static>| area.lines().join(" ").trim().to_string();
        let tag = text(&self.tag);
        let report = FailureReport {
            scenario: text(&self.scenario),
            error: text(&self.error),
            severity: self.severity,
            tag: (!tag.is_empty()).then_some(tag),
        };
        report.check()?;
        Ok(Command::MarkFailure {
            tool: ToolId::known(&self.tool, &self.version),
            report,
            run: self.run_id,
        })
    }
}
