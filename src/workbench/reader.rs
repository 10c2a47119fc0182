//! The typed read side of a workspace's store: the queries a front end makes, and nothing
//! else; every change is `Command`'s. A reader reads through a read-only connection of its own
//! (`Reader::open`: the reads the workbench UI makes off its event loop, a tool's history, a
//! table, the statistics, while the one writer stays free for what starts meanwhile), or
//! through the process's one write connection (`Workbench::reader`: the command line's reads,
//! which open no second connection).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::catalog::scan::ScanLimits;
use crate::model::calls::CallRow;
use crate::model::decisions::DecisionRecord;
use crate::model::devices::DeviceRow;
use crate::model::health::HealthAlert;
use crate::model::quality::{DayQuality, ToolStats, WorkspaceStats};
use crate::model::review_queue::{History, QueueItem, ReviewItem};
use crate::model::services::InstanceRow;
use crate::model::suggestions::SuggestionRow;
use crate::model::validation_report::Check;
use crate::model::{FailureRecord, RunOrigin, RunRecord, StoreError, ToolEntry};
use crate::review::ReviewError;
use crate::store::{SharedStore, Store};

/// Why the read side could not answer: what it read (the store, a tool's folder, its seal)
/// failed. Front ends show it in one line; none decides by its cause, so it keeps the review
/// library's reasons to itself.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(crate) struct ReadError(Box<ReviewError>);

impl From<ReviewError> for ReadError {
    fn from(error: ReviewError) -> Self {
        ReadError(Box::new(error))
    }
}

/// The store of one workspace, read.
pub(crate) struct Reader(Connection);

enum Connection {
    /// Opened read-only for this reader.
    Own(Store),
    /// The process's one write connection, taken for each query.
    Shared(SharedStore),
}

impl Reader {
    /// The store of the workspace at `root`, opened read-only; an error when it has none or
    /// it cannot be read.
    pub(crate) fn open(root: &Path) -> Result<Self, StoreError> {
        Store::open_reader(root).map(|store| Reader(Connection::Own(store)))
    }

    /// Reads through the process's one write connection.
    pub(super) fn through(store: SharedStore) -> Self {
        Reader(Connection::Shared(store))
    }

    fn read<T>(&self, query: impl FnOnce(&Store) -> T) -> T {
        match &self.0 {
            Connection::Own(store) => query(store),
            Connection::Shared(store) => query(&store.lock()),
        }
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
        self.read(|store| store.newest_run_from(origin))
    }

    /// The first `rows` of the cached catalog index in `order`, with the counts by tier;
    /// `None` when the index holds no more than those: read it whole (`index`).
    pub(crate) fn index_head(
        &self,
        root: &Path,
        order: crate::model::SortOrder,
        rows: usize,
    ) -> Result<Option<crate::model::IndexHead>, StoreError> {
        self.read(|store| store.index_head(root, order, rows))
    }

    /// The cached catalog index, every row.
    pub(crate) fn index(&self) -> Result<Vec<ToolEntry>, StoreError> {
        self.read(|store| store.load_index())
    }

    /// The newest runs, of the tool `tool` only when given.
    pub(crate) fn runs(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.read(|store| store.list_runs(tool, limit))
    }

    /// The newest runs of version `version` of `tool` outside validation.
    pub(crate) fn runs_of_version_in_use(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.read(|store| store.runs_of_version_in_use(tool, version, limit))
    }

    /// The inputs `tool` was run with lately, newest first, each at most `max_bytes`.
    pub(crate) fn recent_inputs(
        &self,
        tool: &str,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.read(|store| store.recent_inputs(tool, limit, max_bytes))
    }

    /// The newest failures, of the tool `tool` only when given.
    pub(crate) fn failures(
        &self,
        tool: Option<&str>,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.read(|store| store.list_failures(tool, limit))
    }

    /// The failures of the runs with ids from `first` to `last`.
    pub(crate) fn failures_of_runs(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.read(|store| store.failures_of_runs(first, last))
    }

    /// Every tool's recorded runs summed up, best first.
    pub(crate) fn tool_stats(&self) -> Result<Vec<ToolStats>, StoreError> {
        self.read(|store| store.tool_stats())
    }

    /// The tool `name`'s quality on each of its last `days` days with runs.
    pub(crate) fn quality_by_day(
        &self,
        name: &str,
        days: usize,
    ) -> Result<Vec<DayQuality>, StoreError> {
        self.read(|store| store.quality_by_day(name, days))
    }

    /// The statistics overlay's figures for `catalog` as of `now`.
    pub(crate) fn workspace_stats(
        &self,
        catalog: &[ToolEntry],
        now: SystemTime,
        days: usize,
        trend_over: Duration,
    ) -> Result<WorkspaceStats, StoreError> {
        self.read(|store| store.workspace_stats(catalog, now, days, trend_over))
    }

    /// The tools among `entries` whose recent runs call for a person's look.
    pub(crate) fn health_alerts(
        &self,
        entries: &[ToolEntry],
    ) -> Result<Vec<HealthAlert>, StoreError> {
        self.read(|store| crate::review::health::alerts(store, entries))
    }

    /// Who proposed each candidate, by its folder.
    pub(crate) fn proposers(&self) -> Result<HashMap<String, String>, StoreError> {
        self.read(|store| store.proposers())
    }

    /// The content hashes a person asked changes of.
    pub(crate) fn changes_requested(&self) -> Result<HashSet<String>, StoreError> {
        self.read(|store| store.changes_requested_of())
    }

    /// When each candidate in the review queue arrived, by its folder as stored.
    pub(crate) fn arrivals(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.read(Store::review_queue_rows)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.path, row.arrived_at))
            .collect())
    }

    /// The newest decisions.
    pub(crate) fn recent_decisions(&self, limit: usize) -> Result<Vec<DecisionRecord>, StoreError> {
        self.read(|store| store.recent_decisions(limit))
    }

    /// The agents' calls still waiting and the newest `limit` of the rest.
    pub(crate) fn recent_calls(&self, limit: usize) -> Result<Vec<CallRow>, StoreError> {
        self.read(|store| store.recent_calls(limit))
    }

    /// The service instances recorded, the stopped ones included unless `live_only`.
    pub(crate) fn instances(&self, live_only: bool) -> Result<Vec<InstanceRow>, StoreError> {
        self.read(|store| store.instances(live_only))
    }

    /// The runs of `tool`'s version `version`, newest first.
    pub(crate) fn runs_of_version(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.read(|store| store.list_runs_of_version(tool, version, limit))
    }

    /// The failures of `tool`'s version `version`, newest first.
    pub(crate) fn failures_of_version(
        &self,
        tool: &str,
        version: &str,
        limit: usize,
    ) -> Result<Vec<FailureRecord>, StoreError> {
        self.read(|store| store.list_failures_of_version(tool, version, limit))
    }

    /// The service instance `name`, if one was recorded.
    pub(crate) fn instance(&self, name: &str) -> Result<Option<InstanceRow>, StoreError> {
        self.read(|store| store.instance(name))
    }

    /// The agent call `id`.
    pub(crate) fn call(&self, id: i64) -> Result<Option<CallRow>, StoreError> {
        self.read(|store| store.call(id))
    }

    /// The agents' calls waiting for a human, oldest first; every call when `all`.
    pub(crate) fn calls(&self, all: bool) -> Result<Vec<CallRow>, StoreError> {
        self.read(|store| store.calls(all))
    }

    /// The paired devices, the revoked and expired ones too when `all`.
    pub(crate) fn devices(&self, all: bool) -> Result<Vec<DeviceRow>, StoreError> {
        self.read(|store| store.devices(all))
    }

    /// The device whose session `secret` opens, while it holds.
    pub(crate) fn device_of(
        &self,
        secret: &str,
    ) -> Result<Option<String>, crate::command::CommandError> {
        self.read(|store| crate::command::devices::device_of(store, secret))
    }

    /// The suggestions, the answered ones too when `all`.
    pub(crate) fn suggestions(&self, all: bool) -> Result<Vec<SuggestionRow>, StoreError> {
        self.read(|store| store.suggestions(all))
    }

    /// Everything recorded about the tool `name`: its decisions, newest first, and its kept
    /// versions.
    pub(crate) fn history(&self, name: &str) -> Result<History, ReadError> {
        Ok(self.read(|store| crate::review::lifecycle::history(store, name))?)
    }

    /// Everything waiting for a human in the workspace at `root`, in the review queue's
    /// order: drifted active tools, tool requests, then candidates.
    pub(crate) fn review_items(
        &self,
        root: &Path,
        limits: ScanLimits,
    ) -> Result<Vec<ReviewItem>, ReadError> {
        Ok(self.read(|store| crate::review::lifecycle::review_items(root, limits, store))?)
    }

    /// The checks of `item`'s validation that did not pass (failed, then warned).
    pub(crate) fn checks_not_passed(&self, item: &QueueItem) -> Result<Vec<Check>, ReadError> {
        Ok(self.read(|store| crate::review::queue::checks_not_passed(store, item))?)
    }
}
