//! Confirming a review decision, with the reason, feedback or hint it takes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::centered;
use crate::model::ToolEntry;
use crate::review::{DecisionKind, TextRole};
use crate::tui::app::App;

/// What the text field of a decision is for, and whether it may stay empty.
fn text_field(kind: DecisionKind) -> (&'static str, bool) {
    match kind.text_role() {
        TextRole::OptionalReason => ("reason (optional)", true),
        TextRole::RequiredReason => ("reason (required)", false),
        TextRole::Feedback => (
            "feedback for the agent (required, written to REVIEW.md)",
            false,
        ),
        TextRole::Hint => (
            "hint: what should the new version do better? (required)",
            false,
        ),
        TextRole::None => ("note (optional, not recorded)", true),
    }
}

fn consequence(kind: DecisionKind) -> &'static str {
    match kind {
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
        DecisionKind::Rollback => "the previous version becomes active again; this one is archived",
        DecisionKind::Evolve => {
            "a new candidate with the minor version bumped appears in experimental; this one is untouched"
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
        text.set_placeholder_text(text_field(kind).0);
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
        let (label, optional) = text_field(self.kind);
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
            consequence(state.kind),
            theme.text,
        )))
        .wrap(Wrap { trim: true }),
        what,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(format!(" {} ", text_field(state.kind).0));
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
