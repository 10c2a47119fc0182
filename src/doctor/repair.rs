//! The repair: a new store is built beside the damaged one (`state.db.rebuild`), from the
//! newest whole backup, every row SQLite can still read from the damaged file, the decision
//! log and the run folders; only once it is whole and synced is the damaged file moved aside
//! (`state.db.damaged-TIME`, with its `-wal` and `-shm`) and the new one renamed into place.
//! Anything that fails before that (a full disk, a read-only folder) removes the half-built
//! store and leaves the damaged one where it was: nothing is lost, and the doctor says so.

use std::path::{Path, PathBuf};

use super::{Findings, StoreHealth};
use crate::runner::inflight;
use crate::store::decision_log::DecisionLog;
use crate::store::{STATE_FILE, Store, StoreError, TableSalvage};

const REBUILD_SUFFIX: &str = ".rebuild";
/// Tables a rescan or a validation fills again by itself: losing them loses nothing.
const CACHES: &[&str] = &[
    "catalog_index",
    "catalog_folders",
    "catalog_seals",
    "review_queue",
    "validation_cache",
];

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    /// Nothing was changed: the damaged store is where it was.
    #[error(
        "{path}: {reason}; nothing was changed or lost (the store is as it was){hint}",
        hint = if *.full { ": free some disk space and run toolbench doctor again" } else { "" }
    )]
    Untouched {
        path: PathBuf,
        reason: String,
        full: bool,
    },
    /// The new store is in place but something after that failed.
    #[error("{0}")]
    After(String),
}

/// What a repair did, for the doctor to print.
#[derive(Debug, Clone, Default)]
pub struct RepairReport {
    pub(crate) moved_aside: Vec<PathBuf>,
    pub(crate) from_backup: Option<PathBuf>,
    pub(crate) salvaged: Vec<TableSalvage>,
    pub(crate) from_log: u64,
    pub runs_from_folders: u64,
    /// Version snapshots in `versions/` the store had lost track of.
    pub(crate) snapshots: usize,
    pub(crate) handed_off_stored: usize,
    pub(crate) journal: Vec<String>,
    pub(crate) rescanned: usize,
    /// What could not be had back, a line each.
    pub(crate) lost: Vec<String>,
}

impl RepairReport {
    pub(crate) fn lines(&self, root: &Path) -> Vec<String> {
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let mut lines = Vec::new();
        for path in &self.moved_aside {
            lines.push(format!("moved aside: {}", shown(path)));
        }
        if let Some(backup) = &self.from_backup {
            lines.push(format!("started from the backup {}", shown(backup)));
        }
        let unreadable_file = self
            .salvaged
            .first()
            .and_then(|t| t.lost.as_ref())
            .filter(|why| self.salvaged.iter().all(|t| t.lost.as_ref() == Some(*why)));
        if let Some(why) = unreadable_file {
            lines.push(format!("recovered from the damaged file: nothing ({why})"));
        }
        for table in self.salvaged.iter().filter(|_| unreadable_file.is_none()) {
            let name = &table.table;
            if let Some(why) = &table.lost {
                lines.push(format!("recovered {name}: nothing readable ({why})"));
                continue;
            }
            let mut line = format!("recovered {name}: {} row(s)", table.rows);
            match table.unreadable.len() {
                0 if !table.end_unknown => line.push_str(", all readable"),
                0 => {}
                n => line.push_str(&format!("; {n} row(s) on damaged pages")),
            }
            if table.end_unknown {
                line.push_str(
                    "; past the last row read its pages are damaged (how many rows they held \
                     is unknown)",
                );
            }
            lines.push(line);
        }
        if self.from_log > 0 || self.runs_from_folders > 0 {
            lines.push(format!(
                "rebuilt: {} row(s) from the decision log, {} run(s) from run folders",
                self.from_log, self.runs_from_folders
            ));
        }
        if self.snapshots > 0 {
            lines.push(format!(
                "rebuilt: {} version snapshot(s) indexed again from .toolbench/versions/",
                self.snapshots
            ));
        }
        if self.handed_off_stored > 0 {
            lines.push(format!(
                "stored {} run(s) waiting in .toolbench/running/",
                self.handed_off_stored
            ));
        }
        for line in &self.journal {
            lines.push(format!("journal: {line}"));
        }
        if self.rescanned > 0 {
            lines.push(format!("rescanned: {} tool folder(s)", self.rescanned));
        }
        if self.lost.is_empty() {
            lines.push("lost: nothing".to_string());
        }
        for line in &self.lost {
            lines.push(format!("lost: {line}"));
        }
        lines
    }
}

/// Makes the store of the workspace at `root` whole again as `findings` call for. The caller
/// holds the `DoctorLock`.
pub fn repair(
    root: &Path,
    config: &crate::config::Config,
    findings: &Findings,
) -> Result<RepairReport, RepairError> {
    let state_dir = crate::workspace::state_dir(root);
    let state = state_dir.join(STATE_FILE);
    let mut report = RepairReport::default();
    if findings.builds_anew() {
        rebuild(root, &state, findings, &mut report)?;
    }
    let after = |e: StoreError| RepairError::After(e.to_string());
    let mut store = Store::open(root).map_err(after)?;
    if findings.needs_top_up() {
        let log = DecisionLog::in_state_dir(&state_dir);
        let (entries, _) = log.read().map_err(|e| RepairError::After(e.to_string()))?;
        report.from_log += store.replay_log(&entries, true).map_err(after)?.rows;
        report.runs_from_folders += runs_from_folders(root, &mut store).map_err(after)? as u64;
    }
    report.handed_off_stored = inflight::close_abandoned(root, &mut store).map_err(after)?;
    report.journal = crate::review::lifecycle::recover(root, &mut store)
        .map_err(|e| RepairError::After(e.to_string()))?;
    if findings.needs_rebuild() {
        report.rescanned = crate::lookup::scan_all(root, config.catalog, &mut store).len();
    }
    Ok(report)
}

fn rebuild(
    root: &Path,
    state: &Path,
    findings: &Findings,
    report: &mut RepairReport,
) -> Result<(), RepairError> {
    let rebuilt = sibling(state, REBUILD_SUFFIX);
    let untouched = |e: &dyn std::fmt::Display, full: bool| {
        remove_with_journal(&rebuilt);
        RepairError::Untouched {
            path: state.to_path_buf(),
            reason: e.to_string(),
            full,
        }
    };
    remove_with_journal(&rebuilt);
    let built = (|| -> Result<RepairReport, StoreError> {
        let mut part = RepairReport::default();
        if let Some(backup) = whole_backup(findings) {
            std::fs::copy(&backup, &rebuilt).map_err(|e| io_error(&rebuilt, &e))?;
            part.from_backup = Some(backup);
        }
        let mut store = Store::open_file(&rebuilt)?;
        if findings.store == StoreHealth::Missing {
            part.lost.push(unread(state, "it was gone or empty"));
        } else if std::fs::metadata(state).is_ok_and(|m| m.is_file()) {
            part.salvaged = store.salvage_from(state)?;
        } else if std::fs::symlink_metadata(state).is_ok() {
            part.lost.push(unread(
                state,
                "it is not a file, so nothing in it could be read (it is kept aside)",
            ));
        }
        let log = DecisionLog::in_state_dir(state.parent().unwrap_or(Path::new(".")));
        let (entries, _) = log.read().map_err(|e| StoreError::Sqlite {
            path: log.path().to_path_buf(),
            reason: e.to_string(),
        })?;
        part.from_log = store.replay_log(&entries, true)?.rows;
        part.runs_from_folders = runs_from_folders(root, &mut store)? as u64;
        part.snapshots = snapshots_from_folders(root, &mut store)?;
        let problems = store.quick_check()?;
        if let Some(first) = problems.first() {
            return Err(StoreError::Damaged {
                path: rebuilt.clone(),
                reason: first.clone(),
            });
        }
        part.lost
            .extend(lost(&store, &part.salvaged, part.runs_from_folders));
        // Closing checkpoints the new store's log into it and removes the log.
        drop(store);
        std::fs::File::open(&rebuilt)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(&rebuilt, &e))?;
        Ok(part)
    })();
    let part = match built {
        Ok(part) => part,
        Err(e) => {
            let full = is_full(&e.to_string());
            return Err(untouched(&e, full));
        }
    };
    if findings.store != StoreHealth::Missing || std::fs::symlink_metadata(state).is_ok() {
        report.moved_aside = move_aside(state).map_err(|e| untouched(&e, false))?;
    }
    if let Err(e) = std::fs::rename(&rebuilt, state) {
        // Put the damaged files back where they were, so nothing looks lost.
        for aside in report.moved_aside.iter().rev() {
            if let Some(original) = original_of(aside, state) {
                let _ = std::fs::rename(aside, original);
            }
        }
        report.moved_aside.clear();
        return Err(untouched(&e, false));
    }
    if let Some(dir) = state.parent() {
        crate::review::journal::fsync_dir(dir);
    }
    let moved = std::mem::take(&mut report.moved_aside);
    *report = RepairReport {
        moved_aside: moved,
        ..part
    };
    Ok(())
}

/// The newest backup that SQLite finds whole.
fn whole_backup(findings: &Findings) -> Option<PathBuf> {
    let state_dir = findings.state.parent()?;
    crate::store::backup::backups(state_dir)
        .into_iter()
        .find(|path| {
            Store::open_file_reader(path)
                .and_then(|s| s.quick_check())
                .is_ok_and(|found| found.is_empty())
        })
}

/// Stores the runs whose folder holds their record and the store does not.
fn runs_from_folders(root: &Path, store: &mut Store) -> Result<usize, StoreError> {
    let mut runs: Vec<_> = inflight::stored_records(root)
        .into_iter()
        .map(|mut record| {
            record.id = 0;
            let failure = crate::runner::record::automatic_failure(&record);
            (record, failure)
        })
        .collect();
    store.record_runs_once(&mut runs)
}

/// Indexes again the snapshots in `.toolbench/versions/<name>/<version>-<hash>/` that the
/// store has no row for (the decision log brings back the rows of every decision it saw;
/// this finds the rest), each with its folder's time as when it became active.
fn snapshots_from_folders(root: &Path, store: &mut Store) -> Result<usize, StoreError> {
    let versions = crate::workspace::state_dir(root).join("versions");
    let Ok(names) = std::fs::read_dir(&versions) else {
        return Ok(0);
    };
    let mut found = Vec::new();
    for name_dir in names.flatten().filter(|e| e.path().is_dir()) {
        let name = name_dir.file_name().to_string_lossy().into_owned();
        let known = store.versions_of(&name)?;
        let Ok(snapshots) = std::fs::read_dir(name_dir.path()) else {
            continue;
        };
        for snapshot in snapshots.flatten() {
            let folder = snapshot.file_name().to_string_lossy().into_owned();
            // `<version>-<first 12 hex digits of the content hash>`; anything else is not ours.
            let Some((version, short)) = folder.rsplit_once('-') else {
                continue;
            };
            if short.len() != crate::versions::HASH_PREFIX_LEN
                || known
                    .iter()
                    .any(|v| v.version == version && v.content_hash.starts_with(short))
            {
                continue;
            }
            let content_hash = crate::catalog::scan::hash_tool_folder(&snapshot.path());
            if !content_hash.starts_with(short) {
                continue;
            }
            let at = snapshot
                .metadata()
                .and_then(|m| m.modified())
                .map(crate::clock::rfc3339)
                .unwrap_or_default();
            found.push(crate::store::VersionRecord {
                tool: name.clone(),
                version: version.to_string(),
                snapshot: crate::versions::VersionStore::relative_path(
                    &name,
                    version,
                    &content_hash,
                ),
                content_hash,
                activated_at: at,
            });
        }
    }
    if !found.is_empty() {
        store.record_decisions(&[], &[], &found)?;
    }
    Ok(found.len())
}

/// What is lost of a store nothing could be read of (`why`): only what it alone held.
fn unread(state: &Path, why: &str) -> String {
    format!(
        "whatever only {} held (failures marked by hand, calls still pending, services' \
         history): {why}; the decision log, the run folders and the backup gave back the rest",
        state.display()
    )
}

/// What the rebuilt `store` still lacks of what the damaged file held.
fn lost(store: &Store, salvaged: &[TableSalvage], runs_rebuilt: u64) -> Vec<String> {
    let mut lost = Vec::new();
    // Tables SQLite could read nothing of: what only they held (calls still pending, failures
    // marked by hand, services' history) cannot be told apart from what came back.
    let unreadable: Vec<&str> = salvaged
        .iter()
        .filter(|t| (t.lost.is_some() || t.end_unknown) && !CACHES.contains(&t.table.as_str()))
        .filter(|t| t.table != "runs")
        .map(|t| t.table.as_str())
        .collect();
    if !unreadable.is_empty() {
        lost.push(format!(
            "whatever only the damaged file held in {} (the decision log, the run folders and \
             the backup gave back the rest; the file is kept aside)",
            unreadable.join(", ")
        ));
    }
    for table in salvaged {
        let cache = CACHES.contains(&table.table.as_str());
        if table.lost.is_some() {
            continue;
        }
        if table.unreadable.is_empty() || cache {
            continue;
        }
        let back = store
            .rows_present(&table.table, &table.unreadable)
            .unwrap_or(0);
        let mut missing = table.unreadable.len() as u64 - back;
        if table.table == "runs" {
            // Runs rebuilt from their folders are stored under new ids.
            missing = missing.saturating_sub(runs_rebuilt);
        }
        if missing > 0 {
            lost.push(format!(
                "{}: {missing} row(s) on damaged pages that neither the decision log nor the \
                 run folders hold",
                table.table
            ));
        }
    }
    lost
}

/// Moves `state` and its `-wal` and `-shm` aside under one time; returns where they went.
fn move_aside(state: &Path) -> std::io::Result<Vec<PathBuf>> {
    let stamp = crate::clock::now_rfc3339().replace([':', '.', '-'], "");
    let aside = sibling(state, &format!(".damaged-{stamp}"));
    let mut moved: Vec<PathBuf> = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let from = sibling(state, suffix);
        if std::fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let to = sibling(&aside, suffix);
        if let Err(e) = std::fs::rename(&from, &to) {
            for done in moved.iter().rev() {
                if let Some(original) = original_of(done, state) {
                    let _ = std::fs::rename(done, original);
                }
            }
            return Err(e);
        }
        moved.push(to);
    }
    Ok(moved)
}

/// The file `aside` was moved from.
fn original_of(aside: &Path, state: &Path) -> Option<PathBuf> {
    let name = aside.file_name()?.to_str()?;
    let suffix = ["-wal", "-shm"]
        .into_iter()
        .find(|s| name.ends_with(s))
        .unwrap_or("");
    Some(sibling(state, suffix))
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_with_journal(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        reason: crate::io_text::io_reason(e),
    }
}

/// A failure that more room would have avoided: the disk is full, or the file size limit.
fn is_full(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    ["full", "no space", "too large", "disk i/o error"]
        .iter()
        .any(|w| reason.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_the_store_forgot_is_indexed_again_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let versions = root.join(".toolbench/versions/fmt");
        let staged = versions.join("staged");
        std::fs::create_dir_all(&staged).expect("mkdir");
        std::fs::write(staged.join("tool.toml"), "name = \"fmt\"\n").expect("write");
        let hash = crate::catalog::scan::hash_tool_folder(&staged);
        let short = &hash[..crate::versions::HASH_PREFIX_LEN];
        std::fs::rename(&staged, versions.join(format!("1.0.0-{short}"))).expect("rename");
        std::fs::create_dir_all(versions.join("not-a-snapshot")).expect("other");
        let mut store = Store::open(root).expect("store");
        assert_eq!(snapshots_from_folders(root, &mut store).expect("index"), 1);
        assert_eq!(snapshots_from_folders(root, &mut store).expect("again"), 0);
        let indexed = store.versions_of("fmt").expect("versions");
        assert_eq!(indexed.len(), 1);
        assert_eq!(indexed[0].content_hash, hash);
        assert_eq!(
            indexed[0].snapshot,
            format!(".toolbench/versions/fmt/1.0.0-{short}")
        );
    }
}
