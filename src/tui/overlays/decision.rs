//! Confirming a review decision, with the reason, feedback or hint it takes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::centered;
use crate::model::ToolEntry;
use crate::tui::app::App;

/// The decisions a key can ask for; each ends in the `review` library function of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Approve,
    Reject,
    RequestChanges,
    Promote,
    Archive,
    Restore,
    Rollback,
    Evolve,
}

impl DecisionKind {
    pub fn verb(self) -> &'static str {
        match self {
            DecisionKind::Approve => "Approve",
            DecisionKind::Reject => "Reject",
            DecisionKind::RequestChanges => "Request changes to",
            DecisionKind::Promote => "Promote",
            DecisionKind::Archive => "Archive",
            DecisionKind::Restore => "Restore",
            DecisionKind::Rollback => "Roll back",
            DecisionKind::Evolve => "Evolve",
        }
    }

    /// What the text field holds, and whether it may stay empty.
    fn field(self) -> (&'static str, bool) {
        match self {
            DecisionKind::Approve => ("reason (optional)", true),
            DecisionKind::Reject => ("reason (required)", false),
            DecisionKind::RequestChanges => (
                "feedback for the agent (required, written to REVIEW.md)",
                false,
            ),
            DecisionKind::Evolve => (
                "hint: what should the new version do better? (required)",
                false,
            ),
            DecisionKind::Archive => ("reason (optional)", true),
            DecisionKind::Promote | DecisionKind::Restore | DecisionKind::Rollback => {
                ("note (optional, not recorded)", true)
            }
        }
    }

    fn consequence(self) -> &'static str {
        match self {
            DecisionKind::Approve => {
                "experimental → approved; an active version of the same name is superseded and kept as a snapshot"
            }
            DecisionKind::Reject => "experimental → archived",
            DecisionKind::RequestChanges => {
                "stays in experimental; the feedback is written to REVIEW.md for the agent"
            }
            DecisionKind::Promote => "approved → core",
            DecisionKind::Archive => "→ archived (restore brings it back)",
            DecisionKind::Restore => "archived → the tier it left",
            DecisionKind::Rollback => {
                "the previous version becomes active again; this one is archived"
            }
            DecisionKind::Evolve => {
                "a new candidate with the minor version bumped appears in experimental; this one is untouched"
            }
        }
    }
}

pub struct DecisionState {
    pub kind: DecisionKind,
    pub entry: ToolEntry,
    pub text: TextArea<'static>,
    pub problem: Option<String>,
}

impl DecisionState {
    pub fn new(kind: DecisionKind, entry: ToolEntry) -> Self {
        let mut text = TextArea::default();
        text.set_cursor_line_style(ratatui::style::Style::default());
        text.set_placeholder_text(kind.field().0);
        Self {
            kind,
            entry,
            text,
            problem: None,
        }
    }

    /// The typed text, or why the decision cannot be submitted yet.
    pub fn value(&self) -> Result<String, String> {
        let text = self.text.lines().join(" ").trim().to_string();
        let (label, optional) = self.kind.field();
        if text.is_empty() && !optional {
            return Err(format!(
                "{} needs a {}",
                self.kind.verb().to_lowercase(),
                label.split(' ').next().unwrap_or("text")
            ));
        }
        Ok(text)
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, state: &DecisionState) {
    let theme = &app.theme;
    let rect = centered(area, 72, 11);
    let title = format!(" {} {}? ", state.kind.verb(), state.entry.id());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(" enter confirm · esc cancel ", theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [what, field, problem] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            state.kind.consequence(),
            theme.text,
        )))
        .wrap(Wrap { trim: true }),
        what,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(format!(" {} ", state.kind.field().0));
    let inner_field = block.inner(field);
    frame.render_widget(block, field);
    frame.render_widget(&state.text, inner_field);
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error)),
            problem,
        );
    }
}
