//! Agents' calls that wait for a person, the answers they got, and the "approve always"
//! rules a person gave for them.

use serde::Serialize;
use serde_json::Value;

/// An "approve always" rule: one tool, at the version and content it was given for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRow {
    pub id: i64,
    pub tool: String,
    pub version: String,
    pub content_hash: String,
    /// Arguments must contain these values; `None` matches every call.
    #[serde(rename = "match")]
    pub pattern: Option<Value>,
    pub from_call: Option<i64>,
    pub created_by: String,
    pub created_at: String,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<String>,
}

/// Where a call stands. Only `Pending` ever changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CallState {
    Pending,
    Approved,
    Rejected,
    /// Nobody answered within `approvals.timeout_secs`.
    Expired,
    /// The client cancelled the call or went away.
    Cancelled,
    /// The server that held the call died while it waited.
    Abandoned,
}

impl CallState {
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Pending => "pending",
            CallState::Approved => "approved",
            CallState::Rejected => "rejected",
            CallState::Expired => "expired",
            CallState::Cancelled => "cancelled",
            CallState::Abandoned => "abandoned",
        }
    }

    pub(crate) fn parse(text: &str) -> CallState {
        match text {
            "pending" => CallState::Pending,
            "approved" => CallState::Approved,
            "rejected" => CallState::Rejected,
            "expired" => CallState::Expired,
            "cancelled" => CallState::Cancelled,
            _ => CallState::Abandoned,
        }
    }
}

impl std::fmt::Display for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call as the waiting server writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub tool: String,
    pub version: String,
    pub content_hash: String,
    pub arguments: Value,
    /// The listed input schema, so any process can check edited arguments.
    pub input_schema: Value,
    pub client: String,
    /// Why it waits: the cost tier, the config or the manifest.
    pub why: String,
    pub requested_at: String,
    /// The waiting server, told apart from a later process with its pid.
    pub server_pid: u32,
    pub server_start: u64,
    /// The MCP task the call runs for, when its client asked for a task.
    pub task: Option<String>,
}

/// One call, pending or answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRow {
    pub id: i64,
    pub tool: String,
    pub version: String,
    pub content_hash: String,
    pub arguments: Value,
    #[serde(skip)]
    pub input_schema: Value,
    pub client: String,
    pub why: String,
    pub requested_at: String,
    pub state: CallState,
    #[serde(skip)]
    pub server_pid: u32,
    #[serde(skip)]
    pub server_start: u64,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub reason: Option<String>,
    /// The arguments the human approved, when they edited them.
    pub approved_arguments: Option<Value>,
    /// The rule that let the call through or that the answer created.
    pub rule: Option<i64>,
    /// The MCP task the call runs for, when its client asked for a task.
    pub task: Option<String>,
}

#[cfg(test)]
impl CallRow {
    /// A pending call of `deploy` with a one-field schema, for tests to adjust with `..`.
    pub fn fixture(id: i64) -> Self {
        CallRow {
            id,
            tool: "deploy".into(),
            version: "1.0.0".into(),
            content_hash: "h".into(),
            arguments: serde_json::json!({"env": "staging"}),
            input_schema: serde_json::json!({
                "type": "object",
                "properties": {"env": {"type": "string"}},
                "required": ["env"],
                "additionalProperties": false
            }),
            client: "claude-code".into(),
            why: "cost tier high".into(),
            requested_at: "2026-11-22T10:00:00Z".into(),
            state: CallState::Pending,
            server_pid: 1,
            server_start: 1,
            answered_by: None,
            answered_at: None,
            reason: None,
            approved_arguments: None,
            rule: None,
            task: None,
        }
    }
}

/// The end of a call, written only while it is still pending.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub state: CallState,
    pub who: String,
    pub at: String,
    pub reason: Option<String>,
    pub arguments: Option<Value>,
    pub rule: Option<i64>,
}
