//! Listing a tool folder from metadata alone, within limits: the scan learns that a folder is
//! too large before it reads a byte of it, and stops listing as soon as a limit is passed.
//!
//! The walk keeps its own stack instead of recursing, so no nesting depth can overflow it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const MIB: u64 = 1024 * 1024;

/// `[catalog]`: how much of one tool folder a scan will look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Apparent size of all files of a tool folder (a sparse file counts at its length).
    pub max_tool_bytes: u64,
    /// Entries of a tool folder: files, links and folders alike.
    pub max_tool_files: u64,
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
    pub const NONE: ScanLimits = ScanLimits {
        max_tool_bytes: u64::MAX,
        max_tool_files: u64::MAX,
    };
}

/// Why a tool folder was not listed to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverLimit {
    /// `bytes` is what was counted when the walk stopped, so the folder holds at least that.
    #[error("tool folder is at least {}, over the {} limit", human(*bytes), human(*limit))]
    Size { bytes: u64, limit: u64 },
    #[error("tool folder holds more than {limit} files, over the {limit} file limit")]
    Files { limit: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    /// Hashed by its target text, never followed.
    Symlink,
}

/// One file or symlink of a tool folder, as its metadata described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub relative: PathBuf,
    pub kind: Kind,
    /// Length seen when listed: hashing reads no more than this.
    pub len: u64,
    /// Inode, mtime and ctime (ns): together with `len`, what says the file did not change.
    pub stamp: (u64, i64, i64, i64, i64),
}

/// The regular files and symlinks of a folder in path order. FIFOs, sockets and devices are
/// left out: they are no part of a tool, and opening one could block.
pub fn list(folder: &Path, limits: ScanLimits) -> Result<Vec<Listed>, OverLimit> {
    let mut out = Vec::new();
    let mut bytes = 0u64;
    let mut entries = 0u64;
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(read_dir) = std::fs::read_dir(folder.join(&relative)) else {
            continue;
        };
        for dirent in read_dir.flatten() {
            entries += 1;
            if entries > limits.max_tool_files {
                return Err(OverLimit::Files {
                    limit: limits.max_tool_files,
                });
            }
            let name = dirent.file_name();
            let child = relative.join(&name);
            // `DirEntry::metadata` does not follow symlinks.
            let Ok(meta) = dirent.metadata() else {
                continue;
            };
            let file_type = meta.file_type();
            if file_type.is_dir() {
                if !is_ignored_dir(&name.to_string_lossy()) {
                    pending.push(child);
                }
                continue;
            }
            let kind = if file_type.is_file() {
                Kind::File
            } else if file_type.is_symlink() {
                Kind::Symlink
            } else {
                continue;
            };
            bytes = bytes.saturating_add(meta.len());
            if bytes > limits.max_tool_bytes {
                return Err(OverLimit::Size {
                    bytes,
                    limit: limits.max_tool_bytes,
                });
            }
            out.push(Listed {
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
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(out)
}

/// Dot-folders and `__pycache__` are caches (`.git`, bytecode), not part of a tool's identity.
fn is_ignored_dir(name: &str) -> bool {
    name.starts_with('.') || name == "__pycache__"
}

/// `4.0 GiB`, `64 MiB`, `512 bytes`: whole numbers stay whole.
pub fn human(bytes: u64) -> String {
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
        assert_eq!(list(dir.path(), files), Err(OverLimit::Files { limit: 4 }));
        let size = ScanLimits {
            max_tool_bytes: 12,
            max_tool_files: 100,
        };
        assert_eq!(
            list(dir.path(), size),
            Err(OverLimit::Size {
                bytes: 15,
                limit: 12
            })
        );
        assert_eq!(list(dir.path(), ScanLimits::NONE).map(|l| l.len()), Ok(5));
    }

    #[test]
    fn special_files_and_cache_folders_are_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".git/objects")).expect("mkdir");
        std::fs::write(dir.path().join(".git/objects/x"), "x").expect("write");
        std::fs::write(dir.path().join("main.py"), "print(1)\n").expect("write");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).expect("symlink");
        let _socket =
            std::os::unix::net::UnixListener::bind(dir.path().join("sock")).expect("bind");
        let listed = list(dir.path(), ScanLimits::default()).expect("list");
        let names: Vec<_> = listed
            .iter()
            .map(|l| (l.relative.to_string_lossy().into_owned(), l.kind))
            .collect();
        assert_eq!(
            names,
            [
                ("main.py".to_string(), Kind::File),
                ("zero".to_string(), Kind::Symlink)
            ]
        );
    }
}
