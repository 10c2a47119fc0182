//! The person's own editor for a tool's files (`$VISUAL`, else `$EDITOR`), and their own pager
//! for a run's full log (`$PAGER`), while the workbench steps aside: the files are written into
//! a private temporary folder, the program reads or edits them there, and what an editor saved
//! is read back.
//!
//! The files are an agent's: the program starts in an empty folder of its own, apart from
//! them, so a file of the tool named like an editor's per-folder settings (`.exrc`,
//! `.nvim.lua`, `.editorconfig`) is edited, never loaded as settings. A log is a tool's
//! output: its escape sequences are made visible text before the pager sees them, and `less`
//! is told to run nothing a key in it could ask for (`LESSSECURE`).

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
            "the editor ({editor}) {}; nothing was taken from it",
            ended(status)
        ));
    }
    files
        .iter()
        .zip(&paths)
        .map(|((name, _), path)| read_back(name, path).map(|text| (name.clone(), text)))
        .collect()
}

/// The pager's command line, as the person set it (`less -S`, `bat`).
pub(crate) fn pager() -> Option<String> {
    std::env::var_os("PAGER")
        .map(|v| v.to_string_lossy().trim().to_string())
        .filter(|v| !v.is_empty())
}

/// How showing a run's log in the person's pager went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paged {
    /// The pager showed it and ended.
    Shown,
    /// `$PAGER` is not set: the built-in view is the one to read it in.
    NoPager,
    /// One line saying what went wrong, naming the pager.
    Failed(String),
}

/// Shows the log of the run in `run_dir` (its `stdout.log` and `stderr.log`, as recorded, each
/// under a line naming it) in `pager`, as `name`. Blocks until the pager exits.
pub(crate) fn page_run_log(pager: &str, run_dir: &Path, name: &str) -> Paged {
    let mut text = String::new();
    for stream in ["stdout", "stderr"] {
        let path = run_dir.join(format!("{stream}.log"));
        let bytes = match read_log(&path) {
            Ok(bytes) => bytes,
            // A stream that printed nothing leaves no log.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Paged::Failed(format!("cannot read the run's {stream} log: {e}")),
        };
        text.push_str(&format!("──── {stream} ({} bytes) ────\n", bytes.len()));
        // Made visible once, here: no byte of the tool's reaches the terminal through the
        // pager as a sequence (`less -R` would pass colours, and more, on).
        text.push_str(&crate::text::visible_text(&String::from_utf8_lossy(&bytes)));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    match page(pager, name, &text) {
        Ok(()) => Paged::Shown,
        Err(why) => Paged::Failed(why),
    }
}

/// A log file's bytes; a link where the log should be is not followed (nor a fifo waited on).
fn read_log(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a file"));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes `text` to a private file named `name` and shows it in `pager`.
fn page(pager: &str, name: &str, text: &str) -> Result<(), String> {
    let place = tempfile::Builder::new()
        .prefix("toolbench-page-")
        .tempdir()
        .map_err(|e| format!("cannot make a folder for $PAGER ({pager}): {e}"))?;
    let start = place.path().join("pager");
    std::fs::create_dir(&start)
        .map_err(|e| format!("cannot make a folder for $PAGER ({pager}): {e}"))?;
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = place
        .path()
        .join(format!("{}.log", name.trim_start_matches('.')));
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()).map(|()| f))
            .map_err(|e| format!("cannot write the log for $PAGER ({pager}): {e}"))?;
        let _ = file.flush();
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{pager} \"$@\""))
        .arg("toolbench-pager")
        .arg(&path)
        .current_dir(&start)
        // `less` then runs no command, editor, log file or input filter a key (or a
        // `LESSOPEN` set for other files) could start.
        .env("LESSSECURE", "1")
        .status()
        .map_err(|e| format!("$PAGER ({pager}) did not start: {e}"))?;
    if !status.success() {
        return Err(format!("$PAGER ({pager}) {}", ended(status)));
    }
    Ok(())
}

/// How a program the shell started ended, in words: the shell's 127 and 126 say it was not
/// found or could not be run (a misspelt `$EDITOR`), not that it failed.
fn ended(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(127) => "was not found (sh: exit status 127)".to_string(),
        Some(126) => "could not be run (sh: exit status 126)".to_string(),
        _ => format!("exited with {status}"),
    }
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
    fn the_pager_gets_both_streams_made_visible_in_a_private_file_apart_from_it() {
        let run = tempfile::tempdir().expect("tempdir");
        std::fs::write(run.path().join("stdout.log"), "out \x1b]0;title\x07 one\n").expect("out");
        std::fs::write(run.path().join("stderr.log"), "err two").expect("err");
        let copy = run.path().join("copy");
        // It fails unless it starts in an empty folder and its file is the owner's alone.
        let pager = format!(
            "sh -c '[ -z \"$(ls -A)\" ] || exit 3; [ \"$LESSSECURE\" = 1 ] || exit 4; \
             [ \"$(stat -c %a \"$1\")\" = 600 ] || exit 5; cp \"$1\" {}' sh",
            copy.display()
        );
        assert_eq!(page_run_log(&pager, run.path(), "alpha 1.0"), Paged::Shown);
        let text = std::fs::read_to_string(&copy).expect("copied");
        assert!(text.contains("──── stdout (19 bytes) ────\nout "), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(
            text.ends_with("──── stderr (7 bytes) ────\nerr two\n"),
            "{text}"
        );
    }

    #[test]
    fn a_link_in_place_of_a_log_is_not_followed() {
        let run = tempfile::tempdir().expect("tempdir");
        let secret = run.path().join("secret");
        std::fs::write(&secret, "do not show").expect("secret");
        std::os::unix::fs::symlink(&secret, run.path().join("stdout.log")).expect("link");
        let Paged::Failed(why) = page_run_log("true", run.path(), "t") else {
            panic!("a link is refused");
        };
        assert!(why.starts_with("cannot read the run's stdout log"), "{why}");
    }

    #[test]
    fn a_pager_that_fails_or_is_missing_is_named_in_one_line() {
        let run = tempfile::tempdir().expect("tempdir");
        let Paged::Failed(why) = page_run_log("false", run.path(), "t") else {
            panic!("false failed");
        };
        assert!(why.starts_with("$PAGER (false) exited with"), "{why}");
        let Paged::Failed(why) = page_run_log("no-such-pager-here", run.path(), "t") else {
            panic!("a missing pager failed");
        };
        assert!(
            why.starts_with("$PAGER (no-such-pager-here) was not found"),
            "{why}"
        );
        assert!(!why.contains('\n'), "{why}");
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
