//! The application state and its one update function.
//!
//! Background work reports as `AppEvent`s; keys become `Action`s through the keymap; `update`
//! is the only place state changes. Work that needs I/O is requested as an `Effect` for the
//! event loop to run, so neither updating nor drawing ever waits on the disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::action::Action;
use super::cursor::ListCursor;
use super::detail_content::DetailContent;
use super::keymap::{Context, Keymap};
use super::layout::{self, Areas, Pane};
use super::theme::Theme;
use crate::catalog::{Catalog, SortOrder};
use crate::model::{Tier, ToolEntry};

/// How long a status message stays up.
const MESSAGE_TTL: Duration = Duration::from_secs(6);

#[derive(Debug)]
pub enum AppEvent {
    Terminal(Event),
    ScanProgress {
        done: usize,
        total: usize,
    },
    ScanFinished {
        entries: Vec<ToolEntry>,
        elapsed: Duration,
    },
    DetailLoaded {
        path: PathBuf,
        content: Box<DetailContent>,
    },
    IndexSaved(Result<(), String>),
    Tick,
    /// SIGTERM or SIGHUP: leave cleanly.
    Shutdown(&'static str),
}

/// I/O the event loop performs on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Scan,
    LoadDetail(Box<ToolEntry>),
    SaveIndex(Arc<Vec<ToolEntry>>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScanState {
    /// Showing the cached index; the first scan has not reported yet.
    Starting,
    Running {
        done: usize,
        total: usize,
    },
    Done {
        tools: usize,
        elapsed: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailSection {
    Overview,
    Manifest,
    Source,
    Files,
}

impl DetailSection {
    pub const ALL: [DetailSection; 4] = [
        DetailSection::Overview,
        DetailSection::Manifest,
        DetailSection::Source,
        DetailSection::Files,
    ];

    pub fn title(self) -> &'static str {
        match self {
            DetailSection::Overview => "Overview",
            DetailSection::Manifest => "Manifest",
            DetailSection::Source => "Source",
            DetailSection::Files => "Files",
        }
    }

    fn step(self, delta: isize) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as isize;
        let n = Self::ALL.len() as isize;
        Self::ALL[((i + delta).rem_euclid(n)) as usize]
    }
}

#[derive(Debug, Clone)]
pub struct DetailState {
    pub entry: ToolEntry,
    pub section: DetailSection,
    pub scroll: usize,
    pub content: Option<Box<DetailContent>>,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Detail(Box<DetailState>),
}

/// The `/` filter: its query and whether keys currently type into it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub query: String,
    pub editing: bool,
    /// The query and matches of the previous search, to narrow instead of searching anew.
    previous: Option<(String, Vec<usize>)>,
}

pub struct App {
    pub root_label: String,
    pub catalog: Catalog,
    /// Catalog indices in display order (filtered and sorted).
    pub view: Vec<usize>,
    /// Catalog indices of the review queue.
    pub review: Vec<usize>,
    pub sort: SortOrder,
    pub filter: Filter,
    pub focus: Pane,
    pub catalog_cursor: ListCursor,
    pub review_cursor: ListCursor,
    pub failures_cursor: ListCursor,
    pub output_scroll: usize,
    pub overlay: Option<Overlay>,
    pub scan: ScanState,
    pub message: Option<(String, Level, Instant)>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub size: Rect,
    pub should_quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
    effects: Vec<Effect>,
}

impl App {
    pub fn new(
        root_label: String,
        cached: Vec<ToolEntry>,
        sort: SortOrder,
        keymap: Keymap,
        theme: Theme,
    ) -> Self {
        let mut app = Self {
            root_label,
            catalog: Catalog::new(cached),
            view: Vec::new(),
            review: Vec::new(),
            sort,
            filter: Filter::default(),
            focus: Pane::Catalog,
            catalog_cursor: ListCursor::default(),
            review_cursor: ListCursor::default(),
            failures_cursor: ListCursor::default(),
            output_scroll: 0,
            overlay: None,
            scan: ScanState::Starting,
            message: None,
            keymap,
            theme,
            size: Rect::new(0, 0, layout::MIN_WIDTH, layout::MIN_HEIGHT),
            should_quit: false,
            dirty: true,
            effects: vec![Effect::Scan],
        };
        app.refresh_views();
        app
    }

    /// Effects requested since the last call, for the event loop to run.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn areas(&self) -> Areas {
        layout::compute(self.size)
    }

    pub fn selected_entry(&self) -> Option<&ToolEntry> {
        let index = match self.focus {
            Pane::Review => self.review.get(self.review_cursor.selected),
            _ => self.view.get(self.catalog_cursor.selected),
        }?;
        self.catalog.entries().get(*index)
    }

    pub fn update(&mut self, event: AppEvent) {
        match event {
            AppEvent::Terminal(event) => self.on_terminal(event),
            AppEvent::ScanProgress { done, total } => {
                if !matches!(self.scan, ScanState::Done { .. }) {
                    self.scan = ScanState::Running { done, total };
                    self.dirty = true;
                }
            }
            AppEvent::ScanFinished { entries, elapsed } => self.on_scan_finished(entries, elapsed),
            AppEvent::DetailLoaded { path, content } => {
                if let Some(Overlay::Detail(detail)) = &mut self.overlay
                    && detail.entry.path == path
                {
                    detail.content = Some(content);
                    self.dirty = true;
                }
            }
            AppEvent::IndexSaved(Err(reason)) => self.notify(
                format!("could not cache the catalog: {reason}"),
                Level::Error,
            ),
            AppEvent::IndexSaved(Ok(())) => {}
            AppEvent::Tick => {
                if self
                    .message
                    .as_ref()
                    .is_some_and(|(_, _, at)| at.elapsed() > MESSAGE_TTL)
                {
                    self.message = None;
                    self.dirty = true;
                }
            }
            AppEvent::Shutdown(_) => self.should_quit = true,
        }
    }

    pub fn notify(&mut self, text: String, level: Level) {
        self.message = Some((text, level, Instant::now()));
        self.dirty = true;
    }

    fn on_scan_finished(&mut self, entries: Vec<ToolEntry>, elapsed: Duration) {
        let selected_path = self.selected_entry().map(|e| e.path.clone());
        let tools = entries.len();
        let entries = Arc::new(entries);
        self.effects.push(Effect::SaveIndex(Arc::clone(&entries)));
        self.catalog = Catalog::new(Arc::unwrap_or_clone(entries));
        self.filter.previous = None;
        self.refresh_views();
        if let Some(path) = selected_path
            && let Some(pos) = self
                .view
                .iter()
                .position(|i| self.catalog.entries()[*i].path == path)
        {
            let height = self.pane_height(Pane::Catalog);
            self.catalog_cursor.select(pos, self.view.len(), height);
        }
        self.scan = ScanState::Done { tools, elapsed };
        self.dirty = true;
    }

    /// Recomputes the catalog view (filter and sort) and the review queue.
    fn refresh_views(&mut self) {
        self.view = if self.filter.query.trim().is_empty() {
            self.filter.previous = None;
            self.catalog.sorted_indices(self.sort)
        } else {
            let within = match &self.filter.previous {
                Some((previous, matches)) if self.filter.query.starts_with(previous.as_str()) => {
                    Some(matches.as_slice())
                }
                _ => None,
            };
            let matches = self.catalog.search().filter(&self.filter.query, within);
            self.filter.previous = Some((self.filter.query.clone(), matches.clone()));
            matches
        };
        let entries = self.catalog.entries();
        let mut review: Vec<usize> = (0..entries.len())
            .filter(|i| entries[*i].tier == Tier::Experimental)
            .collect();
        review.sort_by(|a, b| entries[*a].name.cmp(&entries[*b].name));
        self.review = review;
        let (catalog_h, review_h) = (
            self.pane_height(Pane::Catalog),
            self.pane_height(Pane::Review),
        );
        self.catalog_cursor.keep_visible(self.view.len(), catalog_h);
        self.review_cursor.keep_visible(self.review.len(), review_h);
    }

    /// Visible rows of a pane's list (the catalog loses one row to the filter line).
    pub fn pane_height(&self, pane: Pane) -> usize {
        let rows = layout::inner_height(self.areas().of(pane));
        match pane {
            Pane::Catalog => rows.saturating_sub(1),
            _ => rows,
        }
    }

    fn on_terminal(&mut self, event: Event) {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Event::Mouse(mouse) => self.on_mouse(mouse),
            Event::Resize(width, height) => {
                self.size = Rect::new(0, 0, width, height);
                self.refresh_views();
                self.dirty = true;
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        if self.filter.editing && self.overlay.is_none() && self.edit_filter(&key) {
            return;
        }
        let contexts: &[Context] = match (&self.overlay, self.focus) {
            (Some(Overlay::Detail(_)), _) => {
                &[Context::Detail, Context::Navigation, Context::Global]
            }
            (Some(Overlay::Help { .. }), _) => &[Context::Navigation, Context::Global],
            (None, Pane::Catalog) => &[Context::Catalog, Context::Navigation, Context::Global],
            (None, _) => &[Context::Navigation, Context::Global],
        };
        if let Some(action) = self.keymap.lookup(contexts, &key) {
            self.perform(action);
        }
    }

    /// Typing into the filter line. Returns false for keys the filter does not take.
    fn edit_filter(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => self.set_query(String::new()),
            KeyCode::Char(c) if !ctrl => {
                let mut query = self.filter.query.clone();
                query.push(c);
                self.set_query(query);
            }
            KeyCode::Backspace => {
                let mut query = self.filter.query.clone();
                query.pop();
                self.set_query(query);
            }
            KeyCode::Enter => self.filter.editing = false,
            KeyCode::Esc => {
                self.filter.editing = false;
                self.set_query(String::new());
            }
            _ => return false,
        }
        true
    }

    fn set_query(&mut self, query: String) {
        self.filter.query = query;
        self.catalog_cursor.first();
        self.refresh_views();
    }

    pub fn perform(&mut self, action: Action) {
        self.dirty = true;
        if let Some(overlay) = &mut self.overlay
            && Self::overlay_action(overlay, action)
        {
            if action == Action::Close
                || (action == Action::Help && matches!(overlay, Overlay::Help { .. }))
            {
                self.overlay = None;
            }
            return;
        }
        match action {
            Action::Quit => self.should_quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::NextPane => self.focus = self.focus.next(),
            Action::PrevPane => self.focus = self.focus.prev(),
            Action::FocusCatalog => self.focus = Pane::Catalog,
            Action::FocusOutput => self.focus = Pane::Output,
            Action::FocusFailures => self.focus = Pane::Failures,
            Action::FocusReview => self.focus = Pane::Review,
            Action::Rescan => {
                self.effects.push(Effect::Scan);
                self.scan = ScanState::Starting;
            }
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(self.pane_height(self.focus) as isize),
            Action::PageUp => self.move_selection(-(self.pane_height(self.focus) as isize)),
            Action::First => self.move_selection(isize::MIN / 2),
            Action::Last => self.move_selection(isize::MAX / 2),
            Action::Open => self.open_selected(),
            Action::Close => {
                if !self.filter.query.is_empty() {
                    self.set_query(String::new());
                }
            }
            Action::Filter => {
                self.focus = Pane::Catalog;
                self.filter.editing = true;
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.refresh_views();
                self.notify(format!("sorted by {}", self.sort.label()), Level::Info);
            }
            Action::NextSection | Action::PrevSection => {}
        }
    }

    /// Actions an open overlay handles itself; returns true when consumed.
    fn overlay_action(overlay: &mut Overlay, action: Action) -> bool {
        let scroll = match overlay {
            Overlay::Help { scroll } => scroll,
            Overlay::Detail(detail) => {
                let delta = match action {
                    Action::NextSection => 1,
                    Action::PrevSection => -1,
                    _ => 0,
                };
                if delta != 0 {
                    detail.section = detail.section.step(delta);
                    detail.scroll = 0;
                    return true;
                }
                &mut detail.scroll
            }
        };
        match action {
            Action::Down => *scroll += 1,
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::PageDown => *scroll += 10,
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::First => *scroll = 0,
            Action::Last => *scroll = usize::MAX / 2,
            Action::Close | Action::Help | Action::Open => {}
            Action::Quit => return false,
            _ => return true,
        }
        true
    }

    fn move_selection(&mut self, delta: isize) {
        let height = self.pane_height(self.focus);
        match self.focus {
            Pane::Catalog => self.catalog_cursor.move_by(delta, self.view.len(), height),
            Pane::Review => self.review_cursor.move_by(delta, self.review.len(), height),
            Pane::Failures => self.failures_cursor.move_by(delta, 0, height),
            Pane::Output => {
                self.output_scroll = (self.output_scroll as isize + delta).max(0) as usize
            }
        }
    }

    fn open_selected(&mut self) {
        if !matches!(self.focus, Pane::Catalog | Pane::Review) {
            return;
        }
        if let Some(entry) = self.selected_entry().cloned() {
            self.effects
                .push(Effect::LoadDetail(Box::new(entry.clone())));
            self.overlay = Some(Overlay::Detail(Box::new(DetailState {
                entry,
                section: DetailSection::Overview,
                scroll: 0,
                content: None,
            })));
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.overlay.is_some() {
            let action = match mouse.kind {
                MouseEventKind::ScrollDown => Action::Down,
                MouseEventKind::ScrollUp => Action::Up,
                _ => return,
            };
            self.perform(action);
            return;
        }
        let Some(pane) = self.areas().pane_at(mouse.column, mouse.row) else {
            return;
        };
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                self.click_row(pane, mouse.row);
            }
            MouseEventKind::ScrollDown => {
                self.focus = pane;
                self.move_selection(3);
            }
            MouseEventKind::ScrollUp => {
                self.focus = pane;
                self.move_selection(-3);
            }
            _ => return,
        }
        self.dirty = true;
    }

    fn click_row(&mut self, pane: Pane, row: u16) {
        let area = self.areas().of(pane);
        let Some(line) = row.checked_sub(area.y + 1).map(usize::from) else {
            return;
        };
        let height = self.pane_height(pane);
        match pane {
            Pane::Catalog if line < height => {
                let index = self.catalog_cursor.offset + line;
                if index < self.view.len() {
                    self.catalog_cursor.select(index, self.view.len(), height);
                }
            }
            Pane::Review if line < height => {
                let index = self.review_cursor.offset + line;
                if index < self.review.len() {
                    self.review_cursor.select(index, self.review.len(), height);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
