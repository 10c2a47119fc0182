//! Text cut or padded to a column width: plain string work every pane and overlay shares.

use ratatui::text::{Line, Span};

use crate::model::Tier;

/// Columns the widest of `lines` fills, not counting the padding at a line's end.
pub(crate) fn widest(lines: &[Line<'_>]) -> usize {
    lines
        .iter()
        .map(|line| {
            let text: String = line
                .spans
                .iter()
                .map(|span| span.content.as_ref())
                .collect();
            Span::raw(text.trim_end()).width()
        })
        .max()
        .unwrap_or(0)
}

/// Columns the widest of `lines` asks for when its last span, a free text (a description, an
/// error, arguments), counts for at most `free_text` columns: what a pane asks of the layout,
/// so one long text does not take a wide screen's room from the other panes.
pub(crate) fn wanted(lines: &[Line<'_>], free_text: usize) -> usize {
    lines
        .iter()
        .map(|line| {
            let (last, head) = match line.spans.split_last() {
                Some(split) => split,
                None => return 0,
            };
            let head: usize = head.iter().map(Span::width).sum();
            head + Span::raw(last.content.trim_end()).width().min(free_text)
        })
        .max()
        .unwrap_or(0)
}

/// Pads or cuts `text` to exactly `width` columns (by characters).
pub(crate) fn fit(text: &str, width: usize) -> String {
    // A cell shows its control characters as `text::visible` does everywhere, never drops
    // them (the terminal would, and two lines would read as one).
    let text = crate::text::visible(text);
    let count = text.chars().count();
    if count <= width {
        format!("{text:<width$}")
    } else if width == 0 {
        String::new()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

/// `2026-11-21T10:00:00.000Z` → `11-21 10:00`: a stored time, short enough for a column.
pub(crate) fn short_time(at: &str) -> String {
    at.get(5..16).unwrap_or(at).replace('T', " ")
}

/// Words of `text` in lines of at most `width` characters, as `wrap_rows` breaks them (a
/// word longer than a line goes on over the next, nothing of it lost), every line kept; an
/// empty text is one empty line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = wrap_rows(text, width, usize::MAX);
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// `text` in rows of at most `width` columns, broken between words (a word longer than a row
/// is broken inside), at most `rows` of them, the last cut with `…` when more is left.
pub(crate) fn wrap_rows(text: &str, width: usize, rows: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let have = current.chars().count();
            let need = word.chars().count() + usize::from(have > 0);
            if have + need <= width {
                if have > 0 {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if have > 0 {
                out.push(std::mem::take(&mut current));
                continue;
            }
            // A word wider than a row: as much as fits, the rest on the next.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    if out.len() > rows {
        out.truncate(rows);
        if let Some(last) = out.last_mut() {
            *last = fit(&format!("{last} …"), width).trim_end().to_string();
            if !last.ends_with('…') {
                last.push('…');
            }
        }
    }
    out
}

/// A tier in four letters, for columns and the status line.
pub(crate) fn tier_badge(tier: Tier) -> &'static str {
    match tier {
        Tier::Core => "core",
        Tier::Approved => "appr",
        Tier::Experimental => "exp ",
        Tier::Archived => "arch",
    }
}

#[cfg(test)]
mod tests {
    use super::{fit, wrap, wrap_rows};

    /// A manifest's escape sequence and line break show as the CLI shows them, in one row.
    #[test]
    fn a_cell_shows_control_characters_instead_of_dropping_them() {
        let cell = fit("evil\u{1b}]0;PWNED\u{7} desc\nsecond", 48);
        assert_eq!(
            cell.trim_end(),
            "evil\\u{1b}]0;PWNED\\u{7} desc\\u{a}second"
        );
        assert_eq!(cell.chars().count(), 48);
    }

    #[test]
    fn wrap_keeps_words_whole_and_breaks_only_a_word_longer_than_the_line() {
        assert_eq!(
            wrap("Give the focused pane the screen", 14),
            ["Give the", "focused pane", "the screen"]
        );
        assert_eq!(wrap("abcdefghij k", 4), ["abcd", "efgh", "ij k"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn a_message_wraps_between_words_and_the_last_row_says_more_was_left() {
        assert_eq!(
            wrap_rows("no view named x; the views are runs, history", 20, 3),
            ["no view named x; the", "views are runs,", "history"]
        );
        assert_eq!(
            wrap_rows("no view named x; the views are runs, history", 20, 2),
            ["no view named x; the", "views are runs, …"]
        );
        assert_eq!(wrap_rows("short", 20, 2), ["short"]);
        assert_eq!(wrap_rows("abcdefghij", 4, 3), ["abcd", "efgh", "ij"]);
        let cut = wrap_rows("one two three four five six", 9, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
    }
}
