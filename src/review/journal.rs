//! Crash-safe moves between tiers: intent, rename, record, forget.
//!
//! A decision that moves folders first writes an intent record (the moves and the rows to
//! record) to `<root>/.toolbench/journal/<id>.json` and fsyncs it, then prepares what it needs
//! (snapshots, a staged copy), renames with `RENAME_NOREPLACE` (never over anything), fsyncs
//! the folders, records the decision in the store and deletes the intent. `recover` finishes
//! or undoes every intent left by a crash, so each tool ends in exactly one tier and the store
//! agrees with the disk. This module never decides what to move; `lifecycle` does.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ReviewError;
use super::error::Staged;
use super::lock::ToolLock;
use crate::io_text::io_reason;
use crate::safe_fs::move_noreplace;
use crate::store::{DecisionRecord, Store, StoreAccess, StoreError, VersionRecord};
use crate::workspace::state_dir;

// Test hooks. `TOOLBENCH_CRASH_AT` and `TOOLBENCH_FAIL_MOVE` let the tests abort a decision
// at a chosen point or make a rename fail. They are compiled only with debug assertions, which
// `cargo test` (and any dev-profile build) has and the release profile never has: a release
// binary (`cargo build --release`, `cargo install`, the binary `cargo bench` builds) contains
// neither the variable names nor the code that reads them, so it cannot honour them. In
// release builds `crash_point` and `injected_failure` are empty and vanish when inlined.
// This is a compile-time guarantee; no test can observe it from a debug build.

/// `TOOLBENCH_CRASH_AT=<point>` aborts the process at that point (tests of crash safety).
/// Debug-assertion builds only.
#[cfg(debug_assertions)]
pub const CRASH_ENV: &str = "TOOLBENCH_CRASH_AT";
/// `TOOLBENCH_FAIL_MOVE=<n>` makes the n-th rename of a decision fail with "no space left on
/// device" (tests of the undo path). Debug-assertion builds only.
#[cfg(debug_assertions)]
pub const FAIL_MOVE_ENV: &str = "TOOLBENCH_FAIL_MOVE";

/// The points `TOOLBENCH_CRASH_AT` knows, in the order a decision passes them.
#[cfg(debug_assertions)]
pub const CRASH_POINTS: &[&str] = &[
    "after-intent",
    "after-snapshot",
    "after-first-move",
    "after-move",
    "after-record",
];

/// Aborts the process here when `TOOLBENCH_CRASH_AT` names this point. One env lookup.
#[cfg(debug_assertions)]
fn crash_point(name: &str) {
    debug_assert!(CRASH_POINTS.contains(&name), "unknown crash point {name}");
    if std::env::var_os(CRASH_ENV).is_some_and(|point| point == name) {
        std::process::abort();
    }
}

/// Release builds: no crash injection.
#[cfg(not(debug_assertions))]
#[inline(always)]
fn crash_point(_name: &str) {}

/// One rename, both paths relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Move {
    pub(crate) from: String,
    pub(crate) to: String,
}

/// What a decision is about to do, written before it does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Intent {
    pub(crate) id: String,
    /// The action, for messages (`approve`, `wrap`, …).
    pub(crate) op: String,
    pub(crate) tool: String,
    pub(crate) pid: u32,
    pub(crate) created_at: String,
    /// Renames in order; a later one may move what an earlier one put in the staging folder.
    pub(crate) moves: Vec<Move>,
    pub(crate) decisions: Vec<DecisionRecord>,
    /// Snapshots the decision activates, indexed together with the decisions.
    pub(crate) versions: Vec<VersionRecord>,
    /// Snapshots of versions that were active before (indexed only if new).
    #[serde(default)]
    pub(crate) kept: Vec<VersionRecord>,
    /// The signed reviews of the content this decision makes active, written beside the
    /// tools once the moves stand (signatures on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) statements: Vec<crate::signature::SignedStatement>,
    /// What signing did not stop (a key of git's that could not sign), for the decision.
    #[serde(skip)]
    pub(crate) sign_warnings: Vec<String>,
    /// Written by this user's toolbench (`workspace::own_writes`): recovery finishes no
    /// intent a commit carried into `.toolbench/journal/`. None from older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

/// The kind of file an intent's tag is for.
const TAG_KIND: &str = "intent";

impl Intent {
    pub(crate) fn new(op: &str, lock: &ToolLock) -> Self {
        Intent {
            id: new_id(),
            op: op.to_string(),
            tool: lock.name().to_string(),
            pid: std::process::id(),
            created_at: crate::clock::now_rfc3339(),
            moves: Vec::new(),
            decisions: Vec::new(),
            versions: Vec::new(),
            kept: Vec::new(),
            statements: Vec::new(),
            sign_warnings: Vec::new(),
            tag: None,
        }
    }

    /// The private folder where this decision may stage copies before renaming them in.
    pub(crate) fn staging_dir(&self, root: &Path) -> PathBuf {
        staging_root(root).join(&self.id)
    }

    /// The staging folder relative to the root, for building `Move`s.
    pub(crate) fn staging_relative(&self) -> String {
        format!("{}/{}", staging_parent(), self.id)
    }
}

/// The folder of every decision's staging folder, relative to the root.
fn staging_parent() -> String {
    format!("{}/staging", crate::workspace::STATE_DIR)
}

/// The move from `from` to `to` (relative to the root) failed, and nothing was changed.
fn move_failed(from: &str, to: &str, reason: String) -> ReviewError {
    let staging = |path: &str| Path::new(path).starts_with(staging_parent());
    ReviewError::Move {
        from: from.into(),
        to: to.into(),
        reason,
        staged: match (staging(from), staging(to)) {
            (true, _) => Staged::From,
            (false, true) => Staged::To,
            (false, false) => Staged::Neither,
        },
    }
}

pub(crate) fn journal_dir(root: &Path) -> PathBuf {
    state_dir(root).join("journal")
}

fn staging_root(root: &Path) -> PathBuf {
    state_dir(root).join("staging")
}

/// Unique per process and moment; sorts by time.
fn new_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:024}-{}", std::process::id())
}

/// Makes a folder's entries durable. Best effort: some filesystems refuse to fsync folders.
pub(crate) fn fsync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// The `n`-th rename (1-based) fails when `TOOLBENCH_FAIL_MOVE=n`.
#[cfg(debug_assertions)]
fn injected_failure(n: usize) -> std::io::Result<()> {
    match std::env::var(FAIL_MOVE_ENV) {
        Ok(value) if value.trim() == n.to_string() => {
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        }
        _ => Ok(()),
    }
}

/// Release builds: no rename fails on purpose.
#[cfg(not(debug_assertions))]
#[inline(always)]
fn injected_failure(_n: usize) -> std::io::Result<()> {
    Ok(())
}

fn write_intent(root: &Path, intent: &Intent) -> Result<PathBuf, ReviewError> {
    let dir = journal_dir(root);
    crate::workspace::private::create_dirs(&dir).map_err(|e| ReviewError::io(&dir, &e))?;
    let path = dir.join(format!("{}.json", intent.id));
    let tmp = dir.join(format!("{}.json.tmp", intent.id));
    let encode = |intent: &Intent| {
        serde_json::to_vec_pretty(intent).map_err(|e| ReviewError::Io {
            path: path.clone(),
            reason: e.to_string(),
        })
    };
    let untagged = Intent {
        tag: None,
        ..intent.clone()
    };
    let tag = crate::workspace::own_writes::tag(TAG_KIND, &encode(&untagged)?);
    let text = encode(&Intent { tag, ..untagged })?;
    let written = crate::workspace::private::create(&tmp).and_then(|mut file| {
        std::io::Write::write_all(&mut file, &text)?;
        file.sync_all()
    });
    written.map_err(|e| ReviewError::io(&tmp, &e))?;
    std::fs::rename(&tmp, &path).map_err(|e| ReviewError::io(&path, &e))?;
    fsync_dir(&dir);
    Ok(path)
}

fn forget_intent(root: &Path, path: &Path, id: &str) {
    let _ = std::fs::remove_file(path);
    fsync_dir(&journal_dir(root));
    let _ = std::fs::remove_dir_all(staging_root(root).join(id));
}

/// Runs one decision through the journal: write the intent, `prepare` (snapshots, staged
/// copies), rename, record, forget. Returns the recorded decisions.
///
/// A failing rename puts back what already moved and returns the error with the previous
/// state intact. The caller holds `lock` for the tool the intent is about. The store is taken
/// only to record: `prepare`'s copies and the renames run without it.
pub(crate) fn commit(
    root: &Path,
    store: &mut impl StoreAccess,
    lock: &ToolLock,
    intent: &mut Intent,
    prepare: impl FnOnce() -> Result<(), ReviewError>,
) -> Result<Vec<DecisionRecord>, ReviewError> {
    debug_assert_eq!(lock.name(), intent.tool);
    for (index, m) in intent.moves.iter().enumerate() {
        let to = root.join(&m.to);
        // A target an earlier move vacates (the superseded active folder) is free by then.
        let vacated = intent.moves[..index]
            .iter()
            .any(|earlier| earlier.from == m.to);
        if !vacated && to.symlink_metadata().is_ok() {
            let _ = std::fs::remove_dir_all(intent.staging_dir(root));
            return Err(move_failed(
                &m.from,
                &m.to,
                "the target already exists".to_string(),
            ));
        }
    }
    let path = match write_intent(root, intent) {
        Ok(path) => path,
        Err(e) => {
            let _ = std::fs::remove_dir_all(intent.staging_dir(root));
            return Err(e);
        }
    };
    crash_point("after-intent");
    if let Err(e) = prepare() {
        forget_intent(root, &path, &intent.id);
        return Err(e);
    }
    // Signed from the snapshots `prepare` kept, before anything moves: a review that cannot
    // be signed where signatures are required leaves everything as it was.
    let signed = crate::signature::sign_decisions(
        root,
        &intent.decisions,
        &intent.versions,
        crate::catalog::scan::ScanLimits::default(),
        &mut intent.sign_warnings,
    );
    match signed {
        Ok(statements) if statements.is_empty() => {}
        Ok(statements) => {
            intent.statements = statements;
            // The statements go into the journal entry, so recovery writes them too.
            if let Err(e) = write_intent(root, intent) {
                forget_intent(root, &path, &intent.id);
                return Err(e);
            }
        }
        Err(e) => {
            forget_intent(root, &path, &intent.id);
            return Err(ReviewError::Unsigned {
                action: intent.op.clone(),
                tool: intent.tool.clone(),
                reason: Box::new(e),
            });
        }
    }
    crash_point("after-snapshot");

    for (index, m) in intent.moves.iter().enumerate() {
        let moved = injected_failure(index + 1).and_then(|()| move_noreplace(root, &m.from, &m.to));
        if let Err(e) = moved {
            let reason = io_reason(&e);
            // Moves before `index` happened and are put back.
            return Err(undo(root, intent, &path, index, m, reason));
        }
        if index == 0 && intent.moves.len() > 1 {
            crash_point("after-first-move");
        }
    }
    crash_point("after-move");

    let recorded = store.with_store(|store| {
        store.record_decisions(&intent.decisions, &intent.versions, &intent.kept)
    });
    let recorded = match recorded {
        Ok(recorded) => recorded,
        // The log took no entry, so the store holds nothing either: the decision is refused,
        // and what moved goes back rather than wait for a recovery that would make it.
        Err(StoreError::DecisionLog { reason, .. }) => {
            let why = format!("not recorded: {reason}");
            put_back(root, intent, &path, intent.moves.len(), &why)?;
            return Err(ReviewError::Unlogged {
                action: intent.op.clone(),
                tool: intent.tool.clone(),
                reason,
            });
        }
        // The log may hold it: the moves stand, and the intent stays so the next start
        // records them.
        Err(e) => {
            return Err(ReviewError::Interrupted {
                tool: intent.tool.clone(),
                reason: format!("moved, but not recorded: {e}"),
                journal: path,
            });
        }
    };
    crash_point("after-record");
    // Recorded: a seal that cannot be written leaves the intent for recovery, which writes
    // the seals of every intent it finishes.
    let written = crate::seal::apply_decisions(root, &intent.decisions).and_then(|()| {
        crate::signature::write_statements(root, &intent.statements)
            .map_err(crate::seal::SealError::Write)
    });
    if let Err(e) = written {
        return Err(ReviewError::Interrupted {
            tool: intent.tool.clone(),
            reason: format!("recorded, but the approval records were not written: {e}"),
            journal: path,
        });
    }
    forget_intent(root, &path, &intent.id);
    Ok(recorded)
}

/// Puts the first `done` moves back in reverse order after move `failed` went wrong.
fn undo(
    root: &Path,
    intent: &Intent,
    journal: &Path,
    done: usize,
    failed: &Move,
    reason: String,
) -> ReviewError {
    let why = format!("{reason} moving {}", failed.from);
    match put_back(root, intent, journal, done, &why) {
        Ok(()) => move_failed(&failed.from, &failed.to, reason),
        Err(e) => e,
    }
}

/// Puts the first `done` moves back in reverse order and forgets the intent; when one cannot
/// go back, the intent stays for recovery and the error says `why` it was put back and what
/// stopped it.
fn put_back(
    root: &Path,
    intent: &Intent,
    journal: &Path,
    done: usize,
    why: &str,
) -> Result<(), ReviewError> {
    for m in intent.moves[..done].iter().rev() {
        if let Err(e) = move_noreplace(root, &m.to, &m.from) {
            return Err(ReviewError::Interrupted {
                tool: intent.tool.clone(),
                reason: format!("{why}, then {} putting {} back", io_reason(&e), m.from),
                journal: journal.to_path_buf(),
            });
        }
    }
    forget_intent(root, journal, &intent.id);
    Ok(())
}

/// What `recover` did, one line per intent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RecoveryReport {
    /// Interrupted decisions that were finished (moves completed, rows recorded).
    pub(crate) finished: Vec<String>,
    /// Interrupted decisions that were undone (nothing had moved, or it could not finish).
    pub(crate) undone: Vec<String>,
    /// Intents of decisions another live process is still making.
    pub(crate) in_progress: Vec<String>,
    /// Journal entries that could not be read; left in place for a human.
    pub(crate) problems: Vec<String>,
}

impl RecoveryReport {
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.finished.is_empty()
            && self.undone.is_empty()
            && self.in_progress.is_empty()
            && self.problems.is_empty()
    }

    /// One line per recovered intent, for a status line or a warning.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.finished
            .iter()
            .chain(&self.undone)
            .chain(&self.problems)
            .cloned()
            .collect()
    }
}

/// True when the journal holds intents, so `recover` has work (cheap: no store needed).
pub fn has_pending(root: &Path) -> bool {
    std::fs::read_dir(journal_dir(root)).is_ok_and(|mut dir| {
        dir.any(|e| {
            e.is_ok_and(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(".json") || name.ends_with(".json.tmp")
            })
        })
    })
}

/// True when `recover` has work: intents, or copies staged by a decision that crashed before
/// writing its intent. Cheap (two directory reads, no store).
pub(crate) fn needs_recovery(root: &Path) -> bool {
    has_pending(root)
        || std::fs::read_dir(staging_root(root)).is_ok_and(|mut dir| dir.next().is_some())
}

/// Finishes or undoes every intent a crashed decision left behind. Intents whose tool is
/// locked belong to a live process and are left alone. Call at start, and before deciding.
pub(crate) fn recover(root: &Path, store: &mut Store) -> Result<RecoveryReport, ReviewError> {
    let mut report = RecoveryReport::default();
    let dir = journal_dir(root);
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(read) => read.flatten().map(|e| e.path()).collect(),
        Err(_) => return Ok(report),
    };
    entries.sort();
    for path in &entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        if name.ends_with(".json.tmp") {
            // Never renamed into place: its decision never started moving anything. A fresh
            // one may belong to a process writing it right now.
            if is_older_than(path, std::time::Duration::from_secs(60)) {
                let _ = std::fs::remove_file(path);
            }
            continue;
        }
        if !name.ends_with(".json") {
            continue;
        }
        // An unreadable entry names no tool to lock or check; decisions on other tools
        // must still work, so it is reported and left for a human.
        let intent = match read_intent(path) {
            Ok(intent) => intent,
            Err(e) => {
                report.problems.push(e.to_string());
                continue;
            }
        };
        let lock = match ToolLock::try_acquire(root, &intent.tool)? {
            Ok(lock) => lock,
            Err((pid, _)) => {
                report.in_progress.push(format!(
                    "{} of {} is in progress (pid {pid})",
                    intent.op, intent.tool
                ));
                continue;
            }
        };
        // Gone while we waited for the lock: its process finished it.
        if !path.exists() {
            continue;
        }
        recover_one(root, store, &intent, path, &mut report)?;
        drop(lock);
    }
    sweep_staging(root);
    Ok(report)
}

fn is_older_than(path: &Path, age: std::time::Duration) -> bool {
    path.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|elapsed| elapsed > age)
}

fn read_intent(path: &Path) -> Result<Intent, ReviewError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReviewError::Journal {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    })?;
    let mut intent: Intent = serde_json::from_str(&text).map_err(|e| ReviewError::Journal {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tag = intent.tag.take();
    let bytes = serde_json::to_vec_pretty(&intent).unwrap_or_default();
    if !crate::workspace::own_writes::believed(TAG_KIND, &bytes, tag.as_deref()) {
        return Err(ReviewError::Journal {
            path: path.to_path_buf(),
            reason: "not written by toolbench for this user (a commit can carry one into \
                     .toolbench past the .gitignore): left as it is; remove it"
                .to_string(),
        });
    }
    Ok(intent)
}

/// How far the moves of an intent got: the last move whose source is gone and whose target
/// exists marks every move before it as done too (later moves may carry earlier targets on).
/// A target an earlier move vacates (the superseded active folder, a tool replaced by its
/// frozen copy) exists before its move too: that move is done only once the earlier one is,
/// and a staged copy a crash kept from being made is then not mistaken for one moved.
fn moves_done(root: &Path, moves: &[Move]) -> usize {
    let there = |path: &str| root.join(path).symlink_metadata().is_ok();
    for (index, m) in moves.iter().enumerate().rev() {
        let vacated_first = moves[..index]
            .iter()
            .filter(|earlier| earlier.from == m.to)
            .all(|earlier| there(&earlier.to));
        if !there(&m.from) && there(&m.to) && vacated_first {
            return index + 1;
        }
    }
    0
}

fn recover_one(
    root: &Path,
    store: &mut Store,
    intent: &Intent,
    path: &Path,
    report: &mut RecoveryReport,
) -> Result<(), ReviewError> {
    let what = format!("{} of {}", intent.op, intent.tool);
    sweep_snapshot_leftovers(root, &intent.tool);
    let done = moves_done(root, &intent.moves);
    if done == 0 && !intent.moves.is_empty() {
        forget_intent(root, path, &intent.id);
        report
            .undone
            .push(format!("undid the interrupted {what} (nothing had moved)"));
        return Ok(());
    }
    // Part of the moves happened: finish them, or put everything back if that fails.
    for (index, m) in intent.moves.iter().enumerate().skip(done) {
        if let Err(e) = move_noreplace(root, &m.from, &m.to) {
            let undone = intent.moves[..index]
                .iter()
                .rev()
                .all(|m| move_noreplace(root, &m.to, &m.from).is_ok());
            if !undone {
                return Err(ReviewError::Interrupted {
                    tool: intent.tool.clone(),
                    reason: format!(
                        "cannot finish or undo the interrupted {what}: {}",
                        io_reason(&e)
                    ),
                    journal: path.to_path_buf(),
                });
            }
            forget_intent(root, path, &intent.id);
            report.undone.push(format!(
                "undid the interrupted {what} ({} could not move: {})",
                m.from,
                io_reason(&e)
            ));
            return Ok(());
        }
    }
    crate::seal::apply_decisions(root, &intent.decisions)
        .and_then(|()| {
            crate::signature::write_statements(root, &intent.statements)
                .map_err(crate::seal::SealError::Write)
        })
        .map_err(|e| ReviewError::Interrupted {
            tool: intent.tool.clone(),
            reason: format!("cannot write the approval records of the interrupted {what}: {e}"),
            journal: path.to_path_buf(),
        })?;
    let mut missing = Vec::new();
    for decision in &intent.decisions {
        if !store.has_decision(decision)? {
            missing.push(decision.clone());
        }
    }
    let present = |versions: &[VersionRecord]| -> Vec<VersionRecord> {
        versions
            .iter()
            .filter(|v| root.join(&v.snapshot).is_dir())
            .cloned()
            .collect()
    };
    store.record_decisions(&missing, &present(&intent.versions), &present(&intent.kept))?;
    forget_intent(root, path, &intent.id);
    report
        .finished
        .push(format!("finished the interrupted {what}"));
    Ok(())
}

/// A crash while a snapshot was being copied leaves its temporary folder; the tool's lock is
/// held here, so no snapshot of it is being written now.
fn sweep_snapshot_leftovers(root: &Path, tool: &str) {
    let Ok(read) = std::fs::read_dir(state_dir(root).join("versions").join(tool)) else {
        return;
    };
    for entry in read.flatten() {
        if entry.file_name().to_string_lossy().starts_with(".tmp-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Staging folders whose intent is gone are leftovers of a finished or undone decision.
fn sweep_staging(root: &Path) {
    let Ok(read) = std::fs::read_dir(staging_root(root)) else {
        return;
    };
    let journal = journal_dir(root);
    for entry in read.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        // A young one may be a decision staging its copy before it writes the intent.
        let young = !is_older_than(&entry.path(), std::time::Duration::from_secs(600));
        if !young && !journal.join(format!("{id}.json")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use crate::store::DecisionAction;

    fn workspace() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in Tier::ALL {
            std::fs::create_dir_all(dir.path().join(tier.dir_name())).expect("mkdir");
        }
        std::fs::create_dir_all(dir.path().join("experimental/x")).expect("mkdir");
        std::fs::write(dir.path().join("experimental/x/tool.toml"), "x").expect("write");
        let store = Store::open(dir.path()).expect("store");
        (dir, store)
    }

    fn approve_intent(lock: &ToolLock) -> Intent {
        let mut intent = Intent::new("approve", lock);
        intent.moves.push(Move {
            from: "experimental/x".into(),
            to: "approved/x".into(),
        });
        intent.decisions.push(DecisionRecord {
            id: 0,
            tool: "x".into(),
            action: DecisionAction::Approve,
            who: "ana".into(),
            at: crate::clock::now_rfc3339(),
            reason: None,
            from_version: Some("1.0.0".into()),
            to_version: Some("1.0.0".into()),
            from_tier: Some(Tier::Experimental),
            to_tier: Some(Tier::Approved),
            from_hash: None,
            to_hash: None,
        });
        intent
    }

    #[test]
    fn commit_moves_records_and_forgets_the_intent() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let mut intent = approve_intent(&lock);
        let recorded = commit(root, &mut store, &lock, &mut intent, || Ok(())).expect("commit");
        assert_eq!(recorded.len(), 1);
        assert!(root.join("approved/x/tool.toml").is_file());
        assert!(!root.join("experimental/x").exists());
        assert!(!has_pending(root));
        assert_eq!(store.decisions_of("x").expect("history").len(), 1);
    }

    #[test]
    fn move_never_replaces_an_existing_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("b")).expect("mkdir");
        let err = move_noreplace(dir.path(), "a", "b").expect_err("exists");
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(dir.path().join("a").is_dir());
    }

    #[test]
    fn a_symlinked_tier_folder_cannot_redirect_a_move() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("experimental/x")).expect("mkdir");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("approved")).expect("symlink");
        let err = move_noreplace(dir.path(), "experimental/x", "approved/x").expect_err("link");
        assert!(
            err.to_string().contains("a folder on the way is a symlink"),
            "{err}"
        );
        assert!(dir.path().join("experimental/x").is_dir());
        assert!(
            std::fs::read_dir(outside.path())
                .expect("read")
                .next()
                .is_none()
        );
    }

    #[test]
    fn recovery_records_a_move_that_happened_before_the_crash() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let intent = approve_intent(&lock);
        write_intent(root, &intent).expect("intent");
        move_noreplace(root, "experimental/x", "approved/x").expect("move");
        drop(lock);
        assert!(has_pending(root));
        let report = recover(root, &mut store).expect("recover");
        assert_eq!(report.finished, ["finished the interrupted approve of x"]);
        assert_eq!(store.decisions_of("x").expect("history").len(), 1);
        // Recovering again changes nothing: the row is not recorded twice.
        assert!(recover(root, &mut store).expect("again").is_empty());
        assert_eq!(store.decisions_of("x").expect("history").len(), 1);
    }

    #[test]
    fn recovery_drops_an_intent_whose_move_never_happened() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let intent = approve_intent(&lock);
        write_intent(root, &intent).expect("intent");
        std::fs::create_dir_all(intent.staging_dir(root)).expect("staging");
        drop(lock);
        let report = recover(root, &mut store).expect("recover");
        assert_eq!(report.undone.len(), 1, "{report:?}");
        assert!(root.join("experimental/x").is_dir());
        assert!(store.decisions_of("x").expect("history").is_empty());
        assert!(!intent.staging_dir(root).exists());
        assert!(!has_pending(root));
    }

    #[test]
    fn recovery_finishes_a_half_done_chain_of_moves() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let mut intent = approve_intent(&lock);
        let staged = format!("{}/x", intent.staging_relative());
        intent.moves = vec![
            Move {
                from: "experimental/x".into(),
                to: staged.clone(),
            },
            Move {
                from: staged,
                to: "approved/x".into(),
            },
        ];
        write_intent(root, &intent).expect("intent");
        std::fs::create_dir_all(intent.staging_dir(root)).expect("staging");
        let first = &intent.moves[0];
        move_noreplace(root, &first.from, &first.to).expect("move");
        drop(lock);
        let report = recover(root, &mut store).expect("recover");
        assert_eq!(report.finished.len(), 1, "{report:?}");
        assert!(root.join("approved/x/tool.toml").is_file());
        assert!(!intent.staging_dir(root).exists());
    }

    #[test]
    fn a_frozen_copy_a_crash_kept_from_being_made_is_not_taken_for_a_move_done() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        std::fs::create_dir_all(root.join("approved/x")).expect("mkdir");
        std::fs::write(root.join("approved/x/tool.toml"), "old").expect("write");
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let mut intent = approve_intent(&lock);
        let staging = intent.staging_relative();
        // As approve lays it out: the active folder out, the candidate out, its copy in.
        intent.moves = vec![
            Move {
                from: "approved/x".into(),
                to: "archived/x-0.9.0".into(),
            },
            Move {
                from: "experimental/x".into(),
                to: format!("{staging}/reviewed"),
            },
            Move {
                from: format!("{staging}/copy"),
                to: "approved/x".into(),
            },
        ];
        // The crash came before the copy was made: approved/x exists, but is the old one.
        write_intent(root, &intent).expect("intent");
        drop(lock);
        let report = recover(root, &mut store).expect("recover");
        assert_eq!(report.undone.len(), 1, "{report:?}");
        assert_eq!(
            std::fs::read_to_string(root.join("approved/x/tool.toml")).expect("old"),
            "old"
        );
        assert!(root.join("experimental/x/tool.toml").is_file());
        assert!(!root.join("archived/x-0.9.0").exists());
        assert!(store.decisions_of("x").expect("history").is_empty());
    }

    #[test]
    fn an_unreadable_entry_is_reported_and_left_in_place() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        std::fs::create_dir_all(journal_dir(root)).expect("mkdir");
        let bad = journal_dir(root).join("0-1.json");
        std::fs::write(&bad, "{ not json").expect("write");
        let report = recover(root, &mut store).expect("recover goes on");
        assert_eq!(report.problems.len(), 1, "{report:?}");
        assert!(report.problems[0].contains("unreadable journal entry"));
        assert!(bad.exists());
    }

    #[test]
    fn recovery_leaves_intents_of_live_processes_alone() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let intent = approve_intent(&lock);
        write_intent(root, &intent).expect("intent");
        let report = recover(root, &mut store).expect("recover");
        assert_eq!(report.in_progress.len(), 1, "{report:?}");
        assert!(has_pending(root));
    }

    #[test]
    fn a_failing_second_move_puts_the_first_back() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        std::fs::create_dir_all(root.join("approved/x")).expect("active");
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let mut intent = approve_intent(&lock);
        intent.moves = vec![
            Move {
                from: "approved/x".into(),
                to: "archived/x".into(),
            },
            Move {
                from: "experimental/x".into(),
                // A tier that is a file: the rename fails with "Not a directory".
                to: "core/x".into(),
            },
        ];
        std::fs::remove_dir(root.join("core")).expect("rmdir");
        std::fs::write(root.join("core"), "not a folder").expect("file");
        let err = commit(root, &mut store, &lock, &mut intent, || Ok(()))
            .expect_err("fails")
            .to_string();
        assert!(
            err.starts_with("cannot move experimental/x to core/x: Not a directory"),
            "{err}"
        );
        assert!(root.join("approved/x").is_dir());
        assert!(!root.join("archived/x").exists());
        assert!(root.join("experimental/x").is_dir());
        assert!(!has_pending(root));
        assert!(store.decisions_of("x").expect("history").is_empty());
    }

    /// The log refuses the entry once the folders moved (the disk filled up meanwhile): the
    /// decision is refused whole, and nothing is left for recovery to make of it later.
    #[test]
    fn a_decision_the_log_refuses_after_the_moves_is_put_back() {
        let (dir, mut store) = workspace();
        let root = dir.path();
        let lock = ToolLock::acquire(root, "x").expect("lock");
        let mut intent = approve_intent(&lock);
        let log = root.join(".toolbench/log/decisions.jsonl");
        let err = commit(root, &mut store, &lock, &mut intent, || {
            // A folder where the log belongs: no entry can be appended, whoever runs this.
            std::fs::create_dir_all(&log).map_err(|e| ReviewError::io(&log, &e))
        })
        .expect_err("refused")
        .to_string();
        assert!(
            err.starts_with("cannot approve x: ") && err.ends_with("; nothing was changed"),
            "{err}"
        );
        assert!(err.contains("cannot append to the decision log"), "{err}");
        assert!(root.join("experimental/x/tool.toml").is_file());
        assert!(!root.join("approved/x").exists());
        assert!(!has_pending(root));
        assert!(store.decisions_of("x").expect("history").is_empty());
        drop(lock);
        assert!(recover(root, &mut store).expect("recover").is_empty());
        assert!(root.join("experimental/x").is_dir());
    }
}
