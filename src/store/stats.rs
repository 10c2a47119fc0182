//! Per-tool statistics and quality, computed in two queries however many tools and runs
//! there are: one over runs (counts, median, newest run), one over failures (severities).
//! One tool's stats take the same numbers through its index. With a cutoff, the queries give
//! the stats as they stood at an earlier time, so a tool's quality over time comes from the
//! one rule in `quality`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::quality::score::{
    MAX_PENALTY, quality, severity_weight, sort_by_quality, trends,
};
use crate::model::quality::{DayQuality, DayRuns, ToolStats, WorkspaceStats};
use crate::model::{RunStatus, Severity, ToolEntry};

/// The most failures of one severity that can matter: this many low failures (the lightest)
/// already reach the penalty cap, so a tool with thousands of failures stays cheap to score.
const FAILURES_THAT_MATTER: u64 = 25;

/// The runs the statistics count: those in use (`runs::in_use`), and of those not the ones
/// whose input the tool refused (`bad_input`): the caller's mistake, neither success nor
/// failure of the tool.
macro_rules! counted {
    () => {
        concat!(crate::store::runs::in_use!(), " AND status != 'bad_input'")
    };
}

/// Every tool's runs in one pass: its count, ok count, the middle one or two durations
/// (median) and its newest run (`by_recency = 1`); only runs started before `?1` when it is
/// set.
const RUN_STATS_SQL: &str = concat!(
    "
    WITH ranked AS (
        SELECT tool, duration_ms, status, started_at,
            ROW_NUMBER() OVER (PARTITION BY tool ORDER BY duration_ms) AS by_duration,
            ROW_NUMBER() OVER (PARTITION BY tool ORDER BY started_at DESC, id DESC) AS by_recency,
            COUNT(*) OVER (PARTITION BY tool) AS n
        FROM runs WHERE (?1 IS NULL OR started_at < ?1) AND ",
    counted!(),
    "
    )
    SELECT tool,
        MAX(n),
        SUM(status = 'ok'),
        AVG(CASE WHEN by_duration IN ((n + 1) / 2, (n + 2) / 2) THEN duration_ms END),
        MAX(CASE WHEN by_recency = 1 THEN status END),
        MAX(CASE WHEN by_recency = 1 THEN started_at END)
    FROM ranked GROUP BY tool"
);

/// The same numbers for the one tool `?1`, through the `(tool, started_at)` index and without
/// window functions: a tool's quality day by day asks for them once per day, and two window
/// sorts over all its runs each time cost eight times as much. The newest run is the first
/// by `started_at DESC, id DESC`, as above.
const ONE_TOOL_TOTALS_SQL: &str = concat!(
    "
    SELECT COUNT(*), COALESCE(SUM(status = 'ok'), 0),
        (SELECT status FROM runs
            WHERE tool = ?1 AND (?2 IS NULL OR started_at < ?2) AND ",
    counted!(),
    "
            ORDER BY started_at DESC, id DESC LIMIT 1),
        MAX(started_at)
    FROM runs WHERE tool = ?1 AND (?2 IS NULL OR started_at < ?2) AND ",
    counted!()
);

/// The middle one (odd `?3`) or two (even `?3`) of the tool's `?3` durations: the same
/// positions as `(n + 1) / 2` and `(n + 2) / 2` above, their mean the median.
const ONE_TOOL_MEDIAN_SQL: &str = concat!(
    "
    SELECT AVG(duration_ms) FROM (
        SELECT duration_ms FROM runs
        WHERE tool = ?1 AND (?2 IS NULL OR started_at < ?2) AND ",
    counted!(),
    "
        ORDER BY duration_ms LIMIT 2 - ?3 % 2 OFFSET (?3 - 1) / 2
    )"
);

/// Failures per tool and severity, recorded before `?2` when set, but those of a candidate's
/// runs; like the runs, one tool's are counted through the `(tool, at)` index.
macro_rules! failure_counts_sql {
    ($tools:literal) => {
        concat!(
            "SELECT tool, severity, COUNT(*) FROM failures WHERE ",
            $tools,
            " AND (?2 IS NULL OR at < ?2)",
            // A candidate's failed trial is its own, as its runs are.
            " AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = failures.run_id",
            " AND runs.tier = 'experimental') GROUP BY tool, severity"
        )
    };
}

const FAILURE_COUNTS_SQL: &str = failure_counts_sql!("(?1 IS NULL OR tool = ?1)");
const ONE_TOOL_FAILURE_COUNTS_SQL: &str = failure_counts_sql!("tool = ?1");

/// The last `?2` days (UTC, as stored) on which tool `?1` ran, with the start of the next day:
/// the cutoff for the quality as it stood at the end of that day.
const DAYS_OF_ONE_TOOL_SQL: &str = concat!(
    "
    SELECT day, runs, ok, date(day, '+1 day') FROM (
        SELECT substr(started_at, 1, 10) AS day, COUNT(*) AS runs, SUM(status = 'ok') AS ok
        FROM runs WHERE tool = ?1 AND ",
    counted!(),
    "
        GROUP BY day ORDER BY day DESC LIMIT ?2
    ) ORDER BY day"
);

/// Runs of the whole workspace in use per day from `?1` to `?2` (inclusive, `YYYY-MM-DD`).
const RUNS_PER_DAY_SQL: &str = concat!(
    "
    SELECT substr(started_at, 1, 10) AS day, COUNT(*), SUM(status = 'ok')
    FROM runs WHERE started_at >= ?1 AND started_at < date(?2, '+1 day')
        AND ",
    counted!(),
    "
    GROUP BY day"
);

/// The mean of two middle durations can end in .5; round to whole ms.
fn round_median(median: f64) -> u64 {
    median.round() as u64
}

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
        let mut stats = self.collect_stats(None, None)?;
        sort_by_quality(&mut stats);
        Ok(stats)
    }

    /// `tool_stats` as they stood at `before` (RFC 3339, or a day `YYYY-MM-DD` for its start):
    /// only runs started and failures recorded earlier count.
    pub(crate) fn tool_stats_before(&self, before: &str) -> Result<Vec<ToolStats>, StoreError> {
        let mut stats = self.collect_stats(None, Some(before))?;
        sort_by_quality(&mut stats);
        Ok(stats)
    }

    /// Stats of one tool name (all its versions); `None` when it has no runs and no failures.
    pub(crate) fn stats_for(&self, name: &str) -> Result<Option<ToolStats>, StoreError> {
        Ok(self.collect_stats(Some(name), None)?.into_iter().next())
    }

    /// The last `days` days on which `name` ran, oldest first, each with the tool's quality at
    /// its end. One grouped query, then one indexed stats query per day: the cost follows
    /// `days` and the tool's own runs, never the whole store.
    pub fn quality_by_day(&self, name: &str, days: usize) -> Result<Vec<DayQuality>, StoreError> {
        let err = |e| self.error(e);
        let mut stmt = self
            .conn
            .prepare_cached(DAYS_OF_ONE_TOOL_SQL)
            .map_err(err)?;
        let mut rows = stmt.query(params![name, days as i64]).map_err(err)?;
        let mut found: Vec<(DayRuns, Option<String>)> = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            found.push((
                DayRuns {
                    day: row.get(0).map_err(err)?,
                    runs: row.get(1).map_err(err)?,
                    ok: row.get(2).map_err(err)?,
                },
                row.get(3).map_err(err)?,
            ));
        }
        found
            .into_iter()
            // A started_at that is not a date has no next day: that row cannot be placed.
            .filter_map(|(day, next)| next.map(|next| (day, next)))
            .map(|(day, next_day)| {
                let quality = self
                    .collect_stats(Some(name), Some(&next_day))?
                    .first()
                    .map_or_else(|| ToolStats::unused(name).quality, |s| s.quality);
                Ok(DayQuality { day, quality })
            })
            .collect()
    }

    /// The workspace's runs on each of `days` (`YYYY-MM-DD`, oldest first), zero for a day
    /// without runs: one query grouped by day.
    pub(crate) fn runs_per_day(&self, days: &[String]) -> Result<Vec<DayRuns>, StoreError> {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        let err = |e| self.error(e);
        let mut counted: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(RUNS_PER_DAY_SQL).map_err(err)?;
        let mut rows = stmt.query(params![first, last]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            counted.insert(
                row.get(0).map_err(err)?,
                (row.get(1).map_err(err)?, row.get(2).map_err(err)?),
            );
        }
        Ok(days
            .iter()
            .map(|day| {
                let (runs, ok) = counted.get(day).copied().unwrap_or_default();
                DayRuns {
                    day: day.clone(),
                    runs,
                    ok,
                }
            })
            .collect())
    }

    /// `WorkspaceStats` of the active tools in `catalog` at `now`: runs on each of the last
    /// `days` days, and every tool's quality now and `trend_over` earlier. Three queries over
    /// the runs, whatever their number.
    pub fn workspace_stats(
        &self,
        catalog: &[ToolEntry],
        now: SystemTime,
        days: usize,
        trend_over: Duration,
    ) -> Result<WorkspaceStats, StoreError> {
        let earlier = now
            .checked_sub(trend_over)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Ok(WorkspaceStats {
            days: self.runs_per_day(&crate::clock::last_days(now, days))?,
            ranking: trends(
                catalog,
                self.tool_stats()?,
                self.tool_stats_before(&crate::clock::rfc3339(earlier))?,
            ),
        })
    }

    fn every_tool_totals(
        &self,
        before: Option<&str>,
    ) -> Result<BTreeMap<String, RunTotals>, StoreError> {
        let err = |e| self.error(e);
        let mut totals = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(RUN_STATS_SQL).map_err(err)?;
        let mut rows = stmt.query(params![before]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let median: Option<f64> = row.get(3).map_err(err)?;
            let last_status: Option<String> = row.get(4).map_err(err)?;
            totals.insert(
                row.get(0).map_err(err)?,
                RunTotals {
                    runs: row.get(1).map_err(err)?,
                    ok: row.get(2).map_err(err)?,
                    median_ms: median.map(round_median),
                    last_status: last_status.and_then(|s| s.parse().ok()),
                    last_run_at: row.get(5).map_err(err)?,
                },
            );
        }
        Ok(totals)
    }

    /// `None` when the tool has no runs (before `before`).
    fn one_tool_totals(
        &self,
        name: &str,
        before: Option<&str>,
    ) -> Result<Option<RunTotals>, StoreError> {
        let err = |e| self.error(e);
        let mut stmt = self.conn.prepare_cached(ONE_TOOL_TOTALS_SQL).map_err(err)?;
        let (runs, ok, last_status, last_run_at): (u64, u64, Option<String>, Option<String>) = stmt
            .query_row(params![name, before], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .map_err(err)?;
        if runs == 0 {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(ONE_TOOL_MEDIAN_SQL).map_err(err)?;
        let median: Option<f64> = stmt
            .query_row(params![name, before, runs as i64], |row| row.get(0))
            .map_err(err)?;
        Ok(Some(RunTotals {
            runs,
            ok,
            median_ms: median.map(round_median),
            last_status: last_status.and_then(|s| s.parse().ok()),
            last_run_at,
        }))
    }

    fn collect_stats(
        &self,
        name: Option<&str>,
        before: Option<&str>,
    ) -> Result<Vec<ToolStats>, StoreError> {
        let err = |e| self.error(e);
        let (mut totals, failure_counts) = match name {
            Some(name) => (
                self.one_tool_totals(name, before)?
                    .map(|t| (name.to_string(), t))
                    .into_iter()
                    .collect(),
                ONE_TOOL_FAILURE_COUNTS_SQL,
            ),
            None => (self.every_tool_totals(before)?, FAILURE_COUNTS_SQL),
        };

        let mut failures: BTreeMap<String, Vec<Severity>> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(failure_counts).map_err(err)?;
        let mut rows = stmt.query(params![name, before]).map_err(err)?;
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
    use crate::model::{FailureRecord, RunRecord};
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

    /// A candidate's trials, and the failures recorded for them, are its own: the name's
    /// statistics (its active version's quality) stay as they were.
    #[test]
    fn a_candidates_trials_and_their_failures_leave_its_names_stats_as_they_were() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run("a", 1, 100, RunStatus::Ok),
                run("a", 2, 100, RunStatus::Ok),
            ])
            .expect("runs");
        let before = store.stats_for("a").expect("a").expect("has runs");
        let mut trials: Vec<RunRecord> = (3..6)
            .map(|second| RunRecord {
                version: "2.0.0".into(),
                tier: crate::model::Tier::Experimental,
                ..run("a", second, 900, RunStatus::Failed)
            })
            .collect();
        store.insert_runs(&mut trials).expect("trials");
        store
            .insert_failures(&mut [FailureRecord {
                run_id: Some(trials[0].id),
                ..sample_failure("a", "2026-11-21T10:00:07.000Z", Severity::Critical)
            }])
            .expect("failure");
        let after = store.stats_for("a").expect("a").expect("has runs");
        assert_eq!(after, before);
        assert_eq!((after.runs, after.ok), (2, 2));
        // A failure a person marks by hand, of no run, still counts.
        store
            .insert_failures(&mut [sample_failure(
                "a",
                "2026-11-21T10:00:08.000Z",
                Severity::Critical,
            )])
            .expect("failure");
        let marked = store.stats_for("a").expect("a").expect("has runs");
        assert!(marked.quality < before.quality);
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

    fn run_on(tool: &str, day: &str, ms: u64, status: RunStatus) -> RunRecord {
        RunRecord {
            duration_ms: ms,
            status,
            ..sample_run(tool, &format!("{day}T10:00:00.000Z"))
        }
    }

    #[test]
    fn runs_per_day_counts_every_asked_day_and_leaves_out_validation_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let validation = RunRecord {
            origin: crate::model::RunOrigin::Validation,
            ..run_on("a", "2026-11-20", 5, RunStatus::Failed)
        };
        store
            .insert_runs(&mut [
                run_on("a", "2026-11-19", 5, RunStatus::Ok),
                run_on("a", "2026-11-20", 5, RunStatus::Ok),
                run_on("b", "2026-11-20", 5, RunStatus::Timeout),
                run_on("b", "2026-11-22", 5, RunStatus::Ok),
                run_on("b", "2026-11-23", 5, RunStatus::Ok),
                validation,
            ])
            .expect("insert");
        let days: Vec<String> = ["2026-11-20", "2026-11-21", "2026-11-22"]
            .map(String::from)
            .into();
        let counted = store.runs_per_day(&days).expect("per day");
        let rows: Vec<(&str, u64, u64)> = counted
            .iter()
            .map(|d| (d.day.as_str(), d.runs, d.ok))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-11-20", 2, 1),
                ("2026-11-21", 0, 0),
                ("2026-11-22", 1, 1)
            ]
        );
        assert!(store.runs_per_day(&[]).expect("none").is_empty());
    }

    #[test]
    fn stats_before_a_time_count_only_earlier_runs_and_failures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run_on("a", "2026-11-01", 100, RunStatus::Ok),
                run_on("a", "2026-11-02", 300, RunStatus::Failed),
                run_on("b", "2026-11-03", 50, RunStatus::Ok),
            ])
            .expect("runs");
        store
            .insert_failures(&mut [sample_failure(
                "a",
                "2026-11-02T10:00:00.000Z",
                Severity::High,
            )])
            .expect("failures");
        let before = store.tool_stats_before("2026-11-02").expect("before");
        assert_eq!(before.len(), 1);
        assert_eq!((before[0].name.as_str(), before[0].runs), ("a", 1));
        assert_eq!(before[0].quality, quality(1, 1, Some(100), &[]));
        let now = store.tool_stats_before("2026-11-04").expect("all");
        assert_eq!(now, store.tool_stats().expect("stats"));
    }

    #[test]
    fn quality_by_day_is_the_quality_at_the_end_of_each_day_the_tool_ran() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run_on("a", "2026-11-01", 100, RunStatus::Ok),
                run_on("a", "2026-11-01", 200, RunStatus::Ok),
                run_on("a", "2026-11-03", 400, RunStatus::Failed),
                run_on("a", "2026-11-05", 100, RunStatus::Ok),
                run_on("other", "2026-11-04", 1, RunStatus::Ok),
            ])
            .expect("runs");
        store
            .insert_failures(&mut [sample_failure(
                "a",
                "2026-11-03T10:00:01.000Z",
                Severity::Critical,
            )])
            .expect("failures");
        let days = store.quality_by_day("a", 30).expect("days");
        let rows: Vec<(&str, u64, u64)> = days
            .iter()
            .map(|d| (d.day.day.as_str(), d.day.runs, d.day.ok))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-11-01", 2, 2),
                ("2026-11-03", 1, 0),
                ("2026-11-05", 1, 1)
            ]
        );
        assert_eq!(days[0].quality, quality(2, 2, Some(150), &[]));
        assert_eq!(
            days[1].quality,
            quality(3, 2, Some(200), &[Severity::Critical])
        );
        let now = store.stats_for("a").expect("a").expect("ran");
        assert_eq!(days[2].quality, now.quality);
        // Only the newest days are kept, still oldest first.
        let last_two = store.quality_by_day("a", 2).expect("two");
        assert_eq!(last_two, days[1..]);
        assert!(store.quality_by_day("never", 30).expect("none").is_empty());
    }

    #[test]
    fn ten_thousand_runs_of_one_tool_keep_its_detail_data_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let start = crate::clock::parse_rfc3339("2026-08-01T00:00:00.000Z").expect("valid");
        // 10,000 runs over 100 days, plus another tool's that must not be read.
        let mut runs: Vec<RunRecord> = (0..12_000u64)
            .map(|i| {
                let at = start + std::time::Duration::from_secs(i * 864);
                let status = if i % 7 == 0 {
                    RunStatus::Failed
                } else {
                    RunStatus::Ok
                };
                RunRecord {
                    duration_ms: i % 900,
                    status,
                    ..sample_run(
                        if i < 10_000 { "busy" } else { "other" },
                        &crate::clock::rfc3339(at),
                    )
                }
            })
            .collect();
        store.insert_runs(&mut runs).expect("insert");
        let started = std::time::Instant::now();
        let days = store.quality_by_day("busy", 30).expect("days");
        let recent = store.list_runs(Some("busy"), 50).expect("runs");
        let took = started.elapsed();
        assert_eq!((days.len(), recent.len()), (30, 50));
        let now = store.stats_for("busy").expect("busy").expect("ran");
        assert_eq!(days.last().map(|d| d.quality), Some(now.quality));
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn workspace_stats_count_the_last_days_and_rank_tools_with_their_weekly_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        store
            .insert_runs(&mut [
                run_on("steady", "2026-11-10", 100, RunStatus::Ok),
                run_on("steady", "2026-11-20", 100, RunStatus::Ok),
                run_on("slipping", "2026-11-10", 100, RunStatus::Ok),
                run_on("slipping", "2026-11-21", 100, RunStatus::Failed),
                run_on("slipping", "2026-11-21", 100, RunStatus::Failed),
            ])
            .expect("runs");
        let catalog = [
            crate::model::ToolEntry::fixture(crate::model::Tier::Core, "steady"),
            crate::model::ToolEntry::fixture(crate::model::Tier::Approved, "slipping"),
            crate::model::ToolEntry::fixture(crate::model::Tier::Approved, "unused"),
            crate::model::ToolEntry::fixture(crate::model::Tier::Experimental, "candidate"),
        ];
        let now = crate::clock::parse_rfc3339("2026-11-21T12:00:00.000Z").expect("valid");
        let week = Duration::from_secs(7 * 24 * 60 * 60);
        let stats = store
            .workspace_stats(&catalog, now, 3, week)
            .expect("stats");
        let days: Vec<(&str, u64, u64)> = stats
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.runs, d.ok))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-19", 0, 0),
                ("2026-11-20", 1, 1),
                ("2026-11-21", 2, 0)
            ]
        );
        let ranked: Vec<&str> = stats
            .ranking
            .iter()
            .map(|t| t.stats.name.as_str())
            .collect();
        let listed = crate::model::quality::score::stats_for_active_tools(
            &catalog,
            store.tool_stats().expect("now"),
        );
        let by_stats: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(ranked, by_stats);
        assert!(
            !ranked.contains(&"candidate"),
            "a candidate is not ranked: {ranked:?}"
        );
        let change = |name: &str| {
            stats
                .ranking
                .iter()
                .find(|t| t.stats.name == name)
                .map(|t| t.change())
                .expect("ranked")
        };
        // A week ago each had its one run of 11-10; since then one more ok, two failures.
        assert!(change("steady") > 0.0);
        assert!(change("slipping") < 0.0);
        assert_eq!(change("unused"), 0.0);
    }

    #[test]
    fn one_tools_stats_are_its_row_of_every_tools_stats_at_any_cutoff() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        // Odd and even counts, equal durations, and runs that start at the same instant.
        let mut runs: Vec<RunRecord> = (0..41u32)
            .map(|i| {
                let status = match i % 5 {
                    0 => RunStatus::Failed,
                    1 => RunStatus::Timeout,
                    _ => RunStatus::Ok,
                };
                RunRecord {
                    duration_ms: u64::from(i * 37 % 11) * 10,
                    status,
                    ..sample_run(
                        ["a", "b", "c"][i as usize % 3],
                        &format!("2026-11-{:02}T10:00:00.000Z", 1 + i / 4),
                    )
                }
            })
            .collect();
        store.insert_runs(&mut runs).expect("runs");
        store
            .insert_failures(&mut [sample_failure(
                "b",
                "2026-11-04T00:00:00.000Z",
                Severity::Medium,
            )])
            .expect("failures");
        for before in [
            None,
            Some("2026-11-01"),
            Some("2026-11-03"),
            Some("2026-11-07"),
        ] {
            let every = match before {
                Some(before) => store.tool_stats_before(before),
                None => store.tool_stats(),
            }
            .expect("every tool");
            for name in ["a", "b", "c"] {
                let one = store
                    .collect_stats(Some(name), before)
                    .expect("one tool")
                    .into_iter()
                    .next();
                let row = every.iter().find(|s| s.name == name).cloned();
                assert_eq!(one, row, "{name} before {before:?}");
            }
        }
    }
}
