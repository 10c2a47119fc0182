//! Health rules over run history: tools that got worse, for a human to act on.
//!
//! - degraded: an active tool whose success rate over its recent runs (at least
//!   `MIN_RUNS`) is below one half;
//! - rollback proposed: an approved version that failed `FAILURES_IN_A_ROW` times in a row
//!   since it became active, while an earlier version is kept to roll back to.
//!
//! Nothing here decides: the alerts are shown at the top of the review queue.

use crate::model::{RunRecord, RunStatus, Tier, ToolEntry};
use crate::store::{DecisionAction, Store, StoreError};

use crate::model::health::{FAILURES_IN_A_ROW, HealthAlert};

/// Fewer runs than this say nothing about health.
pub(crate) const MIN_RUNS: usize = 5;
/// Recent runs the success rate is computed over.
pub(crate) const WINDOW: usize = 20;
/// The alerts for the active tools of `entries`, rollback proposals first.
pub(crate) fn alerts(store: &Store, entries: &[ToolEntry]) -> Result<Vec<HealthAlert>, StoreError> {
    let mut out = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| matches!(e.tier, Tier::Core | Tier::Approved) && e.error.is_none())
    {
        // This version's own runs: neither a candidate's trials nor an earlier version's
        // runs say how it does.
        let runs: Vec<RunRecord> = store
            .runs_of_version_in_use(&entry.name, &entry.version, WINDOW * 2)?
            .into_iter()
            .filter(|r| r.tier.is_active())
            // Neither a person's cancel, a tool taken away nor input the tool refused says
            // anything about how the tool does.
            .filter(|r| {
                !matches!(
                    r.status,
                    RunStatus::Cancelled | RunStatus::Unavailable | RunStatus::BadInput
                )
            })
            .take(WINDOW)
            .collect();
        if let Some(alert) = rollback_proposal(store, entry, &runs)? {
            out.insert(0, alert);
        } else if let Some(alert) = degraded(entry, &runs) {
            out.push(alert);
        }
    }
    Ok(out)
}

fn degraded(entry: &ToolEntry, runs: &[RunRecord]) -> Option<HealthAlert> {
    if runs.len() < MIN_RUNS {
        return None;
    }
    let ok = runs.iter().filter(|r| r.status == RunStatus::Ok).count();
    let success_rate = ok as f64 / runs.len() as f64;
    (success_rate < 0.5).then(|| HealthAlert::Degraded {
        name: entry.name.clone(),
        version: entry.version.clone(),
        success_rate,
        runs: runs.len(),
    })
}

/// `runs` are newest first.
fn rollback_proposal(
    store: &Store,
    entry: &ToolEntry,
    runs: &[RunRecord],
) -> Result<Option<HealthAlert>, StoreError> {
    let of_version: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| r.version == entry.version)
        .take(FAILURES_IN_A_ROW)
        .collect();
    if of_version.len() < FAILURES_IN_A_ROW || of_version.iter().any(|r| r.status == RunStatus::Ok)
    {
        return Ok(None);
    }
    let approved = store.decisions_of(&entry.name)?.into_iter().find(|d| {
        d.action == DecisionAction::Approve
            && d.to_version.as_deref() == Some(entry.version.as_str())
    });
    let Some(approval) = approved else {
        return Ok(None);
    };
    // Only failures since this version became active count.
    if of_version.iter().any(|r| r.started_at < approval.at) {
        return Ok(None);
    }
    let back_to = store
        .versions_of(&entry.name)?
        .into_iter()
        .find(|v| v.version != entry.version)
        .map(|v| v.version);
    Ok(back_to.map(|back_to| HealthAlert::RollbackProposed {
        name: entry.name.clone(),
        version: entry.version.clone(),
        back_to,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::runs::tests::sample_run;

    fn entry(name: &str, version: &str) -> ToolEntry {
        ToolEntry {
            version: version.into(),
            ..ToolEntry::fixture(Tier::Approved, name)
        }
    }

    fn record(store: &mut Store, tool: &str, version: &str, status: RunStatus, at: &str) {
        let mut run = sample_run(tool, at);
        run.version = version.into();
        run.status = status;
        store
            .insert_runs(std::slice::from_mut(&mut run))
            .expect("insert");
    }

    #[test]
    fn mostly_failing_tool_is_degraded_and_a_healthy_one_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        for i in 0..6 {
            let status = if i < 2 {
                RunStatus::Ok
            } else {
                RunStatus::Failed
            };
            record(
                &mut store,
                "flaky",
                "1.0.0",
                status,
                &format!("2026-11-21T10:00:0{i}.000Z"),
            );
            record(
                &mut store,
                "solid",
                "1.0.0",
                RunStatus::Ok,
                &format!("2026-11-21T10:00:0{i}.000Z"),
            );
        }
        let found =
            alerts(&store, &[entry("flaky", "1.0.0"), entry("solid", "1.0.0")]).expect("alerts");
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .describe()
                .starts_with("flaky@1.0.0 degraded: 33% of its last 6 runs"),
            "{}",
            found[0].describe()
        );
    }

    /// A candidate's failing trials (the tester runs `csv_to_json@1.3.0` beside the approved
    /// 1.2.0) and an earlier version's failures are not the active version's health.
    #[test]
    fn neither_a_candidates_trials_nor_an_earlier_version_make_the_active_one_degraded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        for i in 0..6 {
            let at = format!("2026-11-21T10:00:0{i}.000Z");
            let mut trial = sample_run("csv", &at);
            trial.version = "1.3.0".into();
            trial.tier = Tier::Experimental;
            trial.status = RunStatus::Failed;
            store
                .insert_runs(std::slice::from_mut(&mut trial))
                .expect("insert");
            record(&mut store, "csv", "1.1.0", RunStatus::Failed, &at);
        }
        for i in 0..2 {
            let at = format!("2026-11-21T10:01:0{i}.000Z");
            record(&mut store, "csv", "1.2.0", RunStatus::Ok, &at);
        }
        assert!(
            alerts(&store, &[entry("csv", "1.2.0")])
                .expect("alerts")
                .is_empty()
        );
        // The same failures as the version's own runs do count.
        for i in 0..6 {
            let at = format!("2026-11-21T10:02:0{i}.000Z");
            record(&mut store, "csv", "1.2.0", RunStatus::Failed, &at);
        }
        let found = alerts(&store, &[entry("csv", "1.2.0")]).expect("alerts");
        assert!(
            found[0].describe().starts_with("csv@1.2.0 degraded"),
            "{found:?}"
        );
    }

    #[test]
    fn too_few_runs_say_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        for i in 0..4 {
            record(
                &mut store,
                "new",
                "1.0.0",
                RunStatus::Failed,
                &format!("2026-11-21T10:00:0{i}.000Z"),
            );
        }
        assert!(
            alerts(&store, &[entry("new", "1.0.0")])
                .expect("alerts")
                .is_empty()
        );
    }

    fn write_candidate(root: &std::path::Path, dir: &str, version: &str) {
        let folder = root.join("experimental").join(dir);
        std::fs::create_dir_all(&folder).expect("mkdir");
        let manifest = format!(
            "name = \"tool\"\nversion = \"{version}\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
        );
        std::fs::write(folder.join("tool.toml"), manifest).expect("manifest");
        std::fs::write(folder.join("run.sh"), format!("echo {version}\n")).expect("script");
    }

    #[test]
    fn new_version_failing_three_times_in_a_row_is_proposed_for_rollback() {
        use crate::review::testing::mark_validated;
        use crate::review::{ReviewContext, lifecycle};
        let id = |spec: &str| spec.parse::<crate::model::ToolId>().expect("valid id");
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let mut store = Store::open(dir.path()).expect("store");
        let ctx = ReviewContext::new(dir.path(), "ana");
        write_candidate(dir.path(), "tool", "1.0.0");
        mark_validated(dir.path(), &mut store, "experimental/tool");
        lifecycle::approve(
            &ctx,
            &mut store,
            &id("tool@1.0.0"),
            None,
            Default::default(),
        )
        .expect("approve 1.0.0");
        write_candidate(dir.path(), "tool-1.1.0", "1.1.0");
        mark_validated(dir.path(), &mut store, "experimental/tool-1.1.0");
        lifecycle::approve(
            &ctx,
            &mut store,
            &id("tool@1.1.0"),
            None,
            Default::default(),
        )
        .expect("approve 1.1.0");
        let after = crate::clock::now_rfc3339();
        for _ in 0..3 {
            record(&mut store, "tool", "1.1.0", RunStatus::Failed, &after);
        }
        let found = alerts(&store, &[entry("tool", "1.1.0")]).expect("alerts");
        assert_eq!(
            found,
            [HealthAlert::RollbackProposed {
                name: "tool".into(),
                version: "1.1.0".into(),
                back_to: "1.0.0".into()
            }]
        );
        record(
            &mut store,
            "tool",
            "1.1.0",
            RunStatus::Ok,
            &crate::clock::now_rfc3339(),
        );
        assert!(
            alerts(&store, &[entry("tool", "1.1.0")])
                .expect("alerts")
                .is_empty()
        );
    }
}
