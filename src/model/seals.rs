//! Seals as nouns: what a person accepted for one active tool, and a tool as acceptance seals
//! it. Reading, writing and checking them is `seal`'s.

use serde::{Deserialize, Serialize};

use crate::model::Tier;

/// What a person accepted for one active tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seal {
    pub(crate) name: String,
    pub(crate) tier: Tier,
    pub(crate) version: String,
    pub(crate) hash: String,
    /// Who accepted it (`(adopted)` in seals older builds wrote for the tools a workspace held
    /// when it got its seals).
    pub(crate) by: String,
    /// RFC 3339 UTC.
    pub(crate) at: String,
    /// The decision that sealed it: `approve`, `promote`, `restore`, `rollback`, `define`,
    /// `accept` (or `adopt`, from older builds).
    pub(crate) how: String,
    /// Written by this user's toolbench (`workspace::own_writes`); none from older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tag: Option<String>,
}

/// One tool as acceptance seals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub(crate) seal: Seal,
    /// The folder's own content hash: the seal's unless the store remembers another.
    pub(crate) content_hash: String,
}

impl Sealed {
    /// Sealed as it is now (not as an earlier version the store remembers).
    pub(crate) fn as_it_is(&self) -> bool {
        self.seal.hash == self.content_hash
    }
}
