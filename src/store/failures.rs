//! Recorded failures (DESIGN §3): automatic for failed runs, or marked by hand.

use rusqlite::{Connection, Row, params};

use super::column::parse_column;
use super::{Store, StoreError};
use crate::model::FailureRecord;

const FAILURE_COLUMNS: &str =
    "id, tool, version, severity, scenario, error, origin, at, run_id, tag";

impl Store {
    /// Records `failures` in one transaction and sets each record's `id`. All or nothing: a
    /// `run_id` that names no run fails the whole batch.
    pub fn insert_failures(&mut self, failures: &mut [FailureRecord]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let result = self.conn.transaction().and_then(|tx| {
            for failure in failures.iter_mut() {
                insert_failure(&tx, failure)?;
            }
            tx.commit()
        });
        if result.is_err() {
            failures.iter_mut().for_each(|f| f.id = 0);
        }
        result.map_err(|e| super::sqlite_error(&path, e))
    }

    /// Records `failure` of run `failure.run_id` unless that run already carries `max`
    /// failures; `false` when it does. The count and the insert are one write transaction,
    /// so of two processes reporting one run at once, one is told it was reported.
    pub(crate) fn insert_failure_within(
        &mut self,
        failure: &mut FailureRecord,
        max: usize,
    ) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let result = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .and_then(|tx| {
                let carried: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM failures WHERE run_id = ?1",
                    [failure.run_id],
                    |row| row.get(0),
                )?;
                if usize::try_from(carried).unwrap_or(usize::MAX) >= max {
                    return Ok(false);
                }
                insert_failure(&tx, failure)?;
                tx.commit().map(|()| true)
            });
        if !matches!(result, Ok(true)) {
            failure.id = 0;
        }
        result.map_err(|e| super::sqlite_error(&path, e))
    }

    /// The newest `limit` failures, of one tool when `tool` is given.
    pub(crate) fn list_failures(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.select_failures(tool, None, limit)
    }

    /// The newest `limit` failures of one version of a tool.
    pub(crate) fn list_failures_of_version(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.select_failures(Some(tool), Some(version), limit)
    }

    /// The failures recorded of runs `first..=last` (by run id), newest first.
    pub(crate) fn failures_of_runs(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        let sql = format!(
            "SELECT {FAILURE_COLUMNS} FROM failures WHERE run_id BETWEEN ?1 AND ?2
             ORDER BY at DESC, id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![first, last], failure_from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The distinct negative tags reported for `tool` (any version), sorted.
    pub fn negative_tags(&self, tool: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT tag FROM failures WHERE tool = ?1 AND tag IS NOT NULL ORDER BY tag",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([tool], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    fn select_failures(
        &self,
        tool: Option<&str>,
        version: Option<&str>,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        let filter = match (tool, version) {
            (None, _) => "",
            (Some(_), None) => "WHERE tool = ?2",
            (Some(_), Some(_)) => "WHERE tool = ?2 AND version = ?3",
        };
        let sql = format!(
            "SELECT {FAILURE_COLUMNS} FROM failures {filter} ORDER BY at DESC, id DESC LIMIT ?1"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = match (tool, version) {
            (None, _) => stmt.query_map(params![limit], failure_from_row),
            (Some(tool), None) => stmt.query_map(params![limit, tool], failure_from_row),
            (Some(tool), Some(version)) => {
                stmt.query_map(params![limit, tool, version], failure_from_row)
            }
        }
        .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// Inserts one failure inside the caller's transaction and sets its `id`.
pub(super) fn insert_failure(
    conn: &Connection,
    failure: &mut FailureRecord,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO failures (tool, version, severity, scenario, error, origin, at, run_id, tag)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        failure.tool,
        failure.version,
        failure.severity.as_str(),
        failure.scenario,
        failure.error,
        failure.origin.as_str(),
        failure.at,
        failure.run_id,
        failure.tag,
    ])?;
    failure.id = conn.last_insert_rowid();
    Ok(())
}

fn failure_from_row(row: &Row<'_>) -> rusqlite::Result<FailureRecord> {
    Ok(FailureRecord {
        id: row.get(0)?,
        tool: row.get(1)?,
        version: row.get(2)?,
        severity: parse_column(row, 3)?,
        scenario: row.get(4)?,
        error: row.get(5)?,
        origin: parse_column(row, 6)?,
        at: row.get(7)?,
        run_id: row.get(8)?,
        tag: row.get(9)?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{RunOrigin, Severity};
    use crate::store::runs::tests::sample_run;

    /// A hand-marked failure of `tool` at `at`.
    pub(crate) fn sample_failure(tool: &str, at: &str, severity: Severity) -> FailureRecord {
        FailureRecord {
            id: 0,
            tool: tool.into(),
            version: "1.0.0".into(),
            severity,
            scenario: "convert a file with a BOM".into(),
            error: "first key starts with \\ufeff".into(),
            origin: RunOrigin::Cli,
            at: at.into(),
            run_id: None,
            tag: None,
        }
    }

    #[test]
    fn failures_get_ids_link_to_runs_and_list_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs = [sample_run("a", "2026-11-21T10:00:00.000Z")];
        store.insert_runs(&mut runs).expect("run");
        let mut failures = vec![
            FailureRecord {
                run_id: Some(runs[0].id),
                ..sample_failure("a", "2026-11-21T10:00:00.500Z", Severity::High)
            },
            sample_failure("b", "2026-11-21T10:00:01.000Z", Severity::Low),
            FailureRecord {
                version: "2.0.0".into(),
                ..sample_failure("a", "2026-11-21T10:00:02.000Z", Severity::Critical)
            },
        ];
        store.insert_failures(&mut failures).expect("insert");
        assert!(failures.iter().all(|f| f.id > 0), "{failures:?}");
        let reopened = Store::open(dir.path()).expect("reopen");
        let all = reopened.list_failures(None, 50).expect("all");
        assert_eq!(
            all,
            vec![
                failures[2].clone(),
                failures[1].clone(),
                failures[0].clone()
            ]
        );
        let of_a = reopened.list_failures(Some("a"), 1).expect("a");
        assert_eq!(of_a, vec![failures[2].clone()]);
        let v1 = reopened
            .list_failures_of_version("a", "1.0.0", 50)
            .expect("v1");
        assert_eq!(v1, vec![failures[0].clone()]);
    }

    #[test]
    fn failures_of_a_range_of_runs_leave_out_other_runs_and_unlinked_failures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs = [
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            sample_run("a", "2026-11-21T10:00:01.000Z"),
            sample_run("a", "2026-11-21T10:00:02.000Z"),
        ];
        store.insert_runs(&mut runs).expect("runs");
        let of_run = |run: usize, at: &str| FailureRecord {
            run_id: Some(runs[run].id),
            ..sample_failure("a", at, Severity::High)
        };
        let mut failures = vec![
            of_run(0, "2026-11-21T10:00:00.500Z"),
            of_run(1, "2026-11-21T10:00:01.500Z"),
            sample_failure("a", "2026-11-21T10:00:01.700Z", Severity::Low),
            of_run(1, "2026-11-21T10:00:01.900Z"),
            of_run(2, "2026-11-21T10:00:02.500Z"),
        ];
        store.insert_failures(&mut failures).expect("insert");
        let listed = store
            .failures_of_runs(runs[1].id, runs[2].id)
            .expect("range");
        assert_eq!(
            listed,
            vec![
                failures[4].clone(),
                failures[3].clone(),
                failures[1].clone()
            ]
        );
    }

    #[test]
    fn a_failure_pointing_at_no_run_is_refused_and_nothing_lands() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut failures = vec![
            sample_failure("a", "2026-11-21T10:00:00.000Z", Severity::Low),
            FailureRecord {
                run_id: Some(42),
                ..sample_failure("a", "2026-11-21T10:00:01.000Z", Severity::Low)
            },
        ];
        let err = store
            .insert_failures(&mut failures)
            .expect_err("dangling run id");
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        assert!(failures.iter().all(|f| f.id == 0));
        assert!(store.list_failures(None, 50).expect("list").is_empty());
    }

    #[test]
    fn a_run_takes_failures_up_to_its_bound_and_no_more() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs = [sample_run("a", "2026-11-21T10:00:00.000Z")];
        store.insert_runs(&mut runs).expect("run");
        let of_run = || FailureRecord {
            run_id: Some(runs[0].id),
            ..sample_failure("a", "2026-11-21T10:00:01.000Z", Severity::Low)
        };
        let mut first = of_run();
        assert!(store.insert_failure_within(&mut first, 2).expect("first"));
        assert!(first.id > 0);
        let mut second = of_run();
        assert!(store.insert_failure_within(&mut second, 2).expect("second"));
        let mut third = of_run();
        assert!(!store.insert_failure_within(&mut third, 2).expect("third"));
        assert_eq!(third.id, 0);
        assert_eq!(store.list_failures(Some("a"), 10).expect("list").len(), 2);
    }

    #[test]
    fn negative_tags_are_distinct_sorted_and_per_tool() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let tagged = |tool: &str, tag: Option<&str>| FailureRecord {
            tag: tag.map(str::to_string),
            ..sample_failure(tool, "2026-11-21T10:00:00.000Z", Severity::Medium)
        };
        store
            .insert_failures(&mut [
                tagged("a", Some("not-for-json")),
                tagged("a", Some("slow-on-big-input")),
                tagged("a", Some("not-for-json")),
                tagged("a", None),
                tagged("b", Some("flaky")),
            ])
            .expect("insert");
        assert_eq!(
            store.negative_tags("a").expect("tags"),
            vec!["not-for-json".to_string(), "slow-on-big-input".to_string()]
        );
        assert!(store.negative_tags("c").expect("none").is_empty());
    }
}
