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
use crate::catalog::scan::{ScanLimits, human_size};
use crate::config::Config;
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

/// What a proposal may hold: `[mcp] max_proposal_kb` over everything it costs, and the
/// `[catalog]` limits every tool folder is held to, so it never lands as a broken tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalLimits {
    pub max_bytes: u64,
    pub tool: ScanLimits,
}

impl ProposalLimits {
    pub fn of(config: &Config) -> Self {
        Self {
            max_bytes: config.max_proposal_kb.saturating_mul(1024),
            tool: config.catalog,
        }
    }
}

/// What each file costs besides its text and its path: the inode, the folder entry and the
/// write an empty file costs too (an ext4 inode is 256 bytes). Without it, 30,000 empty files
/// with short names fit in 1 MiB.
pub const PER_FILE_BYTES: u64 = 256;

/// Why a proposal was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(
        "the proposal costs {kb} KiB (each file's text, its path and {PER_FILE_BYTES} bytes); at most {max_kb} KiB are accepted (mcp.max_proposal_kb)"
    )]
    TooLarge { kb: u64, max_kb: u64 },
    #[error(
        "the proposal makes {entries} files and folders; a tool folder holds at most {max} (catalog.max_tool_files)"
    )]
    TooManyFiles { entries: u64, max: u64 },
    #[error(
        "the proposal's files hold {}; a tool folder holds at most {} (catalog.max_tool_mb)",
        human_size(*bytes),
        human_size(*max)
    )]
    TooBigForTool { bytes: u64, max: u64 },
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

/// Checks `proposal` against `limits` and writes it to `experimental/`. `active` is the
/// catalog as the caller knows it, for the names taken in `core/`.
pub fn propose(
    root: &Path,
    proposal: &Proposal,
    active: &[ToolEntry],
    limits: ProposalLimits,
) -> Result<Proposed, ProposalError> {
    check_cost(proposal, limits)?;
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

/// Everything the proposal would cost, counted before anything else is looked at: the
/// number of files first (no path of 30,000 is read when 10,001 are too many), then the
/// bytes, then the paths and the folders they make.
fn check_cost(proposal: &Proposal, limits: ProposalLimits) -> Result<(), ProposalError> {
    let max_files = limits.tool.max_tool_files;
    let files = proposal.files.len() as u64 + 1;
    if files > max_files {
        return Err(ProposalError::TooManyFiles {
            entries: files,
            max: max_files,
        });
    }
    let texts = std::iter::once((MANIFEST_FILE, &proposal.manifest))
        .chain(proposal.files.iter().map(|(p, t)| (p.as_str(), t)));
    let (mut content, mut cost) = (0u64, 0u64);
    for (path, text) in texts {
        content = content.saturating_add(text.len() as u64);
        cost = cost.saturating_add(text.len() as u64 + path.len() as u64 + PER_FILE_BYTES);
    }
    if cost > limits.max_bytes {
        return Err(ProposalError::TooLarge {
            kb: cost.div_ceil(1024),
            max_kb: limits.max_bytes / 1024,
        });
    }
    if content > limits.tool.max_tool_bytes {
        return Err(ProposalError::TooBigForTool {
            bytes: content,
            max: limits.tool.max_tool_bytes,
        });
    }
    let entries = files + paths::check_all(proposal.files.keys().map(String::as_str))?;
    if entries > max_files {
        return Err(ProposalError::TooManyFiles {
            entries,
            max: max_files,
        });
    }
    Ok(())
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

/// Fills the private staging folder, synced once at the end: one sync, not one per file,
/// is what keeps a proposal of thousands of small files from holding its caller for long.
fn write_all(staged: &Dir, proposal: &Proposal) -> Result<(), SafeFsError> {
    staged.write_new(
        Path::new(MANIFEST_FILE),
        proposal.manifest.as_bytes(),
        0o644,
    )?;
    for (path, text) in &proposal.files {
        staged.write_new(Path::new(path), text.as_bytes(), mode_of(text))?;
    }
    staged.sync_filesystem()
}

/// A script an agent wrote runs only in the sandbox, and only through its command; the
/// executable bit lets a `command = ["./run.sh"]` work as written. The mode is not content:
/// the content hash leaves it out.
fn mode_of(text: &str) -> u32 {
    if text.starts_with("#!") { 0o755 } else { 0o644 }
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

    const LIMITS: ProposalLimits = ProposalLimits {
        max_bytes: 1 << 20,
        tool: ScanLimits {
            max_tool_bytes: 64 << 20,
            max_tool_files: 10_000,
        },
    };

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
        let landed = propose(dir.path(), &p, &[], LIMITS).expect("proposed");
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
        let again = propose(dir.path(), &p, &[], LIMITS).expect("beside");
        assert_eq!(again.folder, "experimental/greet-1.0.0");
        let third = propose(dir.path(), &p, &[], LIMITS);
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
            let result = propose(dir.path(), &proposal(&[(bad, "x")]), &[], LIMITS);
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
        let err = propose(
            dir.path(),
            &proposal(&[("big", &big)]),
            &[],
            ProposalLimits {
                max_bytes: 1024,
                ..LIMITS
            },
        );
        // 2048 + 3 + 256 for the file, MANIFEST's bytes + 9 + 256 for the manifest.
        assert!(
            matches!(err, Err(ProposalError::TooLarge { kb: 3, max_kb: 1 })),
            "{err:?}"
        );

        let broken = Proposal {
            manifest: "name = \"greet\"\nversion = \"one\"\n".into(),
            files: BTreeMap::new(),
        };
        let err = propose(dir.path(), &broken, &[], LIMITS)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("tool.toml:2: field `version`"), "{err}");

        let core = ToolEntry::fixture(Tier::Core, "greet");
        let err = propose(dir.path(), &proposal(&[]), &[core], LIMITS);
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
        let result = propose(dir.path(), &proposal(&[("run.sh", "x")]), &[], LIMITS);
        assert!(matches!(result, Err(ProposalError::Write(_))), "{result:?}");
        assert_eq!(
            std::fs::read_dir(outside.path()).expect("list").count(),
            0,
            "nothing written outside"
        );
    }

    fn empty_files(paths: impl Iterator<Item = String>) -> Proposal {
        Proposal {
            manifest: MANIFEST.to_string(),
            files: paths.map(|p| (p, String::new())).collect(),
        }
    }

    #[test]
    fn empty_files_and_their_names_count_against_the_limits_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        // 30,000 empty files: too many for a tool folder, refused on their number alone.
        let many = empty_files((0..30_000).map(|i| format!("f{i}")));
        let err = propose(dir.path(), &many, &[], LIMITS);
        assert!(
            matches!(
                err,
                Err(ProposalError::TooManyFiles {
                    entries: 30_001,
                    max: 10_000
                })
            ),
            "{err:?}"
        );
        // 5,000 of them fit a tool folder but cost 5,000 × (256 + path) bytes: over 1 MiB.
        let five_thousand = empty_files((0..5_000).map(|i| format!("f{i}")));
        let err = propose(dir.path(), &five_thousand, &[], LIMITS)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("at most 1024 KiB are accepted (mcp.max_proposal_kb)"),
            "{err}"
        );
        // The folders that paths make are entries of the tool folder too.
        let nested = empty_files((0..6_000).map(|i| format!("d{i}/f")));
        let roomy = ProposalLimits {
            max_bytes: 1 << 30,
            ..LIMITS
        };
        let err = propose(dir.path(), &nested, &[], roomy);
        assert!(
            matches!(
                err,
                Err(ProposalError::TooManyFiles {
                    entries: 12_001,
                    ..
                })
            ),
            "{err:?}"
        );
        // What fits the proposal's budget must still fit a tool folder.
        let small_tools = ProposalLimits {
            max_bytes: 1 << 30,
            tool: ScanLimits {
                max_tool_bytes: 1024,
                ..LIMITS.tool
            },
        };
        let err = propose(
            dir.path(),
            &proposal(&[("data", &"x".repeat(2048))]),
            &[],
            small_tools,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("at most 1 KiB (catalog.max_tool_mb)"), "{err}");
        assert!(!dir.path().join("experimental").exists(), "nothing written");
    }
}
