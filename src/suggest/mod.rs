//! Opportunity mining: what the run history says is worth building or changing.
//!
//! Four detectors read the store's recent history (never more than `max_runs` runs of the
//! last `history_days`, so a history of millions costs what its newest slice costs):
//! repeated sequences of tools one client runs ("compose A → B"), capabilities asked for that
//! nothing serves and tools a person said to write that nobody wrote ("missing"), tools that
//! fail often or are slow ("evolve"), and similar tools both in use ("merge"). What they find
//! is stored by `Store::record_suggestions`, keyed by pattern.

pub(crate) mod answer;
mod detect;

use std::time::{Duration, SystemTime};

pub use detect::detect;

use crate::model::ToolEntry;
use crate::store::{Store, StoreError};

/// Thresholds of the detectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How far back the detectors look.
    pub(crate) history_days: u64,
    /// The newest runs of that time read at most.
    pub(crate) max_runs: usize,
    /// How often one client must run A then B before it is a habit.
    pub(crate) repeats: usize,
    /// How long after A's end B must start to follow it.
    pub(crate) gap: Duration,
    /// The newest runs of each tool its failure rate and durations are taken from.
    pub(crate) per_tool: usize,
    /// The fewest of those runs a tool needs before it is judged.
    pub(crate) min_runs: usize,
    /// The failure rate from which a tool should evolve.
    pub(crate) failure_rate: f64,
    /// The 95th percentile duration from which a tool is slow.
    pub(crate) slow_p95: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            history_days: 30,
            max_runs: 50_000,
            repeats: 3,
            gap: Duration::from_secs(120),
            per_tool: 50,
            min_runs: 5,
            failure_rate: 0.3,
            slow_p95: Duration::from_secs(10),
        }
    }
}

/// Runs the detectors over the store as it is at `now` and records what they find. `active`
/// is the catalog's core and approved tools: suggestions naming others go stale.
pub(crate) fn refresh(
    root: &std::path::Path,
    store: &mut Store,
    active: &[ToolEntry],
    now: SystemTime,
    settings: &Settings,
) -> Result<(), StoreError> {
    let found = detect(root, store, active, now, settings)?;
    record(store, &found, active, now)
}

/// Records what `detect` found at `now` (through the process's writer, while the detectors
/// may have read through a reader of their own).
pub(crate) fn record(
    store: &mut Store,
    found: &[crate::model::suggestions::Found],
    active: &[ToolEntry],
    now: SystemTime,
) -> Result<(), StoreError> {
    let version_of = |name: &str| {
        active
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.version.clone())
    };
    store.record_suggestions(found, &crate::clock::rfc3339(now), &version_of)
}

#[cfg(test)]
mod tests;
