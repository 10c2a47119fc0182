//! Suggestions of tools worth building or changing, as found and as a person answered them.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SuggestionKind {
    /// Tools one client calls in the same order again and again: make them one tool.
    Compose,
    /// A capability asked for that nothing provides, or a wanted tool nobody wrote.
    Missing,
    /// A tool that fails often or is slow: evolve it.
    Evolve,
    /// Two similar tools both in use: merge them or retire one.
    Merge,
}

impl SuggestionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SuggestionKind::Compose => "compose",
            SuggestionKind::Missing => "missing",
            SuggestionKind::Evolve => "evolve",
            SuggestionKind::Merge => "merge",
        }
    }

    pub(crate) fn parse(text: &str) -> SuggestionKind {
        match text {
            "compose" => SuggestionKind::Compose,
            "evolve" => SuggestionKind::Evolve,
            "merge" => SuggestionKind::Merge,
            _ => SuggestionKind::Missing,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SuggestionState {
    New,
    Accepted,
    Dismissed,
    /// Accepted, and what it asked for happened: a proposal answered its request, or the
    /// evolved tool's new version became active.
    Done,
    /// A tool it names is no longer active.
    Stale,
}

impl SuggestionState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SuggestionState::New => "new",
            SuggestionState::Accepted => "accepted",
            SuggestionState::Dismissed => "dismissed",
            SuggestionState::Done => "done",
            SuggestionState::Stale => "stale",
        }
    }

    pub(crate) fn parse(text: &str) -> SuggestionState {
        match text {
            "accepted" => SuggestionState::Accepted,
            "dismissed" => SuggestionState::Dismissed,
            "done" => SuggestionState::Done,
            "stale" => SuggestionState::Stale,
            _ => SuggestionState::New,
        }
    }
}

/// What a detector found, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The pattern: the same key is the same suggestion, found again.
    pub(crate) key: String,
    pub(crate) kind: SuggestionKind,
    pub(crate) title: String,
    /// The tools it names, which must stay active for it to hold.
    pub(crate) tools: Vec<String>,
    pub(crate) evidence: Value,
    pub(crate) priority: f64,
    /// The priority in one line: how often, and what it would save.
    pub(crate) why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestionRow {
    pub(crate) id: i64,
    pub(crate) kind: SuggestionKind,
    pub(crate) title: String,
    pub(crate) tools: Vec<String>,
    pub(crate) evidence: Value,
    pub(crate) priority: f64,
    pub(crate) why: String,
    pub(crate) state: SuggestionState,
    pub(crate) found_at: String,
    pub(crate) seen_at: String,
    pub(crate) decided_by: Option<String>,
    pub(crate) decided_at: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) request_id: Option<i64>,
    #[serde(skip)]
    pub(crate) accepted_version: Option<String>,
}
