//! A read-only connection of its own to a workspace's store, for the reads a front end makes
//! off its event loop (a tool's history, a table, the statistics): the one writer stays free
//! for what starts meanwhile. It answers queries only; every change is `Command`'s.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::model::calls::CallRow;
use crate::model::decisions::DecisionRecord;
use crate::model::health::HealthAlert;
use crate::model::quality::{DayQuality, ToolStats, WorkspaceStats};
use crate::model::services::InstanceRow;
use crate::model::{FailureRecord, RunOrigin, RunRecord, StoreError, ToolEntry};
use crate::store::Store;

/// The store of one workspace, opened read-only.
pub(crate) struct Reader(Store);

impl Reader {
    /// The store of the workspace at `root`; an error when it has none or it cannot be read.
    pub(crate) fn open(root: &Path) -> Result<Self, StoreError> {
        Store::open_reader(root).map(Reader)
    }

    /// `open`, or `None` when the workspace has no store yet (nothing ran or was decided in
    /// it): nothing to read, which is not an error.
    pub(crate) fn open_existing(root: &Path) -> Result<Option<Self>, StoreError> {
        let file = crate::store::state_file(root);
        match file.exists() {
            false => Ok(None),
            true => Self::open(root).map(Some),
        }
    }

    /// The newest run started from `origin`.
    pub(crate) fn newest_run_from(
        &self,
        origin: RunOrigin,
    ) -> Result<Option<RunRecord>, StoreError> {
        self.0.newest_run_from(origin)
    }

    /// The cached catalog index, every row.
    pub(crate) fn index(&self) -> Result<Vec<ToolEntry>, StoreError> {
        self.0.load_index()
    }

    /// The newest runs, of the tool `tool` only when given.
    pub(crate) fn runs(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.0.list_runs(tool, limit)
    }

    /// The newest runs of `tool` made in use (validation's left out).
    pub(crate) fn runs_in_use(
        &self,
        tool: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.0.runs_in_use(tool, limit)
    }

    /// The inputs `tool` was run with lately, newest first, each at most `max_bytes`.
    pub(crate) fn recent_inputs(
        &self,
        tool: &str,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.0.recent_inputs(tool, limit, max_bytes)
    }

    /// The newest failures, of the tool `tool` only when given.
    pub(crate) fn failures(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.0.list_failures(tool, limit)
    }

    /// The failures of the runs with ids from `first` to `last`.
    pub(crate) fn failures_of_runs(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.0.failures_of_runs(first, last)
    }

    /// Every tool's recorded runs summed up, best first.
    pub(crate) fn tool_stats(&self) -> Result<Vec<ToolStats>, StoreError> {
        self.0.tool_stats()
    }

    /// The tool `name`'s quality on each of its last `days` days with runs.
    pub(crate) fn quality_by_day(
        &self,
        name: &str,
        days: usize,
    ) -> Result<Vec<DayQuality>, StoreError> {
        self.0.quality_by_day(name, days)
    }

    /// The statistics overlay's figures for `catalog` as of `now`.
    pub(crate) fn workspace_stats(
        &self,
        catalog: &[ToolEntry],
        now: SystemTime,
        days: usize,
        trend_over: Duration,
    ) -> Result<WorkspaceStats, StoreError> {
        self.0.workspace_stats(catalog, now, days, trend_over)
    }

    /// The tools among `entries` whose recent runs call for a person's look.
    pub(crate) fn health_alerts(
        &self,
        entries: &[ToolEntry],
    ) -> Result<Vec<HealthAlert>, StoreError> {
        crate::review::health::alerts(&self.0, entries)
    }

    /// Who proposed each candidate, by its folder.
    pub(crate) fn proposers(&self) -> Result<HashMap<String, String>, StoreError> {
        self.0.proposers()
    }

    /// The content hashes a person asked changes of.
    pub(crate) fn changes_requested(&self) -> Result<HashSet<String>, StoreError> {
        self.0.changes_requested_of()
    }

    /// When each candidate in the review queue arrived, by its folder as stored.
    pub(crate) fn arrivals(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.0.review_queue_rows()?;
        Ok(rows
            .into_iter()
            .map(|row| (row.path, row.arrived_at))
            .collect())
    }

    /// The newest decisions.
    pub(crate) fn recent_decisions(&self, limit: usize) -> Result<Vec<DecisionRecord>, StoreError> {
        self.0.recent_decisions(limit)
    }

    /// The agents' calls still waiting and the newest `limit` of the rest.
    pub(crate) fn recent_calls(&self, limit: usize) -> Result<Vec<CallRow>, StoreError> {
        self.0.recent_calls(limit)
    }

    /// The service instances recorded, the stopped ones included unless `live_only`.
    pub(crate) fn instances(&self, live_only: bool) -> Result<Vec<InstanceRow>, StoreError> {
        self.0.instances(live_only)
    }
}
