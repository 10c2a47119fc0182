//! The paths a proposal may give its files: one spelling per file, read the same by every
//! file system. A path is checked as given and never cleaned up, since a path the file system
//! reads as another (`./tool.toml`, `a//b`, `A` beside `a`) is how a file other than the one
//! checked gets written.
//!
//! The portable set: ASCII letters, digits, `.`, `_` and `-` in each name, `/` between names;
//! no name that is empty, `.` or `..`; no `/` at either end; at most 255 bytes a name and
//! 1024 a path. No two paths may be equal ignoring ASCII case (one file on a case-insensitive
//! file system), and no path may need a folder where another is a file. No name may be one
//! of a git repository's (`.git`, `.gitmodules`, `.gitattributes`): git, run in the folder by
//! a person or by toolbench's auto-commit, would read them as configuration and run what they
//! name (DESIGN §11 rule 5).

use std::collections::BTreeMap;

use crate::model::MANIFEST_FILE;

/// The longest name a Linux file system takes (`NAME_MAX`).
pub(crate) const MAX_NAME_BYTES: usize = 255;
/// Far below `PATH_MAX`, so the workspace's own path never pushes a write over it.
pub(crate) const MAX_PATH_BYTES: usize = 1024;

/// Names that make git read a folder as a repository, or a part of one, and act on what they
/// configure: hooks, fsmonitor, filters, submodules.
const REPOSITORY_NAMES: [&str; 3] = [".git", ".gitmodules", ".gitattributes"];

/// The first name of `path` (`/`-separated) that is a git repository's, any case.
pub(crate) fn repository_name(path: &str) -> Option<&str> {
    path.split('/').find(|name| {
        REPOSITORY_NAMES
            .iter()
            .any(|repository| repository.eq_ignore_ascii_case(name))
    })
}

/// Why a proposal's paths were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("files: {path:?}: {reason}")]
    Bad { path: String, reason: String },
    #[error(
        "files: {first:?} and {second:?} differ only in case, which makes them one file on a case-insensitive file system"
    )]
    SameFile { first: String, second: String },
    #[error("files: {path:?} needs a folder where {file:?} is a file")]
    FileAndFolder { file: String, path: String },
    /// A spelling of the manifest, which each front end that writes a tool takes otherwise:
    /// said here as a proposal takes it.
    #[error("files: {path:?}: give the manifest as `manifest`, not as a file")]
    Manifest { path: String },
}

/// Checks every path and the paths together; answers how many folders they make.
pub(crate) fn check_all<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<u64, PathError> {
    // Each path by its case-folded spelling; the manifest is one of them from the start.
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    folded.insert(MANIFEST_FILE.to_string(), MANIFEST_FILE);
    for path in paths {
        check(path)?;
        if let Some(first) = folded.insert(path.to_ascii_lowercase(), path) {
            return Err(PathError::SameFile {
                first: first.to_string(),
                second: path.to_string(),
            });
        }
    }
    let mut folders = std::collections::BTreeSet::new();
    for (key, path) in &folded {
        for (end, _) in key.match_indices('/') {
            let folder = &key[..end];
            if let Some(file) = folded.get(folder) {
                return Err(PathError::FileAndFolder {
                    file: file.to_string(),
                    path: path.to_string(),
                });
            }
            folders.insert(folder);
        }
    }
    Ok(folders.len() as u64)
}

/// One path on its own.
fn check(path: &str) -> Result<(), PathError> {
    let refuse = |reason: String| {
        Err(PathError::Bad {
            path: shown(path),
            reason,
        })
    };
    if path.len() > MAX_PATH_BYTES {
        return refuse(format!(
            "{} bytes long; a path holds at most {MAX_PATH_BYTES}",
            path.len()
        ));
    }
    if path.starts_with('/') {
        return refuse(
            "absolute paths are refused; give a path relative to the tool folder".into(),
        );
    }
    // What a file system makes of the path: `.` and empty names fall away.
    let names: Vec<&str> = path
        .split('/')
        .filter(|name| !name.is_empty() && *name != ".")
        .collect();
    if names.contains(&"..") {
        return refuse("must stay inside the tool folder (no `..`)".into());
    }
    let normal = names.join("/");
    if normal.eq_ignore_ascii_case(MANIFEST_FILE) {
        return Err(PathError::Manifest { path: shown(path) });
    }
    if normal.is_empty() {
        return refuse("a path needs a file name".into());
    }
    if normal != path {
        return refuse(format!(
            "give it as {normal:?}: no `.` or empty names and no `/` at the end"
        ));
    }
    if !path.bytes().all(|b| b == b'/' || portable(b)) {
        return refuse(
            "only ASCII letters, digits, `.`, `_` and `-` are accepted in names, with `/` between them"
                .into(),
        );
    }
    if let Some(name) = repository_name(path) {
        return refuse(format!(
            "{name} is a git repository's file; a proposal holds no repository, since git would \
             run what it configures"
        ));
    }
    if let Some(name) = names.iter().find(|name| name.len() > MAX_NAME_BYTES) {
        return refuse(format!(
            "a name of {} bytes; a name holds at most {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    Ok(())
}

fn portable(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-')
}

/// The path as an error shows it: its start only when it is long.
fn shown(path: &str) -> String {
    const SHOWN_CHARS: usize = 80;
    match path.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &path[..end]),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(paths: &[&str]) -> PathError {
        check_all(paths.iter().copied()).expect_err(&format!("{paths:?} refused"))
    }

    #[test]
    fn a_repositorys_files_are_refused_in_any_folder_and_case() {
        for path in [
            ".git/config",
            ".git/HEAD",
            ".git",
            "sub/.git",
            "sub/.GIT/hooks/pre-commit",
            ".gitmodules",
            "vendor/.gitattributes",
        ] {
            let refused = refused(&[path]).to_string();
            assert!(
                refused.contains("a proposal holds no repository"),
                "{path}: {refused}"
            );
        }
        for path in [".gitignore", "git/config", "a.git", ".github/workflow.yml"] {
            assert!(check_all([path]).is_ok(), "{path} is no repository's");
        }
    }

    #[test]
    fn every_spelling_of_the_manifest_is_refused_as_the_manifest() {
        for path in [
            "tool.toml",
            "./tool.toml",
            "././tool.toml",
            ".//tool.toml",
            "tool.toml/.",
            "tool.toml/",
            "TOOL.TOML",
            "Tool.toml",
        ] {
            let err = refused(&[path]).to_string();
            assert!(
                err.contains("give the manifest as `manifest`"),
                "{path}: {err}"
            );
        }
        // A tool.toml in a subfolder is an ordinary file.
        assert_eq!(check_all(["sub/tool.toml"]), Ok(1));
    }

    #[test]
    fn paths_a_file_system_reads_as_another_are_refused() {
        for (path, says) in [
            ("./run.sh", "give it as \"run.sh\""),
            ("lib//util.sh", "give it as \"lib/util.sh\""),
            ("lib/./util.sh", "give it as \"lib/util.sh\""),
            ("lib/", "give it as \"lib\""),
            ("", "needs a file name"),
            (".", "needs a file name"),
            ("../x", "no `..`"),
            ("a/../../x", "no `..`"),
            ("a/../b", "no `..`"),
            ("/etc/x", "absolute"),
            ("a\nb", "only ASCII letters"),
            ("a b", "only ASCII letters"),
            ("a\\b", "only ASCII letters"),
            ("caf\u{e9}.py", "only ASCII letters"),
            ("cafe\u{301}.py", "only ASCII letters"),
            ("a:b", "only ASCII letters"),
        ] {
            let err = refused(&[path]).to_string();
            assert!(err.contains(says), "{path:?}: {err}");
        }
    }

    #[test]
    fn two_paths_of_one_file_on_a_case_insensitive_file_system_are_refused() {
        assert!(matches!(
            refused(&["run.sh", "RUN.sh"]),
            PathError::SameFile { .. }
        ));
        assert!(matches!(
            refused(&["Lib/a.py", "lib/a.py"]),
            PathError::SameFile { .. }
        ));
    }

    #[test]
    fn a_file_where_another_path_needs_a_folder_is_refused() {
        let err = refused(&["lib", "lib/util.sh"]);
        assert_eq!(
            err,
            PathError::FileAndFolder {
                file: "lib".into(),
                path: "lib/util.sh".into()
            }
        );
        assert!(matches!(
            refused(&["LIB", "lib/util.sh"]),
            PathError::FileAndFolder { .. }
        ));
        assert!(matches!(
            refused(&["tool.toml/x"]),
            PathError::FileAndFolder { .. }
        ));
    }

    #[test]
    fn portable_paths_pass_and_their_folders_are_counted() {
        assert_eq!(
            check_all([
                "run.sh",
                ".hidden",
                "a-b_c.1",
                "lib/util.sh",
                "lib/x/y.sh",
                "data/z"
            ]),
            Ok(3)
        );
    }

    #[test]
    fn long_paths_and_names_are_refused_and_shown_short() {
        let long = "a".repeat(MAX_PATH_BYTES + 1);
        let err = refused(&[&long]).to_string();
        assert!(
            err.contains("1025 bytes long; a path holds at most 1024"),
            "{err}"
        );
        assert!(err.len() < 200, "the path is shown short: {err}");
        let name = "b".repeat(MAX_NAME_BYTES + 1);
        let err = refused(&[&format!("lib/{name}")]).to_string();
        assert!(err.contains("a name holds at most 255"), "{err}");
    }
}
