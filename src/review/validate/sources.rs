//! The text files of a tool and the language each is written in.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::io_text::{Follow, ReadTextError, open_regular};
use crate::model::ToolEntry;
use crate::text::human_size;

/// Files larger than this are listed but not read: tools are small, and validation must stay
/// fast whatever sits next to them.
const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// A NUL byte this early means binary, as for git and grep.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub(crate) enum Language {
    Python,
    /// POSIX `sh`.
    Shell,
    Bash,
    JavaScript,
    /// Text that is no program (manifests, test cases, data, docs).
    Other,
}

impl Language {
    pub(crate) fn is_shell(self) -> bool {
        matches!(self, Language::Shell | Language::Bash)
    }
}

/// One readable text file of a tool.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Relative to the tool folder, `/`-separated.
    pub(crate) relative: String,
    pub(crate) language: Language,
    pub(crate) text: String,
}

impl SourceFile {
    /// Under `tests/`: case files hold sample inputs, not code.
    pub(crate) fn is_test_data(&self) -> bool {
        self.relative.starts_with("tests/")
    }
}

/// A file of the tool that was not read line by line, and why (`binary`, `2.0 MiB, over the
/// 1 MiB per-file limit`, `cannot read: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unscanned {
    pub(crate) relative: String,
    pub(crate) reason: String,
}

/// What `collect` found: the text files, and the files it left unread.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub(crate) files: Vec<SourceFile>,
    pub(crate) unscanned: Vec<Unscanned>,
}

/// Every UTF-8 text file of the tool (the script alone for a bare script), in path order.
/// Binary, unreadable and oversized files are named in `unscanned`; symlinks are left to the
/// links check.
pub(crate) fn collect(entry: &ToolEntry) -> Sources {
    let mut relatives = Vec::new();
    let base = if entry.path.is_dir() {
        relatives = crate::catalog::scan::collect_files(&entry.path);
        entry.path.clone()
    } else {
        if let Some(name) = entry.path.file_name() {
            relatives.push(PathBuf::from(name));
        }
        entry
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    relatives.sort();
    let mut sources = Sources::default();
    for rel in relatives {
        let path = base.join(&rel);
        // Symlinks are the links check's business; only regular files are read here.
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let relative = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match read_source(&path, meta.len()) {
            Ok(text) => sources.files.push(SourceFile {
                language: language_of(&relative, &text),
                relative,
                text,
            }),
            Err(reason) => sources.unscanned.push(Unscanned {
                relative,
                reason: reason.to_string(),
            }),
        }
    }
    sources
}

/// Why a source file was not scanned: the reason shown after its name.
#[derive(Debug, thiserror::Error)]
enum Unread {
    #[error("{}, over the {} per-file limit", human_size(*.0), human_size(MAX_SOURCE_BYTES))]
    TooLarge(u64),
    #[error(transparent)]
    Read(#[from] ReadTextError),
    #[error("binary")]
    Binary,
}

/// The text of one file, read no further than the per-file limit.
fn read_source(path: &Path, len: u64) -> Result<String, Unread> {
    if len > MAX_SOURCE_BYTES {
        return Err(Unread::TooLarge(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // Symlinks are the links check's business: one swapped in since the listing is not read.
    let (file, _) = open_regular(path, Follow::No)?;
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadTextError::Io)?;
    // Grown since it was listed.
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Unread::TooLarge(bytes.len() as u64));
    }
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Err(Unread::Binary);
    }
    String::from_utf8(bytes).map_err(|_| Unread::Binary)
}

/// Names the files a line-by-line check did not read; a pass becomes a warning, since what
/// was not read was not judged.
pub(crate) fn note_unscanned(mut check: super::Check, unscanned: &[Unscanned]) -> super::Check {
    if unscanned.is_empty() {
        return check;
    }
    let named: Vec<String> = unscanned
        .iter()
        .map(|u| format!("{} ({})", u.relative, u.reason))
        .collect();
    check.message = format!("{}; not scanned: {}", check.message, named.join(", "));
    if check.status == super::CheckStatus::Pass {
        check.status = super::CheckStatus::Warn;
    }
    check
}

/// By extension first, then by the interpreter named in a `#!` line.
pub(crate) fn language_of(relative: &str, text: &str) -> Language {
    let extension = Path::new(relative)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "py" => return Language::Python,
        "sh" => {
            return if shebang_names(text, "bash") {
                Language::Bash
            } else {
                Language::Shell
            };
        }
        "bash" => return Language::Bash,
        "js" | "mjs" | "cjs" => return Language::JavaScript,
        _ => {}
    }
    let Some(first) = text.lines().next().filter(|l| l.starts_with("#!")) else {
        return Language::Other;
    };
    let interpreter = first
        .split_whitespace()
        .flat_map(|word| word.rsplit('/').next())
        .filter(|word| *word != "#!" && *word != "env" && !word.starts_with('-'))
        .map(|word| word.trim_start_matches("#!"))
        .find(|word| !word.is_empty() && *word != "env")
        .unwrap_or("");
    if interpreter.starts_with("python") {
        Language::Python
    } else if interpreter == "bash" {
        Language::Bash
    } else if matches!(interpreter, "sh" | "dash" | "ash" | "ksh" | "zsh") {
        Language::Shell
    } else if interpreter.starts_with("node") {
        Language::JavaScript
    } else {
        Language::Other
    }
}

fn shebang_names(text: &str, interpreter: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|l| l.starts_with("#!") && l.contains(interpreter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_binary_files_are_named_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("t");
        std::fs::create_dir(&folder).expect("mkdir");
        std::fs::write(folder.join("main.py"), "print(1)\n").expect("write");
        std::fs::write(folder.join("data.bin"), b"ab\0cd").expect("write");
        std::fs::write(folder.join("latin1.txt"), b"caf\xe9").expect("write");
        let big = std::fs::File::create(folder.join("big.py")).expect("create");
        big.set_len(2 * MAX_SOURCE_BYTES).expect("grow");
        let entry = ToolEntry {
            path: folder,
            ..ToolEntry::fixture(crate::model::Tier::Experimental, "t")
        };
        let sources = collect(&entry);
        let read: Vec<&str> = sources.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(read, ["main.py"]);
        let reasons: Vec<(&str, &str)> = sources
            .unscanned
            .iter()
            .map(|u| (u.relative.as_str(), u.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("big.py", "2 MiB, over the 1 MiB per-file limit"),
                ("data.bin", "binary"),
                ("latin1.txt", "binary")
            ]
        );
        let check = note_unscanned(
            super::super::Check::new(
                super::super::CheckKind::Security,
                super::super::CheckStatus::Pass,
                "no findings in 1 file(s)",
            ),
            &sources.unscanned,
        );
        assert_eq!(check.status, super::super::CheckStatus::Warn);
        assert!(
            check
                .message
                .starts_with("no findings in 1 file(s); not scanned: big.py (2 MiB,"),
            "{}",
            check.message
        );
    }

    #[test]
    fn languages_come_from_extension_then_shebang() {
        assert_eq!(language_of("main.py", ""), Language::Python);
        assert_eq!(language_of("run.sh", "#!/bin/sh\n"), Language::Shell);
        assert_eq!(
            language_of("run.sh", "#!/usr/bin/env bash\n"),
            Language::Bash
        );
        assert_eq!(language_of("lib/x.mjs", ""), Language::JavaScript);
        assert_eq!(
            language_of("tool", "#!/usr/bin/env python3\nprint(1)\n"),
            Language::Python
        );
        assert_eq!(language_of("tool", "#!/bin/bash\n"), Language::Bash);
        assert_eq!(language_of("tool", "#! /bin/sh -e\n"), Language::Shell);
        assert_eq!(
            language_of("tool", "#!/usr/bin/env node\n"),
            Language::JavaScript
        );
        assert_eq!(language_of("tool.toml", "name = 1\n"), Language::Other);
        assert_eq!(language_of("README", "hello\n"), Language::Other);
    }
}
