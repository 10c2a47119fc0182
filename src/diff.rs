//! A line diff of two texts in hunks, each line with its number on both sides: what an evolved
//! tool changed against its parent, for every front end that shows it.
//!
//! Patience diff (`similar`), which keeps moved blocks and function boundaries readable, with
//! the changed words marked inside a line that changed. Pure: it reads no file and draws
//! nothing. No size limit: a deadline bounds the work on adversarial input, and past it the
//! diff is coarser, never missing.

use std::time::{Duration, Instant};

use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};

/// Past this the diff settles for a coarser answer (whole blocks instead of the fewest lines).
/// Two 50,000-line versions 1% apart take about 25 ms; a third of the lines changed would take
/// seconds without it (similar's patience and Myers alike).
const DIFF_TIME: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Same,
    Added,
    Removed,
}

/// A piece of a line; `changed` pieces are the words that differ in a changed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub changed: bool,
    pub text: String,
}

/// One line of a hunk, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: Kind,
    /// Its number (from 1) in the old text, when it is there: every line but an added one.
    pub old: Option<usize>,
    /// Its number (from 1) in the new text: every line but a removed one.
    pub new: Option<usize>,
    pub parts: Vec<Part>,
    /// The last line of its text, with no newline after it (`\ No newline at end of file`).
    pub no_newline: bool,
}

impl DiffLine {
    /// The whole line, without its newline.
    pub fn text(&self) -> String {
        self.parts.iter().map(|p| p.text.as_str()).collect()
    }
}

/// A run of changes with the unchanged lines around them, as `diff -u` prints one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The first old line (from 1; the line before it, 0 at the start, when none is old).
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    pub lines: Vec<DiffLine>,
}

impl Hunk {
    /// `@@ -a,b +c,d @@`, as git and patch read it.
    pub fn header(&self) -> String {
        format!(
            "@@ -{},{} +{},{} @@",
            self.old_start, self.old_len, self.new_start, self.new_len
        )
    }
}

/// The hunks of `old` → `new` with `context` unchanged lines around each change; none when
/// the texts are equal.
pub fn hunks(old: &str, new: &str, context: usize) -> Vec<Hunk> {
    hunks_until(old, new, context, Instant::now() + DIFF_TIME)
}

fn hunks_until(old: &str, new: &str, context: usize, deadline: Instant) -> Vec<Hunk> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .deadline(deadline)
        .diff_lines(old, new);
    diff.grouped_ops(context)
        .iter()
        .filter_map(|group| {
            let (first, last) = (group.first()?, group.last()?);
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            Some(Hunk {
                old_start: start_of(&old_range),
                old_len: old_range.len(),
                new_start: start_of(&new_range),
                new_len: new_range.len(),
                lines: group
                    .iter()
                    .flat_map(|op| lines_of(&diff, op, deadline))
                    .collect(),
            })
        })
        .collect()
}

/// Where a range of lines starts, counted from 1; an empty one names the line before it.
fn start_of(range: &std::ops::Range<usize>) -> usize {
    if range.is_empty() {
        range.start
    } else {
        range.start + 1
    }
}

fn lines_of<'a>(
    diff: &'a TextDiff<'a, 'a, 'a, str>,
    op: &DiffOp,
    deadline: Instant,
) -> impl Iterator<Item = DiffLine> + 'a {
    diff.iter_inline_changes_deadline(op, Some(deadline))
        .map(|change| {
            let kind = match change.tag() {
                ChangeTag::Equal => Kind::Same,
                ChangeTag::Insert => Kind::Added,
                ChangeTag::Delete => Kind::Removed,
            };
            let values = change.values();
            let no_newline = values.last().is_none_or(|(_, text)| !text.ends_with('\n'));
            let parts = values
                .iter()
                .map(|(changed, text)| Part {
                    changed: *changed,
                    text: text.trim_end_matches(['\n', '\r']).to_string(),
                })
                .filter(|p| !p.text.is_empty())
                .collect();
            DiffLine {
                kind,
                old: change.old_index().map(|i| i + 1),
                new: change.new_index().map(|i| i + 1),
                parts,
                no_newline,
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each hunk as its header and `diff -u`'s lines, with both line numbers in front.
    fn shown(hunks: &[Hunk]) -> Vec<String> {
        let number = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
        hunks
            .iter()
            .flat_map(|hunk| {
                std::iter::once(hunk.header()).chain(hunk.lines.iter().flat_map(|l| {
                    let mark = match l.kind {
                        Kind::Same => ' ',
                        Kind::Added => '+',
                        Kind::Removed => '-',
                    };
                    let line = format!("{} {} {mark}{}", number(l.old), number(l.new), l.text());
                    std::iter::once(line).chain(l.no_newline.then(|| "\\ no newline".to_string()))
                }))
            })
            .collect()
    }

    fn numbered(range: std::ops::Range<usize>) -> String {
        range.map(|i| format!("{i}\n")).collect()
    }

    #[test]
    fn a_change_at_the_start_numbers_both_sides() {
        let old = numbered(1..10);
        let new = old.replacen("1\n", "one\n", 1);
        assert_eq!(
            shown(&hunks(&old, &new, 2)),
            ["@@ -1,3 +1,3 @@", "1 - -1", "- 1 +one", "2 2  2", "3 3  3"]
        );
    }

    #[test]
    fn a_line_added_at_the_end_counts_from_the_last_ones() {
        let old = numbered(1..10);
        let new = format!("{old}10\n");
        assert_eq!(
            shown(&hunks(&old, &new, 2)),
            ["@@ -8,2 +8,3 @@", "8 8  8", "9 9  9", "- 10 +10"]
        );
    }

    #[test]
    fn changes_far_apart_are_two_hunks_whose_numbers_drift() {
        let old = numbered(1..30);
        let new: String = (1..30)
            .map(|i| match i {
                3 => "3\nthree\n".to_string(),
                25 => String::new(),
                _ => format!("{i}\n"),
            })
            .collect();
        let hunks = hunks(&old, &new, 1);
        let headers: Vec<String> = hunks.iter().map(Hunk::header).collect();
        // The line added in the first hunk moves the second one down a line on the new side.
        assert_eq!(headers, ["@@ -3,2 +3,3 @@", "@@ -24,3 +25,2 @@"]);
        assert_eq!(
            shown(&hunks[1..]),
            ["@@ -24,3 +25,2 @@", "24 25  24", "25 - -25", "26 26  26"]
        );
    }

    #[test]
    fn a_file_added_starts_from_nothing_and_a_file_removed_ends_in_nothing() {
        let text = "a\nb\n";
        assert_eq!(
            shown(&hunks("", text, 3)),
            ["@@ -0,0 +1,2 @@", "- 1 +a", "- 2 +b"]
        );
        assert_eq!(
            shown(&hunks(text, "", 3)),
            ["@@ -1,2 +0,0 @@", "1 - -a", "2 - -b"]
        );
    }

    #[test]
    fn a_missing_newline_at_the_end_is_a_change_and_says_so() {
        let hunks = hunks("a\nb", "a\nb\n", 3);
        assert_eq!(
            shown(&hunks),
            [
                "@@ -1,2 +1,2 @@",
                "1 1  a",
                "2 - -b",
                "\\ no newline",
                "- 2 +b"
            ]
        );
        assert!(super::hunks("a\nb", "a\nb", 3).is_empty());
    }

    #[test]
    fn inline_changes_mark_the_words_that_differ() {
        let old = "def run(path):\n    return open(path).read()\n";
        let new = "def run(path):\n    return open(path, encoding=\"utf-8\").read()\n";
        let hunks = hunks(old, new, 1);
        let changed: String = hunks[0]
            .lines
            .iter()
            .filter(|l| l.kind == Kind::Added)
            .flat_map(|l| l.parts.iter().filter(|p| p.changed))
            .map(|p| p.text.as_str())
            .collect();
        assert!(changed.contains("encoding"), "{hunks:?}");
        // The unchanged words of the changed line are not marked.
        assert!(!changed.contains("return"), "{hunks:?}");
    }

    #[test]
    fn fifty_thousand_lines_diff_whole() {
        let old: String = (0..50_000)
            .map(|i| format!("line {i} = {}\n", i * 7))
            .collect();
        let new: String = old
            .lines()
            .enumerate()
            .map(|(i, l)| match i % 1000 {
                0 => format!("{l} # changed\n"),
                500 => String::new(),
                _ => format!("{l}\n"),
            })
            .collect();
        // No size cliff: a big pair diffs (how fast is `cargo bench --bench detail`'s job).
        let removed = |hunks: &[Hunk]| {
            hunks
                .iter()
                .flat_map(|h| &h.lines)
                .filter(|l| l.kind == Kind::Removed)
                .count()
        };
        assert!(removed(&hunks(&old, &new, 3)) > 0);
        // Without the deadline (a debug build on a busy machine may reach it), the exact diff.
        let exact = hunks_until(&old, &new, 3, Instant::now() + Duration::from_secs(3600));
        assert_eq!(removed(&exact), 100);
        assert_eq!(exact.last().map(|h| h.old_start), Some(49_498));
    }
}
