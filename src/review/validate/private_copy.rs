//! The copies of a tool that validation runs and reads: exactly the content validated (hashed
//! as it is copied, refused when that is not the content the report is of), in a folder of
//! the workspace's state that only its owner can read (0700, files 0600 or 0700), removed
//! when dropped. The candidate's own folder, which its author may still be writing, is never
//! run: and a run given real inputs gets a copy of its own, with no file it shares with any
//! other run to watch (DESIGN §11 rule 4).

use std::path::{Path, PathBuf};

use crate::catalog::scan::hash_now;
use crate::model::ToolEntry;
use crate::safe_fs::{Dir, SafeFsError, copy_tree};

/// Why a tool could not be copied for validation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CopyError {
    #[error(transparent)]
    Io(#[from] SafeFsError),
    #[error("cannot make a private folder for it: {0}")]
    Folder(String),
    #[error("it changed while it was copied ({expected}, copied {copied})")]
    Changed { expected: String, copied: String },
}

/// A private copy of one tool; the folder goes when it is dropped.
#[derive(Debug)]
pub(crate) struct PrivateCopy {
    folder: PathBuf,
    /// The tool as found in the copy: its path is the copy's.
    pub(crate) entry: ToolEntry,
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
        LIVE.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|folder| folder != &self.folder);
    }
}

/// The folders of this process's copies not dropped yet.
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the copies of validations the process's end cut short: a front end's background
/// work is dropped without waiting, and a copy holds the tool's content, which nothing may
/// keep once the process is gone. Called by a front end as it ends, after its runtimes.
pub(crate) fn remove_left_copies() {
    let left = std::mem::take(
        &mut *LIVE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for folder in left {
        let _ = std::fs::remove_dir_all(folder);
    }
}

/// Copies `entry` (a tool folder or a bare script) into a private folder under the state of
/// the workspace at `root`; the copy must hash to `expected`, the content judged.
pub(crate) fn copy(
    root: &Path,
    entry: &ToolEntry,
    expected: &str,
) -> Result<PrivateCopy, CopyError> {
    let folder = crate::runner::work_dir::create_work_dir(root, "validation", &entry.name)
        .map_err(|e| CopyError::Folder(e.to_string()))?;
    // Named as it really is: a root given as `proj/../ws` names folders the sandbox, which
    // shows the copy alone, could not walk through.
    let folder = std::fs::canonicalize(&folder).unwrap_or(folder);
    // Empty still: nothing was readable before it was closed to others.
    std::fs::set_permissions(&folder, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| CopyError::Folder(format!("{}: {e}", folder.display())))?;
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(folder.clone());
    let mut copy = PrivateCopy {
        entry: entry.clone(),
        folder,
    };
    let name = entry.path.file_name().unwrap_or_default();
    let to = Dir::open(&copy.folder)?;
    let copied = if entry.path.is_dir() {
        let target = to.create_dir_new(Path::new(name), 0o700)?;
        // The owner's execute bit kept (a script run by path); nothing for anyone else.
        copy_tree(&Dir::open(&entry.path)?, &target, |mode| {
            (mode & 0o100) | 0o600
        })?;
        close_folders(target.path())
            .map_err(|e| CopyError::Folder(format!("{}: {e}", target.path().display())))?;
        hash_now(target.path())
    } else {
        let text =
            crate::io_text::read_text_capped(&entry.path, crate::catalog::scan::MAX_SCRIPT_BYTES)
                .map_err(|e| CopyError::Folder(format!("{}: {e}", entry.path.display())))?;
        to.write_new(Path::new(name), text.as_bytes(), 0o700)?;
        hash_now(&to.path().join(name))
    };
    copy.entry.path = copy.folder.join(name);
    copy.entry.content_hash = copied.clone();
    if copied != expected {
        return Err(CopyError::Changed {
            expected: crate::model::short_hash(expected).to_string(),
            copied: crate::model::short_hash(&copied).to_string(),
        });
    }
    Ok(copy)
}

/// Makes every folder below `dir` its owner's alone (0700): `copy_tree` makes a tool's
/// subfolders as it makes any folder, readable by all, and a copy holds nothing for others.
fn close_folders(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Not followed: a link is the tool's content, never a way out of the copy.
        if entry.file_type()?.is_dir() {
            let folder = entry.path();
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700))?;
            close_folders(&folder)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0)
    }

    #[test]
    fn a_copy_is_the_content_validated_for_its_owner_alone_and_goes_when_dropped() {
        let root = tempfile::tempdir().expect("root");
        let tool = root.path().join("experimental/t");
        std::fs::create_dir_all(tool.join("tests")).expect("tool");
        std::fs::write(tool.join("tool.toml"), "name = \"t\"\n").expect("manifest");
        std::fs::write(tool.join("run.sh"), "echo hi\n").expect("script");
        std::fs::set_permissions(tool.join("run.sh"), PermissionsExt::from_mode(0o755))
            .expect("chmod");
        std::fs::write(tool.join("REVIEW.md"), "feedback\n").expect("feedback");
        std::fs::create_dir_all(tool.join("tests/project")).expect("fixture");
        std::fs::write(tool.join("tests/project/data.txt"), "data\n").expect("fixture file");
        let entry = ToolEntry {
            path: tool.clone(),
            content_hash: hash_now(&tool),
            ..ToolEntry::fixture(Tier::Experimental, "t")
        };
        let copy = copy(root.path(), &entry, &entry.content_hash).expect("copied");
        let copied = copy.entry.path.clone();
        assert_eq!(hash_now(&copied), entry.content_hash);
        assert!(
            !copied.join("REVIEW.md").exists(),
            "feedback is not content"
        );
        assert_eq!(mode(copied.parent().expect("folder")), 0o700);
        assert_eq!(mode(&copied), 0o700);
        assert_eq!(mode(&copied.join("run.sh")), 0o700);
        assert_eq!(mode(&copied.join("tool.toml")), 0o600);
        assert_eq!(mode(&copied.join("tests")), 0o700);
        assert_eq!(mode(&copied.join("tests/project")), 0o700);
        assert_eq!(mode(&copied.join("tests/project/data.txt")), 0o600);
        drop(copy);
        assert!(!copied.exists(), "removed with its owner");

        std::fs::write(tool.join("run.sh"), "echo changed\n").expect("change");
        let refused =
            super::copy(root.path(), &entry, &entry.content_hash).expect_err("other content");
        assert!(
            refused
                .to_string()
                .starts_with("it changed while it was copied"),
            "{refused}"
        );
    }
}
