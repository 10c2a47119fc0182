//! Finding and creating workspaces (the tools root and its four tiers), and the list of every
//! workspace this user opened (`registry`).

pub(crate) mod own_writes;
pub(crate) mod private;
pub(crate) mod project;
pub(crate) mod registry;
mod state_dir;

use std::path::{Path, PathBuf};

use crate::config::WORKSPACE_CONFIG;
use crate::io_text::io_reason;
use crate::model::{RootSource, Tier};

pub use state_dir::STATE_DIR;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkspaceError {
    #[error("{0}: workspace root does not exist")]
    Missing(PathBuf),
    #[error("{0}: workspace root is not a directory")]
    NotADirectory(PathBuf),
    #[error("not a toolbench workspace: {dir} (`toolbench init {dir}` makes one)", dir = .0.display())]
    NotAWorkspace(PathBuf),
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("no workspace given and no user data directory on this system; pass --root DIR")]
    NoDataDir,
    #[error(
        "{}: the workspace's state folder is {what}: toolbench keeps its state only in a folder \
         of its own (remove it, and it is made again)",
        .path.display()
    )]
    StateNotAFolder { path: PathBuf, what: &'static str },
}

/// Picks the workspace: `--root`/`TOOLBENCH_ROOT` (must be a workspace: nothing is written into
/// a folder that is not one), else `./tools` when it is a workspace, else a workspace in the
/// user data directory (created on first use).
pub(crate) fn resolve_root(
    explicit: Option<&Path>,
    cwd: &Path,
) -> Result<(PathBuf, RootSource), WorkspaceError> {
    let (root, source) = choose_root(explicit, cwd)?;
    check_state_folder(&root)?;
    Ok((root, source))
}

fn choose_root(
    explicit: Option<&Path>,
    cwd: &Path,
) -> Result<(PathBuf, RootSource), WorkspaceError> {
    if let Some(root) = explicit {
        // Components collected again drop `.` and trailing slashes (`--root .` named files
        // as `/x/./toolbench.toml`); `..` stays, as a link may stand before it.
        let root: PathBuf = cwd.join(root).components().collect();
        check_existing(&root)?;
        if !is_workspace(&root) {
            return Err(WorkspaceError::NotAWorkspace(root));
        }
        return Ok((root, RootSource::Flag));
    }
    let local = cwd.join("tools");
    if is_workspace(&local) {
        return Ok((local, RootSource::LocalTools));
    }
    let data = crate::user_dirs::project_dirs()
        .map(|dirs| dirs.data_dir().join("workspace"))
        .ok_or(WorkspaceError::NoDataDir)?;
    init_workspace(&data)?;
    Ok((data, RootSource::UserData))
}

/// The state folder is a folder or not there yet: never a link (a clone, or an agent preparing
/// a workspace, could point it at a host folder to be written, or into a tool's folder, where
/// unreviewed runs would read the store), nor anything else.
fn check_state_folder(root: &Path) -> Result<(), WorkspaceError> {
    let path = root.join(STATE_DIR);
    let what = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => "a symbolic link",
        Ok(_) => "not a folder",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(WorkspaceError::Io {
                path,
                reason: io_reason(&e),
            });
        }
    };
    Err(WorkspaceError::StateNotAFolder { path, what })
}

fn check_existing(root: &Path) -> Result<(), WorkspaceError> {
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(WorkspaceError::NotADirectory(root.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(WorkspaceError::Missing(root.to_path_buf()))
        }
        Err(e) => Err(WorkspaceError::Io {
            path: root.to_path_buf(),
            reason: io_reason(&e),
        }),
    }
}

/// A folder is a workspace when it holds a tier folder, a workspace config or toolbench's state
/// folder (a workspace whose tiers were all removed still has its history).
pub(crate) fn is_workspace(dir: &Path) -> bool {
    dir.join(WORKSPACE_CONFIG).is_file()
        || dir.join(STATE_DIR).is_dir()
        || Tier::ALL.iter().any(|t| dir.join(t.dir_name()).is_dir())
}

/// What `init` did, for its report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InitReport {
    pub(crate) created: Vec<PathBuf>,
    pub(crate) kept: Vec<PathBuf>,
}

const GITIGNORE: &str =
    "# toolbench: candidates and local state stay out of git\nexperimental/\n.toolbench/\n";

/// Creates the four tiers and a `.gitignore`; never overwrites anything that exists.
pub fn init_workspace(dir: &Path) -> Result<InitReport, WorkspaceError> {
    let io = |path: &Path, e: std::io::Error| WorkspaceError::Io {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let mut report = InitReport::default();
    for tier in Tier::ALL {
        let path = dir.join(tier.dir_name());
        if path.is_dir() {
            report.kept.push(path);
        } else {
            std::fs::create_dir_all(&path).map_err(|e| io(&path, e))?;
            report.created.push(path);
        }
    }
    let gitignore = dir.join(".gitignore");
    if gitignore.exists() {
        let text = std::fs::read_to_string(&gitignore).unwrap_or_default();
        let mut missing: Vec<&str> = ["experimental/", ".toolbench/"]
            .into_iter()
            .filter(|line| !text.lines().any(|l| l.trim() == *line))
            .collect();
        if missing.is_empty() {
            report.kept.push(gitignore);
        } else {
            let mut extended = text;
            if !extended.is_empty() && !extended.ends_with('\n') {
                extended.push('\n');
            }
            missing.push("");
            extended.push_str(&missing.join("\n"));
            std::fs::write(&gitignore, extended).map_err(|e| io(&gitignore, e))?;
            report.created.push(gitignore);
        }
    } else {
        std::fs::write(&gitignore, GITIGNORE).map_err(|e| io(&gitignore, e))?;
        report.created.push(gitignore);
    }
    Ok(report)
}

/// Makes `<root>/.toolbench` when missing, its owner's alone, and lists the workspace among
/// those whose state every run hides (`registry`); a state folder an older build left
/// readable by others is made the owner's. Every first writer of the state calls it: the
/// store, a run, the first seals.
pub(crate) fn make_state_dir(root: &Path) -> std::io::Result<PathBuf> {
    let state = state_dir(root);
    if private::create_dir(&state)? {
        // A list that cannot be written leaves this state visible to other workspaces'
        // runs, which is no reason to refuse this workspace its state.
        let _ = registry::register(root);
    } else {
        private::make_owners(&state)?;
    }
    Ok(state)
}

/// `<root>/.toolbench`, the folder of everything toolbench writes for itself.
pub(crate) fn state_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_creates_tiers_and_gitignore_and_is_repeatable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = init_workspace(dir.path()).expect("init");
        assert_eq!(report.created.len(), 5);
        let gitignore = std::fs::read_to_string(dir.path().join(".gitignore")).expect("read");
        assert!(gitignore.contains("experimental/\n") && gitignore.contains(".toolbench/\n"));
        let again = init_workspace(dir.path()).expect("again");
        assert!(again.created.is_empty());
        assert!(is_workspace(dir.path()));
    }

    #[test]
    fn init_extends_an_existing_gitignore() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".gitignore"), "target").expect("write");
        init_workspace(dir.path()).expect("init");
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).expect("read");
        assert_eq!(text, "target\nexperimental/\n.toolbench/\n");
    }

    #[test]
    fn explicit_root_must_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        assert_eq!(
            resolve_root(Some(&missing), dir.path()),
            Err(WorkspaceError::Missing(missing))
        );
    }

    #[test]
    fn an_explicit_root_is_named_without_dots_or_trailing_slashes() {
        let dir = tempfile::tempdir().expect("tempdir");
        init_workspace(&dir.path().join("ws")).expect("init");
        for given in [".", "./", "ws/.", "./ws/"] {
            let cwd = if given.contains("ws") {
                dir.path().to_path_buf()
            } else {
                dir.path().join("ws")
            };
            let (root, _) = resolve_root(Some(Path::new(given)), &cwd).expect("resolved");
            assert_eq!(root, dir.path().join("ws"), "--root {given}");
        }
    }

    #[test]
    fn explicit_root_must_be_a_workspace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = resolve_root(Some(dir.path()), dir.path()).expect_err("refused");
        assert_eq!(err, WorkspaceError::NotAWorkspace(dir.path().to_path_buf()));
        let d = dir.path().display();
        assert_eq!(
            err.to_string(),
            format!("not a toolbench workspace: {d} (`toolbench init {d}` makes one)")
        );
        assert!(
            std::fs::read_dir(dir.path())
                .expect("read")
                .next()
                .is_none()
        );
        for marker in ["approved", ".toolbench"] {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::create_dir(dir.path().join(marker)).expect("mkdir");
            assert!(
                resolve_root(Some(dir.path()), dir.path()).is_ok(),
                "{marker}"
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(WORKSPACE_CONFIG), "").expect("write");
        assert!(resolve_root(Some(dir.path()), dir.path()).is_ok());
    }

    #[test]
    fn local_tools_folder_is_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("tools/core")).expect("mkdir");
        let (root, source) = resolve_root(None, dir.path()).expect("found");
        assert_eq!(
            (root, source),
            (dir.path().join("tools"), RootSource::LocalTools)
        );
    }
}
