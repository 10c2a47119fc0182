//! Loading what the tool detail (and review) overlay shows: manifest text, files, highlighted
//! sources and, for an evolved tool, the diff against its parent.
//!
//! Runs on a blocking thread, never during a draw. The content is handed over twice: first
//! plain, so the view appears at once however big the file, then highlighted once the grammars
//! are loaded and the sources parsed. Drawing only copies prepared lines.

use std::path::Path;

use ratatui::text::Line;

use super::diff::{DiffLayout, DiffText};
use super::highlight::{find_syntax, highlight, plain, syntaxes};
use super::theme::Theme;
use crate::model::MANIFEST_FILE;
use crate::model::{Manifest, ToolEntry};
use crate::workbench::tool_diff;
pub(crate) use crate::workbench::tool_files::{ListedFile, text_files};
use crate::workbench::tool_files::{ToolFiles, preview_head};

/// Files shown per tool; a tool folder with more is unusual and the rest stay listed.
const MAX_SOURCES: usize = 40;
/// Extensions of files a tool's command may run, to guess the main one.
const SCRIPT_EXTENSIONS: &[&str] = &[
    "py", "sh", "bash", "js", "mjs", "ts", "rb", "pl", "lua", "go", "rs", "php", "awk", "R",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceFile {
    pub(crate) name: String,
    pub(crate) lines: Vec<Line<'static>>,
    /// What of the file was left plain, when highlighting stopped short.
    pub(crate) note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailContent {
    pub(crate) manifest: Vec<Line<'static>>,
    /// Every readable text file of the tool, highlighted.
    pub(crate) sources: Vec<SourceFile>,
    /// Index into `sources` of the file the command runs.
    pub(crate) main_source: Option<usize>,
    /// Every file with its size, and why it is not shown when it is not.
    pub(crate) files: Vec<ListedFile>,
    /// The diff against the parent, when the tool has one in the catalog, followed by the
    /// last `behaviour` lines: the parent's real inputs the two answer differently.
    pub(crate) diff: Option<Vec<Line<'static>>>,
    /// The line numbers of the diff's lines, and its rows side by side.
    pub(crate) diff_layout: DiffLayout,
    pub(crate) behaviour: usize,
    /// The tool's last runs, newest first (any version), for the picture in the overview.
    pub(crate) recent_runs: Vec<crate::model::RunRecord>,
    /// The last days the tool ran, oldest first, with its quality at the end of each; they
    /// arrive after the rest (`AppEvent::QualityByDayLoaded`).
    pub(crate) quality_by_day: Vec<crate::model::quality::DayQuality>,
    /// The environment its packages are installed in, when it locks any.
    pub(crate) environment: Option<crate::model::deps::Environment>,
}

impl DetailContent {
    pub(crate) fn source_index(&self, name: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.name == name)
    }

    /// Puts `lines` (what validation found of behaviour) after the code diff, in place of the
    /// ones there before: a validation may finish while the overlay is open.
    pub(crate) fn set_behaviour(&mut self, lines: Vec<Line<'static>>) {
        let diff = self.diff.get_or_insert_with(Vec::new);
        diff.truncate(diff.len() - self.behaviour);
        self.behaviour = lines.len();
        diff.extend(lines);
        self.diff_layout = std::mem::take(&mut self.diff_layout).resized(diff.len());
        if diff.is_empty() {
            self.diff = None;
        }
    }
}

/// Loads `entry` (`parent` is the tool it evolved from, when known) and hands the content to
/// `ready` plain, then highlighted.
pub(crate) fn load(
    entry: &ToolEntry,
    parent: Option<&ToolEntry>,
    theme: &Theme,
    mut ready: impl FnMut(DetailContent),
) {
    let tool = ToolFiles::read(entry);
    let diff = parent.map(|p| DiffText::of(&tool_diff::against(p, &tool), theme));
    let ToolFiles {
        folder,
        manifest: manifest_text,
        texts,
        listed: mut files,
    } = tool;
    let diff_layout = diff.as_ref().map_or_else(DiffLayout::default, |d| {
        DiffLayout::new(d.numbers.clone(), d.lines.len())
    });
    // A text file over the preview limit (a bundle, minified code) shows its beginning.
    let heads: Vec<Option<(String, String)>> = files
        .iter_mut()
        .map(|file| preview_head(&folder, file))
        .collect();
    let shown: Vec<(&str, &str, Option<&str>)> = texts
        .iter()
        .zip(&heads)
        .filter_map(|((name, text), head)| match (text, head) {
            (Some(text), _) => Some((name.as_str(), text.as_str(), None)),
            (None, Some((text, note))) => Some((name.as_str(), text.as_str(), Some(note.as_str()))),
            (None, None) => None,
        })
        .filter(|(name, _, _)| *name != MANIFEST_FILE)
        .take(MAX_SOURCES)
        .collect();
    let manifest = entry.manifest.as_deref();
    let main_source = main_source(manifest, shown.iter().map(|(name, _, _)| *name));
    let mut content = DetailContent {
        manifest: plain(&manifest_text),
        sources: shown
            .iter()
            .map(|(name, text, cut)| SourceFile {
                name: name.to_string(),
                lines: plain(text),
                note: cut.map(str::to_string),
            })
            .collect(),
        main_source,
        files,
        diff: diff.map(|d| d.lines),
        diff_layout,
        behaviour: 0,
        recent_runs: Vec::new(),
        quality_by_day: Vec::new(),
        environment: None,
    };
    ready(content.clone());
    let set = syntaxes();
    let command = manifest.map(|m| m.run.command.as_slice());
    for (i, (name, text, cut)) in shown.iter().enumerate() {
        let runs = if main_source == Some(i) {
            command
        } else {
            None
        };
        if let Some(syntax) = find_syntax(set, name, text, runs) {
            let out = highlight(set, syntax, text, theme);
            content.sources[i].lines = out.lines;
            content.sources[i].note = match (cut, out.note) {
                (Some(cut), Some(note)) => Some(format!("{cut}; {note}")),
                (cut, note) => note.or(cut.map(|c| c.to_string())),
            };
        }
    }
    if let Some(syntax) = find_syntax(set, MANIFEST_FILE, &manifest_text, None) {
        content.manifest = highlight(set, syntax, &manifest_text, theme).lines;
    }
    ready(content);
}

/// The diff of `entry` against `parent` alone, as the overlay shows it: for the preview beside
/// the queue, which needs nothing else of the tool.
pub(crate) fn diff_only(entry: &ToolEntry, parent: &ToolEntry, theme: &Theme) -> DiffText {
    DiffText::of(&tool_diff::against(parent, &ToolFiles::read(entry)), theme)
}

/// Index of the file the command runs: the first argv word naming a file of the tool, else the
/// first script-looking file outside `tests/`, else the first file.
fn main_source<'a>(
    manifest: Option<&Manifest>,
    names: impl Iterator<Item = &'a str> + Clone,
) -> Option<usize> {
    let named = manifest.and_then(|m| {
        m.run
            .command
            .iter()
            .map(|word| word.trim_start_matches("./"))
            .find_map(|word| names.clone().position(|n| n == word))
    });
    let script = || {
        names.clone().position(|n| {
            let ext = Path::new(n).extension().and_then(|e| e.to_str());
            ext.is_some_and(|e| SCRIPT_EXTENSIONS.contains(&e)) && !n.starts_with("tests/")
        })
    };
    let first = || names.clone().next().map(|_| 0);
    named.or_else(script).or_else(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
    use ratatui::style::Style;

    /// The content as `load` hands it over: plain first, then highlighted.
    fn loaded(entry: &ToolEntry, parent: Option<&ToolEntry>) -> Vec<DetailContent> {
        // Once to compile the grammars' patterns: a debug build may spend the time budget on it.
        load(entry, parent, &Theme::builtin(), |_| {});
        let mut stages = Vec::new();
        load(entry, parent, &Theme::builtin(), |c| stages.push(c));
        stages
    }

    fn sample_entries() -> Vec<ToolEntry> {
        scan_workspace(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tools"),
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        )
    }

    #[test]
    fn evolved_tool_diffs_against_its_parent() {
        let entries = sample_entries();
        let candidate = entries
            .iter()
            .find(|e| e.name == "csv_to_json" && e.version == "1.3.0")
            .expect("candidate");
        let parent = entries
            .iter()
            .find(|e| e.name == "csv_to_json" && e.version == "1.2.0")
            .expect("parent");
        let content = loaded(candidate, Some(parent)).remove(0);
        let diff: Vec<String> = content
            .diff
            .expect("diff")
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(diff[0].starts_with("against csv_to_json@1.2.0"), "{diff:?}");
        assert!(diff.iter().any(|l| l == "── tool.toml"), "{diff:?}");
        assert!(
            diff.iter().any(|l| l.starts_with("- version = \"1.2.0\"")),
            "{diff:?}"
        );
        assert!(
            diff.iter().any(|l| l.starts_with("+ version = \"1.3.0\"")),
            "{diff:?}"
        );
        assert!(
            diff.iter()
                .any(|l| l == "── tests/semicolon.toml (new file)"),
            "{diff:?}"
        );
    }

    #[test]
    fn a_binary_file_in_the_diff_says_what_it_is_never_its_bytes() {
        let manifest = |version: &str| {
            format!(
                "name = \"t\"\nversion = \"{version}\"\ndescription = \"t\"\n\
                 [run]\ncommand = [\"python3\", \"main.py\"]\n"
            )
        };
        let garbage = [0u8, 159, 146, 150, 0xff, 0xfe];
        let (_old_dir, parent) = tool_with(&[("tool.toml", &manifest("1.0.0"))]);
        std::fs::write(parent.path.join("data.bin"), garbage).expect("parent binary");
        std::fs::write(parent.path.join("same.bin"), garbage).expect("same binary");
        let (_new_dir, candidate) = tool_with(&[("tool.toml", &manifest("1.1.0"))]);
        std::fs::write(candidate.path.join("data.bin"), [garbage, garbage].concat())
            .expect("candidate binary");
        std::fs::write(candidate.path.join("same.bin"), garbage).expect("same binary");
        let content = loaded(&candidate, Some(&parent)).remove(0);
        let diff: Vec<String> = content
            .diff
            .expect("diff")
            .iter()
            .map(|l| l.to_string())
            .collect();
        let at = diff
            .iter()
            .position(|l| l == "── data.bin")
            .expect("data.bin");
        assert_eq!(
            diff[at + 1..at + 3],
            ["- binary file, 6 bytes", "+ binary file, 12 bytes"],
            "{diff:?}"
        );
        assert!(!diff.iter().any(|l| l.contains("same.bin")), "{diff:?}");
        assert!(!diff.iter().any(|l| l.contains('\u{fffd}')), "{diff:?}");
    }

    #[test]
    fn the_diff_numbers_its_lines_under_hunk_headers() {
        let entries = sample_entries();
        let find = |version: &str| {
            entries
                .iter()
                .find(|e| e.name == "csv_to_json" && e.version == version)
                .expect("tool")
        };
        let content = loaded(find("1.3.0"), Some(find("1.2.0"))).remove(0);
        let diff = content.diff.as_deref().expect("diff");
        let header = diff
            .iter()
            .position(|l| l.to_string().starts_with("@@ -"))
            .expect("a hunk header");
        let header_text = diff[header].to_string();
        assert!(
            header_text.contains(" @@ "),
            "names its file: {header_text}"
        );
        let layout = &content.diff_layout;
        let numbers = layout
            .numbers(&Theme::builtin(), header + 1)
            .content
            .to_string();
        assert!(
            numbers
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' '),
            "{numbers:?}"
        );
        assert!(
            !numbers.trim().is_empty(),
            "the first line of a hunk is numbered"
        );
    }

    #[test]
    fn sources_are_loaded_and_the_main_one_found() {
        let entries = sample_entries();
        let tool = entries
            .iter()
            .find(|e| e.name == "csv_to_json" && e.version == "1.2.0")
            .expect("tool");
        let mut stages = loaded(tool, None);
        assert_eq!(stages.len(), 2);
        let content = stages.remove(1);
        let main = content
            .main_source
            .map(|i| content.sources[i].name.as_str());
        assert_eq!(main, Some("main.py"));
        assert!(content.source_index("tests/basic.toml").is_some());
        assert!(content.diff.is_none());
        let styled = |c: &DetailContent| {
            c.sources
                .iter()
                .chain([&SourceFile {
                    name: String::new(),
                    lines: c.manifest.clone(),
                    note: None,
                }])
                .all(|s| {
                    s.lines
                        .iter()
                        .any(|l| l.spans.iter().any(|s| s.style != Style::default()))
                })
        };
        assert!(!styled(&stages[0]), "the first stage is plain");
        assert!(
            styled(&content),
            "then every source and the manifest are highlighted"
        );
    }

    /// A tool folder in a fresh workspace, scanned.
    fn tool_with(files: &[(&str, &str)]) -> (tempfile::TempDir, ToolEntry) {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("experimental").join("t");
        std::fs::create_dir_all(&folder).expect("folder");
        for (name, text) in files {
            std::fs::write(folder.join(name), text).expect("file");
        }
        let entry = scan_workspace(
            dir.path(),
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        )
        .pop()
        .expect("one tool");
        (dir, entry)
    }

    #[test]
    fn the_command_names_the_language_of_a_script_without_extension_or_shebang() {
        let manifest = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"t\"\n\
                        [run]\ncommand = [\"ruby\", \"tool\"]\n";
        let (_dir, entry) = tool_with(&[("tool.toml", manifest), ("tool", "puts 42 # hi\n")]);
        let content = loaded(&entry, None).pop().expect("content");
        let main = &content.sources[content.main_source.expect("main")];
        assert_eq!(main.name, "tool");
        let comment = Theme::builtin().syntax_comment;
        assert!(
            main.lines[0].spans.iter().any(|s| s.style == comment),
            "{:?}",
            main.lines[0]
        );
    }

    #[test]
    fn a_fifty_thousand_line_source_shows_plain_then_partly_highlighted() {
        let manifest = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"t\"\n\
                        [run]\ncommand = [\"python3\", \"main.py\"]\n";
        let source: String = (0..50_000).map(|i| format!("x = {i}\n")).collect();
        let (_dir, entry) = tool_with(&[("tool.toml", manifest), ("main.py", &source)]);
        let stages = loaded(&entry, None);
        let [first, last] = stages.as_slice() else {
            panic!("two stages");
        };
        assert_eq!(first.sources[0].lines.len(), 50_000);
        assert_eq!(last.sources[0].lines.len(), 50_000);
        let note = last.sources[0].note.as_deref().unwrap_or_default();
        assert!(note.starts_with("plain from line "), "{note}");
    }

    #[test]
    fn a_two_megabyte_minified_file_shows_its_beginning_on_one_cut_line() {
        let manifest = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"t\"\n\
                        [run]\ncommand = [\"node\", \"bundle.min.js\"]\n";
        let minified = "var a=function(b){return b+1};".repeat(2 * 1024 * 1024 / 30);
        let (_dir, entry) = tool_with(&[("tool.toml", manifest), ("bundle.min.js", &minified)]);
        let stages = loaded(&entry, None);
        let first = &stages[0];
        let source = &first.sources[first.source_index("bundle.min.js").expect("shown")];
        assert_eq!(source.lines.len(), 1);
        let shown: String = source.lines[0]
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(
            shown.chars().count(),
            2_001,
            "cut for the screen, with an ellipsis"
        );
        assert!(shown.starts_with("var a=function(b){return b+1};") && shown.ends_with('…'));
        let note = source.note.as_deref().unwrap_or_default();
        assert!(
            note.starts_with("the first 512 KiB of 2048 KiB shown"),
            "{note}"
        );
        let last = stages.last().expect("highlighted");
        let note = last.sources[0].note.as_deref().unwrap_or_default();
        assert!(
            note.starts_with("the first 512 KiB of 2048 KiB shown"),
            "{note}"
        );
        let listed = last
            .files
            .iter()
            .find(|f| f.name == "bundle.min.js")
            .expect("listed");
        assert_eq!(
            listed.not_shown.as_deref(),
            Some("over the preview limit: the first 512 KiB of 2048 KiB shown")
        );
    }

    /// A tool that wants the detail view to show a host file: its "bundle" over the preview
    /// limit is a link to a secret outside the folder, and another is a FIFO with a writer
    /// waiting to see whether toolbench opens it.
    #[test]
    fn the_preview_of_a_large_file_never_reads_through_a_link_or_opens_a_fifo() {
        let outside = tempfile::tempdir().expect("outside");
        let secret = outside.path().join("id_rsa");
        let marker = "HOST-SECRET-7f3a";
        std::fs::write(&secret, format!("{marker}\n").repeat(60_000)).expect("secret");
        let manifest = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"t\"\n\
                        [run]\ncommand = [\"node\", \"main.js\"]\n";
        let (_dir, entry) = tool_with(&[("tool.toml", manifest), ("main.js", "1;\n")]);
        std::os::unix::fs::symlink(&secret, entry.path.join("bundle.min.js")).expect("link");
        let fifo = entry.path.join("big.js");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: mkfifo on a NUL-terminated path in our own temp folder.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
        // The writer's open returns only once someone opens the FIFO for reading.
        let (opened_tx, opened_rx) = std::sync::mpsc::channel();
        let writer_path = fifo.clone();
        std::thread::spawn(move || {
            let opened = std::fs::OpenOptions::new().write(true).open(&writer_path);
            let _ = opened_tx.send(opened.is_ok());
        });
        let stages = loaded(&entry, None);
        for stage in &stages {
            for source in &stage.sources {
                let text: String = source
                    .lines
                    .iter()
                    .flat_map(|l| l.spans.iter().map(|s| s.content.as_ref()))
                    .collect();
                assert!(
                    !text.contains(marker),
                    "{} showed the host secret",
                    source.name
                );
            }
        }
        assert!(
            opened_rx
                .recv_timeout(std::time::Duration::from_millis(300))
                .is_err(),
            "the FIFO was opened for reading"
        );
        // Unblock the writer thread: nobody else will open the FIFO.
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo);
    }
}
