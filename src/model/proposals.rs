//! Proposals: tools agents wrote into `experimental/` over MCP.

use serde::{Deserialize, Serialize};

/// One proposal as recorded when it landed in `experimental/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProposalRow {
    pub(crate) tool: String,
    pub(crate) version: String,
    /// The tool folder it landed in, relative to the workspace root.
    pub(crate) path: String,
    /// The MCP client's name.
    pub(crate) client: String,
    /// RFC 3339 UTC.
    pub(crate) proposed_at: String,
    /// The request for this name it answers, when an agent asked before writing it.
    pub(crate) request_id: Option<i64>,
}
