//! Reviewers as nouns: a key of an allowed_signers list, the lists a machine reads (the
//! machine's own, what a person accepted here) and whom it trusts for one workspace. Reading,
//! accepting and verifying them is `signature`'s.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::settings::Signatures as Mode;

/// The workspace's list of reviewers, relative to the root.
pub(crate) const WORKSPACE_SIGNERS: &str = ".reviews/allowed_signers";

/// One reviewer's key as an allowed_signers line states it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct SignerEntry {
    /// Exact principals (no patterns), in the order written.
    pub(crate) principals: Vec<String>,
    /// `namespaces="…"`, when the line limits the key to some namespaces.
    pub(crate) namespaces: Option<String>,
    /// `valid-after="…"` / `valid-before="…"`, passed to ssh-keygen as written.
    pub(crate) valid_after: Option<String>,
    pub(crate) valid_before: Option<String>,
    pub(crate) key_type: String,
    /// The key, base64 as in a `.pub` file.
    pub(crate) key: String,
}

/// A list of reviewers that cannot be read, named by file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: field `{field}`: {why}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub(crate) struct SignersError {
    pub(crate) file: String,
    pub(crate) line: Option<usize>,
    pub(crate) field: &'static str,
    pub(crate) why: String,
}

/// What a person accepted of a workspace's reviewers on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptedSigners {
    /// The workspace root it is for.
    pub(crate) root: PathBuf,
    /// The entries accepted, as toolbench writes them.
    pub(crate) entries: Vec<SignerEntry>,
    /// The workspace's `[review] signatures` when accepted: a workspace file asking for less
    /// later is not taken (it would switch verification off for everyone who pulls it).
    pub(crate) signatures: Mode,
    pub(crate) by: String,
    pub(crate) at: String,
    /// The principal of the machine's list whose key endorsed this list (its signature lies
    /// beside it), when the machine has a list of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endorsed_by: Option<String>,
}

/// The machine's reviewers, as root keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SystemList {
    /// The file read.
    pub(crate) file: PathBuf,
    /// Its entries; none when it could not be trusted (then nothing verifies).
    pub(crate) entries: Vec<SignerEntry>,
}

/// The reviewers a run verifies against, and how the workspace's list stands against what was
/// accepted here.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trust {
    /// What verifies: the user's own entries (the machine's, when it has a list), and the
    /// workspace's that were accepted here.
    pub(crate) effective: Vec<SignerEntry>,
    /// The workspace's entries as the file says now.
    pub(crate) workspace: Vec<SignerEntry>,
    /// The user's own entries (ignored while the machine has a list).
    pub(crate) user: Vec<SignerEntry>,
    /// The machine's list, root's: when there is one, it is the anchor.
    pub(crate) system: Option<SystemList>,
    /// Entries of the workspace not accepted here (added since, or never accepted).
    pub(crate) waiting: Vec<SignerEntry>,
    /// Entries accepted here that the workspace no longer lists (no longer trusted).
    pub(crate) removed: Vec<SignerEntry>,
    /// The accepted list, when a person accepted one here.
    pub(crate) accepted: Option<AcceptedSigners>,
    /// Why the accepted list counts for nothing though it exists: the machine has a list and
    /// no key of it endorsed this one.
    pub(crate) unendorsed: Option<String>,
    /// A list that could not be read: nothing of that file verifies, and this says why.
    pub(crate) errors: Vec<SignersError>,
}
