//! The store is its owner's alone (DESIGN §11 rule 5): every folder toolbench makes under a
//! workspace's `.toolbench/` or its user data folder is 0700 and every file 0600 (a kept
//! executable 0700), so no other local user reads a run's input, a decision, a seal or a
//! token. A state folder that an older build left readable by others is made its owner's on
//! open (`make_owners`).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every folder of the state.
pub(crate) const DIR_MODE: u32 = 0o700;
/// The mode of every file of the state.
pub(crate) const FILE_MODE: u32 = 0o600;
/// The bits no file or folder of the state keeps: group's and others'.
const SHARED_BITS: u32 = 0o077;

/// Creates `path` and its missing parents, each 0700.
pub(crate) fn create_dirs(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Creates `path` 0700; `Ok(false)` when it was there already.
pub(crate) fn create_dir(path: &Path) -> io::Result<bool> {
    match DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Opens `path` for writing, created 0600 or truncated.
pub(crate) fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Writes `bytes` to `path`, created 0600 or truncated.
pub(crate) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    create(path)?.write_all(bytes.as_ref())
}

/// Makes the folder `path` and everything beneath it its owner's alone (group and other bits
/// off, nothing else changed, symlinks left as they are), when the folder itself still grants
/// others anything: a store made by an older build. A private folder costs one `stat`. Answers
/// whether anything was changed.
pub(crate) fn make_owners(path: &Path) -> io::Result<bool> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_dir() || meta.mode() & SHARED_BITS == 0 {
        return Ok(false);
    }
    // Beneath first, the folder last: a crash halfway leaves it shared, so the next open
    // finishes the work.
    let mut pending = vec![path.to_path_buf()];
    let mut folders = Vec::new();
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)?.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file() {
                restrict(&entry.path(), meta.mode())?;
            }
        }
        folders.push(folder);
    }
    for folder in folders.iter().rev() {
        let mode = std::fs::symlink_metadata(folder)?.mode();
        restrict(folder, mode)?;
    }
    Ok(true)
}

fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    if mode & SHARED_BITS == 0 {
        return Ok(());
    }
    std::fs::set_permissions(
        path,
        std::fs::Permissions::from_mode(mode & 0o7777 & !SHARED_BITS),
    )
}

/// Every file or folder beneath `path` (itself included) that another user could read or
/// search, with its mode. For the tests of every module that writes into the state.
#[cfg(test)]
pub(crate) fn shared_beneath(path: &Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut shared = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(at) = pending.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.mode() & SHARED_BITS != 0 {
            shared.push((at.clone(), meta.mode() & 0o7777));
        }
        if meta.is_dir() {
            pending.extend(
                std::fs::read_dir(&at)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).expect("stat").mode() & 0o7777
    }

    #[test]
    fn what_it_creates_is_the_owners_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let deep = dir.path().join("state/runs/one");
        create_dirs(&deep).expect("dirs");
        write(&deep.join("run.json"), "{}").expect("write");
        assert!(create_dir(&dir.path().join("state/locks")).expect("dir"));
        assert!(!create_dir(&dir.path().join("state/locks")).expect("again"));
        assert_eq!(shared_beneath(&dir.path().join("state")), []);
        assert_eq!(mode(&deep.join("run.json")), FILE_MODE);
    }

    #[test]
    fn an_older_store_is_made_the_owners_keeping_every_other_bit() {
        let dir = tempfile::tempdir().expect("dir");
        let state = dir.path().join("state");
        std::fs::create_dir_all(state.join("versions/x")).expect("dirs");
        let set = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
        };
        std::fs::write(state.join("state.db"), "db").expect("db");
        std::fs::write(state.join("versions/x/run.sh"), "x").expect("script");
        set(&state.join("state.db"), 0o644);
        set(&state.join("versions/x/run.sh"), 0o555);
        std::os::unix::fs::symlink("/etc/passwd", state.join("link")).expect("link");
        for folder in ["versions/x", "versions", ""] {
            set(&state.join(folder), 0o755);
        }
        assert!(make_owners(&state).expect("fixed"));
        assert_eq!(shared_beneath(&state), []);
        assert_eq!(mode(&state.join("state.db")), 0o600);
        assert_eq!(mode(&state.join("versions/x/run.sh")), 0o500);
        assert_eq!(mode(&state), 0o700);
        assert_eq!(
            mode(Path::new("/etc/passwd")) & 0o004,
            0o004,
            "a link is not followed"
        );
        assert!(
            !make_owners(&state).expect("private"),
            "nothing to do the next time"
        );
    }
}
