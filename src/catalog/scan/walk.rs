//! Listing a tool folder from metadata alone, within limits: the scan learns that a folder is
//! too large before it reads a byte of it, and stops listing as soon as a limit is passed.
//!
//! The walk keeps its own stack instead of recursing, so no nesting depth can overflow it.
//!
//! Everything in the folder is part of the tool, dot folders and caches included: a file the
//! listing skipped would be a file a tool could run without its content being hashed,
//! reviewed or frozen (a `__pycache__/*.pyc` Python loads, a `.lib/` a script imports). What
//! cannot be content (a FIFO, a socket, a device, a folder that cannot be read) makes the
//! listing fail instead of being left out. What cannot be read is judged by its mode, as for
//! a process without privileges (`readable`): a run never has root's reading rights, so a
//! folder nobody may read is unreadable for its runs even when root scans it. The one thing
//! left out is the reviewer's feedback, the file `REVIEW.md` at the top of the folder:
//! toolbench writes it for the tool's author, so it is not the tool's content (it never changes
//! the hash), and no run, check or copy of the tool ever sees it (the runner hides it; copies
//! and snapshots leave it out).

#[cfg(test)]
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::blob::{Fields, put_bytes, put_i64};

const MIB: u64 = 1024 * 1024;

/// The file "request changes" writes at the top of a tool folder for the tool's author.
use crate::model::decided::REVIEW_FILE;

/// `[catalog]`: how much of one tool folder a scan will look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Apparent size of all files of a tool folder (a sparse file counts at its length).
    pub(crate) max_tool_bytes: u64,
    /// Entries of a tool folder: files, links and folders alike.
    pub(crate) max_tool_files: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self {
            max_tool_bytes: 64 * MIB,
            max_tool_files: 10_000,
        }
    }
}

impl ScanLimits {
    /// For folders that already passed a scan (snapshots, evolve copies).
    pub(crate) const NONE: ScanLimits = ScanLimits {
        max_tool_bytes: u64::MAX,
        max_tool_files: u64::MAX,
    };
}

/// Why a tool folder was not listed to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OverLimit {
    /// `bytes` is what was counted when the walk stopped, so the folder holds at least that.
    #[error("tool folder is at least {}, over the {} limit", crate::text::human_size(*bytes), crate::text::human_size(*limit))]
    Size { bytes: u64, limit: u64 },
    #[error("tool folder holds more than {limit} files, over the {limit} file limit")]
    Files { limit: u64 },
}

/// Why a tool folder has no listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ListError {
    #[error(transparent)]
    Over(#[from] OverLimit),
    /// Something no tool is made of, which could feed a run content nobody hashed.
    #[error("{}: a {kind} is not a tool file", shown(path))]
    Special { path: PathBuf, kind: &'static str },
    #[error("{}: cannot read this folder ({reason})", shown(path))]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: cannot read this file ({reason})", shown(path))]
    UnreadableFile { path: PathBuf, reason: String },
}

/// The files of a tool folder, and whether others than its owner may change it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Listing {
    pub(crate) files: Vec<Listed>,
    /// The first folder or file (the tool folder itself included, as `""`) whose mode lets
    /// other users write it: content that is not frozen, whatever its hash says now.
    pub(crate) writable_by_others: Option<PathBuf>,
    /// What the walk met, in its order, for a later `restat`; `None` when the listing came
    /// from `restat` (the shape it was given still holds).
    pub(crate) shape: Option<Shape>,
}

/// A tool folder as one walk met it: every folder with its own metadata (a file added,
/// removed or renamed in a folder changes its mtime and ctime), and every file and symlink
/// by name. While each folder still has that metadata, the walk would meet the same names
/// in the same order: `restat` then stats them without listing a folder (git's untracked
/// cache). `read_at` is when the walk began: a folder changed less than `SETTLED` before it
/// could change again after the walk with the same mtime (a file system's clock has its
/// granularity), so it is never taken as unchanged (git's "racily clean" entries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) read_at: (i64, i64),
    pub(crate) items: Vec<Item>,
}

/// One entry of a walk, in the order met; the first is the tool folder itself (`""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Folder(PathBuf, FolderStamp),
    File(PathBuf),
    Symlink(PathBuf),
    /// `REVIEW.md` at the top: counted as an entry, never part of the listing.
    Review,
}

/// What says a folder's names did not change: device, inode, mtime and ctime (s, ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FolderStamp([i64; 6]);

impl FolderStamp {
    fn of(meta: &impl Stat) -> Self {
        let (mtime, mtime_ns) = meta.st_mtime();
        let (ctime, ctime_ns) = meta.st_ctime();
        FolderStamp([
            meta.st_dev() as i64,
            meta.st_ino() as i64,
            mtime,
            mtime_ns,
            ctime,
            ctime_ns,
        ])
    }

    /// Whether the folder last changed at least `SETTLED` before `read_at`: any change
    /// after that moment gives it another ctime, on any file system's clock up to 2 s. The
    /// ctime, not the mtime: a name added and the mtime set back in the tick the folder was
    /// read would leave an mtime-settled stamp as it was.
    fn settled(&self, read_at: (i64, i64)) -> bool {
        settled((self.0[4], self.0[5]), read_at)
    }
}

/// Whether what last changed at `changed` (s, ns) had settled by `read_at`: any change after
/// `read_at` gives it a later time, on any file system's clock up to 2 s.
pub(crate) fn settled(changed: (i64, i64), read_at: (i64, i64)) -> bool {
    let ns = |(s, n): (i64, i64)| i128::from(s) * 1_000_000_000 + i128::from(n);
    ns(changed) + SETTLED_NS < ns(read_at)
}

/// How long before a walk a folder's last change must be for the walk's shape to be trusted:
/// above the timestamp granularity of every common file system (ns on ext4, XFS, Btrfs and
/// tmpfs, 1 s on ext3 and some network file systems, 2 s on FAT).
const SETTLED_NS: i128 = 3_000_000_000;

/// The wall clock now, as (s, ns) since the epoch.
pub(crate) fn now() -> (i64, i64) {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_secs() as i64, i64::from(since.subsec_nanos()))
}

impl Shape {
    /// Whether `other` met the same folders, with the same metadata, and the same names.
    pub(crate) fn same_items(&self, other: &Shape) -> bool {
        self.items == other.items
    }

    /// Whether every folder had settled when this shape was read.
    pub(crate) fn settled(&self) -> bool {
        self.items.iter().all(|item| match item {
            Item::Folder(_, stamp) => stamp.settled(self.read_at),
            _ => true,
        })
    }

    /// The shape as the index keeps it. The encoding starts with a version byte, so a shape
    /// of another layout is never misread: it decodes as none, and the folder is listed.
    pub(crate) fn encode(&self) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        let mut out = Vec::with_capacity(24 + self.items.len() * 24);
        out.push(SHAPE_FORMAT);
        put_i64(&mut out, self.read_at.0);
        put_i64(&mut out, self.read_at.1);
        for item in &self.items {
            let (tag, path) = match item {
                Item::Folder(path, _) => (0u8, Some(path)),
                Item::File(path) => (1, Some(path)),
                Item::Symlink(path) => (2, Some(path)),
                Item::Review => (3, None),
            };
            out.push(tag);
            if let Some(path) = path {
                put_bytes(&mut out, path.as_os_str().as_bytes());
            }
            if let Item::Folder(_, stamp) = item {
                for n in stamp.0 {
                    put_i64(&mut out, n);
                }
            }
        }
        out
    }

    /// `encode`'s bytes back; `None` for anything else (another format, a damaged blob).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Shape> {
        let mut reader = Fields::of(bytes);
        if reader.take(1)? != [SHAPE_FORMAT] {
            return None;
        }
        let read_at = (reader.i64()?, reader.i64()?);
        let mut items = Vec::new();
        while let Some(tag) = reader.take(1) {
            items.push(match tag[0] {
                0 => {
                    let path = reader.path()?;
                    let mut stamp = [0i64; 6];
                    for n in &mut stamp {
                        *n = reader.i64()?;
                    }
                    Item::Folder(path, FolderStamp(stamp))
                }
                1 => Item::File(reader.path()?),
                2 => Item::Symlink(reader.path()?),
                3 => Item::Review,
                _ => return None,
            });
        }
        matches!(items.first(), Some(Item::Folder(top, _)) if top.as_os_str().is_empty())
            .then_some(Shape { read_at, items })
    }
}

/// The layout of `Shape::encode`.
const SHAPE_FORMAT: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    /// Hashed by its target text, never followed.
    Symlink,
}

/// One file or symlink of a tool folder, as its metadata described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) relative: PathBuf,
    pub(crate) kind: Kind,
    /// Length seen when listed: hashing reads no more than this.
    pub(crate) len: u64,
    /// Inode, mtime and ctime (ns): together with `len`, what says the file did not change.
    pub(crate) stamp: (u64, i64, i64, i64, i64),
}

impl Listed {
    /// The entry `relative`, of `kind`, as its metadata `meta` (from `lstat`) describes it.
    pub(crate) fn of(relative: PathBuf, kind: Kind, meta: &std::fs::Metadata) -> Self {
        Listed {
            relative,
            kind,
            len: meta.len(),
            stamp: stamp_of(meta),
        }
    }
}

/// The regular files and symlinks of a folder in path order, with the shape of the walk.
pub(crate) fn list(folder: &Path, limits: ScanLimits) -> Result<Listing, ListError> {
    let read_at = now();
    let mut listing = Listing::default();
    let mut items = Vec::new();
    let mut bytes = 0u64;
    let mut entries = 0u64;
    if let Ok(meta) = std::fs::symlink_metadata(folder) {
        note_writable(&mut listing, PathBuf::new(), &meta);
        readable(&meta, PathBuf::new())?;
        if meta.is_dir() {
            items.push(Item::Folder(PathBuf::new(), FolderStamp::of(&meta)));
        }
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let read_dir =
            std::fs::read_dir(folder.join(&relative)).map_err(|e| ListError::Unreadable {
                path: relative.clone(),
                reason: crate::io_text::io_reason(&e),
            })?;
        for dirent in read_dir {
            let dirent = dirent.map_err(|e| ListError::Unreadable {
                path: relative.clone(),
                reason: crate::io_text::io_reason(&e),
            })?;
            entries += 1;
            if entries > limits.max_tool_files {
                return Err(OverLimit::Files {
                    limit: limits.max_tool_files,
                }
                .into());
            }
            let child = relative.join(dirent.file_name());
            // `DirEntry::metadata` does not follow symlinks. A file gone since the listing
            // is simply not there.
            let Ok(meta) = dirent.metadata() else {
                continue;
            };
            let file_type = meta.file_type();
            if file_type.is_file() && child.as_os_str() == REVIEW_FILE {
                items.push(Item::Review);
                continue;
            }
            if file_type.is_dir() {
                note_writable(&mut listing, child.clone(), &meta);
                items.push(Item::Folder(child.clone(), FolderStamp::of(&meta)));
                pending.push(readable(&meta, child)?);
                continue;
            }
            let kind = if file_type.is_file() {
                note_writable(&mut listing, child.clone(), &meta);
                readable(&meta, child.clone())?;
                items.push(Item::File(child.clone()));
                Kind::File
            } else if file_type.is_symlink() {
                items.push(Item::Symlink(child.clone()));
                Kind::Symlink
            } else {
                return Err(ListError::Special {
                    path: child,
                    kind: special_kind(&file_type),
                });
            };
            bytes = bytes.saturating_add(meta.len());
            if bytes > limits.max_tool_bytes {
                return Err(OverLimit::Size {
                    bytes,
                    limit: limits.max_tool_bytes,
                }
                .into());
            }
            listing.files.push(Listed::of(child, kind, &meta));
        }
    }
    listing.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    // A folder not met as one (gone, or a symlink, before the walk) has no shape to keep.
    if !items.is_empty() {
        listing.shape = Some(Shape { read_at, items });
    }
    Ok(listing)
}

/// `list`'s answer without listing a folder, while `shape` still holds: every folder the walk
/// met is there with the metadata it had then (and had settled by then), and every file and
/// symlink is still one, stat'ed afresh. `None` when anything differs or cannot be told (a
/// limit passed, a mode that refuses reading, a file gone): the caller lists the folder, and
/// the walk answers, with its error if it has one.
#[cfg(test)]
pub(crate) fn restat(folder: &Path, shape: &Shape, limits: ScanLimits) -> Option<Listing> {
    let parent = folder.parent()?;
    let dir = rustix::fs::open(
        parent,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()?;
    restat_at(
        dir.as_fd(),
        Path::new(folder.file_name()?),
        shape.clone(),
        limits,
    )
}

/// `restat` for the folder `name` of the open folder `dir`: every stat is one `statx` relative
/// to `dir`, asking only what a listing reads, so the kernel resolves the path from the tier
/// folder on instead of from `/` (a third of a stat's time at 10,000 tools). The shape is
/// used up: its paths become the listing's, not copies.
pub(crate) fn restat_at(
    dir: std::os::fd::BorrowedFd<'_>,
    name: &Path,
    shape: Shape,
    limits: ScanLimits,
) -> Option<Listing> {
    use rustix::fs::{AtFlags, StatxFlags};
    if !shape.settled() {
        return None;
    }
    let wanted = StatxFlags::TYPE
        | StatxFlags::MODE
        | StatxFlags::UID
        | StatxFlags::GID
        | StatxFlags::INO
        | StatxFlags::SIZE
        | StatxFlags::MTIME
        | StatxFlags::CTIME;
    let mut listing = Listing::default();
    let mut bytes = 0u64;
    let mut entries = 0u64;
    let mut path = name.to_path_buf();
    for (index, mut item) in shape.items.into_iter().enumerate() {
        if index > 0 {
            entries += 1;
            if entries > limits.max_tool_files {
                return None;
            }
        }
        let relative = match &mut item {
            Item::Review => continue,
            Item::Folder(path, _) | Item::File(path) | Item::Symlink(path) => std::mem::take(path),
        };
        path.clear();
        path.push(name);
        if !relative.as_os_str().is_empty() {
            path.push(&relative);
        }
        let meta = rustix::fs::statx(dir, &path, AtFlags::SYMLINK_NOFOLLOW, wanted).ok()?;
        if meta.stx_mask & wanted.bits() != wanted.bits() {
            return None;
        }
        let kind = match (item, kind_of(&meta)) {
            (Item::Folder(_, stamp), libc::S_IFDIR) => {
                if FolderStamp::of(&meta) != stamp {
                    return None;
                }
                note_writable_at(&mut listing, &relative, &meta);
                readable(&meta, PathBuf::new()).ok()?;
                continue;
            }
            (Item::File(_), libc::S_IFREG) => {
                note_writable_at(&mut listing, &relative, &meta);
                readable(&meta, PathBuf::new()).ok()?;
                Kind::File
            }
            (Item::Symlink(_), libc::S_IFLNK) => Kind::Symlink,
            _ => return None,
        };
        bytes = bytes.saturating_add(meta.stx_size);
        if bytes > limits.max_tool_bytes {
            return None;
        }
        listing.files.push(Listed {
            relative,
            kind,
            len: meta.stx_size,
            stamp: stamp_of(&meta),
        });
    }
    listing.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Some(listing)
}

fn stamp_of(meta: &impl Stat) -> (u64, i64, i64, i64, i64) {
    let (mtime, mtime_ns) = meta.st_mtime();
    let (ctime, ctime_ns) = meta.st_ctime();
    (meta.st_ino(), mtime, mtime_ns, ctime, ctime_ns)
}

/// What a listing reads of a file's metadata, from `std::fs::Metadata` (the walk) or from one
/// `statx` (`restat`), so both judge a file alike.
pub(crate) trait Stat {
    fn st_mode(&self) -> u32;
    fn st_uid(&self) -> u32;
    fn st_gid(&self) -> u32;
    fn st_dev(&self) -> u64;
    fn st_ino(&self) -> u64;
    fn st_mtime(&self) -> (i64, i64);
    fn st_ctime(&self) -> (i64, i64);
}

impl Stat for std::fs::Metadata {
    fn st_mode(&self) -> u32 {
        self.mode()
    }
    fn st_uid(&self) -> u32 {
        self.uid()
    }
    fn st_gid(&self) -> u32 {
        self.gid()
    }
    fn st_dev(&self) -> u64 {
        self.dev()
    }
    fn st_ino(&self) -> u64 {
        self.ino()
    }
    fn st_mtime(&self) -> (i64, i64) {
        (self.mtime(), self.mtime_nsec())
    }
    fn st_ctime(&self) -> (i64, i64) {
        (self.ctime(), self.ctime_nsec())
    }
}

impl Stat for rustix::fs::Statx {
    fn st_mode(&self) -> u32 {
        u32::from(self.stx_mode)
    }
    fn st_uid(&self) -> u32 {
        self.stx_uid
    }
    fn st_gid(&self) -> u32 {
        self.stx_gid
    }
    fn st_dev(&self) -> u64 {
        // As `std::fs::Metadata::dev` encodes it from the same call.
        libc::makedev(self.stx_dev_major, self.stx_dev_minor)
    }
    fn st_ino(&self) -> u64 {
        self.stx_ino
    }
    fn st_mtime(&self) -> (i64, i64) {
        (self.stx_mtime.tv_sec, i64::from(self.stx_mtime.tv_nsec))
    }
    fn st_ctime(&self) -> (i64, i64) {
        (self.stx_ctime.tv_sec, i64::from(self.stx_ctime.tv_nsec))
    }
}

/// The kind of file a `Stat` describes.
fn kind_of(meta: &impl Stat) -> u32 {
    meta.st_mode() & libc::S_IFMT
}

/// A path inside the tool folder as messages show it; the folder itself is `.`.
fn shown(relative: &Path) -> String {
    if relative.as_os_str().is_empty() {
        ".".to_string()
    } else {
        relative.display().to_string()
    }
}

/// `relative` back when its mode lets this process read it (and search it, a folder) without
/// privileges: the owner's bits for the owner, the group's for a member, else the others'.
fn readable(meta: &impl Stat, relative: PathBuf) -> Result<PathBuf, ListError> {
    static IDENTITY: std::sync::OnceLock<(u32, Vec<u32>)> = std::sync::OnceLock::new();
    let (uid, groups) = IDENTITY.get_or_init(|| {
        let mut groups: Vec<u32> = rustix::process::getgroups()
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.as_raw())
            .collect();
        groups.push(rustix::process::getegid().as_raw());
        (rustix::process::geteuid().as_raw(), groups)
    });
    let mode = meta.st_mode();
    let bits = if meta.st_uid() == *uid {
        mode >> 6
    } else if groups.contains(&meta.st_gid()) {
        mode >> 3
    } else {
        mode
    } & 0o7;
    let folder = kind_of(meta) == libc::S_IFDIR;
    let needed = if folder { 0o5 } else { 0o4 };
    if bits & needed == needed {
        return Ok(relative);
    }
    let reason = format!("permission denied: mode {:03o}", mode & 0o777);
    Err(if folder {
        ListError::Unreadable {
            path: relative,
            reason,
        }
    } else {
        ListError::UnreadableFile {
            path: relative,
            reason,
        }
    })
}

fn note_writable(listing: &mut Listing, relative: PathBuf, meta: &impl Stat) {
    if listing.writable_by_others.is_none() && meta.st_mode() & 0o002 != 0 {
        listing.writable_by_others = Some(relative);
    }
}

/// `note_writable` for a path the caller keeps: copied only when noted.
fn note_writable_at(listing: &mut Listing, relative: &Path, meta: &impl Stat) {
    if listing.writable_by_others.is_none() && meta.st_mode() & 0o002 != 0 {
        listing.writable_by_others = Some(relative.to_path_buf());
    }
}

fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the walk of `folder`, as the walk met it.
    fn shape_of(folder: &Path, limits: ScanLimits) -> Shape {
        list(folder, limits).expect("list").shape.expect("shape")
    }

    /// Sets `path`'s mtime (a folder's too).
    fn set_mtime(path: &Path, when: std::time::SystemTime) {
        std::fs::File::open(path)
            .and_then(|f| f.set_modified(when))
            .expect("set mtime");
    }

    /// The shape of the walk of `folder`, as a walk 10 s later would have met it: settled
    /// for `restat` (no ctime can be set back, so its read time is moved on instead).
    fn settled_shape(folder: &Path, limits: ScanLimits) -> Shape {
        let mut shape = shape_of(folder, limits);
        shape.read_at.0 += 10;
        assert!(shape.settled());
        shape
    }

    fn tool(dir: &Path) {
        std::fs::create_dir_all(dir.join("tests")).expect("mkdir");
        std::fs::write(dir.join("tool.toml"), "name = \"t\"\n").expect("write");
        std::fs::write(dir.join("tests/a.toml"), "a").expect("write");
        std::fs::write(dir.join(REVIEW_FILE), "feedback").expect("write");
        std::os::unix::fs::symlink("tool.toml", dir.join("link")).expect("symlink");
    }

    #[test]
    fn a_shape_round_trips_and_anything_else_decodes_as_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        tool(dir.path());
        let shape = shape_of(dir.path(), ScanLimits::default());
        assert_eq!(shape.items.len(), 6, "{shape:?}");
        let bytes = shape.encode();
        assert_eq!(Shape::decode(&bytes), Some(shape));
        assert_eq!(Shape::decode(&bytes[..bytes.len() - 1]), None, "cut short");
        let mut other = bytes.clone();
        other[0] = SHAPE_FORMAT + 1;
        assert_eq!(Shape::decode(&other), None, "another format");
        assert_eq!(Shape::decode(&[]), None);
    }

    /// While the folders are as the walk met them, `restat` gives the walk's listing without
    /// listing a folder; a change the stats show (a file rewritten in place) is in it.
    #[test]
    fn restat_answers_as_the_walk_while_the_shape_holds() {
        let dir = tempfile::tempdir().expect("tempdir");
        tool(dir.path());
        let limits = ScanLimits::default();
        let walked = list(dir.path(), limits).expect("list");
        let shape = settled_shape(dir.path(), limits);
        let restated = restat(dir.path(), &shape, limits).expect("holds");
        assert_eq!(restated.files, walked.files);
        assert_eq!(restated.writable_by_others, walked.writable_by_others);
        assert_eq!(restated.shape, None);
        std::fs::write(dir.path().join("tool.toml"), "name = \"u\"\n").expect("edit");
        let restated = restat(dir.path(), &shape, limits).expect("names unchanged");
        assert_eq!(
            restated.files,
            list(dir.path(), limits).expect("list").files
        );
        // Over a limit lowered since: the walk answers, with its error.
        let few = ScanLimits {
            max_tool_bytes: u64::MAX,
            max_tool_files: 2,
        };
        assert_eq!(restat(dir.path(), &shape, few), None);
    }

    /// A name added, removed or renamed in any folder of the shape, a folder replaced (same
    /// mtime, another inode), a folder changed too recently to tell, or gone: `restat`
    /// declines, and the folder is listed.
    #[test]
    fn restat_declines_whatever_changed_a_folder() {
        let limits = ScanLimits::default();
        let fresh = || {
            let dir = tempfile::tempdir().expect("tempdir");
            tool(dir.path());
            let shape = settled_shape(dir.path(), limits);
            assert!(
                restat(dir.path(), &shape, limits).is_some(),
                "holds until changed"
            );
            (dir, shape)
        };
        let (dir, shape) = fresh();
        std::fs::write(dir.path().join("tests/b.toml"), "b").expect("add in a subfolder");
        assert_eq!(restat(dir.path(), &shape, limits), None);

        let (dir, shape) = fresh();
        std::fs::remove_file(dir.path().join("link")).expect("rm");
        std::os::unix::fs::symlink("tests", dir.path().join("link")).expect("swap");
        assert_eq!(restat(dir.path(), &shape, limits), None, "symlink swapped");

        let (dir, shape) = fresh();
        let meta = std::fs::metadata(dir.path().join("tests")).expect("meta");
        std::fs::rename(dir.path().join("tests"), dir.path().join("old")).expect("mv");
        std::fs::create_dir(dir.path().join("tests")).expect("mkdir");
        std::fs::write(dir.path().join("tests/a.toml"), "a").expect("write");
        std::fs::remove_dir_all(dir.path().join("old")).expect("rm");
        let an_hour_ago = || std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        set_mtime(&dir.path().join("tests"), meta.modified().expect("mtime"));
        set_mtime(dir.path(), an_hour_ago());
        assert_eq!(restat(dir.path(), &shape, limits), None, "another inode");

        let (dir, _) = fresh();
        set_mtime(dir.path(), std::time::SystemTime::now());
        let walked = shape_of(dir.path(), limits);
        assert!(!walked.settled(), "changed just now");
        assert_eq!(restat(dir.path(), &walked, limits), None);
        set_mtime(dir.path(), an_hour_ago());
        assert!(
            !shape_of(dir.path(), limits).settled(),
            "the mtime set back, the ctime says now"
        );

        let (dir, shape) = fresh();
        let gone = dir.path().to_path_buf();
        drop(dir);
        assert_eq!(restat(&gone, &shape, limits), None, "vanished");
        assert!(matches!(
            list(&gone, limits),
            Err(ListError::Unreadable { .. })
        ));
    }

    #[test]
    fn stops_at_the_first_limit_passed() {
        let dir = tempfile::tempdir().expect("tempdir");
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("f{i}")), "12345").expect("write");
        }
        let files = ScanLimits {
            max_tool_bytes: u64::MAX,
            max_tool_files: 4,
        };
        assert_eq!(
            list(dir.path(), files),
            Err(OverLimit::Files { limit: 4 }.into())
        );
        let size = ScanLimits {
            max_tool_bytes: 12,
            max_tool_files: 100,
        };
        assert_eq!(
            list(dir.path(), size),
            Err(OverLimit::Size {
                bytes: 15,
                limit: 12
            }
            .into())
        );
        assert_eq!(
            list(dir.path(), ScanLimits::NONE).map(|l| l.files.len()),
            Ok(5)
        );
    }

    #[test]
    fn dot_folders_and_caches_are_content_and_special_files_refuse_the_listing() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".lib")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("__pycache__")).expect("mkdir");
        std::fs::write(dir.path().join(".lib/x.py"), "x").expect("write");
        std::fs::write(dir.path().join("__pycache__/m.pyc"), "pyc").expect("write");
        std::fs::write(dir.path().join("main.py"), "print(1)\n").expect("write");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).expect("symlink");
        let listed = list(dir.path(), ScanLimits::default()).expect("list");
        let names: Vec<_> = listed
            .files
            .iter()
            .map(|l| (l.relative.to_string_lossy().into_owned(), l.kind))
            .collect();
        assert_eq!(
            names,
            [
                (".lib/x.py".to_string(), Kind::File),
                ("__pycache__/m.pyc".to_string(), Kind::File),
                ("main.py".to_string(), Kind::File),
                ("zero".to_string(), Kind::Symlink)
            ]
        );
        let _socket =
            std::os::unix::net::UnixListener::bind(dir.path().join("sock")).expect("bind");
        assert_eq!(
            list(dir.path(), ScanLimits::default()).map(|l| l.files.len()),
            Err(ListError::Special {
                path: "sock".into(),
                kind: "socket"
            })
        );
        let err = list(dir.path(), ScanLimits::default())
            .err()
            .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("sock: a socket is not a tool file"));
    }

    #[test]
    fn a_file_or_folder_others_may_write_is_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/run.sh"), "true\n").expect("write");
        let chmod = |path: &str, mode: u32| {
            std::fs::set_permissions(dir.path().join(path), PermissionsExt::from_mode(mode))
                .expect("chmod");
        };
        chmod("", 0o755);
        chmod("sub", 0o755);
        chmod("sub/run.sh", 0o664);
        let listed = list(dir.path(), ScanLimits::default()).expect("list");
        assert_eq!(
            listed.writable_by_others, None,
            "group write is the owner's choice"
        );
        chmod("sub/run.sh", 0o666);
        let listed = list(dir.path(), ScanLimits::default()).expect("list");
        assert_eq!(listed.writable_by_others, Some("sub/run.sh".into()));
        chmod("", 0o777);
        let listed = list(dir.path(), ScanLimits::default()).expect("list");
        assert_eq!(listed.writable_by_others, Some("".into()));
    }
}
