//! The state store: one SQLite database per workspace at `<root>/.toolbench/state.db`.
//!
//! WAL mode, versioned migrations, and one connection per process that writes: a front end
//! opens it once (`Store::open`), shares it as a [`SharedStore`], and its batching
//! [`StoreWriter`] commits through that same connection. Long reads that must not hold the
//! writer up open read-only connections (`Store::open_reader`), which refuse any write. This
//! module owns the schema; callers get typed functions, never SQL.

pub(crate) mod backup;
pub(crate) mod calls;
pub(crate) mod catalog_cache;
pub(crate) mod changes;
mod column;
pub mod decision_log;
pub(crate) mod decisions;
pub(crate) mod devices;
mod error;
mod failures;
mod migrations;
pub(crate) mod proposals;
pub(crate) mod requests;
pub(crate) mod runs;
mod salvage;
pub(crate) mod services;
mod shared;
mod stats;
pub(crate) mod suggestions;
mod tasks;
mod validation_cache;
pub mod writer;

pub(crate) use crate::model::decisions::VersionRecord;
pub use crate::model::decisions::{DecisionAction, DecisionRecord};
pub use error::StoreError;
use error::sqlite_error;
pub(crate) use salvage::TableSalvage;
pub use shared::SharedStore;
pub(crate) use shared::{StoreAccess, StoreOnDemand};
pub use validation_cache::ValidationRow;
pub use writer::StoreWriter;

use std::collections::HashMap;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::workspace::STATE_DIR;

pub const STATE_FILE: &str = "state.db";

/// Where the store of the workspace at `root` is kept (`.toolbench/state.db`).
pub(crate) fn state_file(root: &Path) -> PathBuf {
    crate::workspace::state_dir(root).join(STATE_FILE)
}

/// How long a store call waits for another process's write before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The write-ahead log a light writer leaves behind, past which it checkpoints and empties the
/// log as it finishes (`trim_log`): 128 pages of 4 KiB, about 30 exchanges.
const LIGHT_LOG_LIMIT: u64 = 512 * 1024;
/// How long that checkpoint waits for another process's reader or writer before leaving the
/// log to the next light writer.
const LIGHT_CHECKPOINT_WAIT: Duration = Duration::from_millis(100);

/// SQLite's page cache, in pages, while tables are read once from end to end
/// (`Store::reading_once`): room for the path from a B-tree's root to its leaves, and more.
const READ_ONCE_CACHE_PAGES: i64 = 32;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store of the workspace at `root`, and lists the
    /// workspace among those whose state every run hides.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let dir = crate::workspace::make_state_dir(root).map_err(|e| StoreError::CreateDir {
            path: root.join(STATE_DIR),
            reason: crate::io_text::io_reason(&e),
        })?;
        // Listed even when the state was there: a store copied in, or made by an older build.
        let _ = crate::workspace::registry::register(root);
        Self::open_file_as(&dir.join(STATE_FILE), Made::OnlyWhereNothingWasDecided)
    }

    /// Opens the store file at `path` for writing: WAL, migrations, and a count kept for
    /// `writable_opens`. A new store is made there whatever is beside it (the doctor's rebuild).
    pub(crate) fn open_file(path: &Path) -> Result<Self, StoreError> {
        Self::open_file_as(path, Made::Anywhere)
    }

    fn open_file_as(path: &Path, made: Made) -> Result<Self, StoreError> {
        refuse_non_file(path)?;
        let refuse_lost = made == Made::OnlyWhereNothingWasDecided;
        if refuse_lost && !path.exists() {
            refuse_lost_store(path, 0)?;
        }
        // Made 0600 before SQLite creates it; its journal files take the same mode.
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(crate::workspace::private::FILE_MODE)
                .open(path)
                .map_err(|e| StoreError::CreateDir {
                    path: path.to_path_buf(),
                    reason: crate::io_text::io_reason(&e),
                })?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
        if refuse_lost {
            let version = conn
                .query_row("PRAGMA user_version", [], |row| row.get(0))
                .map_err(|e| sqlite_error(path, e))?;
            refuse_lost_store(path, version)?;
        }
        count_writable_open(path);
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        migrations::migrate(&mut store.conn, path)?;
        Ok(store)
    }

    /// A read-only connection to the existing store of the workspace at `root`, for reads that
    /// may take long (history, stats, polls) and must not hold the process's writer. It
    /// neither creates the store nor migrates it: the writer's open did. Any write through it
    /// fails.
    pub fn open_reader(root: &Path) -> Result<Self, StoreError> {
        Self::open_file_reader(&state_file(root))
    }

    pub(crate) fn open_file_reader(path: &Path) -> Result<Self, StoreError> {
        refuse_non_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sqlite_error(path, e))?;
        let store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| store.error(e))?;
        Ok(store)
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.error(e))?;
        // WAL lets readers (a second toolbench, the CLI) work while one process writes.
        // Turning a new store to WAL needs the file alone for a moment, and SQLite answers
        // "busy" at once there instead of calling the busy handler: wait as that would.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match self.conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(self.error(e)),
            }
        }
        // FULL: a recorded run or failure survives a crash or power loss once insert returns.
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.error(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.error(e))
    }

    /// Runs `read`, which reads tables once from end to end (a listing's index, folder shapes
    /// and kept seals), with SQLite's page cache kept small: each page read takes a page of
    /// cache, and at the default 2 MB a listing of 10,000 tools filled about 500 fresh pages
    /// of memory (each a page fault) with pages it never read again. The cache's size is put
    /// back afterwards, for what follows (a write of the index).
    pub(crate) fn reading_once<T>(&self, read: impl FnOnce(&Self) -> T) -> T {
        let size: Option<i64> = self
            .conn
            .query_row("PRAGMA cache_size", [], |row| row.get(0))
            .ok();
        let _ = self
            .conn
            .pragma_update(None, "cache_size", READ_ONCE_CACHE_PAGES);
        let result = read(self);
        if let Some(size) = size {
            let _ = self.conn.pragma_update(None, "cache_size", size);
        }
        result
    }

    /// For a short-lived process that writes one row (`tools send`): its commits are not
    /// fsynced (`synchronous=NORMAL`) and closing leaves the write-ahead log to a later
    /// checkpoint, so it pays no fsync unless `trim_log` checkpoints. A committed row survives
    /// any crash of processes; only a kernel crash or power loss before a later writer's synced
    /// commit or checkpoint can drop it, and the store stays whole either way (SQLite's WAL
    /// guarantee).
    pub(crate) fn sync_lightly(&self) -> Result<(), StoreError> {
        self.keep_log_on_close()?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.error(e))
    }

    /// For a short-lived process whose commits stay synced (`toolbench run`): closing leaves
    /// the write-ahead log to a later checkpoint instead of checkpointing and deleting it, and
    /// so the next commit need not create the log anew (a folder fsync and a header fsync). End
    /// with `trim_log`, as a light writer does.
    pub(crate) fn keep_log_on_close(&self) -> Result<(), StoreError> {
        self.conn
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Ends a light writer's work (`sync_lightly`). The log it leaves is read back whole by the
    /// next process that opens the store alone (SQLite rebuilds the log's index from it, about
    /// 3 µs a page), and a log that outgrew SQLite's automatic checkpoint is never emptied
    /// again: that rebuild forgets what was checkpointed, so every later commit checkpoints the
    /// whole log again, fsyncs included, while it keeps growing. Past `LIGHT_LOG_LIMIT` the log
    /// is checkpointed into the database and truncated here, a few fsyncs every ~30 sends. A
    /// checkpoint that cannot get its locks soon is left to the next light writer.
    pub(crate) fn trim_log(&self) {
        let mut log = self.path.clone().into_os_string();
        log.push("-wal");
        if std::fs::metadata(&log).map_or(0, |m| m.len()) < LIGHT_LOG_LIMIT {
            return;
        }
        let _ = self.conn.busy_timeout(LIGHT_CHECKPOINT_WAIT);
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, e)
    }
}

/// Write-capable connections opened so far by this process, by store file.
static WRITABLE_OPENS: Mutex<Option<HashMap<PathBuf, usize>>> = Mutex::new(None);

fn count_writable_open(path: &Path) {
    let mut opens = WRITABLE_OPENS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    *opens
        .get_or_insert_with(HashMap::new)
        .entry(path.to_path_buf())
        .or_default() += 1;
}

/// How many write-capable connections this process has opened to the store file at `path`
/// (as spelled when opened): what proves a front end keeps to one writer.
pub fn writable_opens(path: &Path) -> usize {
    WRITABLE_OPENS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|opens| opens.get(path).copied())
        .unwrap_or(0)
}

/// Something other than a file where the store belongs (a folder, a socket) is a damaged
/// store, not a store to create: SQLite would only say it cannot open it.
/// Where `Store::open_file_as` may make a new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    Anywhere,
    /// Not beside a decision log that holds entries: the store was there and is gone (removed,
    /// or emptied to nothing), and a new empty one would answer "nothing decided here".
    OnlyWhereNothingWasDecided,
}

/// Refuses a store at schema `version` 0 (no file, or one emptied to nothing) beside a
/// decision log that holds entries: only `toolbench doctor` puts back what was decided. Told
/// before anything is written to the file, or the file made.
fn refuse_lost_store(path: &Path, version: i64) -> Result<(), StoreError> {
    if version == 0 && decision_log::DecisionLog::beside(path).holds_entries() {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            reason: "it is gone or empty, but the decision log beside it holds what was \
                     decided here"
                .to_string(),
        });
    }
    Ok(())
}

fn refuse_non_file(path: &Path) -> Result<(), StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(StoreError::Damaged {
            path: path.to_path_buf(),
            reason: "not a file".to_string(),
        }),
        _ => Ok(()),
    }
}

/// Appends `entry`, with the rows `rows` names as `conn` sees them now (inside the
/// transaction that wrote them), to the decision log beside the store file `path`: called by
/// every store write of a human decision, call answer or rule change, before it commits. A
/// log that cannot be written fails the write.
fn log_decision(
    path: &Path,
    conn: &Connection,
    mut entry: decision_log::NewEntry,
    rows: &[(&str, i64)],
) -> Result<(), StoreError> {
    for (table, rowid) in rows {
        let row = decision_log::row_json(conn, table, *rowid).map_err(|e| sqlite_error(path, e))?;
        entry.rows.push(row);
    }
    decision_log::DecisionLog::beside(path)
        .append(&entry)
        .map(|_| ())
        .map_err(|e| StoreError::DecisionLog {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Whether the decision log of the workspace at `root` would take an entry now, writing
/// nothing: a decision asks before anything moves, so one the log refuses changes nothing.
/// The log file must open for appending (or be missing), and its folder, or the nearest one
/// there to make it in, must take new files (the head file is written beside the log).
pub(crate) fn check_decision_log(root: &Path) -> Result<(), decision_log::LogError> {
    let log = decision_log::DecisionLog::in_state_dir(&crate::workspace::state_dir(root));
    let path = log.path();
    let fail = |e: std::io::Error| decision_log::LogError::Append {
        path: path.to_path_buf(),
        reason: crate::io_text::io_reason(&e),
    };
    match std::fs::File::options().append(true).open(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(e)),
        _ => {}
    }
    let Some(folder) = path
        .ancestors()
        .skip(1)
        .find(|d| d.symlink_metadata().is_ok())
    else {
        return Ok(());
    };
    if !folder.is_dir() {
        return Err(fail(std::io::Error::from_raw_os_error(libc::ENOTDIR)));
    }
    rustix::fs::access(
        folder,
        rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK,
    )
    .map_err(|e| fail(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CLI run opens the store while the workbench's writer is in the middle of a write:
    /// nothing in the open waits for that write.
    #[test]
    fn a_store_opens_while_another_connection_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Store::open(dir.path()).expect("create");
        first
            .conn
            .execute_batch("BEGIN IMMEDIATE")
            .expect("write lock");
        // Had it asked for the write lock, it would fail with "database is locked" once its
        // busy handler gave up waiting.
        let second = Store::open(dir.path());
        assert!(second.is_ok(), "{:?}", second.err());
        first.conn.execute_batch("ROLLBACK").expect("rollback");
    }

    /// Tables read once are read through a small page cache, and the cache a write needs is
    /// back afterwards.
    #[test]
    fn a_reading_once_keeps_the_page_cache_small_and_puts_it_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("create");
        let cache = |store: &Store| -> i64 {
            store
                .conn
                .query_row("PRAGMA cache_size", [], |row| row.get(0))
                .expect("cache_size")
        };
        let before = cache(&store);
        assert_ne!(before, READ_ONCE_CACHE_PAGES);
        assert_eq!(store.reading_once(cache), READ_ONCE_CACHE_PAGES);
        assert_eq!(cache(&store), before);
    }
}
