//! The project a candidate is validated on: a scratch copy of the real one, never the real
//! one, since nobody has approved what the candidate may write there yet. The copy is
//! bounded (`MAX_BYTES`, `MAX_ENTRIES`, in name order): a larger project is copied in part.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// Bytes of file content copied at most; a larger project is copied in part.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Files, folders and links copied at most.
const MAX_ENTRIES: usize = 20_000;

/// A copy of a project, removed when dropped.
#[derive(Debug)]
pub(crate) struct ProjectCopy {
    dir: TempDir,
}

impl ProjectCopy {
    /// The copied project: the folder runs of the validation are given as their project.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.path().join("project")
    }
}

/// Copies `project` (links as links, never followed; toolbench's state folders left out).
pub(crate) fn copy(project: &Path) -> io::Result<ProjectCopy> {
    let dir = tempfile::Builder::new()
        .prefix("toolbench-validation-")
        .tempdir()?;
    let to = dir.path().join("project");
    fs::create_dir(&to)?;
    let mut budget = Budget {
        bytes: MAX_BYTES,
        entries: MAX_ENTRIES,
    };
    copy_folder(project, &to, &mut budget)?;
    Ok(ProjectCopy { dir })
}

struct Budget {
    bytes: u64,
    entries: usize,
}

/// Returns false when the budget ran out.
fn copy_folder(from: &Path, to: &Path, budget: &mut Budget) -> io::Result<bool> {
    let mut entries: Vec<_> = fs::read_dir(from)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name() == crate::workspace::STATE_DIR {
            continue;
        }
        if budget.entries == 0 {
            return Ok(false);
        }
        budget.entries -= 1;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)?;
        } else if kind.is_dir() {
            fs::create_dir(&target)?;
            if !copy_folder(&source, &target, budget)? {
                return Ok(false);
            }
        } else if kind.is_file() {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if len > budget.bytes {
                return Ok(false);
            }
            budget.bytes -= len;
            // A file that cannot be read (another user's) is left out, as the tool could not
            // read it either.
            let _ = fs::copy(&source, &target);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_holds_the_project_but_its_state_and_changes_never_reach_it() {
        let project = tempfile::tempdir().expect("project");
        fs::create_dir_all(project.path().join("src/deep")).expect("src");
        fs::write(project.path().join("src/deep/a.txt"), "a").expect("a");
        fs::create_dir(project.path().join(crate::workspace::STATE_DIR)).expect("state");
        fs::write(project.path().join(".toolbench/state.db"), "x").expect("db");
        std::os::unix::fs::symlink("/etc/passwd", project.path().join("link")).expect("link");
        let copy = copy(project.path()).expect("copied");
        let copied = copy.path();
        assert_eq!(
            fs::read_to_string(copied.join("src/deep/a.txt")).expect("a"),
            "a"
        );
        assert!(!copied.join(".toolbench").exists());
        assert_eq!(
            fs::read_link(copied.join("link")).expect("a link, not a copy of its target"),
            Path::new("/etc/passwd")
        );
        fs::write(copied.join("src/deep/a.txt"), "changed").expect("write the copy");
        assert_eq!(
            fs::read_to_string(project.path().join("src/deep/a.txt")).expect("a"),
            "a"
        );
        let path = copy.path();
        drop(copy);
        assert!(!path.exists(), "the copy is removed with its owner");
    }
}
