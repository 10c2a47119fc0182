//! What a person asks of a tool under review, as the keys, the menus and the subcommands
//! name it: the decisions without what they carry ([`DecisionKind`]), what a decision's text
//! is to it ([`TextRole`]), and one decision with everything it carries ([`ReviewCommand`]).

use std::collections::BTreeMap;

/// The decisions, without what they carry: what a key or a menu names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecisionKind {
    Approve,
    Reject,
    RequestChanges,
    Promote,
    Archive,
    Restore,
    Rollback,
    Resubmit,
}

/// What a decision's text is to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRole {
    /// Recorded with the decision; may be empty.
    OptionalReason,
    /// Recorded with the decision; refused when empty.
    RequiredReason,
    /// Written to REVIEW.md for the tool's author; refused when empty.
    Feedback,
    /// The decision takes no text.
    None,
}

impl DecisionKind {
    pub(crate) fn verb(self) -> &'static str {
        match self {
            DecisionKind::Approve => "Approve",
            DecisionKind::Reject => "Reject",
            DecisionKind::RequestChanges => "Request changes to",
            DecisionKind::Promote => "Promote",
            DecisionKind::Archive => "Archive",
            DecisionKind::Restore => "Restore",
            DecisionKind::Rollback => "Roll back",
            DecisionKind::Resubmit => "Send back to review",
        }
    }

    pub(crate) fn text_role(self) -> TextRole {
        match self {
            DecisionKind::Approve | DecisionKind::Archive => TextRole::OptionalReason,
            DecisionKind::Reject => TextRole::RequiredReason,
            DecisionKind::RequestChanges => TextRole::Feedback,
            DecisionKind::Promote
            | DecisionKind::Restore
            | DecisionKind::Rollback
            | DecisionKind::Resubmit => TextRole::None,
        }
    }

    /// The command this kind makes with `text` (a reason, feedback or hint as its role says;
    /// ignored by kinds that take none). Empty required text is refused by [`apply`].
    pub(crate) fn with_text(self, text: &str) -> ReviewCommand {
        let optional = (!text.trim().is_empty()).then(|| text.to_string());
        match self {
            DecisionKind::Approve => ReviewCommand::Approve {
                reason: optional,
                accepted: Default::default(),
            },
            DecisionKind::Reject => ReviewCommand::Reject {
                reason: text.to_string(),
            },
            DecisionKind::RequestChanges => ReviewCommand::RequestChanges {
                feedback: text.to_string(),
            },
            DecisionKind::Promote => ReviewCommand::Promote,
            DecisionKind::Archive => ReviewCommand::Archive { reason: optional },
            DecisionKind::Restore => ReviewCommand::Restore,
            DecisionKind::Rollback => ReviewCommand::Rollback { to: None },
            DecisionKind::Resubmit => ReviewCommand::Resubmit,
        }
    }
}

/// One decision with everything it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewCommand {
    /// experimental → approved (an active approved version is archived and kept). Content
    /// that failed validation, or asks for more than the active version was granted, needs
    /// `accepted` to say so.
    Approve {
        reason: Option<String>,
        accepted: super::Accepted,
    },
    /// experimental → archived.
    Reject { reason: String },
    /// REVIEW.md is written; the tool stays in experimental.
    RequestChanges { feedback: String },
    /// approved → core.
    Promote,
    /// any tier → archived.
    Archive { reason: Option<String> },
    /// archived → the tier it left.
    Restore,
    /// The previous (or the given) version becomes active again.
    Rollback { to: Option<String> },
    /// A new candidate from the tool and a hint, by the configured evolver or `with`.
    Evolve {
        hint: String,
        with: Option<Vec<String>>,
    },
    /// A new candidate from files the human edited (relative path → new text).
    EvolveEdited {
        hint: String,
        edits: BTreeMap<String, String>,
    },
    /// An active tool's changed content goes to review as a new candidate; the approved
    /// content runs again meanwhile.
    Resubmit,
}

impl ReviewCommand {
    /// The kind a key or menu names for this decision; `None` for an evolve, which has an
    /// overlay of its own.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> Option<DecisionKind> {
        Some(match self {
            ReviewCommand::Approve { .. } => DecisionKind::Approve,
            ReviewCommand::Reject { .. } => DecisionKind::Reject,
            ReviewCommand::RequestChanges { .. } => DecisionKind::RequestChanges,
            ReviewCommand::Promote => DecisionKind::Promote,
            ReviewCommand::Archive { .. } => DecisionKind::Archive,
            ReviewCommand::Restore => DecisionKind::Restore,
            ReviewCommand::Rollback { .. } => DecisionKind::Rollback,
            ReviewCommand::Evolve { .. } | ReviewCommand::EvolveEdited { .. } => return None,
            ReviewCommand::Resubmit => DecisionKind::Resubmit,
        })
    }
}
