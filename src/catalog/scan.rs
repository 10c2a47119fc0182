//! Scanning a workspace: every tool folder of every tier becomes a `ToolEntry`.
//!
//! The scan reads, never writes. It spreads the work over all cores and publishes progress
//! through atomics so a UI can poll it without waiting. A broken tool becomes an entry with its
//! error; nothing a tool folder holds can make the scan fail as a whole. A folder over the
//! `[catalog]` limits is found out from metadata (`walk`) and never read; an unchanged one is
//! not hashed again (`hash`).

mod hash;
mod walk;

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::catalog::manifest::{self, ManifestError};
use crate::catalog::{infer, links};
use crate::model::MANIFEST_FILE;
use crate::model::deps::LOCK_FILE;
use crate::model::{Manifest, SchemaSource, Tier, ToolEntry};
pub(crate) use hash::ContentHasher;
pub use hash::{FolderShapes, KnownHashes, KnownShapes, ShapeChanges};
pub use walk::ScanLimits;
pub(crate) use walk::{ListError, Stat, now, settled};

/// Largest script we read to infer a manifest for a bare script.
pub(crate) const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;

/// Progress a scan publishes while it runs; poll it from any thread.
#[derive(Debug, Default)]
pub struct ScanProgress {
    done: AtomicUsize,
    total: AtomicUsize,
    /// The tools read since the last `take_fresh`, kept only for a scan that streams them (the
    /// workbench's first scan of a workspace it has nothing cached of, which shows rows as
    /// they come instead of an empty catalog until the end).
    fresh: Option<std::sync::Mutex<Vec<ToolEntry>>>,
}

impl ScanProgress {
    /// Progress that also keeps each tool read, for `take_fresh`.
    pub(crate) fn streaming() -> Self {
        ScanProgress {
            fresh: Some(std::sync::Mutex::new(Vec::new())),
            ..Self::default()
        }
    }

    /// The tools read since the last call, in no order; none when not streaming.
    pub(crate) fn take_fresh(&self) -> Vec<ToolEntry> {
        self.fresh
            .as_ref()
            .map(|fresh| {
                std::mem::take(
                    &mut *fresh
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                )
            })
            .unwrap_or_default()
    }

    fn keep_fresh(&self, entry: &ToolEntry) {
        if self.fresh.is_some() {
            self.hand_over(entry.clone());
        }
    }

    /// Keeps `entry` itself for the next `take_fresh` (`scan_workspace_told`); dropped when
    /// not streaming.
    fn hand_over(&self, entry: ToolEntry) {
        if let Some(fresh) = &self.fresh {
            fresh
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(entry);
        }
    }

    pub(crate) fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    pub(crate) fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}

/// Something in a tier folder that may be a tool.
#[derive(Debug)]
enum Candidate {
    Folder(PathBuf),
    BareScript(PathBuf),
    /// A tool folder that is a symlink.
    Refused(PathBuf, String),
}

impl Candidate {
    fn path(&self) -> &Path {
        match self {
            Candidate::Folder(path) | Candidate::BareScript(path) | Candidate::Refused(path, _) => {
                path
            }
        }
    }

    fn into_path(self) -> PathBuf {
        match self {
            Candidate::Folder(path) | Candidate::BareScript(path) | Candidate::Refused(path, _) => {
                path
            }
        }
    }
}

/// Scans all four tiers of `root`, reusing the hashes in `known` for unchanged folders. The
/// result is sorted by tier, then path.
pub fn scan_workspace(
    root: &Path,
    limits: ScanLimits,
    known: &KnownHashes,
    progress: &ScanProgress,
) -> Vec<ToolEntry> {
    scan_listed(root, limits, known, progress, list_tiers(root))
}

/// `scan_workspace` of the tools `listing` found (`list_tiers`), for a caller that lists the
/// tier folders while it reads what `known` takes from.
pub(crate) fn scan_listed(
    root: &Path,
    limits: ScanLimits,
    known: &KnownHashes,
    progress: &ScanProgress,
    listing: TierListing,
) -> Vec<ToolEntry> {
    let candidates = candidates_in_order(listing, progress);
    let mut entries = parallel_map(&candidates, progress, |(tier, candidate)| {
        let entry = load_candidate(root, *tier, candidate, limits, known);
        progress.keep_fresh(&entry);
        entry
    });
    // No two candidates share a tier and a path, so an unstable sort orders them as a stable
    // one would, without a buffer the size of every entry beside them. Within a tier every path
    // is `<root>/<tier>/<name>`: comparing them as bytes orders them as `Path` does, without
    // splitting 10,000 paths into components.
    // Already in order when every entry kept its candidate's path: then this only checks.
    entries.sort_unstable_by(|a, b| {
        (a.tier, a.path.as_os_str().as_encoded_bytes())
            .cmp(&(b.tier, b.path.as_os_str().as_encoded_bytes()))
    });
    entries
}

/// `scan_workspace` whose result is the rows it tells: every entry read is handed to
/// `progress` (a streaming one, `ScanProgress::streaming`), taken from it with `take_fresh`,
/// and none is kept here. A front end that shows the rows as they come then holds the one
/// copy of each entry, not the rows it shows beside the scan's own list until the scan ends.
pub(crate) fn scan_workspace_told(
    root: &Path,
    limits: ScanLimits,
    known: &KnownHashes,
    progress: &ScanProgress,
) {
    let candidates = candidates_in_order(list_tiers(root), progress);
    parallel_map(&candidates, progress, |(tier, candidate)| {
        progress.hand_over(load_candidate(root, *tier, candidate, limits, known));
    });
}

/// Every candidate of the four tiers, in tier and path order, their number told to `progress`.
fn candidates_in_order(listing: TierListing, progress: &ScanProgress) -> Vec<(Tier, Candidate)> {
    let mut candidates = listing.0;
    // Sorted while they are small: the workers' results come out in the order of their items,
    // so the entries come in the order the sort below gives them, and it moves none of them
    // (at 10,000 tools, sorting the entries of about 450 bytes each moved megabytes).
    candidates.sort_unstable_by(|(a_tier, a), (b_tier, b)| {
        (a_tier, a.path().as_os_str().as_encoded_bytes())
            .cmp(&(b_tier, b.path().as_os_str().as_encoded_bytes()))
    });
    progress.total.store(candidates.len(), Ordering::Relaxed);
    candidates
}

/// Scans only `tiers` of `root`, hashing every folder afresh.
pub(crate) fn scan_tiers(root: &Path, tiers: &[Tier], limits: ScanLimits) -> Vec<ToolEntry> {
    let candidates: Vec<(Tier, Candidate)> = tiers
        .iter()
        .flat_map(|tier| list_tier(root, *tier).into_iter().map(|c| (*tier, c)))
        .collect();
    let mut entries = parallel_map(
        &candidates,
        &ScanProgress::default(),
        |(tier, candidate)| load_candidate(root, *tier, candidate, limits, &KnownHashes::default()),
    );
    entries.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
    entries
}

/// Every tool path of the four tiers with its tier: listed, not read.
pub(crate) struct TierListing(Vec<(Tier, Candidate)>);

pub(crate) fn list_tiers(root: &Path) -> TierListing {
    TierListing(
        Tier::ALL
            .iter()
            .flat_map(|&tier| list_tier(root, tier).into_iter().map(move |c| (tier, c)))
            .collect(),
    )
}

/// What a scan would read now (`listing`), against the tools an index holds (path to tier):
/// every path listed with its tier, and the tools at paths `indexed` does not hold in that
/// tier, read and hashed afresh. A tool the index holds is not read.
pub(crate) fn scan_unindexed(
    root: &Path,
    limits: ScanLimits,
    listing: TierListing,
    indexed: &foldhash::HashMap<&OsStr, Tier>,
) -> (foldhash::HashMap<OsString, Tier>, Vec<ToolEntry>) {
    let mut listed = foldhash::HashMap::default();
    let mut missing = Vec::new();
    for (tier, candidate) in listing.0 {
        if indexed.get(candidate.path().as_os_str()) == Some(&tier) {
            listed.insert(candidate.into_path().into_os_string(), tier);
        } else {
            listed.insert(candidate.path().as_os_str().to_owned(), tier);
            missing.push((tier, candidate));
        }
    }
    let fresh = parallel_map(&missing, &ScanProgress::default(), |(tier, candidate)| {
        load_candidate(root, *tier, candidate, limits, &KnownHashes::default())
    });
    (listed, fresh)
}

/// Loads one tool folder.
pub fn load_tool(root: &Path, tier: Tier, folder: &Path, limits: ScanLimits) -> ToolEntry {
    load_folder(root, tier, folder, limits, &KnownHashes::default())
}

/// Loads the tool at one path of a tier (used when the watcher reports a change): a folder,
/// a symlink to one, or a bare script. `None` when the path is not a tool.
pub fn load_path(root: &Path, tier: Tier, path: &Path, limits: ScanLimits) -> Option<ToolEntry> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let candidate = if meta.is_dir() {
        Candidate::Folder(path.to_path_buf())
    } else if meta.file_type().is_symlink() {
        classify_symlink(root, path.to_path_buf())
    } else if meta.is_file() && tier == Tier::Experimental && is_bare_script(path) {
        Candidate::BareScript(path.to_path_buf())
    } else {
        return None;
    };
    Some(load_candidate(
        root,
        tier,
        &candidate,
        limits,
        &KnownHashes::default(),
    ))
}

fn list_tier(root: &Path, tier: Tier) -> Vec<Candidate> {
    let dir = root.join(tier.dir_name());
    let Ok(read_dir) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dirent in read_dir.flatten() {
        let name = dirent.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dirent.path();
        let Ok(file_type) = dirent.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            out.push(Candidate::Folder(path));
        } else if file_type.is_symlink() {
            out.push(classify_symlink(root, path));
        } else if file_type.is_file() && tier == Tier::Experimental && is_bare_script(&path) {
            out.push(Candidate::BareScript(path));
        }
    }
    out
}

/// A tool folder that is a symlink breaks the symlink rule (`links`) wherever it leads, so it
/// is never followed: reading through it would read whatever it points at.
fn classify_symlink(root: &Path, path: PathBuf) -> Candidate {
    let folder = relative_to(root, &path).to_string_lossy().into_owned();
    match links::check_folder(&folder, &path) {
        Err(e) => Candidate::Refused(path, e.to_string()),
        // Replaced by a real folder since it was listed.
        Ok(()) => Candidate::Folder(path),
    }
}

fn is_bare_script(path: &Path) -> bool {
    infer::looks_like_script(path, || {
        let mut head = [0u8; 2];
        let read = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        head[..read].to_vec()
    })
}

fn load_candidate(
    root: &Path,
    tier: Tier,
    candidate: &Candidate,
    limits: ScanLimits,
    known: &KnownHashes,
) -> ToolEntry {
    match candidate {
        Candidate::Folder(path) => load_folder(root, tier, path, limits, known),
        Candidate::BareScript(path) => ToolEntry {
            // A bare script runs from its tier folder, with that folder's lock.
            has_lock: path.with_file_name(LOCK_FILE).symlink_metadata().is_ok(),
            ..load_bare_script(root, tier, path, known)
        },
        Candidate::Refused(path, reason) => broken_entry(root, tier, path, reason.clone()),
    }
}

fn load_folder(
    root: &Path,
    tier: Tier,
    folder: &Path,
    limits: ScanLimits,
    known: &KnownHashes,
) -> ToolEntry {
    let read_at = walk::now();
    // Limits first: a folder over them is not read at all, not even its manifest.
    let listing = match known.listing(folder, limits) {
        Ok(listing) => listing,
        Err(problem) => {
            let shown = relative_to(root, folder);
            return ToolEntry {
                oversized: matches!(problem, ListError::Over(_)),
                ..broken_entry(
                    root,
                    tier,
                    folder,
                    format!("{}: {problem}", shown.display()),
                )
            };
        }
    };
    let has_lock = listing
        .files
        .iter()
        .any(|listed| listed.relative == Path::new(LOCK_FILE));
    ToolEntry {
        has_lock,
        ..entry_of_listing(root, tier, folder, listing, read_at, known)
    }
}

/// The entry of the tool folder `folder` listed as `listing` at `read_at`: the index's row
/// while its fingerprint holds, else read from the manifest.
fn entry_of_listing(
    root: &Path,
    tier: Tier,
    folder: &Path,
    listing: walk::Listing,
    read_at: (i64, i64),
    known: &KnownHashes,
) -> ToolEntry {
    let fingerprint = hash::fingerprint(&listing.files);
    if let Some(row) = known.take_row(folder, &fingerprint) {
        // A broken tool's row stays as `broken_listed` made it: it never runs to be checked.
        return ToolEntry {
            writable_by_others: listing.writable_by_others.filter(|_| row.error.is_none()),
            ..row
        };
    }
    let kept = hash::kept(&fingerprint, &listing.files, read_at);
    let manifest_path = folder.join(MANIFEST_FILE);
    if !manifest_path.exists() && manifest_path.symlink_metadata().is_err() {
        let shown = relative_to(root, &manifest_path);
        let error = format!("{}: missing {MANIFEST_FILE}", shown.display());
        return broken_listed(root, tier, folder, error, kept);
    }
    let parsed = manifest::read_manifest(&manifest_path)
        .and_then(|p| check_schema_files(folder, &p.manifest).map(|()| p))
        .map_err(|mut e| {
            e.file = relative_to(root, &e.file);
            e.to_string()
        });
    match parsed {
        Ok(parsed) => {
            let mut entry = entry_from_manifest(tier, folder, parsed.manifest);
            // Escaped, each one line: a field or folder name may hold any character, and
            // the index keeps warnings joined by a control character.
            entry.warnings = parsed
                .warnings
                .iter()
                .map(|w| crate::text::visible(&strip_root(root, w)))
                .collect();
            entry.content_hash = match known.get(folder, &fingerprint) {
                Some(hash) => hash.to_string(),
                None => hash::hash_listing(folder, &listing.files),
            };
            entry.fingerprint = kept;
            entry.writable_by_others = listing.writable_by_others;
            entry
        }
        Err(error) => broken_listed(root, tier, folder, error, kept),
    }
}

/// A tool broken by what its listed files hold (no manifest, one that does not parse, a
/// schema file that is not JSON): `fingerprint` says the same files give the same error, so
/// a listing takes its row as it takes a whole tool's, without reading the manifest again.
fn broken_listed(
    root: &Path,
    tier: Tier,
    path: &Path,
    error: String,
    fingerprint: String,
) -> ToolEntry {
    ToolEntry {
        fingerprint,
        ..broken_entry(root, tier, path, error)
    }
}

/// A `schema_file` that is missing or not JSON breaks the tool: runs could not check input.
fn check_schema_files(folder: &Path, manifest: &Manifest) -> Result<(), ManifestError> {
    for (field, schema) in [
        ("input", &manifest.input_schema),
        ("output", &manifest.output_schema),
    ] {
        let Some(SchemaSource::File(file)) = schema else {
            continue;
        };
        let broken = |message: String| ManifestError {
            file: folder.join(MANIFEST_FILE),
            line: None,
            field: Some(format!("{field}.schema_file")),
            message,
        };
        let text =
            crate::io_text::read_text_capped(&folder.join(file), manifest::MAX_MANIFEST_BYTES)
                .map_err(|reason| broken(format!("{file}: {reason}")))?;
        serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| broken(format!("{file} is not valid JSON ({e})")))?;
    }
    Ok(())
}

/// A bare script: its row from the index while the file has the metadata it had when read
/// (a fingerprint as a folder holding it alone has), else read, its manifest inferred.
fn load_bare_script(root: &Path, tier: Tier, path: &Path, known: &KnownHashes) -> ToolEntry {
    let file_name = Path::new(path.file_name().unwrap_or_default());
    let read_at = walk::now();
    // Stat'ed before it is read: a change made while it is read gives the next scan another
    // fingerprint, so what is read is never kept under the metadata of an older content.
    let listed = std::fs::symlink_metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|meta| {
            [walk::Listed::of(
                file_name.to_path_buf(),
                walk::Kind::File,
                &meta,
            )]
        });
    let fingerprint = listed
        .as_ref()
        .map(|listed| hash::fingerprint(listed))
        .unwrap_or_default();
    if !fingerprint.is_empty()
        && let Some(row) = known.take_row(path, &fingerprint)
    {
        return row;
    }
    let fingerprint = listed
        .map(|listed| hash::kept(&fingerprint, &listed, read_at))
        .unwrap_or_default();
    match crate::io_text::read_text_capped(path, MAX_SCRIPT_BYTES) {
        Ok(text) => {
            let mut entry = entry_from_manifest(tier, path, infer::infer_manifest(path, &text));
            entry.content_hash = hash_bytes_of([(file_name, text.as_bytes())]);
            entry.fingerprint = fingerprint;
            entry
        }
        Err(reason) => {
            let shown = relative_to(root, path);
            let error = format!("{}: {reason}", shown.display());
            broken_listed(root, tier, path, error, fingerprint)
        }
    }
}

fn entry_from_manifest(tier: Tier, path: &Path, manifest: Manifest) -> ToolEntry {
    ToolEntry {
        tier,
        path: path.to_path_buf(),
        name: manifest.name.clone(),
        version: manifest.version.to_string(),
        description: manifest.description.clone(),
        category: Some(manifest.category),
        cost_tier: Some(manifest.cost_tier),
        keywords: manifest.keywords.clone(),
        capabilities: manifest.capabilities.clone(),
        inferred: manifest.inferred,
        content_hash: String::new(),
        error: None,
        oversized: false,
        fingerprint: String::new(),
        warnings: Vec::new(),
        manifest: Some(Arc::new(manifest)),
        writable_by_others: None,
        has_lock: false,
        drift: None,
        signature: None,
    }
}

fn broken_entry(root: &Path, tier: Tier, path: &Path, error: String) -> ToolEntry {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ToolEntry {
        tier,
        path: path.to_path_buf(),
        name,
        version: "?".to_string(),
        description: Default::default(),
        category: None,
        cost_tier: None,
        keywords: Default::default(),
        capabilities: Default::default(),
        inferred: false,
        content_hash: String::new(),
        error: Some(strip_root(root, &error)),
        oversized: false,
        fingerprint: String::new(),
        warnings: Vec::new(),
        manifest: None,
        writable_by_others: None,
        has_lock: false,
        drift: None,
        signature: None,
    }
}

/// Paths in messages are shown relative to the workspace: shorter, and the same on every machine.
fn relative_to(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn strip_root(root: &Path, message: &str) -> String {
    let prefix = format!("{}/", root.display());
    message.replace(&prefix, "")
}

/// The content hash of a folder that already passed a scan (a snapshot, a copy, a tool
/// about to be approved): no limits apply here. Empty, which is no content's hash, when the
/// folder cannot be listed whole (it holds a FIFO, a folder that cannot be read).
pub fn hash_tool_folder(folder: &Path) -> String {
    match walk::list(folder, ScanLimits::NONE) {
        Ok(listing) => hash::hash_listing(folder, &listing.files),
        Err(_) => String::new(),
    }
}

/// The content hash of a tool as the scan would compute it now: a folder's, or a bare
/// script's. Empty when it cannot be read whole.
pub(crate) fn hash_now(path: &Path) -> String {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return hash_tool_folder(path);
    }
    match crate::io_text::read_text_capped(path, MAX_SCRIPT_BYTES) {
        Ok(text) => {
            let name = PathBuf::from(path.file_name().unwrap_or_default());
            hash_bytes_of([(name.as_path(), text.as_bytes())])
        }
        Err(_) => String::new(),
    }
}

/// The content hash of files held in memory, given in `Path` order (component by component,
/// as a folder's listing is sorted): what `hash_tool_folder` gives for a folder holding them.
pub(crate) fn hash_bytes_of<'a>(files: impl IntoIterator<Item = (&'a Path, &'a [u8])>) -> String {
    let mut hasher = hash::ContentHasher::default();
    for (relative, bytes) in files {
        // Writing into a hasher cannot fail.
        hasher.file(relative, |sink| sink.write_all(bytes).ok());
    }
    hasher.finish()
}

/// Relative paths of the regular files and symlinks of a folder that passed a scan, in path
/// order: what its content hash covers. Empty when it cannot be listed whole.
pub(crate) fn collect_files(folder: &Path) -> Vec<PathBuf> {
    walk::list(folder, ScanLimits::NONE)
        .unwrap_or_default()
        .files
        .into_iter()
        .map(|listed| listed.relative)
        .collect()
}

/// Whether the tool at `path` (a folder, or a bare script) holds at most `limits` allow:
/// listed and stat'ed, never read.
pub(crate) fn tool_fits(path: &Path, limits: ScanLimits) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => walk::list(path, limits).is_ok(),
        Ok(meta) => meta.len() <= limits.max_tool_bytes,
        Err(_) => false,
    }
}

/// Frees `value` on a thread of its own: what a listing holds of 10,000 tools (the index's
/// rows and shapes, the seals) takes milliseconds to free one allocation at a time, which the
/// answer need not wait for. A process that ends first frees it with the rest of its memory.
pub(crate) fn free_aside<T: Send + 'static>(value: T) {
    // A thread that cannot start leaves the freeing here.
    let _ = std::thread::Builder::new()
        .name("toolbench-free".into())
        .spawn(move || drop(value));
}

/// Maps `items` on every core, counting finished items in `progress`.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    progress: &ScanProgress,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(items.len().max(1));
    // Each result is written once, straight into its place in the list returned: no list of
    // results per worker to merge afterwards, which was a second copy of every entry (about
    // 4.5 MB of fresh pages for 10,000 tools, each a page fault).
    let mut results: Vec<R> = Vec::with_capacity(items.len());
    // Pieces small enough that a worker slowed by a few big tools leaves the rest to others.
    let piece = (items.len() / (workers * 16)).clamp(1, 64);
    {
        let pieces = std::sync::Mutex::new(
            items
                .chunks(piece)
                .zip(results.spare_capacity_mut().chunks_mut(piece)),
        );
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        loop {
                            // Held only to take a piece: a panic in `work` cannot poison it.
                            let taken = pieces
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .next();
                            let Some((items, slots)) = taken else { break };
                            for (item, slot) in items.iter().zip(slots) {
                                slot.write(work(item));
                                progress.done.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    })
                })
                .collect();
            for handle in handles {
                // A worker's panic is the caller's; the results written so far are leaked,
                // never read or dropped half made.
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
        });
    }
    // SAFETY: the pieces cover every slot of the spare room, each piece was taken by a worker
    // that wrote every one of its slots and returned (a worker that panicked unwound above),
    // so the first `items.len()` elements are all initialised.
    unsafe { results.set_len(items.len()) };
    results
}

#[cfg(test)]
mod tests;
