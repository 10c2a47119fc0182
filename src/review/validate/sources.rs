//! The text files of a tool and the language each is written in.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::manifest::read_text_capped;
use crate::model::ToolEntry;

/// Files larger than this are not read: tools are small, and a scan must stay fast.
const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Language {
    Python,
    /// POSIX `sh`.
    Shell,
    Bash,
    JavaScript,
    /// Text that is no program (manifests, test cases, data, docs).
    Other,
}

impl Language {
    pub fn is_shell(self) -> bool {
        matches!(self, Language::Shell | Language::Bash)
    }
}

/// One readable text file of a tool.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the tool folder, `/`-separated.
    pub relative: String,
    pub language: Language,
    pub text: String,
}

impl SourceFile {
    /// Under `tests/`: case files hold sample inputs, not code.
    pub fn is_test_data(&self) -> bool {
        self.relative.starts_with("tests/")
    }
}

/// Every UTF-8 text file of the tool (the script alone for a bare script), in path order.
/// Binary, unreadable and oversized files are skipped.
pub fn collect(entry: &ToolEntry) -> Vec<SourceFile> {
    let mut relatives = Vec::new();
    let base = if entry.path.is_dir() {
        crate::catalog::scan::collect_files(&entry.path, Path::new(""), &mut relatives);
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
    relatives
        .into_iter()
        .filter_map(|rel| {
            let path = base.join(&rel);
            // Symlinks are the scan's business; only regular files are read here.
            if path
                .symlink_metadata()
                .map(|m| !m.is_file())
                .unwrap_or(true)
            {
                return None;
            }
            let text = read_text_capped(&path, MAX_SOURCE_BYTES).ok()?;
            if text.contains('\0') {
                return None;
            }
            let relative = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Some(SourceFile {
                language: language_of(&relative, &text),
                relative,
                text,
            })
        })
        .collect()
}

/// By extension first, then by the interpreter named in a `#!` line.
pub fn language_of(relative: &str, text: &str) -> Language {
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
