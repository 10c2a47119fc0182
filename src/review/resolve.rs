//! Resolving a candidate's declared packages into its lock: before a candidate is validated,
//! one that declares packages and has no `pylock.toml` resolved for exactly what it declares
//! gets one, written into its folder, which makes the lock part of its content (its hash, its
//! diff, what a person approves). The resolution runs in the sandbox (`runner::packages`).
//! Active tools are never changed here: their lock is what was approved.

use std::path::Path;

use crate::model::deps::LOCK_FILE;
use crate::model::{Tier, ToolEntry};
use crate::review::ReviewContext;
use crate::runner::package_builder::Packager;
use crate::runner::packages::Sources;
use crate::safe_fs::Dir;

/// The candidate as it is once locked (`Some` when a lock was written), or why its packages
/// could not be resolved, in one line.
pub(crate) async fn lock_candidate(
    review: &ReviewContext,
    entry: &ToolEntry,
) -> Result<Option<ToolEntry>, String> {
    if entry.tier != Tier::Experimental || entry.error.is_some() || entry.oversized {
        return Ok(None);
    }
    let Some(manifest) = entry.manifest.as_deref() else {
        return Ok(None);
    };
    if !entry.path.is_dir() {
        return Ok(None);
    }
    // Problems with what it declares are the dependencies check's to report.
    let Ok(Some(declared)) = crate::catalog::deps::read_declared(&entry.path, manifest) else {
        return Ok(None);
    };
    let direct_allowed =
        review.config().dependencies.allow_direct && manifest.dependencies.allow_direct;
    if declared.direct().next().is_some() && !direct_allowed {
        return Ok(None);
    }
    if let Ok(Some(lock)) = crate::catalog::deps::read_lock(&entry.path)
        && lock.resolves(&declared)
    {
        return Ok(None);
    }
    let confinement = review.confinement();
    let packager = Packager::new(
        review.root(),
        review.exe(),
        &confinement,
        &review.config().dependencies,
    )
    .map_err(|e| e.to_string())?;
    let sources = Sources::of(&review.config().dependencies, &manifest.dependencies);
    let text = packager
        .resolve(&declared, &sources)
        .await
        .map_err(|e| format!("resolving what {} declares: {e}", declared.file))?;
    // The candidate's folder is its author's: opened beneath the root, never through a link.
    let relative = entry
        .path
        .strip_prefix(review.root())
        .map_err(|_| format!("{} is outside the workspace", entry.path.display()))?;
    let folder = Dir::open(review.root())
        .and_then(|root| root.open_dir(relative))
        .map_err(|e| format!("cannot write {LOCK_FILE}: {e}"))?;
    folder
        .write(Path::new(LOCK_FILE), text.as_bytes(), 0o644)
        .map_err(|e| format!("cannot write {LOCK_FILE}: {e}"))?;
    Ok(Some(crate::catalog::scan::load_tool(
        review.root(),
        entry.tier,
        &entry.path,
        review.scan_limits(),
    )))
}
