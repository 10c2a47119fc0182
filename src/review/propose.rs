//! Proposals: a tool an agent hands over as text (its `tool.toml` and its files), checked and
//! written into `experimental/` in one step, where it waits for validation and a human.
//!
//! The folder is assembled under a hidden name (the scan and the watcher skip dot folders)
//! and renamed into place without replacing anything, so nobody ever sees half a proposal,
//! and two proposals of one name cannot overwrite each other. Nothing is written through a
//! symlink.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::manifest::{MANIFEST_FILE, parse_manifest};
use crate::model::{Tier, ToolEntry};
use crate::safe_fs::{Dir, SafeFsError};
use crate::store::decisions::{DecisionAction, DecisionRecord};
use crate::store::proposals::ProposalRow;
use crate::store::{Store, StoreError};

mod paths;

pub use paths::PathError;

/// What an agent proposes: the manifest text and the other files, by relative path.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub manifest: String,
    pub files: BTreeMap<String, String>,
}

/// Where a proposal landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub name: String,
    pub version: String,
    /// The tool folder, relative to the workspace root (`experimental/NAME`).
    pub folder: String,
}

/// Why a proposal was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("the proposal holds {kb} KiB; at most {max_kb} KiB are accepted (mcp.max_proposal_kb)")]
    TooLarge { kb: u64, max_kb: u64 },
    #[error("manifest: {0}")]
    Manifest(String),
    #[error(
        "{name}: a tool of this name is active in core/; propose a new version with another name or evolve it"
    )]
    ActiveInCore { name: String },
    #[error("{folder}: a proposal of this name and version is already waiting for review")]
    Exists { folder: String },
    #[error("cannot write the proposal")]
    Write(#[from] SafeFsError),
}

/// Checks `proposal` and writes it to `experimental/`. `active` is the catalog as the caller
/// knows it, for the names taken in `core/`; `max_bytes` bounds manifest and files together.
pub fn propose(
    root: &Path,
    proposal: &Proposal,
    active: &[ToolEntry],
    max_bytes: u64,
) -> Result<Proposed, ProposalError> {
    let total: u64 = std::iter::once(&proposal.manifest)
        .chain(proposal.files.values())
        .map(|text| text.len() as u64)
        .sum();
    if total > max_bytes {
        return Err(ProposalError::TooLarge {
            kb: total.div_ceil(1024),
            max_kb: max_bytes / 1024,
        });
    }
    paths::check_all(proposal.files.keys().map(String::as_str))?;
    let parsed = parse_manifest(&proposal.manifest, Path::new(MANIFEST_FILE))
        .map_err(|e| ProposalError::Manifest(e.to_string()))?;
    let name = parsed.manifest.name.clone();
    let version = parsed.manifest.version.to_string();
    if active
        .iter()
        .any(|e| e.tier == Tier::Core && e.name == name)
    {
        return Err(ProposalError::ActiveInCore { name });
    }

    let experimental = Dir::open(root)?.create_dirs(Path::new(Tier::Experimental.dir_name()))?;
    let folder = free_folder(&experimental, &name, &version)?;
    let staging = PathBuf::from(format!(".proposal-{name}-{}", std::process::id()));
    let staged = experimental.create_dirs(&staging)?;
    let written = write_all(&staged, proposal)
        .and_then(|()| {
            experimental
                .rename_noreplace(&staging, Path::new(&folder))
                .map_err(|e| SafeFsError::Io {
                    path: experimental.path().join(&folder),
                    reason: crate::catalog::manifest::io_reason(&e),
                })
        })
        .inspect(|()| experimental.fsync());
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(experimental.path().join(&staging));
        return Err(if experimental.path().join(&folder).exists() {
            ProposalError::Exists {
                folder: format!("experimental/{folder}"),
            }
        } else {
            e.into()
        });
    }
    Ok(Proposed {
        name,
        version,
        folder: format!("experimental/{folder}"),
    })
}

/// `NAME` when free, else `NAME-VERSION` (the candidate beside an earlier one), else refused.
fn free_folder(experimental: &Dir, name: &str, version: &str) -> Result<String, ProposalError> {
    let taken = |folder: &str| std::fs::symlink_metadata(experimental.path().join(folder)).is_ok();
    if !taken(name) {
        return Ok(name.to_string());
    }
    let versioned = format!("{name}-{version}");
    if !taken(&versioned) {
        return Ok(versioned);
    }
    Err(ProposalError::Exists {
        folder: format!("experimental/{versioned}"),
    })
}

fn write_all(staged: &Dir, proposal: &Proposal) -> Result<(), SafeFsError> {
    staged.write(
        Path::new(MANIFEST_FILE),
        proposal.manifest.as_bytes(),
        0o644,
    )?;
    for (path, text) in &proposal.files {
        // A script an agent wrote runs only in the sandbox, and only through its command;
        // the executable bit lets a `command = ["./run.sh"]` work as written.
        let mode = if text.starts_with("#!") { 0o755 } else { 0o644 };
        staged.write(Path::new(path), text.as_bytes(), mode)?;
    }
    staged.fsync();
    Ok(())
}

/// Where a proposal stands, for the agent that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalStatus {
    pub name: String,
    pub version: String,
    pub folder: String,
    /// `pending`, `approved`, `rejected`, `changes_requested`, `archived`, or `withdrawn`
    /// when its folder left `experimental/` with no decision.
    pub state: &'static str,
    /// The validation verdict (`pass`, `warn`, `fail`), once validated.
    pub verdict: Option<String>,
    /// The reviewer's reason (reject, archive) or feedback (request changes).
    pub reason: Option<String>,
    pub reviewer: Option<String>,
    /// When the state was reached: the decision's time, else the proposal's.
    pub at: String,
    pub proposed_at: String,
    /// The tool request this proposal answers, when its author asked first.
    pub request_id: Option<i64>,
}

/// The state of each proposal, from the decisions taken on that version since it landed.
pub fn statuses(
    root: &Path,
    store: &Store,
    rows: &[ProposalRow],
) -> Result<Vec<ProposalStatus>, StoreError> {
    let verdicts = store.review_queue_rows()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let decisions = store.decisions_of(&row.tool)?;
        let decision = decisions
            .iter()
            .filter(|d| d.at >= row.proposed_at && concerns(d, &row.version))
            .filter_map(|d| state_after(d.action).map(|state| (state, d)))
            .next_back();
        let verdict = verdicts
            .iter()
            .find(|q| q.path == row.path)
            .and_then(|q| q.verdict.clone());
        let (state, reason, reviewer, at) = match decision {
            Some((state, d)) => (state, d.reason.clone(), Some(d.who.clone()), d.at.clone()),
            None if root.join(&row.path).exists() => {
                ("pending", None, None, row.proposed_at.clone())
            }
            None => ("withdrawn", None, None, row.proposed_at.clone()),
        };
        out.push(ProposalStatus {
            name: row.tool.clone(),
            version: row.version.clone(),
            folder: row.path.clone(),
            state,
            verdict,
            reason,
            reviewer,
            at,
            proposed_at: row.proposed_at.clone(),
            request_id: row.request_id,
        });
    }
    Ok(out)
}

fn concerns(decision: &DecisionRecord, version: &str) -> bool {
    decision.to_version.as_deref() == Some(version)
        || decision.from_version.as_deref() == Some(version)
}

/// What a decision means for a proposal; `None` for decisions that do not change it.
fn state_after(action: DecisionAction) -> Option<&'static str> {
    match action {
        DecisionAction::Approve | DecisionAction::Promote | DecisionAction::Restore => {
            Some("approved")
        }
        DecisionAction::Reject => Some("rejected"),
        DecisionAction::RequestChanges => Some("changes_requested"),
        DecisionAction::Archive => Some("archived"),
        DecisionAction::Rollback
        | DecisionAction::Evolve
        | DecisionAction::Supersede
        | DecisionAction::Resubmit => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "name = \"greet\"\nversion = \"1.0.0\"\ndescription = \"Say hello\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";

    fn proposal(files: &[(&str, &str)]) -> Proposal {
        Proposal {
            manifest: MANIFEST.to_string(),
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_proposal_lands_whole_in_experimental_and_a_second_beside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = proposal(&[("run.sh", "echo hi\n"), ("lib/util.sh", "true\n")]);
        let landed = propose(dir.path(), &p, &[], 1 << 20).expect("proposed");
        assert_eq!(landed.folder, "experimental/greet");
        let folder = dir.path().join("experimental/greet");
        assert_eq!(
            std::fs::read_to_string(folder.join("lib/util.sh")).expect("read"),
            "true\n"
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("tool.toml")).expect("read"),
            MANIFEST
        );
        let again = propose(dir.path(), &p, &[], 1 << 20).expect("beside");
        assert_eq!(again.folder, "experimental/greet-1.0.0");
        let third = propose(dir.path(), &p, &[], 1 << 20);
        assert!(
            matches!(third, Err(ProposalError::Exists { .. })),
            "{third:?}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path().join("experimental"))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no staging folder left behind: {names:?}");
    }

    #[test]
    fn paths_that_leave_the_folder_or_name_the_manifest_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        for bad in [
            "../x",
            "/etc/x",
            "a/../../x",
            "",
            "tool.toml",
            "././tool.toml",
            ".//tool.toml",
            "tool.toml/.",
            "TOOL.TOML",
            "Tool.toml",
            "a\nb",
        ] {
            let result = propose(dir.path(), &proposal(&[(bad, "x")]), &[], 1 << 20);
            assert!(
                matches!(result, Err(ProposalError::Path(_))),
                "{bad:?}: {result:?}"
            );
        }
        assert!(!dir.path().join("experimental").exists());
    }

    #[test]
    fn size_manifest_and_core_names_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = "x".repeat(2048);
        let err = propose(dir.path(), &proposal(&[("big", &big)]), &[], 1024);
        assert!(
            matches!(err, Err(ProposalError::TooLarge { kb: 3, max_kb: 1 })),
            "{err:?}"
        );

        let broken = Proposal {
            manifest: "name = \"greet\"\nversion = \"one\"\n".into(),
            files: BTreeMap::new(),
        };
        let err = propose(dir.path(), &broken, &[], 1 << 20)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("tool.toml:2: field `version`"), "{err}");

        let core = ToolEntry::fixture(Tier::Core, "greet");
        let err = propose(dir.path(), &proposal(&[]), &[core], 1 << 20);
        assert!(
            matches!(err, Err(ProposalError::ActiveInCore { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn a_symlinked_experimental_folder_is_not_written_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("outside");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("experimental")).expect("link");
        let result = propose(dir.path(), &proposal(&[("run.sh", "x")]), &[], 1 << 20);
        assert!(matches!(result, Err(ProposalError::Write(_))), "{result:?}");
        assert_eq!(
            std::fs::read_dir(outside.path()).expect("list").count(),
            0,
            "nothing written outside"
        );
    }
}
