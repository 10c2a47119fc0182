//! Proposals: tools agents wrote into `experimental/` over MCP.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Tier;

/// What an agent proposes: the manifest text and the other files, by relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proposal {
    pub(crate) manifest: String,
    pub(crate) files: BTreeMap<String, String>,
}

/// Where a proposal is: the folder it landed in, or the folder that already held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub(crate) name: String,
    pub(crate) version: String,
    /// The tool folder, relative to the workspace root (`experimental/NAME`).
    pub(crate) folder: String,
    pub(crate) content_hash: String,
    /// The tier of the folder that already held this name, version and content; nothing was
    /// written. `None` when the proposal landed.
    pub(crate) already_in: Option<Tier>,
    /// The tool request a proposal that landed answers, when its author asked first.
    pub(crate) request_id: Option<i64>,
}

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
