//! A tool's files as a reviewer reads them: the manifest, and each file with its text, or why
//! it is not shown (binary, a symlink, over the preview limit). What the tool detail, the review
//! overlay, the evolve editor and the review page show, read the same way for each.

use std::path::{Path, PathBuf};

use crate::catalog::infer::render_inferred_manifest;
use crate::catalog::scan::collect_files;
use crate::io_text::{read_text_capped, read_tool_text, read_tool_text_head};
use crate::model::MANIFEST_FILE;
use crate::model::ToolEntry;

/// Files larger than this are listed but not shown.
pub(crate) const MAX_SOURCE_BYTES: u64 = 512 * 1024;

/// The most of one tool a page reads to diff it (all its files); past it, or past
/// [`PAGE_MAX_FILES`] entries, the workbench shows the diff.
pub(crate) const PAGE_MAX_BYTES: u64 = 4 * 1024 * 1024;
const PAGE_MAX_FILES: u64 = 1_000;

/// Whether the tool at `path` is within what a page reads: listed and stat'ed, never read,
/// so a tool grown past it costs a page's draw no reading.
pub(crate) fn fits_a_page(path: &Path) -> bool {
    let limits = crate::catalog::scan::ScanLimits {
        max_tool_bytes: PAGE_MAX_BYTES,
        max_tool_files: PAGE_MAX_FILES,
    };
    crate::catalog::scan::tool_fits(path, limits)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListedFile {
    pub(crate) name: String,
    pub(crate) size: u64,
    /// "binary", "over the 512 KiB preview limit", "symlink", …
    pub(crate) not_shown: Option<String>,
}

/// A tool's files, read once.
pub(crate) struct ToolFiles {
    /// Where its files are: the tool's folder, or the folder of a bare script.
    pub(crate) folder: PathBuf,
    /// The manifest's text (a bare script's inferred one).
    pub(crate) manifest: String,
    /// Every file (manifest included) with its text, `None` when not shown, in path order.
    pub(crate) texts: Vec<(String, Option<String>)>,
    /// Every file with its size, and why it is not shown when it is not.
    pub(crate) listed: Vec<ListedFile>,
}

impl ToolFiles {
    pub(crate) fn read(entry: &ToolEntry) -> ToolFiles {
        let (manifest, texts) = read_tool(entry);
        let folder = entry.folder();
        let listed = texts
            .iter()
            .map(|(name, text)| listed(&folder.join(name), name, text.as_deref()))
            .collect();
        ToolFiles {
            folder,
            manifest,
            texts,
            listed,
        }
    }

    /// The content hash of exactly the texts read, when every file was read as text: what a
    /// view of them may bind a decision to, since it is the content that view showed. `None`
    /// when a file was not read (binary, a symlink, too large, unreadable).
    pub(crate) fn hash_of_texts(&self) -> Option<String> {
        let texts: Vec<(&Path, &[u8])> = self
            .texts
            .iter()
            .map(|(name, text)| Some((Path::new(name.as_str()), text.as_deref()?.as_bytes())))
            .collect::<Option<_>>()?;
        Some(crate::catalog::scan::hash_bytes_of(texts))
    }
}

/// The text files of a tool (manifest included) for the evolve editor; binary, oversized and
/// symlinked files are left out (evolve copies them as they are).
pub(crate) fn text_files(entry: &ToolEntry) -> Vec<(String, String)> {
    if entry.path.is_file() {
        return read_tool(entry)
            .1
            .into_iter()
            .filter_map(|(n, t)| t.map(|t| (n, t)))
            .collect();
    }
    read_folder(&entry.path)
        .into_iter()
        .filter_map(|(n, t)| t.map(|t| (n, t)))
        .collect()
}

/// The manifest text and every file of the tool with its text (`None` when not shown).
fn read_tool(entry: &ToolEntry) -> (String, Vec<(String, Option<String>)>) {
    if entry.path.is_file() {
        let name = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = read_text_capped(&entry.path, MAX_SOURCE_BYTES).ok();
        let manifest = entry
            .manifest
            .as_deref()
            .map(render_inferred_manifest)
            .unwrap_or_default();
        return (manifest, vec![(name, text)]);
    }
    let folder = &entry.path;
    let manifest = read_text_capped(&folder.join(MANIFEST_FILE), MAX_SOURCE_BYTES)
        .unwrap_or_else(|reason| format!("# {MANIFEST_FILE}: {reason}"));
    (manifest, read_folder(folder))
}

fn read_folder(folder: &Path) -> Vec<(String, Option<String>)> {
    collect_files(folder)
        .into_iter()
        .map(|r| {
            let path = folder.join(&r);
            let text = read_tool_text(&path, MAX_SOURCE_BYTES).ok();
            (r.to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// The beginning of a text file too big to show whole, with the note its header shows; the
/// file's listing then says what part is shown.
pub(crate) fn preview_head(folder: &Path, file: &mut ListedFile) -> Option<(String, String)> {
    if file.size <= MAX_SOURCE_BYTES || file.not_shown.is_none() {
        return None;
    }
    let (text, size) = read_tool_text_head(&folder.join(&file.name), MAX_SOURCE_BYTES).ok()?;
    // NUL is valid UTF-8 but never in text (a sparse or binary file).
    if text.contains('\0') {
        return None;
    }
    let note = format!(
        "the first {} KiB of {} KiB shown",
        MAX_SOURCE_BYTES / 1024,
        size.div_ceil(1024)
    );
    file.not_shown = Some(format!("over the preview limit: {note}"));
    Some((text, note))
}

/// A file as the Files section lists it; what was not read says why, from metadata and at
/// most the first 8 KiB (a file over the preview limit is never read whole).
pub(crate) fn listed(path: &Path, name: &str, text: Option<&str>) -> ListedFile {
    let meta = std::fs::symlink_metadata(path).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let not_shown = match (text, &meta) {
        (Some(_), _) => None,
        (None, Some(m)) if m.file_type().is_symlink() => Some("symlink".to_string()),
        (None, Some(m)) if !m.is_file() => Some("not a regular file".to_string()),
        (None, Some(_)) if size > MAX_SOURCE_BYTES => Some(format!(
            "over the {} KiB preview limit",
            MAX_SOURCE_BYTES / 1024
        )),
        (None, Some(_)) => Some("binary".to_string()),
        (None, None) => Some("unreadable".to_string()),
    };
    ListedFile {
        name: name.to_string(),
        size,
        not_shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_not_shown_say_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::write(root.join("main.py"), "print(1)\n").expect("main");
        std::fs::write(root.join("blob.bin"), [0u8, 159, 146, 150]).expect("binary");
        let big = std::fs::File::create(root.join("huge.txt")).expect("huge");
        // Sparse: its apparent size is what counts, and nothing of it is read.
        big.set_len(4 * 1024 * 1024 * 1024).expect("sparse");
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).expect("link");
        let texts = read_folder(root);
        let listed: Vec<ListedFile> = texts
            .iter()
            .map(|(name, text)| listed(&root.join(name), name, text.as_deref()))
            .collect();
        let why = |name: &str| {
            listed
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("{name} listed"))
                .not_shown
                .clone()
        };
        assert_eq!(why("main.py"), None);
        assert_eq!(why("blob.bin").as_deref(), Some("binary"));
        assert_eq!(
            why("huge.txt").as_deref(),
            Some("over the 512 KiB preview limit")
        );
        assert_eq!(why("link").as_deref(), Some("symlink"));
    }

    /// The hash of the texts read is the tool's content hash when every file is text, so a
    /// view of those texts may bind a decision to it; with one file not text there is none.
    #[test]
    fn the_hash_of_the_texts_read_is_the_content_hash_only_when_all_are_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = crate::test_fixtures::write_tool(
            dir.path(),
            crate::model::Tier::Experimental,
            "greet",
            "says hello",
        );
        std::fs::create_dir_all(folder.join("tests")).expect("tests");
        std::fs::write(folder.join("tests/a.json"), "{}").expect("case");
        let scan = || {
            use crate::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
            let limits = ScanLimits::default();
            let progress = ScanProgress::default();
            scan_workspace(dir.path(), limits, &KnownHashes::default(), &progress)
                .pop()
                .expect("one tool")
        };
        let entry = scan();
        assert_eq!(
            ToolFiles::read(&entry).hash_of_texts(),
            Some(entry.content_hash.clone())
        );
        std::fs::write(folder.join("blob.bin"), [0u8, 159, 146, 150]).expect("binary");
        assert_eq!(ToolFiles::read(&scan()).hash_of_texts(), None);
    }
}
