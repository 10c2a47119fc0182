//! Proposals: a tool an agent hands over as text (its `tool.toml` and its files), checked and
//! written into `experimental/` in one step, where it waits for validation and a human.
//!
//! A proposal is unambiguous: its paths have one spelling each (`paths`), and a name and
//! version stand for one content wherever they are. Content already there under its name and
//! version is answered with the folder that holds it; other content under them is refused.
//!
//! The folder is assembled in a staging folder of its own (hidden: the scan and the watcher
//! skip dot folders, and named so no other proposal can share it) and renamed into place
//! without replacing anything, so nobody ever sees half a proposal. The look for what exists
//! and the rename happen under the tool's lock, the one decisions take, so nothing of that
//! name lands, moves or leaves between them. Nothing is written through a symlink. A
//! proposal that landed always has its row, who proposed it and when (`landing`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::catalog::manifest::parse_manifest;
use crate::catalog::scan::{ScanLimits, hash_bytes_of};
use crate::config::Config;
use crate::lookup;
use crate::model::MANIFEST_FILE;
use crate::model::decisions::{DecisionAction, DecisionRecord};
use crate::model::proposals::ProposalRow;
pub(crate) use crate::model::proposals::{Proposal, Proposed};
use crate::model::validation_report::{
    CaseStatus, CheckKind, CheckStatus, Finding, ValidationReport, verdict_of,
};
use crate::model::{Tier, ToolEntry, ToolId};
use crate::review::ReviewError;
use crate::review::lock::ToolLock;
use crate::safe_fs::{Dir, SafeFsError};
use crate::store::SharedStore;
use crate::store::{Store, StoreError};
use crate::text::human_size;

mod landing;
mod paths;

pub(crate) use landing::{forget_unannounced, recover_landings};

pub(crate) use paths::{PathError, check_all as check_paths, repository_name};

impl Proposal {
    /// The content hash of the folder this proposal writes, computed from the texts: the
    /// same as `hash_tool_folder` of that folder (the files in `Path` order, modes left out).
    pub(crate) fn content_hash(&self) -> String {
        let mut files: Vec<(&Path, &[u8])> =
            std::iter::once((Path::new(MANIFEST_FILE), self.manifest.as_bytes()))
                .chain(
                    self.files
                        .iter()
                        .map(|(path, text)| (Path::new(path.as_str()), text.as_bytes())),
                )
                .collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        hash_bytes_of(files)
    }
}

/// How long a proposal waits for the tool's lock (another proposal of the name, or a
/// decision on it) before it is refused.
const LOCK_PATIENCE: Duration = Duration::from_secs(10);

/// What a proposal may hold: `[mcp] max_proposal_kb` over everything it costs, and the
/// `[catalog]` limits every tool folder is held to, so it never lands as a broken tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProposalLimits {
    pub(crate) max_bytes: u64,
    pub(crate) tool: ScanLimits,
}

impl ProposalLimits {
    pub(crate) fn of(config: &Config) -> Self {
        Self {
            max_bytes: config.max_proposal_kb.saturating_mul(1024),
            tool: config.catalog,
        }
    }
}

/// What each file costs besides its text and its path: the inode, the folder entry and the
/// write an empty file costs too (an ext4 inode is 256 bytes). Without it, 30,000 empty files
/// with short names fit in 1 MiB.
const PER_FILE_BYTES: u64 = 256;

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
    #[error(
        "{tool} is already in {folder} with other content (hash {hash}); propose your change as a new version"
    )]
    OtherContent {
        tool: String,
        folder: String,
        hash: String,
    },
    #[error("{tool}: no folder is free for it in experimental/ ({taken} are taken)")]
    NoFreeFolder { tool: String, taken: String },
    #[error(transparent)]
    Lock(#[from] ReviewError),
    #[error("cannot write the proposal")]
    Write(#[from] SafeFsError),
    /// The files are in place but the store did not take the proposal's row: the next
    /// toolbench start stores it.
    #[error(
        "the tool was written to {folder} but not recorded ({reason}); the next toolbench start records it"
    )]
    Unrecorded { folder: String, reason: StoreError },
}

/// Checks `proposal` against `limits` and writes it to `experimental/`, recorded as
/// `client`'s, unless its name and version are there already (in any tier): with its content,
/// the answer names that folder; with other content, it is refused. `store` is read for where
/// the tools of the name are.
pub(crate) fn propose(
    root: &Path,
    proposal: &Proposal,
    client: &str,
    store: &SharedStore,
    limits: ProposalLimits,
) -> Result<Proposed, ProposalError> {
    check_cost(proposal, limits)?;
    let parsed = parse_manifest(&proposal.manifest, Path::new(MANIFEST_FILE))
        .map_err(|e| ProposalError::Manifest(e.to_string()))?;
    let name = parsed.manifest.name.clone();
    let version = parsed.manifest.version.to_string();
    let content_hash = proposal.content_hash();
    let proposed = |folder: String, already_in| Proposed {
        name: name.clone(),
        version: version.clone(),
        folder,
        content_hash: content_hash.clone(),
        already_in,
        request_id: None,
    };

    let _lock = ToolLock::acquire_within(root, &name, LOCK_PATIENCE)?;
    // With the version asked for, a version found in no folder of the name that the index
    // knows is looked for by a full scan: a folder named otherwise holds it too.
    let spec = ToolId {
        version: Some(parsed.manifest.version.clone()),
        ..ToolId::named(&name)
    };
    let named = lookup::tools_named(root, limits.tool, &mut store.lock(), &spec, Tier::ALL);
    let same_version = |e: &&ToolEntry| e.version == version && e.error.is_none();
    if let Some(same) = named
        .iter()
        .filter(same_version)
        .find(|e| e.content_hash == content_hash)
    {
        return Ok(proposed(shown(root, &same.path), Some(same.tier)));
    }
    if named.iter().any(|e| e.tier == Tier::Core) {
        return Err(ProposalError::ActiveInCore { name });
    }
    if let Some(other) = named.iter().find(same_version) {
        return Err(ProposalError::OtherContent {
            tool: format!("{name}@{version}"),
            folder: shown(root, &other.path),
            hash: other.content_hash.chars().take(12).collect(),
        });
    }

    let experimental = Dir::open(root)?.create_dirs(Path::new(Tier::Experimental.dir_name()))?;
    let folder = free_folder(&experimental, &name, &version)?;
    // Named by this process and this call, and made only if new: no other proposal shares
    // it, so no other proposal writes into it or removes it.
    let staging = PathBuf::from(format!(
        ".proposal-{name}-{}-{}",
        std::process::id(),
        crate::clock::unique_nanos()
    ));
    let staged = experimental.create_dir_new(&staging, 0o755)?;
    let row = ProposalRow {
        tool: name.clone(),
        version: version.clone(),
        path: format!("{}/{folder}", Tier::Experimental.dir_name()),
        client: client.to_string(),
        proposed_at: crate::clock::now_rfc3339(),
        request_id: None,
    };
    // Written down before it lands, so that once landed it always gets its row.
    let landed = write_all(&staged, proposal)
        .and_then(|()| {
            landing::Landing::announce(root, &row, &staging.to_string_lossy()).map_err(|e| {
                SafeFsError::Io {
                    path: crate::workspace::state_dir(root).join("proposals"),
                    reason: crate::io_text::io_reason(&e),
                }
            })
        })
        .and_then(
            |landing| match experimental.rename_noreplace(&staging, Path::new(&folder)) {
                Ok(()) => Ok(landing),
                Err(e) => {
                    landing.withdraw();
                    Err(SafeFsError::Io {
                        path: experimental.path().join(&folder),
                        reason: crate::io_text::io_reason(&e),
                    })
                }
            },
        );
    let landing = match landed {
        Ok(landing) => landing,
        Err(e) => {
            let _ = std::fs::remove_dir_all(experimental.path().join(&staging));
            return Err(e.into());
        }
    };
    crate::pause_point::pause_point("proposal-landed");
    // Indexed and recorded before the lock is let go: the next proposal of this name finds it.
    let landed = experimental.path().join(&folder);
    lookup::reindex(root, limits.tool, &mut store.lock(), &[landed]);
    let row =
        landing
            .record(&mut store.lock(), row)
            .map_err(|reason| ProposalError::Unrecorded {
                folder: format!("experimental/{folder}"),
                reason,
            })?;
    Ok(Proposed {
        request_id: row.request_id,
        ..proposed(row.path, None)
    })
}

/// A tool folder as answers show it: relative to the workspace root.
fn shown(root: &Path, folder: &Path) -> String {
    folder
        .strip_prefix(root)
        .unwrap_or(folder)
        .display()
        .to_string()
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
    let versioned = format!("{name}-{version}");
    [name.to_string(), versioned.clone()]
        .into_iter()
        .find(|folder| !taken(folder))
        .ok_or_else(|| ProposalError::NoFreeFolder {
            tool: format!("{name}@{version}"),
            taken: format!("experimental/{name} and experimental/{versioned}"),
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

/// The most findings a proposal's status carries: enough to fix a proposal by, bounded for
/// an agent's context (a linter may report thousands).
const MAX_FINDINGS_SHOWN: usize = 50;
/// The most test cases and generated failures a status names, and the longest text of one.
const MAX_RUNS_SHOWN: usize = 50;
const MAX_TEXT_SHOWN: usize = 1000;

/// One check of a validation as its agent reads it: the check, its status, and for a check
/// that reads the code without running it (manifest, links, syntax, lint, security,
/// permissions) its message. What a check that ran the code printed never reaches an agent
/// (DESIGN §11 rule 4): its message may carry what the code was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AgentCheck {
    pub(crate) check: CheckKind,
    pub(crate) status: CheckStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
}

/// A test case of the candidate, as its agent reads it: no output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AgentCase {
    pub(crate) case: String,
    pub(crate) status: CaseStatus,
    pub(crate) exit_code: Option<i32>,
}

/// A failure the generated inputs found: how it ended and the input, which validation made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AgentFailure {
    /// `exit 1`, `crash (signal 11)`, `timeout`, …
    pub(crate) kind: String,
    pub(crate) input: String,
}

/// True for a check that reads the tool's files without running anything of it.
fn is_static(check: CheckKind) -> bool {
    match check {
        CheckKind::Permissions
        | CheckKind::Manifest
        | CheckKind::Links
        | CheckKind::Syntax
        | CheckKind::Lint
        | CheckKind::Security => true,
        // Its message names other tools of the workspace: no business of the agent's.
        CheckKind::Similar => false,
        // The resolution runs package build code, whose words may be in its message.
        CheckKind::Dependencies => false,
        CheckKind::Tests
        | CheckKind::OutputSchema
        | CheckKind::Generated
        | CheckKind::Differential => false,
    }
}

/// `report` without what its replay of real inputs came to: whether the candidate answered
/// them as the active version does is a bit of those inputs that the candidate chose, so not
/// even the check's status reaches an agent, nor the verdict it moves (DESIGN §11 rule 4).
fn without_replay(mut report: ValidationReport) -> ValidationReport {
    report.checks.retain(|c| c.check != CheckKind::Differential);
    report.differential = None;
    report
}

/// What of `report` its agent reads: the checks that did not pass, the static findings, the
/// cases' ends and the generated inputs that failed, each bounded.
fn for_agent(
    report: ValidationReport,
) -> (
    Vec<AgentCheck>,
    Vec<Finding>,
    Vec<AgentCase>,
    Vec<AgentFailure>,
) {
    let cut = |text: &str| crate::text::shorten(text, MAX_TEXT_SHOWN);
    let checks = report
        .checks
        .into_iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
        .map(|c| AgentCheck {
            check: c.check,
            status: c.status,
            message: is_static(c.check).then(|| cut(&c.message)),
        })
        .collect();
    let findings = report
        .findings
        .into_iter()
        .filter(|f| is_static(f.check))
        .map(|f| Finding {
            message: cut(&f.message),
            ..f
        })
        .collect();
    let cases = report
        .tests
        .into_iter()
        .take(MAX_RUNS_SHOWN)
        .map(|c| AgentCase {
            case: c.case,
            status: c.status,
            exit_code: c.exit_code,
        })
        .collect();
    let failures = report
        .generated
        .map(|g| g.failures)
        .unwrap_or_default()
        .into_iter()
        .take(MAX_RUNS_SHOWN)
        .map(|f| AgentFailure {
            kind: f.kind,
            input: cut(&f.input),
        })
        .collect();
    (checks, findings, cases, failures)
}

/// Where a proposal stands, for the agent that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ProposalStatus {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) folder: String,
    /// `pending`, `approved`, `rejected`, `changes_requested`, `archived`, or `withdrawn`
    /// when its folder left `experimental/` with no decision.
    pub(crate) state: &'static str,
    /// The validation verdict (`pass`, `warn`, `fail`), once validated.
    pub(crate) verdict: Option<String>,
    /// The checks of that validation that did not pass (`fail` or `warn`) (`AgentCheck`).
    pub(crate) failed_checks: Vec<AgentCheck>,
    /// What its static checks found (rule, file, line, severity, message), errors first; at
    /// most `MAX_FINDINGS_SHOWN`, and how many more there were.
    pub(crate) findings: Vec<Finding>,
    pub(crate) findings_omitted: usize,
    /// How each test case ended: its status and exit code.
    pub(crate) cases: Vec<AgentCase>,
    /// The generated inputs that made it fail, and how.
    pub(crate) generated_failures: Vec<AgentFailure>,
    /// The reviewer's reason (reject, archive) or feedback (request changes).
    pub(crate) reason: Option<String>,
    pub(crate) reviewer: Option<String>,
    /// When the state was reached: the decision's time, else the proposal's.
    pub(crate) at: String,
    pub(crate) proposed_at: String,
    /// The tool request this proposal answers, when its author asked first.
    pub(crate) request_id: Option<i64>,
}

/// The state of each proposal, from the decisions taken on that version since it landed.
pub(crate) fn statuses(
    root: &Path,
    store: &Store,
    rows: &[ProposalRow],
) -> Result<Vec<ProposalStatus>, StoreError> {
    let verdicts = store.review_queue_rows()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // Newest first: the state is the one the latest decision about it left.
        let decisions = store.decisions_of(&row.tool)?;
        let decision = decisions
            .iter()
            .filter(|d| d.at >= row.proposed_at && concerns(d, &row.version))
            .find_map(|d| state_after(d).map(|state| (state, d)));
        // The folder's row is the proposal's only once it holds the proposed version: before
        // its validation it may still be that of the version that left the folder.
        let queued = verdicts
            .iter()
            .find(|q| q.path == row.path && q.tool == row.tool && q.version == row.version);
        let report = match queued {
            Some(q) => store
                .cached_validation(&q.path, &q.content_hash)?
                .and_then(|json| serde_json::from_str::<ValidationReport>(&json).ok())
                .map(without_replay),
            None => None,
        };
        let verdict = match &report {
            Some(report) => Some(verdict_of(&report.checks).to_string()),
            None => queued.and_then(|q| q.verdict.clone()),
        };
        let (failed_checks, mut findings, cases, generated_failures) =
            report.map(for_agent).unwrap_or_default();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let findings_omitted = findings.len().saturating_sub(MAX_FINDINGS_SHOWN);
        findings.truncate(MAX_FINDINGS_SHOWN);
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
            failed_checks,
            findings,
            findings_omitted,
            cases,
            generated_failures,
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
fn state_after(decision: &DecisionRecord) -> Option<&'static str> {
    match decision.action {
        DecisionAction::Approve | DecisionAction::Promote => Some("approved"),
        DecisionAction::Reject => Some("rejected"),
        DecisionAction::RequestChanges => Some("changes_requested"),
        DecisionAction::Archive => Some("archived"),
        DecisionAction::Rollback
        | DecisionAction::Evolve
        | DecisionAction::Supersede
        | DecisionAction::Resubmit
        | DecisionAction::AddCase
        | DecisionAction::Accept
        | DecisionAction::Unknown => None,
        // Where it left the tool: back in review (a rejected candidate restored), or active.
        DecisionAction::Restore | DecisionAction::Undo => match decision.to_tier {
            Some(Tier::Experimental) => Some("pending"),
            Some(Tier::Approved | Tier::Core) => Some("approved"),
            Some(Tier::Archived) | None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::catalog::scan::hash_tool_folder;

    const MANIFEST: &str = "name = \"greet\"\nversion = \"1.0.0\"\ndescription = \"Say hello\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";

    const LIMITS: ProposalLimits = ProposalLimits {
        max_bytes: 1 << 20,
        tool: ScanLimits {
            max_tool_bytes: 64 << 20,
            max_tool_files: 10_000,
        },
    };

    /// A workspace with its store.
    fn workspace() -> (tempfile::TempDir, SharedStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SharedStore::new(Store::open(dir.path()).expect("store"));
        (dir, store)
    }

    fn proposal(files: &[(&str, &str)]) -> Proposal {
        versioned("1.0.0", files)
    }

    fn versioned(version: &str, files: &[(&str, &str)]) -> Proposal {
        Proposal {
            manifest: MANIFEST.replace("1.0.0", version),
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// Every name in `experimental/`, hidden ones included.
    fn experimental(root: &Path) -> BTreeSet<String> {
        std::fs::read_dir(root.join("experimental"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// The files of a folder and their text, by relative path.
    fn files_of(folder: &Path) -> BTreeMap<String, String> {
        crate::catalog::scan::collect_files(folder)
            .into_iter()
            .map(|relative| {
                let text = std::fs::read_to_string(folder.join(&relative)).expect("read");
                (relative.to_string_lossy().into_owned(), text)
            })
            .collect()
    }

    /// What `proposal` writes, by relative path.
    fn written_by(proposal: &Proposal) -> BTreeMap<String, String> {
        let mut files = proposal.files.clone();
        files.insert(MANIFEST_FILE.into(), proposal.manifest.clone());
        files
    }

    #[test]
    fn a_proposal_lands_whole_in_experimental_and_another_version_beside_it() {
        let (dir, store) = workspace();
        let p = proposal(&[("run.sh", "echo hi\n"), ("lib/util.sh", "true\n")]);
        let landed = propose(dir.path(), &p, "agent", &store, LIMITS).expect("proposed");
        assert_eq!(landed.folder, "experimental/greet");
        assert_eq!(landed.already_in, None);
        let folder = dir.path().join("experimental/greet");
        assert_eq!(files_of(&folder), written_by(&p));
        assert_eq!(landed.content_hash, hash_tool_folder(&folder));

        let next = versioned("1.1.0", &[("run.sh", "echo hello\n")]);
        let beside = propose(dir.path(), &next, "agent", &store, LIMITS).expect("beside");
        assert_eq!(beside.folder, "experimental/greet-1.1.0");
        assert_eq!(
            files_of(&dir.path().join("experimental/greet-1.1.0")),
            written_by(&next)
        );
        assert_eq!(
            experimental(dir.path()),
            BTreeSet::from(["greet".to_string(), "greet-1.1.0".to_string()]),
            "no staging folder left behind"
        );
        let rows = store.lock().proposals_of("agent", None).expect("rows");
        let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["experimental/greet", "experimental/greet-1.1.0"]);
    }

    #[test]
    fn the_content_hash_of_a_proposal_is_the_hash_of_the_folder_it_writes() {
        let (dir, store) = workspace();
        // Names whose text order differs from their path order (`-` and `.` sort before
        // `/`), a folder sorting between files, and a script that lands executable.
        let p = proposal(&[
            ("run.sh", "#!/bin/sh\necho hi\n"),
            ("a-b", "1"),
            ("a.b", "2"),
            ("a/b", "3"),
            ("a/c/d", "4"),
            ("Z", ""),
            ("tool.toml.bak", "5"),
        ]);
        let landed = propose(dir.path(), &p, "agent", &store, LIMITS).expect("proposed");
        let folder = dir.path().join(&landed.folder);
        let mode = std::fs::metadata(folder.join("run.sh"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "a script lands executable");
        assert_eq!(p.content_hash(), hash_tool_folder(&folder));
        assert_eq!(landed.content_hash, hash_tool_folder(&folder));
        // The mode is not content: the same folder with every bit cleared hashes the same.
        std::fs::set_permissions(
            folder.join("run.sh"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        assert_eq!(p.content_hash(), hash_tool_folder(&folder));
    }

    #[test]
    fn the_same_content_again_is_answered_with_the_folder_that_holds_it() {
        let (dir, store) = workspace();
        let p = proposal(&[("run.sh", "echo hi\n")]);
        propose(dir.path(), &p, "agent", &store, LIMITS).expect("proposed");
        let again = propose(dir.path(), &p, "agent", &store, LIMITS).expect("answered");
        assert_eq!(
            (again.folder.as_str(), again.already_in),
            ("experimental/greet", Some(Tier::Experimental))
        );
        assert_eq!(experimental(dir.path()), BTreeSet::from(["greet".into()]));

        // Once it is active, or archived, the answer is that folder: nothing lands again.
        for tier in [Tier::Approved, Tier::Archived] {
            let from = dir.path().join("experimental/greet");
            let from = if from.exists() {
                from
            } else {
                dir.path().join("approved/greet")
            };
            std::fs::create_dir_all(dir.path().join(tier.dir_name())).expect("tier");
            std::fs::rename(&from, dir.path().join(tier.dir_name()).join("greet")).expect("move");
            let again = propose(dir.path(), &p, "agent", &store, LIMITS).expect("answered");
            assert_eq!(again.already_in, Some(tier));
            assert_eq!(again.folder, format!("{tier}/greet"));
            assert!(experimental(dir.path()).is_empty(), "nothing written");
        }
    }

    #[test]
    fn the_same_name_and_version_with_other_content_is_refused_naming_its_folder() {
        for (tier, folder) in [
            ("experimental", "greet-1.0.0"),
            ("approved", "greet"),
            ("archived", "greet-old"),
        ] {
            let (dir, store) = workspace();
            // An evolved candidate, an active tool, a retired one: the same name and version.
            let existing = dir.path().join(tier).join(folder);
            std::fs::create_dir_all(&existing).expect("mkdir");
            std::fs::write(existing.join("tool.toml"), MANIFEST).expect("manifest");
            std::fs::write(existing.join("run.sh"), "echo reviewed\n").expect("script");
            let before = experimental(dir.path());
            let err = propose(
                dir.path(),
                &proposal(&[("run.sh", "echo shadow\n")]),
                "agent",
                &store,
                LIMITS,
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(
                err.starts_with(&format!(
                    "greet@1.0.0 is already in {tier}/{folder} with other content (hash {}",
                    &hash_tool_folder(&existing)[..12]
                )),
                "{err}"
            );
            assert_eq!(experimental(dir.path()), before, "nothing written");
            assert_eq!(
                std::fs::read_to_string(existing.join("run.sh")).expect("read"),
                "echo reviewed\n"
            );
        }
    }

    #[test]
    fn a_name_active_in_core_is_refused() {
        let (dir, store) = workspace();
        let core = dir.path().join("core/greet");
        std::fs::create_dir_all(&core).expect("mkdir");
        std::fs::write(core.join("tool.toml"), MANIFEST.replace("1.0.0", "3.0.0"))
            .expect("manifest");
        let err = propose(dir.path(), &proposal(&[]), "agent", &store, LIMITS);
        assert!(
            matches!(err, Err(ProposalError::ActiveInCore { .. })),
            "{err:?}"
        );
        assert!(!dir.path().join("experimental").exists());
    }

    #[test]
    fn a_proposal_of_a_name_whose_folders_are_taken_by_other_tools_is_refused() {
        let (dir, store) = workspace();
        // Folders whose names do not say what they hold.
        for folder in ["greet", "greet-1.0.0"] {
            let path = dir.path().join("experimental").join(folder);
            std::fs::create_dir_all(&path).expect("mkdir");
            std::fs::write(
                path.join("tool.toml"),
                MANIFEST.replace("greet", &format!("other_{}", folder.len())),
            )
            .expect("manifest");
        }
        let err = propose(dir.path(), &proposal(&[]), "agent", &store, LIMITS)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "greet@1.0.0: no folder is free for it in experimental/ (experimental/greet and experimental/greet-1.0.0 are taken)"
        );
    }

    /// Eight proposals of one name at once, from as many threads: the same content four
    /// times, other content of the same version twice, two other versions. Each ends landed,
    /// answered with the folder that holds it, or refused; every folder holds one proposal
    /// whole; no staging folder is left.
    #[test]
    fn concurrent_proposals_of_one_name_each_end_whole_answered_or_refused() {
        let (dir, store) = workspace();
        let same = proposal(&[("run.sh", "echo same\n")]);
        let other = proposal(&[("run.sh", "echo other\n"), ("extra", "x")]);
        let proposals = [
            same.clone(),
            same.clone(),
            same.clone(),
            same.clone(),
            other.clone(),
            other.clone(),
            versioned("1.1.0", &[("run.sh", "echo one-one\n")]),
            versioned("1.2.0", &[("run.sh", "echo one-two\n")]),
        ];
        let barrier = std::sync::Barrier::new(proposals.len());
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = proposals
                .iter()
                .map(|p| {
                    let (root, store, barrier) = (dir.path(), &store, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        propose(root, p, "agent", store, LIMITS)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let landed: Vec<&Proposed> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .filter(|p| p.already_in.is_none())
            .collect();
        assert_eq!(landed.len(), 3, "one 1.0.0, 1.1.0 and 1.2.0: {results:?}");
        let winner = if landed.iter().any(|p| p.content_hash == same.content_hash()) {
            &same
        } else {
            &other
        };
        for (p, result) in proposals.iter().zip(&results) {
            let same_as_winner = p.content_hash() == winner.content_hash();
            match result {
                Ok(done) => {
                    assert!(p.manifest.contains("1.0.0") == (done.version == "1.0.0"));
                    assert!(!p.manifest.contains("1.0.0") || same_as_winner);
                }
                Err(ProposalError::OtherContent { .. }) => assert!(!same_as_winner),
                Err(e) => panic!("neither landed, answered nor refused as other content: {e}"),
            }
        }
        // On disk: three folders, each one proposal's files exactly, nothing else.
        assert_eq!(
            experimental(dir.path()).len(),
            3,
            "{:?}",
            experimental(dir.path())
        );
        let mut found: Vec<BTreeMap<String, String>> = experimental(dir.path())
            .iter()
            .map(|folder| files_of(&dir.path().join("experimental").join(folder)))
            .collect();
        let mut expected = vec![
            written_by(winner),
            written_by(&proposals[6]),
            written_by(&proposals[7]),
        ];
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    #[test]
    fn paths_that_leave_the_folder_or_name_the_manifest_are_refused_before_anything_is_written() {
        let (dir, store) = workspace();
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
            let result = propose(
                dir.path(),
                &proposal(&[(bad, "x")]),
                "agent",
                &store,
                LIMITS,
            );
            assert!(
                matches!(result, Err(ProposalError::Path(_))),
                "{bad:?}: {result:?}"
            );
        }
        assert!(!dir.path().join("experimental").exists());
    }

    #[test]
    fn size_and_manifest_are_checked() {
        let (dir, store) = workspace();
        let big = "x".repeat(2048);
        let err = propose(
            dir.path(),
            &proposal(&[("big", &big)]),
            "agent",
            &store,
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
        let err = propose(dir.path(), &broken, "agent", &store, LIMITS)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("tool.toml:2: field `version`"), "{err}");
    }

    #[test]
    fn a_symlinked_experimental_folder_is_not_written_through() {
        let (dir, store) = workspace();
        let outside = tempfile::tempdir().expect("outside");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("experimental")).expect("link");
        let result = propose(
            dir.path(),
            &proposal(&[("run.sh", "x")]),
            "agent",
            &store,
            LIMITS,
        );
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
        let (dir, store) = workspace();
        // 30,000 empty files: too many for a tool folder, refused on their number alone.
        let many = empty_files((0..30_000).map(|i| format!("f{i}")));
        let err = propose(dir.path(), &many, "agent", &store, LIMITS);
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
        let err = propose(dir.path(), &five_thousand, "agent", &store, LIMITS)
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
        let err = propose(dir.path(), &nested, "agent", &store, roomy);
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
            "agent",
            &store,
            small_tools,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("at most 1 KiB (catalog.max_tool_mb)"), "{err}");
        assert!(!dir.path().join("experimental").exists(), "nothing written");
    }

    /// An agent reads the state the newest decision about its proposal left: a rejection
    /// restored is pending again, an approval archived since is archived.
    #[test]
    fn a_proposals_state_is_the_one_its_newest_decision_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("experimental/greet")).expect("folder");
        let mut store = Store::open(root).expect("store");
        let row = ProposalRow {
            tool: "greet".into(),
            version: "1.0.0".into(),
            path: "experimental/greet".into(),
            client: "agent".into(),
            proposed_at: "2026-11-27T10:00:00.000Z".into(),
            request_id: None,
        };
        store.record_proposal(&row).expect("proposal");
        let decided = |store: &mut Store, action, at: &str, from: Tier, to: Tier| {
            let record = DecisionRecord {
                id: 0,
                tool: "greet".into(),
                action,
                who: "ana".into(),
                at: at.into(),
                reason: None,
                from_version: Some("1.0.0".into()),
                to_version: Some("1.0.0".into()),
                from_tier: Some(from),
                to_tier: Some(to),
                from_hash: None,
                to_hash: None,
            };
            store
                .record_decisions(&[record], &[], &[])
                .expect("decision");
        };
        let state = |store: &Store| {
            statuses(root, store, std::slice::from_ref(&row)).expect("status")[0].state
        };
        let (exp, arch, appr) = (Tier::Experimental, Tier::Archived, Tier::Approved);
        decided(
            &mut store,
            DecisionAction::Reject,
            "2026-11-27T10:01:00.000Z",
            exp,
            arch,
        );
        assert_eq!(state(&store), "rejected");
        decided(
            &mut store,
            DecisionAction::Restore,
            "2026-11-27T10:02:00.000Z",
            arch,
            exp,
        );
        assert_eq!(state(&store), "pending");
        decided(
            &mut store,
            DecisionAction::Approve,
            "2026-11-27T10:03:00.000Z",
            exp,
            appr,
        );
        assert_eq!(state(&store), "approved");
        decided(
            &mut store,
            DecisionAction::Archive,
            "2026-11-27T10:04:00.000Z",
            appr,
            arch,
        );
        assert_eq!(state(&store), "archived");
    }
}
