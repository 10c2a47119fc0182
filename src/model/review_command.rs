//! What a person asks of a tool under review: one decision with everything it carries
//! ([`ReviewCommand`]), what an approving person accepts ([`Accepted`]), and the command a kind
//! of the decision table (`DecisionKind`, declared in `model::decisions`) makes with the text a
//! dialog took. Plain nouns: the review applies them, front ends make them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::decisions::DecisionKind;

/// What the person approving said they accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Checks of the validation failed (`--accept-failures`).
    pub failures: bool,
    /// It asks for what the active version was not granted (`--accept-escalation`).
    pub escalation: bool,
}

impl Accepted {
    /// Everything: the person typed the confirmation a dialog that showed it all asked for.
    pub(crate) const ALL: Accepted = Accepted {
        failures: true,
        escalation: true,
    };
}

impl DecisionKind {
    /// The command this kind makes with `text` (a reason, feedback or hint as its role says;
    /// ignored by kinds that take none). Empty required text is refused when it is applied.
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

/// An evolver a person named for one evolve (`--with`): its words, and the folder its relative
/// paths are taken from, the one the person named it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvolverCommand {
    pub argv: Vec<String>,
    pub from: PathBuf,
}

/// One decision with everything it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewCommand {
    /// experimental → approved (an active approved version is archived and kept). Content
    /// that failed validation, or asks for more than the active version was granted, needs
    /// `accepted` to say so.
    Approve {
        reason: Option<String>,
        accepted: Accepted,
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
        with: Option<EvolverCommand>,
    },
    /// A new candidate from files the human edited (relative path → new text).
    EvolveEdited {
        hint: String,
        edits: BTreeMap<String, String>,
    },
    /// An active tool's changed content goes to review as a new candidate; the approved
    /// content runs again meanwhile.
    Resubmit,
    /// Takes back the decision recorded as `of` (the id of its row in the decision log), the
    /// newest on the tool and taken by the same person: the tool goes back where it found it
    /// (`review::undo`). Recorded as a decision of its own.
    Undo { of: i64 },
}

impl ReviewCommand {
    /// The kind a key or menu names for this decision; `None` for an evolve and an undo.
    pub(crate) fn kind(&self) -> Option<DecisionKind> {
        Some(match self {
            ReviewCommand::Approve { .. } => DecisionKind::Approve,
            ReviewCommand::Reject { .. } => DecisionKind::Reject,
            ReviewCommand::RequestChanges { .. } => DecisionKind::RequestChanges,
            ReviewCommand::Promote => DecisionKind::Promote,
            ReviewCommand::Archive { .. } => DecisionKind::Archive,
            ReviewCommand::Restore => DecisionKind::Restore,
            ReviewCommand::Rollback { .. } => DecisionKind::Rollback,
            // An evolve has an overlay of its own; an undo names the decision it takes back.
            ReviewCommand::Evolve { .. }
            | ReviewCommand::EvolveEdited { .. }
            | ReviewCommand::Undo { .. } => return None,
            ReviewCommand::Resubmit => DecisionKind::Resubmit,
        })
    }

    /// The reason or feedback it carries, as typed; `None` when it carries none.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            ReviewCommand::Approve { reason, .. } | ReviewCommand::Archive { reason } => {
                reason.as_deref()
            }
            ReviewCommand::Reject { reason } => Some(reason),
            ReviewCommand::RequestChanges { feedback } => Some(feedback),
            ReviewCommand::Evolve { hint, .. } | ReviewCommand::EvolveEdited { hint, .. } => {
                Some(hint)
            }
            ReviewCommand::Promote
            | ReviewCommand::Restore
            | ReviewCommand::Rollback { .. }
            | ReviewCommand::Resubmit
            | ReviewCommand::Undo { .. } => None,
        }
    }
}
