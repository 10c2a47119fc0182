//! The workspaces this user's toolbench has opened, so that every run hides each one's state
//! (`.toolbench/`: the store, run logs, snapshots), not only its own workspace's.
//!
//! One file in the user data folder (`~/.local/share/toolbench/workspaces`), one absolute
//! root per line, oldest first. A root is added when its store is opened or a run first makes
//! its state folder: the whole list is written to a new file that is renamed over the old one,
//! under a lock on the folder, so a reader never meets half a list and two processes adding at
//! once both land. It is read once per run. The data folder is itself hidden from every run,
//! so no tool reads the list or changes it.
//!
//! The list never decides alone what a run hides: only a root that is an absolute path
//! without `..`, whose `.toolbench` is a real folder (not a symlink), counts, and only that
//! `.toolbench` is hidden. This module must never hide anything else.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use super::state_dir::STATE_DIR;
use crate::io_text::io_reason;

/// The list's file name in the user data folder.
const FILE_NAME: &str = "workspaces";
/// The most roots the list keeps, the newest: each costs every run a look and, while its
/// state folder exists, a mount.
const MAX_WORKSPACES: usize = 256;
/// The most of the file read: `MAX_WORKSPACES` paths of up to 4 KiB.
const MAX_FILE_BYTES: u64 = (MAX_WORKSPACES as u64) * 4096;

/// Why a workspace could not be added to the list (its state then stays visible to runs of
/// other workspaces).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RegistryError {
    #[error("no user data folder on this system")]
    NoDataDir,
    #[error("{}: cannot be listed: its path holds a line break", .0.display())]
    LineBreak(PathBuf),
    #[error("{}: {reason}", .path.display())]
    Io { path: PathBuf, reason: String },
}

impl RegistryError {
    fn io(path: &Path, error: &std::io::Error) -> Self {
        RegistryError::Io {
            path: path.to_path_buf(),
            reason: io_reason(error),
        }
    }
}

/// `<user data folder>/workspaces`.
#[cfg(not(test))]
fn list_path() -> Option<PathBuf> {
    crate::user_dirs::project_dirs().map(|dirs| dirs.data_dir().join(FILE_NAME))
}

/// None in unit tests: their stores are temporary folders that must not be added to the real
/// user's list (which keeps only the newest `MAX_WORKSPACES`, so they would push the user's
/// own workspaces out). The tests below work on lists of their own.
#[cfg(test)]
fn list_path() -> Option<PathBuf> {
    None
}

/// Adds the workspace at `root` (by its real path) to the list, unless it is there already,
/// which costs one read of the list.
pub(crate) fn register(root: &Path) -> Result<(), RegistryError> {
    let list = list_path().ok_or(RegistryError::NoDataDir)?;
    // The user data folder is its owner's alone, also when an older build made it.
    if let Some(dir) = list.parent() {
        let _ = super::private::make_owners(dir);
    }
    register_in(&list, root)
}

/// The state folders of the listed workspaces that exist as real folders: what every run
/// hides besides its own workspace's.
pub(crate) fn state_dirs() -> Vec<PathBuf> {
    list_path()
        .map(|list| state_dirs_in(&list))
        .unwrap_or_default()
}

/// The state folders of the listed workspaces, not looked at: whoever covers one first makes
/// sure it is a real folder (`is_state_dir`). A run that covers few of them then pays no
/// look at each.
pub(crate) fn listed_state_dirs() -> Vec<PathBuf> {
    list_path()
        .map(|list| {
            read_roots(&list)
                .into_iter()
                .map(|root| root.join(STATE_DIR))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `dir` is a real folder, not a link: a listed state folder that is a link is never
/// covered, so the list cannot make a run hide anything else.
pub(crate) fn is_state_dir(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir())
}

fn register_in(list: &Path, root: &Path) -> Result<(), RegistryError> {
    let root = std::fs::canonicalize(root).map_err(|e| RegistryError::io(root, &e))?;
    if root.as_os_str().as_encoded_bytes().contains(&b'\n') {
        return Err(RegistryError::LineBreak(root));
    }
    if read_roots(list).contains(&root) {
        return Ok(());
    }
    let dir = list.parent().ok_or(RegistryError::NoDataDir)?;
    super::private::create_dirs(dir).map_err(|e| RegistryError::io(dir, &e))?;
    let lock = File::open(dir).map_err(|e| RegistryError::io(dir, &e))?;
    flock(&lock, FlockOperation::LockExclusive).map_err(|e| RegistryError::io(dir, &e.into()))?;
    // Read again under the lock: another process may have written since.
    let mut roots = read_roots(list);
    if roots.contains(&root) {
        return Ok(());
    }
    // Roots whose state is gone cost every run a look for nothing.
    roots.retain(|r| has_state(r));
    roots.push(root);
    let keep = roots.len().saturating_sub(MAX_WORKSPACES);
    write_atomically(list, &roots[keep..])
}

fn state_dirs_in(list: &Path) -> Vec<PathBuf> {
    read_roots(list)
        .into_iter()
        .filter(|root| has_state(root))
        .map(|root| root.join(STATE_DIR))
        .collect()
}

/// The roots of the list that are absolute paths without `.` or `..`; nothing when the
/// file is missing or unreadable.
fn read_roots(path: &Path) -> Vec<PathBuf> {
    let mut text = String::new();
    let read = File::open(path).and_then(|f| f.take(MAX_FILE_BYTES).read_to_string(&mut text));
    if read.is_err() {
        return Vec::new();
    }
    text.lines()
        .map(PathBuf::from)
        .filter(|root| is_plain_absolute(root))
        .take(MAX_WORKSPACES)
        .collect()
}

fn is_plain_absolute(path: &Path) -> bool {
    let mut components = path.components();
    components.next() == Some(Component::RootDir)
        && components.all(|c| matches!(c, Component::Normal(_)))
}

/// Whether `root/.toolbench` is a real folder, not a symlink that could point anywhere.
fn has_state(root: &Path) -> bool {
    is_state_dir(&root.join(STATE_DIR))
}

/// Writes `roots` to a new file beside `path` and renames it over `path`.
fn write_atomically(path: &Path, roots: &[PathBuf]) -> Result<(), RegistryError> {
    let mut text = String::new();
    for root in roots {
        text.push_str(&root.to_string_lossy());
        text.push('\n');
    }
    let temp = path.with_file_name(format!(".{FILE_NAME}.{}.new", std::process::id()));
    let written = super::private::create(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        RegistryError::io(path, &e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace root with its state folder.
    fn workspace(parent: &Path, name: &str) -> PathBuf {
        let root = parent.join(name);
        std::fs::create_dir_all(root.join(STATE_DIR)).expect("state folder");
        std::fs::canonicalize(root).expect("real path")
    }

    #[test]
    fn only_absolute_roots_with_a_real_state_folder_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = workspace(dir.path(), "real");
        let linked = dir.path().join("linked");
        std::fs::create_dir_all(&linked).expect("mkdir");
        std::os::unix::fs::symlink("/usr", linked.join(STATE_DIR)).expect("symlink");
        let gone = dir.path().join("gone");
        let list = dir.path().join("list");
        let lines = [
            real.display().to_string(),
            linked.display().to_string(),
            gone.display().to_string(),
            "relative/ws".to_string(),
            format!("{}/../real", real.display()),
            String::new(),
        ];
        std::fs::write(&list, lines.join("\n")).expect("write");
        assert_eq!(read_roots(&list), [real.clone(), linked, gone]);
        assert_eq!(state_dirs_in(&list), [real.join(STATE_DIR)]);
    }

    #[test]
    fn registering_adds_a_workspace_once_by_its_real_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = dir.path().join("data/workspaces");
        let a = workspace(dir.path(), "a");
        let b = workspace(dir.path(), "b");
        register_in(&list, &a).expect("a");
        register_in(&list, &dir.path().join("b/../b")).expect("b");
        register_in(&list, &a).expect("a again");
        assert_eq!(read_roots(&list), [a.clone(), b.clone()]);
        assert_eq!(state_dirs_in(&list), [a.join(STATE_DIR), b.join(STATE_DIR)]);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("data"))
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != "workspaces")
            .collect();
        assert!(left.is_empty(), "files left beside the list: {left:?}");
    }

    #[test]
    fn registering_drops_workspaces_whose_state_is_gone_and_keeps_the_newest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = dir.path().join("workspaces");
        let gone = workspace(dir.path(), "gone");
        register_in(&list, &gone).expect("gone");
        std::fs::remove_dir_all(&gone).expect("remove");
        let roots: Vec<PathBuf> = (0..=MAX_WORKSPACES)
            .map(|i| workspace(dir.path(), &format!("ws{i}")))
            .collect();
        for root in &roots {
            register_in(&list, root).expect("register");
        }
        assert_eq!(read_roots(&list), roots[1..]);
    }

    #[test]
    fn a_missing_or_unreadable_list_hides_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(state_dirs_in(&dir.path().join("missing")).is_empty());
        assert!(state_dirs_in(dir.path()).is_empty());
    }
}
