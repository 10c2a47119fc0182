//! Content hashes of tool folders, and the metadata fingerprint that lets a scan reuse the
//! hash an earlier scan computed instead of reading the folder again.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::walk::{self, Kind, ListError, Listed, Listing, ScanLimits, Shape};
use crate::model::ToolEntry;

/// blake3 over every listed file (relative path, then contents), in path order.
///
/// Symlinks are hashed by their target text and never followed; a regular file is read up to
/// the length it was listed with, so a file that grows meanwhile cannot keep the hash going.
pub(crate) fn hash_listing(folder: &Path, listing: &[Listed]) -> String {
    let mut hasher = ContentHasher::default();
    for listed in listing {
        let path = folder.join(&listed.relative);
        match listed.kind {
            Kind::Symlink => match std::fs::read_link(&path) {
                Ok(target) => hasher.symlink(&listed.relative, &target),
                Err(_) => hasher.unreadable(&listed.relative),
            },
            Kind::File => {
                // Unreadable, it hashes as empty: never the hash of the content it had.
                hasher.file(&listed.relative, |sink| {
                    if let Some(file) = open_regular(&path) {
                        let _ = std::io::copy(&mut file.take(listed.len), sink);
                    }
                });
            }
        }
    }
    hasher.finish()
}

/// The content hash of a tool folder, fed one entry at a time in path order: the one rule
/// for what the hash covers (each entry's relative path, then a file's bytes or `->` and a
/// symlink's target), whether the entries are listed on disk, held in memory or copied.
#[derive(Default)]
pub(crate) struct ContentHasher(blake3::Hasher);

impl ContentHasher {
    /// A symlink, by its target text.
    pub(crate) fn symlink(&mut self, relative: &Path, target: &Path) {
        self.begin(relative);
        self.0.update(b"->");
        self.0.update(target.to_string_lossy().as_bytes());
        self.end();
    }

    /// A regular file: `read` writes its bytes into the sink it is given.
    pub(crate) fn file<T>(
        &mut self,
        relative: &Path,
        read: impl FnOnce(&mut dyn std::io::Write) -> T,
    ) -> T {
        self.begin(relative);
        let result = read(&mut self.0);
        self.end();
        result
    }

    /// An entry whose content could not be read: its path alone.
    fn unreadable(&mut self, relative: &Path) {
        self.begin(relative);
        self.end();
    }

    fn begin(&mut self, relative: &Path) {
        self.0.update(relative.to_string_lossy().as_bytes());
        self.0.update(&[0]);
    }

    fn end(&mut self) {
        self.0.update(&[0]);
    }

    pub(crate) fn finish(self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}

/// Opens `path` only if it is still a regular file: a FIFO or a link swapped in since the
/// listing is neither waited on nor followed.
fn open_regular(path: &Path) -> Option<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    file.metadata().ok()?.is_file().then_some(file)
}

/// The rules by which a scan derives a tool's row from its files (the manifest's parse, the
/// errors and warnings it words). Part of every fingerprint: a build whose rules changed
/// bumps it, and then takes no row an older build wrote as its own.
const SCAN_RULES: u32 = 3;

/// What the listing says about the folder without reading it: paths, kinds, sizes, inodes and
/// times. Equal fingerprints mean the content hash, and the row a scan derived from the
/// folder, can be reused.
pub(crate) fn fingerprint(listing: &[Listed]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&SCAN_RULES.to_le_bytes());
    for listed in listing {
        hasher.update(listed.relative.to_string_lossy().as_bytes());
        hasher.update(&[0, listed.kind as u8]);
        hasher.update(&listed.len.to_le_bytes());
        let (ino, mtime, mtime_ns, ctime, ctime_ns) = listed.stamp;
        for n in [ino as i64, mtime, mtime_ns, ctime, ctime_ns] {
            hasher.update(&n.to_le_bytes());
        }
    }
    hasher.finalize().to_hex().to_string()
}

/// The fingerprint a row keeps for the next scan to compare: none while an entry of
/// `listing` changed (its ctime) less than `SETTLED` before `read_at`, the moment before it
/// was stat'ed. A file rewritten within its file system's clock tick keeps its metadata, so a
/// fingerprint taken in that tick could vouch for content the scan never read; the next scan
/// reads the folder again instead, as a folder's shape is kept only once settled. The ctime,
/// not the mtime: a write can set the mtime back, never the ctime.
pub(crate) fn kept(fingerprint: &str, listing: &[Listed], read_at: (i64, i64)) -> String {
    let settled = listing
        .iter()
        .all(|listed| walk::settled((listed.stamp.3, listed.stamp.4), read_at));
    if settled {
        fingerprint.to_owned()
    } else {
        String::new()
    }
}

/// What an earlier scan found (the cached index), by tool path, with the fingerprint it was
/// found for: the content hashes, and for a listing (`toolbench list`) the whole rows.
#[derive(Debug, Default)]
pub struct KnownHashes {
    hashes: HashMap<PathBuf, (String, String)>,
    /// Rows taken whole when their folder's fingerprint is unchanged: the index's, which hold
    /// what a listing shows but no manifest. By path as bytes, hashed fast: nothing here
    /// comes from a stranger who could aim for collisions. A row taken is moved out of its
    /// slot (a scan meets each path once), not copied; the slots stay where the index's
    /// rows were loaded (`Store::load_index_as`), found by path.
    rows: Vec<RowSlot>,
    row_at: foldhash::HashMap<std::ffi::OsString, usize>,
    /// For a listing: the shape of each tool folder as the index keeps it, so an unchanged
    /// folder is stat'ed and not listed, and the shapes this scan met, to keep for the next.
    shapes: Option<std::sync::Arc<FolderShapes>>,
    /// For a scan that follows another (`reusing`): the entries it found, shared, found by
    /// path through `row_at`. An unchanged folder's entry is copied from here with its
    /// manifest shared, not read and parsed again.
    reused: Option<std::sync::Arc<Vec<ToolEntry>>>,
}

/// One row of the cached index for a listing to take whole (`KnownHashes::take_row`).
pub(crate) type RowSlot = std::sync::Mutex<Option<ToolEntry>>;

/// The index's shapes of tool folders (`walk::Shape`, encoded), by folder, and what a scan
/// made of them.
#[derive(Debug, Default)]
pub struct FolderShapes {
    known: KnownShapes,
    /// The folders listed by this scan whose new shape is to be written (new or changed).
    /// A folder whose known shape still holds is only marked met (`KnownShape::met`): no
    /// copy of its path is made.
    written: std::sync::Mutex<Vec<(PathBuf, Vec<u8>)>>,
    /// How many tool folders this scan listed (the others were stat'ed along their shape).
    listed: std::sync::atomic::AtomicUsize,
    /// How many rows of the index the scan took whole (`KnownHashes::take_row`).
    taken: std::sync::atomic::AtomicUsize,
    /// The folders holding tool folders (the tiers), opened once for `restat`.
    parents: std::sync::Mutex<Vec<(PathBuf, std::sync::Arc<std::os::fd::OwnedFd>)>>,
}

/// One folder's shape as the index keeps it, and whether this scan met the folder (listed or
/// stat'ed it, its shape holding or kept anew): one not met is forgotten.
#[derive(Debug)]
pub struct KnownShape {
    encoded: Vec<u8>,
    met: std::sync::atomic::AtomicBool,
}

impl From<Vec<u8>> for KnownShape {
    fn from(encoded: Vec<u8>) -> Self {
        KnownShape {
            encoded,
            met: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Encoded shapes by tool folder (as bytes, hashed fast: nothing here comes from a stranger
/// who could aim for collisions).
pub type KnownShapes = foldhash::HashMap<std::ffi::OsString, KnownShape>;

/// What a scan changed in the shapes the index keeps: shapes to write, folders to forget.
pub type ShapeChanges = (Vec<(PathBuf, Vec<u8>)>, Vec<PathBuf>);

impl FolderShapes {
    pub fn new(known: KnownShapes) -> Self {
        FolderShapes {
            known,
            ..Self::default()
        }
    }

    /// How many tool folders were listed so far, their shape not holding (or unknown).
    pub fn listed(&self) -> usize {
        self.listed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The listing of `folder`: stat'ed along its known shape while that holds, else listed
    /// (`walk::list`); the shape to keep is noted either way.
    fn listing(&self, folder: &Path, limits: ScanLimits) -> Result<Listing, ListError> {
        let entry = self.known.get(folder.as_os_str());
        let decoded = || entry.and_then(|known| Shape::decode(&known.encoded));
        if let Some(listing) = decoded().and_then(|shape| self.restat(folder, shape, limits)) {
            self.meet(entry, folder, None);
            return Ok(listing);
        }
        // The restat used its shape up: decoded again, for the folders that changed alone.
        let known = decoded();
        self.listed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let listing = walk::list(folder, limits)?;
        if let Some(shape) = &listing.shape {
            // The same folders and names, settled: the row the index has holds, unwritten.
            // A shape not settled yet would not be trusted: none is kept, and the next
            // listing lists the folder again.
            if known
                .as_ref()
                .is_some_and(|known| known.same_items(shape) && known.settled())
            {
                self.meet(entry, folder, None);
            } else if shape.settled() {
                self.meet(entry, folder, Some(shape.encode()));
            }
        }
        Ok(listing)
    }

    /// `walk::restat_at` from the folder holding `folder` (a tier's), opened once a scan.
    fn restat(&self, folder: &Path, shape: Shape, limits: ScanLimits) -> Option<Listing> {
        use std::os::fd::AsFd;
        let (parent, name) = (folder.parent()?, folder.file_name()?);
        let dir = {
            let mut open = self
                .parents
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match open.iter().find(|(path, _)| path == parent) {
                Some((_, dir)) => dir.clone(),
                None => {
                    let dir = std::sync::Arc::new(
                        rustix::fs::open(
                            parent,
                            rustix::fs::OFlags::PATH
                                | rustix::fs::OFlags::DIRECTORY
                                | rustix::fs::OFlags::CLOEXEC,
                            rustix::fs::Mode::empty(),
                        )
                        .ok()?,
                    );
                    open.push((parent.to_path_buf(), dir.clone()));
                    dir
                }
            }
        };
        walk::restat_at(dir.as_fd(), Path::new(name), shape, limits)
    }

    /// Notes that this scan met `folder` (`known`, its entry in the index's shapes), with
    /// its new shape to keep (`None`: the known one still holds).
    fn meet(&self, known: Option<&KnownShape>, folder: &Path, shape: Option<Vec<u8>>) {
        if let Some(known) = known {
            known.met.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(shape) = shape
            && known.is_none_or(|known| known.encoded != shape)
        {
            self.written
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((folder.to_path_buf(), shape));
        }
    }

    /// The shapes to write (new or changed) and the folders whose shapes to forget (not met
    /// by this scan: gone, renamed, no longer a folder, or no longer listed whole).
    pub fn changes(&self) -> ShapeChanges {
        let write = std::mem::take(
            &mut *self
                .written
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let forget = self
            .known
            .iter()
            .filter(|(_, known)| !known.met.load(std::sync::atomic::Ordering::Relaxed))
            .map(|(folder, _)| PathBuf::from(folder))
            .collect();
        (write, forget)
    }
}

impl KnownHashes {
    pub(crate) fn from_entries(entries: &[ToolEntry]) -> Self {
        Self {
            hashes: entries
                .iter()
                .filter(|e| !e.fingerprint.is_empty() && !e.content_hash.is_empty())
                .map(|e| {
                    (
                        e.path.clone(),
                        (e.fingerprint.clone(), e.content_hash.clone()),
                    )
                })
                .collect(),
            rows: Vec::new(),
            row_at: foldhash::HashMap::default(),
            shapes: None,
            reused: None,
        }
    }

    /// `from_entries` for a scan of a workspace whose entries (`entries`, shared) a scan read
    /// whole: an unchanged folder's entry is taken as it is (a copy, its manifest shared),
    /// its manifest not read again. Entries without a manifest (the cached index's rows)
    /// give their hash only.
    pub(crate) fn reusing(entries: std::sync::Arc<Vec<ToolEntry>>) -> Self {
        let mut row_at = foldhash::HashMap::default();
        row_at.reserve(entries.len());
        for (at, entry) in entries.iter().enumerate() {
            if !entry.fingerprint.is_empty() && !entry.content_hash.is_empty() {
                row_at.insert(entry.path.clone().into_os_string(), at);
            }
        }
        Self {
            hashes: HashMap::new(),
            rows: Vec::new(),
            row_at,
            shapes: None,
            reused: Some(entries),
        }
    }

    /// The reused entry at `path` (`reusing`), when its folder still has this fingerprint.
    fn reused(&self, path: &Path, fingerprint: &str) -> Option<&ToolEntry> {
        let entries = self.reused.as_ref()?;
        self.row_at
            .get(path.as_os_str())
            .and_then(|&at| entries.get(at))
            .filter(|entry| entry.fingerprint == fingerprint)
    }

    /// For a scan that only lists: an unchanged folder's row is taken from `rows` whole, its
    /// manifest not read, and a folder whose shape in `shapes` holds is not listed. The
    /// entries it gives carry no manifest.
    pub(crate) fn listing_rows(
        mut rows: Vec<RowSlot>,
        shapes: std::sync::Arc<FolderShapes>,
    ) -> Self {
        let mut row_at = foldhash::HashMap::default();
        row_at.reserve(rows.len());
        for (at, slot) in rows.iter_mut().enumerate() {
            let row = slot
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(row) = row {
                // A path twice (the index has none) keeps its last row, as a map would.
                row_at.insert(row.path.clone().into_os_string(), at);
            }
        }
        Self {
            shapes: Some(shapes),
            hashes: HashMap::new(),
            rows,
            row_at,
            reused: None,
        }
    }

    /// The slot of the row at `path`.
    fn slot(&self, path: &Path) -> Option<&RowSlot> {
        self.row_at
            .get(path.as_os_str())
            .and_then(|&at| self.rows.get(at))
    }

    /// The listing of a tool folder: along its known shape when this scan keeps shapes.
    pub(crate) fn listing(&self, folder: &Path, limits: ScanLimits) -> Result<Listing, ListError> {
        match &self.shapes {
            Some(shapes) => shapes.listing(folder, limits),
            None => walk::list(folder, limits),
        }
    }

    /// The hash of the folder at `path` when it still has this fingerprint.
    pub(crate) fn get(&self, path: &Path, fingerprint: &str) -> Option<&str> {
        if self.reused.is_some() {
            return self
                .reused(path, fingerprint)
                .map(|entry| entry.content_hash.as_str());
        }
        self.hashes
            .get(path)
            .filter(|(known, _)| known == fingerprint)
            .map(|(_, hash)| hash.as_str())
    }

    /// The row of the folder at `path`, taken whole (moved out: each path is met once a
    /// scan), when it still has this fingerprint.
    pub(crate) fn take_row(&self, path: &Path, fingerprint: &str) -> Option<ToolEntry> {
        if self.reused.is_some() {
            return self
                .reused(path, fingerprint)
                .filter(|entry| entry.manifest.is_some())
                .cloned();
        }
        let mut slot = self
            .slot(path)?
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A row holds a tool's hash, or the error its files gave (`broken_listed`).
        let row = slot.take_if(|row| {
            !row.fingerprint.is_empty()
                && (!row.content_hash.is_empty() || row.error.is_some())
                && row.fingerprint == fingerprint
        })?;
        if let Some(shapes) = &self.shapes {
            shapes
                .taken
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Some(row)
    }

    /// For a listing: whether the index it was given holds exactly the rows `entries` would
    /// write, `same_row` telling whether two entries make the same row. When every entry is a
    /// row taken whole, as many as the index has, it does without comparing a field.
    pub(crate) fn index_holds(
        &self,
        entries: &[ToolEntry],
        same_row: impl Fn(&ToolEntry, &ToolEntry) -> bool,
    ) -> bool {
        let taken = self
            .shapes
            .as_ref()
            .map_or(0, |s| s.taken.load(std::sync::atomic::Ordering::Relaxed));
        entries.len() == self.row_at.len()
            && (taken == entries.len()
                || entries.iter().all(|e| {
                    self.slot(&e.path).is_some_and(|slot| {
                        // A slot left empty is a row `take_row` took whole: this entry.
                        slot.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .as_ref()
                            .is_none_or(|row| same_row(row, e))
                    })
                }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose mtime is `mtime` s and ctime `ctime` s (since the epoch).
    fn file(mtime: i64, ctime: i64) -> Listed {
        Listed {
            relative: PathBuf::from("run.sh"),
            kind: Kind::File,
            len: 3,
            stamp: (7, mtime, 0, ctime, 0),
        }
    }

    #[test]
    fn a_fingerprint_is_kept_only_once_every_ctime_is_3_s_old() {
        let read_at = (100, 0);
        let settled = [file(90, 96), file(50, 50)];
        assert_eq!(kept("fp", &settled, read_at), "fp");
        let changed_now = [file(50, 50), file(98, 98)];
        assert_eq!(kept("fp", &changed_now, read_at), "", "changed 2 s ago");
        let mtime_set_back = [file(10, 99)];
        assert_eq!(
            kept("fp", &mtime_set_back, read_at),
            "",
            "the ctime says when it changed"
        );
    }
}
