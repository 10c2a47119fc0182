//! Why an active tool may not run as it is: no seal, other content than its seal, a seal that
//! cannot be read or written. Apart from the seals themselves, so review's errors can carry
//! it without depending on how seals are kept.

use std::path::PathBuf;

use crate::model::{Awaits, Drift};
use crate::safe_fs::SafeFsError;

/// Why an active tool may not run (or be promoted) as it is. The caller names the tool.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{0}")]
    Modified(Box<Modification>),
    #[error(
        "{}: `toolbench accept {name}` accepts it as it is, `toolbench resubmit {name}` sends it to review, `toolbench approve {name} --hash {hash}` approves it where it is",
        unapproved(folder)
    )]
    Unapproved {
        name: String,
        folder: String,
        hash: String,
    },
    #[error("{folder} is no longer there: a decision moved it since it was looked up")]
    Gone { folder: String },
    #[error(
        "{} (`toolbench accept --dry-run` lists them, `toolbench accept` accepts them as they \
         are, or open the workbench, which asks)",
        not_accepted(active)
    )]
    NotAccepted { active: usize },
    #[error(
        "{path} can be changed by other users (mode {mode:04o}); only its owner may write it (chmod o-w)"
    )]
    WritableByOthers { path: String, mode: u32 },
    /// `signatures = "require"` and no allowed reviewer's statement verifies for the content.
    #[error("{0}")]
    Signature(Box<SignatureRefusal>),
    #[error("{}: unreadable approval record ({reason})", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{}: this approval record was not written by toolbench for this user (a commit can \
         carry one into .toolbench past the .gitignore): review {name} here to approve it",
        path.display()
    )]
    NotOurs { path: PathBuf, name: String },
    #[error("cannot write the approval record")]
    Write(#[from] SafeFsError),
}

/// An active tool no allowed reviewer's statement covers, where signatures are required.
#[derive(Debug)]
pub struct SignatureRefusal {
    pub(crate) name: String,
    pub(crate) folder: String,
    pub(crate) version: String,
    pub(crate) hash: String,
    pub(crate) signature: crate::model::Signature,
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

/// `Unapproved`'s problem, without what to do about it.
fn unapproved(folder: &str) -> String {
    format!("{folder} was not approved in this workspace (no approval on record)")
}

/// `NotAccepted`'s problem, without what to do about it.
fn not_accepted(active: &usize) -> String {
    format!("this workspace was never opened here: its {active} active tools are not accepted yet")
}

impl SealError {
    /// What is wrong, without what to do about it, when a person settles it by looking at the
    /// tool (or accepting the workspace), and which of those it awaits: each front end names
    /// its own way there (the CLI its commands, the workbench its keys). `None` for the rest.
    pub(crate) fn awaiting(&self) -> Option<(Awaits, String)> {
        match self {
            SealError::Modified(modification) => Some((Awaits::Change, modification.problem())),
            SealError::Unapproved { folder, .. } => Some((Awaits::Review, unapproved(folder))),
            SealError::NotAccepted { active } => Some((Awaits::Acceptance, not_accepted(active))),
            SealError::Signature(refusal) => refusal.problem().map(|p| (Awaits::Signature, p)),
            _ => None,
        }
    }

    /// Why the tool may not run, as an agent is told: what is wrong, and that a person must
    /// review it; never the command that would approve it (agents have shells).
    pub(crate) fn for_agent(&self) -> &'static str {
        match self {
            SealError::Modified(_) => Drift::MODIFIED_FOR_AGENT,
            SealError::Unapproved { .. } => Drift::UNAPPROVED_FOR_AGENT,
            SealError::NotAccepted { .. } => Drift::NOT_ACCEPTED_FOR_AGENT,
            SealError::Gone { .. } => "it was taken out of use meanwhile; list the tools again",
            SealError::Signature(_) => Drift::UNSIGNED_FOR_AGENT,
            SealError::WritableByOthers { .. } => {
                "its files can be changed by other users; a person must fix that in toolbench before it runs"
            }
            SealError::Unreadable { .. } | SealError::NotOurs { .. } | SealError::Write(_) => {
                "its approval record cannot be read; a person must look at it in toolbench"
            }
        }
    }
}

impl Modification {
    /// What changed, without what to do about it.
    fn problem(&self) -> String {
        let Modification {
            folder,
            approved,
            approved_hash,
            version,
            hash,
            ..
        } = self;
        format!(
            "{folder} was modified since approval (approved {approved} {approved_hash}, now {version} {hash})"
        )
    }
}

impl std::fmt::Display for Modification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Modification { name, hash, .. } = self;
        write!(
            f,
            "{}: `toolbench resubmit {name}` sends the change to review, `toolbench approve {name} --hash {hash}` approves it where it is",
            self.problem()
        )
    }
}

impl SignatureRefusal {
    /// What no allowed reviewer's signature covers, without what to do about it; `None` for
    /// content that is signed, which awaits nothing.
    fn problem(&self) -> Option<String> {
        use crate::model::Signature;
        let SignatureRefusal {
            folder,
            version,
            hash,
            signature,
            ..
        } = self;
        Some(match signature {
            Signature::Signed { .. } => return None,
            Signature::Unsigned => format!(
                "{folder} ({version} {hash}) has no signed review and [review] signatures = \"require\""
            ),
            Signature::OtherContent {
                version: signed,
                content_hash,
            } => format!(
                "{folder} holds {version} {hash}, but its signed reviews are of other content \
                 (newest {} {})",
                crate::text::visible(signed),
                crate::model::short_hash(content_hash)
            ),
            Signature::Invalid { reason } => {
                format!("the signed review of {folder} does not verify: {reason}")
            }
            Signature::SignerNotAllowed { reason, .. } => {
                format!("the review of {folder} is not signed by an allowed reviewer: {reason}")
            }
        })
    }
}

impl std::fmt::Display for SignatureRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let SignatureRefusal {
            name, folder, hash, ..
        } = self;
        match self.problem() {
            Some(problem) => write!(
                f,
                "{problem} (`toolbench verify {name}` shows it; a reviewer's `toolbench approve \
                 {name} --hash {hash}` signs its content)"
            ),
            None => write!(f, "{folder} is signed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Signature;

    fn refusal(signature: Signature) -> SealError {
        SealError::Signature(Box::new(SignatureRefusal {
            name: "slugify".into(),
            folder: "approved/slugify".into(),
            version: "1.0.0".into(),
            hash: "bbbcb5a4ddc8".into(),
            signature,
        }))
    }

    /// The facts once, for every front end; the CLI's commands only in the CLI's words.
    #[test]
    fn a_signature_refusal_gives_its_facts_apart_from_the_clis_remedy() {
        let unsigned = refusal(Signature::Unsigned);
        let facts = "approved/slugify (1.0.0 bbbcb5a4ddc8) has no signed review and [review] \
                     signatures = \"require\"";
        assert_eq!(
            unsigned.to_string(),
            format!(
                "{facts} (`toolbench verify slugify` shows it; a reviewer's `toolbench approve \
                 slugify --hash bbbcb5a4ddc8` signs its content)"
            )
        );
        let (awaits, problem) = unsigned.awaiting().expect("awaits a signed review");
        assert_eq!((awaits, problem.as_str()), (Awaits::Signature, facts));

        let invalid = refusal(Signature::Invalid {
            reason: "bad signature".into(),
        });
        let (_, problem) = invalid.awaiting().expect("awaits a signed review");
        assert_eq!(
            problem,
            "the signed review of approved/slugify does not verify: bad signature"
        );
        assert!(invalid.to_string().starts_with(&problem));
    }
}
