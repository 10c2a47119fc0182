//! What `toolbench doctor` asks of SQLite: a store's health, the rows a damaged store file
//! still gives up (table by table, row by row where a table reads only in part), and the rows
//! the decision log holds put back. The doctor decides which files to use and where they go;
//! this module only reads and writes rows, and never touches the damaged file.

use std::path::Path;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, params_from_iter};

use super::decision_log::json_to_sql;
use super::{Store, StoreError, sqlite_error};
use crate::model::audit::{LogEntry, LoggedRow};

/// How many row ids past the last one read are tried one by one when the table's highest id
/// cannot be read either: the end of a table whose last pages are damaged.
const BLIND_PROBE: i64 = 100_000;
/// A blind probe stops after this many ids in a row that give no row.
const BLIND_GAP: i64 = 10_000;

/// What one table gave up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TableSalvage {
    pub(crate) table: String,
    /// Rows copied into the new store.
    pub(crate) rows: u64,
    /// Row ids SQLite could not read (the rows on damaged pages).
    pub(crate) unreadable: Vec<i64>,
    /// The table's end is on damaged pages, its highest id unreadable too: how many rows
    /// were there past the last one read cannot be known (a damaged page answers for any id).
    pub(crate) end_unknown: bool,
    /// Why nothing of the table could be read, when nothing could.
    pub(crate) lost: Option<String>,
}

/// What the decision log put back into a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Replay {
    /// Rows added or brought up to date from the log.
    pub(crate) rows: u64,
    /// Logged rows whose table this store does not have (a newer toolbench's log).
    pub(crate) skipped: u64,
}

impl Store {
    /// `PRAGMA quick_check`: empty when the store file is whole, else SQLite's findings.
    pub(crate) fn quick_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA quick_check")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.error(e))?;
        let found: Vec<String> = rows.collect::<Result<_, _>>().map_err(|e| self.error(e))?;
        Ok(found.into_iter().filter(|line| line != "ok").collect())
    }

    /// The schema version the file says it has (`PRAGMA user_version`).
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| self.error(e))
    }

    /// The schema version this build writes.
    pub(crate) fn known_schema_version() -> i64 {
        super::migrations::known_version()
    }

    /// Copies into this store every row SQLite can still read from the store file at
    /// `source`, opened read-only. A row already here with the same key is replaced: the
    /// damaged file is newer than the backup a rebuilt store may start from.
    pub(crate) fn salvage_from(&mut self, source: &Path) -> Result<Vec<TableSalvage>, StoreError> {
        let tables = self.tables()?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let damaged = match Connection::open_with_flags(source, flags) {
            Ok(conn) => conn,
            Err(e) => return Ok(all_lost(&tables, &e.to_string())),
        };
        let path = self.path.clone();
        let err = |e| sqlite_error(&path, e);
        self.conn
            .pragma_update(None, "foreign_keys", "OFF")
            .map_err(err)?;
        let tx = self.conn.transaction().map_err(err)?;
        let mut found = Vec::with_capacity(tables.len());
        for (table, columns) in &tables {
            found.push(copy_table(&damaged, &tx, table, columns).map_err(err)?);
        }
        tx.commit().map_err(err)?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        Ok(found)
    }

    /// Puts back what the decision log holds, so each row ends as its last entry left it: a
    /// row missing is added, one whose decision differs is replaced. Only a row's last entry
    /// counts (an earlier one, a version's older activation, is what the log itself replaced),
    /// and the columns the store keeps up by itself after a decision (`KEPT_BY_THE_STORE`)
    /// are not compared. A decision already stored (the same tool, action, person, time and
    /// versions, under any id) is not added again. With `apply` false nothing is kept: the
    /// count says what would change.
    pub(crate) fn replay_log(
        &mut self,
        entries: &[LogEntry],
        apply: bool,
    ) -> Result<Replay, StoreError> {
        let tables = self.tables()?;
        let path = self.path.clone();
        let err = |e| sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut replay = Replay::default();
        let logged: Vec<&LoggedRow> = entries.iter().flat_map(|e| &e.rows).collect();
        let last = last_entries(&tx, &logged).map_err(err)?;
        for (i, logged) in logged.into_iter().enumerate() {
            let Some((_, columns)) = tables.iter().find(|(t, _)| *t == logged.table) else {
                replay.skipped += 1;
                continue;
            };
            if !last[i] {
                continue;
            }
            if put_back(&tx, logged, columns).map_err(err)? {
                replay.rows += 1;
            }
        }
        if apply {
            tx.commit().map_err(err)?;
        }
        Ok(replay)
    }

    /// How many of the rows with these row ids `table` holds.
    pub(crate) fn rows_present(&self, table: &str, rowids: &[i64]) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT 1 FROM \"{table}\" WHERE rowid = ?1"))
            .map_err(|e| self.error(e))?;
        let mut present = 0;
        for id in rowids {
            if stmt.exists([id]).map_err(|e| self.error(e))? {
                present += 1;
            }
        }
        Ok(present)
    }

    /// Copies the store, whole and consistent, into a new file at `dest` (`VACUUM INTO`).
    pub(crate) fn copy_into(&self, dest: &Path) -> Result<(), StoreError> {
        // Made empty and the owner's first: SQLite writes into it and keeps its mode.
        crate::workspace::private::create(dest).map_err(|e| StoreError::CreateDir {
            path: dest.to_path_buf(),
            reason: crate::io_text::io_reason(&e),
        })?;
        self.conn
            .execute("VACUUM INTO ?1", [dest.to_string_lossy()])
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The store's tables and their columns, as this build made them.
    fn tables(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let names: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([], |row| row.get(0))
                .map_err(|e| self.error(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.error(e))?
        };
        names
            .into_iter()
            .map(|name| {
                let columns = columns_of(&self.conn, &name).map_err(|e| self.error(e))?;
                Ok((name, columns))
            })
            .collect()
    }
}

fn all_lost(tables: &[(String, Vec<String>)], why: &str) -> Vec<TableSalvage> {
    tables
        .iter()
        .map(|(table, _)| TableSalvage {
            table: table.clone(),
            lost: Some(why.to_string()),
            ..TableSalvage::default()
        })
        .collect()
}

fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(1))?;
    rows.collect()
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One table: a plain read of every row, then, from where that read failed, the row ids one
/// by one, each found through the table's inner pages when its own page is damaged.
fn copy_table(
    damaged: &Connection,
    into: &Connection,
    table: &str,
    columns: &[String],
) -> rusqlite::Result<TableSalvage> {
    let mut found = TableSalvage {
        table: table.to_string(),
        ..TableSalvage::default()
    };
    // Only the columns both files know: a store left by an older build lacks the newest.
    let theirs = match columns_of(damaged, table) {
        Ok(theirs) if !theirs.is_empty() => theirs,
        Ok(_) => {
            found.lost = Some("the table is not in the damaged file's schema".into());
            return Ok(found);
        }
        Err(e) => {
            found.lost = Some(e.to_string());
            return Ok(found);
        }
    };
    let shared: Vec<String> = columns
        .iter()
        .filter(|c| theirs.contains(c))
        .cloned()
        .collect();
    let list = quoted(&shared);
    let marks = vec!["?"; shared.len()].join(", ");
    let mut insert = into.prepare(&format!(
        "INSERT OR REPLACE INTO \"{table}\" ({list}) VALUES ({marks})"
    ))?;
    let mut copy = |row: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
        let values: Vec<SqlValue> = (0..shared.len())
            .map(|i| row.get::<_, SqlValue>(i + 1))
            .collect::<rusqlite::Result<_>>()?;
        insert.execute(params_from_iter(values)).map(|_| ())
    };
    let mut last = 0i64;
    let whole = (|| -> rusqlite::Result<()> {
        let mut stmt = damaged.prepare(&format!(
            "SELECT rowid, {list} FROM \"{table}\" ORDER BY rowid"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            last = row.get(0)?;
            copy(row)?;
            found.rows += 1;
        }
        Ok(())
    })();
    if let Err(e) = whole {
        if damaged_read(&e).is_none() {
            // Not the file's damage (a write into the new store failed, the disk filled).
            return Err(e);
        }
        let highest: Option<i64> = damaged
            .query_row(&format!("SELECT max(rowid) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .ok()
            .flatten()
            .or_else(|| {
                damaged
                    .query_row(
                        "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                        [table],
                        |r| r.get(0),
                    )
                    .ok()
            });
        let (end, blind) = match highest {
            Some(end) => (end, false),
            None => (last.saturating_add(BLIND_PROBE), true),
        };
        let mut probe = damaged.prepare(&format!(
            "SELECT rowid, {list} FROM \"{table}\" WHERE rowid = ?1"
        ))?;
        let mut empty_run = 0;
        let mut id = last + 1;
        while id <= end {
            match probe.query_row([id], |row| copy(row).map(|()| true)) {
                Ok(_) => {
                    found.rows += 1;
                    empty_run = 0;
                }
                Err(rusqlite::Error::QueryReturnedNoRows) => empty_run += 1,
                // Past the highest id known, a damaged page on the way to an id says nothing of
                // whether a row was there: every id of a table whose root is damaged fails so.
                Err(e) if damaged_read(&e).is_some() && blind => {
                    found.end_unknown = true;
                    empty_run += 1;
                }
                Err(e) if damaged_read(&e).is_some() => {
                    found.unreadable.push(id);
                    empty_run = 0;
                }
                Err(e) => return Err(e),
            }
            if blind && empty_run >= BLIND_GAP {
                break;
            }
            id += 1;
        }
        if found.rows == 0 && found.unreadable.is_empty() && last == 0 {
            found.lost = Some(e.to_string());
            found.end_unknown = false;
        }
    }
    Ok(found)
}

/// The error, when it is the damaged file's and not the new store's.
fn damaged_read(e: &rusqlite::Error) -> Option<()> {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Some(()),
        Some(ErrorCode::DiskFull | ErrorCode::ReadOnly | ErrorCode::CannotOpen) => None,
        // Conversions of what a damaged page held (a wrong type, text that is not UTF-8).
        None => Some(()),
        Some(_) => Some(()),
    }
}

/// Columns a logged row's table changes by itself after the decision, with no person's word:
/// a suggestion found again is refreshed (its text, evidence, priority, when it was last seen)
/// and an accepted one becomes `done` once it is answered. Its decision is told by who decided,
/// when, and why.
const KEPT_BY_THE_STORE: &[(&str, &[&str])] = &[(
    "suggestions",
    &[
        "title", "tools", "evidence", "priority", "why", "seen_at", "state",
    ],
)];

/// For each logged row, whether it is the last the log holds of its row (by the table's key):
/// replayed in order, only that one is left standing. Decisions are told by what they say, and
/// a table without a key by all its columns, so each of their rows counts.
fn last_entries(tx: &Connection, logged: &[&LoggedRow]) -> rusqlite::Result<Vec<bool>> {
    let mut keys_of: std::collections::HashMap<&str, Vec<String>> =
        std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut last = vec![true; logged.len()];
    for (i, row) in logged.iter().enumerate().rev() {
        if row.table == "decisions" {
            continue;
        }
        if !keys_of.contains_key(row.table.as_str()) {
            keys_of.insert(&row.table, key_columns(tx, &row.table)?);
        }
        let keys = &keys_of[row.table.as_str()];
        if keys.is_empty() {
            continue;
        }
        let key: Vec<String> = keys
            .iter()
            .map(|k| row.row.get(k).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        last[i] = seen.insert((row.table.as_str(), key));
    }
    Ok(last)
}

/// Puts one logged row back; true when that changed the store.
fn put_back(tx: &Connection, logged: &LoggedRow, columns: &[String]) -> rusqlite::Result<bool> {
    let shared: Vec<&String> = columns
        .iter()
        .filter(|c| logged.row.contains_key(c.as_str()))
        .collect();
    let values: Vec<SqlValue> = shared
        .iter()
        .map(|c| json_to_sql(&logged.row[*c]))
        .collect();
    let table = &logged.table;
    if table == "decisions" {
        return put_back_decision(tx, logged, &shared, &values);
    }
    let keys = key_columns(tx, table)?;
    let kept: &[&str] = KEPT_BY_THE_STORE
        .iter()
        .find(|(t, _)| t == table)
        .map_or(&[], |(_, columns)| columns);
    let (compared, compared_values): (Vec<&&String>, Vec<&SqlValue>) = shared
        .iter()
        .zip(&values)
        .filter(|(c, _)| !kept.contains(&c.as_str()))
        .unzip();
    let same = compared
        .iter()
        .map(|c| format!("\"{c}\" IS ?"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let exists: Option<i64> = optional(tx.query_row(
        &format!("SELECT 1 FROM \"{table}\" WHERE {same}"),
        params_from_iter(compared_values),
        |r| r.get(0),
    ))?;
    if exists.is_some() {
        return Ok(false);
    }
    if !keys.is_empty() {
        let key_values: Vec<SqlValue> = keys
            .iter()
            .map(|k| logged.row.get(k).map(json_to_sql).unwrap_or(SqlValue::Null))
            .collect();
        let matching = keys
            .iter()
            .map(|c| format!("\"{c}\" IS ?"))
            .collect::<Vec<_>>()
            .join(" AND ");
        tx.execute(
            &format!("DELETE FROM \"{table}\" WHERE {matching}"),
            params_from_iter(key_values),
        )?;
    }
    let list = shared
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = vec!["?"; shared.len()].join(", ");
    tx.execute(
        &format!("INSERT INTO \"{table}\" ({list}) VALUES ({marks})"),
        params_from_iter(values),
    )?;
    Ok(true)
}

/// A decision is told by what it says, not its id: one replayed after a crash has another id.
fn put_back_decision(
    tx: &Connection,
    logged: &LoggedRow,
    shared: &[&String],
    values: &[SqlValue],
) -> rusqlite::Result<bool> {
    let field = |name: &str| {
        logged
            .row
            .get(name)
            .map(json_to_sql)
            .unwrap_or(SqlValue::Null)
    };
    let identity = ["tool", "action", "who", "at", "from_version", "to_version"].map(field);
    let stored: Option<i64> = optional(tx.query_row(
        "SELECT 1 FROM decisions WHERE tool IS ?1 AND action IS ?2 AND who IS ?3 AND at IS ?4
         AND from_version IS ?5 AND to_version IS ?6 LIMIT 1",
        params_from_iter(identity.iter()),
        |r| r.get(0),
    ))?;
    if stored.is_some() {
        return Ok(false);
    }
    let id_taken: Option<i64> = optional(tx.query_row(
        "SELECT 1 FROM decisions WHERE id IS ?1",
        [field("id")],
        |r| r.get(0),
    ))?;
    // Its id went to another decision meanwhile: it gets a new one.
    let (names, values): (Vec<&&String>, Vec<&SqlValue>) = shared
        .iter()
        .zip(values)
        .filter(|(c, _)| id_taken.is_none() || c.as_str() != "id")
        .unzip();
    let list = names
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = vec!["?"; names.len()].join(", ");
    tx.execute(
        &format!("INSERT INTO decisions ({list}) VALUES ({marks})"),
        params_from_iter(values),
    )?;
    Ok(true)
}

fn key_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, String>(1)?, row.get::<_, i64>(5)?))
    })?;
    let mut keys: Vec<(i64, String)> = rows
        .filter_map(Result::ok)
        .filter(|(_, pk)| *pk > 0)
        .map(|(name, pk)| (pk, name))
        .collect();
    keys.sort();
    Ok(keys.into_iter().map(|(_, name)| name).collect())
}

fn optional<T>(result: rusqlite::Result<T>) -> rusqlite::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::decision_log::DecisionLog;
    use crate::store::{DecisionAction, DecisionRecord};

    fn decision(at: &str) -> DecisionRecord {
        DecisionRecord {
            id: 0,
            tool: "fmt".into(),
            action: DecisionAction::Approve,
            who: "ana".into(),
            at: at.into(),
            reason: None,
            from_version: Some("1.0.0".into()),
            to_version: Some("1.0.0".into()),
            from_tier: None,
            to_tier: None,
            from_hash: None,
            to_hash: None,
        }
    }

    #[test]
    fn a_whole_store_is_copied_row_for_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        for day in 1..=3 {
            let at = format!("2026-01-0{day}T00:00:00Z");
            store
                .record_decisions(&[decision(&at)], &[], &[])
                .expect("record");
        }
        let other = tempfile::tempdir().expect("tempdir");
        let mut fresh = Store::open(other.path()).expect("fresh");
        let found = fresh.salvage_from(store.path()).expect("salvage");
        let decisions = found.iter().find(|t| t.table == "decisions").expect("t");
        assert_eq!((decisions.rows, decisions.lost.clone()), (3, None));
        assert_eq!(fresh.decisions_of("fmt").expect("read").len(), 3);
    }

    /// A version activated again (a rollback to it) renews its row; the log holds both
    /// activations, and only the last is what the store should hold.
    #[test]
    fn a_version_activated_twice_is_whole_and_its_last_activation_comes_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let version = |at: &str| crate::store::VersionRecord {
            tool: "fmt".into(),
            version: "1.0.0".into(),
            content_hash: "ab".repeat(32),
            snapshot: ".toolbench/versions/fmt/1.0.0-abababababab".into(),
            activated_at: at.into(),
        };
        for at in ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"] {
            store
                .record_decisions(&[decision(at)], &[version(at)], &[])
                .expect("record");
        }
        let (entries, _) = DecisionLog::beside(store.path()).read().expect("log");
        for _ in 0..2 {
            assert_eq!(store.replay_log(&entries, false).expect("dry").rows, 0);
        }
        let other = tempfile::tempdir().expect("tempdir");
        let mut fresh = Store::open_file(&other.path().join("state.db")).expect("fresh");
        assert_eq!(fresh.replay_log(&entries, true).expect("apply").rows, 3);
        assert_eq!(
            fresh.versions_of("fmt").expect("versions"),
            vec![version("2026-01-02T00:00:00Z")]
        );
        assert_eq!(fresh.replay_log(&entries, false).expect("again").rows, 0);
    }

    #[test]
    fn the_log_puts_back_missing_decisions_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .record_decisions(&[decision("2026-01-01T00:00:00Z")], &[], &[])
            .expect("record");
        let (entries, _) = DecisionLog::beside(store.path()).read().expect("log");
        let other = tempfile::tempdir().expect("tempdir");
        let mut fresh = Store::open_file(&other.path().join("state.db")).expect("fresh");
        let dry = fresh.replay_log(&entries, false).expect("dry");
        assert_eq!(dry.rows, 1);
        assert!(fresh.decisions_of("fmt").expect("read").is_empty());
        assert_eq!(fresh.replay_log(&entries, true).expect("apply").rows, 1);
        assert_eq!(fresh.replay_log(&entries, true).expect("again").rows, 0);
        assert_eq!(fresh.decisions_of("fmt").expect("read").len(), 1);
    }
}
