//! Review decisions as they are recorded: what was done to a tool, by whom, from which
//! version and content to which.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::Tier;

/// What a reviewer (or toolbench on their behalf) did to a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Approve,
    Reject,
    RequestChanges,
    Promote,
    Archive,
    Restore,
    Rollback,
    Evolve,
    /// The active version made way for another (approve over it, or rollback from it).
    Supersede,
    /// An active tool's content, changed since approval or never approved here, went back to
    /// review as a new candidate; the approved content, if any, took its place again.
    Resubmit,
    /// A reviewer added a test case to a candidate (an input validation generated that broke
    /// it); the candidate's content changed.
    AddCase,
    /// A person accepted, as it is, an active tool of a workspace never opened here.
    Accept,
}

impl DecisionAction {
    pub(crate) const ALL: &'static [DecisionAction] = &[
        DecisionAction::Approve,
        DecisionAction::Reject,
        DecisionAction::RequestChanges,
        DecisionAction::Promote,
        DecisionAction::Archive,
        DecisionAction::Restore,
        DecisionAction::Rollback,
        DecisionAction::Evolve,
        DecisionAction::Supersede,
        DecisionAction::Resubmit,
        DecisionAction::AddCase,
        DecisionAction::Accept,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Approve => "approve",
            DecisionAction::Reject => "reject",
            DecisionAction::RequestChanges => "request_changes",
            DecisionAction::Promote => "promote",
            DecisionAction::Archive => "archive",
            DecisionAction::Restore => "restore",
            DecisionAction::Rollback => "rollback",
            DecisionAction::Evolve => "evolve",
            DecisionAction::Supersede => "supersede",
            DecisionAction::Resubmit => "resubmit",
            DecisionAction::AddCase => "add_case",
            DecisionAction::Accept => "accept",
        }
    }
}

/// A word that names no decision action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision action {0:?}")]
pub struct UnknownAction(pub(crate) String);

impl FromStr for DecisionAction {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, UnknownAction> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

impl fmt::Display for DecisionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `decisions`. `id` is 0 until stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub tool: String,
    pub action: DecisionAction,
    pub who: String,
    /// RFC 3339 UTC.
    pub at: String,
    pub reason: Option<String>,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub from_tier: Option<Tier>,
    pub to_tier: Option<Tier>,
    pub from_hash: Option<String>,
    pub to_hash: Option<String>,
}

impl DecisionRecord {
    /// `1.2.0 → 1.3.0` for a decision that changed the version, else the version it is
    /// about (`?` when the row names none).
    pub(crate) fn versions_label(&self) -> String {
        match (&self.from_version, &self.to_version) {
            (Some(from), Some(to)) if from != to => format!("{from} → {to}"),
            (_, Some(to)) => to.clone(),
            _ => "?".to_string(),
        }
    }
}
