//! Why a review action did not happen: one line naming the tool or file and the reason.

use std::path::{Path, PathBuf};

use crate::io_text::io_reason;
use crate::model::LookupError;
use crate::safe_fs::SafeFsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fs(#[from] SafeFsError),
    #[error(transparent)]
    Seal(Box<crate::seal::SealError>),
    /// The action is not allowed for this tool, with the reason.
    #[error("cannot {action} {tool}: {reason}")]
    Refused {
        action: &'static str,
        tool: String,
        reason: String,
    },
    #[error("{tool} is being changed by another toolbench process (pid {pid}); try again")]
    Locked { tool: String, pid: String },
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    /// A rename between tiers failed; whatever moved before it was put back.
    #[error("cannot {}: {reason}; nothing was changed", moving(from, to, *staged))]
    Move {
        from: PathBuf,
        to: PathBuf,
        reason: String,
        staged: Staged,
    },
    /// The decision log would not take the decision: refused before anything moved, or what
    /// moved was put back.
    #[error("cannot {action} {tool}: {reason}; nothing was changed")]
    Unlogged {
        action: String,
        tool: String,
        reason: String,
    },
    /// A rename failed and undoing the earlier ones failed too: recovery finishes the job.
    #[error(
        "{tool}: move interrupted ({reason}); the journal entry {journal} is left for recovery at the next start"
    )]
    Interrupted {
        tool: String,
        reason: String,
        journal: PathBuf,
    },
    #[error("evolver {command:?} for {tool}: {reason}")]
    Evolver {
        tool: String,
        command: String,
        reason: Box<EvolverError>,
    },
    /// Signatures are on and the decision's review could not be signed: nothing moved.
    #[error("cannot {action} {tool}: {reason}")]
    Unsigned {
        action: String,
        tool: String,
        reason: Box<crate::signature::SignError>,
    },
    #[error("{path}: unreadable journal entry ({reason}); left in place, remove it by hand")]
    Journal { path: PathBuf, reason: String },
}

impl From<crate::versions::VersionError> for ReviewError {
    fn from(e: crate::versions::VersionError) -> Self {
        use crate::versions::VersionError;
        match e {
            VersionError::Fs(e) => ReviewError::Fs(e),
            VersionError::Changed {
                action,
                what,
                reason,
            } => ReviewError::Refused {
                action,
                tool: what,
                reason,
            },
            VersionError::Io { path, reason } => ReviewError::Io { path, reason },
        }
    }
}

impl From<crate::seal::SealError> for ReviewError {
    fn from(e: crate::seal::SealError) -> Self {
        ReviewError::Seal(Box::new(e))
    }
}

impl ReviewError {
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        ReviewError::Io {
            path: path.to_path_buf(),
            reason: io_reason(err),
        }
    }

    pub(crate) fn refused(
        action: &'static str,
        tool: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        ReviewError::Refused {
            action,
            tool: tool.to_string(),
            reason: reason.into(),
        }
    }
}

/// Why the evolver gave no files; follows "evolver CMD for TOOL: ".
#[derive(Debug, thiserror::Error)]
pub enum EvolverError {
    #[error("empty command")]
    EmptyCommand,
    #[error("cannot start: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Confined(#[from] crate::runner::confined_program::ConfinedError),
    /// `how` it ended, and the last line it wrote on stderr (may be empty).
    #[error("{how}{}", if .last.is_empty() { String::new() } else { format!(": {}", .last) })]
    Failed { how: String, last: String },
    #[error("printed more than {0} bytes")]
    TooMuch(u64),
    #[error(transparent)]
    Output(#[from] EvolverOutputError),
}

/// What is wrong with what the evolver printed.
#[derive(Debug, thiserror::Error)]
pub enum EvolverOutputError {
    #[error("stdout is not JSON ({0}); expected {{\"files\": {{...}}}}")]
    NotJson(serde_json::Error),
    #[error("stdout has no \"files\" object; expected {{\"files\": {{...}}}}")]
    NoFiles,
    #[error("file path {0:?} is not a relative path inside the tool folder")]
    BadPath(String),
    #[error("file {0:?} is not text (expected a JSON string)")]
    NotText(String),
}

/// Which end of a failed move is a decision's own staging folder, which a person never
/// knew of and is never told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staged {
    /// Content made there, on its way to its place.
    From,
    /// A folder set aside there.
    To,
    Neither,
}

/// A failed move as a person knows it: content made in the staging folder is written to its
/// place; a folder moved there is moved aside.
fn moving(from: &std::path::Path, to: &std::path::Path, staged: Staged) -> String {
    match staged {
        Staged::From => format!("write {}", to.display()),
        Staged::To => format!("move {} aside", from.display()),
        Staged::Neither => format!("move {} to {}", from.display(), to.display()),
    }
}
