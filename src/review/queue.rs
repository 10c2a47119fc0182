//! The read side of review: a tool's history (decisions and kept versions) and the review
//! queue (what waits in experimental/, with the verdict validation gave it). Never writes.

use std::path::Path;

use super::ReviewError;
use super::steps::{relative, scan};
use super::validate::{Check, CheckStatus, ValidationReport};
use crate::catalog::scan::ScanLimits;
use crate::model::Catalog;
use crate::model::Drift;
use crate::model::Tier;
use crate::model::review_queue::arrival_key;
use crate::model::review_queue::arrival_of;
pub(crate) use crate::model::review_queue::{DriftItem, History, QueueItem, ReviewItem};
use crate::seal::SealBook;
use crate::store::Store;

/// The decisions and snapshots of a tool.
pub fn history(store: &Store, name: &str) -> Result<History, ReviewError> {
    Ok(History {
        tool: name.to_string(),
        decisions: store.decisions_of(name)?,
        versions: store.versions_of(name)?,
    })
}

fn queue_of(root: &Path, catalog: &Catalog, store: &Store) -> Result<Vec<QueueItem>, ReviewError> {
    let rows = store.review_queue_rows()?;
    let proposers = store.proposers()?;
    let mut items: Vec<(Option<String>, QueueItem)> = catalog
        .entries()
        .iter()
        .filter(|e| e.tier == Tier::Experimental)
        .map(|e| {
            let absolute = e.path.to_string_lossy().into_owned();
            let rel = relative(root, &e.path);
            let by_path = rows
                .iter()
                .rev()
                .find(|r| r.path == absolute || r.path == rel);
            let row = by_path.or_else(|| {
                rows.iter().rev().find(|r| {
                    r.tool == e.name && r.version == e.version && r.content_hash == e.content_hash
                })
            });
            let seen = row.map(|r| r.arrived_at.clone());
            let item = QueueItem {
                name: e.name.clone(),
                version: e.version.clone(),
                path: e.path.clone(),
                verdict: row.and_then(|r| r.verdict.clone()),
                arrived_at: row
                    .map(|r| r.arrived_at.clone())
                    .unwrap_or_else(|| arrival_of(&e.path)),
                parent: e
                    .manifest
                    .as_ref()
                    .and_then(|m| m.provenance.parent.as_ref())
                    .map(ToString::to_string),
                client: proposers.get(&rel).cloned(),
                content_hash: e.content_hash.clone(),
            };
            (seen, item)
        })
        .collect();
    items.sort_by(|(seen_a, a), (seen_b, b)| {
        arrival_key(seen_a.as_deref(), &a.path).cmp(&arrival_key(seen_b.as_deref(), &b.path))
    });
    let items = items.into_iter().map(|(_, item)| item).collect();
    Ok(items)
}

/// The checks of `item`'s validation that did not pass (failed, then warned), for the person
/// deciding on it; none while it has no stored validation.
pub(crate) fn checks_not_passed(
    store: &Store,
    item: &QueueItem,
) -> Result<Vec<Check>, ReviewError> {
    let report = store
        .validation_of_content(&item.content_hash)?
        .and_then(|json| serde_json::from_str::<ValidationReport>(&json).ok());
    let mut checks: Vec<Check> = report
        .map(|report| report.checks)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
        .collect();
    checks.sort_by_key(|c| c.status != CheckStatus::Fail);
    Ok(checks)
}

/// Everything waiting for a human: the active tools that will not run until a person looks
/// at them (modified since approval, or never approved here), the pending tool requests
/// (oldest first; no code to look at yet), then the tools in the review queue's order.
pub(crate) fn review_items(
    root: &Path,
    limits: ScanLimits,
    store: &Store,
) -> Result<Vec<ReviewItem>, ReviewError> {
    let catalog = scan(root, limits);
    let seals = SealBook::load(root);
    let drifted = catalog.entries().iter().filter_map(|e| {
        let drift = seals.drift(e).filter(Drift::awaits_its_review);
        drift.map(|drift| {
            ReviewItem::Drift(DriftItem {
                name: e.name.clone(),
                version: e.version.clone(),
                tier: e.tier,
                path: e.path.clone(),
                content_hash: e.content_hash.clone(),
                drift,
            })
        })
    });
    let requests = store
        .pending_requests()?
        .into_iter()
        .map(ReviewItem::Request);
    let tools = queue_of(root, &catalog, store)?
        .into_iter()
        .map(ReviewItem::Tool);
    Ok(drifted.chain(requests).chain(tools).collect())
}
