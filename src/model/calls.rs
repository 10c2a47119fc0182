//! The "approve always" rules a person gave for agents' calls.

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
