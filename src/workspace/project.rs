//! Which project a workspace's tools work on (`[permissions] project`): `--project` (or
//! `TOOLBENCH_PROJECT`) when given; else the `[project] path` the workspace's toolbench.toml
//! names, once a person accepted that folder for that workspace on this machine; else the
//! current folder.
//!
//! A toolbench.toml is written by agents and travels with the tools, so the folder it names is
//! never taken on its word: pointed at the home folder it would hand every tool granted
//! `project = "write"` the user's files. `toolbench project accept` records the folder, as it
//! resolves now, in the user data folder (hidden from every run); a file naming another folder
//! later is not taken until it is accepted again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the project came from, as the status bar and `toolbench project` say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectSource {
    /// `--project DIR` or `TOOLBENCH_PROJECT`.
    Given,
    /// `[project] path` of the workspace's toolbench.toml, accepted here.
    Workspace,
    /// The folder the front end was started in.
    CurrentFolder,
}

impl ProjectSource {
    pub(crate) fn label(self) -> &'static str {
        match self {
            ProjectSource::Given => "--project",
            ProjectSource::Workspace => "toolbench.toml",
            ProjectSource::CurrentFolder => "current folder",
        }
    }
}

/// The project chosen, and why a folder the workspace names was passed over (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub(crate) path: PathBuf,
    pub(crate) source: ProjectSource,
    pub(crate) passed_over: Option<String>,
}

/// A folder accepted as a workspace's project on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Accepted {
    /// The workspace root it is for: a record copied to another workspace's name counts for
    /// nothing.
    root: PathBuf,
    /// The folder, resolved (no symlink, no `..`), as it was accepted.
    path: PathBuf,
    by: String,
    at: String,
}

/// Why a project could not be accepted, in one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProjectError {
    #[error(
        "{0}/toolbench.toml names no project: add `[project] path = \"…\"` (a folder, relative to the workspace or absolute)"
    )]
    NoneNamed(PathBuf),
    #[error("{}/toolbench.toml: field `project.path`: {} {why}", .root.display(), .path.display())]
    Unusable {
        root: PathBuf,
        path: PathBuf,
        why: String,
    },
    #[error("cannot record the project in {}: {why}", .file.display())]
    Record { file: PathBuf, why: String },
}

/// Where the accepted projects are recorded: a folder of the user data folder.
pub(crate) struct Records(Option<PathBuf>);

impl Records {
    /// This user's (`None` without a home folder: nothing is accepted then).
    pub(crate) fn of_user() -> Records {
        Records(crate::user_dirs::project_dirs().map(|dirs| dirs.data_dir().join("projects")))
    }

    /// The record of `root`'s accepted project.
    fn file(&self, root: &Path) -> Option<PathBuf> {
        let key = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
        Some(self.0.as_ref()?.join(format!("{}.json", &key[..32])))
    }
}

/// The project: `given`, else the accepted folder `named` by the workspace at `root`, else
/// `cwd`.
pub(crate) fn choose(
    records: &Records,
    given: Option<&Path>,
    cwd: &Path,
    root: &Path,
    named: Option<&Path>,
) -> Chosen {
    let chosen = |path: &Path, source, passed_over| Chosen {
        path: path.to_path_buf(),
        source,
        passed_over,
    };
    if let Some(given) = given {
        return chosen(given, ProjectSource::Given, None);
    }
    let Some(named) = named else {
        return chosen(cwd, ProjectSource::CurrentFolder, None);
    };
    let why = match resolved(named) {
        Ok(folder) if is_accepted(records, root, &folder) => {
            return chosen(&folder, ProjectSource::Workspace, None);
        }
        Ok(_) => "is not accepted on this machine: `toolbench project accept` takes it".to_string(),
        Err(why) => why,
    };
    let line = format!(
        "{}/toolbench.toml: field `project.path`: {} {why}; the current folder is the project meanwhile",
        root.display(),
        named.display()
    );
    chosen(cwd, ProjectSource::CurrentFolder, Some(line))
}

/// Accepts the folder the workspace at `root` names (`named`) as its project on this machine,
/// as `by`; answers the folder, resolved.
pub(crate) fn accept(
    records: &Records,
    root: &Path,
    named: Option<&Path>,
    by: &str,
) -> Result<PathBuf, ProjectError> {
    let named = named.ok_or_else(|| ProjectError::NoneNamed(root.to_path_buf()))?;
    let folder = resolved(named).map_err(|why| ProjectError::Unusable {
        root: root.to_path_buf(),
        path: named.to_path_buf(),
        why,
    })?;
    let file = records.file(root).ok_or_else(|| ProjectError::Record {
        file: PathBuf::from("the user data folder"),
        why: "there is none on this system (no home folder)".into(),
    })?;
    let record = Accepted {
        root: root.to_path_buf(),
        path: folder.clone(),
        by: by.to_string(),
        at: crate::clock::now_rfc3339(),
    };
    let bytes = serde_json::to_vec_pretty(&record).unwrap_or_default();
    let written = file
        .parent()
        .map_or(Ok(()), super::private::create_dirs)
        .and_then(|()| super::private::write(&file, bytes));
    written.map_err(|e| ProjectError::Record {
        file: file.clone(),
        why: crate::io_text::io_reason(&e),
    })?;
    Ok(folder)
}

/// `named` with every symlink and `..` resolved, when it is a folder.
fn resolved(named: &Path) -> Result<PathBuf, String> {
    let folder = std::fs::canonicalize(named).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_string(),
        _ => format!("cannot be read: {}", crate::io_text::io_reason(&e)),
    })?;
    if !folder.is_dir() {
        return Err("is not a folder".into());
    }
    Ok(folder)
}

fn is_accepted(records: &Records, root: &Path, folder: &Path) -> bool {
    let Some(file) = records.file(root) else {
        return false;
    };
    let Ok(bytes) = read_small(&file) else {
        return false;
    };
    serde_json::from_slice::<Accepted>(&bytes)
        .is_ok_and(|record| record.root == root && record.path == folder)
}

/// A record is a few hundred bytes; a larger file, a FIFO or a symlink is no record.
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const MAX_RECORD_BYTES: u64 = 64 * 1024;
    let (file, _) = crate::io_text::open_regular(path, crate::io_text::Follow::No)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_project_counts_only_once_accepted_and_only_as_accepted() {
        {
            let data = tempfile::tempdir().expect("data");
            let records = Records(Some(data.path().to_path_buf()));
            let dir = tempfile::tempdir().expect("tempdir");
            let (root, cwd) = (dir.path().join("ws"), dir.path().join("here"));
            let (project, other) = (dir.path().join("app"), dir.path().join("other"));
            for folder in [&root, &cwd, &project, &other] {
                std::fs::create_dir_all(folder).expect("folder");
            }
            let named = root.join("../app");
            let before = choose(&records, None, &cwd, &root, Some(&named));
            assert_eq!(before.source, ProjectSource::CurrentFolder);
            assert_eq!(before.path, cwd);
            let line = before.passed_over.expect("says why");
            assert!(
                line.contains("toolbench project accept") && !line.contains('\n'),
                "{line}"
            );

            let accepted = accept(&records, &root, Some(&named), "ana").expect("accepted");
            assert_eq!(accepted, std::fs::canonicalize(&project).expect("real"));
            let after = choose(&records, None, &cwd, &root, Some(&named));
            assert_eq!(
                (after.source, after.passed_over),
                (ProjectSource::Workspace, None)
            );
            assert_eq!(after.path, accepted);

            // The file names another folder since: not taken until accepted again.
            let moved = choose(&records, None, &cwd, &root, Some(&other));
            assert_eq!(moved.source, ProjectSource::CurrentFolder);
            // Another workspace's record is not this one's.
            let elsewhere = choose(&records, None, &cwd, &dir.path().join("ws2"), Some(&named));
            assert_eq!(elsewhere.source, ProjectSource::CurrentFolder);
            // `--project` is taken over everything.
            let given = choose(&records, Some(&other), &cwd, &root, Some(&named));
            assert_eq!(
                (given.source, given.path),
                (ProjectSource::Given, other.clone())
            );
        }
    }

    #[test]
    fn a_project_that_is_missing_or_no_folder_is_refused_in_one_line() {
        {
            let data = tempfile::tempdir().expect("data");
            let records = Records(Some(data.path().to_path_buf()));
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path().join("ws");
            std::fs::create_dir_all(&root).expect("root");
            std::fs::write(dir.path().join("file"), "x").expect("file");
            let refused =
                |named: &Path| accept(&records, &root, Some(named), "ana").expect_err("refused");
            let missing = refused(&dir.path().join("gone")).to_string();
            assert!(
                missing.contains("project.path") && missing.contains("does not exist"),
                "{missing}"
            );
            let file = refused(&dir.path().join("file")).to_string();
            assert!(
                file.contains("is not a folder") && !file.contains('\n'),
                "{file}"
            );
            let none = accept(&records, &root, None, "ana")
                .expect_err("none named")
                .to_string();
            assert!(none.contains("[project] path"), "{none}");
            let chosen = choose(
                &records,
                None,
                dir.path(),
                &root,
                Some(&dir.path().join("gone")),
            );
            let line = chosen.passed_over.expect("says why");
            assert!(line.contains("does not exist"), "{line}");
        }
    }
}
