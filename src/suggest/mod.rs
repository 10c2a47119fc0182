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
mod settings;

use std::time::SystemTime;

pub use detect::detect;
pub use settings::Settings;

use crate::model::ToolEntry;
use crate::store::{Store, StoreError};

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
