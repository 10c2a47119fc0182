//! The tool detail and review overlay: overview, validation checklist (findings jump to their
//! line), diff against the parent, highlighted sources, manifest and files.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::centered;
use super::resources::ResourceState;
use crate::model::ToolEntry;
use crate::model::validation_report::{CaseStatus, CheckKind, FindingSeverity, ValidationReport};
use crate::text::visible;
use crate::tui::action::Action;
use crate::tui::detail_content::{DetailContent, SourceFile};
use crate::tui::diff::{DiffLayout, SplitRow};
use crate::tui::text_view::{self, TextView, Typed};
use crate::tui::theme::Theme;
use crate::tui::verdict_lines;

mod draw;
pub(crate) use draw::draw;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DetailSection {
    Overview,
    Validation,
    Diff,
    Source,
    Manifest,
    Files,
}

impl DetailSection {
    pub(crate) const ALL: [DetailSection; 6] = [
        DetailSection::Overview,
        DetailSection::Validation,
        DetailSection::Diff,
        DetailSection::Source,
        DetailSection::Manifest,
        DetailSection::Files,
    ];

    pub(crate) fn title(self) -> &'static str {
        match self {
            DetailSection::Overview => "Overview",
            DetailSection::Validation => "Checks",
            DetailSection::Diff => "Diff",
            DetailSection::Source => "Source",
            DetailSection::Manifest => "Manifest",
            DetailSection::Files => "Files",
        }
    }

    fn step(self, delta: isize) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as isize;
        let n = Self::ALL.len() as isize;
        Self::ALL[(i + delta).rem_euclid(n) as usize]
    }
}

/// What an action did to the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DetailOutcome {
    Consumed,
    Close,
    /// Not an overlay action (quit, help): the app handles it.
    Ignored,
    /// Done, with a line for the status bar (a search that found nothing).
    Say(String),
}

#[derive(Debug)]
pub(crate) struct DetailState {
    pub(crate) entry: ToolEntry,
    pub(crate) section: DetailSection,
    pub(crate) scroll: usize,
    pub(crate) content: Option<Box<DetailContent>>,
    /// The file shown in Source (index into `content.sources`); the main one until chosen.
    pub(crate) source: Option<usize>,
    /// Selected finding in Checks, selected file in Files.
    pub(crate) finding: usize,
    pub(crate) file: usize,
    /// The resource view it was opened from, shown again when it closes.
    pub(crate) back: Option<Box<ResourceState>>,
    /// Wrap, sideways scroll and search of Diff, Source and Manifest, one each.
    pub(crate) views: [TextView; 3],
    /// For an evolved tool whose parent the catalog holds: the parent (`name@version`) and
    /// what the tool asks for that the parent was not granted, marked in the overview.
    pub(crate) escalations: Option<(String, Vec<String>)>,
    /// The diff side by side (old left, new right) where the overlay is wide enough.
    pub(crate) side_by_side: bool,
}

/// The overlay's width (borders included) from which the diff may be shown side by side:
/// two sides of 80-column code each keep about 55 columns after their gutters.
pub(crate) const SIDE_BY_SIDE_WIDTH: usize = 120;

impl DetailState {
    pub(crate) fn new(entry: ToolEntry, section: DetailSection) -> Self {
        Self {
            entry,
            section,
            scroll: 0,
            content: None,
            source: None,
            finding: 0,
            file: 0,
            back: None,
            views: Default::default(),
            escalations: None,
            side_by_side: false,
        }
    }

    /// Whether the diff shows side by side in a text `width` columns wide.
    pub(crate) fn split(&self, width: usize) -> bool {
        self.section == DetailSection::Diff && self.side_by_side && width + 2 >= SIDE_BY_SIDE_WIDTH
    }

    /// The rows of the text section shown before wrapping (its lines and header; side by
    /// side, a removed line and the added one beside it share a row).
    fn total_rows(&self, content: &DetailContent, width: usize) -> usize {
        match self.text_lines(content) {
            _ if self.split(width) => content.diff_layout.rows().len(),
            Some((lines, first)) => lines.len() + first,
            None => 0,
        }
    }

    /// The row that shows line `line` of the text section shown.
    fn row_of_line(&self, content: &DetailContent, width: usize, line: usize) -> usize {
        match self.text_lines(content) {
            _ if self.split(width) => content.diff_layout.row_of(line),
            Some((_, first)) => line + first,
            None => 0,
        }
    }

    /// The first line row `row` of the text section shown holds.
    fn line_of_row(&self, content: &DetailContent, width: usize, row: usize) -> usize {
        match self.text_lines(content) {
            _ if self.split(width) => content.diff_layout.line_at(row),
            Some((_, first)) => row.saturating_sub(first),
            None => 0,
        }
    }

    /// Columns of the line numbers in front of the lines: Source's (`  12 `), the diff's
    /// old and new ones (one side's, side by side).
    fn gutter(&self, content: &DetailContent, width: usize) -> usize {
        match self.section {
            DetailSection::Source => self.total_rows(content, width).to_string().len().max(4) + 1,
            DetailSection::Diff if self.split(width) => content.diff_layout.half_gutter(),
            DetailSection::Diff => content.diff_layout.gutter(),
            _ => 0,
        }
    }

    /// Columns for the text of a line after its gutter, in a text `width` columns wide: side
    /// by side, each side's after a `│` between them.
    fn text_width(&self, content: &DetailContent, width: usize) -> usize {
        let gutter = self.gutter(content, width);
        if self.split(width) {
            (width.saturating_sub(1) / 2).saturating_sub(gutter)
        } else {
            width.saturating_sub(gutter)
        }
    }

    /// `s` in the diff: side by side, or unified again, staying on the line at the top.
    fn toggle_side_by_side(&mut self, page: (usize, usize)) -> Option<String> {
        if self.section != DetailSection::Diff {
            return Some("side by side is for the Diff".to_string());
        }
        let top = self.top_line(page);
        self.side_by_side = !self.side_by_side;
        if let Some(content) = self.content.as_deref() {
            self.scroll = self.row_of_line(content, page.1, top);
        }
        (self.side_by_side && !self.split(page.1)).then(|| {
            format!(
                "side by side needs an overlay of {SIDE_BY_SIDE_WIDTH} columns: unified until the terminal is wider"
            )
        })
    }

    /// The view of the section shown, when it is a text (Diff, Source, Manifest).
    pub(crate) fn view(&self) -> Option<&TextView> {
        view_index(self.section).map(|i| &self.views[i])
    }

    fn view_mut(&mut self) -> Option<&mut TextView> {
        view_index(self.section).map(|i| &mut self.views[i])
    }

    /// A key while a search is typed in the section shown: `None` when none is typed or the
    /// key is not one it takes, else what to say in the status bar, if anything.
    pub(crate) fn type_search(
        &mut self,
        key: &KeyEvent,
        page: (usize, usize),
    ) -> Option<Option<String>> {
        let view = self.view_mut().filter(|v| v.search.editing)?;
        match view.type_key(key)? {
            Typed::Kept => Some(self.seek_from_top(page)),
            Typed::Edited | Typed::Cancelled => Some(None),
        }
    }

    /// The line index (in `text_lines`) at the top of the window of `page` rows and columns.
    fn top_line(&self, (rows, width): (usize, usize)) -> usize {
        let Some(content) = self.content.as_deref() else {
            return 0;
        };
        let total = self.total_rows(content, width);
        let wrap = self.view().is_some_and(|v| v.wrap);
        let start = window_start(self.scroll, total, rows, wrap);
        self.line_of_row(content, width, start)
    }

    /// The lines of the text section shown (Source without its file-name line), and the
    /// section row of the first.
    fn text_lines<'c>(&self, content: &'c DetailContent) -> Option<(&'c [Line<'static>], usize)> {
        match self.section {
            DetailSection::Diff => content.diff.as_deref().map(|d| (d, 0)),
            DetailSection::Manifest => Some((content.manifest.as_slice(), 0)),
            DetailSection::Source => self
                .source
                .or(content.main_source)
                .and_then(|i| content.sources.get(i))
                .map(|s| (s.lines.as_slice(), 1)),
            _ => None,
        }
    }

    /// How many matches of `query` line `i` of the text section shown has.
    fn matches_on(&self, i: usize, query: &str) -> usize {
        self.content
            .as_deref()
            .and_then(|c| self.text_lines(c))
            .and_then(|(lines, _)| lines.get(i))
            .map_or(0, |line| {
                text_view::find(&text_view::text_of(line), query).len()
            })
    }

    fn total_lines(&self) -> usize {
        self.content
            .as_deref()
            .and_then(|c| self.text_lines(c))
            .map_or(0, |(lines, _)| lines.len())
    }

    /// Enter on a search: the first match at or after the top line in view.
    fn seek_from_top(&mut self, page: (usize, usize)) -> Option<String> {
        let query = self.view()?.query()?.to_string();
        let top = self.top_line(page);
        let found = text_view::seek(self.total_lines(), top, true, true, |i| {
            self.matches_on(i, &query) > 0
        });
        self.show_match(found.map(|line| (line, 0)), &query, page)
    }

    /// Scrolls to the match (line, place among the line's matches), down and sideways, and
    /// makes it the current one; or says there is none.
    fn show_match(
        &mut self,
        found: Option<(usize, usize)>,
        query: &str,
        page: (usize, usize),
    ) -> Option<String> {
        let content = self.content.as_deref()?;
        let (lines, _) = self.text_lines(content)?;
        let Some((line, index)) = found.filter(|(line, _)| *line < lines.len()) else {
            return Some(format!("no match for \"{query}\""));
        };
        let text = text_view::text_of(&lines[line]);
        let columns = text_view::find(&text, query)
            .get(index)
            .map(|bytes| text_view::columns(&text, bytes.clone()));
        let total = self.total_rows(content, page.1);
        let row = self.row_of_line(content, page.1, line);
        let wrap = self.view().is_some_and(|v| v.wrap);
        let start = window_start(self.scroll, total, page.0, wrap);
        let width = self.text_width(content, page.1);
        if wrap || row < start || row >= start + page.0 {
            // One line of context above the match.
            self.scroll = row.saturating_sub(1);
        }
        let view = self.view_mut()?;
        view.search.current = Some((line, index));
        if let Some(columns) = columns {
            view.reveal(columns, width);
        }
        None
    }

    /// `n` / `N` in a text section: the next or previous match, on its line first.
    fn seek(&mut self, forward: bool, page: (usize, usize), search_key: &str) -> Option<String> {
        let view = self.view()?;
        let Some(query) = view.query().map(str::to_string) else {
            return Some(format!("no search: {search_key} to search"));
        };
        let Some(current) = view.search.current else {
            return self.seek_from_top(page);
        };
        let found = text_view::step(self.total_lines(), current, forward, |i| {
            self.matches_on(i, &query)
        });
        self.show_match(found, &query, page)
    }

    /// The widest line of the text section shown, in columns.
    fn widest(&self) -> usize {
        self.content
            .as_deref()
            .and_then(|c| self.text_lines(c))
            .map_or(0, |(lines, _)| {
                lines.iter().map(Line::width).max().unwrap_or(0)
            })
    }

    /// The actions of a text section's view; `None` when `action` is not one of them.
    fn view_action(
        &mut self,
        action: Action,
        page: (usize, usize),
        search_key: &str,
    ) -> Option<DetailOutcome> {
        let widest = match action {
            Action::ScrollRight => self.widest(),
            _ => 0,
        };
        let is_text = self.view().is_some();
        let say = match action {
            Action::Wrap
            | Action::ScrollRight
            | Action::ScrollLeft
            | Action::ScrollHome
            | Action::Search
            | Action::NextMatch
            | Action::PrevMatch
                if !is_text =>
            {
                Some("wrap, scroll and search are for Diff, Source and Manifest".to_string())
            }
            Action::Wrap => {
                self.view_mut()?.toggle_wrap();
                None
            }
            Action::ScrollRight => {
                let width = self
                    .content
                    .as_deref()
                    .map_or(0, |c| self.text_width(c, page.1));
                self.view_mut()?.scroll_right(widest, width);
                None
            }
            Action::SideBySide => self.toggle_side_by_side(page),
            Action::ScrollLeft => {
                self.view_mut()?.scroll_left();
                None
            }
            Action::ScrollHome => {
                self.view_mut()?.offset = 0;
                None
            }
            Action::Search => {
                self.view_mut()?.start_search();
                None
            }
            Action::NextMatch => self.seek(true, page, search_key),
            Action::PrevMatch => self.seek(false, page, search_key),
            Action::Close if self.view().is_some_and(|v| v.query().is_some()) => {
                self.view_mut()?.search = Default::default();
                None
            }
            _ => return None,
        };
        Some(say.map_or(DetailOutcome::Consumed, DetailOutcome::Say))
    }

    /// `page`: the rows and columns of the text (`text_page`); `search_key` names the key
    /// that starts a search, for the message when there is none.
    pub(crate) fn on_action(
        &mut self,
        action: Action,
        validation: Option<&ValidationReport>,
        page: (usize, usize),
        search_key: &str,
    ) -> DetailOutcome {
        if let Some(outcome) = self.view_action(action, page, search_key) {
            return outcome;
        }
        // Findings, then the generated inputs' failures: the rows the Checks cursor walks.
        let findings = validation.map_or(0, |v| {
            v.findings.len() + v.generated.as_ref().map_or(0, |g| g.failures.len())
        });
        let files = self.content.as_ref().map_or(0, |c| c.sources.len());
        let (cursor, len) = match self.section {
            DetailSection::Validation => (Some(&mut self.finding), findings),
            DetailSection::Files => (Some(&mut self.file), files),
            _ => (None, 0),
        };
        let step: Option<isize> = match action {
            Action::Down => Some(1),
            Action::Up => Some(-1),
            Action::PageDown => Some(10),
            Action::PageUp => Some(-10),
            Action::First => Some(isize::MIN / 2),
            Action::Last => Some(isize::MAX / 2),
            _ => None,
        };
        match (action, step, cursor) {
            (Action::NextSection | Action::PrevSection, _, _) => {
                self.section =
                    self.section
                        .step(if action == Action::NextSection { 1 } else { -1 });
                self.scroll = 0;
            }
            (Action::Close, _, _) => return DetailOutcome::Close,
            // Decisions act on the tool shown, from the app (`App::decide_on_shown`).
            (Action::Quit | Action::Help, _, _) => return DetailOutcome::Ignored,
            (action, _, _) if action.is_decision() => return DetailOutcome::Ignored,
            (_, Some(step), Some(cursor)) if len > 0 => {
                *cursor = (*cursor as isize + step).clamp(0, len as isize - 1) as usize;
            }
            (_, Some(step), _) => self.scroll = (self.scroll as isize + step).max(0) as usize,
            (Action::Open, _, _) => self.open_selected(validation),
            _ => {}
        }
        DetailOutcome::Consumed
    }

    /// Enter on a finding shows its file at its line; on a file, shows that file.
    fn open_selected(&mut self, validation: Option<&ValidationReport>) {
        let Some(content) = &self.content else {
            return;
        };
        match self.section {
            DetailSection::Validation => {
                let Some(finding) = validation.and_then(|v| v.findings.get(self.finding)) else {
                    return;
                };
                if let Some(index) = content.source_index(&finding.file) {
                    self.views[SOURCE].offset = 0;
                    self.views[SOURCE].search.current = None;
                    self.source = Some(index);
                    self.section = DetailSection::Source;
                    // One line of context above the finding.
                    self.scroll = finding.line.unwrap_or(1).saturating_sub(2);
                }
            }
            DetailSection::Files if self.file < content.sources.len() => {
                self.views[SOURCE].offset = 0;
                self.views[SOURCE].search.current = None;
                self.source = Some(self.file);
                self.section = DetailSection::Source;
                self.scroll = 0;
            }
            _ => {}
        }
    }
}

/// Where the views of Diff, Source and Manifest are kept in `DetailState::views`.
const SOURCE: usize = 1;

fn view_index(section: DetailSection) -> Option<usize> {
    match section {
        DetailSection::Diff => Some(0),
        DetailSection::Source => Some(SOURCE),
        DetailSection::Manifest => Some(2),
        _ => None,
    }
}

/// The overlay's rectangle on a screen of `area`.
fn overlay_rect(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(4).max(40),
        area.height.saturating_sub(2),
    )
}

/// The rows and columns inside the overlay on a screen of `size`.
pub(crate) fn text_page(size: Rect) -> (usize, usize) {
    let rect = overlay_rect(size);
    (
        rect.height.saturating_sub(2) as usize,
        rect.width.saturating_sub(2) as usize,
    )
}

/// The first section row in view: `scroll` kept inside the section. A wrapped view may
/// scroll until its last line is at the top, as its rows can outnumber its lines.
fn window_start(scroll: usize, total: usize, height: usize, wrap: bool) -> usize {
    if wrap {
        scroll.min(total.saturating_sub(1))
    } else {
        scroll.min(total.saturating_sub(height))
    }
}

/// The rows of a loaded section that fall in the window of `height` lines from `scroll`
/// (kept inside the section), `width` columns wide. Only the window is built, so a
/// 50,000-line file draws as fast as a short one.
fn loaded_section(
    theme: &Theme,
    detail: &DetailState,
    content: &DetailContent,
    (scroll, height): (usize, usize),
    width: usize,
) -> Vec<Line<'static>> {
    let window = |total: usize| {
        let start = scroll.min(total.saturating_sub(height));
        start..(start + height).min(total)
    };
    if let (Some((lines, _)), Some(view)) = (detail.text_lines(content), detail.view()) {
        let window = (scroll, height);
        if detail.split(width) {
            return split_rows(theme, view, (lines, &content.diff_layout), window, width);
        }
        let header = (detail.section == DetailSection::Source)
            .then(|| detail.source.or(content.main_source))
            .flatten()
            .and_then(|i| content.sources.get(i))
            .map(|source| source_header(theme, source));
        let gutter = detail.gutter(content, width);
        let number = |i: usize| match detail.section {
            DetailSection::Diff => content.diff_layout.numbers(theme, i),
            _ => Span::styled(format!("{:>w$} ", i + 1, w = gutter - 1), theme.dim),
        };
        let numbers = (gutter > 0).then_some((gutter, &number as &dyn Fn(usize) -> Span<'static>));
        return text_rows(theme, view, (lines, header), window, width, numbers);
    }
    match detail.section {
        DetailSection::Diff => vec![Line::from(Span::styled(
            "Not an evolved tool, or its parent is not in the catalog: nothing to compare.",
            theme.dim,
        ))],
        DetailSection::Files => {
            let files = &content.files;
            files[window(files.len())]
                .iter()
                .map(|file| {
                    let shown = content.source_index(&file.name);
                    let selected = shown.is_some_and(|i| i == detail.file);
                    let mut spans = vec![
                        Span::styled(format!("{:>9}  ", file.size), theme.dim),
                        Span::raw(visible(&file.name)),
                    ];
                    if let Some(why) = &file.not_shown {
                        spans.push(Span::styled(format!("  ({why}, not shown)"), theme.dim));
                    }
                    let line = Line::from(spans);
                    if selected {
                        line.style(theme.selected)
                    } else {
                        line
                    }
                })
                .collect()
        }
        _ => vec![Line::from(Span::styled(
            "No source file found for this tool.",
            theme.dim,
        ))],
    }
}

/// A gutter's width and the numbers of a line in it.
type Numbers<'a> = (usize, &'a dyn Fn(usize) -> Span<'static>);

/// Line `i` of a text with the search's matches marked.
fn marked(theme: &Theme, view: &TextView, lines: &[Line<'static>], i: usize) -> Line<'static> {
    let line = lines[i].clone();
    let Some(query) = view.query() else {
        return line;
    };
    let current = view.search.current.filter(|(l, _)| *l == i);
    let styles = (theme.search_match, theme.search_current);
    text_view::mark(&line, query, current.map(|(_, k)| k), styles)
}

/// The rows of a text section in view: its lines (after a header line, for Source) from
/// `scroll`, matches of the search marked, then wrapped or shifted sideways. The line
/// numbers (Source's, the diff's) stay in place.
fn text_rows(
    theme: &Theme,
    view: &TextView,
    (lines, header): (&[Line<'static>], Option<Line<'static>>),
    (scroll, height): (usize, usize),
    width: usize,
    numbers: Option<Numbers>,
) -> Vec<Line<'static>> {
    let first = usize::from(header.is_some());
    let total = lines.len() + first;
    let start = window_start(scroll, total, height, view.wrap);
    let gutter = numbers.map_or(0, |(gutter, _)| gutter);
    let room = width.saturating_sub(gutter).max(1);
    let mut rows = Vec::new();
    for row in start..(start + height).min(total) {
        let Some(i) = row.checked_sub(first) else {
            if let Some(header) = &header {
                rows.push(text_view::shift(header, 0, width));
            }
            continue;
        };
        let line = marked(theme, view, lines, i);
        let number = numbers.map(|(_, number)| number(i));
        let parts = if view.wrap {
            text_view::wrap(&line, room)
        } else {
            vec![text_view::shift(&line, view.offset, room)]
        };
        for (k, part) in parts.into_iter().enumerate() {
            let mut spans = Vec::new();
            match &number {
                Some(number) if k == 0 => spans.push(number.clone()),
                Some(_) => spans.push(Span::raw(" ".repeat(gutter))),
                None => {}
            }
            spans.extend(part.spans);
            rows.push(Line::from(spans));
        }
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows
}

/// The rows of the diff side by side in view, from row `scroll`: the old line on the left,
/// the new one on the right, each with its number and each wrapped or shifted sideways in its
/// half; headers span both.
fn split_rows(
    theme: &Theme,
    view: &TextView,
    (lines, layout): (&[Line<'static>], &DiffLayout),
    (scroll, height): (usize, usize),
    width: usize,
) -> Vec<Line<'static>> {
    let split = layout.rows();
    let start = window_start(scroll, split.len(), height, view.wrap);
    let half = width.saturating_sub(1) / 2;
    let gutter = layout.half_gutter();
    let room = half.saturating_sub(gutter).max(1);
    let cut = |line: &Line<'static>, room: usize| {
        if view.wrap {
            text_view::wrap(line, room)
        } else {
            vec![text_view::shift(line, view.offset, room)]
        }
    };
    // One side's rows: its number on the first, blank under it, each padded to the half.
    let side = |line: Option<usize>, old: bool| -> Vec<Line<'static>> {
        let Some(i) = line else {
            return vec![Line::from(" ".repeat(half))];
        };
        cut(&marked(theme, view, lines, i), room)
            .into_iter()
            .enumerate()
            .map(|(k, part)| {
                let number = if k == 0 {
                    layout.side_number(theme, i, old)
                } else {
                    Span::raw(" ".repeat(gutter))
                };
                let pad = room.saturating_sub(part.width());
                let mut spans = vec![number];
                spans.extend(part.spans);
                spans.push(Span::raw(" ".repeat(pad)));
                Line::from(spans)
            })
            .collect()
    };
    let mut rows = Vec::new();
    for row in &split[start..(start + height).min(split.len())] {
        match *row {
            SplitRow::Whole(i) => rows.extend(cut(&marked(theme, view, lines, i), width)),
            SplitRow::Pair(old, new) => {
                let (left, right) = (side(old, true), side(new, false));
                for k in 0..left.len().max(right.len()) {
                    let blank = || Line::from(" ".repeat(half));
                    let mut spans = left.get(k).cloned().unwrap_or_else(blank).spans;
                    spans.push(Span::styled("│", theme.dim));
                    spans.extend(right.get(k).cloned().unwrap_or_else(blank).spans);
                    rows.push(Line::from(spans));
                }
            }
        }
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows
}

/// The file name, and what was left plain when highlighting stopped short.
fn source_header(theme: &Theme, source: &SourceFile) -> Line<'static> {
    let mut spans = vec![Span::styled(visible(&source.name), theme.syntax_heading)];
    if let Some(note) = &source.note {
        spans.push(Span::styled(format!("  ({note})"), theme.dim));
    }
    Line::from(spans)
}

/// The validation checklist; returns the lines and the line of the selected finding.
fn checks(
    theme: &Theme,
    report: Option<&ValidationReport>,
    selected: usize,
    width: usize,
) -> (Vec<Line<'static>>, Option<usize>) {
    let Some(report) = report else {
        return (
            vec![Line::from(Span::styled(
                "Not validated yet: press v to validate.",
                theme.dim,
            ))],
            None,
        );
    };
    let mut lines = vec![verdict_lines::verdict(theme, report)];
    for check in &report.checks {
        // A check's line says what it found (the generated inputs' first failure, how many
        // inputs the parent and candidate answer differently): wrapped, never cut.
        let line = verdict_lines::check(theme, check);
        lines.extend(crate::tui::text_view::wrap(&line, width.max(20)));
        // Under an escalation, everything the tool asks for.
        if check.check == CheckKind::Permissions
            && let Some(permissions) = report
                .permissions
                .as_ref()
                .filter(|p| !p.escalations.is_empty())
        {
            let line = Line::from(Span::styled(
                format!("    declared: {}", permissions.summary),
                theme.dim,
            ));
            lines.extend(crate::tui::text_view::wrap(&line, width.max(20)));
        }
    }
    let mut selected_line = None;
    if !report.findings.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("findings", theme.syntax_heading)));
        for (i, f) in report.findings.iter().enumerate() {
            let style = match f.severity {
                FindingSeverity::Error => theme.error,
                FindingSeverity::Warning => theme.warning,
                FindingSeverity::Info => theme.dim,
            };
            let place = f.line.map_or(f.file.clone(), |l| format!("{}:{l}", f.file));
            let line = Line::from(vec![
                Span::styled(format!("  {place} {} ", f.rule), style),
                Span::raw(f.message.clone()),
            ]);
            if i == selected {
                selected_line = Some(lines.len());
                lines.push(line.style(theme.selected));
            } else {
                lines.push(line);
            }
        }
    }
    // The generated inputs' failures follow the findings under the same cursor.
    if let Some(generated) = report.generated.as_ref().filter(|g| !g.failures.is_empty()) {
        lines.push(Line::from(""));
        let failure = selected.checked_sub(report.findings.len());
        let (more, at) = crate::tui::inputs_report::generated_lines(theme, generated, failure);
        if let Some(at) = at {
            selected_line = Some(lines.len() + at);
        }
        lines.extend(more);
    }
    if !report.tests.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("test cases", theme.syntax_heading)));
        for case in &report.tests {
            let (mark, style) = match case.status {
                CaseStatus::Pass => ("✓", theme.ok),
                CaseStatus::Fail => ("✗", theme.error),
                CaseStatus::Error => ("!", theme.warning),
            };
            let memory = case
                .peak_memory_kb
                .map_or(String::new(), |kb| format!(" {:.1} MB", kb as f64 / 1024.0));
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} {:<20}", case.case), style),
                Span::styled(format!("{:>6} ms{memory}  ", case.duration_ms), theme.dim),
                Span::raw(case.message.clone()),
            ]));
        }
    }
    if !report.similar.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "similar tools",
            theme.syntax_heading,
        )));
        for similar in &report.similar {
            lines.push(Line::from(format!(
                "  {:<24} {:.2}",
                similar.name, similar.score
            )));
        }
    }
    (lines, selected_line)
}

/// The `permissions` line and, under it, one marked line per permission the parent was not
/// granted.
fn permission_lines(
    theme: &Theme,
    permissions: &crate::model::Permissions,
    escalations: &Option<(String, Vec<String>)>,
    width: usize,
) -> Vec<Line<'static>> {
    let new = match escalations {
        Some((parent, new)) if !new.is_empty() => Some((parent, new)),
        _ => None,
    };
    let value_style = if new.is_some() {
        theme.warning
    } else {
        Style::default()
    };
    let mut lines = labelled(
        theme,
        "permissions",
        Span::styled(permissions.summary(), value_style),
        width,
    );
    if let Some((parent, new)) = new {
        for what in new {
            let beyond = Span::styled(format!("! beyond {parent}: {what}"), theme.warning);
            lines.extend(labelled(theme, "", beyond, width));
        }
    }
    lines
}

/// The width of the overview's labels; a value wider than the room beside them goes on under
/// itself.
const LABEL_WIDTH: usize = 13;

/// `label` and `value`, the value wrapped into the room `width` leaves beside the label, so a
/// long description or path is read whole.
fn labelled(theme: &Theme, label: &str, value: Span<'static>, width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(LABEL_WIDTH).max(16);
    text_view::wrap(&Line::from(value), room)
        .into_iter()
        .enumerate()
        .map(|(row, wrapped)| {
            let head = if row == 0 {
                Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.dim)
            } else {
                Span::raw(" ".repeat(LABEL_WIDTH))
            };
            Line::from(
                std::iter::once(head)
                    .chain(wrapped.spans)
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// The overview, `width` columns wide.
fn overview(theme: &Theme, detail: &DetailState, width: usize) -> Vec<Line<'static>> {
    let e = &detail.entry;
    // Manifest text, shown as every screen shows it (`text::visible`).
    let styled = |label: &str, value: String, style: Style| {
        labelled(
            theme,
            label,
            Span::styled(crate::text::visible(&value), style),
            width,
        )
    };
    let field = |label: &str, value: String| styled(label, value, Style::default());
    let mut lines = field("tier", e.tier.to_string());
    lines.extend(field("path", e.path.display().to_string()));
    // What the tool may read, write and reach comes first, with what is new since its parent.
    if let Some(m) = &e.manifest {
        lines.extend(permission_lines(
            theme,
            &m.permissions,
            &detail.escalations,
            width,
        ));
    }
    if let Some(error) = &e.error {
        lines.extend(styled("error", error.clone(), theme.error));
    }
    // Who signed the review of this content (signatures on), or why no signature counts.
    if let Some(signature) = &e.signature {
        let (text, style) = match &**signature {
            crate::model::Signature::Signed {
                principal,
                at,
                decision,
                key,
            } => (
                format!("{principal} at {at} ({decision}, {key})"),
                theme.text,
            ),
            other => (other.reason(), theme.warning),
        };
        lines.extend(styled("signed", text, style));
    }
    for warning in &e.warnings {
        lines.extend(styled("warning", warning.clone(), theme.warning));
    }
    if let Some(m) = &e.manifest {
        lines.extend(field("description", m.description.to_string()));
        lines.extend(field("category", m.category.to_string()));
        lines.extend(styled(
            "cost tier",
            m.cost_tier.to_string(),
            theme.cost(m.cost_tier),
        ));
        lines.extend(field("command", m.run.command.join(" ")));
        lines.extend(field("input", m.run.input.to_string()));
        lines.extend(field(
            "limits",
            format!("{} s · {} MB", m.run.timeout_secs, m.run.memory_mb),
        ));
        if !m.keywords.is_empty() {
            lines.extend(field("keywords", m.keywords.join(", ")));
        }
        if !m.capabilities.is_empty() {
            lines.extend(field("capabilities", m.capabilities.join(", ")));
        }
        if let Some(origin) = m.provenance.origin {
            let generator = m
                .provenance
                .generator
                .clone()
                .map(|g| format!(" ({g})"))
                .unwrap_or_default();
            lines.extend(field("origin", format!("{origin}{generator}")));
        }
        if let Some(parent) = &m.provenance.parent {
            lines.extend(field("evolved from", parent.to_string()));
        }
        if let Some(hint) = &m.provenance.hint {
            lines.extend(field("hint", hint.clone()));
        }
        if let Some(service) = &m.service {
            lines.extend(field(
                "service",
                format!("port {} · health {}", service.port, service.health_check),
            ));
        }
        if m.inferred {
            lines.push(Line::from(Span::styled(
                "manifest inferred from a bare script: check it before approving",
                theme.warning,
            )));
        }
    }
    lines.extend(field("content hash", e.content_hash.clone()));
    if let Some(env) = detail.content.as_ref().and_then(|c| c.environment.as_ref()) {
        let style = if env.built {
            Style::default()
        } else {
            theme.warning
        };
        lines.extend(styled("environment", env.line(), style));
    }
    if let Some(content) = &detail.content {
        let history = crate::tui::run_history::lines(theme, &content.recent_runs);
        if !history.is_empty() {
            lines.push(Line::from(""));
            lines.extend(history);
        }
    }
    lines
}
