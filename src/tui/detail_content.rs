//! Loading what the tool detail overlay shows: manifest text, file list and main source.
//!
//! Runs on a blocking thread, never during a draw. Highlighting happens here too, so drawing
//! only copies prepared lines.

use std::path::{Path, PathBuf};

use ratatui::text::Line;

use super::highlight::{Language, highlight};
use super::theme::Theme;
use crate::catalog::infer::render_inferred_manifest;
use crate::catalog::manifest::{MANIFEST_FILE, read_text_capped};
use crate::catalog::scan::collect_files;
use crate::model::{Manifest, ToolEntry};

/// Source files larger than this are shown as a note instead of their text.
const MAX_SOURCE_BYTES: u64 = 512 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct DetailContent {
    pub manifest: Vec<Line<'static>>,
    pub source_name: Option<String>,
    pub source: Vec<Line<'static>>,
    pub files: Vec<(String, u64)>,
}

pub fn load(entry: &ToolEntry, theme: &Theme) -> DetailContent {
    if entry.path.is_file() {
        return load_bare_script(entry, theme);
    }
    let folder = &entry.path;
    let manifest_text = read_text_capped(&folder.join(MANIFEST_FILE), MAX_SOURCE_BYTES)
        .unwrap_or_else(|reason| format!("# {MANIFEST_FILE}: {reason}"));
    let mut relative = Vec::new();
    collect_files(folder, Path::new(""), &mut relative);
    relative.sort();
    let files: Vec<(String, u64)> = relative
        .iter()
        .map(|r| {
            let size = std::fs::symlink_metadata(folder.join(r))
                .map(|m| m.len())
                .unwrap_or(0);
            (r.to_string_lossy().into_owned(), size)
        })
        .collect();
    let source_file = main_source(folder, entry.manifest.as_deref(), &relative);
    let (source_name, source) = match source_file {
        Some(name) => {
            let text = read_text_capped(&folder.join(&name), MAX_SOURCE_BYTES)
                .unwrap_or_else(|r| format!("({r})"));
            let lines = highlight(&text, Language::detect(&name, &text), theme);
            (Some(name), lines)
        }
        None => (None, Vec::new()),
    };
    DetailContent {
        manifest: highlight(&manifest_text, Language::Toml, theme),
        source_name,
        source,
        files,
    }
}

fn load_bare_script(entry: &ToolEntry, theme: &Theme) -> DetailContent {
    let name = entry
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = read_text_capped(&entry.path, MAX_SOURCE_BYTES).unwrap_or_else(|r| format!("({r})"));
    let manifest_text = entry
        .manifest
        .as_deref()
        .map(render_inferred_manifest)
        .unwrap_or_default();
    DetailContent {
        manifest: highlight(&manifest_text, Language::Toml, theme),
        source: highlight(&text, Language::detect(&name, &text), theme),
        files: vec![(name.clone(), text.len() as u64)],
        source_name: Some(name),
    }
}

/// The file the command runs: the first argv word naming a file of the tool, else the first
/// script-looking file.
fn main_source(folder: &Path, manifest: Option<&Manifest>, files: &[PathBuf]) -> Option<String> {
    if let Some(m) = manifest {
        let named = m
            .run
            .command
            .iter()
            .map(|word| word.trim_start_matches("./"))
            .find(|word| files.iter().any(|f| f.as_os_str() == *word));
        if let Some(word) = named {
            return Some(word.to_string());
        }
    }
    files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .find(|f| {
            f != MANIFEST_FILE
                && Language::from_file_name(f) != Language::Plain
                && !f.starts_with("tests/")
        })
        .filter(|f| folder.join(f).is_file())
}
