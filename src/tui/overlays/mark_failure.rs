//! Marking a failure by hand for a run: scenario, error, an optional negative tag and the
//! severity, checked by the same library call as `mark-failure` and MCP's report.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::centered;
use crate::command::Command;
use crate::model::{Severity, ToolId};
use crate::quality::FailureReport;
use crate::tui::app::App;
use crate::tui::ui::fit;

pub struct MarkFailureState {
    pub tool: String,
    pub version: String,
    pub run_id: Option<i64>,
    pub scenario: TextArea<'static>,
    pub error: TextArea<'static>,
    /// A negative tag such as `not-for-json`; optional.
    pub tag: TextArea<'static>,
    pub severity: Severity,
    /// 0 scenario, 1 error, 2 tag, 3 severity.
    pub field: usize,
    /// Negative tags already reported in this workspace, sorted: what Tab completes.
    pub known_tags: Vec<String>,
    pub problem: Option<String>,
}

impl MarkFailureState {
    pub fn new(
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
    pub fn next_field(&mut self) {
        if self.field == 2
            && let Some(tag) = self.completion()
        {
            self.tag = TextArea::new(vec![tag]);
            self.tag
                .set_cursor_line_style(ratatui::style::Style::default());
            self.tag.move_cursor(ratatui_textarea::CursorMove::End);
            return;
        }
        self.field = (self.field + 1) % 4;
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

    pub fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        match self.field {
            0 if key.code != KeyCode::Enter => {
                self.scenario.input(key);
            }
            1 if key.code != KeyCode::Enter => {
                self.error.input(key);
            }
            2 if key.code != KeyCode::Enter => {
                self.tag.input(key);
            }
            3 => {
                let step: isize = match key.code {
                    KeyCode::Left | KeyCode::Char('h') => -1,
                    KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => 1,
                    _ => 0,
                };
                let all = Severity::ALL;
                let i = all.iter().position(|s| *s == self.severity).unwrap_or(0) as isize;
                self.severity = all[(i + step).rem_euclid(all.len() as isize) as usize];
            }
            _ => {}
        }
    }

    /// The command that records the failure, or what is wrong with it: the rule
    /// `mark-failure` applies, checked here too so the dialog can stay open and say it.
    pub fn command(&self) -> Result<Command, crate::quality::FailureReportError> {
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

pub fn draw(frame: &mut Frame, app: &App, area: Rect, state: &MarkFailureState) {
    let theme = &app.theme;
    let rect = centered(area, 70, 17);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Mark a failure of {}@{} ", state.tool, state.version),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            " tab next field · ←/→ severity · ctrl-s save · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [scenario, error, tag, severity, problem] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(1),
    ])
    .areas(inner);
    let tag_label = if state.known_tags.is_empty() {
        "negative tag".to_string()
    } else {
        format!(
            "negative tag · tab completes: {}",
            state.known_tags.join(", ")
        )
    };
    for (i, (label, widget, rect)) in [
        ("scenario", &state.scenario, scenario),
        ("error", &state.error, error),
        (tag_label.as_str(), &state.tag, tag),
    ]
    .into_iter()
    .enumerate()
    {
        let style = if state.field == i {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(format!(
                " {} ",
                fit(label, rect.width.saturating_sub(4) as usize)
            ));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(widget, inner);
    }
    let mut spans = vec![Span::styled(
        " severity: ",
        if state.field == 3 {
            theme.title_focused
        } else {
            theme.dim
        },
    )];
    for s in Severity::ALL {
        let style = if *s == state.severity {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(format!(" {s} "), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), severity);
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error)),
            problem,
        );
    }
}
