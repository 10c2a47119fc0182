//! How a long text is looked at: wrapped or scrolled sideways, and searched.
//!
//! Owns only the view state (`TextView`) and pure functions over `Line`s; never the text, so
//! a pane keeps building just the rows it shows, however long the text is.

use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Columns one press of `>` or `<` scrolls.
pub(crate) const STEP: usize = 8;

/// The view of one text: wrap, horizontal offset and search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TextView {
    /// Long lines continue on the next rows instead of being cut.
    pub(crate) wrap: bool,
    /// Columns scrolled right, when not wrapped.
    pub(crate) offset: usize,
    pub(crate) search: Search,
}

/// A search: the query typed or kept, and the match jumped to last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) query: String,
    /// Keys type into the query.
    pub(crate) editing: bool,
    /// The match jumped to last: its line, and which of the line's matches (from 0).
    pub(crate) current: Option<(usize, usize)>,
}

/// What a key did to a search being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typed {
    Edited,
    /// Enter: keep the query and jump to its first match.
    Kept,
    Cancelled,
}

impl TextView {
    pub(crate) fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
    }

    /// Scrolls right until the end of the widest line (in columns) is in `width` columns.
    pub(crate) fn scroll_right(&mut self, widest: usize, width: usize) {
        if !self.wrap && self.offset + width < widest {
            self.offset += STEP;
        }
    }

    pub(crate) fn scroll_left(&mut self) {
        self.offset = self.offset.saturating_sub(STEP);
    }

    pub(crate) fn start_search(&mut self) {
        self.search = Search {
            editing: true,
            ..Search::default()
        };
    }

    /// A key while the query is typed; `None` for keys it does not take.
    pub(crate) fn type_key(&mut self, key: &KeyEvent) -> Option<Typed> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => self.search.query.clear(),
            KeyCode::Char(c) if !ctrl => self.search.query.push(c),
            KeyCode::Backspace => {
                self.search.query.pop();
            }
            KeyCode::Enter => {
                self.search.editing = false;
                return Some(Typed::Kept);
            }
            KeyCode::Esc => {
                self.search = Search::default();
                return Some(Typed::Cancelled);
            }
            _ => return None,
        }
        Some(Typed::Edited)
    }

    /// `wrap` or `→16` for a title: how this view differs from the plain one.
    pub(crate) fn label(&self) -> Option<String> {
        if self.wrap {
            Some("wrap".to_string())
        } else if self.offset > 0 {
            Some(format!("→{}", self.offset))
        } else {
            None
        }
    }

    /// Scrolls sideways so `columns` show in `width` columns (when not wrapped).
    pub(crate) fn reveal(&mut self, columns: Range<usize>, width: usize) {
        if self.wrap || width == 0 {
            return;
        }
        if columns.start < self.offset || columns.end > self.offset + width {
            // A step boundary with the match a little in from the left, as `>` would land.
            let start = columns.start.saturating_sub(width / 4);
            self.offset = start - start % STEP;
        }
    }

    /// The query kept or typed, when there is one to show or highlight.
    pub(crate) fn query(&self) -> Option<&str> {
        Some(self.search.query.as_str()).filter(|q| !q.is_empty())
    }

    /// The line shown at the foot of a pane while a search is typed or kept: `/query▏`,
    /// or `/query · n next · N previous` with the keys given.
    pub(crate) fn search_line(&self, style: Style, keys: (&str, &str)) -> Option<Line<'static>> {
        if self.search.editing {
            return Some(Line::from(vec![
                Span::styled(format!("/{}", self.search.query), style),
                Span::styled("▏", style),
            ]));
        }
        self.query().map(|q| {
            Line::from(Span::styled(
                format!("/{q} · {} next · {} previous", keys.0, keys.1),
                style,
            ))
        })
    }
}

/// The characters of a line with their styles (the span's on top of the line's).
fn styled_chars(line: &Line) -> Vec<(char, Style)> {
    line.spans
        .iter()
        .flat_map(|span| {
            let style = line.style.patch(span.style);
            span.content.chars().map(move |c| (c, style))
        })
        .collect()
}

/// Characters back into spans, one per run of the same style.
fn spans_of(chars: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, s) in chars {
        if style.is_some_and(|current| current != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if let Some(style) = style {
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

fn width_of(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The columns `offset..offset + width` of a line, styles kept. A wide character cut by
/// the left edge is left out rather than shown half.
pub(crate) fn shift(line: &Line, offset: usize, width: usize) -> Line<'static> {
    let mut column = 0;
    let mut kept = Vec::new();
    for (c, style) in styled_chars(line) {
        let w = width_of(c);
        if column >= offset && column + w <= offset + width {
            kept.push((c, style));
        }
        column += w;
        if column >= offset + width {
            break;
        }
    }
    spans_of(&kept)
}

/// A line in rows of at most `width` columns, broken after a space where one is in the
/// row, else where the row is full. An empty line is one empty row.
pub(crate) fn wrap(line: &Line, width: usize) -> Vec<Line<'static>> {
    let chars = styled_chars(line);
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = start;
        let mut used = 0;
        let mut after_space = None;
        while end < chars.len() {
            let w = width_of(chars[end].0);
            if used + w > width && end > start {
                break;
            }
            used += w;
            end += 1;
            if chars[end - 1].0 == ' ' {
                after_space = Some(end);
            }
        }
        if end < chars.len()
            && let Some(at) = after_space.filter(|at| *at < end)
        {
            end = at;
        }
        rows.push(spans_of(&chars[start..end]));
        start = end;
    }
    if rows.is_empty() {
        rows.push(Line::default());
    }
    rows
}

/// How many rows `wrap` makes of a line.
pub(crate) fn rows(line: &Line, width: usize) -> usize {
    if line.width() <= width {
        return 1;
    }
    wrap(line, width).len()
}

/// The row of `wrap(line, width)` that holds display column `column` of the line.
pub(crate) fn row_of_column(line: &Line, width: usize, column: usize) -> usize {
    let rows = wrap(line, width);
    let mut end = 0;
    for (i, row) in rows.iter().enumerate() {
        end += row.width();
        if column < end {
            return i;
        }
    }
    rows.len() - 1
}

/// The text of a line, its spans joined.
pub(crate) fn text_of(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// Byte ranges in `text` where `query` occurs, ignoring case.
pub(crate) fn find(text: &str, query: &str) -> Vec<Range<usize>> {
    let query: Vec<char> = query.chars().map(fold).collect();
    if query.is_empty() {
        return Vec::new();
    }
    let chars: Vec<(usize, char)> = text.char_indices().map(|(i, c)| (i, fold(c))).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + query.len() <= chars.len() {
        if chars[i..i + query.len()]
            .iter()
            .zip(&query)
            .all(|((_, c), q)| c == q)
        {
            let end = chars.get(i + query.len()).map_or(text.len(), |(b, _)| *b);
            found.push(chars[i].0..end);
            i += query.len();
        } else {
            i += 1;
        }
    }
    found
}

/// One character for comparing without case (the first of its lowercase form).
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The display columns a byte range of `text` covers.
pub(crate) fn columns(text: &str, bytes: Range<usize>) -> Range<usize> {
    let width = |s: &str| s.chars().map(width_of).sum::<usize>();
    let start = width(text.get(..bytes.start).unwrap_or(text));
    let end = start + width(text.get(bytes).unwrap_or_default());
    start..end
}

/// The line with `ranges` (bytes of its text) in `style`, on top of their own styles.
pub(crate) fn highlight(line: &Line, ranges: &[Range<usize>], style: Style) -> Line<'static> {
    let mut byte = 0;
    let chars: Vec<(char, Style)> = styled_chars(line)
        .into_iter()
        .map(|(c, s)| {
            let hit = ranges.iter().any(|r| r.contains(&byte));
            byte += c.len_utf8();
            (c, if hit { s.patch(style) } else { s })
        })
        .collect();
    let mut shown = spans_of(&chars);
    shown.alignment = line.alignment;
    shown
}

/// The line with the matches of `query` marked: the one `current` names (its place among
/// the line's matches) in `styles.1`, the others in `styles.0`.
pub(crate) fn mark(
    line: &Line,
    query: &str,
    current: Option<usize>,
    (matching, current_style): (Style, Style),
) -> Line<'static> {
    let (current, others): (Vec<_>, Vec<_>) = find(&text_of(line), query)
        .into_iter()
        .enumerate()
        .partition(|(i, _)| Some(*i) == current);
    let strip = |v: Vec<(usize, Range<usize>)>| v.into_iter().map(|(_, r)| r).collect::<Vec<_>>();
    let marked = highlight(line, &strip(others), matching);
    highlight(&marked, &strip(current), current_style)
}

/// The match after (or before) `current`, a line and a place among its matches: the next one
/// on the same line, else the first on the next line with any (the last on the previous one,
/// going back), around the end. `count` says how many matches a line has.
pub(crate) fn step(
    total: usize,
    (line, index): (usize, usize),
    forward: bool,
    mut count: impl FnMut(usize) -> usize,
) -> Option<(usize, usize)> {
    let on_line = if line < total { count(line) } else { 0 };
    if forward && index + 1 < on_line {
        return Some((line, index + 1));
    }
    if !forward && index.min(on_line) > 0 {
        return Some((line, index.min(on_line) - 1));
    }
    let next = seek(total, line, forward, false, |i| count(i) > 0)?;
    let last = count(next).saturating_sub(1);
    Some((next, if forward { 0 } else { last }))
}

/// The next line among `total` for which `hit` holds, going forward or back from `from`
/// (itself included when `inclusive`), around the end.
pub(crate) fn seek(
    total: usize,
    from: usize,
    forward: bool,
    inclusive: bool,
    mut hit: impl FnMut(usize) -> bool,
) -> Option<usize> {
    if total == 0 {
        return None;
    }
    let from = from.min(total - 1);
    let first = usize::from(!inclusive);
    (first..total + first)
        .map(|step| {
            let step = step % total;
            if forward {
                (from + step) % total
            } else {
                (from + total - step) % total
            }
        })
        .find(|&i| hit(i))
}

/// The lines in view when the bottom row of `height` is `back` rows above the end of a
/// text of `total` lines, counted in rows (`rows_of` says how many a line takes), so a
/// wrapped line taller than the view is read row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// The first line in view (partly, when `skip > 0`).
    pub(crate) start: usize,
    /// The end (exclusive) of the lines in view.
    pub(crate) end: usize,
    /// Rows of the first line above the top.
    pub(crate) skip: usize,
    /// Rows of the last line below the bottom.
    pub(crate) cut: usize,
}

impl Window {
    /// `back` is kept to the rows there are: the first row at the top at most.
    pub(crate) fn back_from_end(
        total: usize,
        back: usize,
        height: usize,
        mut rows_of: impl FnMut(usize) -> usize,
    ) -> Self {
        let mut rows_of = |i: usize| rows_of(i).max(1);
        let mut end = total;
        let mut cut = back;
        while end > 0 && cut >= rows_of(end - 1) {
            cut -= rows_of(end - 1);
            end -= 1;
        }
        if end == 0 {
            // Past the first row: the view starts at the top.
            return Self::from_top(total, height, rows_of);
        }
        let mut used = rows_of(end - 1) - cut;
        let mut start = end - 1;
        while start > 0 && used < height {
            start -= 1;
            used += rows_of(start);
        }
        if used < height {
            // Scrolled back further than the rows above allow: the top row at the top.
            return Self::from_top(total, height, rows_of);
        }
        Self {
            start,
            end,
            skip: used - height,
            cut,
        }
    }

    /// The view whose top row is the text's first.
    fn from_top(total: usize, height: usize, mut rows_of: impl FnMut(usize) -> usize) -> Self {
        let mut used = 0;
        let mut end = 0;
        while end < total && used < height {
            used += rows_of(end);
            end += 1;
        }
        Self {
            start: 0,
            end,
            skip: 0,
            cut: used.saturating_sub(height),
        }
    }
}

/// The farthest a view of `height` rows scrolls back from the end: all rows but a screen.
pub(crate) fn most_back(total: usize, height: usize, rows_of: impl FnMut(usize) -> usize) -> usize {
    (0..total)
        .map(rows_of)
        .map(|r| r.max(1))
        .sum::<usize>()
        .saturating_sub(height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn plain(line: &Line) -> String {
        text_of(line)
    }

    fn red() -> Style {
        Style::default().fg(Color::Red)
    }

    #[test]
    fn shift_cuts_by_columns_and_keeps_span_styles() {
        let line = Line::from(vec![Span::raw("abc"), Span::styled("defgh", red())]);
        let shown = shift(&line, 2, 4);
        assert_eq!(plain(&shown), "cdef");
        assert_eq!(shown.spans[1].content, "def");
        assert_eq!(shown.spans[1].style, red());
    }

    #[test]
    fn shift_counts_wide_characters_as_two_columns_and_never_shows_half_of_one() {
        let line = Line::from("日本語abc");
        assert_eq!(plain(&shift(&line, 2, 4)), "本語");
        assert_eq!(plain(&shift(&line, 1, 4)), "本");
        assert_eq!(plain(&shift(&line, 6, 10)), "abc");
    }

    #[test]
    fn wrap_breaks_after_spaces_and_cuts_long_words() {
        let rows: Vec<String> = wrap(&Line::from("the quick brown fox"), 10)
            .iter()
            .map(plain)
            .collect();
        assert_eq!(rows, ["the quick ", "brown fox"]);
        let rows: Vec<String> = wrap(&Line::from("abcdefghij12"), 5)
            .iter()
            .map(plain)
            .collect();
        assert_eq!(rows, ["abcde", "fghij", "12"]);
        assert_eq!(wrap(&Line::from(""), 5).len(), 1);
        assert_eq!(rows_count("日本語", 4), 2);
        let line = Line::from("the quick brown fox");
        assert_eq!(row_of_column(&line, 10, 9), 0);
        assert_eq!(row_of_column(&line, 10, 10), 1);
        assert_eq!(row_of_column(&line, 10, 99), 1);
    }

    fn rows_count(text: &str, width: usize) -> usize {
        rows(&Line::from(text.to_string()), width)
    }

    #[test]
    fn find_ignores_case_and_gives_byte_ranges() {
        assert_eq!(find("Error: error ERROR", "error"), [0..5, 7..12, 13..18]);
        assert_eq!(find("größe GRÖSSE", "grö"), [0..4, 8..12]);
        assert!(find("abc", "").is_empty());
        assert_eq!(columns("日本x", 6..7), 4..5);
    }

    #[test]
    fn highlight_patches_the_matched_characters_only() {
        let line = Line::from(vec![Span::styled("say hello", red())]);
        let marked = highlight(
            &line,
            &find("say hello", "HELLO"),
            Style::default().bg(Color::Yellow),
        );
        assert_eq!(marked.spans.len(), 2);
        assert_eq!(marked.spans[1].content, "hello");
        assert_eq!(marked.spans[1].style, red().bg(Color::Yellow));
    }

    #[test]
    fn step_visits_every_match_of_a_line_before_the_next_line() {
        // Lines with 3, 0 and 2 matches.
        let counts = [3, 0, 2];
        let count = |i: usize| counts[i];
        let mut at = (0, 0);
        let mut forward = Vec::new();
        for _ in 0..6 {
            at = step(3, at, true, count).expect("a match");
            forward.push(at);
        }
        assert_eq!(forward, [(0, 1), (0, 2), (2, 0), (2, 1), (0, 0), (0, 1)]);
        assert_eq!(step(3, (0, 0), false, count), Some((2, 1)));
        assert_eq!(step(3, (2, 0), false, count), Some((0, 2)));
        // One line with matches: around to its own first one.
        assert_eq!(step(1, (0, 1), true, |_| 2), Some((0, 0)));
        assert_eq!(step(2, (0, 0), true, |_| 0), None);
    }

    #[test]
    fn mark_sets_the_current_match_apart() {
        let (matching, current) = (
            Style::default().bg(Color::Yellow),
            Style::default().bg(Color::Red),
        );
        let marked = mark(&Line::from("ab ab ab"), "AB", Some(1), (matching, current));
        let styles: Vec<_> = marked
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style.bg))
            .collect();
        assert_eq!(
            styles,
            [
                ("ab", Some(Color::Yellow)),
                (" ", None),
                ("ab", Some(Color::Red)),
                (" ", None),
                ("ab", Some(Color::Yellow)),
            ]
        );
    }

    #[test]
    fn seek_goes_around_the_end_both_ways() {
        let hits = [false, true, false, true, false];
        let hit = |i: usize| hits[i];
        assert_eq!(seek(5, 1, true, true, hit), Some(1));
        assert_eq!(seek(5, 1, true, false, hit), Some(3));
        assert_eq!(seek(5, 3, true, false, hit), Some(1));
        assert_eq!(seek(5, 1, false, false, hit), Some(3));
        assert_eq!(seek(5, 0, true, true, |_| false), None);
    }

    #[test]
    fn windows_move_by_rows_through_a_line_taller_than_the_view() {
        // Lines of 1, 3, 1, 2 rows: 7 in all.
        let rows = [1, 3, 1, 2];
        let window = |back, height| Window::back_from_end(4, back, height, |i| rows[i]);
        let w = |start, end, skip, cut| Window {
            start,
            end,
            skip,
            cut,
        };
        assert_eq!(window(0, 4), w(1, 4, 2, 0));
        assert_eq!(window(0, 10), w(0, 4, 0, 0));
        assert_eq!(window(1, 4), w(1, 4, 1, 1));
        assert_eq!(window(3, 4), w(0, 2, 0, 0));
        // Past the top: the first row stays at the top.
        assert_eq!(window(9, 4), w(0, 2, 0, 0));
        assert_eq!(most_back(4, 4, |i| rows[i]), 3);
        // One line of 10 rows in a view of 4: every row can be reached.
        let tall = |back| Window::back_from_end(1, back, 4, |_| 10);
        assert_eq!(tall(0), w(0, 1, 6, 0));
        assert_eq!(tall(3), w(0, 1, 3, 3));
        assert_eq!(tall(6), w(0, 1, 0, 6));
        assert_eq!(tall(7), w(0, 1, 0, 6));
    }

    #[test]
    fn right_stops_at_the_widest_line_and_reveal_brings_a_match_into_view() {
        let mut view = TextView::default();
        view.scroll_right(20, 10);
        view.scroll_right(20, 10);
        view.scroll_right(20, 10);
        assert_eq!(view.offset, 16);
        assert_eq!(view.label().as_deref(), Some("→16"));
        view.reveal(100..105, 40);
        assert_eq!(view.offset, 88);
        view.reveal(2..4, 40);
        assert_eq!(view.offset, 0);
        view.offset = 16;
        view.toggle_wrap();
        assert_eq!(view.label().as_deref(), Some("wrap"));
    }
}
