//! A person accepting active tools that have no seal, as they are (DESIGN §11 rule 5):
//! `toolbench accept`, or the workbench's question. A workspace never opened here has none,
//! and none of its tools runs until then; in one opened already, a tool a `git pull` or a
//! copy put in `core/` or `approved/` has none either. So a clone, a pull or a tool's writes
//! into a workspace it could reach put nothing in use by themselves. A tool with a seal is
//! never accepted again: a change to it is reviewed (resubmit, or approve where it is).
//!
//! Each tool is sealed as it is, or, where the state store remembers versions of its name that
//! were made active here, as the newest of those (so a tool changed since shows as modified,
//! never as accepted). A never-opened workspace's seals are written into a folder of their own
//! and renamed into place whole, so two processes accepting at once agree, and a crash leaves
//! none or all.

use std::path::Path;

use super::{MARK_FILE, SEALS_DIR, SealError, encode_tagged, mark, seals_dir};
use crate::catalog::scan::{ScanProgress, parallel_map};
use crate::model::seals::{Seal, Sealed};
use crate::model::{Tier, ToolEntry, ToolId, is_valid_name};
use crate::safe_fs::Dir;
use crate::store::Store;
use crate::versions::VersionStore;
use crate::workspace::STATE_DIR;

/// Why the tools were not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error(
        "{} accepted here already: a change to an accepted tool is reviewed (`toolbench \
         resubmit NAME`, or `toolbench approve NAME --hash HASH` where it is)",
        .0.join(", ")
    )]
    Sealed(Vec<String>),
    #[error("no active tool named {}: `toolbench accept --dry-run` lists them", .0.join(", "))]
    Unknown(Vec<String>),
    /// Named with a version (`NAME@VERSION`) that is not the active one of that name.
    #[error(
        "{}: only the active version of a tool is accepted, as it is",
        .0.join("; ")
    )]
    NotActive(Vec<String>),
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// What `accept` would seal of the active tools `scanned` (all of them, or those named in
/// `only`, each its active version), for `who`, writing nothing: a person reads this before
/// accepting.
pub fn plan(
    root: &Path,
    scanned: &[ToolEntry],
    only: &[ToolId],
    who: &str,
) -> Result<Vec<Sealed>, AcceptError> {
    let opened = super::accepted(root);
    // Read only: acceptance may happen inside a process that holds the store's one writer.
    let store = root
        .join(STATE_DIR)
        .join(crate::store::STATE_FILE)
        .is_file()
        .then(|| Store::open_reader(root).ok())
        .flatten();
    // Core before approved, as a scan lists them: a name active twice (by hand) is sealed in
    // its first.
    let mut active: Vec<&ToolEntry> = scanned
        .iter()
        .filter(|e| e.tier.is_active() && !e.is_broken() && is_valid_name(&e.name))
        .collect();
    active.sort_by_key(|e| (e.tier != Tier::Core, e.name.clone()));
    let mut taken = std::collections::HashSet::new();
    active.retain(|e| taken.insert(e.name.as_str()));
    let of_name = |spec: &ToolId| active.iter().find(|e| e.name == spec.name).copied();
    let unknown: Vec<String> = only
        .iter()
        .filter(|spec| of_name(spec).is_none())
        .map(ToString::to_string)
        .collect();
    if !unknown.is_empty() {
        return Err(AcceptError::Unknown(unknown));
    }
    let other_version: Vec<String> = only
        .iter()
        .filter_map(|spec| {
            let e = of_name(spec).filter(|e| !spec.accepts(&e.version))?;
            Some(format!(
                "{spec} is not active ({} is, in {}/)",
                e.id(),
                e.tier
            ))
        })
        .collect();
    if !other_version.is_empty() {
        return Err(AcceptError::NotActive(other_version));
    }
    let has_seal = |e: &ToolEntry| opened && super::peek(root, &e.name).is_some();
    let sealed: Vec<String> = only
        .iter()
        .filter(|spec| of_name(spec).is_some_and(has_seal))
        .map(|spec| spec.name.clone())
        .collect();
    if !sealed.is_empty() {
        return Err(AcceptError::Sealed(sealed));
    }
    active.retain(|e| !has_seal(e) && (only.is_empty() || only.iter().any(|s| s.name == e.name)));
    let at = crate::clock::now_rfc3339();
    Ok(active
        .into_iter()
        .map(|entry| {
            let remembered = store
                .as_ref()
                .and_then(|s| s.versions_of(&entry.name).ok())
                .unwrap_or_default();
            let known = remembered
                .iter()
                .any(|v| v.content_hash == entry.content_hash);
            let (version, hash) = match remembered.first() {
                Some(newest) if !known => (newest.version.clone(), newest.content_hash.clone()),
                _ => (entry.version.clone(), entry.content_hash.clone()),
            };
            Sealed {
                seal: Seal {
                    name: entry.name.clone(),
                    tier: entry.tier,
                    version,
                    hash,
                    by: who.to_string(),
                    at: at.clone(),
                    how: "accept".to_string(),
                    tag: None,
                },
                content_hash: entry.content_hash.clone(),
            }
        })
        .collect())
}

/// Seals what `plan` lists and keeps a snapshot of each tool sealed as it is, so a later change
/// can be undone. Answers what it sealed.
pub fn accept(
    root: &Path,
    scanned: &[ToolEntry],
    only: &[ToolId],
    who: &str,
) -> Result<Vec<Sealed>, AcceptError> {
    let sealed = plan(root, scanned, only, who)?;
    if sealed.is_empty() {
        return Ok(sealed);
    }
    let versions = VersionStore::new(root);
    // Each tool's copy on every core: a workspace may hold thousands. A tool that cannot be
    // kept is still sealed: it runs as it is now.
    let staged = parallel_map(&sealed, &ScanProgress::default(), |one| {
        let entry = scanned
            .iter()
            .find(|e| e.name == one.seal.name && e.tier == one.seal.tier)
            .filter(|_| one.as_it_is())?;
        versions
            .stage(
                &entry.path,
                &entry.name,
                &entry.version,
                &entry.content_hash,
            )
            .unwrap_or(None)
    });
    let staged = staged.into_iter().flatten().collect();
    if super::accepted(root) {
        let _ = versions.keep_all(staged);
        write_each(root, &sealed)?;
        return Ok(sealed);
    }
    crate::workspace::make_state_dir(root).map_err(|e| io_error(root, &e))?;
    let root_dir = Dir::open(root).map_err(SealError::from)?;
    let staging = Path::new(STATE_DIR).join(format!(
        ".seals-{}-{}",
        std::process::id(),
        crate::clock::unique_nanos()
    ));
    let folder = root_dir
        .create_dirs_with_mode(&staging, crate::workspace::private::DIR_MODE)
        .map_err(SealError::from)?;
    folder
        .write_new(
            Path::new(MARK_FILE),
            mark().as_bytes(),
            crate::workspace::private::FILE_MODE,
        )
        .map_err(SealError::from)?;
    for one in &sealed {
        folder
            .write_new(
                Path::new(&format!("{}.json", one.seal.name)),
                encode_tagged(&one.seal).as_slice(),
                crate::workspace::private::FILE_MODE,
            )
            .map_err(SealError::from)?;
    }
    // One sync of the file system for every snapshot and seal, before any of them is renamed
    // into place.
    let _ = versions.keep_all(staged);
    folder.sync_filesystem().map_err(SealError::from)?;
    let target = Path::new(STATE_DIR).join(SEALS_DIR);
    // Seals a commit carried in, or an older build wrote, are the person's to look at later,
    // and never stand in the way.
    super::set_aside_unmarked(root).map_err(|e| io_error(root, &e))?;
    if root_dir.rename_noreplace(&staging, &target).is_err() {
        let _ = std::fs::remove_dir_all(root.join(&staging));
        if !super::accepted(root) {
            let e = std::io::Error::other("cannot put the seals in place");
            return Err(io_error(root, &e).into());
        }
        // Another process accepted meanwhile: its seals stand, and ours go beside them.
        let unsealed: Vec<Sealed> = sealed
            .iter()
            .filter(|one| super::peek(root, &one.seal.name).is_none())
            .cloned()
            .collect();
        write_each(root, &unsealed)?;
    }
    Ok(sealed)
}

fn write_each(root: &Path, sealed: &[Sealed]) -> Result<(), SealError> {
    sealed
        .iter()
        .try_for_each(|one| super::write(root, &one.seal))
}

/// `accept` of every active tool of `root` as a scan reads them now, for `who`.
pub fn accept_all(root: &Path, who: &str) -> Result<Vec<Sealed>, AcceptError> {
    let active = crate::catalog::scan::scan_tiers(
        root,
        &[Tier::Core, Tier::Approved],
        crate::catalog::scan::ScanLimits::default(),
    );
    accept(root, &active, &[], who)
}

fn io_error(root: &Path, e: &std::io::Error) -> SealError {
    SealError::Write(crate::safe_fs::SafeFsError::Io {
        path: seals_dir(root),
        reason: crate::io_text::io_reason(e),
    })
}
