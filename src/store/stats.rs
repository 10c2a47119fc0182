//! Per-tool statistics and quality, computed in two queries however many tools and runs
//! there are: one over runs (counts, median, newest run), one over failures (severities).

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::{RunStatus, Severity};
use crate::quality::{MAX_PENALTY, ToolStats, quality, severity_weight, sort_by_quality};

/// The most failures of one severity that can matter: this many low failures (the lightest)
/// already reach the penalty cap, so a tool with thousands of failures stays cheap to score.
const FAILURES_THAT_MATTER: u64 = 25;

/// Every tool's runs in one pass: its count, ok count, the middle one or two durations
/// (median) and its newest run (`by_recency = 1`). Validation runs are left out: their test
/// cases may fail on purpose (`expect_exit = 1`), which says nothing about the tool's use.
const RUN_STATS_SQL: &str = "
    WITH ranked AS (
        SELECT tool, duration_ms, status, started_at,
            ROW_NUMBER() OVER (PARTITION BY tool ORDER BY duration_ms) AS by_duration,
            ROW_NUMBER() OVER (PARTITION BY tool ORDER BY started_at DESC, id DESC) AS by_recency,
            COUNT(*) OVER (PARTITION BY tool) AS n
        FROM runs WHERE (?1 IS NULL OR tool = ?1) AND origin != 'validation'
    )
    SELECT tool,
        MAX(n),
        SUM(status = 'ok'),
        AVG(CASE WHEN by_duration IN ((n + 1) / 2, (n + 2) / 2) THEN duration_ms END),
        MAX(CASE WHEN by_recency = 1 THEN status END),
        MAX(CASE WHEN by_recency = 1 THEN started_at END)
    FROM ranked GROUP BY tool";

const FAILURE_COUNTS_SQL: &str = "
    SELECT tool, severity, COUNT(*) FROM failures WHERE ?1 IS NULL OR tool = ?1
    GROUP BY tool, severity";

struct RunTotals {
    runs: u64,
    ok: u64,
    median_ms: Option<u64>,
    last_status: Option<RunStatus>,
    last_run_at: Option<String>,
}

impl Store {
    /// Stats of every tool name that has runs or failures, best quality first (then by name).
    pub fn tool_stats(&self) -> Result<Vec<ToolStats>, StoreError> {
        let mut stats = self.collect_stats(None)?;
        sort_by_quality(&mut stats);
        Ok(stats)
    }

    /// Stats of one tool name (all its versions); `None` when it has no runs and no failures.
    pub fn stats_for(&self, name: &str) -> Result<Option<ToolStats>, StoreError> {
        Ok(self.collect_stats(Some(name))?.into_iter().next())
    }

    fn collect_stats(&self, name: Option<&str>) -> Result<Vec<ToolStats>, StoreError> {
        let err = |e| self.error(e);
        let mut totals: BTreeMap<String, RunTotals> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(RUN_STATS_SQL).map_err(err)?;
        let mut rows = stmt.query(params![name]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let median: Option<f64> = row.get(3).map_err(err)?;
            let last_status: Option<String> = row.get(4).map_err(err)?;
            totals.insert(
                row.get(0).map_err(err)?,
                RunTotals {
                    runs: row.get(1).map_err(err)?,
                    ok: row.get(2).map_err(err)?,
                    // The mean of two middle durations can end in .5; round to whole ms.
                    median_ms: median.map(|m| m.round() as u64),
                    last_status: last_status.and_then(|s| s.parse().ok()),
                    last_run_at: row.get(5).map_err(err)?,
                },
            );
        }

        let mut failures: BTreeMap<String, Vec<Severity>> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(FAILURE_COUNTS_SQL).map_err(err)?;
        let mut rows = stmt.query(params![name]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let tool: String = row.get(0).map_err(err)?;
            let severity: String = row.get(1).map_err(err)?;
            let count: u64 = row.get(2).map_err(err)?;
            // An unknown severity (a newer toolbench) counts as the heaviest: never hide it.
            let severity = severity.parse().unwrap_or(Severity::Critical);
            let kept = count.min(FAILURES_THAT_MATTER) as usize;
            failures
                .entry(tool)
                .or_default()
                .extend(std::iter::repeat_n(severity, kept));
        }
        debug_assert!(
            FAILURES_THAT_MATTER as f64 * severity_weight(Severity::Low) >= MAX_PENALTY,
            "capping the failure count must not change the penalty"
        );

        let mut names: Vec<String> = totals.keys().cloned().collect();
        names.extend(
            failures
                .keys()
                .filter(|n| !totals.contains_key(*n))
                .cloned(),
        );
        Ok(names
            .into_iter()
            .map(|name| {
                let severities = failures.get(&name).map(Vec::as_slice).unwrap_or_default();
                let run = totals.remove(&name).unwrap_or(RunTotals {
                    runs: 0,
                    ok: 0,
                    median_ms: None,
                    last_status: None,
                    last_run_at: None,
                });
                ToolStats {
                    success_rate: if run.runs == 0 {
                        0.0
                    } else {
                        run.ok as f64 / run.runs as f64
                    },
                    quality: quality(run.runs, run.ok, run.median_ms, severities),
                    name,
                    runs: run.runs,
                    ok: run.ok,
                    median_ms: run.median_ms,
                    last_status: run.last_status,
                    last_run_at: run.last_run_at,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunRecord;
    use crate::store::failures::tests::sample_failure;
    use crate::store::runs::tests::sample_run;

    fn run(tool: &str, second: u32, ms: u64, status: RunStatus) -> RunRecord {
        RunRecord {
            duration_ms: ms,
            status,
            ..sample_run(tool, &format!("2026-11-21T10:00:{second:02}.000Z"))
        }
    }

    #[test]
    fn stats_count_runs_take_the_median_and_the_newest_status() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run("a", 1, 100, RunStatus::Ok),
                run("a", 2, 400, RunStatus::Ok),
                run("a", 3, 200, RunStatus::Ok),
                run("a", 4, 300, RunStatus::Failed),
                run("b", 1, 50, RunStatus::Ok),
                run("b", 3, 10, RunStatus::Timeout),
                run("b", 2, 90, RunStatus::Ok),
            ])
            .expect("insert");
        let a = store.stats_for("a").expect("a").expect("has runs");
        assert_eq!((a.runs, a.ok, a.median_ms), (4, 3, Some(250)));
        assert_eq!(a.success_rate, 0.75);
        assert_eq!(a.last_status, Some(RunStatus::Failed));
        assert_eq!(a.last_run_at.as_deref(), Some("2026-11-21T10:00:04.000Z"));
        assert_eq!(a.quality, quality(4, 3, Some(250), &[]));
        let b = store.stats_for("b").expect("b").expect("has runs");
        assert_eq!((b.runs, b.ok, b.median_ms), (3, 2, Some(50)));
        assert_eq!(b.last_status, Some(RunStatus::Timeout));
        assert_eq!(store.stats_for("c").expect("c"), None);
    }

    #[test]
    fn failures_lower_quality_and_tools_with_only_failures_are_listed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run("a", 1, 100, RunStatus::Ok),
                run("b", 1, 100, RunStatus::Ok),
            ])
            .expect("runs");
        store
            .insert_failures(&mut [
                sample_failure("a", "2026-11-21T10:00:05.000Z", Severity::Critical),
                sample_failure("only", "2026-11-21T10:00:06.000Z", Severity::Low),
            ])
            .expect("failures");
        let stats = store.tool_stats().expect("stats");
        let names: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["b", "a", "only"]);
        assert!((stats[0].quality - stats[1].quality - 0.2).abs() < 1e-9);
        assert_eq!(stats[2].runs, 0);
        assert_eq!(stats[2].median_ms, None);
        assert!((stats[2].quality - (0.40 - 0.02)).abs() < 1e-9);
    }

    #[test]
    fn thousands_of_failures_still_cap_the_penalty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs: Vec<_> = (0..100)
            .map(|i| run("a", i % 60, 0, RunStatus::Ok))
            .collect();
        store.insert_runs(&mut runs).expect("runs");
        let mut failures: Vec<_> = (0..1000)
            .map(|_| sample_failure("a", "2026-11-21T10:00:00.000Z", Severity::Low))
            .collect();
        store.insert_failures(&mut failures).expect("failures");
        let a = store.stats_for("a").expect("a").expect("some");
        let clean = quality(100, 100, Some(0), &[]);
        assert!(
            (clean - a.quality - MAX_PENALTY).abs() < 1e-9,
            "{clean} {}",
            a.quality
        );
    }

    #[test]
    fn stats_over_ten_thousand_runs_are_fast() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut runs: Vec<_> = (0..10_000u32)
            .map(|i| {
                let status = if i % 10 == 0 {
                    RunStatus::Failed
                } else {
                    RunStatus::Ok
                };
                run(
                    &format!("tool{}", i % 200),
                    i % 60,
                    u64::from(i % 1000),
                    status,
                )
            })
            .collect();
        store.insert_runs(&mut runs).expect("insert");
        let started = std::time::Instant::now();
        let stats = store.tool_stats().expect("stats");
        let took = started.elapsed();
        assert_eq!(stats.len(), 200);
        assert_eq!(stats.iter().map(|s| s.runs).sum::<u64>(), 10_000);
        assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    }
}
