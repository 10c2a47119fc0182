//! Finding the tools of one name without scanning the workspace: a command on one tool costs
//! the same in a workspace of 10,000 tools as in one of 10 (DESIGN §6).
//!
//! The cached index (`store::catalog_cache`) only says where the tools of a name were. Those
//! folders, and the usual folder `<tier>/<name>` of each tier, are read and hashed again, so a
//! command acts on what is on disk; a row whose folder changed or left is corrected on the
//! way. When nothing read answers the request (a name the index does not know, a version it
//! has not seen), one full scan decides and replaces the index. The store is taken for its
//! reads and writes alone, never while folders are read and hashed.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::catalog::scan::{
    FolderShapes, KnownHashes, ScanLimits, ScanProgress, TierListing, list_tiers, load_path,
    scan_listed, scan_unindexed, scan_workspace,
};
use crate::model::LookupError;
use crate::model::{Tier, ToolEntry, ToolId, is_valid_name};
use crate::store::StoreAccess;

/// Every tool named `spec.name` (all tiers and versions), read fresh from disk, in scan order
/// (tier, then path). A full scan decides when none of them is in one of `tiers` with the
/// version `spec` asks for. Empty when the workspace has none.
pub(crate) fn tools_named(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    tiers: &[Tier],
) -> Vec<ToolEntry> {
    let name = spec.name.as_str();
    let mut found = known_named(root, limits, store, name);
    if !found
        .iter()
        .any(|e| tiers.contains(&e.tier) && spec.matches(e))
    {
        found = scan_for(root, limits, store, name);
    }
    found.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
    found
}

/// The tools named `name` in the folders the index remembers for it and in the usual folders
/// `<tier>/<name>`, read fresh from disk, in no set order: `tools_named` without its full
/// scan, for a question a workspace's every folder need not answer.
pub(crate) fn known_named(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    name: &str,
) -> Vec<ToolEntry> {
    // An unreadable index is only a shorter answer: the usual folders are read all the same.
    let indexed = store
        .with_store(|store| store.index_named(name))
        .unwrap_or_default();
    let mut paths: Vec<(Tier, PathBuf)> = indexed
        .iter()
        .filter(|row| tier_of(root, &row.path) == Some(row.tier))
        .map(|row| (row.tier, row.path.clone()))
        .collect();
    for (tier, usual) in usual_folders(root, name) {
        if !paths.iter().any(|(_, p)| *p == usual) {
            paths.push((tier, usual));
        }
    }
    let mut found: Vec<ToolEntry> = paths
        .iter()
        .filter_map(|(tier, path)| load_path(root, *tier, path, limits))
        .collect();
    correct(store, &indexed, &found);
    found.retain(|e| e.name == name);
    found
}

/// The tool in `folder`, read fresh from disk, when it is still the tool `id` names with its
/// content: what a front end that saw a tool in that folder asks for, so the folder it saw is
/// the one acted on, or none. `folder` must be a tool's folder of a tier of `root`.
pub(crate) fn tool_in(
    root: &Path,
    limits: ScanLimits,
    folder: &Path,
    id: &ToolId,
) -> Result<ToolEntry, LookupError> {
    let read = tier_of(root, folder).and_then(|tier| load_path(root, tier, folder, limits));
    match read {
        Some(entry) if id.matches(&entry) => Ok(entry),
        Some(entry) => Err(LookupError::content_changed(id, [&entry])),
        None => Err(LookupError::FolderLeft {
            tool: id.to_string(),
            folder: folder.display().to_string(),
        }),
    }
}

/// The one tool `spec` names among every tool of its name (`tools_named`), as
/// `Catalog::find` resolves it; a hash of another tool is refused naming it (`whose_content`).
pub(crate) fn find_named(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    spec: &ToolId,
) -> Result<ToolEntry, LookupError> {
    let named = tools_named(root, limits, store, spec, Tier::ALL);
    match crate::model::Catalog::new(named).find(spec) {
        Ok(found) => Ok(found.clone()),
        Err(e) => Err(whose_content(root, limits, store, spec, e)),
    }
}

/// `error` told precisely when it refuses content that is not there and the hash `id` gave is
/// another tool's (copied from the wrong row): that tool is named, not "changed since it was
/// shown". The index says where to look; each folder is read again to confirm. Every other
/// error is given back as it is.
pub(crate) fn whose_content(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    id: &ToolId,
    error: LookupError,
) -> LookupError {
    let (LookupError::ContentChanged { .. }, Some(hash)) = (&error, &id.hash) else {
        return error;
    };
    let rows = store
        .with_store(|store| store.index_with_content(hash))
        .unwrap_or_default();
    let owners: Vec<ToolEntry> = rows
        .iter()
        .filter(|row| row.name != id.name)
        .filter_map(|row| {
            let there = ToolId::named(&row.name).with_hash(hash).ok()?;
            tool_in(root, limits, &row.path, &there).ok()
        })
        .collect();
    if owners.is_empty() {
        return error;
    }
    LookupError::another_tools_content(id, &owners)
}

/// What `tools_named` answers in a workspace without a store, whose index is empty: the tools
/// named `spec.name` in the usual folders `<tier>/<name>`, read fresh from disk, in scan order,
/// when one of them is the version `spec` asks for. `None` leaves the answer to a full scan.
/// No store is opened or created: a command that only reads leaves a never-opened workspace
/// as it found it.
pub(crate) fn in_usual_folders(
    root: &Path,
    limits: ScanLimits,
    spec: &ToolId,
) -> Option<Vec<ToolEntry>> {
    let found: Vec<ToolEntry> = usual_folders(root, &spec.name)
        .filter_map(|(tier, path)| load_path(root, tier, &path, limits))
        .filter(|e| e.name == spec.name)
        .collect();
    found.iter().any(|e| spec.matches(e)).then_some(found)
}

/// The folder `<tier>/<name>` of every tier, in tier order; none for a name no manifest may
/// carry (it could name a path outside the tiers).
fn usual_folders<'a>(root: &'a Path, name: &'a str) -> impl Iterator<Item = (Tier, PathBuf)> + 'a {
    Tier::ALL
        .iter()
        .filter(move |_| is_valid_name(name))
        .map(move |tier| (*tier, root.join(tier.dir_name()).join(name)))
}

/// The active tool `spec` names when it sits in its usual folder, `core/<name>` or else
/// `approved/<name>`, read fresh from disk without the store: what `tools_named` would put
/// first, since core and approved come before the other tiers and a name is active at most
/// once (DESIGN §1). Only a workspace that breaks that rule by hand, with a second active
/// tool of the name in a folder named otherwise, could have `tools_named` answer differently;
/// both are tools a human made active. `None` leaves the answer to `tools_named`.
pub(crate) fn active_in_usual_folder(
    root: &Path,
    limits: ScanLimits,
    spec: &ToolId,
) -> Option<ToolEntry> {
    if !is_valid_name(&spec.name) {
        return None;
    }
    [Tier::Core, Tier::Approved].into_iter().find_map(|tier| {
        let usual = root.join(tier.dir_name()).join(&spec.name);
        let entry = load_path(root, tier, &usual, limits)?;
        spec.matches(&entry).then_some(entry)
    })
}

/// Reads `paths` (tool folders a decision just moved, wrote or created) again and writes what
/// is there now into the index: a folder that left loses its row.
pub(crate) fn reindex(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    paths: &[PathBuf],
) {
    let mut gone = Vec::new();
    let mut fresh = Vec::new();
    for path in paths {
        match tier_of(root, path).and_then(|tier| load_path(root, tier, path, limits)) {
            Some(entry) => fresh.push(entry),
            None => gone.push(path.as_path()),
        }
    }
    // The index is a cache: a failed write costs the next command a scan, nothing more.
    let _ = store.with_store(|store| store.refresh_index(&gone, &fresh));
}

/// Writes back what reading the folders showed, when it differs from the rows: a folder that
/// left, changed, or was never indexed.
fn correct(store: &mut impl StoreAccess, indexed: &[ToolEntry], found: &[ToolEntry]) {
    let fresh: Vec<ToolEntry> = found
        .iter()
        .filter(|e| {
            !indexed
                .iter()
                .any(|row| crate::store::catalog_cache::same_row(row, e))
        })
        .cloned()
        .collect();
    let present: HashSet<&Path> = found.iter().map(|e| e.path.as_path()).collect();
    let gone: Vec<&Path> = indexed
        .iter()
        .map(|row| row.path.as_path())
        .filter(|path| !present.contains(path))
        .collect();
    if !fresh.is_empty() || !gone.is_empty() {
        let _ = store.with_store(|store| store.refresh_index(&gone, &fresh));
    }
}

/// Every tool named `name`, found by a full scan (which replaces the index) and read again,
/// in scan order: for a decision that must know every folder answering a name, not only the
/// folders the index remembers (a folder renamed behind toolbench's back is in none of them).
pub(crate) fn rescan_named(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    name: &str,
) -> Vec<ToolEntry> {
    let mut found = scan_for(root, limits, store, name);
    found.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
    found
}

/// The full scan for a name the index could not answer; it replaces the index. The tools of
/// that name are then read again like any lookup, so their hashes are never reused ones.
fn scan_for(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    name: &str,
) -> Vec<ToolEntry> {
    scan_all(root, limits, store)
        .iter()
        .filter(|e| e.name == name)
        .filter_map(|e| load_path(root, e.tier, &e.path, limits))
        .filter(|e| e.name == name)
        .collect()
}

/// Every tool of the workspace, scanned (reusing the hashes of unchanged folders the index
/// knows); the index is replaced with what was found. The store is taken to read the index
/// and to write it, not while the folders are read and hashed.
pub(crate) fn scan_all(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
) -> Vec<ToolEntry> {
    scan_with_index(root, limits, store, |indexed| {
        KnownHashes::from_entries(indexed)
    })
}

/// Every tool of the workspace as `toolbench list` shows it: as `scan_all` finds them, but a
/// tool whose files are as the index last saw them (the same names, sizes, inodes and times)
/// is taken from the index whole, its manifest neither read nor parsed again; and a tool
/// folder whose folders have the metadata they had when a listing last met them (git's
/// untracked cache: a name added, removed or renamed changes its folder's mtime) is not
/// listed, its files only stat'ed. The entries carry no manifest.
pub(crate) fn scan_listing(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
) -> Vec<ToolEntry> {
    let ((indexed, shapes), listing) = listed_while(root, || {
        store.with_store(|store| {
            store.reading_once(|store| {
                (
                    store
                        .load_index_as(|row| std::sync::Mutex::new(Some(row)))
                        .unwrap_or_default(),
                    store.load_folder_shapes().unwrap_or_default(),
                )
            })
        })
    });
    let cold = indexed.is_empty();
    let shapes = std::sync::Arc::new(FolderShapes::new(shapes));
    let known = KnownHashes::listing_rows(indexed, shapes.clone());
    let entries = scan_listed(root, limits, &known, &ScanProgress::default(), listing);
    let rows_changed = !known.index_holds(&entries, crate::store::catalog_cache::same_row);
    let mut changes = shapes.changes();
    if cold {
        // A first scan writes its rows alone, as before shapes were kept, so it costs what
        // it did: the next listing lists every folder once more and keeps their shapes.
        changes.0.clear();
    }
    if rows_changed || !changes.0.is_empty() || !changes.1.is_empty() {
        // A cache: a failed write costs the next listing a walk, nothing more.
        let _ = store.with_store(|store| {
            store.save_listing(
                rows_changed.then_some(entries.as_slice()),
                &changes.0,
                &changes.1,
            )
        });
    }
    crate::catalog::scan::free_aside((known, shapes));
    entries
}

/// What `read` gives, and the tier folders of `root` listed meanwhile on a thread of their
/// own: at 10,000 tools each takes a good part of a listing's time, and neither needs the
/// other.
fn listed_while<T>(root: &Path, read: impl FnOnce() -> T) -> (T, TierListing) {
    std::thread::scope(|scope| {
        let listing = scope.spawn(|| list_tiers(root));
        let read = read();
        let listing = listing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, listing)
    })
}

/// Scans the workspace with what `known` takes from the cached index, and keeps the index
/// current.
fn scan_with_index(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
    known: impl FnOnce(&[ToolEntry]) -> KnownHashes,
) -> Vec<ToolEntry> {
    let indexed = store.with_store(|store| store.load_index().unwrap_or_default());
    let entries = scan_workspace(root, limits, &known(&indexed), &ScanProgress::default());
    // The index is a cache: a failed write costs the next command a scan, nothing more. One
    // that holds what the scan found already is not written again.
    if !crate::store::catalog_cache::index_holds(&indexed, &entries) {
        let _ = store.with_store(|store| store.save_index(&entries));
    }
    entries
}

/// Every tool of the workspace as the cached index lists it, for a check that reads listing
/// fields alone (validation's similar check; the rows carry nothing else, as
/// `Store::load_listing` reads them), without reading or hashing a tool the index holds: the tiers are listed again, so a tool added since (every tool, in a store just
/// made) is read and a row whose folder left is dropped, both corrected in the index. A row
/// keeps what the index last saw of a tool edited in place until that tool is read again (by
/// a lookup of its name, or a scan).
pub(crate) fn indexed_listing(
    root: &Path,
    limits: ScanLimits,
    store: &mut impl StoreAccess,
) -> Vec<ToolEntry> {
    let (rows, listing) = listed_while(root, || {
        store
            .with_store(|store| store.load_listing())
            .unwrap_or_default()
    });
    // Paths as bytes: hashing a `Path` walks its components, 10,000 times over; and hashed
    // fast, as nothing here comes from a stranger who could aim for collisions.
    let indexed: foldhash::HashMap<&OsStr, Tier> = rows
        .iter()
        .map(|row| (row.path.as_os_str(), row.tier))
        .collect();
    let (listed, fresh) = scan_unindexed(root, limits, listing, &indexed);
    drop(indexed);
    let mut listing = rows;
    let mut gone = Vec::new();
    // In place: 10,000 entries are not moved into new lists to keep nearly all of them.
    listing.retain_mut(|row| {
        let kept = listed.get(row.path.as_os_str()) == Some(&row.tier);
        if !kept {
            gone.push(std::mem::take(&mut row.path));
        }
        kept
    });
    if !fresh.is_empty() || !gone.is_empty() {
        let gone: Vec<&Path> = gone.iter().map(PathBuf::as_path).collect();
        // The index is a cache: a failed write costs the next command a scan, nothing more.
        let _ = store.with_store(|store| store.refresh_index(&gone, &fresh));
    }
    listing.extend(fresh);
    listing
}

/// The tier whose folder holds `path` directly; `None` for anything else (a row the index
/// should not have, which is then never read).
fn tier_of(root: &Path, path: &Path) -> Option<Tier> {
    let parent = path.parent()?;
    let hidden = path
        .file_name()
        .is_none_or(|n| n.to_string_lossy().starts_with('.'));
    if hidden {
        return None;
    }
    Tier::ALL
        .iter()
        .copied()
        .find(|tier| parent == root.join(tier.dir_name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    const TOOL: &str =
        "version = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n";

    fn write(root: &Path, tier: &str, dir: &str, name: &str, version: &str) -> PathBuf {
        let folder = root.join(tier).join(dir);
        std::fs::create_dir_all(&folder).expect("mkdir");
        let manifest = format!("name = \"{name}\"\n{}", TOOL.replace("1.0.0", version));
        std::fs::write(folder.join("tool.toml"), manifest).expect("write");
        std::fs::write(folder.join("run.sh"), "true\n").expect("write");
        folder
    }

    fn setup() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "approved", "a", "a", "1.0.0");
        write(root, "experimental", "a-v2", "a", "2.0.0");
        write(root, "experimental", "b", "b", "1.0.0");
        let mut store = Store::open(root).expect("store");
        let entries = scan_workspace(
            root,
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        );
        store.save_index(&entries).expect("save");
        (dir, store)
    }

    fn versions(entries: &[ToolEntry]) -> Vec<(Tier, String)> {
        entries
            .iter()
            .map(|e| (e.tier, e.version.clone()))
            .collect()
    }

    #[test]
    fn the_usual_folder_answers_for_an_active_tool_core_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let limits = ScanLimits::default();
        write(root, "approved", "a", "a", "1.0.0");
        let found = active_in_usual_folder(root, limits, &ToolId::named("a")).expect("found");
        assert_eq!(
            (found.tier, found.version.as_str()),
            (Tier::Approved, "1.0.0")
        );
        write(root, "core", "a", "a", "2.0.0");
        let found = active_in_usual_folder(root, limits, &ToolId::named("a")).expect("found");
        assert_eq!((found.tier, found.version.as_str()), (Tier::Core, "2.0.0"));
        let older: ToolId = "a@1.0.0".parse().expect("spec");
        let found = active_in_usual_folder(root, limits, &older).expect("found");
        assert_eq!(found.tier, Tier::Approved, "the version asked for");
    }

    #[test]
    fn what_the_usual_folders_cannot_settle_is_left_to_the_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let limits = ScanLimits::default();
        write(root, "experimental", "cand", "cand", "1.0.0");
        write(root, "approved", "folder", "renamed", "1.0.0");
        write(root, "approved", "other", "not_other", "1.0.0");
        for spec in ["cand", "renamed", "other", "missing", "renamed@2.0.0"] {
            let spec: ToolId = spec.parse().expect("spec");
            assert!(
                active_in_usual_folder(root, limits, &spec).is_none(),
                "{spec} must go through the index"
            );
        }
    }

    #[test]
    fn a_name_is_found_from_its_rows_and_stale_rows_are_corrected() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let limits = ScanLimits::default();
        let found = tools_named(root, limits, &mut store, &ToolId::named("a"), Tier::ALL);
        assert_eq!(
            versions(&found),
            vec![
                (Tier::Approved, "1.0.0".to_string()),
                (Tier::Experimental, "2.0.0".to_string())
            ]
        );
        // Behind our back: a-v2 removed, approved/a changed.
        std::fs::remove_dir_all(root.join("experimental/a-v2")).expect("rm");
        write(root, "approved", "a", "a", "1.1.0");
        let found = tools_named(root, limits, &mut store, &ToolId::named("a"), Tier::ALL);
        assert_eq!(
            versions(&found),
            vec![(Tier::Approved, "1.1.0".to_string())]
        );
        let rows = store.index_named("a").expect("rows");
        assert_eq!(versions(&rows), vec![(Tier::Approved, "1.1.0".to_string())]);
        assert_eq!(rows[0].content_hash, found[0].content_hash);
    }

    #[test]
    fn an_unknown_name_or_version_takes_one_full_scan() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let limits = ScanLimits::default();
        // Added behind our back in a folder that is not `<tier>/<name>`.
        write(root, "archived", "old-c", "c", "0.1.0");
        let found = tools_named(root, limits, &mut store, &ToolId::named("c"), Tier::ALL);
        assert_eq!(
            versions(&found),
            vec![(Tier::Archived, "0.1.0".to_string())]
        );
        assert_eq!(store.index_named("c").expect("rows").len(), 1);
        write(root, "archived", "old-a", "a", "0.9.0");
        let spec: ToolId = "a@0.9.0".parse().expect("spec");
        let found = tools_named(root, limits, &mut store, &spec, Tier::ALL);
        assert!(found.iter().any(|e| e.version == "0.9.0"), "{found:?}");
        let spec: ToolId = "a@7.0.0".parse().expect("spec");
        assert!(
            !tools_named(root, limits, &mut store, &spec, Tier::ALL)
                .iter()
                .any(|e| e.version == "7.0.0")
        );
        assert!(tools_named(root, limits, &mut store, &ToolId::named("zzz"), Tier::ALL).is_empty());
        // Known, but not where the command looks: a scan may know better.
        std::fs::remove_dir_all(root.join("experimental/a-v2")).expect("rm");
        write(root, "experimental", "a-v3", "a", "3.0.0");
        let found = tools_named(
            root,
            limits,
            &mut store,
            &ToolId::named("a"),
            &[Tier::Experimental],
        );
        assert!(found.iter().any(|e| e.version == "3.0.0"), "{found:?}");
    }

    #[test]
    fn a_decision_rewrites_only_the_rows_of_the_folders_it_touched() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let limits = ScanLimits::default();
        // A row of another tool that its folder no longer matches: rewriting the whole index
        // would correct it.
        let mut untouched = store.index_named("b").expect("rows").remove(0);
        untouched.description = "as the index last saw it".into();
        store
            .refresh_index(&[], std::slice::from_ref(&untouched))
            .expect("plant");
        // What an archive of approved/a moves.
        std::fs::create_dir_all(root.join("archived")).expect("mkdir");
        std::fs::rename(root.join("approved/a"), root.join("archived/a")).expect("mv");
        reindex(
            root,
            limits,
            &mut store,
            &[root.join("approved/a"), root.join("archived/a")],
        );
        assert_eq!(store.index_named("b").expect("rows"), vec![untouched]);
        let mut a = versions(&store.index_named("a").expect("rows"));
        a.sort();
        assert_eq!(
            a,
            vec![
                (Tier::Experimental, "2.0.0".to_string()),
                (Tier::Archived, "1.0.0".to_string())
            ]
        );
    }

    #[test]
    fn the_usual_folders_answer_without_a_store_or_leave_it_to_a_scan() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let limits = ScanLimits::default();
        write(root, "approved", "a", "a", "1.0.0");
        write(root, "experimental", "a", "a", "2.0.0");
        write(root, "experimental", "elsewhere", "c", "1.0.0");
        let found = in_usual_folders(root, limits, &ToolId::named("a")).expect("found");
        assert_eq!(
            versions(&found),
            vec![
                (Tier::Approved, "1.0.0".to_string()),
                (Tier::Experimental, "2.0.0".to_string())
            ]
        );
        for spec in ["c", "a@3.0.0", "missing"] {
            let spec: ToolId = spec.parse().expect("spec");
            assert!(in_usual_folders(root, limits, &spec).is_none(), "{spec}");
        }
        assert!(!root.join(".toolbench").exists());
    }

    #[test]
    fn the_listing_reads_only_the_tools_the_index_lacks_and_drops_rows_that_left() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let limits = ScanLimits::default();
        // Behind our back: b removed, c added, approved/a edited in place.
        std::fs::remove_dir_all(root.join("experimental/b")).expect("rm");
        write(root, "experimental", "c", "c", "1.0.0");
        write(root, "approved", "a", "a", "1.1.0");
        let mut listing = indexed_listing(root, limits, &mut store);
        listing.sort_by(|a, b| a.path.cmp(&b.path));
        let names: Vec<(&str, &str)> = listing
            .iter()
            .map(|e| (e.name.as_str(), e.version.as_str()))
            .collect();
        // The edited tool is not read: its row says what the index last saw.
        assert_eq!(names, [("a", "1.0.0"), ("a", "2.0.0"), ("c", "1.0.0")]);
        assert!(store.index_named("b").expect("rows").is_empty());
        assert_eq!(store.index_named("c").expect("rows").len(), 1);
        // A store just made: every tool is read, and the index left behind.
        let fresh = tempfile::tempdir().expect("tempdir");
        write(fresh.path(), "approved", "a", "a", "1.0.0");
        let mut empty = Store::open(fresh.path()).expect("store");
        let listing = indexed_listing(fresh.path(), limits, &mut empty);
        assert_eq!(versions(&listing), [(Tier::Approved, "1.0.0".to_string())]);
        assert_eq!(empty.load_index().expect("rows").len(), 1);
    }

    #[test]
    fn rows_outside_the_tiers_are_never_read() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let outside = write(root, "elsewhere", "a", "a", "9.0.0");
        let mut row = store.index_named("b").expect("rows").remove(0);
        row.path = outside;
        row.name = "a".into();
        store.refresh_index(&[], &[row]).expect("plant");
        let found = tools_named(
            root,
            ScanLimits::default(),
            &mut store,
            &ToolId::named("a"),
            Tier::ALL,
        );
        assert!(found.iter().all(|e| e.version != "9.0.0"), "{found:?}");
        assert!(
            store
                .index_named("a")
                .expect("rows")
                .iter()
                .all(|r| !r.path.starts_with(root.join("elsewhere")))
        );
    }

    /// A listing takes an unchanged tool's row from the index whole (a row changed there by
    /// hand shows as it is: the manifest was not read), and reads a tool whose files changed.
    #[test]
    fn a_listing_takes_unchanged_rows_from_the_index_and_reads_changed_tools() {
        let (dir, mut store) = setup();
        let root = dir.path();
        crate::test_fixtures::settle();
        let scanned = scan_all(root, ScanLimits::default(), &mut store);
        let listed = scan_listing(root, ScanLimits::default(), &mut store);
        let without_manifest = |entries: &[ToolEntry]| -> Vec<(PathBuf, String, String)> {
            entries
                .iter()
                .map(|e| {
                    (
                        e.path.clone(),
                        e.description.to_string(),
                        e.content_hash.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(without_manifest(&listed), without_manifest(&scanned));
        assert!(
            listed.iter().all(|e| e.manifest.is_none()),
            "taken from the index"
        );

        let mut marked = scanned.clone();
        for entry in &mut marked {
            entry.description = "as the index holds it".into();
        }
        store.save_index(&marked).expect("save");
        let listed = scan_listing(root, ScanLimits::default(), &mut store);
        assert!(
            listed
                .iter()
                .all(|e| &*e.description == "as the index holds it")
        );

        // A tool rewritten since is read again, and the index corrected.
        let b = root.join("experimental/b/tool.toml");
        std::fs::write(
            &b,
            format!("name = \"b\"\n{}", TOOL.replace("\"d\"", "\"new\"")),
        )
        .expect("edit");
        let listed = scan_listing(root, ScanLimits::default(), &mut store);
        let b = listed.iter().find(|e| e.name == "b").expect("b");
        assert_eq!(&*b.description, "new");
        assert!(b.manifest.is_some(), "read");
        let indexed = store.load_index().expect("index");
        assert_eq!(
            indexed
                .iter()
                .find(|e| e.name == "b")
                .map(|e| &*e.description),
            Some("new")
        );
    }

    /// A listing lists no tool folder whose folders are as the last listing met them, and
    /// lists again the one whose subfolder gained a file; it finds what a scan finds.
    #[test]
    fn a_listing_lists_only_the_folders_whose_shape_changed() {
        let (dir, mut store) = setup();
        let root = dir.path();
        let limits = ScanLimits::default();
        std::fs::create_dir_all(root.join("experimental/b/tests")).expect("mkdir");
        std::fs::write(root.join("experimental/b/tests/t.toml"), "t").expect("write");
        crate::test_fixtures::settle();
        scan_listing(root, limits, &mut store);
        let listing_with = |store: &mut Store| {
            let shapes = std::sync::Arc::new(FolderShapes::new(
                store.load_folder_shapes().expect("shapes"),
            ));
            let known = KnownHashes::listing_rows(
                store
                    .load_index_as(|row| std::sync::Mutex::new(Some(row)))
                    .expect("rows"),
                shapes.clone(),
            );
            let entries = scan_workspace(root, limits, &known, &ScanProgress::default());
            (entries, shapes.listed())
        };
        let (entries, listed) = listing_with(&mut store);
        assert_eq!(listed, 0, "every shape holds");
        let hashes = |entries: &[ToolEntry]| -> Vec<String> {
            entries.iter().map(|e| e.content_hash.clone()).collect()
        };
        assert_eq!(
            hashes(&entries),
            hashes(&scan_all(root, limits, &mut store))
        );

        std::fs::write(root.join("experimental/b/tests/u.toml"), "u").expect("write");
        let (entries, listed) = listing_with(&mut store);
        assert_eq!(listed, 1, "the folder whose subfolder changed");
        assert_eq!(
            hashes(&entries),
            hashes(&scan_all(root, limits, &mut store))
        );
    }
}
