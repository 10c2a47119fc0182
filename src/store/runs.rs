//! Recorded runs (DESIGN §3): one row per run, written in batches, listed newest first.

use rusqlite::{Connection, Row, params};

use super::column::parse_column;
use super::{Store, StoreError};
use crate::model::{FailureRecord, RunRecord, RunStatus};

const RUN_COLUMNS: &str = "id, tool, version, tier, input, started_at, duration_ms, exit_code, \
    signal, peak_memory_kb, bytes_out, status, origin, log_dir, sandbox, error, client, project";

/// The runs of a tool in use, as every statistic, health rule and suggestion counts them and
/// as validation replays their inputs: an active version's, not validation's own (its cases
/// may fail on purpose) nor a candidate's (a trial of what is not in use yet, which says
/// nothing of the active version of its name, and whose inputs are no lineage's).
macro_rules! in_use {
    () => {
        "origin != 'validation' AND tier IN ('core', 'approved')"
    };
}
pub(crate) use in_use;
/// `in_use!()`, for queries built at run time.
pub(crate) const IN_USE: &str = in_use!();

/// The largest input validation replays into a candidate, in bytes.
const MAX_REPLAYED_INPUT: i64 = 1024 * 1024;

/// Where the history stood at a look: the newest run's and failure's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HistoryMark {
    run: i64,
    failure: i64,
}

impl Store {
    /// Whether a run outside validation or a failure was recorded since `since` (the marks of
    /// the last look; none: this is the first), and the marks now: the newest run's and
    /// failure's ids. A look reads only the runs recorded since the last, however many
    /// validation recorded meanwhile.
    pub(crate) fn history_since(
        &self,
        since: Option<HistoryMark>,
    ) -> Result<(bool, HistoryMark), StoreError> {
        let after = since.map_or(i64::MAX, |mark| mark.run);
        let (run, failure, new_run): (i64, i64, bool) = self
            .conn
            .query_row(
                "SELECT (SELECT coalesce(max(id), 0) FROM runs),
                        (SELECT coalesce(max(id), 0) FROM failures),
                        EXISTS (SELECT 1 FROM runs WHERE id > ?1 AND origin != 'validation')",
                [after],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .map_err(|e| self.error(e))?;
        let recorded = new_run || since.is_some_and(|mark| mark.failure != failure);
        Ok((recorded, HistoryMark { run, failure }))
    }

    /// Records `runs` in one transaction and sets each record's `id`, each once per folder
    /// (`store_run_once`). All or nothing.
    pub fn insert_runs(&mut self, runs: &mut [RunRecord]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let result = self.conn.transaction().and_then(|tx| {
            for run in runs.iter_mut() {
                store_run_once(&tx, run, None)?;
            }
            tx.commit()
        });
        if result.is_err() {
            // Rolled back: ids handed out inside the transaction no longer mean anything.
            runs.iter_mut().for_each(|r| r.id = 0);
        }
        result.map_err(err)
    }

    /// Records one run and the failure it caused in one transaction: the failure's `run_id`
    /// becomes the run's id, and neither lands without the other. A run whose folder is
    /// stored already is not stored again (`store_run_once`).
    pub(crate) fn record_run(
        &mut self,
        run: &mut RunRecord,
        failure: Option<&mut FailureRecord>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let result = self.conn.transaction().and_then(|tx| {
            store_run_once(&tx, run, failure)?;
            tx.commit()
        });
        if result.is_err() {
            run.id = 0;
        }
        result.map_err(|e| super::sqlite_error(&path, e))
    }

    /// `record_run` for each of `runs`, in one transaction; returns how many landed (a run
    /// whose folder is stored already, by another process collecting the same runs, does
    /// not). All or nothing.
    pub fn record_runs_once(
        &mut self,
        runs: &mut [(RunRecord, Option<FailureRecord>)],
    ) -> Result<usize, StoreError> {
        if runs.is_empty() {
            return Ok(0);
        }
        let path = self.path.clone();
        let mut stored = 0;
        let result = self.conn.transaction().and_then(|tx| {
            for (run, failure) in runs.iter_mut() {
                if store_run_once(&tx, run, failure.as_mut())? != Stored::Already {
                    stored += 1;
                }
            }
            tx.commit()
        });
        if result.is_err() {
            runs.iter_mut().for_each(|(run, _)| run.id = 0);
        }
        result
            .map(|()| stored)
            .map_err(|e| super::sqlite_error(&path, e))
    }

    /// The newest `limit` runs, of one tool when `tool` is given.
    pub fn list_runs(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.select_runs(tool, None, limit)
    }

    /// The newest `limit` runs of one version of a tool.
    pub(crate) fn list_runs_of_version(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.select_runs(Some(tool), Some(version), limit)
    }

    /// The newest `limit` runs of version `version` of `tool` outside validation (whose test
    /// cases, generated and replayed inputs come a hundred at a time): how that version did
    /// when it was run, a candidate's trials included.
    pub(crate) fn runs_of_version_in_use(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE tool = ?2 AND version = ?3
                AND origin <> 'validation'
             ORDER BY started_at DESC, id DESC LIMIT ?1"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![limit, tool, version], run_from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The real inputs of `tool`'s lineage, for validation to replay into a candidate of
    /// `version`: what people and agents gave the versions of that name that were active
    /// (core or approved) when they ran, earlier than `version`, each once at its newest use,
    /// newest first, at most `limit`. Never a candidate's own runs, never validation's; an
    /// input over `MAX_REPLAYED_INPUT` bytes is left out.
    pub(crate) fn lineage_inputs(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let Ok(candidate) = semver::Version::parse(version) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT version FROM runs
                 WHERE tool = ?1 AND tier IN ('core', 'approved')",
            )
            .map_err(|e| self.error(e))?;
        let versions: Vec<String> = stmt
            .query_map([tool], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))?;
        let earlier: Vec<String> = versions
            .into_iter()
            .filter(|v| semver::Version::parse(v).is_ok_and(|v| v < candidate))
            .collect();
        let earlier = serde_json::to_string(&earlier).unwrap_or_default();
        let sql = concat!(
            "SELECT input FROM runs WHERE tool = ?1 AND ",
            in_use!(),
            " AND version IN (SELECT value FROM json_each(?2))
             AND length(CAST(input AS BLOB)) <= ?4
             GROUP BY input ORDER BY MAX(started_at) DESC LIMIT ?3"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        stmt.query_map(params![tool, earlier, limit, MAX_REPLAYED_INPUT], |row| {
            row.get::<_, String>(0)
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.error(e))
    }

    /// The inputs people and agents gave `tool`, each once at its newest use, newest first,
    /// at most `limit`, none over `max_bytes`: the launch dialog's history. Validation's
    /// generated inputs and empty ones are left out.
    pub(crate) fn recent_inputs(
        &self,
        tool: &str,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT input FROM runs
             WHERE tool = ?1 AND origin <> 'validation' AND input <> ''
             AND length(CAST(input AS BLOB)) <= ?3
             GROUP BY input ORDER BY MAX(started_at) DESC LIMIT ?2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let max_bytes = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        stmt.query_map(params![tool, limit, max_bytes], |row| {
            row.get::<_, String>(0)
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.error(e))
    }

    /// The run whose folder is `log_dir`, once it is recorded.
    pub(crate) fn run_by_log_dir(&self, log_dir: &str) -> Result<Option<RunRecord>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE log_dir = ?1 LIMIT 1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query_map([log_dir], run_from_row)
            .map_err(|e| self.error(e))?;
        rows.next().transpose().map_err(|e| self.error(e))
    }

    pub(crate) fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query_map([id], run_from_row)
            .map_err(|e| self.error(e))?;
        rows.next().transpose().map_err(|e| self.error(e))
    }

    /// The newest run started from `origin` (the workbench's, for its `.` after a restart).
    pub(crate) fn newest_run_from(
        &self,
        origin: crate::model::RunOrigin,
    ) -> Result<Option<RunRecord>, StoreError> {
        // Newest by id: the scan walks back from the end and stops at the first match.
        let sql =
            format!("SELECT {RUN_COLUMNS} FROM runs WHERE origin = ?1 ORDER BY id DESC LIMIT 1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query_map([origin.as_str()], run_from_row)
            .map_err(|e| self.error(e))?;
        rows.next().transpose().map_err(|e| self.error(e))
    }

    /// The newest run of `tool` (of `version`, when given) that the MCP client `client`
    /// started at `since` or later.
    pub(crate) fn newest_run_by_client(
        &self,
        tool: &str,
        version: Option<&str>,
        client: &str,
        since: &str,
    ) -> Result<Option<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE tool = ?1 AND started_at >= ?2
             AND origin = 'mcp' AND client = ?3 AND (?4 IS NULL OR version = ?4)
             ORDER BY started_at DESC, id DESC LIMIT 1"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query_map(params![tool, since, client, version], run_from_row)
            .map_err(|e| self.error(e))?;
        rows.next().transpose().map_err(|e| self.error(e))
    }

    fn select_runs(
        &self,
        tool: Option<&str>,
        version: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        // Fixed SQL per filter shape, so the (tool, started_at) index serves the common case.
        let filter = match (tool, version) {
            (None, _) => "",
            (Some(_), None) => "WHERE tool = ?2",
            (Some(_), Some(_)) => "WHERE tool = ?2 AND version = ?3",
        };
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs {filter} ORDER BY started_at DESC, id DESC LIMIT ?1"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = match (tool, version) {
            (None, _) => stmt.query_map(params![limit], run_from_row),
            (Some(tool), None) => stmt.query_map(params![limit, tool], run_from_row),
            (Some(tool), Some(version)) => {
                stmt.query_map(params![limit, tool, version], run_from_row)
            }
        }
        .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// What `store_run_once` did with a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stored {
    /// A new row.
    New,
    /// The folder's row said `abandoned`; the run's own end took its place, same id.
    EndOverAbandoned,
    /// The folder's run is stored already: nothing written; the record takes its id.
    Already,
}

/// Stores a run and the failure it caused once per run folder (the `runs_one_per_folder`
/// index holds it), inside the caller's transaction, and sets the run's `id` (and the
/// failure's `run_id`). The end a run's starter wrote wins over `abandoned`, which a collector
/// stores only when it found no end: a later end takes that row's place. Anything else met
/// in the folder's row stays, and the failure is then not stored again.
pub(super) fn store_run_once(
    conn: &Connection,
    run: &mut RunRecord,
    failure: Option<&mut FailureRecord>,
) -> rusqlite::Result<Stored> {
    let stored = match insert_run(conn, run)? {
        Some(id) => {
            run.id = id;
            Stored::New
        }
        None => {
            let (id, status): (i64, String) = conn
                .prepare_cached("SELECT id, status FROM runs WHERE log_dir = ?1")?
                .query_row([&run.log_dir], |row| Ok((row.get(0)?, row.get(1)?)))?;
            run.id = id;
            let abandoned = RunStatus::Abandoned.as_str();
            if status == abandoned && run.status != RunStatus::Abandoned {
                update_run(conn, run)?;
                Stored::EndOverAbandoned
            } else {
                Stored::Already
            }
        }
    };
    if let Some(failure) = failure {
        failure.run_id = Some(run.id);
        if stored != Stored::Already {
            super::failures::insert_failure(conn, failure)?;
        }
    }
    Ok(stored)
}

/// Executes `stmt` with the columns of a run's record as ?1 to ?17, in `insert_run`'s order.
fn execute_with(stmt: &mut rusqlite::Statement<'_>, run: &RunRecord) -> rusqlite::Result<usize> {
    stmt.execute(params![
        run.tool,
        run.version,
        run.tier.as_str(),
        run.input,
        run.started_at,
        run.duration_ms,
        run.exit_code,
        run.signal,
        run.peak_memory_kb,
        run.bytes_out,
        run.status.as_str(),
        run.origin.as_str(),
        run.log_dir,
        run.sandbox,
        run.error,
        run.client,
        run.project,
    ])
}

/// A new row for `run`, with its id; `None` when its folder has a row already.
fn insert_run(conn: &Connection, run: &RunRecord) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO runs (tool, version, tier, input, started_at, duration_ms, exit_code, signal,
         peak_memory_kb, bytes_out, status, origin, log_dir, sandbox, error, client, project)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (log_dir) DO NOTHING",
    )?;
    let inserted = execute_with(&mut stmt, run)?;
    Ok((inserted == 1).then(|| conn.last_insert_rowid()))
}

/// Writes `run` over the row of its folder.
fn update_run(conn: &Connection, run: &RunRecord) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE runs SET tool = ?1, version = ?2, tier = ?3, input = ?4, started_at = ?5,
         duration_ms = ?6, exit_code = ?7, signal = ?8, peak_memory_kb = ?9, bytes_out = ?10,
         status = ?11, origin = ?12, log_dir = ?13, sandbox = ?14, error = ?15, client = ?16,
         project = ?17 WHERE log_dir = ?13",
    )?;
    execute_with(&mut stmt, run)?;
    Ok(())
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: row.get(0)?,
        tool: row.get(1)?,
        version: row.get(2)?,
        tier: parse_column(row, 3)?,
        input: row.get(4)?,
        started_at: row.get(5)?,
        duration_ms: row.get(6)?,
        exit_code: row.get(7)?,
        signal: row.get(8)?,
        peak_memory_kb: row.get(9)?,
        bytes_out: row.get(10)?,
        status: parse_column(row, 11)?,
        origin: parse_column(row, 12)?,
        client: row.get(16)?,
        project: row.get(17)?,
        log_dir: row.get(13)?,
        sandbox: row.get(14)?,
        error: row.get(15)?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{RunOrigin, RunStatus, Tier};

    /// A plain successful run of `tool` started at `started_at`, in a folder of its own, as
    /// every run has.
    pub(crate) fn sample_run(tool: &str, started_at: &str) -> RunRecord {
        static FOLDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let folder = FOLDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RunRecord {
            id: 0,
            tool: tool.into(),
            version: "1.0.0".into(),
            tier: Tier::Approved,
            input: "{}".into(),
            started_at: started_at.into(),
            duration_ms: 120,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: Some(2048),
            bytes_out: 3,
            status: RunStatus::Ok,
            origin: RunOrigin::Cli,
            client: None,
            project: None,
            log_dir: Some(format!(".toolbench/runs/{folder}")),
            sandbox: "rlimits".into(),
            error: None,
        }
    }

    #[test]
    fn the_newest_run_by_a_client_is_its_own_over_mcp_of_that_tool_and_recent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let run = |at: &str, client: Option<&str>, version: &str| RunRecord {
            origin: if client.is_some() {
                RunOrigin::Mcp
            } else {
                RunOrigin::Cli
            },
            client: client.map(str::to_string),
            version: version.into(),
            ..sample_run("a", at)
        };
        let mut runs = [
            run("2026-11-21T09:00:00.000Z", Some("agent"), "1.0.0"),
            run("2026-11-21T10:00:00.000Z", Some("agent"), "1.0.0"),
            run("2026-11-21T10:00:01.000Z", Some("agent"), "2.0.0"),
            run("2026-11-21T11:00:00.000Z", Some("other"), "1.0.0"),
            run("2026-11-21T12:00:00.000Z", None, "1.0.0"),
        ];
        store.insert_runs(&mut runs).expect("runs");
        let newest = |version, since| {
            store
                .newest_run_by_client("a", version, "agent", since)
                .expect("read")
                .map(|r| r.id)
        };
        assert_eq!(newest(None, "2026-11-21T00:00:00Z"), Some(runs[2].id));
        assert_eq!(
            newest(Some("1.0.0"), "2026-11-21T00:00:00Z"),
            Some(runs[1].id)
        );
        assert_eq!(newest(Some("1.0.0"), "2026-11-21T10:00:00.001Z"), None);
        assert_eq!(
            store
                .newest_run_by_client("b", None, "agent", "2026-11-21T00:00:00Z")
                .expect("read"),
            None
        );
    }

    #[test]
    fn the_newest_run_from_the_workbench_is_its_own_not_an_agents_or_validations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        assert_eq!(store.newest_run_from(RunOrigin::Tui).expect("read"), None);
        let run = |tool: &str, at: &str, origin: RunOrigin| RunRecord {
            origin,
            ..sample_run(tool, at)
        };
        let mut runs = vec![
            run("older", "2026-01-01T10:00:00.000Z", RunOrigin::Tui),
            run("newest", "2026-01-01T11:00:00.000Z", RunOrigin::Tui),
            run("agent", "2026-01-01T12:00:00.000Z", RunOrigin::Mcp),
            run("checked", "2026-01-01T13:00:00.000Z", RunOrigin::Validation),
        ];
        store.insert_runs(&mut runs).expect("insert");
        let newest = store.newest_run_from(RunOrigin::Tui).expect("read");
        assert_eq!(newest.map(|r| r.tool), Some("newest".to_string()));
    }

    #[test]
    fn recent_inputs_are_each_once_newest_first_bounded_and_never_validations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let run = |at: &str, input: &str, origin: RunOrigin| RunRecord {
            input: input.into(),
            origin,
            ..sample_run("a", at)
        };
        let mut runs = [
            run("2026-11-21T09:00:00.000Z", r#"{"n":1}"#, RunOrigin::Tui),
            run("2026-11-21T10:00:00.000Z", r#"{"n":2}"#, RunOrigin::Mcp),
            run("2026-11-21T11:00:00.000Z", r#"{"n":1}"#, RunOrigin::Cli),
            run(
                "2026-11-21T12:00:00.000Z",
                r#"{"gen":1}"#,
                RunOrigin::Validation,
            ),
            run("2026-11-21T13:00:00.000Z", "", RunOrigin::Tui),
            run("2026-11-21T14:00:00.000Z", &"x".repeat(100), RunOrigin::Tui),
            RunRecord {
                input: r#"{"other":1}"#.into(),
                ..sample_run("b", "2026-11-21T15:00:00.000Z")
            },
        ];
        store.insert_runs(&mut runs).expect("runs");
        let inputs = store.recent_inputs("a", 10, 50).expect("read");
        assert_eq!(inputs, [r#"{"n":1}"#, r#"{"n":2}"#]);
        assert_eq!(
            store.recent_inputs("a", 1, 50).expect("read"),
            [r#"{"n":1}"#]
        );
    }

    #[test]
    fn a_run_whose_folder_is_stored_already_is_not_stored_twice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = sample_run("a", "2026-11-21T10:00:00.000Z");
        let mut batch = vec![(first.clone(), None)];
        assert_eq!(store.record_runs_once(&mut batch).expect("stored"), 1);
        let other = RunRecord {
            log_dir: Some(".toolbench/runs/another".into()),
            ..first.clone()
        };
        let mut again = vec![(first, None), (other, None)];
        assert_eq!(store.record_runs_once(&mut again).expect("stored"), 1);
        assert_eq!(store.list_runs(None, 10).expect("runs").len(), 2);
    }

    /// A failed run and its automatic failure, as the runner and `automatic_failure` make
    /// them.
    fn failed_run() -> (RunRecord, FailureRecord) {
        let run = RunRecord {
            status: RunStatus::Failed,
            exit_code: Some(1),
            error: Some("exit 1".into()),
            ..sample_run("a", "2026-11-21T10:00:00.000Z")
        };
        let failure = crate::runner::record::automatic_failure(&run).expect("a failure");
        (run, failure)
    }

    fn failures_of(store: &Store, run: i64) -> usize {
        store
            .list_failures(None, 100)
            .expect("failures")
            .iter()
            .filter(|f| f.run_id == Some(run))
            .count()
    }

    #[test]
    fn a_run_stored_again_by_any_path_keeps_one_row_and_one_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let (run, failure) = failed_run();
        let (mut first, mut first_failure) = (run.clone(), failure.clone());
        store
            .record_run(&mut first, Some(&mut first_failure))
            .expect("stored");
        // The starter's fallback, a collector's batch and a plain insert meet the same folder.
        let (mut again, mut again_failure) = (run.clone(), failure.clone());
        store
            .record_run(&mut again, Some(&mut again_failure))
            .expect("answered");
        assert_eq!(again.id, first.id, "the stored run's id");
        let mut batch = [(run.clone(), Some(failure))];
        assert_eq!(store.record_runs_once(&mut batch).expect("answered"), 0);
        store.insert_runs(&mut [run]).expect("answered");
        assert_eq!(store.list_runs(None, 10).expect("runs").len(), 1);
        assert_eq!(failures_of(&store, first.id), 1, "its failure once");
    }

    #[test]
    fn the_starters_end_takes_the_place_of_abandoned_and_nothing_takes_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let (run, failure) = failed_run();
        let mut abandoned = RunRecord {
            status: RunStatus::Abandoned,
            exit_code: None,
            error: Some("abandoned".into()),
            ..run.clone()
        };
        store.record_run(&mut abandoned, None).expect("stored");
        let (mut ended, mut ended_failure) = (run, failure);
        store
            .record_run(&mut ended, Some(&mut ended_failure))
            .expect("stored");
        assert_eq!(ended.id, abandoned.id, "the same row");
        let stored = store.run(ended.id).expect("read").expect("there");
        assert_eq!(stored, ended, "the starter's end");
        assert_eq!(failures_of(&store, ended.id), 1);
        // A collector that found no end comes late: the end stays.
        abandoned.id = 0;
        store.record_run(&mut abandoned, None).expect("answered");
        assert_eq!(store.run(ended.id).expect("read"), Some(ended));
    }

    #[test]
    fn the_store_refuses_a_second_row_for_a_run_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [sample_run("a", "2026-11-21T10:00:00.000Z")])
            .expect("stored");
        let copy = store.conn.execute(
            "INSERT INTO runs (tool, version, tier, input, started_at, duration_ms, bytes_out,
             status, origin, log_dir, sandbox) SELECT tool, version, tier, input, started_at,
             duration_ms, bytes_out, status, origin, log_dir, sandbox FROM runs",
            [],
        );
        let err = copy.expect_err("a unique folder").to_string();
        assert!(
            err.contains("UNIQUE constraint failed: runs.log_dir"),
            "{err}"
        );
        let mut without_folder = [
            RunRecord {
                log_dir: None,
                ..sample_run("b", "2026-11-21T10:00:00.000Z")
            },
            RunRecord {
                log_dir: None,
                ..sample_run("b", "2026-11-21T10:00:00.000Z")
            },
        ];
        store.insert_runs(&mut without_folder).expect("stored");
        assert_ne!(without_folder[0].id, without_folder[1].id);
    }

    #[test]
    fn inserted_runs_get_ids_and_read_back_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs = vec![
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            RunRecord {
                status: RunStatus::Timeout,
                exit_code: None,
                signal: Some(9),
                peak_memory_kb: None,
                log_dir: None,
                error: Some("timed out after 30 s".into()),
                ..sample_run("b", "2026-11-21T10:00:01.000Z")
            },
        ];
        store.insert_runs(&mut runs).expect("insert");
        assert!(runs[0].id > 0 && runs[1].id > runs[0].id, "{runs:?}");
        let reopened = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.run(runs[1].id).expect("read"),
            Some(runs[1].clone())
        );
        assert_eq!(reopened.run(999).expect("read"), None);
    }

    #[test]
    fn list_runs_is_newest_first_filtered_and_limited() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs = vec![
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            sample_run("b", "2026-11-21T10:00:01.000Z"),
            RunRecord {
                version: "2.0.0".into(),
                ..sample_run("a", "2026-11-21T10:00:02.000Z")
            },
        ];
        store.insert_runs(&mut runs).expect("insert");
        let ids = |list: Vec<RunRecord>| list.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let all = store.list_runs(None, 50).expect("all");
        assert_eq!(ids(all), vec![runs[2].id, runs[1].id, runs[0].id]);
        let of_a = store.list_runs(Some("a"), 50).expect("a");
        assert_eq!(ids(of_a), vec![runs[2].id, runs[0].id]);
        let newest = store.list_runs(None, 1).expect("limited");
        assert_eq!(ids(newest), vec![runs[2].id]);
        let v1 = store.list_runs_of_version("a", "1.0.0", 50).expect("v1");
        assert_eq!(ids(v1), vec![runs[0].id]);
        assert!(store.list_runs(Some("zzz"), 50).expect("none").is_empty());
    }

    #[test]
    fn lineage_inputs_are_what_earlier_active_versions_were_given_newest_first_each_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let run = |at: &str, input: &str| RunRecord {
            input: input.into(),
            ..sample_run("a", at)
        };
        let mut runs = vec![
            run("2026-11-21T10:00:00.000Z", r#"{"n":1}"#),
            run("2026-11-21T10:00:01.000Z", r#"{"n":2}"#),
            run("2026-11-21T10:00:02.000Z", r#"{"n":1}"#),
            RunRecord {
                origin: RunOrigin::Validation,
                ..run("2026-11-21T10:00:03.000Z", r#"{"n":3}"#)
            },
            RunRecord {
                version: "2.0.0".into(),
                ..run("2026-11-21T10:00:04.000Z", r#"{"n":4}"#)
            },
            // A candidate run by hand: its inputs are no lineage's.
            RunRecord {
                tier: Tier::Experimental,
                ..run("2026-11-21T10:00:05.000Z", r#"{"n":5}"#)
            },
            RunRecord {
                input: format!("\"{}\"", "x".repeat(2 * 1024 * 1024)),
                ..run("2026-11-21T10:00:06.000Z", "")
            },
            RunRecord {
                tool: "b".into(),
                ..run("2026-11-21T10:00:07.000Z", r#"{"n":6}"#)
            },
        ];
        store.insert_runs(&mut runs).expect("insert");
        let inputs = store.lineage_inputs("a", "1.5.0", 50).expect("inputs");
        assert_eq!(inputs, [r#"{"n":1}"#, r#"{"n":2}"#]);
        let one = store.lineage_inputs("a", "1.5.0", 1).expect("one");
        assert_eq!(one, [r#"{"n":1}"#]);
        let later = store.lineage_inputs("a", "3.0.0", 50).expect("later");
        assert_eq!(later, [r#"{"n":4}"#, r#"{"n":1}"#, r#"{"n":2}"#]);
        let of_version = store
            .runs_of_version_in_use("a", "1.0.0", 50)
            .expect("runs");
        assert_eq!(
            of_version.len(),
            5,
            "the candidate's trial too: {of_version:?}"
        );
        assert!(of_version.iter().all(|r| r.origin != RunOrigin::Validation));
        assert!(of_version.iter().all(|r| r.version == "1.0.0"));
    }

    #[test]
    fn the_history_mark_moves_with_a_run_or_a_failure_but_not_with_validation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let (recorded, first) = store.history_since(None).expect("first look");
        assert!(
            !recorded,
            "the first look is where the front end starts from"
        );
        let mut validation = RunRecord {
            origin: RunOrigin::Validation,
            ..sample_run("a", "2026-11-21T10:00:00.000Z")
        };
        store
            .insert_runs(std::slice::from_mut(&mut validation))
            .expect("insert");
        let (recorded, after_validation) = store.history_since(Some(first)).expect("look");
        assert!(!recorded, "validation's runs are its report's");
        let (recorded, same) = store.history_since(Some(after_validation)).expect("look");
        assert!(!recorded);
        let mut cli = sample_run("a", "2026-11-21T10:00:01.000Z");
        store
            .insert_runs(std::slice::from_mut(&mut cli))
            .expect("insert");
        let (recorded, after_run) = store.history_since(Some(same)).expect("look");
        assert!(recorded, "a run another process made");
        store
            .insert_failures(&mut [crate::store::failures::tests::sample_failure(
                "a",
                "2026-11-21T10:00:02.000Z",
                crate::model::Severity::Low,
            )])
            .expect("failure");
        let (recorded, _) = store.history_since(Some(after_run)).expect("look");
        assert!(recorded, "a failure marked by hand");
    }

    #[test]
    fn a_failed_batch_records_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER no_bad BEFORE INSERT ON runs WHEN NEW.tool = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .expect("trigger");
        let mut runs = vec![
            sample_run("good", "2026-11-21T10:00:00.000Z"),
            sample_run("bad", "2026-11-21T10:00:01.000Z"),
        ];
        let err = store.insert_runs(&mut runs).expect_err("refused");
        assert!(err.to_string().contains("refused"), "{err}");
        assert!(runs.iter().all(|r| r.id == 0), "{runs:?}");
        assert!(store.list_runs(None, 50).expect("list").is_empty());
    }

    #[test]
    fn an_unknown_status_is_an_error_naming_the_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [sample_run("a", "2026-11-21T10:00:00.000Z")])
            .expect("insert");
        store
            .conn
            .execute("UPDATE runs SET status = 'exploded'", [])
            .expect("corrupt");
        let err = store
            .list_runs(None, 50)
            .expect_err("bad status")
            .to_string();
        assert!(
            err.contains("column status") && err.contains("exploded"),
            "{err}"
        );
    }
}
