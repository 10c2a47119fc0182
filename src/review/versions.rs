//! The version store: an immutable, content-addressed snapshot of every version that became
//! active, under `<root>/.toolbench/versions/<name>/<version>-<hash12>/`.
//!
//! A snapshot is written once (into a temporary folder, checked against the expected content
//! hash, made read-only, then renamed into place) and never overwritten: the same hash means
//! the same content. Rollback copies out of it, so it never depends on git. The index of
//! snapshots lives in the store (`versions` table); this module owns only the folders.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::ReviewError;
use super::journal::{fsync_dir, move_noreplace};
use crate::catalog::scan::{collect_files, hash_tool_folder};
use crate::workspace::state_dir;

/// Hex digits of the content hash in a snapshot's folder name.
pub const HASH_PREFIX_LEN: usize = 12;

pub struct VersionStore {
    root: PathBuf,
}

impl VersionStore {
    pub fn new(root: &Path) -> Self {
        VersionStore {
            root: root.to_path_buf(),
        }
    }

    /// Where the snapshot of this content lives, relative to the workspace root.
    pub fn relative_path(name: &str, version: &str, content_hash: &str) -> String {
        let short = content_hash.get(..HASH_PREFIX_LEN).unwrap_or(content_hash);
        format!(
            "{}/versions/{name}/{version}-{short}",
            crate::store::STATE_DIR
        )
    }

    pub fn absolute(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Snapshots `folder` as `name@version` unless that content is already kept. Returns the
    /// snapshot's path relative to the root. Fails when the folder's content no longer
    /// matches `content_hash` (it changed since it was reviewed).
    pub fn snapshot(
        &self,
        folder: &Path,
        name: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<String, ReviewError> {
        let relative = Self::relative_path(name, version, content_hash);
        let target = self.root.join(&relative);
        if target.is_dir() {
            return Ok(relative);
        }
        let parent = state_dir(&self.root).join("versions").join(name);
        std::fs::create_dir_all(&parent).map_err(|e| ReviewError::io(&parent, &e))?;
        let tmp = parent.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        let result = self.write_snapshot(folder, &tmp, &target, name, version, content_hash);
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        result.map(|()| relative)
    }

    fn write_snapshot(
        &self,
        folder: &Path,
        tmp: &Path,
        target: &Path,
        name: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<(), ReviewError> {
        copy_tree(folder, tmp, |mode| mode & 0o555)?;
        let copied = hash_tool_folder(tmp);
        if copied != content_hash {
            return Err(ReviewError::refused(
                "snapshot",
                &format!("{name}@{version}"),
                format!(
                    "{} changed while it was being reviewed (content hash {} is now {}); look at it again",
                    folder.display(),
                    short(content_hash),
                    short(&copied)
                ),
            ));
        }
        match move_noreplace(tmp, target) {
            Ok(()) => Ok(()),
            // Another process kept the same content first: same hash, same content.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || target.is_dir() => Ok(()),
            Err(e) => Err(ReviewError::io(target, &e)),
        }
    }

    /// Copies a snapshot out to `dest` (which must not exist), with its files writable again.
    pub fn copy_out(&self, relative: &str, dest: &Path) -> Result<(), ReviewError> {
        let source = self.root.join(relative);
        if !source.is_dir() {
            return Err(ReviewError::Io {
                path: source,
                reason: "snapshot folder is missing".to_string(),
            });
        }
        copy_tree(&source, dest, |mode| mode | 0o200)
    }
}

fn short(hash: &str) -> &str {
    hash.get(..HASH_PREFIX_LEN).unwrap_or(hash)
}

/// Copies the files `collect_files` sees (what the content hash covers) from `from` into a new
/// folder `to`, symlinks as symlinks, each file's mode passed through `mode`. Files are
/// fsynced: a snapshot or staged copy must survive a crash that the journal recovers from.
pub fn copy_tree(from: &Path, to: &Path, mode: impl Fn(u32) -> u32) -> Result<(), ReviewError> {
    let mut files = Vec::new();
    collect_files(from, Path::new(""), &mut files);
    files.sort();
    std::fs::create_dir_all(to).map_err(|e| ReviewError::io(to, &e))?;
    let mut dirs = vec![to.to_path_buf()];
    for relative in files {
        let source = from.join(&relative);
        let target = to.join(&relative);
        if let Some(parent) = target.parent()
            && !parent.is_dir()
        {
            std::fs::create_dir_all(parent).map_err(|e| ReviewError::io(parent, &e))?;
            dirs.push(parent.to_path_buf());
        }
        let meta = source
            .symlink_metadata()
            .map_err(|e| ReviewError::io(&source, &e))?;
        if meta.file_type().is_symlink() {
            let link = std::fs::read_link(&source).map_err(|e| ReviewError::io(&source, &e))?;
            std::os::unix::fs::symlink(&link, &target).map_err(|e| ReviewError::io(&target, &e))?;
            continue;
        }
        std::fs::copy(&source, &target).map_err(|e| ReviewError::io(&source, &e))?;
        let file = std::fs::File::open(&target).map_err(|e| ReviewError::io(&target, &e))?;
        file.sync_all().map_err(|e| ReviewError::io(&target, &e))?;
        let permissions = std::fs::Permissions::from_mode(mode(meta.permissions().mode()) & 0o7777);
        std::fs::set_permissions(&target, permissions).map_err(|e| ReviewError::io(&target, &e))?;
    }
    for dir in dirs {
        fsync_dir(&dir);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn snapshot_is_content_addressed_read_only_and_written_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = tool(dir.path());
        let hash = hash_tool_folder(&folder);
        let store = VersionStore::new(dir.path());
        let relative = store
            .snapshot(&folder, "x", "1.0.0", &hash)
            .expect("snapshot");
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
        assert_eq!(mode & 0o777, 0o555, "read-only, executable bit kept");
        assert!(
            snap.join("link")
                .symlink_metadata()
                .expect("link")
                .is_symlink()
        );

        // Same content again: the existing snapshot is kept, nothing is rewritten.
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
    fn copy_out_gives_a_writable_identical_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = tool(dir.path());
        let hash = hash_tool_folder(&folder);
        let store = VersionStore::new(dir.path());
        let relative = store
            .snapshot(&folder, "x", "1.0.0", &hash)
            .expect("snapshot");
        let out = dir.path().join("restored");
        store.copy_out(&relative, &out).expect("copy out");
        assert_eq!(hash_tool_folder(&out), hash);
        let mode = out
            .join("tests/a.toml")
            .metadata()
            .expect("meta")
            .permissions()
            .mode();
        assert_ne!(mode & 0o200, 0);
    }
}
