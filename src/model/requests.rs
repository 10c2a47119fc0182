//! Tools agents ask for before they write them: a request and where it stands.

use serde::Serialize;
use serde_json::Value;

/// What an agent asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRequest {
    pub(crate) name: String,
    pub(crate) description: String,
    /// A JSON schema object, or a prose list as a string.
    pub(crate) inputs: Value,
    pub(crate) outputs: Option<Value>,
    pub(crate) rationale: String,
}

/// The most each of a request's description, rationale, inputs and outputs may hold (inputs
/// and outputs as JSON text), so a request is at most 16 KiB besides its name: what a human
/// reads in one dialog, and more than a tool's sketch needs.
pub(crate) const MAX_REQUEST_FIELD_BYTES: usize = 4096;

/// Where a request stands. Only `Pending` ever changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    /// "Write it."
    Approved,
    Rejected,
    /// The human answered with feedback: ask again, or write it as they said.
    ChangesRequested,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::ChangesRequested => "changes_requested",
        }
    }

    /// The name agents are told (`toolbench_request_tool`, `toolbench_review_status`).
    pub(crate) fn agent_name(self) -> &'static str {
        match self {
            RequestState::Pending => "request_pending",
            RequestState::Approved => "request_approved",
            RequestState::Rejected => "request_rejected",
            RequestState::ChangesRequested => "changes_requested",
        }
    }

    /// How a person reads the state once answered, in the words the CLI's answers use
    /// ("it was already …"), never the stored name.
    pub(crate) fn as_answered(self) -> &'static str {
        match self {
            RequestState::Pending => "waiting for an answer",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::ChangesRequested => "answered with changes requested",
        }
    }

    pub(crate) fn parse(text: &str) -> RequestState {
        match text {
            "approved" => RequestState::Approved,
            "rejected" => RequestState::Rejected,
            "changes_requested" => RequestState::ChangesRequested,
            _ => RequestState::Pending,
        }
    }
}

impl std::fmt::Display for RequestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request, pending or answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    pub id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) inputs: Value,
    pub(crate) outputs: Option<Value>,
    pub(crate) rationale: String,
    pub(crate) client: String,
    pub(crate) requested_at: String,
    pub state: RequestState,
    pub(crate) answered_by: Option<String>,
    pub(crate) answered_at: Option<String>,
    /// The reason (approve, reject) or the feedback (request changes).
    pub(crate) reason: Option<String>,
}
