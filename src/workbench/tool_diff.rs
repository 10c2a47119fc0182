//! What a tool changed against another (a candidate against the active version it would
//! replace), file by file: each text file that differs as hunks with both sides' line numbers,
//! a file one side of which is not text as what each side is, never its bytes. For every front
//! end that shows a diff; drawing it is theirs.

use std::path::Path;

use super::tool_files::{ListedFile, ToolFiles};
use crate::diff::{Hunk, hunks};
use crate::io_text::{Follow, open_regular};
use crate::model::MANIFEST_FILE;
use crate::model::ToolEntry;

/// Unchanged lines kept around each change.
const DIFF_CONTEXT: usize = 3;

/// The files of a tool that differ from another's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolDiff {
    /// What it is compared with: `name@version (tier)`.
    pub(crate) against: String,
    /// In path order; empty when nothing differs.
    pub(crate) files: Vec<FileDiff>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FileDiff {
    /// A text file on both sides (a side the tool lacks is empty): `what` says "new file" or
    /// "removed" when one lacks it.
    Text {
        name: String,
        what: Option<&'static str>,
        hunks: Vec<Hunk>,
    },
    /// A file one side of which is not text: what each side is (`binary file, 2048 bytes`,
    /// `text file, 12 lines`), `None` for a side that lacks it.
    NotText {
        name: String,
        old: Option<String>,
        new: Option<String>,
    },
}

/// A tool's files with their text (`None` for one not shown as text).
type FileTexts = [(String, Option<String>)];

/// One side of a file in the diff: its text, or what it is when it is not shown as text.
struct Side<'a> {
    text: Option<&'a str>,
    listed: Option<&'a ListedFile>,
    path: std::path::PathBuf,
}

impl<'s> Side<'s> {
    /// The side of `name` among `texts` (read from `folder`), when the tool has it.
    fn of(
        texts: &'s FileTexts,
        files: &'s [ListedFile],
        folder: &Path,
        name: &str,
    ) -> Option<Self> {
        let (_, text) = texts.iter().find(|(n, _)| n == name)?;
        Some(Side {
            text: text.as_deref(),
            listed: files.iter().find(|f| f.name == name),
            path: folder.join(name),
        })
    }

    /// The text of a side; a side the tool lacks is empty (the file was added or removed).
    fn text_of(side: &Option<Self>) -> Option<&'s str> {
        side.as_ref().map_or(Some(""), |s| s.text)
    }

    /// What the side is when it is no text, never its bytes: `binary file, 2048 bytes`.
    fn described(&self) -> Option<String> {
        let listed = self.listed?;
        Some(match listed.not_shown.as_deref() {
            Some("binary") | None => format!("binary file, {} bytes", listed.size),
            Some(why) => format!("{why}, {} bytes", listed.size),
        })
    }
}

/// Every file of `new` (read from the tool) that differs from `parent`'s.
pub(crate) fn against(parent: &ToolEntry, new: &ToolFiles) -> ToolDiff {
    let mut old = ToolFiles::read(parent);
    // The manifest as the parent's detail shows it (a bare script's inferred one).
    old.texts.retain(|(name, _)| name != MANIFEST_FILE);
    old.texts.push((
        MANIFEST_FILE.to_string(),
        Some(std::mem::take(&mut old.manifest)),
    ));
    let mut names: Vec<&str> = new
        .texts
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(old.texts.iter().map(|(n, _)| n.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut files = Vec::new();
    for name in names {
        let old = Side::of(&old.texts, &old.listed, &old.folder, name);
        let new = Side::of(&new.texts, &new.listed, &new.folder, name);
        let what = match (&old, &new) {
            (None, _) => Some("new file"),
            (_, None) => Some("removed"),
            _ => None,
        };
        match (Side::text_of(&old), Side::text_of(&new)) {
            (Some(old), Some(new)) if old != new => files.push(FileDiff::Text {
                name: name.to_string(),
                what,
                hunks: hunks(old, new, DIFF_CONTEXT),
            }),
            (Some(_), Some(_)) => {}
            _ if same_bytes(old.as_ref(), new.as_ref()) => {}
            _ => {
                let described = |side: Option<&Side>| {
                    side.map(|s| match s.text {
                        Some(text) => format!("text file, {} lines", text.lines().count()),
                        None => s.described().unwrap_or_default(),
                    })
                };
                files.push(FileDiff::NotText {
                    name: name.to_string(),
                    old: described(old.as_ref()),
                    new: described(new.as_ref()),
                });
            }
        }
    }
    ToolDiff {
        against: format!("{}@{} ({})", parent.name, parent.version, parent.tier),
        files,
    }
}

/// Whether two sides that are not both text hold the same bytes, compared a block at a time
/// (a binary file may be large); a symlink or anything unreadable is never the same.
fn same_bytes(old: Option<&Side>, new: Option<&Side>) -> bool {
    use std::io::Read;
    let (Some(old), Some(new)) = (old, new) else {
        return false;
    };
    let open = |side: &Side| open_regular(&side.path, Follow::No).ok();
    let (Some((mut a, meta_a)), Some((mut b, meta_b))) = (open(old), open(new)) else {
        return false;
    };
    if meta_a.len() != meta_b.len() {
        return false;
    }
    let (mut block_a, mut block_b) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let Ok(n) = a.read(&mut block_a) else {
            return false;
        };
        if n == 0 {
            return true;
        }
        if b.read_exact(&mut block_b[..n]).is_err() || block_a[..n] != block_b[..n] {
            return false;
        }
    }
}
