//! Schema migrations, applied in order and tracked with `PRAGMA user_version`.
//!
//! Never edit a released migration: append a new one.

use std::path::Path;

use rusqlite::Connection;

use super::{StoreError, sqlite_error};

const MIGRATIONS: &[&str] = &[
    // 1: the cached catalog index, so the next start shows the catalog in its first frame.
    "CREATE TABLE catalog_index (
        path TEXT PRIMARY KEY,
        tier TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        description TEXT NOT NULL,
        category TEXT,
        cost_tier TEXT,
        keywords TEXT NOT NULL,
        capabilities TEXT NOT NULL,
        inferred INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        error TEXT,
        warnings TEXT NOT NULL
    );",
    // 2: runs and failures (DESIGN §3).
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        tier TEXT NOT NULL,
        input TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        exit_code INTEGER,
        signal INTEGER,
        peak_memory_kb INTEGER,
        bytes_out INTEGER NOT NULL,
        status TEXT NOT NULL,
        origin TEXT NOT NULL,
        log_dir TEXT,
        sandbox TEXT NOT NULL,
        error TEXT
    );
    CREATE INDEX runs_by_tool ON runs (tool, started_at);
    CREATE TABLE failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        severity TEXT NOT NULL,
        scenario TEXT NOT NULL,
        error TEXT NOT NULL,
        origin TEXT NOT NULL,
        at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs (id),
        tag TEXT
    );
    CREATE INDEX failures_by_tool ON failures (tool, at);",
    // 3: review decisions and the versions index (DESIGN §4).
    "CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        action TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT,
        from_version TEXT,
        to_version TEXT,
        from_tier TEXT,
        to_tier TEXT,
        from_hash TEXT,
        to_hash TEXT
    );
    CREATE INDEX decisions_by_tool ON decisions (tool, at);
    CREATE TABLE versions (
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        activated_at TEXT NOT NULL,
        PRIMARY KEY (tool, version, content_hash)
    );
    CREATE TABLE review_queue (
        path TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        verdict TEXT,
        validation TEXT
    );",
    // 4: what the scan needs to skip work: the folder fingerprint a content hash belongs to,
    // and whether the folder was over the `[catalog]` limits.
    "ALTER TABLE catalog_index ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
    ALTER TABLE catalog_index ADD COLUMN oversized INTEGER NOT NULL DEFAULT 0;",
    // 5: agents over MCP: which client asked for a run, and the tools agents proposed.
    "ALTER TABLE runs ADD COLUMN client TEXT;
    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        path TEXT NOT NULL,
        client TEXT NOT NULL,
        proposed_at TEXT NOT NULL
    );
    CREATE INDEX proposals_by_client ON proposals (client, proposed_at);",
    // 6: commands on one tool look up its rows by name, not through all 10,000.
    "CREATE INDEX catalog_index_name ON catalog_index (name);",
    // 7: long-running tools: their instances (the process named by pid and start time) and
    // every message exchanged with them. A port belongs to one instance that is not stopped.
    "CREATE TABLE service_instances (
        name TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        port INTEGER NOT NULL,
        pid INTEGER,
        start_ticks INTEGER,
        state TEXT NOT NULL,
        started_at TEXT NOT NULL,
        stopped_at TEXT,
        last_exchange_at TEXT,
        log_dir TEXT NOT NULL,
        sandbox TEXT NOT NULL DEFAULT '',
        error TEXT
    );
    CREATE UNIQUE INDEX service_instances_live_port ON service_instances (port)
        WHERE state != 'stopped';
    CREATE TABLE service_exchanges (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance TEXT NOT NULL,
        at TEXT NOT NULL,
        message TEXT NOT NULL,
        context TEXT NOT NULL,
        response TEXT,
        raw TEXT,
        error TEXT,
        duration_ms INTEGER NOT NULL
    );
    CREATE INDEX service_exchanges_by_instance ON service_exchanges (instance, id);",
    // 8: agent calls waiting for a human (and their answers, kept as history), and the
    // "approve always" rules those answers leave.
    "CREATE TABLE agent_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        arguments TEXT NOT NULL,
        input_schema TEXT NOT NULL,
        client TEXT NOT NULL,
        why TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        state TEXT NOT NULL,
        server_pid INTEGER NOT NULL,
        server_start INTEGER NOT NULL,
        answered_by TEXT,
        answered_at TEXT,
        reason TEXT,
        approved_arguments TEXT,
        rule_id INTEGER
    );
    CREATE INDEX agent_calls_by_state ON agent_calls (state, id);
    CREATE TABLE approval_rules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        pattern TEXT,
        from_call INTEGER,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_by TEXT,
        revoked_at TEXT
    );
    CREATE INDEX approval_rules_by_tool ON approval_rules (tool);",
    // 9: tools agents ask for before writing them, the human's answers, and the request a
    // later proposal of that name answers. One client has one pending request per name.
    "CREATE TABLE tool_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        inputs TEXT NOT NULL,
        outputs TEXT,
        rationale TEXT NOT NULL,
        client TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        state TEXT NOT NULL,
        answered_by TEXT,
        answered_at TEXT,
        reason TEXT
    );
    CREATE INDEX tool_requests_by_name ON tool_requests (name, id);
    CREATE UNIQUE INDEX tool_requests_one_pending ON tool_requests (name, client)
        WHERE state = 'pending';
    ALTER TABLE proposals ADD COLUMN request_id INTEGER;",
    // 10: runs found by their folder: every run handed off (`toolbench run`) or left behind
    // is looked up so before it is stored, and the workbench follows other processes' runs so.
    "CREATE INDEX runs_by_log_dir ON runs (log_dir);",
    // 11: the failures of one run, counted before an agent's report of that run is stored.
    "CREATE INDEX failures_by_run ON failures (run_id);",
    // 12: where each launch and each exchange sits in an instance's logs (positions among
    // everything each stream wrote), so its history reads in the order it happened.
    "CREATE TABLE service_launches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance TEXT NOT NULL,
        at TEXT NOT NULL,
        port INTEGER NOT NULL,
        stdout_from INTEGER NOT NULL,
        stderr_from INTEGER NOT NULL,
        error TEXT
    );
    CREATE INDEX service_launches_by_instance ON service_launches (instance, id);
    ALTER TABLE service_exchanges ADD COLUMN stdout_at INTEGER;
    ALTER TABLE service_exchanges ADD COLUMN stderr_at INTEGER;",
    // 13: what the run history suggests building or changing, and the capability calls that
    // found no tool (or only failing ones), which no run records. A suggestion's `key` names
    // its pattern, so a dismissed one is never suggested again and a found one is updated.
    "CREATE TABLE capability_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        capability TEXT NOT NULL,
        at TEXT NOT NULL,
        origin TEXT NOT NULL,
        client TEXT,
        outcome TEXT NOT NULL
    );
    CREATE INDEX capability_calls_by_at ON capability_calls (at);
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        tools TEXT NOT NULL,
        evidence TEXT NOT NULL,
        priority REAL NOT NULL,
        why TEXT NOT NULL,
        state TEXT NOT NULL,
        found_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        reason TEXT,
        request_id INTEGER,
        accepted_version TEXT
    );",
    // A report found by its content wherever it was made (an approved tool keeps the report
    // of the candidate it was), without reading the whole queue.
    "CREATE INDEX review_queue_by_hash ON review_queue (content_hash);",
    // The project a run worked on, for tools that declare one.
    "ALTER TABLE runs ADD COLUMN project TEXT;",
    // MCP calls answered with a task: their state and result outlive the client's connection
    // and are read by any process; a waiting call names the task it belongs to.
    "CREATE TABLE mcp_tasks (
        id TEXT PRIMARY KEY,
        client TEXT NOT NULL,
        tool TEXT NOT NULL,
        state TEXT NOT NULL,
        message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        ttl_ms INTEGER NOT NULL,
        result TEXT,
        error TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        server_pid INTEGER NOT NULL,
        server_start INTEGER NOT NULL
    );
    CREATE INDEX mcp_tasks_by_expiry ON mcp_tasks (expires_ms);
    ALTER TABLE agent_calls ADD COLUMN task_id TEXT;",
    // A run is stored once: the store enforces it. Folders stored twice (two processes
    // storing one handed-off run) are resolved first: the row with its starter's end (any
    // status but `abandoned`) is kept, else the first; the failures of the others move to it,
    // where a copy of one it carries already (the automatic failure, stored twice) is dropped.
    "CREATE TEMP TABLE run_copies AS
        SELECT r.id AS id,
            (SELECT k.id FROM runs k WHERE k.log_dir = r.log_dir
             ORDER BY k.status = 'abandoned', k.id LIMIT 1) AS kept
        FROM runs r
        WHERE r.log_dir IN
            (SELECT log_dir FROM runs WHERE log_dir IS NOT NULL
             GROUP BY log_dir HAVING COUNT(*) > 1);
    DELETE FROM run_copies WHERE id = kept;
    UPDATE failures SET run_id = (SELECT kept FROM run_copies c WHERE c.id = failures.run_id)
        WHERE run_id IN (SELECT id FROM run_copies);
    DELETE FROM failures WHERE id IN (
        SELECT f.id FROM failures f JOIN failures g
            ON g.run_id = f.run_id AND g.id < f.id AND g.severity = f.severity
            AND g.scenario = f.scenario AND g.error = f.error AND g.origin = f.origin
            AND g.at = f.at
        WHERE f.run_id IN (SELECT kept FROM run_copies));
    DELETE FROM runs WHERE id IN (SELECT id FROM run_copies);
    DROP TABLE run_copies;
    DROP INDEX runs_by_log_dir;
    CREATE UNIQUE INDEX runs_one_per_folder ON runs (log_dir);",
    // A run may end `bad_input` (the tool refused its input). Nothing changes in the tables:
    // the version alone tells an older build, which cannot read such a row, that the store is
    // newer than it, instead of letting it fail on the first such run it lists.
    "-- runs.status may be 'bad_input'",
    // The review page's one-time pairing codes and the sessions of paired devices. Only
    // hashes of codes and session secrets are kept: the store is no key to the page.
    "CREATE TABLE web_pairing_codes (
        code_hash TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE web_devices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        session_hash TEXT NOT NULL UNIQUE,
        paired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE UNIQUE INDEX web_devices_live_name ON web_devices (name) WHERE revoked_at IS NULL;",
    // The shape of each tool folder as `toolbench list` last met it (each of its folders'
    // own metadata, the names in them), so a listing stats an unchanged folder's files
    // instead of listing it. A cache beside `catalog_index`: an older index has no shapes,
    // and every folder is listed once.
    "CREATE TABLE catalog_folders (path BLOB PRIMARY KEY, shape BLOB NOT NULL);",
    // The seals `toolbench list` last read, with their files' metadata and tagged
    // (`seal::known`), so a listing stats an unchanged seal file instead of reading it. One
    // row: the seals are read and kept as a whole.
    "CREATE TABLE catalog_seals (id INTEGER PRIMARY KEY CHECK (id = 1), seals BLOB NOT NULL);",
    // A first frame counts the tools of each tier from this index alone: a few dozen pages
    // at 10,000 tools, where ranges of the path index (long keys) took 200.
    "CREATE INDEX catalog_index_tier ON catalog_index (tier);",
];

/// The schema version this build writes.
pub(crate) fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e| sqlite_error(path, e);
    let known = MIGRATIONS.len() as i64;
    // The usual open finds the store up to date: a plain read says so without taking the
    // write lock, which would wait behind another process's write.
    let version = |conn: &Connection| -> rusqlite::Result<i64> {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
    };
    if version(conn).map_err(err)? == known {
        return Ok(());
    }
    // One IMMEDIATE transaction takes the write lock before reading the version, so two
    // processes opening a new store at once cannot both apply the same migration.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(err)?;
    let current = version(&tx).map_err(err)?;
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    if current == known {
        return Ok(());
    }
    for sql in MIGRATIONS.iter().skip(current as usize) {
        tx.execute_batch(sql).map_err(err)?;
    }
    tx.pragma_update(None, "user_version", known).map_err(err)?;
    tx.commit().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer_schemas() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let mut conn = Connection::open(&path).expect("open");
        migrate(&mut conn, &path).expect("first");
        migrate(&mut conn, &path).expect("idempotent");
        conn.pragma_update(None, "user_version", 999).expect("bump");
        let err = migrate(&mut conn, &path).expect_err("too new").to_string();
        assert!(
            err.contains("written by a newer toolbench (schema 999"),
            "{err}"
        );
    }

    /// A store at `version`, as a build of that schema left it.
    fn store_at(path: &Path, version: usize) -> Connection {
        let conn = Connection::open(path).expect("open");
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).expect("migration");
        }
        conn.pragma_update(None, "user_version", version as i64)
            .expect("version");
        conn
    }

    #[test]
    fn runs_stored_twice_are_resolved_to_the_starters_end_with_their_failures_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let mut conn = store_at(&path, 16);
        let run = |folder: &str, status: &str| {
            conn.execute(
                "INSERT INTO runs (tool, version, tier, input, started_at, duration_ms,
                 bytes_out, status, origin, log_dir, sandbox)
                 VALUES ('t', '1.0.0', 'core', '{}', '2026-11-21T10:00:00Z', 5, 0, ?2, 'cli',
                 ?1, '')",
                rusqlite::params![folder, status],
            )
            .expect("run");
            conn.last_insert_rowid()
        };
        // A failed run stored twice, each copy with its automatic failure; an agent's report
        // names the second copy.
        let (failed, failed_again) = (run("runs/a", "failed"), run("runs/a", "failed"));
        // A collector's `abandoned` before the starter's end.
        let (abandoned, ended) = (run("runs/b", "abandoned"), run("runs/b", "ok"));
        let alone = run("runs/c", "ok");
        let failure = |run: i64, origin: &str, scenario: &str| {
            conn.execute(
                "INSERT INTO failures (tool, version, severity, scenario, error, origin, at,
                 run_id) VALUES ('t', '1.0.0', 'medium', ?3, 'exit 1', ?2,
                 '2026-11-21T10:00:00Z', ?1)",
                rusqlite::params![run, origin, scenario],
            )
            .expect("failure");
        };
        failure(failed, "cli", "cli run (failed)");
        failure(failed_again, "cli", "cli run (failed)");
        failure(failed_again, "mcp", "the agent's report");
        migrate(&mut conn, &path).expect("migrated");
        let ids: Vec<(i64, String)> = conn
            .prepare("SELECT id, log_dir FROM runs ORDER BY id")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(
            ids,
            [
                (failed, "runs/a".to_string()),
                (ended, "runs/b".to_string()),
                (alone, "runs/c".to_string())
            ],
            "the first copy, and the starter's end over abandoned ({abandoned})"
        );
        let failures: Vec<(i64, String)> = conn
            .prepare("SELECT run_id, scenario FROM failures ORDER BY id")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(
            failures,
            [
                (failed, "cli run (failed)".to_string()),
                (failed, "the agent's report".to_string())
            ]
        );
        let again = conn.execute(
            "INSERT INTO runs (tool, version, tier, input, started_at, duration_ms, bytes_out,
             status, origin, log_dir, sandbox) SELECT tool, version, tier, input, started_at,
             duration_ms, bytes_out, status, origin, log_dir, sandbox FROM runs WHERE id = ?1",
            [alone],
        );
        assert!(again.is_err(), "the store holds a run once");
    }

    /// An index written before the tool folders' shapes and the seals were kept keeps its
    /// rows and gains empty tables of both: every folder is listed and every seal read once,
    /// nothing is misread.
    #[test]
    fn an_index_from_before_the_folder_shapes_keeps_its_rows_and_has_no_shapes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let mut conn = store_at(&path, MIGRATIONS.len() - 2);
        conn.execute(
            "INSERT INTO catalog_index (path, tier, name, version, description, keywords,
             capabilities, inferred, content_hash, warnings, fingerprint)
             VALUES ('/w/approved/a', 'approved', 'a', '1.0.0', 'd', '', '', 0, 'h', '', 'f')",
            [],
        )
        .expect("row");
        migrate(&mut conn, &path).expect("migrated");
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .expect("count")
        };
        assert_eq!(
            (
                count("catalog_index"),
                count("catalog_folders"),
                count("catalog_seals")
            ),
            (1, 0, 0)
        );
    }

    /// A store already up to date opens while another process writes: the workbench's
    /// writer holding a long batch must not make a CLI run wait at its start, or fail with
    /// "database is locked" once the wait runs out.
    #[test]
    fn an_up_to_date_store_is_checked_without_the_write_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let mut writer = Connection::open(&path).expect("open");
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        migrate(&mut writer, &path).expect("first");
        writer.execute_batch("BEGIN IMMEDIATE").expect("write lock");
        let mut other = Connection::open(&path).expect("open");
        // No wait at all: a lock the check took would fail here at once.
        other
            .busy_timeout(std::time::Duration::ZERO)
            .expect("timeout");
        migrate(&mut other, &path).expect("checked while the other writes");
        writer.execute_batch("ROLLBACK").expect("rollback");
    }
}

#[cfg(test)]
mod race_tests {
    use super::*;

    #[test]
    fn two_connections_migrating_a_new_store_at_once_both_succeed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut conn = Connection::open(&path).expect("open");
                    conn.busy_timeout(std::time::Duration::from_secs(5))
                        .expect("timeout");
                    migrate(&mut conn, &path).map_err(|e| e.to_string())
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().expect("thread"), Ok(()));
        }
    }
}
