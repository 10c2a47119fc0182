//! Agents' calls that wait for a person, the answers they got, and the "approve always"
//! rules a person gave for them.

pub(crate) mod decision;
pub(crate) mod pattern;

use serde::Serialize;
use serde_json::Value;

use super::StoreError;
use super::requests::RequestRow;

/// What waits for a person, as the looker at the store tells it: the waiting calls and rules,
/// or the waiting requests, when they changed; or why it could not read at all.
#[derive(Debug)]
pub(crate) enum PendingEvent {
    Calls {
        calls: Vec<CallRow>,
        rules: Vec<RuleRow>,
    },
    Requests(Vec<RequestRow>),
    /// A run or a failure was recorded, by whichever process: the history is to be read again.
    HistoryChanged,
    /// The store could not be opened: the looker stopped.
    Unreadable(StoreError),
}

/// An "approve always" rule: one tool, at the version and content it was given for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRow {
    pub(crate) id: i64,
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    /// Arguments must contain these values; `None` matches every call.
    #[serde(rename = "match")]
    pub(crate) pattern: Option<Value>,
    pub(crate) from_call: Option<i64>,
    pub(crate) created_by: String,
    pub(crate) created_at: String,
    pub(crate) revoked_by: Option<String>,
    pub(crate) revoked_at: Option<String>,
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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    pub(crate) arguments: Value,
    /// The listed input schema, so any process can check edited arguments.
    pub(crate) input_schema: Value,
    pub(crate) client: String,
    /// Why it waits: the cost tier, the config or the manifest.
    pub(crate) why: String,
    pub(crate) requested_at: String,
    /// The waiting server, told apart from a later process with its pid.
    pub(crate) server_pid: u32,
    pub(crate) server_start: u64,
    /// The MCP task the call runs for, when its client asked for a task.
    pub(crate) task: Option<String>,
}

#[cfg(test)]
impl NewCall {
    /// A call of `tool` from an agent, held by the server `server`: for tests, which change
    /// what they are about.
    pub(crate) fn fixture(tool: &str, server: crate::proc_stat::ProcessId) -> Self {
        NewCall {
            tool: tool.into(),
            version: "1.0.0".into(),
            content_hash: "h".into(),
            arguments: serde_json::json!({}),
            input_schema: serde_json::json!({"type": "object"}),
            client: "agent".into(),
            why: "cost tier high".into(),
            requested_at: "2026-11-27T10:00:00Z".into(),
            server_pid: server.pid,
            server_start: server.start_ticks,
            task: None,
        }
    }
}

/// One call, pending or answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRow {
    pub(crate) id: i64,
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    pub(crate) arguments: Value,
    #[serde(skip)]
    pub(crate) input_schema: Value,
    pub(crate) client: String,
    pub(crate) why: String,
    pub(crate) requested_at: String,
    pub(crate) state: CallState,
    #[serde(skip)]
    pub(crate) server_pid: u32,
    #[serde(skip)]
    pub(crate) server_start: u64,
    pub(crate) answered_by: Option<String>,
    pub(crate) answered_at: Option<String>,
    pub(crate) reason: Option<String>,
    /// The arguments the human approved, when they edited them.
    pub(crate) approved_arguments: Option<Value>,
    /// The rule that let the call through or that the answer created.
    pub(crate) rule: Option<i64>,
    /// The MCP task the call runs for, when its client asked for a task.
    pub(crate) task: Option<String>,
}

#[cfg(test)]
impl CallRow {
    /// A pending call of `deploy` with a one-field schema, for tests to adjust with `..`.
    pub(crate) fn fixture(id: i64) -> Self {
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
pub(crate) struct Answer {
    pub(crate) state: CallState,
    pub(crate) who: String,
    pub(crate) at: String,
    pub(crate) reason: Option<String>,
    pub(crate) arguments: Option<Value>,
    pub(crate) rule: Option<i64>,
}
