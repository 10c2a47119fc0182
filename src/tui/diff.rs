//! Drawing a diff against the parent: each changed file under its name, each hunk under its
//! `@@ -a,b +c,d @@` header, every line with its numbers on both sides in a dimmed gutter, and
//! the rows of a side-by-side view (old left, new right). The hunks come from the library
//! (`crate::diff`); this module only turns them into lines.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::diff::{Hunk, Kind};
use crate::text::visible;
use crate::workbench::tool_diff::{FileDiff, ToolDiff};

/// The old and new number of a diff line; `None` for a line that is no line of a file (a
/// file's or hunk's header, a note).
pub(crate) type Numbers = Option<(Option<usize>, Option<usize>)>;

/// The lines of a diff and, for each, its numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DiffText {
    pub(crate) lines: Vec<Line<'static>>,
    pub(crate) numbers: Vec<Numbers>,
}

impl DiffText {
    /// `diff` as the overlay draws it: what it is against, then each file that differs, or
    /// that nothing does.
    pub(crate) fn of(diff: &ToolDiff, theme: &Theme) -> DiffText {
        let mut out = DiffText::default();
        out.note(Line::from(Span::styled(
            format!("against {}", diff.against),
            theme.dim,
        )));
        for file in &diff.files {
            match file {
                FileDiff::Text { name, what, hunks } => out.file(theme, name, *what, hunks),
                FileDiff::NotText { name, old, new } => {
                    out.not_text(theme, name, old.clone(), new.clone())
                }
            }
        }
        if diff.files.is_empty() {
            out.note(Line::from(Span::styled("no differences", theme.dim)));
        }
        out
    }

    /// A line that is no line of a file: a header or a note.
    pub(crate) fn note(&mut self, line: Line<'static>) {
        self.lines.push(line);
        self.numbers.push(None);
    }

    /// `hunks` of the file `name`, after a line naming it (and `what` happened to it).
    pub(crate) fn file(&mut self, theme: &Theme, name: &str, what: Option<&str>, hunks: &[Hunk]) {
        self.note(Line::from(""));
        self.note(file_header(theme, name, what));
        for hunk in hunks {
            // The file's name after the numbers, as git's function context: a hunk scrolled
            // to alone still says where it is.
            self.note(Line::from(vec![
                Span::styled(hunk.header(), theme.syntax_heading),
                Span::styled(format!(" {}", visible(name)), theme.dim),
            ]));
            for line in &hunk.lines {
                let (mark, style) = mark(theme, line.kind);
                let mut spans = vec![Span::styled(mark, style)];
                // The words that changed inside a changed line stand out from the rest of it.
                spans.extend(line.parts.iter().map(|part| {
                    let style = if part.changed {
                        style.add_modifier(Modifier::REVERSED)
                    } else {
                        style
                    };
                    Span::styled(visible(&part.text), style)
                }));
                self.lines.push(Line::from(spans));
                self.numbers.push(Some((line.old, line.new)));
                if line.no_newline {
                    self.note(Line::from(Span::styled(
                        "\\ no newline at end of file",
                        theme.dim,
                    )));
                }
            }
        }
    }

    /// A file one side of which is not text: what each side is (`binary file, 2048 bytes`),
    /// removed then added, never its bytes.
    pub(crate) fn not_text(
        &mut self,
        theme: &Theme,
        name: &str,
        old: Option<String>,
        new: Option<String>,
    ) {
        self.note(Line::from(""));
        self.note(file_header(theme, name, None));
        for (kind, what) in [(Kind::Removed, old), (Kind::Added, new)] {
            if let Some(what) = what {
                let (mark, style) = mark(theme, kind);
                self.note(Line::from(vec![
                    Span::styled(mark, style),
                    Span::styled(what, style),
                ]));
            }
        }
    }

    /// The first `max` lines with their numbers in front, for a view that only cuts them at
    /// its edge (the preview beside the queue).
    pub(crate) fn numbered(self, theme: &Theme, max: usize) -> Vec<Line<'static>> {
        let layout = DiffLayout::new(self.numbers, self.lines.len());
        self.lines
            .into_iter()
            .take(max)
            .enumerate()
            .map(|(i, line)| {
                let mut spans = vec![layout.numbers(theme, i)];
                spans.extend(line.spans);
                Line::from(spans)
            })
            .collect()
    }
}

fn file_header(theme: &Theme, name: &str, what: Option<&str>) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("── {}", visible(name)),
        theme.syntax_heading,
    )];
    if let Some(what) = what {
        spans.push(Span::styled(format!(" ({what})"), theme.dim));
    }
    Line::from(spans)
}

/// The mark in front of a line: readable without colour.
fn mark(theme: &Theme, kind: Kind) -> (&'static str, Style) {
    match kind {
        Kind::Same => ("  ", Style::default()),
        Kind::Added => ("+ ", theme.ok),
        Kind::Removed => ("- ", theme.error),
    }
}

/// A row of the side-by-side view: a line across the whole width (a header, a note), or the
/// line on the left (old) and the one on the right (new), indices into the diff's lines. An
/// unchanged line is on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitRow {
    Whole(usize),
    Pair(Option<usize>, Option<usize>),
}

/// How the lines of a diff are laid out: their numbers, and their rows side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DiffLayout {
    numbers: Vec<Numbers>,
    rows: Vec<SplitRow>,
    /// The side-by-side row of each line.
    row_of_line: Vec<usize>,
    /// Columns of the widest line number.
    digits: usize,
}

impl DiffLayout {
    /// The layout of `lines` lines whose first ones have `numbers`; the lines after them (the
    /// behaviour validation found) are whole rows.
    pub(crate) fn new(mut numbers: Vec<Numbers>, lines: usize) -> Self {
        numbers.resize(lines, None);
        let widest = numbers
            .iter()
            .flatten()
            .flat_map(|(old, new)| [*old, *new])
            .flatten()
            .max();
        let mut rows = Vec::new();
        let mut row_of_line = vec![0; lines];
        // A change is its removed lines then its added ones: paired row by row.
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        for (i, numbers) in numbers.iter().enumerate() {
            match numbers {
                Some((Some(_), None)) if added.is_empty() => removed.push(i),
                Some((None, Some(_))) => added.push(i),
                _ => {
                    pair(&mut rows, &mut row_of_line, &removed, &added);
                    removed.clear();
                    added.clear();
                    match numbers {
                        Some((Some(_), None)) => removed.push(i),
                        Some(_) => pair(&mut rows, &mut row_of_line, &[i], &[i]),
                        None => {
                            row_of_line[i] = rows.len();
                            rows.push(SplitRow::Whole(i));
                        }
                    }
                }
            }
        }
        pair(&mut rows, &mut row_of_line, &removed, &added);
        Self {
            digits: widest.map_or(0, |n| n.to_string().len()),
            rows,
            row_of_line,
            numbers,
        }
    }

    /// The layout of the same numbered lines followed by others, `lines` in all.
    pub(crate) fn resized(self, lines: usize) -> Self {
        Self::new(self.numbers, lines)
    }

    pub(crate) fn rows(&self) -> &[SplitRow] {
        &self.rows
    }

    /// The side-by-side row that shows line `line`.
    pub(crate) fn row_of(&self, line: usize) -> usize {
        self.row_of_line.get(line).copied().unwrap_or(0)
    }

    /// The first line side-by-side row `row` shows.
    pub(crate) fn line_at(&self, row: usize) -> usize {
        match self.rows.get(row) {
            Some(
                SplitRow::Whole(i) | SplitRow::Pair(Some(i), _) | SplitRow::Pair(None, Some(i)),
            ) => *i,
            _ => 0,
        }
    }

    /// Columns of the unified gutter: both numbers.
    pub(crate) fn gutter(&self) -> usize {
        if self.digits == 0 {
            0
        } else {
            2 * (self.digits + 1)
        }
    }

    /// Columns of one side's gutter, side by side.
    pub(crate) fn half_gutter(&self) -> usize {
        if self.digits == 0 { 0 } else { self.digits + 1 }
    }

    /// Both numbers of line `line`, as the unified gutter shows them.
    pub(crate) fn numbers(&self, theme: &Theme, line: usize) -> Span<'static> {
        let (old, new) = self
            .numbers
            .get(line)
            .copied()
            .flatten()
            .unwrap_or_default();
        let text = format!("{} {} ", self.number(old), self.number(new));
        Span::styled(text, theme.dim)
    }

    /// The number of line `line` on one side (`old` or new), as the side-by-side gutter shows it.
    pub(crate) fn side_number(&self, theme: &Theme, line: usize, old: bool) -> Span<'static> {
        let numbers = self
            .numbers
            .get(line)
            .copied()
            .flatten()
            .unwrap_or_default();
        let number = if old { numbers.0 } else { numbers.1 };
        Span::styled(format!("{} ", self.number(number)), theme.dim)
    }

    fn number(&self, number: Option<usize>) -> String {
        let text = number.map_or(String::new(), |n| n.to_string());
        format!("{text:>w$}", w = self.digits)
    }
}

/// Rows for a change: its removed lines beside its added ones, the longer side alone below.
fn pair(rows: &mut Vec<SplitRow>, row_of_line: &mut [usize], removed: &[usize], added: &[usize]) {
    for k in 0..removed.len().max(added.len()) {
        let (left, right) = (removed.get(k).copied(), added.get(k).copied());
        for line in left.iter().chain(&right) {
            row_of_line[*line] = rows.len();
        }
        rows.push(SplitRow::Pair(left, right));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_pairs_its_removed_lines_with_its_added_ones() {
        let numbers = vec![
            None,                     // the hunk's header
            Some((Some(1), Some(1))), // unchanged
            Some((Some(2), None)),    // removed
            Some((Some(3), None)),    // removed
            Some((None, Some(2))),    // added
            Some((Some(4), Some(3))), // unchanged
            Some((None, Some(4))),    // added
        ];
        let layout = DiffLayout::new(numbers, 8);
        use SplitRow::*;
        assert_eq!(
            layout.rows(),
            [
                Whole(0),
                Pair(Some(1), Some(1)),
                Pair(Some(2), Some(4)),
                Pair(Some(3), None),
                Pair(Some(5), Some(5)),
                Pair(None, Some(6)),
                // A line past the numbers (the behaviour found) spans both sides.
                Whole(7),
            ]
        );
        assert_eq!(layout.row_of(4), 2);
        assert_eq!(layout.row_of(3), 3);
        assert_eq!(layout.line_at(5), 6);
        assert_eq!(layout.gutter(), 4);
    }
}
