//! The version store: an immutable, content-addressed snapshot of every version that became
//! active, under `<root>/.toolbench/versions/<name>/<version>-<hash12>/`.
//!
//! A snapshot is written once (into a temporary folder, checked against the expected content
//! hash, made read-only, then renamed into place) and never overwritten: the same hash means
//! the same content. Rollback copies out of it, so it never depends on git. The index of
//! snapshots lives in the store (`versions` table); this module owns only the folders.

use std::path::{Path, PathBuf};

use crate::io_text::io_reason;
use crate::safe_fs::{Dir, SafeFsError, copy_tree};

/// Why a snapshot was not kept or not copied out.
#[derive(Debug, thiserror::Error)]
pub(crate) enum VersionError {
    #[error(transparent)]
    Fs(#[from] SafeFsError),
    /// The copy is not the content it was made for: nothing of it is kept or used.
    #[error("cannot {action} {what}: {reason}")]
    Changed {
        action: &'static str,
        what: String,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

/// The permissions the active copies made from a snapshot keep: read and execute, no write
/// for anyone.
pub(crate) const FROZEN_MODE: u32 = 0o555;

/// A snapshot's file: read for its owner alone, as everything of the store, and execute when
/// it was executable.
fn snapshot_mode(mode: u32) -> u32 {
    (mode & 0o100) | 0o400
}

/// An active copy's file: read for everyone, execute for everyone when it was executable.
fn frozen(mode: u32) -> u32 {
    if mode & 0o111 != 0 {
        FROZEN_MODE
    } else {
        FROZEN_MODE & 0o444
    }
}

impl VersionError {
    fn changed(action: &'static str, what: String, reason: String) -> Self {
        VersionError::Changed {
            action,
            what,
            reason,
        }
    }
}

/// Hex digits of the content hash in a snapshot's folder name.
pub(crate) const HASH_PREFIX_LEN: usize = 12;

pub(crate) struct VersionStore {
    root: PathBuf,
}

impl VersionStore {
    pub(crate) fn new(root: &Path) -> Self {
        VersionStore {
            root: root.to_path_buf(),
        }
    }

    /// Where the snapshot of this content lives, relative to the workspace root.
    pub(crate) fn relative_path(name: &str, version: &str, content_hash: &str) -> String {
        let short = content_hash.get(..HASH_PREFIX_LEN).unwrap_or(content_hash);
        format!(
            "{}/versions/{name}/{version}-{short}",
            crate::workspace::STATE_DIR
        )
    }

    pub(crate) fn absolute(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Snapshots `folder` as `name@version` unless that content is already kept. Returns the
    /// snapshot's path relative to the root. Fails when the folder's content no longer
    /// matches `content_hash` (it changed since it was reviewed), or when a symlink in the
    /// version store or in the folder would lead the copy elsewhere. (Decisions and adoption
    /// stage their copies and keep them together.)
    #[cfg(test)]
    pub(crate) fn snapshot(
        &self,
        folder: &Path,
        name: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<String, VersionError> {
        let staged = self.stage(folder, name, version, content_hash)?;
        self.keep_all(staged.into_iter().collect())?;
        Ok(Self::relative_path(name, version, content_hash))
    }

    /// Keeps every staged copy: the file system synced once before the first is renamed into
    /// place, and once after the last. Not two folder fsyncs a copy: a workspace's first
    /// contact keeps thousands.
    pub(crate) fn keep_all(&self, staged: Vec<StagedCopy>) -> Result<(), VersionError> {
        if staged.is_empty() {
            return Ok(());
        }
        let root = Dir::open(&self.root)?;
        root.sync_filesystem()?;
        staged.into_iter().try_for_each(|copy| copy.keep(&root))?;
        root.sync_filesystem()?;
        Ok(())
    }

    /// The first half of `snapshot`: the checked copy, in a temporary folder and not yet
    /// synced, for a caller keeping many at once (`keep_all`, one sync for all). A copy not
    /// kept is removed. `None` when the same content is kept already.
    pub(crate) fn stage(
        &self,
        folder: &Path,
        name: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<Option<StagedCopy>, VersionError> {
        let relative = Self::relative_path(name, version, content_hash);
        if self.root.join(&relative).is_dir() {
            return Ok(None);
        }
        let parent = format!("{}/versions/{name}", crate::workspace::STATE_DIR);
        let copy = StagedCopy {
            root: self.root.clone(),
            tmp: format!(
                "{parent}/.tmp-{}-{}",
                std::process::id(),
                crate::clock::unique_nanos()
            ),
            relative,
        };
        self.copy_checked(folder, &copy.tmp, name, version, content_hash)?;
        Ok(Some(copy))
    }

    fn copy_checked(
        &self,
        folder: &Path,
        tmp: &str,
        name: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<(), VersionError> {
        let root = Dir::open(&self.root)?;
        let copy =
            root.create_dirs_with_mode(Path::new(tmp), crate::workspace::private::DIR_MODE)?;
        // A tool folder inside the workspace is opened beneath it, so it is never a link.
        let source = match folder.strip_prefix(&self.root) {
            Ok(inside) => root.open_dir(inside)?,
            Err(_) => Dir::open(folder)?,
        };
        let copied = copy_tree(&source, &copy, snapshot_mode)?;
        if copied != content_hash {
            return Err(VersionError::changed(
                "snapshot",
                format!("{name}@{version}"),
                format!(
                    "{} changed while it was being reviewed (content hash {} is now {}); look at it again",
                    folder.display(),
                    short(content_hash),
                    short(&copied)
                ),
            ));
        }
        Ok(())
    }

    /// Copies a snapshot out to `dest` (relative to the root; it must not exist): the folder
    /// an active tool runs from. Its files stay without write permission, for the owner too:
    /// the content is what was accepted, and changing it is a new review, not an edit. The
    /// folders are the copier's own, so only the reviewer's account may move them. Neither
    /// side is reached through a symlink. Fails when the copy is not `content_hash`, the
    /// content the snapshot was kept for: a snapshot changed since is never made active.
    pub(crate) fn copy_out(
        &self,
        relative: &str,
        dest: &str,
        content_hash: &str,
    ) -> Result<(), VersionError> {
        let root = Dir::open(&self.root)?;
        let source = root.open_dir(Path::new(relative))?;
        // Staged in the state, whose folders stay the owner's; the copy is a tool folder.
        let dest = Path::new(dest);
        let copy = match (dest.parent(), dest.file_name()) {
            (Some(parent), Some(name)) => root
                .create_dirs_inheriting(parent)?
                .create_dirs(Path::new(name))?,
            _ => root.create_dirs(dest)?,
        };
        let copied = copy_tree(&source, &copy, frozen)?;
        if copied != content_hash {
            return Err(VersionError::changed(
                "use",
                relative.to_string(),
                format!(
                    "the snapshot no longer holds the content it was kept for (content hash {} is now {}); it was changed, and is not made active",
                    short(content_hash),
                    short(&copied)
                ),
            ));
        }
        copy.sync_filesystem()?;
        Ok(())
    }
}

/// A snapshot's checked copy in its temporary folder.
pub(crate) struct StagedCopy {
    root: PathBuf,
    tmp: String,
    relative: String,
}

impl StagedCopy {
    /// Renames the copy into place below `root`, once the file system holding it was synced;
    /// the caller syncs the move.
    fn keep(self, root: &Dir) -> Result<(), VersionError> {
        let target = self.root.join(&self.relative);
        match root.move_noreplace(Path::new(&self.tmp), Path::new(&self.relative)) {
            Ok(()) => Ok(()),
            // Another process kept the same content first: same hash, same content.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || target.is_dir() => Ok(()),
            Err(e) => Err(VersionError::Io {
                path: target,
                reason: io_reason(&e),
            }),
        }
    }
}

impl Drop for StagedCopy {
    fn drop(&mut self) {
        let tmp = self.root.join(&self.tmp);
        if tmp.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
}

fn short(hash: &str) -> &str {
    hash.get(..HASH_PREFIX_LEN).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::hash_tool_folder;
    use std::os::unix::fs::PermissionsExt;

    fn tool(dir: &Path) -> PathBuf {
        let folder = dir.join("approved/x");
        std::fs::create_dir_all(folder.join("tests")).expect("mkdir");
        std::fs::write(folder.join("tool.toml"), "name = \"x\"\n").expect("write");
        std::fs::write(folder.join("tests/a.toml"), "input = '{}'\n").expect("write");
        std::fs::set_permissions(folder.join("tool.toml"), PermissionsExt::from_mode(0o755))
            .expect("chmod");
        std::os::unix::fs::symlink("tool.toml", folder.join("link")).expect("symlink");
        folder
    }

    /// The test tool `x` kept once: the workspace, the store, the snapshot's relative path
    /// and the content hash it was kept for.
    fn kept() -> (tempfile::TempDir, VersionStore, String, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = tool(dir.path());
        let hash = hash_tool_folder(&folder);
        let store = VersionStore::new(dir.path());
        let relative = store
            .snapshot(&folder, "x", "1.0.0", &hash)
            .expect("snapshot");
        (dir, store, relative, hash)
    }

    #[test]
    fn snapshot_is_content_addressed_read_only_and_written_once() {
        let (dir, store, relative, hash) = kept();
        assert_eq!(
            relative,
            format!(".toolbench/versions/x/1.0.0-{}", &hash[..12])
        );
        let snap = dir.path().join(&relative);
        assert_eq!(hash_tool_folder(&snap), hash);
        let mode = snap
            .join("tool.toml")
            .metadata()
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o500,
            "read-only, its owner's alone, executable bit kept"
        );
        assert!(
            snap.join("link")
                .symlink_metadata()
                .expect("link")
                .is_symlink()
        );

        // Same content again: the existing snapshot is kept, nothing is rewritten.
        let folder = dir.path().join("approved/x");
        let again = store.snapshot(&folder, "x", "1.0.0", &hash).expect("again");
        assert_eq!(again, relative);
        let leftovers: Vec<_> = std::fs::read_dir(snap.parent().expect("parent"))
            .expect("read")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn snapshot_refuses_content_that_changed_since_review() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = tool(dir.path());
        let hash = hash_tool_folder(&folder);
        std::fs::write(folder.join("tool.toml"), "changed").expect("write");
        let err = VersionStore::new(dir.path())
            .snapshot(&folder, "x", "1.0.0", &hash)
            .expect_err("changed")
            .to_string();
        assert!(err.contains("changed while it was being reviewed"), "{err}");
        assert!(
            !dir.path()
                .join(".toolbench/versions/x")
                .read_dir()
                .expect("dir")
                .any(|_| true)
        );
    }

    #[test]
    fn copy_out_refuses_a_snapshot_changed_since_it_was_kept() {
        let (dir, store, relative, hash) = kept();
        let kept = dir.path().join(&relative).join("tool.toml");
        std::fs::set_permissions(&kept, PermissionsExt::from_mode(0o644)).expect("chmod");
        std::fs::write(
            &kept,
            "name = \"x\"\n[run]\ncommand = [\"sh\", \"evil.sh\"]\n",
        )
        .expect("tamper");
        let err = store
            .copy_out(&relative, "restored", &hash)
            .expect_err("changed snapshot")
            .to_string();
        assert!(
            err.contains("no longer holds the content it was kept for"),
            "{err}"
        );
    }

    #[test]
    fn copy_out_gives_an_identical_folder_nobody_may_write() {
        let (dir, store, relative, hash) = kept();
        let out = dir.path().join("restored");
        store
            .copy_out(&relative, "restored", &hash)
            .expect("copy out");
        assert_eq!(hash_tool_folder(&out), hash);
        let mode = out
            .join("tests/a.toml")
            .metadata()
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o222, 0, "{mode:o}");
    }
}
