//! Garbage collection: approved tools nobody used for N days, or whose quality fell below a
//! floor, are listed and (unless it is a dry run) archived like any other decision.
//!
//! Core tools are never collected: they are hand-written and trusted.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::ReviewError;
use super::lifecycle::{ReviewContext, archive_from};
use super::steps::scan;
use crate::model::decided::Decision;
use crate::model::quality::ToolStats;
use crate::model::{Tier, ToolId};
use crate::store::StoreAccess;

/// One tool gc would archive, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct GcCandidate {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) tier: Tier,
    pub(crate) path: PathBuf,
    /// The newest run's start (RFC 3339); `None` when it never ran.
    pub(crate) last_run_at: Option<String>,
    /// Quality in 0..1, when the tool has runs or failures to judge it by.
    pub(crate) quality: Option<f64>,
    /// Why it is collected, one line.
    pub(crate) reason: String,
}

/// An approved tool below the quality floor that gc leaves where it is: it has no runs or
/// failures, so its quality is only the score every new tool starts with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct NeverRan {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// What a gc pass found and did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GcReport {
    pub(crate) dry_run: bool,
    pub(crate) candidates: Vec<GcCandidate>,
    pub(crate) archived: Vec<Decision>,
    /// Tools that could not be archived, one line each (the others still were).
    pub(crate) failed: Vec<String>,
    /// With `min_quality`, the approved tools below it that never ran: not collected.
    pub(crate) never_ran: Vec<NeverRan>,
    /// Environments no tool in `core/`, `approved/` or `experimental/` runs with: removed, or
    /// with `dry_run` those that would be.
    pub(crate) environments: Vec<crate::runner::packages::EnvInfo>,
}

/// Lists approved tools unused for `days_unused` days (by their last run, or their folder's
/// age when they never ran) or, with `min_quality`, scored below it, and archives them unless
/// `dry_run`; with neither, none. Then the environments no tool outside archived/ uses.
pub(crate) fn gc(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    days_unused: Option<u64>,
    min_quality: Option<f64>,
    dry_run: bool,
) -> Result<GcReport, ReviewError> {
    let cutoff = days_unused.map(|days| {
        SystemTime::now()
            .checked_sub(Duration::from_secs(days.saturating_mul(86_400)))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    });
    let days = days_unused.unwrap_or_default();
    let catalog = scan(ctx.root(), ctx.scan_limits());
    // The archives below find their tools through the index: this scan is all they need.
    let _ = store.with_store(|store| store.save_index(catalog.entries()));
    let mut candidates = Vec::new();
    let mut never_ran = Vec::new();
    for entry in catalog
        .entries()
        .iter()
        .filter(|e| e.tier == Tier::Approved)
    {
        let stats = store.with_store(|store| store.stats_for(&entry.name))?;
        let last_run_at = stats.as_ref().and_then(|s| s.last_run_at.clone());
        let quality = stats.as_ref().map(|s| s.quality);
        let mut reasons = Vec::new();
        match (
            cutoff,
            last_run_at.as_deref().and_then(crate::clock::parse_rfc3339),
        ) {
            (None, _) => {}
            (Some(cutoff), Some(last)) if last < cutoff => reasons.push(format!(
                "unused for {days} days (last run {})",
                last_run_at.as_deref().unwrap_or_default()
            )),
            (Some(_), Some(_)) => {}
            (Some(cutoff), None) => {
                let modified = entry.path.metadata().and_then(|m| m.modified()).ok();
                if modified.is_some_and(|m| m < cutoff) {
                    reasons.push(format!(
                        "never ran, and its folder is older than {days} days"
                    ));
                }
            }
        }
        let mut unjudged = false;
        if let Some(floor) = min_quality {
            match quality {
                Some(score) if score < floor => {
                    reasons.push(format!("quality {score:.2} is below {floor:.2}"))
                }
                // Only runs and failures judge a tool: one with neither has the score every
                // new tool starts with, which says nothing against it. Named, not collected.
                None => unjudged = ToolStats::unused(&entry.name).quality < floor,
                Some(_) => {}
            }
        }
        if !reasons.is_empty() {
            candidates.push(GcCandidate {
                name: entry.name.clone(),
                version: entry.version.clone(),
                tier: entry.tier,
                path: entry.path.clone(),
                last_run_at,
                quality,
                reason: reasons.join("; "),
            });
        } else if unjudged {
            never_ran.push(NeverRan {
                name: entry.name.clone(),
                version: entry.version.clone(),
            });
        }
    }
    let mut report = GcReport {
        dry_run,
        candidates,
        archived: Vec::new(),
        failed: Vec::new(),
        never_ran,
        environments: Vec::new(),
    };
    if dry_run {
        report.environments = crate::runner::packages::unused(ctx.root(), &locks_in_use(&catalog));
        return Ok(report);
    }
    for candidate in &report.candidates {
        let spec = ToolId::known(&candidate.name, &candidate.version);
        let reason = format!("gc: {}", candidate.reason);
        match archive_from(ctx, store, &spec, Some(&reason), &[Tier::Approved]) {
            Ok(decision) => report.archived.push(decision),
            Err(e) => report.failed.push(e.to_string()),
        }
    }
    // After the archives: what they took out of use goes too.
    let catalog = scan(ctx.root(), ctx.scan_limits());
    report.environments =
        crate::runner::packages::remove_unused(ctx.root(), &locks_in_use(&catalog));
    Ok(report)
}

/// The lock digests of every tool that may still run: active ones and candidates.
fn locks_in_use(catalog: &crate::model::Catalog) -> std::collections::BTreeSet<String> {
    catalog
        .entries()
        .iter()
        .filter(|e| e.tier != Tier::Archived)
        .filter_map(|e| crate::catalog::deps::read_lock(&e.folder()).ok().flatten())
        .map(|lock| lock.digest)
        .collect()
}
