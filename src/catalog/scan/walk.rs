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

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const MIB: u64 = 1024 * 1024;

/// The file "request changes" writes at the top of a tool folder for the tool's author.
pub(crate) const REVIEW_FILE: &str = "REVIEW.md";

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
    #[error("tool folder is at least {}, over the {} limit", human(*bytes), human(*limit))]
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
}

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

/// The regular files and symlinks of a folder in path order.
pub(crate) fn list(folder: &Path, limits: ScanLimits) -> Result<Listing, ListError> {
    let mut listing = Listing::default();
    let mut bytes = 0u64;
    let mut entries = 0u64;
    if let Ok(meta) = std::fs::symlink_metadata(folder) {
        note_writable(&mut listing, PathBuf::new(), &meta);
        readable(&meta, PathBuf::new())?;
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let read_dir =
            std::fs::read_dir(folder.join(&relative)).map_err(|e| ListError::Unreadable {
                path: relative.clone(),
                reason: crate::catalog::manifest::io_reason(&e),
            })?;
        for dirent in read_dir {
            let dirent = dirent.map_err(|e| ListError::Unreadable {
                path: relative.clone(),
                reason: crate::catalog::manifest::io_reason(&e),
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
                continue;
            }
            if file_type.is_dir() {
                note_writable(&mut listing, child.clone(), &meta);
                pending.push(readable(&meta, child)?);
                continue;
            }
            let kind = if file_type.is_file() {
                note_writable(&mut listing, child.clone(), &meta);
                readable(&meta, child.clone())?;
                Kind::File
            } else if file_type.is_symlink() {
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
            listing.files.push(Listed {
                relative: child,
                kind,
                len: meta.len(),
                stamp: (
                    meta.ino(),
                    meta.mtime(),
                    meta.mtime_nsec(),
                    meta.ctime(),
                    meta.ctime_nsec(),
                ),
            });
        }
    }
    listing.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(listing)
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
fn readable(meta: &std::fs::Metadata, relative: PathBuf) -> Result<PathBuf, ListError> {
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
    let mode = meta.mode();
    let bits = if meta.uid() == *uid {
        mode >> 6
    } else if groups.contains(&meta.gid()) {
        mode >> 3
    } else {
        mode
    } & 0o7;
    let folder = meta.is_dir();
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

fn note_writable(listing: &mut Listing, relative: PathBuf, meta: &std::fs::Metadata) {
    if listing.writable_by_others.is_none() && meta.mode() & 0o002 != 0 {
        listing.writable_by_others = Some(relative);
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

/// `4.0 GiB`, `64 MiB`, `512 bytes`: whole numbers stay whole.
pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_whole_or_with_one_decimal() {
        assert_eq!(human(64 * MIB), "64 MiB");
        assert_eq!(human(4 * 1024 * MIB + 1), "4.0 GiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(12), "12 bytes");
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
