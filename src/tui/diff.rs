//! A line diff for the review overlay: what an evolved tool changed against its parent.

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// Files with more lines than this are summarised instead of diffed (the table is n×m).
pub const MAX_DIFF_LINES: usize = 3_000;

/// The longest-common-subsequence diff of two texts, or `None` when they are too long.
pub fn diff_lines(old: &str, new: &str) -> Option<Vec<DiffLine>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        return None;
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat table.
    let width = b.len() + 1;
    let mut lcs = vec![0u16; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(DiffLine::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            out.push(DiffLine::Removed(a[i].to_string()));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j].to_string()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| DiffLine::Removed(l.to_string())));
    out.extend(b[j..].iter().map(|l| DiffLine::Added(l.to_string())));
    Some(out)
}

/// Keeps changed lines with `context` unchanged lines around them; long unchanged stretches
/// become `None` (drawn as a separator).
pub fn with_context(lines: &[DiffLine], context: usize) -> Vec<Option<&DiffLine>> {
    let changed: Vec<bool> = lines
        .iter()
        .map(|l| !matches!(l, DiffLine::Same(_)))
        .collect();
    let near_change = |i: usize| {
        let lo = i.saturating_sub(context);
        let hi = (i + context + 1).min(lines.len());
        changed[lo..hi].iter().any(|c| *c)
    };
    let mut out = Vec::new();
    let mut skipping = false;
    for (i, line) in lines.iter().enumerate() {
        if near_change(i) {
            out.push(Some(line));
            skipping = false;
        } else if !skipping {
            out.push(None);
            skipping = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_and_the_rest_kept() {
        let diff = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n").expect("small");
        assert_eq!(
            diff,
            [
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Added("B".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
    }

    #[test]
    fn context_folds_long_unchanged_stretches() {
        let old: String = (0..20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("10\n", "ten\n");
        let diff = diff_lines(&old, &new).expect("small");
        let shown = with_context(&diff, 1);
        assert_eq!(shown.iter().filter(|l| l.is_none()).count(), 2);
        assert_eq!(shown.iter().filter(|l| l.is_some()).count(), 4);
    }

    #[test]
    fn huge_files_are_not_diffed() {
        let big = "x\n".repeat(MAX_DIFF_LINES + 1);
        assert!(diff_lines(&big, "x").is_none());
    }
}
