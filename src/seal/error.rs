//! Why an active tool may not run as it is: no seal, other content than its seal, a seal that
//! cannot be read or written. Apart from the seals themselves, so review's errors can carry
//! it without depending on how seals are kept.

use std::path::PathBuf;

use crate::safe_fs::SafeFsError;

/// Why an active tool may not run (or be promoted) as it is. The caller names the tool.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{0}")]
    Modified(Box<Modification>),
    #[error(
        "{folder} was not approved in this workspace (no approval on record): `toolbench resubmit {name}` sends it to review, `toolbench approve {name} --hash {hash}` approves it where it is"
    )]
    Unapproved {
        name: String,
        folder: String,
        hash: String,
    },
    #[error(
        "{path} can be changed by other users (mode {mode:04o}); only its owner may write it (chmod o-w)"
    )]
    WritableByOthers { path: String, mode: u32 },
    #[error("{}: unreadable approval record ({reason})", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("cannot write the approval record")]
    Write(#[from] SafeFsError),
}

/// An active tool's content against the content that was accepted for it.
#[derive(Debug)]
pub struct Modification {
    pub(crate) name: String,
    pub(crate) folder: String,
    pub(crate) approved: String,
    pub(crate) approved_hash: String,
    pub(crate) version: String,
    pub(crate) hash: String,
}

impl std::fmt::Display for Modification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Modification {
            name,
            folder,
            approved,
            approved_hash,
            version,
            hash,
        } = self;
        write!(
            f,
            "{folder} was modified since approval (approved {approved} {approved_hash}, now {version} {hash}): `toolbench resubmit {name}` sends the change to review, `toolbench approve {name} --hash {hash}` approves it where it is"
        )
    }
}
