//! `toolbench doctor`: checks the state store and everything that can rebuild it, and makes
//! the store whole again when it is not.
//!
//! The check reads only: SQLite's `quick_check`, the schema version, the write-ahead log's
//! header, interrupted decisions in the journal, runs handed off and waiting, the decision
//! log's chain, and whether the log and the run folders hold anything the store lacks. The
//! repair (`repair`) builds a new store beside the old one and only then moves the damaged
//! file aside (`state.db.damaged-TIME`), never deleting it; a repair that fails on the way
//! leaves every file as it found it. One doctor at a time: `DoctorLock`.

mod lock;
mod repair;

pub(crate) use lock::{DoctorLock, LockError};
pub use repair::{RepairError, RepairReport, repair};

use std::path::{Path, PathBuf};

use crate::runner::inflight;
use crate::store::decision_log::{ChainBreak, ChainSummary, DecisionLog};
use crate::store::{STATE_FILE, Store};

/// The write-ahead log's magic numbers (big- and little-endian checksums).
const WAL_MAGIC: [u32; 2] = [0x377f_0682, 0x377f_0683];
const WAL_HEADER: u64 = 32;

/// What the store file itself looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreHealth {
    /// No store yet: a workspace that never recorded anything, or one whose file is gone.
    Missing,
    Whole,
    /// SQLite's findings, or why it could not read the file at all.
    Damaged(Vec<String>),
    /// Written by a newer toolbench: not damage, and nothing this build may rebuild.
    TooNew {
        found: i64,
        known: i64,
    },
}

/// Everything `toolbench doctor` looked at.
#[derive(Debug, Clone)]
pub struct Findings {
    pub(crate) state: PathBuf,
    pub(crate) store: StoreHealth,
    pub(crate) schema: Option<i64>,
    /// Why the write-ahead log's header is not one SQLite wrote.
    pub(crate) wal: Option<String>,
    pub(crate) journal_pending: bool,
    pub(crate) backlog: inflight::Backlog,
    pub(crate) log: Result<ChainSummary, ChainBreak>,
    /// Rows the decision log holds that the store lacks or holds otherwise.
    pub(crate) unlogged_rows: u64,
    /// Runs whose folder holds their record but the store does not.
    pub(crate) runs_missing: u64,
    /// The newest backup, if any.
    pub(crate) backup: Option<PathBuf>,
}

impl Findings {
    /// The store must be rebuilt beside the old one and the old one moved aside.
    pub fn needs_rebuild(&self) -> bool {
        matches!(self.store, StoreHealth::Damaged(_)) || self.wal.is_some()
    }

    /// A new store is built (from the newest backup, what can be read of the old file, the
    /// decision log and the run folders) and takes the old one's place: a damaged store, or
    /// none at all (a file gone or emptied beside what was recorded).
    pub(crate) fn builds_anew(&self) -> bool {
        self.needs_rebuild() || self.store == StoreHealth::Missing
    }

    /// The store is whole but lacks what the log or the run folders hold: they are put back
    /// into it where it is.
    pub(crate) fn needs_top_up(&self) -> bool {
        !self.needs_rebuild() && (self.unlogged_rows > 0 || self.runs_missing > 0)
    }

    /// Nothing to do at all.
    /// The store file opens and SQLite finds nothing wrong in it.
    pub(crate) fn store_is_whole(&self) -> bool {
        self.store == StoreHealth::Whole
    }

    /// The store was written by a newer toolbench, which this build must not rebuild.
    pub(crate) fn store_is_too_new(&self) -> bool {
        matches!(self.store, StoreHealth::TooNew { .. })
    }

    pub fn is_whole(&self) -> bool {
        !self.needs_rebuild()
            && !self.needs_top_up()
            && !self.journal_pending
            && self.backlog == inflight::Backlog::default()
            && !self.store_is_too_new()
    }

    /// The findings, a line each, as `toolbench doctor` prints them.
    pub fn lines(&self, root: &Path) -> Vec<String> {
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let mut lines = Vec::new();
        let state = shown(&self.state);
        lines.push(match &self.store {
            StoreHealth::Missing if self.state.symlink_metadata().is_ok() => {
                format!("store: {state}: empty (no tables)")
            }
            StoreHealth::Missing => format!("store: {state}: none yet"),
            StoreHealth::Whole => format!("store: {state}: whole (quick_check ok)"),
            StoreHealth::Damaged(found) => {
                let more = match found.len() {
                    0 | 1 => String::new(),
                    n => format!(" (and {} more findings)", n - 1),
                };
                let first = found.first().map(String::as_str).unwrap_or("unreadable");
                format!("store: {state}: damaged: {first}{more}")
            }
            StoreHealth::TooNew { found, known } => format!(
                "store: {state}: written by a newer toolbench (schema {found}, this build knows \
                 up to {known}); nothing to do with this build"
            ),
        });
        let known = Store::known_schema_version();
        lines.push(match (self.schema, &self.store) {
            (Some(v), _) => format!("schema: version {v} (this build writes {known})"),
            // No store, no schema to read: the first command that writes one makes it.
            (None, StoreHealth::Missing) => format!("schema: none yet (this build writes {known})"),
            (None, _) => "schema: unreadable".to_string(),
        });
        if let Some(why) = &self.wal {
            lines.push(format!("write-ahead log: damaged: {why}"));
        }
        lines.push(if self.journal_pending {
            "journal: interrupted decisions wait to be finished or undone".to_string()
        } else {
            "journal: no interrupted decision".to_string()
        });
        let b = self.backlog;
        let leftovers = match b.leftovers {
            0 => String::new(),
            n => format!("; {n} leftover file(s) of runs that never started"),
        };
        lines.push(format!(
            "running: {} run(s) handed off and {} abandoned, waiting to be stored{leftovers}",
            b.handed_off, b.abandoned
        ));
        lines.push(match &self.log {
            Ok(summary) => format!("decision log: {} entries, chain whole", summary.entries),
            Err(problem) => format!("decision log: broken: {problem}"),
        });
        if self.unlogged_rows > 0 {
            lines.push(format!(
                "decision log: {} row(s) it holds are missing from the store",
                self.unlogged_rows
            ));
        }
        if self.runs_missing > 0 {
            lines.push(format!(
                "run folders: {} run(s) recorded in their folder are missing from the store",
                self.runs_missing
            ));
        }
        lines.push(match &self.backup {
            Some(path) => format!("backup: newest {}", shown(path)),
            None => "backup: none yet".to_string(),
        });
        lines
    }

    /// What a repair would do, a line each (`--dry-run`).
    pub(crate) fn plan(&self, root: &Path) -> Vec<String> {
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let mut plan = Vec::new();
        // What was never recorded needs no store made for it: the first command makes it.
        if self.needs_rebuild() || (self.builds_anew() && self.needs_top_up()) {
            plan.push(format!(
                "would build a new store, starting from {}",
                self.backup
                    .as_deref()
                    .map(shown)
                    .unwrap_or_else(|| "an empty one".to_string())
            ));
            if self.needs_rebuild() {
                plan.push(format!(
                    "would copy every row SQLite can still read from {}",
                    shown(&self.state)
                ));
            }
            plan.push("would put back the decision log's rows and the run folders' runs".into());
            if self.state.symlink_metadata().is_ok() {
                plan.push(format!(
                    "would move {} (and its -wal, -shm) aside as {}.damaged-<time>, never \
                     deleting it",
                    shown(&self.state),
                    STATE_FILE
                ));
            }
        } else if self.needs_top_up() {
            plan.push(format!(
                "would put back {} row(s) from the decision log and {} run(s) from run folders",
                self.unlogged_rows, self.runs_missing
            ));
        }
        if self.backlog.abandoned + self.backlog.handed_off > 0 {
            plan.push("would store the runs waiting in .toolbench/running/".into());
        }
        if self.backlog.leftovers > 0 {
            plan.push("would remove the leftovers of runs that never started".into());
        }
        if self.journal_pending {
            plan.push("would finish or undo the interrupted decisions".into());
        }
        if plan.is_empty() {
            plan.push("nothing to do".into());
        }
        plan
    }
}

/// Looks at the store of the workspace at `root` and what can rebuild it; writes nothing
/// (a whole store is read through a transaction that is rolled back).
pub fn check(root: &Path) -> Findings {
    let state_dir = crate::workspace::state_dir(root);
    let state = state_dir.join(STATE_FILE);
    let log = DecisionLog::in_state_dir(&state_dir);
    let log_verdict = log
        .verify()
        .unwrap_or_else(|e| Err(ChainBreak::Unreadable(e.to_string())));
    let mut findings = Findings {
        state: state.clone(),
        store: StoreHealth::Missing,
        schema: None,
        wal: wal_problem(&state),
        journal_pending: crate::review::journal::has_pending(root),
        backlog: inflight::backlog(root),
        log: log_verdict,
        unlogged_rows: 0,
        runs_missing: 0,
        backup: crate::store::backup::backups(&state_dir).into_iter().next(),
    };
    // A store not made yet (no file, or a file with no schema) lacks all that was recorded.
    let missing = |mut findings: Findings| {
        let (entries, _) = log.read().unwrap_or_default();
        findings.unlogged_rows = entries.iter().map(|e| e.rows.len() as u64).sum();
        findings.runs_missing = inflight::stored_records(root).len() as u64;
        findings
    };
    if std::fs::symlink_metadata(&state).is_err() {
        return missing(findings);
    }
    let store = match Store::open_file_reader(&state) {
        Ok(store) => store,
        Err(e) => {
            findings.store = StoreHealth::Damaged(vec![e.found()]);
            return findings;
        }
    };
    findings.schema = store.schema_version().ok();
    let known = Store::known_schema_version();
    findings.store = match (store.quick_check(), findings.schema) {
        (Err(e), _) => StoreHealth::Damaged(vec![e.found()]),
        (Ok(found), _) if !found.is_empty() => StoreHealth::Damaged(found),
        (Ok(_), None) => StoreHealth::Damaged(vec!["the schema version cannot be read".into()]),
        (Ok(_), Some(0)) => StoreHealth::Missing,
        (Ok(_), Some(v)) if v > known => StoreHealth::TooNew { found: v, known },
        (Ok(_), Some(_)) => StoreHealth::Whole,
    };
    drop(store);
    if findings.store == StoreHealth::Missing {
        return missing(findings);
    }
    if findings.store == StoreHealth::Whole && findings.wal.is_none() {
        let (unlogged, missing) = compare(root, &state, &log);
        findings.unlogged_rows = unlogged;
        findings.runs_missing = missing;
    }
    findings
}

/// What the log and the run folders hold that the whole store at `state` lacks.
fn compare(root: &Path, state: &Path, log: &DecisionLog) -> (u64, u64) {
    let (entries, _) = log.read().unwrap_or_default();
    let unlogged = match Store::open_file(state) {
        Ok(mut store) => store.replay_log(&entries, false).map_or(0, |r| r.rows),
        Err(_) => 0,
    };
    let missing = match Store::open_file_reader(state) {
        Ok(store) => inflight::stored_records(root)
            .iter()
            .filter(|r| {
                r.log_dir
                    .as_deref()
                    .is_some_and(|d| store.run_by_log_dir(d).ok().flatten().is_none())
            })
            .count() as u64,
        Err(_) => 0,
    };
    (unlogged, missing)
}

/// Why the write-ahead log beside `state` is not one SQLite wrote, if it is not. SQLite
/// itself ignores such a log, and with it every commit it held.
fn wal_problem(state: &Path) -> Option<String> {
    use std::io::Read;
    let mut wal = state.as_os_str().to_owned();
    wal.push("-wal");
    let mut file = std::fs::File::open(Path::new(&wal)).ok()?;
    let len = file.metadata().ok()?.len();
    if len == 0 {
        return None;
    }
    if len < WAL_HEADER {
        return Some(format!("{len} bytes, shorter than its header"));
    }
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).ok()?;
    let magic = u32::from_be_bytes(magic);
    (!WAL_MAGIC.contains(&magic)).then(|| format!("its header is not SQLite's ({magic:#010x})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_workspace_is_whole_and_a_scribbled_header_is_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(Store::open(dir.path()).expect("store"));
        let findings = check(dir.path());
        assert_eq!(findings.store, StoreHealth::Whole);
        assert!(findings.is_whole(), "{:?}", findings.lines(dir.path()));
        let state = dir.path().join(".toolbench/state.db");
        let mut bytes = std::fs::read(&state).expect("read");
        bytes[..100].fill(0x55);
        std::fs::write(&state, bytes).expect("write");
        let findings = check(dir.path());
        assert!(findings.needs_rebuild(), "{:?}", findings.store);
        // Said once, as the doctor's own finding: no path twice, no advice to run itself.
        let line = &findings.lines(dir.path())[0];
        assert!(
            line.starts_with("store: .toolbench/state.db: damaged: ")
                && line.matches("state.db").count() == 1
                && !line.contains("toolbench doctor"),
            "{line}"
        );
        // A log that cannot be read is named once, with no entry number.
        let log = dir.path().join(".toolbench/log/decisions.jsonl");
        let _ = std::fs::remove_file(&log);
        std::fs::create_dir_all(&log).expect("a folder in its place");
        let lines = check(dir.path()).lines(dir.path());
        let said = lines
            .iter()
            .find(|l| l.starts_with("decision log: "))
            .expect("a log line");
        assert!(
            said.ends_with("decisions.jsonl: cannot read the decision log: Is a directory")
                && said.matches("decisions.jsonl").count() == 1,
            "{said}"
        );
    }

    /// A workspace never written to has no store, so no schema yet: nothing is unreadable.
    #[test]
    fn a_workspace_without_a_store_has_no_schema_yet_and_is_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let findings = check(dir.path());
        assert_eq!(findings.store, StoreHealth::Missing);
        let lines = findings.lines(dir.path());
        assert!(
            lines.iter().any(|l| l.starts_with("schema: none yet"))
                && !lines.iter().any(|l| l.contains("unreadable")),
            "{lines:?}"
        );
        assert!(findings.is_whole(), "{lines:?}");
    }
}
