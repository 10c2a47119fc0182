//! A line diff for the review overlay: what an evolved tool changed against its parent.
//!
//! Patience diff (`similar`), which keeps moved blocks and function boundaries readable, with
//! the changed words marked inside a line that changed. No size limit: a deadline bounds the
//! work on adversarial input, and past it the diff is coarser, never missing.

use std::time::{Duration, Instant};

use similar::{Algorithm, ChangeTag, TextDiff};

/// Past this the diff settles for a coarser answer (whole blocks instead of the fewest lines).
/// Two 50,000-line versions 1% apart take about 25 ms; a third of the lines changed would take
/// seconds without it (similar's patience and Myers alike).
const DIFF_TIME: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Same,
    Added,
    Removed,
}

/// One line of a diff, in parts; `changed` parts are the words that differ in a changed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub(crate) kind: Kind,
    pub(crate) parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) changed: bool,
    pub(crate) text: String,
}

impl DiffLine {
    /// The whole line, without its newline.
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        self.parts.iter().map(|p| p.text.as_str()).collect()
    }
}

/// The changed lines of `old` → `new` with `context` unchanged lines around each change;
/// `None` stands for a folded unchanged stretch.
pub fn diff_lines(old: &str, new: &str, context: usize) -> Vec<Option<DiffLine>> {
    diff_until(old, new, context, Instant::now() + DIFF_TIME)
}

fn diff_until(old: &str, new: &str, context: usize, deadline: Instant) -> Vec<Option<DiffLine>> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .deadline(deadline)
        .diff_lines(old, new);
    let mut out = Vec::new();
    let mut shown_to = 0;
    for group in diff.grouped_ops(context) {
        let Some(first) = group.first() else {
            continue;
        };
        if first.old_range().start > shown_to {
            out.push(None);
        }
        for op in &group {
            shown_to = op.old_range().end;
            for change in diff.iter_inline_changes_deadline(op, Some(deadline)) {
                let kind = match change.tag() {
                    ChangeTag::Equal => Kind::Same,
                    ChangeTag::Insert => Kind::Added,
                    ChangeTag::Delete => Kind::Removed,
                };
                let parts = change
                    .values()
                    .iter()
                    .map(|(changed, text)| Part {
                        changed: *changed,
                        text: text.trim_end_matches(['\n', '\r']).to_string(),
                    })
                    .filter(|p| !p.text.is_empty())
                    .collect();
                out.push(Some(DiffLine { kind, parts }));
            }
        }
    }
    if !out.is_empty() && shown_to < diff.old_slices().len() {
        out.push(None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(diff: &[Option<DiffLine>]) -> Vec<String> {
        diff.iter()
            .map(|line| match line {
                None => "⋯".to_string(),
                Some(l) => {
                    let mark = match l.kind {
                        Kind::Same => ' ',
                        Kind::Added => '+',
                        Kind::Removed => '-',
                    };
                    format!("{mark}{}", l.text())
                }
            })
            .collect()
    }

    #[test]
    fn changed_lines_are_marked_and_the_rest_kept() {
        let diff = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n", 3);
        assert_eq!(shown(&diff), [" a", "-b", "+B", " c", "+d"]);
    }

    #[test]
    fn inline_changes_mark_the_words_that_differ() {
        let old = "def run(path):\n    return open(path).read()\n";
        let new = "def run(path):\n    return open(path, encoding=\"utf-8\").read()\n";
        let diff = diff_lines(old, new, 1);
        let changed = |kind: Kind| -> Vec<String> {
            diff.iter()
                .flatten()
                .filter(|l| l.kind == kind)
                .flat_map(|l| l.parts.iter().filter(|p| p.changed))
                .map(|p| p.text.clone())
                .collect()
        };
        assert!(
            changed(Kind::Added).concat().contains("encoding"),
            "{diff:?}"
        );
        // The unchanged words of the changed line are not marked.
        assert!(
            !changed(Kind::Added).concat().contains("return"),
            "{diff:?}"
        );
    }

    #[test]
    fn context_folds_long_unchanged_stretches() {
        let old: String = (0..20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("10\n", "ten\n");
        let diff = diff_lines(&old, &new, 1);
        assert_eq!(shown(&diff), ["⋯", " 9", "-10", "+ten", " 11", "⋯"]);
        assert!(diff_lines(&old, &old, 1).is_empty());
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
        let diff = diff_lines(&old, &new, 3);
        assert!(diff.iter().flatten().any(|l| l.kind == Kind::Removed));
        // Without the deadline (a debug build on a busy machine may reach it), the exact diff.
        let diff = diff_until(&old, &new, 3, Instant::now() + Duration::from_secs(3600));
        let removed = diff.iter().flatten().filter(|l| l.kind == Kind::Removed);
        assert_eq!(removed.count(), 100);
    }
}
