//! What a review decision did: the decision on a tool, the answer to a tool request, and the
//! one line each says to a person. The review library makes them (`review::lifecycle`,
//! `review::requests`); every front end shows them.

use serde::Serialize;

use crate::model::Tier;
use crate::model::decisions::{DecisionAction, DecisionRecord};
use crate::model::requests::RequestState;

/// The file "request changes" writes into the tool folder for the agent to read.
pub(crate) const REVIEW_FILE: &str = "REVIEW.md";

/// What a command did: a decision on a tool, or the answer to a tool request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Tool(Decision),
    Request(AnsweredRequest),
}

impl Outcome {
    /// One line saying what happened.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Tool(decision) => decision.summary(),
            Outcome::Request(answer) => answer.summary(),
        }
    }
}

/// What a decision did, for the CLI line, the TUI status bar and MCP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub(crate) action: DecisionAction,
    pub(crate) tool: String,
    /// The version the decision was about (for rollback and evolve: the one now in place).
    pub(crate) version: String,
    /// The version before (rollback: the one archived; evolve: the parent).
    pub(crate) from_version: Option<String>,
    pub(crate) from_tier: Tier,
    pub(crate) to_tier: Tier,
    /// Where the tool is now, relative to the root (`approved/csv_to_json`).
    pub(crate) location: String,
    pub(crate) reason: Option<String>,
    /// The active version that made way for this one and went to `archived/`.
    pub(crate) superseded: Option<String>,
    /// The snapshot of the version this decision made active, relative to the root.
    pub(crate) snapshot: Option<String>,
    /// A bare script was wrapped into a folder with its inferred manifest first.
    pub(crate) wrapped: bool,
    /// The rows recorded in `decisions`.
    pub(crate) records: Vec<DecisionRecord>,
    /// Interrupted decisions finished or undone before this one.
    pub(crate) recovered: Vec<String>,
    /// Problems that did not stop the decision (a failed git commit, …).
    pub(crate) warnings: Vec<String>,
    /// The commit made for this decision (`[git] auto_commit`).
    pub(crate) commit: Option<String>,
    /// An approval of an active tool's changed content, where it is.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) in_place: bool,
    /// The signed review written for the content this decision made active: who signed it,
    /// and the statement's path (signatures on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signed: Option<Box<SignedReview>>,
    /// Paths (relative to the root) this decision changed, for git.
    #[serde(skip)]
    pub(crate) affected: Vec<String>,
}

/// A decision's signed review, as its summary and `--json` say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SignedReview {
    pub(crate) principal: String,
    pub(crate) statement: String,
    pub(crate) signature: String,
}

impl Decision {
    /// One line saying what happened, e.g.
    /// `approved csv_to_json@1.3.0 (experimental → approved; superseded 1.2.0, kept as snapshot)`.
    pub(crate) fn summary(&self) -> String {
        // A broken tool has no known version ("?"): named alone.
        let id = crate::model::ToolId::known(&self.tool, &self.version).to_string();
        let moved = format!("{} → {}", self.from_tier, self.to_tier);
        let mut notes = Vec::new();
        if self.wrapped {
            notes.push("wrapped the bare script with its inferred manifest".to_string());
        }
        if self.in_place {
            notes.push("approved where it is".to_string());
        }
        if let Some(old) = &self.superseded
            && !matches!(
                self.action,
                DecisionAction::Rollback | DecisionAction::Resubmit | DecisionAction::Undo
            )
        {
            notes.push(format!("superseded {old}, kept as snapshot"));
        }
        if let Some(signed) = &self.signed {
            notes.push(format!(
                "signed by {} in {}",
                crate::text::visible(&signed.principal),
                signed.statement
            ));
        }
        if let Some(commit) = &self.commit {
            notes.push(format!("committed {commit}"));
        }
        let extra = |notes: &[String]| {
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            }
        };
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        match self.action {
            DecisionAction::Approve => format!("approved {id} ({moved}{}){reason}", extra(&notes)),
            DecisionAction::Reject => format!("rejected {id} ({moved}{}){reason}", extra(&notes)),
            DecisionAction::RequestChanges => format!(
                "requested changes to {id} (feedback in {}/{REVIEW_FILE}; it stays in experimental{})",
                self.location,
                extra(&notes)
            ),
            DecisionAction::Promote => format!("promoted {id} ({moved}{})", extra(&notes)),
            DecisionAction::Archive | DecisionAction::Supersede => {
                format!("archived {id} ({moved}{}){reason}", extra(&notes))
            }
            DecisionAction::Restore => format!("restored {id} ({moved}{})", extra(&notes)),
            DecisionAction::Rollback => format!(
                "rolled back {} to {} ({}; {} archived, kept as snapshot{})",
                self.tool,
                self.version,
                self.to_tier,
                self.from_version.as_deref().unwrap_or("?"),
                extra(&notes)
            ),
            DecisionAction::AddCase => {
                format!("added a test case to {id}{reason}; it is validated again")
            }
            DecisionAction::Accept => format!("accepted {id} as it is ({})", self.to_tier),
            DecisionAction::Unknown => format!("{id}: a decision this toolbench does not know"),
            // The reason says which decision it took back and what became of the tool.
            DecisionAction::Undo => format!(
                "{} ({id}: {moved}{})",
                self.reason.as_deref().unwrap_or("undo"),
                extra(&notes)
            ),
            DecisionAction::Resubmit => {
                let (what, active) = match &self.superseded {
                    Some(approved) => (
                        "the changed ",
                        format!(
                            "{}/{} runs {}@{approved} as approved again",
                            self.from_tier, self.tool, self.tool
                        ),
                    ),
                    None => (
                        "",
                        format!("never approved here, it left {}/", self.from_tier),
                    ),
                };
                format!(
                    "resubmitted {what}{}@{} for review as {id} in {} ({active}{})",
                    self.tool,
                    self.from_version.as_deref().unwrap_or("?"),
                    self.location,
                    extra(&notes)
                )
            }
            DecisionAction::Evolve => format!(
                "evolved {}@{} into {id} ({}{})",
                self.tool,
                self.from_version.as_deref().unwrap_or("?"),
                self.location,
                extra(&notes)
            ),
        }
    }
}

/// A human's answer to the pending requests for one name.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredRequest {
    pub(crate) name: String,
    pub(crate) state: RequestState,
    /// Every client's pending request for the name gets the same answer.
    pub(crate) ids: Vec<i64>,
    pub(crate) clients: Vec<String>,
    pub(crate) who: String,
    pub(crate) at: String,
    pub(crate) reason: Option<String>,
}

impl AnsweredRequest {
    /// One line saying what happened, e.g.
    /// `approved the request for line_count from claude-code (#3): the agent may write it`.
    pub(crate) fn summary(&self) -> String {
        let verb = match self.state {
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::ChangesRequested => "requested changes to",
            RequestState::Pending => "left pending",
        };
        let ids: Vec<String> = self.ids.iter().map(|id| format!("#{id}")).collect();
        let head = format!(
            "{verb} the request for {} from {} ({})",
            self.name,
            self.clients.join(", "),
            ids.join(", ")
        );
        match (self.state, &self.reason) {
            (RequestState::Approved, _) => format!("{head}: the agent may write it"),
            (_, Some(reason)) => format!("{head}: {reason}"),
            (_, None) => head,
        }
    }
}
