//! The person's own editor for a tool's files (`$VISUAL`, else `$EDITOR`), while the workbench
//! steps aside: the files are written into a private temporary folder, the editor edits them
//! there, and what it saved is read back.
//!
//! The files are an agent's: the editor starts in an empty folder of its own, apart from
//! them, so a file of the tool named like an editor's per-folder settings (`.exrc`,
//! `.nvim.lua`, `.editorconfig`) is edited, never loaded as settings.

use std::path::{Component, Path};
use std::process::Command;

/// The most a file read back may hold: what the evolve editor takes.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The editor's command line, as the person set it (`code --wait`, `vim`).
pub(crate) fn editor() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
}

/// Edits `files` (relative name, text) with `editor`; the files as the editor left them, or
/// why nothing was taken. Blocks until the editor exits: the terminal is the editor's.
pub(crate) fn edit(
    editor: &str,
    files: &[(String, String)],
) -> Result<Vec<(String, String)>, String> {
    let place = tempfile::Builder::new()
        .prefix("toolbench-edit-")
        .tempdir()
        .map_err(|e| format!("cannot make a folder to edit in: {e}"))?;
    let dir = place.path().join("files");
    let start = place.path().join("editor");
    for folder in [&dir, &start] {
        std::fs::create_dir(folder).map_err(|e| format!("cannot make a folder to edit in: {e}"))?;
    }
    let mut paths = Vec::with_capacity(files.len());
    for (name, text) in files {
        if !is_plain_relative(Path::new(name)) {
            return Err(format!("{name}: not a file of the tool's folder"));
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{name}: {e}"))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{name}: {e}"))?;
        paths.push(path);
    }
    // The person's editor may be a command line with arguments: the shell splits it as
    // git splits GIT_EDITOR; the files follow as the script's own arguments, never parsed.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg("toolbench-editor")
        .args(&paths)
        .current_dir(&start)
        .status()
        .map_err(|e| format!("cannot start the editor ({editor}): {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor ({editor}) exited with {status}; nothing was taken from it"
        ));
    }
    files
        .iter()
        .zip(&paths)
        .map(|((name, _), path)| read_back(name, path).map(|text| (name.clone(), text)))
        .collect()
}

fn read_back(name: &str, path: &Path) -> Result<String, String> {
    let size = std::fs::symlink_metadata(path)
        .map_err(|e| format!("{name}: the editor left no file ({e}); nothing was taken"))?;
    if !size.is_file() {
        return Err(format!(
            "{name}: the editor left something else than a file"
        ));
    }
    if size.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: {} bytes, over the {} MiB a file may take here",
            size.len(),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text once edited"))
}

/// Whether `path` names a file beneath a folder: no root, no `..`.
fn is_plain_relative(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
        && path.components().next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, String)> {
        vec![
            ("tool.toml".into(), "name = \"t\"\n".into()),
            ("lib/run.sh".into(), "echo hi\n".into()),
        ]
    }

    #[test]
    fn what_the_editor_saved_is_read_back_and_it_starts_apart_from_the_files() {
        // It fails if it starts where the files are (a tool's `.exrc` would be read there).
        let editor =
            "sh -c '[ ! -e tool.toml ] || exit 3; for f; do echo \"# edited\" >> \"$f\"; done' sh";
        let edited = edit(editor, &files()).expect("edited");
        assert_eq!(edited[0].1, "name = \"t\"\n# edited\n");
        assert_eq!(edited[1].0, "lib/run.sh");
        assert_eq!(edited[1].1, "echo hi\n# edited\n");
    }

    #[test]
    fn an_editor_that_fails_leaves_nothing_taken_and_bad_names_are_refused() {
        let err = edit("false", &files()).expect_err("refused");
        assert!(
            err.contains("exited with") && err.contains("nothing was taken"),
            "{err}"
        );
        let err = edit("true", &[("../escape".into(), String::new())]).expect_err("refused");
        assert!(err.contains("not a file of the tool's folder"), "{err}");
        let err = edit("rm", &files()).expect_err("removed");
        assert!(err.contains("the editor left no file"), "{err}");
    }
}
