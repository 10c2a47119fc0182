//! Proposals: tools agents wrote into `experimental/` over MCP.

use serde::Serialize;

/// One proposal as recorded when it landed in `experimental/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalRow {
    pub tool: String,
    pub version: String,
    /// The tool folder it landed in, relative to the workspace root.
    pub path: String,
    /// The MCP client's name.
    pub client: String,
    /// RFC 3339 UTC.
    pub proposed_at: String,
    /// The request for this name it answers, when an agent asked before writing it.
    pub request_id: Option<i64>,
}
