//! Confirming a review decision on a tool or a tool request, with the reason, feedback or
//! hint it takes.

use std::borrow::Cow;

use ratatui_textarea::TextArea;

use crate::model::ToolEntry;
use crate::model::decisions::DecisionKind;
use crate::model::decisions::Destination;
use crate::model::decisions::TextRole;
use crate::model::requests::RequestRow;
use crate::tui::paste::{self, Field};

mod draw;
pub(crate) use draw::draw;

/// What the decision is about.
pub(crate) enum Subject {
    Tool(ToolEntry),
    /// Candidates marked in the Review pane: each is decided and recorded on its own.
    Tools(Vec<ToolEntry>),
    /// A tool an agent asked for: the answer goes to the agent; nothing moves.
    Request(RequestRow),
}

impl Subject {
    fn label(&self) -> String {
        match self {
            Subject::Tool(entry) => entry.id().to_string(),
            Subject::Tools(entries) => match entries.len() {
                1 => "1 marked candidate".to_string(),
                n => format!("{n} marked candidates"),
            },
            Subject::Request(request) => format!("the request for {}", request.name),
        }
    }
}

/// What the text field of a decision is for, and whether it may stay empty.
fn text_field(kind: DecisionKind, subject: &Subject) -> (&'static str, bool) {
    match kind.text_role() {
        // A request has no folder to write REVIEW.md into: the agent reads it from its status.
        TextRole::Feedback if matches!(subject, Subject::Request(_)) => {
            ("feedback for the agent (required)", false)
        }
        TextRole::OptionalReason => ("reason (optional)", true),
        TextRole::RequiredReason => ("reason (required)", false),
        TextRole::Feedback => (
            "feedback for the agent (required, written to REVIEW.md)",
            false,
        ),
        TextRole::None => ("note (optional, not recorded)", true),
    }
}

/// What the decision does to `entry`; `superseded` names the approved tool an approval
/// archives in its place, `destination` where a restore or a rollback takes it (`None` while
/// it is read, an error when the decision would be refused).
fn consequence(
    kind: DecisionKind,
    entry: &ToolEntry,
    superseded: Option<&str>,
    destination: Option<&Result<Destination, String>>,
) -> Cow<'static, str> {
    match (kind, destination) {
        (DecisionKind::Restore, Some(Ok(Destination::Tier(tier)))) => {
            return Cow::Owned(format!("archived → {tier}"));
        }
        (
            DecisionKind::Rollback,
            Some(Ok(Destination::Version {
                version,
                content_hash,
            })),
        ) => {
            return Cow::Owned(format!(
                "{}@{version} ({}) becomes active again; {} is archived",
                entry.name,
                crate::model::short_hash(content_hash),
                entry.id()
            ));
        }
        (DecisionKind::Restore | DecisionKind::Rollback, Some(Err(why))) => {
            return Cow::Owned(format!("refused: {why}"));
        }
        _ => {}
    }
    Cow::Borrowed(match kind {
        // An active tool that drifted: what is there now becomes what was approved.
        DecisionKind::Approve if entry.drift.is_some() => {
            "its changed content, as validated, becomes what runs, frozen where it is"
        }
        DecisionKind::Approve => {
            return match superseded {
                Some(active) => Cow::Owned(format!(
                    "experimental → approved; {active}, approved now, is archived as superseded (its snapshot kept)"
                )),
                None => Cow::Borrowed("experimental → approved"),
            };
        }
        DecisionKind::Reject => "experimental → archived",
        DecisionKind::RequestChanges => {
            "stays in experimental; the feedback is written to REVIEW.md for the agent"
        }
        DecisionKind::Promote => "approved → core",
        DecisionKind::Archive => "→ archived (restore brings it back)",
        DecisionKind::Restore => "archived → the tier it left (reading which…)",
        DecisionKind::Rollback => {
            "the previous version (reading which…) becomes active again; this one is archived"
        }
        DecisionKind::Resubmit => {
            "the changed content becomes a candidate in experimental; the approved content runs here again"
        }
    })
}

/// What deciding on marked candidates means, for the dialog.
fn batch_consequence(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Approve => {
            "each: experimental → approved, the content marked as validated; each decision is recorded on its own"
        }
        DecisionKind::Reject => {
            "each: experimental → archived with this reason; each decision is recorded on its own"
        }
        // Taken on one tool at a time (`on_marked`): never asked for marked candidates.
        DecisionKind::RequestChanges
        | DecisionKind::Promote
        | DecisionKind::Archive
        | DecisionKind::Restore
        | DecisionKind::Rollback
        | DecisionKind::Resubmit => "each decision is recorded on its own",
    }
}

/// The marked candidates, one line each, up to six and how many more.
fn marked_lines(entries: &[ToolEntry]) -> Vec<(&'static str, String)> {
    const SHOWN: usize = 6;
    let mut lines: Vec<(&'static str, String)> = entries
        .iter()
        .take(SHOWN)
        .map(|e| {
            let id = format!("{} · {}", e.id(), crate::model::short_hash(&e.content_hash));
            (
                "",
                crate::tui::text_fit::fit(&crate::text::visible(&id), 58),
            )
        })
        .collect();
    if entries.len() > SHOWN {
        lines.push(("", format!("and {} more", entries.len() - SHOWN)));
    }
    lines
}

/// What answering a request means, for the dialog.
fn request_consequence(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Approve => "the agent may write it; nothing is written yet",
        DecisionKind::Reject => "the agent is told not to write it, and why",
        DecisionKind::RequestChanges => {
            "the agent reads the feedback and asks again or writes it as told"
        }
        // The table's kinds that need a tool (no `request` state) never answer a request.
        DecisionKind::Promote
        | DecisionKind::Archive
        | DecisionKind::Restore
        | DecisionKind::Rollback
        | DecisionKind::Resubmit => "a request has no code to act on",
    }
}

pub(crate) struct DecisionState {
    pub(crate) kind: DecisionKind,
    pub(crate) subject: Subject,
    pub(crate) text: TextArea<'static>,
    pub(crate) problem: Option<String>,
    /// The approved tool of the same name that approving this candidate archives, by id.
    pub(crate) superseded: Option<String>,
    /// What approving asks the person to accept, shown first: failing checks, what is new
    /// over the active version, a changed active tool; one line each.
    pub(crate) caution: Vec<String>,
    /// The typed word a caution asks for before the approval goes (the tool's name, or
    /// `approve` for marked candidates); focused with the next-field key.
    pub(crate) confirm: Option<TextArea<'static>>,
    pub(crate) editing_confirm: bool,
    /// Where a restore or a rollback takes the tool, once read from the store, or why it
    /// would be refused.
    pub(crate) destination: Option<Result<Destination, String>>,
}

impl DecisionState {
    pub(crate) fn new(kind: DecisionKind, subject: Subject) -> Self {
        let mut text = TextArea::default();
        text.set_cursor_line_style(ratatui::style::Style::default());
        text.set_placeholder_text(text_field(kind, &subject).0);
        Self {
            kind,
            subject,
            text,
            problem: None,
            superseded: None,
            caution: Vec::new(),
            confirm: None,
            editing_confirm: false,
            destination: None,
        }
    }

    /// The dialog showing `caution` first and asking for the typed word before it approves;
    /// nothing changes when there is nothing to accept.
    pub(crate) fn cautioned(mut self, caution: Vec<String>) -> Self {
        if !caution.is_empty() {
            let mut confirm = TextArea::default();
            confirm.set_cursor_line_style(ratatui::style::Style::default());
            confirm.set_placeholder_text(format!(
                "type {} to approve it all the same",
                self.confirm_word()
            ));
            self.confirm = Some(confirm);
            // With nothing to type but the word, the word's field has the keys.
            self.editing_confirm = !self.takes_text();
        }
        self.caution = caution;
        self
    }

    /// What the person types to accept the caution: the tool's name, or `approve` for all.
    pub(crate) fn confirm_word(&self) -> &str {
        match &self.subject {
            Subject::Tool(entry) => &entry.name,
            _ => "approve",
        }
    }

    /// Moves between the reason and the typed word.
    pub(crate) fn switch_field(&mut self) {
        self.editing_confirm = self.confirm.is_some() && !self.editing_confirm;
    }

    /// Types a paste into the field that has the keys, one line (Enter submits); false when
    /// the decision takes no text.
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        let takes_text = self.takes_text();
        let taken = match (&mut self.confirm, self.editing_confirm) {
            (Some(confirm), true) => paste::into_area(confirm, text, Field::Line),
            _ if takes_text => paste::into_area(&mut self.text, text, Field::Line),
            _ => false,
        };
        self.problem = None;
        taken
    }

    /// Types into the field that has the keys.
    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        let takes_text = self.takes_text();
        match (&mut self.confirm, self.editing_confirm) {
            (Some(confirm), true) => {
                paste::key_into_area(confirm, key, Field::Line);
            }
            _ if takes_text => {
                paste::key_into_area(&mut self.text, key, Field::Line);
            }
            _ => {}
        }
        self.problem = None;
    }

    /// What the person accepted by typing the word (everything the caution named), or what
    /// to type.
    pub(crate) fn accepted(&self) -> Result<crate::model::review_command::Accepted, String> {
        let Some(confirm) = &self.confirm else {
            return Ok(Default::default());
        };
        if confirm.lines().join("").trim() == self.confirm_word() {
            return Ok(crate::model::review_command::Accepted::ALL);
        }
        Err(format!(
            "type {} to approve it all the same",
            self.confirm_word()
        ))
    }

    /// The dialog naming `superseded` as the tool the decision archives in the candidate's
    /// place.
    pub(crate) fn superseding(mut self, superseded: Option<String>) -> Self {
        self.superseded = superseded;
        self
    }

    pub(crate) fn label(&self) -> String {
        self.subject.label()
    }

    /// Why the decision would be refused, as the store said before it was confirmed: the
    /// dialog then only closes.
    pub(crate) fn refusal(&self) -> Option<&str> {
        match &self.destination {
            Some(Err(why)) => Some(why),
            _ => None,
        }
    }

    /// Whether the decision records a reason, feedback or hint: one that records none asks
    /// for none (a note that would be thrown away is no question to ask).
    pub(crate) fn takes_text(&self) -> bool {
        !matches!(self.kind.text_role(), TextRole::None)
            || matches!(self.subject, Subject::Request(_))
    }

    /// The typed text, or why the decision cannot be submitted yet.
    pub(crate) fn value(&self) -> Result<String, NeedsText> {
        let text = self.text.lines().join(" ").trim().to_string();
        let (label, optional) = text_field(self.kind, &self.subject);
        if text.is_empty() && !optional {
            return Err(NeedsText {
                verb: self.kind.name().replace('_', " "),
                field: match label.split(' ').next() {
                    Some("reason") => "a reason",
                    _ => "feedback",
                },
            });
        }
        Ok(text)
    }
}

/// A decision that cannot go without a reason or feedback, e.g. "reject needs a reason".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{verb} needs {field}")]
pub(crate) struct NeedsText {
    verb: String,
    field: &'static str,
}

/// The request as asked, one line per field; long values are cut to the line.
fn asked_lines(request: &RequestRow) -> Vec<(&'static str, String)> {
    let spec = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    // Agents' text: control characters are shown, never sent to the terminal.
    let one_line = |text: String| crate::tui::text_fit::fit(&crate::text::visible(&text), 58);
    let mut lines = vec![
        ("asked by", one_line(request.client.clone())),
        ("does", one_line(request.description.clone())),
        ("takes", one_line(spec(&request.inputs))),
    ];
    if let Some(outputs) = &request.outputs {
        lines.push(("gives", one_line(spec(outputs))));
    }
    lines.push(("because", one_line(request.rationale.clone())));
    lines
}
