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
use ratatui::text::Line;

use std::collections::HashMap;

use super::action::{Action, KeyContext};
use super::cursor::ListCursor;
use super::detail_content::DetailContent;
use super::external_editor;
use super::keymap::Keymap;
use super::layout::{self, Areas, Pane, Shape};
pub(crate) use super::message_log::Level;
use super::message_log::MessageLog;
use super::overlays::accept::AcceptState;
use super::overlays::decision::{DecisionState, Subject};
use super::overlays::detail::text_page as detail_text_page;
pub(crate) use super::overlays::detail::{DetailOutcome, DetailSection, DetailState};
use super::overlays::evolve::EvolveState;
use super::overlays::launch::LaunchState;
use super::overlays::log_lines;
use super::overlays::mark_failure::MarkFailureState;
use super::overlays::pair::PairState;
use super::overlays::resources::{self, Resource};
use super::overlays::stats::{StatsState, ranking_rows};
use super::overlays::suggestions::{self, Asked, SuggestionsState};
use super::overlays::undo::{LastDecision, UndoState};
pub(crate) use super::panes::catalog::{Filter, ScanState};
use super::paste::{self, Field};
use super::runs::{RunState, RunView, StartedElsewhere};
use super::text_view::{self, TextView, Typed};
use super::theme::Theme;

use crate::command::validations::ValidationTarget;
use crate::command::{Applied, Command, CommandError, Consent};
use crate::error_chain::one_line;
use crate::model::admission::{Admission, Asker, RunPolicy, admission};
use crate::model::decided::Outcome;
use crate::model::decisions::DecisionKind;
use crate::model::decisions::Destination;
use crate::model::quality::ToolStats;
use crate::model::quality::score::quality_of;
use crate::model::review_command::ReviewCommand;
use crate::model::review_queue::arrival_key;
use crate::model::run_output::Stream;
use crate::model::scan_event::Remark;
use crate::model::{Catalog, SortOrder};
use crate::model::{FailureRecord, InputMode, RunRecord, Tier, ToolEntry, ToolId};
use crate::workbench::reads;

use crate::model::StoreError;
use crate::model::services::InstanceRow;

/// The events that came while the app showed only the first rows of the cached index
/// (`App::with_head`): a key, a tick, a poller's answer. Each is taken, in order, once the rest
/// of the index is in, so none acts on the first rows alone; the terminal's size before
/// anything else came (the first frame's layout) is taken at once.
#[derive(Default)]
pub(crate) struct Held(Vec<AppEvent>);

impl Held {
    /// `app.update(event)`, or `event` held while `app` waits for the rest of the index.
    pub(crate) fn update(&mut self, app: &mut App, event: AppEvent) {
        if app.rest.is_none() {
            return app.update(event);
        }
        match event {
            AppEvent::IndexLoaded(_) => {
                app.update(event);
                for held in std::mem::take(&mut self.0) {
                    app.update(held);
                }
            }
            AppEvent::Terminal(Event::Resize(..)) if self.0.is_empty() => app.update(event),
            event => self.0.push(event),
        }
    }

    /// How many events wait.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// How long a status message stays up.
const MESSAGE_TTL: Duration = Duration::from_secs(6);
/// Two clicks on a row at most this far apart open it.
const DOUBLE_CLICK: Duration = Duration::from_millis(400);

#[derive(Debug)]
pub enum AppEvent {
    Terminal(Event),
    ScanProgress {
        done: usize,
        total: usize,
    },
    /// Shared with the live catalog, which keeps the same scan.
    ScanFinished {
        entries: Arc<Vec<ToolEntry>>,
        elapsed: Duration,
    },
    /// Tools a first scan read so far, shown before it ends.
    ScanRows(Vec<ToolEntry>),
    /// The end of a scan whose result is the rows it told (`ScanRows`, then `last`), each
    /// held once, by the app; marked again with `remark` when the seals changed during it.
    ScanTold {
        last: Vec<ToolEntry>,
        remark: Option<Remark>,
        elapsed: Duration,
    },
    /// The whole cached index, after a first frame drawn from its first rows
    /// (`App::with_head`): its catalog, search index built.
    IndexLoaded(Arc<Catalog>),
    DetailLoaded {
        path: PathBuf,
        content: Box<DetailContent>,
    },
    /// The first lines of the diff of the content `hash` against its parent, numbered.
    PreviewLoaded {
        hash: String,
        lines: Vec<Line<'static>>,
    },
    /// The chart data of the tool detail at `path`, after its content.
    QualityByDayLoaded {
        path: PathBuf,
        days: Vec<crate::model::quality::DayQuality>,
    },
    /// Where a restore or a rollback of the tool at `path` would take it (the tier a restore
    /// brings it back to, the version a rollback makes active), or why it would be refused.
    DestinationLoaded {
        path: PathBuf,
        destination: Result<Destination, String>,
    },
    /// The workspace statistics for the stats overlay, or why they could not be read.
    StatsLoaded(Result<Box<crate::model::quality::WorkspaceStats>, StoreError>),
    /// A pairing code made for the review page, as its link, or why none was.
    /// The rows of a resource view (`:runs` …), or why they could not be read.
    ResourceLoaded {
        resource: Resource,
        table: Result<resources::Table, StoreError>,
    },
    /// Output of a running tool, in the order it was read; `skipped` bytes before these were
    /// not shown (the app was behind), only logged.
    RunOutput {
        key: u64,
        stream: Stream,
        bytes: Vec<u8>,
        skipped: u64,
    },
    /// A running tool's newest progress report.
    RunProgress {
        key: u64,
        progress: crate::model::run_output::Progress,
    },
    /// The library refused to start a run (its tool gone, the gate, its input).
    RunNotStarted {
        key: u64,
        error: crate::command::CommandError,
    },
    /// A run ended with the summary of its protections, or could not start (why, in one
    /// line).
    RunFinished {
        key: u64,
        result: Result<(Box<RunRecord>, String), String>,
    },
    /// Another toolbench process started a run: shown read-only, followed from its logs.
    InheritedRun {
        key: u64,
        tool: String,
        version: String,
        /// The process that started it (the one that can cancel it) and for whom.
        starter: StartedElsewhere,
    },
    /// The store assigned ids to a finished run and its automatic failure.
    RunRecorded {
        key: u64,
        run: Box<RunRecord>,
        failure: Option<Box<FailureRecord>>,
    },
    /// The store refused a record: what was not stored, why, and where it waits.
    StoreRefused(String),
    /// A line for the status bar that needs no answer (what the review page says).
    Notice(String),
    /// Something that went wrong in the background, shown as an error.
    Trouble(String),
    /// Failure history and per-tool statistics, read from the store.
    HistoryLoaded {
        failures: Vec<FailureRecord>,
        stats: Vec<ToolStats>,
        alerts: Vec<crate::model::health::HealthAlert>,
        /// The MCP client that proposed each tool folder (path relative to the root).
        proposers: HashMap<String, String>,
        /// When the validation pipeline first saw each candidate, by tool path.
        arrivals: HashMap<PathBuf, String>,
        /// Content hashes changes were asked of (`request_changes`).
        changes_requested: std::collections::HashSet<String>,
    },
    /// The live catalog changed: these tools were read again (new or changed), those at
    /// `removed` left.
    Watched {
        updated: Vec<ToolEntry>,
        removed: Vec<PathBuf>,
    },
    /// The live catalog was read again whole (the watch lost track, or its changes came
    /// faster than they were read): every tool as it is now.
    CatalogReplaced(Arc<Catalog>),
    /// What went wrong keeping the catalog current (the watch, the cached index), one line.
    WatchProblem(String),
    /// The workspace watcher is set up, polling the tool folders for the reason given (the
    /// kernel's watches ran out) or not; or it could not be: why.
    WatcherStarted(Result<Option<String>, crate::model::watch_error::WatchStartError>),
    /// A command the app asked for (`Effect::Apply`) was applied: what it did, or why not.
    Applied {
        command: Box<Command>,
        result: Result<Applied, CommandError>,
    },
    /// The commands of an `Effect::ApplyEach`, each with its label, in order.
    AppliedEach(Vec<(String, Result<Applied, CommandError>)>),
    /// A validation of `tool` (`name@version`) was refused before it ran.
    ValidationRefused {
        tool: String,
        error: CommandError,
    },
    /// An evolve is under way (its end comes as `Applied`).
    EvolveProgress(crate::model::decisions::EvolveProgress),
    /// A validation's report, stored, with a line for each of its test cases' runs the
    /// store refused.
    Validated {
        path: PathBuf,
        report: Box<crate::model::validation_report::ValidationReport>,
        unstored: Vec<String>,
    },
    /// The text files of a tool, for the evolve editor.
    /// The evolve dialog's files as the person's editor left them, or why nothing was taken.
    EditedExternally(Result<Vec<(String, String)>, String>),
    EvolveLoaded {
        path: PathBuf,
        files: Vec<(String, String)>,
    },
    /// The agent calls waiting for a human and the approval rules in force, as they changed.
    CallsPolled {
        calls: Vec<crate::model::calls::CallRow>,
        rules: Vec<crate::model::calls::RuleRow>,
    },
    /// The tool requests waiting for a human, as they changed.
    RequestsPolled(Vec<crate::model::requests::RequestRow>),
    /// Some process recorded a run or a failure: failures and quality are read again.
    HistoryChanged,
    /// The service instances of the workspace, as they changed.
    InstancesPolled(Vec<InstanceRow>),
    /// The person's pager showed a run's log, or why not.
    Paged(external_editor::Paged),
    /// The newest run the workbench started in an earlier session, for `.`.
    LastRunRead(Result<Option<crate::model::RunRecord>, StoreError>),
    /// The terminal could not be given what `y` copied: why.
    CopyFailed(String),
    /// The past inputs of the tool whose launch dialog is open at `path`, newest first.
    InputHistoryLoaded {
        path: PathBuf,
        inputs: Result<Vec<String>, StoreError>,
    },
    Tick,
    /// SIGTERM or SIGHUP: leave cleanly.
    Shutdown(&'static str),
}

impl App {
    pub fn new(
        root_label: String,
        cached: Vec<ToolEntry>,
        sort: SortOrder,
        keymap: Keymap,
        theme: Theme,
    ) -> Self {
        Self::with_policy(
            root_label,
            cached,
            sort,
            keymap,
            theme,
            RunPolicy::default(),
        )
    }

    pub(crate) fn with_policy(
        root_label: String,
        cached: Vec<ToolEntry>,
        sort: SortOrder,
        keymap: Keymap,
        theme: Theme,
        run_policy: RunPolicy,
    ) -> Self {
        let mut app = Self {
            root_label,
            project_label: None,
            serves_page: false,
            catalog: Arc::new(Catalog::new(cached)),
            rest: None,
            view: Vec::new(),
            review: Vec::new(),
            sort,
            filter: Filter::default(),
            focus: Pane::Catalog,
            zoomed: false,
            catalog_cursor: ListCursor::default(),
            review_cursor: ListCursor::default(),
            alerts: Vec::new(),
            pending_calls: Vec::new(),
            rules: Vec::new(),
            requests: Vec::new(),
            instances: Vec::new(),
            failures_cursor: ListCursor::default(),
            output_scroll: 0,
            output_view: TextView::default(),
            output_header_open: false,
            diff_side_by_side: false,
            previews: Default::default(),
            runs: Vec::new(),
            output_run: 0,
            next_run_key: 1,
            last_run: None,
            last_run_reading: None,
            waiting_launch: None,
            failures: Vec::new(),
            stats: HashMap::new(),
            new_suggestions: 0,
            validation_paused: false,
            suggestions_counting: Counting::Idle,
            proposers: HashMap::new(),
            proposals_known: false,
            proposed_waiting: 0,
            review_flash: None,
            last_decision: None,
            validating: Default::default(),
            changes_requested: Default::default(),
            marks: Default::default(),
            arrivals: HashMap::new(),
            run_policy,
            watching: false,
            polling: false,
            validations: HashMap::new(),
            overlay: None,
            command: None,
            scan: ScanState::Starting,
            scanning: (false, false),
            rows_shown: false,
            replaced_while_shown: false,
            told_result: None,
            message: None,
            log: MessageLog::default(),
            keymap,
            theme,
            size: Rect::new(0, 0, layout::MIN_WIDTH, layout::MIN_HEIGHT),
            should_quit: false,
            armed: None,
            last_click: None,
            last_overlay_click: None,
            dirty: true,
            // The first scan waits for the watcher (WatcherStarted).
            effects: vec![Effect::LoadHistory],
        };
        app.refresh_views();
        app
    }

    /// An app showing only `head`, the first rows of the cached index in the Catalog and
    /// Review panes' orders (`Store::index_head`), with every tier's count: enough for a
    /// first frame that looks as the whole index's would. The rest comes as
    /// `AppEvent::IndexLoaded`; until then the event loop holds every other event (`Held`),
    /// and nothing that needs the whole catalog (the history, a scan) starts.
    pub(crate) fn with_head(
        root_label: String,
        head: crate::model::IndexHead,
        sort: SortOrder,
        keymap: Keymap,
        theme: Theme,
        run_policy: RunPolicy,
    ) -> Self {
        let mut app = Self::with_policy(root_label, head.entries, sort, keymap, theme, run_policy);
        // Asked for again with the rest: the history is read for the whole catalog.
        app.effects
            .retain(|effect| !matches!(effect, Effect::LoadHistory));
        app.rest = Some(head.counts);
        app
    }

    /// Takes the whole cached index in place of its first rows: from here on the app is what
    /// `with_policy` on the whole index would have made.
    fn take_rest(&mut self, catalog: Arc<Catalog>) {
        if self.rest.take().is_none() {
            return;
        }
        self.show_catalog(catalog);
        self.effects.push(Effect::LoadHistory);
        // An index that could not be read after all: the workspace is scanned, as a start with
        // nothing cached does.
        if self.catalog.entries().is_empty() {
            self.scan_workspace();
        }
    }

    /// Tools in each tier: the whole index's while only its first rows are here.
    pub(crate) fn tier_counts(&self) -> [(crate::model::Tier, usize); 4] {
        match self.rest {
            Some(counts) => counts,
            None => self.catalog.counts_per_tier(),
        }
    }

    /// How many tools the catalog holds: the whole index's while only its first rows are here.
    pub(crate) fn catalog_total(&self) -> usize {
        match &self.rest {
            Some(counts) => counts.iter().map(|(_, n)| n).sum(),
            None => self.catalog.len(),
        }
    }

    /// The Review pane's rows, counted: with every candidate of the whole index while only its
    /// first rows are here (nothing cached drifts, so the candidates are the experimental tier).
    pub(crate) fn review_total(&self) -> usize {
        let rows = self.review_rows();
        match &self.rest {
            Some(counts) => {
                let candidates = counts
                    .iter()
                    .find(|(tier, _)| *tier == crate::model::Tier::Experimental)
                    .map_or(0, |(_, n)| *n);
                rows - self.review.len() + candidates.max(self.review.len())
            }
            None => rows,
        }
    }

    /// Effects requested since the last call, for the event loop to run.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub(crate) fn areas(&self) -> Areas {
        layout::compute(self.size, &self.shape(self.size))
    }

    /// What each pane holds, so the layout of `area` can size it: rows and columns of
    /// content, frames not counted.
    pub(crate) fn shape(&self, area: Rect) -> Shape {
        let rows = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        // An empty pane's explanation: a blank line and a few of text.
        const EMPTY: u16 = 4;
        let output_rows = match self.selected_run() {
            // The header, then the output (or a note that there is none yet), wrapped rows
            // counted as far as a screen goes, then the search line.
            Some(run) => {
                let width = usize::from(area.width.saturating_sub(2));
                let header = output_lines::header_rows(self, run, width).len();
                let body = output_lines::wanted_rows(self, run, width, usize::from(area.height));
                let search = usize::from(
                    self.output_view
                        .search_line(Default::default(), ("", ""))
                        .is_some(),
                );
                rows(header + body.max(1) + search)
            }
            None => 2,
        };
        let listed = |n: usize| if n == 0 { EMPTY } else { rows(n) };
        // The right column's rows, measured no wider than its share can show.
        let cap = usize::from(layout::right_share(area.width));
        let screen = usize::from(area.height);
        let right_cols = review_lines::wanted_width(
            self,
            self.review_cursor.window(self.review_rows(), screen),
            cap,
        )
        .max(failure_lines::wanted_width(
            self,
            self.failures_cursor.window(self.failures.len(), screen),
            cap,
        ));
        // A catalog row whole: tier, name, version, cost, quality, description.
        let catalog_cols = self
            .view
            .iter()
            .take(screen)
            .map(|i| {
                let e = &self.catalog.entries()[*i];
                5 + e.name.chars().count()
                    + e.version.chars().count()
                    + 2
                    + 4
                    + 7
                    + e.error
                        .as_deref()
                        .map_or(e.description.chars().count(), |error| {
                            error.chars().count() + 2
                        })
            })
            .max()
            .unwrap_or(0);
        // Reviewing a candidate, the right column widens to show the preview beside the
        // queue, where the wider share gives it room.
        let reviewing = self.focus == Pane::Review
            && !self.zoomed
            && self.review_entry().is_some()
            && layout::share_of(area.width, layout::REVIEWING_SHARE) >= layout::PREVIEW_WIDTH + 2;
        let (right_cols, right_share) = match reviewing {
            true => (
                right_cols.max(usize::from(layout::PREVIEW_WIDTH)),
                layout::REVIEWING_SHARE,
            ),
            false => (right_cols, layout::RIGHT_SHARE),
        };
        Shape {
            right_share,
            right_cols: rows(right_cols),
            catalog_cols: rows(catalog_cols),
            catalog_rows: rows(self.view.len()),
            output_rows,
            review_rows: listed(self.review_rows()),
            failures_rows: listed(self.failures.len()),
            status_rows: status_line::rows(self, usize::from(area.width)),
            zoomed: self.zoomed.then_some(self.focus),
        }
    }

    pub(crate) fn selected_entry(&self) -> Option<&ToolEntry> {
        match self.focus {
            Pane::Review => self.review_entry(),
            _ => self
                .catalog
                .entries()
                .get(*self.view.get(self.catalog_cursor.selected)?),
        }
    }

    /// The tool on the row selected in the Review pane, when the row is one.
    pub(crate) fn review_entry(&self) -> Option<&ToolEntry> {
        match self.review_row(self.review_cursor.selected)? {
            ReviewRow::Alert(alert) => self.catalog.find(&ToolId::named(alert.name())).ok(),
            ReviewRow::Candidate(entry) => Some(entry),
            ReviewRow::Call(_) | ReviewRow::Request(_) | ReviewRow::Rule(_) => None,
        }
    }

    pub fn update(&mut self, event: AppEvent) {
        self.on_event(event);
        // The preview follows the selection, the queue and the width, whatever moved them:
        // all of which leave the screen to draw again.
        if self.dirty {
            self.want_preview();
        }
    }

    fn on_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::Terminal(event) => self.on_terminal(event),
            AppEvent::ScanProgress { done, total } => {
                if !matches!(self.scan, ScanState::Done { .. }) {
                    self.scan = ScanState::Running { done, total };
                    self.dirty = true;
                }
            }
            AppEvent::ScanFinished { entries, elapsed } => self.on_scan_finished(entries, elapsed),
            AppEvent::ScanRows(rows) => self.on_scan_rows(rows),
            AppEvent::ScanTold {
                last,
                remark,
                elapsed,
            } => self.on_scan_told(last, remark, elapsed),
            AppEvent::IndexLoaded(catalog) => self.take_rest(catalog),
            AppEvent::PreviewLoaded { hash, lines } => {
                self.previews.fill(&hash, lines);
                self.dirty = true;
            }
            AppEvent::DetailLoaded { path, content } => {
                if let Some(Overlay::Detail(detail)) = &mut self.overlay
                    && detail.entry.path == path
                {
                    detail.content = Some(content);
                    self.dirty = true;
                }
                self.show_behaviour();
            }
            AppEvent::QualityByDayLoaded { path, days } => {
                if let Some(Overlay::Detail(detail)) = &mut self.overlay
                    && detail.entry.path == path
                    && let Some(content) = &mut detail.content
                {
                    content.quality_by_day = days;
                    self.dirty = true;
                }
            }
            AppEvent::ResourceLoaded { resource, table } => {
                self.on_resource_loaded(resource, table)
            }
            AppEvent::DestinationLoaded { path, destination } => {
                if let Some(Overlay::Decision(state)) = &mut self.overlay
                    && state.kind.destination_is_stored()
                    && matches!(&state.subject, Subject::Tool(e) if e.path == path)
                {
                    state.destination = Some(destination);
                    self.dirty = true;
                }
            }
            AppEvent::StatsLoaded(data) => {
                if let Some(Overlay::Stats(stats)) = &mut self.overlay {
                    stats.data = Some(data);
                    self.dirty = true;
                }
            }
            AppEvent::RunOutput {
                key,
                stream,
                bytes,
                skipped,
            } => {
                if let Some(run) = self.runs.iter_mut().find(|r| r.key == key) {
                    run.skip(stream, skipped);
                    run.push(stream, &bytes);
                    self.dirty = true;
                }
            }
            AppEvent::RunProgress { key, progress } => {
                if let Some(run) = self.runs.iter_mut().find(|r| r.key == key) {
                    run.progress = Some(progress);
                    self.dirty = true;
                }
            }
            AppEvent::RunFinished { key, result } => self.on_run_finished(key, result),
            AppEvent::RunNotStarted { key, error } => {
                let reason = crate::tui::review_keys::refusal(&error, &self.keymap);
                self.refuse_run(key, reason);
            }
            AppEvent::InheritedRun {
                key,
                tool,
                version,
                starter,
            } => {
                self.runs
                    .push(RunView::inherited(key, tool, version, starter));
                self.dirty = true;
            }
            AppEvent::RunRecorded { key, run, failure } => {
                if let Some(view) = self.runs.iter_mut().find(|r| r.key == key) {
                    view.state = RunState::Finished(run);
                }
                if let Some(failure) = failure {
                    self.failures.insert(0, *failure);
                }
                self.effects.push(Effect::LoadHistory);
                self.count_suggestions();
                self.dirty = true;
            }
            AppEvent::StoreRefused(message) | AppEvent::Trouble(message) => {
                self.notify(message, Level::Error);
            }
            // Nobody asked for it: it never hides an error that is showing.
            AppEvent::Notice(line) => {
                if matches!(self.message, Some((_, Level::Error, _))) {
                    self.log.push(Level::Info, line);
                } else {
                    self.notify(line, Level::Info);
                }
            }
            AppEvent::Watched { updated, removed } => self.on_watched(updated, &removed),
            // The rows a scan showed so far may be its result, held nowhere else: they stay
            // until it ends, and its result is the whole catalog then (the live catalog's too).
            AppEvent::CatalogReplaced(_) if self.rows_shown => self.replaced_while_shown = true,
            AppEvent::CatalogReplaced(catalog) => self.take_catalog(catalog),
            AppEvent::WatchProblem(problem) => self.notify(problem, Level::Error),
            AppEvent::WatcherStarted(result) => {
                match result {
                    Ok(polling) => {
                        self.watching = true;
                        self.polling = polling.is_some();
                        if let Some(why) = polling {
                            self.notify(why, Level::Error);
                        }
                    }
                    Err(e) => self.notify(one_line(&e), Level::Error),
                }
                // Once watching, nothing can fall between a scan and the watch: a scan under
                // way since before (a first scan showing its rows) is followed by one more.
                self.scan_workspace();
                self.dirty = true;
            }
            AppEvent::Applied { command, result } => self.on_applied(*command, result),
            AppEvent::AppliedEach(results) => self.on_applied_each(results),
            AppEvent::ValidationRefused { tool, error } => {
                // `name@version`: that validation is over.
                let name = tool.split('@').next().unwrap_or(&tool);
                self.validating.remove(name);
                self.notify(
                    format!("validation of {tool}: {}", one_line(&error)),
                    Level::Error,
                );
            }
            AppEvent::EvolveProgress(crate::model::decisions::EvolveProgress::EvolverRunning {
                tool,
                command,
                timeout,
            }) => self.notify(
                format!(
                    "evolving {tool}: evolver running ({command}, up to {} s)",
                    timeout.as_secs()
                ),
                Level::Info,
            ),
            AppEvent::EvolveLoaded { path, files } => {
                if let Some(Overlay::Evolve(evolve)) = &mut self.overlay
                    && evolve.entry.path == path
                {
                    if evolve.loaded(files) {
                        self.edit_externally();
                    }
                    self.dirty = true;
                }
            }
            AppEvent::Paged(paged) => self.on_paged(paged),
            AppEvent::LastRunRead(run) => self.on_last_run_read(run),
            AppEvent::EditedExternally(edited) => {
                match (edited, &mut self.overlay) {
                    (Ok(files), Some(Overlay::Evolve(evolve))) => {
                        let changed = evolve.take_edited(files);
                        self.notify(
                            format!("{changed} file(s) changed in your editor; write the hint and save (ctrl-s)"),
                            Level::Info,
                        );
                    }
                    (Ok(_), _) => {}
                    (Err(why), _) => self.notify(why, Level::Error),
                }
                self.dirty = true;
            }
            AppEvent::Validated {
                path,
                report,
                unstored,
            } => {
                for line in unstored {
                    self.notify(line, Level::Error);
                }
                self.validating.remove(&report.name);
                // First seen now: its queue row was just written, with the arrival its files tell.
                if report.tier == Tier::Experimental && !self.arrivals.contains_key(&path) {
                    self.arrived(&path, crate::model::review_queue::arrival_of(&path));
                }
                // A candidate new to us may be an agent's proposal: learn who sent it.
                if report.path.starts_with(Tier::Experimental.dir_name())
                    && !self.proposers.contains_key(&report.path)
                {
                    self.effects.push(Effect::LoadHistory);
                }
                self.validations.insert(path, *report);
                self.show_behaviour();
                self.refresh_validations_view();
                self.dirty = true;
            }
            AppEvent::HistoryLoaded {
                failures,
                stats,
                alerts,
                proposers,
                arrivals,
                changes_requested,
            } => {
                self.changes_requested = changes_requested;
                self.tell_new_proposals(&proposers);
                self.proposers = proposers;
                self.arrivals = arrivals;
                self.failures = failures;
                self.alerts = alerts;
                let review_h = self.pane_height(Pane::Review);
                self.review_cursor
                    .keep_visible(self.review_rows(), review_h);
                self.stats = stats.into_iter().map(|s| (s.name.clone(), s)).collect();
                let height = self.pane_height(Pane::Failures);
                self.failures_cursor
                    .keep_visible(self.failures.len(), height);
                // Arrivals order the queue; statistics order the catalog by quality.
                self.refresh_views();
                self.dirty = true;
            }
            AppEvent::CallsPolled { calls, rules } => self.on_calls_polled(calls, rules),
            AppEvent::RequestsPolled(requests) => self.on_requests_polled(requests),
            AppEvent::HistoryChanged => self.effects.push(Effect::LoadHistory),
            AppEvent::InstancesPolled(rows) => self.on_instances_polled(rows),
            AppEvent::InputHistoryLoaded { path, inputs } => self.on_input_history(&path, inputs),
            AppEvent::CopyFailed(why) => self.notify(format!("cannot copy: {why}"), Level::Error),
            AppEvent::Tick => {
                self.flash_tick();
                if self.runs.iter().any(RunView::is_running) {
                    self.dirty = true; // elapsed-time clocks
                }
                // A validation starting tells nothing: the view looks again.
                self.refresh_validations_view();
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

    /// What a decision tells the panes without a reread: which content changes were asked of
    /// (the Review pane's badge).
    fn note_outcome(&mut self, outcome: &Outcome) {
        if let crate::model::decided::Outcome::Tool(decision) = outcome {
            // The row the decision recorded for itself (an approval records the version it
            // superseded first): what `z` takes back.
            let own = decision
                .records
                .iter()
                .rev()
                .find(|r| r.action == decision.action && r.tool == decision.tool);
            if let Some(record) = own {
                self.last_decision = Some(LastDecision {
                    record: record.clone(),
                    superseded: decision.superseded.clone(),
                });
            }
            let asked = decision
                .records
                .iter()
                .filter(|r| r.action == crate::model::decisions::DecisionAction::RequestChanges);
            self.changes_requested
                .extend(asked.filter_map(|r| r.to_hash.clone()));
        }
    }

    pub(crate) fn notify(&mut self, text: String, level: Level) {
        self.log.push(level, text.clone());
        self.message = Some((text, level, Instant::now()));
        self.dirty = true;
    }

    /// The catalog changed: its search index ready, the views computed again.
    fn catalog_changed(&mut self) {
        self.catalog.search();
        self.filter.previous = None;
        self.refresh_views();
    }

    /// Counts the new suggestions in the background, one count at a time: a run that ends
    /// while one is under way asks for one more after it.
    fn count_suggestions(&mut self) {
        self.suggestions_counting = match self.suggestions_counting {
            Counting::Idle => {
                self.apply(Command::RefreshSuggestions);
                Counting::Busy
            }
            Counting::Busy | Counting::Again => Counting::Again,
        };
    }

    /// Scans the workspace, or, with a scan under way, once more after it.
    pub(crate) fn scan_workspace(&mut self) {
        match self.scanning {
            (false, _) => {
                self.scanning = (true, false);
                self.effects.push(Effect::Scan);
            }
            (true, _) => self.scanning.1 = true,
        }
    }

    /// Rows of a scan of a workspace with nothing shown, as it reads them: its tools show
    /// within a moment, not after the whole scan. The scan's end either takes them as its
    /// result (`on_scan_told`) or replaces them all (`on_scan_finished`).
    fn on_scan_rows(&mut self, rows: Vec<ToolEntry>) {
        // Shown only: the scan's end queues what waits for validation, once. Folded in place,
        // in tier and path order: the rows shown so far are not copied for each batch.
        self.rows_shown = true;
        let selected_path = self.selected_entry().map(|e| e.path.clone());
        Arc::make_mut(&mut self.catalog).update(rows, &[]);
        self.catalog_changed();
        self.select_again(selected_path);
        self.dirty = true;
    }

    fn on_scan_finished(&mut self, entries: Arc<Vec<ToolEntry>>, elapsed: Duration) {
        let again = std::mem::take(&mut self.scanning).1;
        if again {
            self.scan_workspace();
        }
        // Its result replaces every row, as any catalog told meanwhile would have been.
        self.rows_shown = false;
        self.replaced_while_shown = false;
        let tools = entries.len();
        self.take_scanned(entries);
        self.scan_ended(tools, elapsed);
    }

    /// A scan's end whose result is the rows it told, `last` the rows not shown yet: the
    /// catalog shown is the result, marked as the seals stand after the scan when they changed
    /// during it, and the live catalog takes the same entries (`take_told_result`).
    fn on_scan_told(&mut self, last: Vec<ToolEntry>, remark: Option<Remark>, elapsed: Duration) {
        let again = std::mem::take(&mut self.scanning).1;
        // What changed the catalog the live one told while the rows were shown (not taken)
        // may not be in them, read before it: one more scan reads it.
        if again || std::mem::take(&mut self.replaced_while_shown) {
            self.scan_workspace();
        }
        self.rows_shown = false;
        let selected_path = self.selected_entry().map(|e| e.path.clone());
        if !last.is_empty() || remark.is_some() {
            let catalog = Arc::make_mut(&mut self.catalog);
            catalog.update(last, &[]);
            if let Some(remark) = remark {
                catalog.mark_with(|entries| remark.mark(entries));
            }
        }
        self.catalog_changed();
        self.select_again(selected_path);
        self.queue_waiting(&[]);
        self.told_result = Some(self.catalog.shared_entries());
        self.scan_ended(self.catalog.len(), elapsed);
    }

    /// The entries of the last scan that told its result as its rows, once: the catalog
    /// shown, for the live catalog to keep the same list.
    pub(crate) fn take_told_result(&mut self) -> Option<Arc<Vec<ToolEntry>>> {
        self.told_result.take()
    }

    /// What every scan's end does once its result is shown.
    fn scan_ended(&mut self, tools: usize, elapsed: Duration) {
        if !matches!(self.scan, ScanState::Done { .. }) {
            // Once a start: what the history holds before this session's runs.
            self.count_suggestions();
            // A workspace never opened here: ask, unless the person is busy with another.
            if self.overlay.is_none() {
                self.ask_to_accept();
            }
        }
        self.scan = ScanState::Done { tools, elapsed };
        self.dirty = true;
        self.launch_waiting();
    }

    /// The launch asked for before the first scan read the tool's manifest, now that it has:
    /// only while nothing else was opened since.
    fn launch_waiting(&mut self) {
        let Some(waiting) = self.waiting_launch.take() else {
            return;
        };
        if self.overlay.is_some() {
            return;
        }
        match waiting {
            WaitingLaunch::Again => self.run_again(),
            WaitingLaunch::Tool { path, name } => {
                match self.catalog.entries().iter().find(|e| e.path == path) {
                    Some(entry) => self.launch(entry.clone(), Launching::Asked),
                    None => self.notify(
                        format!("cannot run {name}: the scan found it gone"),
                        Level::Error,
                    ),
                }
            }
        }
    }

    /// Every tool as a scan found it, searchable before the next key (building the search
    /// index costs a few milliseconds at 10,000 tools, which a keystroke must not pay), the
    /// selection kept, and what waits for review queued for validation. The live catalog
    /// keeps the cached index.
    fn take_scanned(&mut self, entries: Arc<Vec<ToolEntry>>) {
        self.take_catalog(Arc::new(Catalog::from_shared(entries)));
    }

    /// Shows `catalog`, the search index ready and the selection kept.
    fn show_catalog(&mut self, catalog: Arc<Catalog>) {
        let selected_path = self.selected_entry().map(|e| e.path.clone());
        self.catalog = catalog;
        self.catalog_changed();
        self.select_again(selected_path);
        self.dirty = true;
    }

    /// `take_scanned` for a catalog already built (the live catalog's, shared until either
    /// changes it).
    fn take_catalog(&mut self, catalog: Arc<Catalog>) {
        let moved = baselines_moved(&self.catalog, &catalog);
        self.show_catalog(catalog);
        self.queue_waiting(&moved);
    }

    /// Everything waiting for review gets validated (served from cache when unchanged):
    /// candidates, and active tools whose content is not what was approved. A candidate of a
    /// name in `moved`, whose active version changed, is asked again though it has a report:
    /// the cache answers only when it would be compared with the same.
    fn queue_waiting(&mut self, moved: &[String]) {
        let waiting: Vec<ValidationTarget> = self
            .catalog
            .entries()
            .iter()
            .filter(|e| waits_for_review(e))
            .filter(|e| moved.contains(&e.name) || !self.validations.contains_key(&e.path))
            .map(ValidationTarget::of)
            .collect();
        for tool in waiting {
            self.queue_validation(tool, false);
        }
        self.dirty = true;
    }

    /// Asks for the validation of `tool` (`force`: whatever is cached), shown under way.
    fn queue_validation(&mut self, tool: ValidationTarget, force: bool) {
        self.validating.insert(tool.name.clone());
        self.effects.push(Effect::Validate { tool, force });
    }

    fn on_watched(&mut self, updated: Vec<ToolEntry>, removed: &[PathBuf]) {
        let selected_path = self.selected_entry().map(|e| e.path.clone());
        for entry in updated.iter().filter(|e| waits_for_review(e)) {
            self.queue_validation(ValidationTarget::of(entry), false);
        }
        // An active version that came, changed or left (a decision, an agent's edit) may be
        // what the candidates of its name were compared with.
        let gone = removed
            .iter()
            .filter_map(|path| self.catalog.entries().iter().find(|e| e.path == *path));
        let mut moved: Vec<String> = (updated.iter().chain(gone))
            .filter(|e| e.tier.is_active())
            .map(|e| e.name.clone())
            .collect();
        moved.dedup();
        // In place: a decision's reload or an agent's edit of a few tools costs those tools
        // on this thread, whatever the size of the catalog.
        Arc::make_mut(&mut self.catalog).update(updated, removed);
        self.catalog_changed();
        self.select_again(selected_path);
        if !moved.is_empty() {
            self.queue_waiting(&moved);
        }
        self.dirty = true;
    }

    /// Puts the cursor back on the tool at `path` after the catalog changed, if it is shown.
    fn select_again(&mut self, path: Option<PathBuf>) {
        if let Some(path) = path
            && let Some(pos) = self
                .view
                .iter()
                .position(|i| self.catalog.entries()[*i].path == path)
        {
            let height = self.pane_height(Pane::Catalog);
            self.catalog_cursor.select(pos, self.view.len(), height);
        }
    }

    fn on_run_finished(&mut self, key: u64, result: Result<(Box<RunRecord>, String), String>) {
        let Some(view) = self.runs.iter_mut().find(|r| r.key == key) else {
            return;
        };
        match result {
            Ok((record, protections)) => {
                view.protections = Some(protections);
                let message = format!(
                    "{}@{} {} in {}",
                    record.tool,
                    record.version,
                    record.status,
                    crate::text::format_ms(record.duration_ms)
                );
                view.finish(RunState::Finished(record));
                self.notify(message, Level::Info);
            }
            Err(why) => self.refuse_run(key, why),
        }
    }

    fn refuse_run(&mut self, key: u64, reason: String) {
        if let Some(view) = self.runs.iter_mut().find(|r| r.key == key) {
            view.finish(RunState::Refused(reason.clone()));
            self.notify(reason, Level::Error);
        }
    }

    /// Recomputes the catalog view (filter and sort) and the review queue.
    fn refresh_views(&mut self) {
        self.view = if self.filter.query.trim().is_empty() {
            self.filter.previous = None;
            self.catalog
                .ordered(self.sort, |name| quality_of(&self.stats, name))
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
            .filter(|i| waits_for_review(&entries[*i]))
            .collect();
        // Each key once: a path's arrival is a hash lookup, too dear for every comparison.
        review.sort_by_cached_key(|i| review_key(&entries[*i], &self.arrivals));
        self.review = review;
        self.count_proposed();
        self.prune_marks();
        self.clamp_cursors();
    }

    /// Records when the candidate at `path` arrived and moves it to its place in the review
    /// queue, which stays sorted: after a scan, thousands of validations answer at once, and
    /// sorting the whole queue for each of them held the loop for a minute at 4,500.
    fn arrived(&mut self, path: &std::path::Path, at: String) {
        let entries = self.catalog.entries();
        let Some(from) = self.review.iter().position(|i| entries[*i].path == path) else {
            self.arrivals.insert(path.to_path_buf(), at);
            return;
        };
        let index = self.review.remove(from);
        self.arrivals.insert(path.to_path_buf(), at);
        let arrivals = &self.arrivals;
        let key = |i: usize| review_key(&entries[i], arrivals);
        let to = self
            .review
            .binary_search_by(|i| key(*i).cmp(&key(index)))
            .unwrap_or_else(|place| place);
        self.review.insert(to, index);
        self.clamp_cursors();
    }

    /// Keeps every selection inside its list and its pane (after a resize or a list change).
    fn clamp_cursors(&mut self) {
        // One layout for the three panes (each asks every pane's content); none before the
        // terminal's size is known, where every pane is 0 rows high.
        let [catalog_h, review_h, failures_h] = match self.size.area() {
            0 => [0; 3],
            _ => {
                let areas = self.areas();
                [Pane::Catalog, Pane::Review, Pane::Failures].map(|p| list_height(&areas, p))
            }
        };
        self.catalog_cursor.keep_visible(self.view.len(), catalog_h);
        self.review_cursor
            .keep_visible(self.review_rows(), review_h);
        self.failures_cursor
            .keep_visible(self.failures.len(), failures_h);
    }

    /// Visible rows of a pane's list (`list_height`).
    pub(crate) fn pane_height(&self, pane: Pane) -> usize {
        list_height(&self.areas(), pane)
    }

    fn on_terminal(&mut self, event: Event) {
        match event {
            Event::Resize(width, height) => {
                self.size = Rect::new(0, 0, width, height);
                self.clamp_cursors();
                self.dirty = true;
            }
            // The too-small screen hides everything a key, click or paste would act on.
            _ if layout::is_too_small(self.size) => self.quit_key_only(event),
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Event::Paste(text) => self.on_paste(&text),
            Event::Mouse(mouse) => self.on_mouse(mouse),
            _ => {}
        }
    }

    /// On the too-small screen, which says only quitting and resizing act: the quit key
    /// quits as it does with nothing open, even over a view where it would close the view
    /// (hidden, it is not closed first); any other event is dropped.
    fn quit_key_only(&mut self, event: Event) {
        if let Event::Key(key) = event
            && key.kind != KeyEventKind::Release
            && self.keymap.lookup(&[KeyContext::Global], &key) == Some(Action::Quit)
        {
            self.quit();
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        // A control key bound to quit (ctrl-c) quits from anywhere, a dialog, a field or a
        // view where `q` is text or closes the view.
        if key.modifiers.contains(KeyModifiers::CONTROL)
            && self.keymap.lookup(&[KeyContext::Global], &key) == Some(Action::Quit)
        {
            return self.quit();
        }
        if self.editing_the_filter() && self.edit_filter(&key) {
            return;
        }
        if self.type_key(&key) {
            return;
        }
        if self.overlay.as_ref().is_some_and(Overlay::is_dialog) {
            self.dialog_key(key);
            return;
        }
        if let Some(Overlay::Undo(_)) = &self.overlay {
            self.undo_key(key);
            return;
        }
        let (contexts, decisions_from) = self.key_contexts();
        let action = self.keymap.lookup(&contexts, &key).or_else(|| {
            decisions_from.and_then(|pane| {
                self.keymap
                    .lookup(&[pane], &key)
                    .filter(|a| a.is_decision())
            })
        });
        if let Some(action) = action {
            self.perform(action);
        }
    }

    /// The Catalog's filter line has the keys (no overlay or command line over it).
    fn editing_the_filter(&self) -> bool {
        self.filter.editing && self.overlay.is_none() && self.command.is_none()
    }

    /// A key typed into a one-line field other than the Catalog's filter: the command line, a
    /// view's filter, the palette, a search, the help's filter. False when none is being
    /// typed in, or it leaves the key to the keymap.
    fn type_key(&mut self, key: &KeyEvent) -> bool {
        if self.command.is_some() {
            self.command_key(*key);
            return true;
        }
        self.resource_filter_key(key)
            || self.palette_key(key)
            || self.search_key(key)
            || self.help_filter_key(key)
    }

    /// A paste (the terminal brackets it) is text, never a command: it goes whole into the
    /// field being typed in, and never reaches the keymap, so no pasted letter runs, decides or
    /// quits and no pasted line break submits (`tui::paste`). Where nothing takes text it is
    /// dropped, and the status line says so.
    fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        let taken = if self.editing_the_filter() {
            // One search for the whole paste, not one for each of its characters.
            let query = self.filter.query.clone() + &paste::typed(text, Field::Line);
            self.set_query(query);
            true
        } else if self.command.is_none() && self.overlay.as_ref().is_some_and(Overlay::is_dialog) {
            self.overlay
                .as_mut()
                .is_some_and(|dialog| dialog.paste(text))
        } else {
            paste::typed(text, Field::Line)
                .chars()
                .all(|c| self.type_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
        };
        if !taken {
            self.notify(
                "pasted text goes into a text field: nothing here takes it (/ filters)".into(),
                Level::Info,
            );
        }
    }

    /// Where keys are read now, most specific first; and, with the tool detail or review
    /// overlay open, the pane it was opened from, whose decision keys act on what it shows.
    pub(super) fn key_contexts(&self) -> (Vec<KeyContext>, Option<KeyContext>) {
        let pane = match self.focus {
            Pane::Catalog => KeyContext::Catalog,
            Pane::Output => KeyContext::Output,
            Pane::Failures => KeyContext::Failures,
            Pane::Review => KeyContext::Review,
        };
        let (first, decisions_from) = match &self.overlay {
            // The view you read is the one you act on: `a` in the review overlay approves
            // what it shows, as on its row.
            Some(Overlay::Detail(_)) => (Some(KeyContext::Detail), Some(pane)),
            // Accept and dismiss take the Review pane's keys for approve and archive.
            Some(Overlay::Suggestions(_)) => (Some(KeyContext::Review), None),
            Some(Overlay::Resource(_)) => (Some(KeyContext::Resource), None),
            Some(_) => (None, None),
            None => (Some(pane), None),
        };
        let contexts = first
            .into_iter()
            .chain([KeyContext::Navigation, KeyContext::Global])
            .collect();
        (contexts, decisions_from)
    }

    /// Keys in a dialog: `[dialog]` bindings first, everything else types into the field.
    fn dialog_key(&mut self, key: KeyEvent) {
        if self.history_key(&key) {
            return;
        }
        let action = self.keymap.lookup(&[KeyContext::Dialog], &key);
        // One rule for every one-line field: a key that would break its line is the dialog's
        // Enter instead, never a second line.
        if action.is_none()
            && paste::breaks_line(&key)
            && self.overlay.as_ref().map(Overlay::field) == Some(Field::Line)
        {
            return self.dialog_enter();
        }
        match (action, self.overlay.as_mut()) {
            // Esc leaves the reason, not the list.
            (Some(Action::Close), Some(Overlay::Suggestions(state))) => state.reason = None,
            (_, Some(Overlay::Suggestions(state))) => {
                if let Some(reason) = &mut state.reason {
                    paste::key_into_area(reason, key, Field::Line);
                }
            }
            (Some(Action::Close), _) => self.overlay = None,
            (Some(Action::Submit), _) => self.submit_dialog(),
            (_, Some(Overlay::Accept(state))) => {
                paste::key_into_area(&mut state.confirm, key, Field::Line);
            }
            // Where there is one field, or none, Tab does nothing: `paste::key_into_area`
            // never types it into a one-line field.
            (Some(Action::NextField | Action::PrevField), Some(Overlay::Launch(launch))) => {
                launch.switch_field()
            }
            (Some(Action::Grant), Some(Overlay::Launch(launch))) => launch.toggle_grant(),
            (Some(Action::NextField), Some(Overlay::MarkFailure(mark))) => mark.next_field(),
            (Some(Action::PrevField), Some(Overlay::MarkFailure(mark))) => mark.prev_field(),
            (_, Some(Overlay::Launch(launch))) => launch.input_key(key),
            (_, Some(Overlay::MarkFailure(mark))) => mark.input_key(key),
            (_, Some(Overlay::Service(dialog))) => dialog.input_key(key),
            (Some(Action::NextField | Action::PrevField), Some(Overlay::Evolve(evolve))) => {
                evolve.switch_focus()
            }
            (Some(Action::Editor), Some(Overlay::Evolve(_))) => self.edit_externally(),
            (Some(Action::NextFile), Some(Overlay::Evolve(evolve))) => evolve.step_file(1),
            (Some(Action::PrevFile), Some(Overlay::Evolve(evolve))) => evolve.step_file(-1),
            (_, Some(Overlay::Evolve(evolve))) => evolve.input_key(key),
            (_, Some(Overlay::CallAnswer(answer))) => answer.input_key(key),
            (Some(Action::NextField | Action::PrevField), Some(Overlay::Decision(decision))) => {
                decision.switch_field()
            }
            (_, Some(Overlay::Decision(decision))) => decision.input_key(key),
            _ => {}
        }
    }

    /// Enter in a one-line field: what the dialog's Enter means. The evolve hint and the
    /// mark-failure dialog's fields move on to the next field (its last, the severity,
    /// saves); every other dialog submits: a launch runs (once the name is typed), a
    /// decision or an answer confirms.
    fn dialog_enter(&mut self) {
        let moved_on = match self.overlay.as_mut() {
            Some(Overlay::Evolve(evolve)) => {
                evolve.switch_focus();
                true
            }
            Some(Overlay::MarkFailure(mark)) => mark.move_on(),
            _ => false,
        };
        if !moved_on {
            self.submit_dialog();
        }
    }

    fn submit_dialog(&mut self) {
        match self.overlay.take() {
            Some(Overlay::Accept(mut state)) => {
                if state.confirmed() {
                    self.notify(
                        "accepting this workspace's active tools…".into(),
                        Level::Info,
                    );
                    self.effects.push(Effect::Apply(Box::new(Command::Accept {
                        only: Vec::new(),
                        dry_run: false,
                    })));
                } else {
                    state.refuse();
                    self.overlay = Some(Overlay::Accept(state));
                }
            }
            Some(Overlay::Suggestions(mut state)) => {
                let reason = state.reason.take().map(|r| r.lines().join(" "));
                let id = state.selected().map(|row| row.id);
                match (id, reason) {
                    (Some(id), Some(reason)) if !reason.trim().is_empty() => {
                        let command = Command::DismissSuggestion { id, reason };
                        self.effects.push(Effect::Apply(Box::new(command)));
                    }
                    (Some(_), Some(_)) => {
                        self.notify("say why, so it is not suggested again".into(), Level::Error);
                        let mut reason = ratatui_textarea::TextArea::default();
                        reason.set_placeholder_text("why not (required)");
                        state.reason = Some(reason);
                    }
                    _ => {}
                }
                self.overlay = Some(Overlay::Suggestions(state));
            }
            Some(Overlay::Launch(launch)) => {
                if let Some(blocker) = launch.blocker() {
                    self.notify(blocker, Level::Error);
                    self.overlay = Some(Overlay::Launch(launch));
                    return;
                }
                let input = launch.input();
                let consent = launch.consent();
                self.start_run(launch.entry, input, consent);
            }
            Some(Overlay::MarkFailure(mut mark)) => match mark.command() {
                Ok(command) => self.effects.push(Effect::Apply(Box::new(command))),
                Err(problem) => {
                    mark.problem = Some(one_line(&problem));
                    self.overlay = Some(Overlay::MarkFailure(mark));
                }
            },
            Some(Overlay::Evolve(mut evolve)) => match evolve.result() {
                Ok((hint, edits)) if edits.is_empty() => {
                    self.notify(format!("evolving {}…", evolve.entry.id()), Level::Info);
                    let decision = ReviewCommand::Evolve { hint, with: None };
                    self.apply(Command::decide_on(&evolve.entry, decision));
                }
                Ok((hint, edits)) => {
                    self.notify(
                        format!(
                            "evolving {} with {} edited file(s)…",
                            evolve.entry.id(),
                            edits.len()
                        ),
                        Level::Info,
                    );
                    let decision = ReviewCommand::EvolveEdited { hint, edits };
                    self.apply(Command::decide_on(&evolve.entry, decision));
                }
                Err(problem) => {
                    evolve.problem = Some(one_line(&problem));
                    self.overlay = Some(Overlay::Evolve(evolve));
                }
            },
            // Refused before it was confirmed: nothing to send.
            Some(Overlay::Decision(decision)) if decision.refusal().is_some() => {
                self.overlay = Some(Overlay::Decision(decision));
            }
            Some(Overlay::Decision(mut decision)) => match decision
                .value()
                .map_err(|e| one_line(&e))
                .and_then(|text| Ok((text, decision.accepted()?)))
            {
                Ok((text, accepted)) => {
                    self.notify(
                        format!(
                            "{} {}…",
                            decision.kind.verb().to_lowercase(),
                            decision.label()
                        ),
                        Level::Info,
                    );
                    let command = match decision.kind.with_text(&text) {
                        ReviewCommand::Approve { reason, .. } => {
                            ReviewCommand::Approve { reason, accepted }
                        }
                        other => other,
                    };
                    self.effects.push(match decision.subject {
                        Subject::Tool(entry) => {
                            Effect::Apply(Box::new(Command::decide_on(&entry, command)))
                        }
                        Subject::Tools(entries) => {
                            self.marks.clear();
                            let each = entries.iter().map(|entry| {
                                (entry.id(), Command::decide_on(entry, command.clone()))
                            });
                            Effect::ApplyEach(each.collect())
                        }
                        // A tool request is answered under its name: no tool has content yet.
                        Subject::Request(request) => Effect::Apply(Box::new(Command::Decide {
                            tool: ToolId::named(request.name),
                            decision: command,
                        })),
                    });
                }
                Err(problem) => {
                    decision.problem = Some(problem);
                    self.overlay = Some(Overlay::Decision(decision));
                }
            },
            Some(Overlay::CallAnswer(answer)) => self.submit_call_answer(answer),
            Some(Overlay::Service(dialog)) => self.submit_service(dialog),
            other => self.overlay = other,
        }
    }

    /// `z`: asks whether to undo the last decision this session took, naming what the undo
    /// will do; says in one line why not when there is nothing to undo, when that decision
    /// cannot be undone, or while a validation of its tool is under way.
    fn ask_undo(&mut self) {
        let Some(last) = &self.last_decision else {
            let line = "nothing to undo: no decision was taken in this session".to_string();
            return self.notify(line, Level::Error);
        };
        let what = last.record.undo_label();
        let tool = last.record.tool.clone();
        // What cannot be undone at all is said first; what can waits for the validation.
        let asked = UndoState::of(last).and_then(|state| {
            if self.validating.contains(&tool) {
                Err(format!(
                    "a validation of {tool} is under way; undo once it has ended"
                ))
            } else {
                Ok(state)
            }
        });
        match asked {
            Ok(state) => self.overlay = Some(Overlay::Undo(Box::new(state))),
            Err(why) => self.notify(format!("cannot undo {what}: {why}"), Level::Error),
        }
    }

    /// The undo question's keys: y (or enter) undoes, n (or esc) keeps the decision.
    fn undo_key(&mut self, key: KeyEvent) {
        let close = self.keymap.lookup(&[KeyContext::Dialog], &key) == Some(Action::Close);
        match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                if let Some(Overlay::Undo(state)) = self.overlay.take() {
                    self.notify(format!("{}…", state.question.to_lowercase()), Level::Info);
                    self.apply(Command::Decide {
                        tool: ToolId::named(state.tool),
                        decision: ReviewCommand::Undo { of: state.of },
                    });
                }
            }
            KeyCode::Char('n' | 'N') => self.overlay = None,
            _ if close => self.overlay = None,
            _ => {}
        }
    }

    /// Opens the question of a workspace never opened here; false when nothing waits for it.
    fn ask_to_accept(&mut self) -> bool {
        match AcceptState::of(self.catalog.entries()) {
            Some(state) => {
                self.overlay = Some(Overlay::Accept(Box::new(state)));
                true
            }
            None => false,
        }
    }

    fn open_evolve(&mut self) {
        if !matches!(self.focus, Pane::Catalog | Pane::Review) {
            return;
        }
        if let Some(entry) = self.selected_entry().cloned() {
            self.evolve(entry);
        }
    }

    /// Evolves the selected tool in the person's own editor: the files open there as soon as
    /// they are read.
    fn open_evolve_in_editor(&mut self) {
        self.open_evolve();
        if let Some(Overlay::Evolve(evolve)) = &mut self.overlay {
            evolve.editor_on_load = true;
        }
    }

    /// Hands the evolve dialog's files to the person's editor, or says why it cannot.
    fn edit_externally(&mut self) {
        let Some(Overlay::Evolve(evolve)) = &self.overlay else {
            return;
        };
        let Some(files) = evolve.texts() else {
            self.notify("the tool's files are still being read".into(), Level::Info);
            return;
        };
        if external_editor::editor().is_none() {
            self.notify(
                "set $VISUAL or $EDITOR to edit in your own editor; the built-in one is here"
                    .into(),
                Level::Error,
            );
            return;
        }
        self.effects.push(Effect::EditExternally(files));
    }

    fn evolve(&mut self, entry: ToolEntry) {
        if let Some(error) = &entry.error {
            self.notify(
                format!("{} cannot be evolved: {error}", entry.name),
                Level::Error,
            );
            return;
        }
        self.effects
            .push(Effect::LoadEvolve(Box::new(entry.clone())));
        self.overlay = Some(Overlay::Evolve(Box::new(EvolveState::new(entry))));
    }

    /// Runs this workbench started that are still going (not other processes' runs, which
    /// go on without it, nor followed service instances).
    pub(crate) fn runs_in_flight(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.is_running() && r.inherited_from.is_none() && r.instance.is_none())
            .count()
    }

    /// Runs this workbench started that the store has not taken yet: still going, or ended
    /// and on their way to the store (their record has no id until it is stored). A run the
    /// store refused stays counted; the caller's grace period bounds the wait for it.
    pub(crate) fn runs_unrecorded(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.inherited_from.is_none() && r.instance.is_none())
            .filter(|r| match &r.state {
                RunState::Running => true,
                RunState::Finished(record) => record.id == 0,
                _ => false,
            })
            .count()
    }

    /// Says what `action` will do and waits for it to be pressed again.
    pub(super) fn ask_again(&mut self, action: Action, question: String) {
        let key = self.keymap.hint(action);
        self.notify(
            question.replace("press again", &format!("{key} again")),
            Level::Error,
        );
        self.armed = Some(action);
    }

    fn open_decision(&mut self, kind: DecisionKind) {
        if !matches!(self.focus, Pane::Catalog | Pane::Review) || self.decide_on_marked(kind) {
            return;
        }
        if let Some(entry) = self.selected_entry().cloned() {
            self.open_decision_on(kind, entry);
        }
    }

    /// The decision's dialog for `entry`, or at once why it cannot be taken: a broken tool is
    /// never approved, nor a tool decided from a tier its decision does not take, and saying
    /// so after a reason was typed wastes the typing.
    fn open_decision_on(&mut self, kind: DecisionKind, entry: ToolEntry) {
        if kind == DecisionKind::Approve
            && let Some(error) = &entry.error
        {
            let why = crate::text::visible(error);
            self.notify(
                format!("{} cannot be approved: {why}", entry.name),
                Level::Error,
            );
            return;
        }
        if let Some(refusal) = reads::refusal_as_listed(kind, &entry) {
            return self.notify(refusal, Level::Error);
        }
        // Approving a candidate archives the approved tool of its name: the dialog names it.
        let superseded = (kind == DecisionKind::Approve && entry.tier == Tier::Experimental)
            .then(|| {
                self.catalog
                    .entries()
                    .iter()
                    .find(|e| e.tier == Tier::Approved && e.name == entry.name)
            })
            .flatten()
            .map(|e| e.id().to_string());
        // Only an approval asks to accept what its checks found.
        let caution = if kind == DecisionKind::Approve {
            self.caution_of(&entry)
        } else {
            Vec::new()
        };
        // Where a restore or a rollback goes is in the store: the dialog names it once read.
        if kind.destination_is_stored() {
            self.effects.push(Effect::LoadDestination {
                command: kind.with_text(""),
                entry: Box::new(entry.clone()),
            });
        }
        self.overlay = Some(Overlay::Decision(Box::new(
            DecisionState::new(kind, Subject::Tool(entry))
                .superseding(superseded)
                .cautioned(caution),
        )));
    }

    /// What approving `entry` asks the person to accept, one line each, the escalation first:
    /// as the library will refuse without it (`review::Caution`). An active tool approved
    /// where it is is compared with its seal's snapshot, which the library reads: its change
    /// always asks for the typed word.
    pub(super) fn caution_of(&self, entry: &ToolEntry) -> Vec<String> {
        let report = self
            .validations
            .get(&entry.path)
            .filter(|r| r.content_hash == entry.content_hash);
        let checks = report
            .map(|r| {
                r.checks
                    .iter()
                    .map(|c| (c.check, c.status))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let active = (!entry.tier.is_active())
            .then(|| reads::active_version(entry, &self.catalog))
            .flatten();
        let caution = reads::caution(checks, entry, active);
        let mut lines = Vec::new();
        if let Some((active, new)) = &caution.escalations {
            lines.push(format!(
                "✗ asks for what the active {active} was not granted: {}",
                new.join("; ")
            ));
        }
        if !caution.failing.is_empty() {
            lines.push(format!(
                "✗ verdict fail: {} failed",
                caution.failing.join(", ")
            ));
        }
        if entry.drift.is_some() {
            lines.push(
                "✗ its content is not what was approved: the change becomes what runs".into(),
            );
        }
        lines
    }

    /// A decision key pressed in the tool detail or the review overlay: it acts on the tool
    /// and content the overlay shows, as the same key on its row would. `false` for a key
    /// that is not a decision.
    fn decide_on_shown(&mut self, action: Action, entry: ToolEntry) -> bool {
        match (action.decision(), action) {
            (Some(kind), _) => self.open_decision_on(kind, entry),
            (None, Action::Evolve) => self.evolve(entry),
            (None, Action::Validate) => self.validate(entry),
            (None, _) => return false,
        }
        true
    }

    fn validate(&mut self, entry: ToolEntry) {
        self.notify(format!("validating {}…", entry.id()), Level::Info);
        self.queue_validation(ValidationTarget::of(&entry), true);
    }

    /// `consent`: what the person typed a confirmation for in the launch dialog; the library's
    /// gate (`command::apply`) decides again, and refuses what still needs it.
    fn start_run(&mut self, entry: ToolEntry, input: Option<String>, consent: Consent) {
        self.last_run = Some(LastRun::of(&entry, input.clone()));
        self.log
            .push(Level::Info, format!("started {}", entry.id()));
        let key = self.next_run_key;
        self.next_run_key += 1;
        self.runs.push(RunView::new(key, &entry));
        // The Output pane shows the new run; the focus stays where the person is, so the
        // next `/` filters the catalog again rather than searching the output.
        self.show_run(self.runs.len() - 1);
        self.effects.push(Effect::StartRun {
            key,
            entry: Box::new(entry),
            input,
            consent,
        });
    }

    /// Enter on a tool: the launch dialog, or a clear refusal.
    fn open_launch(&mut self) {
        if let Some(entry) = self.selected_entry().cloned() {
            self.launch(entry, Launching::Asked);
        }
    }

    /// Runs `entry` as `how` asks: at once when nothing needs asking, else through the launch
    /// dialog (its past inputs read in the background); or a clear refusal.
    pub(super) fn launch(&mut self, entry: ToolEntry, how: Launching) {
        let Some(manifest) = entry.manifest.clone().filter(|_| entry.error.is_none()) else {
            if entry.error.is_none() && !matches!(self.scan, ScanState::Done { .. }) {
                // A row of the cached index: the first scan brings its manifest in a moment.
                self.waiting_launch = Some(match how {
                    Launching::Asked => WaitingLaunch::Tool {
                        path: entry.path.clone(),
                        name: entry.name.clone(),
                    },
                    Launching::Again { .. } => WaitingLaunch::Again,
                });
                self.notify(
                    format!("reading {}'s manifest: it runs once read…", entry.name),
                    Level::Info,
                );
                return;
            }
            let reason = entry
                .error
                .clone()
                .unwrap_or_else(|| "the manifest is still being read".to_string());
            self.notify(format!("{} cannot run: {reason}", entry.name), Level::Error);
            return;
        };
        let confirmation = match admission(&entry, &self.run_policy, Asker::Person) {
            Admission::Closed(why) => {
                self.notify(format!("{} never runs: {why}", entry.name), Level::Error);
                return;
            }
            Admission::Confirm(why) => Some(why),
            Admission::Open => None,
        };
        if manifest.service.is_some() {
            match confirmation {
                Some(why) => {
                    let hint = format!("toolbench tools launch {} --yes", entry.name);
                    self.notify(format!("{why}: launch it with {hint}"), Level::Error);
                }
                None => self.open_service(entry),
            }
            return;
        }
        let asks = confirmation.is_some()
            || (!entry.tier.is_active() && manifest.permissions.declares_any());
        let input = match how {
            // The same run again, when it asks nothing a person answers per run.
            Launching::Again { input, at_once } if at_once && !asks => {
                self.notify(format!("running {} again", entry.id()), Level::Info);
                self.start_run(entry, input, Consent::default());
                return;
            }
            Launching::Again { input, .. } => input,
            // Nothing to fill in, nothing to confirm and nothing it reaches beyond its
            // scratch: the dialog would only ask for one more Enter, so the run starts and its
            // output shows at once. A tool that touches a project, paths or hosts always says
            // so first.
            Launching::Asked
                if manifest.run.input == InputMode::None
                    && confirmation.is_none()
                    && !manifest.permissions.declares_any() =>
            {
                self.start_run(entry, None, Consent::default());
                return;
            }
            Launching::Asked => None,
        };
        if manifest.run.input != InputMode::None {
            self.effects.push(Effect::LoadInputHistory {
                path: entry.path.clone(),
                tool: entry.name.clone(),
            });
        }
        let state = LaunchState::new(entry, manifest, confirmation);
        let state = match input {
            Some(input) => state.with_input(&input),
            None => state,
        };
        self.overlay = Some(Overlay::Launch(Box::new(state)));
    }

    /// Alerts plus queued tools: the rows of the Review pane.
    pub(crate) fn review_rows(&self) -> usize {
        self.pending_calls.len()
            + self.alerts.len()
            + self.requests.len()
            + self.review.len()
            + self.rules.len()
    }

    pub(crate) fn selected_run(&self) -> Option<&RunView> {
        self.runs.get(self.output_run)
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
            KeyCode::Enter => {
                self.filter.editing = false;
                // One match: act on it at once, as fzf and television do.
                if self.view.len() == 1 {
                    self.open_launch();
                }
            }
            KeyCode::Esc => {
                self.filter.editing = false;
                // The tool found stays selected among all of them.
                let selected = self.selected_entry().map(|e| e.path.clone());
                self.set_query(String::new());
                self.select_again(selected);
            }
            _ => return false,
        }
        true
    }

    /// Quits, whatever is open: a view the quit key would close otherwise stays as it is.
    fn quit(&mut self) {
        self.dirty = true;
        let confirmed = self.armed.take() == Some(Action::Quit);
        self.quit_once_confirmed(confirmed);
    }

    /// Quits at once with no run going; with runs going, on the second press (`confirmed`).
    fn quit_once_confirmed(&mut self, confirmed: bool) {
        let in_flight = self.runs_in_flight();
        if in_flight == 0 || confirmed {
            self.should_quit = true;
        } else {
            self.ask_again(
                Action::Quit,
                format!("press again to cancel {in_flight} run(s) and quit"),
            );
        }
    }

    fn set_query(&mut self, query: String) {
        self.filter.query = query;
        self.catalog_cursor.first();
        self.refresh_views();
    }

    pub fn perform(&mut self, action: Action) {
        self.dirty = true;
        let confirmed = self.armed.take() == Some(action);
        // Taken before the overlays: they act on what any of them selects or offers.
        match action {
            Action::Copy => return self.copy_selected(),
            Action::Palette => return self.open_palette(),
            Action::Again if self.overlay.is_none() => return self.run_again(),
            _ => {}
        }
        if self.overlay_action(action) || self.call_action(action) || self.request_action(action) {
            return;
        }
        match action {
            Action::Quit => self.quit_once_confirmed(confirmed),
            Action::Help => {
                self.overlay = Some(Overlay::Help {
                    scroll: 0,
                    query: String::new(),
                })
            }
            Action::Pair => {
                self.apply(Command::PairingCode {
                    name: None,
                    listen: None,
                    host: None,
                });
                self.overlay = Some(Overlay::Pair(Box::new(PairState::Making)));
            }
            Action::Log => {
                let top = log_lines::last_top(&self.log, &self.theme, self.size);
                self.overlay = Some(Overlay::Log { top });
            }
            Action::Zoom => self.zoomed = !self.zoomed,
            Action::Undo => self.ask_undo(),
            Action::NextPane => self.focus = self.focus.next(),
            Action::PrevPane => self.focus = self.focus.prev(),
            Action::FocusCatalog => self.focus = Pane::Catalog,
            Action::FocusOutput => self.focus = Pane::Output,
            Action::FocusFailures => self.focus = Pane::Failures,
            Action::FocusReview => self.focus = Pane::Review,
            Action::Rescan => {
                self.effects.push(Effect::LoadHistory);
                self.scan_workspace();
                self.scan = ScanState::Starting;
            }
            Action::Suggestions => {
                self.apply(Command::RefreshSuggestions);
                self.overlay = Some(Overlay::Suggestions(Box::new(SuggestionsState::loading())));
            }
            Action::CommandLine => self.command = Some(String::new()),
            Action::AcceptWorkspace => {
                if !self.ask_to_accept() {
                    self.notify(
                        "nothing to accept: this workspace was opened here already".into(),
                        Level::Info,
                    );
                }
            }
            Action::PauseValidation => {
                self.validation_paused = !self.validation_paused;
                self.effects
                    .push(Effect::PauseValidation(self.validation_paused));
                let key = self.keymap.hint(Action::PauseValidation);
                let said = if self.validation_paused {
                    format!("background validation paused; {key} goes on where it stopped")
                } else {
                    "background validation goes on where it stopped".to_string()
                };
                self.notify(said, Level::Info);
                self.refresh_validations_view();
            }
            Action::Stats => {
                self.effects.push(Effect::LoadStats);
                self.overlay = Some(Overlay::Stats(Box::new(StatsState::loading())));
            }
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(self.page(self.focus) as isize),
            Action::PageUp => self.move_selection(-(self.page(self.focus) as isize)),
            Action::First => self.move_selection(isize::MIN / 2),
            Action::Last => self.move_selection(isize::MAX / 2),
            Action::Open => self.open_selected(),
            Action::Close => {
                // Marks first: the Review pane's esc; a kept search, the Output's; the
                // filter, the Catalog's.
                if self.clear_marks() {
                } else if self.focus == Pane::Output && self.output_view.query().is_some() {
                    self.output_view.search = Default::default();
                } else if !self.filter.query.is_empty() {
                    self.set_query(String::new());
                }
            }
            Action::RunInfo => self.output_header_open = !self.output_header_open,
            Action::Pager => self.page_run_log(),
            Action::Wrap => self.toggle_output_wrap(),
            Action::ScrollRight => {
                let widest = self.selected_run().map_or(0, |run| {
                    run.lines()
                        .iter()
                        .map(|(_, text)| Line::from(text.as_str()).width())
                        .max()
                        .unwrap_or(0)
                });
                let (_, width) = output_lines::text_area(self);
                self.output_view.scroll_right(widest, width);
            }
            Action::ScrollLeft => self.output_view.scroll_left(),
            Action::ScrollHome => self.output_view.offset = 0,
            Action::Search => {
                self.focus = Pane::Output;
                self.output_view.start_search();
            }
            Action::NextMatch => self.output_seek(true),
            Action::PrevMatch => self.output_seek(false),
            Action::Filter => {
                self.focus = Pane::Catalog;
                self.filter.editing = true;
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.refresh_views();
                self.notify(format!("sorted by {}", self.sort.label()), Level::Info);
            }
            Action::Launch => self.open_launch(),
            Action::Details => self.open_details(),
            Action::FailureDetail => self.open_failure(),
            Action::Cancel => {
                let running = self
                    .selected_run()
                    // A followed instance is stopped with its own key, not cancelled.
                    .filter(|r| r.is_running() && r.instance.is_none())
                    .map(|r| (r.key, r.tool.clone(), r.inherited_from.clone()));
                match running {
                    // Short enough for 80 columns; the header says who started it.
                    Some((_, _, Some(starter))) => self.notify(
                        format!("read-only: pid {}'s run", starter.pid),
                        Level::Error,
                    ),
                    Some((key, tool, None)) => {
                        self.effects.push(Effect::CancelRun(key));
                        self.notify(format!("cancelling {tool}"), Level::Info);
                    }
                    None => {}
                }
            }
            Action::MarkFailure => self.open_mark_failure(),
            Action::StopInstance => self.stop_instance(confirmed),
            Action::SendMessage => self.open_send(),
            Action::NextRun | Action::PrevRun => {
                if !self.runs.is_empty() {
                    let step = if action == Action::NextRun {
                        1
                    } else {
                        self.runs.len() - 1
                    };
                    self.show_run((self.output_run + step) % self.runs.len());
                }
            }
            Action::ToggleMark => self.toggle_mark(),
            Action::Approve
            | Action::Reject
            | Action::RequestChanges
            | Action::Promote
            | Action::Resubmit
            | Action::Archive
            | Action::Restore
            | Action::Rollback => {
                if let Some(kind) = action.decision() {
                    self.open_decision(kind);
                }
            }
            // Only calls can be approved for good; `call_action` took it if one is selected.
            Action::ApproveAlways => {}
            // Taken before the overlays, above.
            Action::Copy | Action::Again | Action::Palette => {}
            Action::Evolve => self.open_evolve(),
            Action::Editor => self.open_evolve_in_editor(),
            Action::Validate => {
                if let Some(entry) = self.selected_entry().cloned() {
                    self.validate(entry);
                }
            }
            // Only the review overlay's Checks tab has failures to make cases of.
            Action::AddCase
            | Action::NextSection
            | Action::PrevSection
            | Action::SideBySide
            | Action::Submit
            | Action::NextField
            | Action::PrevField
            | Action::Grant
            | Action::NextFile
            | Action::PrevFile
            | Action::OlderInput
            | Action::NewerInput => {}
        }
    }

    /// The behaviour validation found (the parent's inputs answered differently) after the
    /// code diff of the open review overlay.
    fn show_behaviour(&mut self) {
        let Some(Overlay::Detail(detail)) = &mut self.overlay else {
            return;
        };
        let Some(content) = &mut detail.content else {
            return;
        };
        let lines = self
            .validations
            .get(&detail.entry.path)
            .and_then(|report| report.differential.as_ref())
            .map(|report| crate::tui::inputs_report::behaviour_lines(&self.theme, report))
            .unwrap_or_default();
        content.set_behaviour(lines);
    }

    /// `t` on a failure of the generated inputs in the Checks tab: the input becomes a test
    /// case of the candidate shown.
    fn add_case_from_checks(&mut self) {
        let Some(Overlay::Detail(detail)) = &self.overlay else {
            return;
        };
        let report = self.validations.get(&detail.entry.path);
        let failure = (detail.section == DetailSection::Validation)
            .then_some(report)
            .flatten()
            .and_then(|r| {
                let generated = r.generated.as_ref()?;
                generated
                    .failures
                    .get(detail.finding.checked_sub(r.findings.len())?)
            });
        let Some(failure) = failure else {
            self.notify(
                "select a failure of the generated inputs in the Checks tab first".into(),
                Level::Error,
            );
            return;
        };
        let effect = Effect::Apply(Box::new(Command::AddCase {
            tool: ToolId::content_of(&detail.entry),
            input: failure.input.clone(),
            why: format!("{}: {}", failure.kind, failure.message),
        }));
        self.notify(
            format!("adding a test case to {}…", detail.entry.id()),
            Level::Info,
        );
        self.effects.push(effect);
    }

    /// Actions an open overlay handles itself; returns true when consumed.
    fn overlay_action(&mut self, action: Action) -> bool {
        if action == Action::AddCase && matches!(self.overlay, Some(Overlay::Detail(_))) {
            self.add_case_from_checks();
            return true;
        }
        let validations = &self.validations;
        let palette_page = super::overlays::palette::page(self.size);
        let scroll = match self.overlay.as_mut() {
            None
            | Some(
                Overlay::Accept(_)
                | Overlay::Launch(_)
                | Overlay::MarkFailure(_)
                | Overlay::Decision(_)
                | Overlay::Undo(_)
                | Overlay::Evolve(_)
                | Overlay::CallAnswer(_)
                | Overlay::Service(_),
            ) => {
                return false;
            }
            Some(Overlay::Help { scroll, .. } | Overlay::FailureDetail { scroll, .. }) => scroll,
            Some(Overlay::Log { .. }) => return self.log_action(action),
            Some(Overlay::Pair(_)) => return self.pair_action(action),
            // Its typing is its own (`palette_key`); the wheel and the page keys move its
            // choice, quitting quits.
            Some(Overlay::Palette(state)) => {
                if action == Action::Quit {
                    return false;
                }
                state.navigate(action, palette_page);
                return true;
            }
            Some(Overlay::Suggestions(state)) => {
                if action == Action::Help {
                    return false;
                }
                match state.on_action(action, suggestions::page(self.size)) {
                    Asked::Close => self.overlay = None,
                    Asked::Accept(id) => self.apply(Command::AcceptSuggestion { id }),
                    Asked::Nothing => {}
                }
                return true;
            }
            Some(Overlay::Resource(state)) => {
                if matches!(
                    action,
                    Action::Help | Action::CommandLine | Action::PauseValidation
                ) {
                    return false;
                }
                if action == Action::Pager {
                    self.page_resource_run();
                    return true;
                }
                match state.on_action(action, resources::page(self.size)) {
                    resources::Asked::Close => self.overlay = None,
                    resources::Asked::Open(index) => self.open_resource_row(index),
                    resources::Asked::Nothing => {}
                }
                return true;
            }
            Some(Overlay::Stats(stats)) => {
                match action {
                    Action::Close | Action::Stats | Action::Quit => self.overlay = None,
                    Action::Help => return false,
                    _ => stats.on_action(action, ranking_rows(self.size)),
                }
                return true;
            }
            Some(Overlay::Detail(detail)) => {
                let validation = validations.get(&detail.entry.path);
                let search_key = self.keymap.hint(Action::Search);
                let page = detail_text_page(self.size);
                let outcome = detail.on_action(action, validation, page, &search_key);
                self.diff_side_by_side = detail.side_by_side;
                return match outcome {
                    DetailOutcome::Consumed => true,
                    DetailOutcome::Say(message) => {
                        self.notify(message, Level::Info);
                        true
                    }
                    DetailOutcome::Close => {
                        self.close_overlay();
                        true
                    }
                    DetailOutcome::Ignored => {
                        let entry = detail.entry.clone();
                        self.decide_on_shown(action, entry)
                    }
                };
            }
        };
        match action {
            Action::Down => *scroll += 1,
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::PageDown => *scroll += 10,
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::First => *scroll = 0,
            Action::Last => *scroll = usize::MAX / 2,
            Action::Close | Action::Open => self.close_overlay(),
            Action::Help if matches!(self.overlay, Some(Overlay::Help { .. })) => {
                self.overlay = None
            }
            Action::Quit | Action::Help => return false,
            _ => {}
        }
        true
    }

    /// Keys in the pairing overlay: copying the link, closing; the rest wait until it closes.
    fn pair_action(&mut self, action: Action) -> bool {
        match action {
            Action::Close | Action::Pair => self.overlay = None,
            Action::Quit | Action::Help | Action::Copy => return false,
            _ => {}
        }
        true
    }

    /// Keys in the `@` log: scrolling within its rows, closing.
    fn log_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Log { top }) = self.overlay else {
            return false;
        };
        let last = log_lines::last_top(&self.log, &self.theme, self.size);
        let top = match action {
            Action::Down => top + 1,
            Action::Up => top.saturating_sub(1),
            Action::PageDown => top + 10,
            Action::PageUp => top.saturating_sub(10),
            Action::First => 0,
            Action::Last => last,
            Action::Close | Action::Log => {
                self.overlay = None;
                return true;
            }
            Action::Quit | Action::Help => return false,
            _ => top,
        };
        self.overlay = Some(Overlay::Log { top: top.min(last) });
        true
    }

    /// Closes the overlay; a detail opened from a resource view gives that view back as it
    /// was left, its rows, filter and selection included.
    fn close_overlay(&mut self) {
        self.overlay = match self.overlay.take() {
            Some(Overlay::Detail(detail)) => detail.back.map(Overlay::Resource),
            Some(Overlay::FailureDetail { back, .. }) => back.map(Overlay::Resource),
            _ => None,
        };
    }

    fn move_selection(&mut self, delta: isize) {
        let height = self.pane_height(self.focus);
        match self.focus {
            Pane::Catalog => self.catalog_cursor.move_by(delta, self.view.len(), height),
            Pane::Review => self
                .review_cursor
                .move_by(delta, self.review_rows(), height),
            Pane::Failures => self
                .failures_cursor
                .move_by(delta, self.failures.len(), height),
            // Down moves towards the end of the output, i.e. scrolls less far back, by rows:
            // a wrapped line taller than the pane is read row by row.
            Pane::Output => {
                let (height, width) = output_lines::text_area(self);
                let most = self
                    .selected_run()
                    .map_or(0, |run| output_lines::most_back(self, run, width, height))
                    as isize;
                self.output_scroll = (self.output_scroll as isize - delta).clamp(0, most) as usize;
            }
        }
    }

    /// The rows a page key moves in `pane`: the Output's text, without its header and search
    /// line, else the pane's rows.
    fn page(&self, pane: Pane) -> usize {
        match pane {
            Pane::Output => output_lines::text_area(self).0.max(1),
            _ => self.pane_height(pane),
        }
    }

    /// `w` in the Output: wrapped or not, the line at the bottom stays there (and the end
    /// is still followed when it was).
    fn toggle_output_wrap(&mut self) {
        let (height, width) = output_lines::text_area(self);
        let end = self
            .selected_run()
            .map(|run| output_lines::window(self, run, width, height).end);
        self.output_view.toggle_wrap();
        let (_, width) = output_lines::text_area(self);
        if let (Some(end), Some(run)) = (end, self.selected_run()) {
            let lines = run.lines();
            self.output_scroll = (end..lines.len())
                .map(|i| output_lines::rows_of(self, &lines[i].1, width))
                .sum();
        }
    }

    /// Keys while a search query is typed (Output, or the detail overlay's text); returns
    /// false when no search is being typed or the key is not one it takes.
    fn search_key(&mut self, key: &KeyEvent) -> bool {
        let typed = match self.overlay.as_mut() {
            Some(Overlay::Detail(detail)) => {
                let page = detail_text_page(self.size);
                match detail.type_search(key, page) {
                    Some(Some(message)) => {
                        self.notify(message, Level::Info);
                        return true;
                    }
                    Some(None) => return true,
                    None => return false,
                }
            }
            None if self.focus == Pane::Output && self.output_view.search.editing => {
                self.output_view.type_key(key)
            }
            _ => return false,
        };
        match typed {
            Some(Typed::Kept) => self.output_seek_from_top(),
            Some(Typed::Edited | Typed::Cancelled) => {}
            None => return false,
        }
        true
    }

    /// Enter on a search: the first match at or after the top line in view.
    fn output_seek_from_top(&mut self) {
        let Some(query) = self.output_view.query().map(str::to_string) else {
            return;
        };
        let (height, width) = output_lines::text_area(self);
        let Some(run) = self.selected_run() else {
            return;
        };
        let top = output_lines::window(self, run, width, height).start;
        let lines = run.lines();
        let found = text_view::seek(lines.len(), top, true, true, |i| {
            !text_view::find(&lines[i].1, &query).is_empty()
        });
        self.output_show_match(found.map(|line| (line, 0)));
    }

    /// `n` / `N`: the next or previous match from the one jumped to last, on its line first.
    fn output_seek(&mut self, forward: bool) {
        let Some(query) = self.output_view.query().map(str::to_string) else {
            self.notify(
                format!("no search: {} to search", self.keymap.hint(Action::Search)),
                Level::Info,
            );
            return;
        };
        let Some(current) = self.output_view.search.current else {
            return self.output_seek_from_top();
        };
        let Some(run) = self.selected_run() else {
            return;
        };
        let lines = run.lines();
        let found = text_view::step(lines.len(), current, forward, |i| {
            text_view::find(&lines[i].1, &query).len()
        });
        self.output_show_match(found);
    }

    /// Scrolls the Output so the match (line, place among the line's matches) shows, down
    /// and sideways, and makes it the current one; or says there is none.
    fn output_show_match(&mut self, found: Option<(usize, usize)>) {
        let query = self.output_view.search.query.clone();
        let (height, width) = output_lines::text_area(self);
        let Some(run) = self.selected_run() else {
            return;
        };
        let lines = run.lines();
        let Some((line, index)) = found.filter(|(line, _)| *line < lines.len()) else {
            self.notify(format!("no match for \"{query}\""), Level::Info);
            return;
        };
        let text = &lines[line].1;
        let columns = text_view::find(text, &query)
            .get(index)
            .map(|bytes| text_view::columns(text, bytes.clone()));
        // The rows from the match's to the end, its own included: wrapped, the row of the
        // line it is on.
        let row = match &columns {
            Some(columns) if self.output_view.wrap => {
                text_view::row_of_column(&Line::from(text.as_str()), width, columns.start)
            }
            _ => 0,
        };
        let rows_of = |i: usize| output_lines::rows_of(self, &lines[i].1, width);
        let from_end = (line..lines.len()).map(rows_of).sum::<usize>() - row;
        let back = self.output_scroll;
        if from_end <= back || from_end > back + height {
            // One row of context above the match.
            let most = output_lines::most_back(self, run, width, height);
            self.output_scroll = (from_end + 1).saturating_sub(height).min(most);
        }
        self.output_view.search.current = Some((line, index));
        if let Some(columns) = columns {
            self.output_view.reveal(columns, width);
        }
    }

    /// Shows run `index` in the Output pane from its end. The sideways offset and the current
    /// match belong to the run shown before: another run starts at its left edge, with no
    /// match current (wrap and the query are kept).
    pub(super) fn show_run(&mut self, index: usize) {
        let key = |app: &Self, i: usize| app.runs.get(i).map(|r| r.key);
        if key(self, index) != key(self, self.output_run) {
            self.output_view.offset = 0;
            self.output_view.search.current = None;
        }
        self.output_run = index;
        self.output_scroll = 0;
    }

    fn open_mark_failure(&mut self) {
        let Some(run) = self.selected_run() else {
            self.notify(
                "no run selected: run a tool first".to_string(),
                Level::Error,
            );
            return;
        };
        let (run_id, error) = match &run.state {
            RunState::Finished(record) => (
                (record.id != 0).then_some(record.id),
                record.error.clone().unwrap_or_default(),
            ),
            RunState::Running => (None, String::new()),
            RunState::Refused(reason) => (None, reason.clone()),
        };
        let mut known_tags: Vec<String> =
            self.failures.iter().filter_map(|f| f.tag.clone()).collect();
        known_tags.sort();
        known_tags.dedup();
        let state = MarkFailureState::new(
            run.tool.clone(),
            run.version.clone(),
            run_id,
            &error,
            known_tags,
        );
        self.overlay = Some(Overlay::MarkFailure(Box::new(state)));
    }

    fn open_selected(&mut self) {
        if self.focus == Pane::Failures {
            self.open_failure();
            return;
        }
        self.open_details();
    }

    fn open_failure(&mut self) {
        if let Some(failure) = self.failures.get(self.failures_cursor.selected) {
            self.overlay = Some(Overlay::FailureDetail {
                failure: Box::new(failure.clone()),
                scroll: 0,
                back: None,
            });
        }
    }

    fn open_details(&mut self) {
        if !matches!(self.focus, Pane::Catalog | Pane::Review) {
            return;
        }
        let Some(entry) = self.selected_entry().cloned() else {
            return;
        };
        // In the Review pane the checklist is what the reviewer wants first.
        let section = if self.focus == Pane::Review {
            DetailSection::Validation
        } else {
            DetailSection::Overview
        };
        self.show_details(entry, section);
    }

    /// The tool detail of `entry`, its content read in the background.
    fn show_details(&mut self, entry: ToolEntry, section: DetailSection) {
        let parent = self.parent_of(&entry).map(|p| Box::new(p.clone()));
        self.effects.push(Effect::LoadDetail {
            entry: Box::new(entry.clone()),
            parent,
        });
        let escalations = reads::escalations(&entry, &self.catalog);
        self.overlay = Some(Overlay::Detail(Box::new(DetailState {
            escalations,
            side_by_side: self.diff_side_by_side,
            ..DetailState::new(entry, section)
        })));
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.overlay.is_some() {
            return self.on_overlay_mouse(mouse);
        }
        let Some(pane) = self.areas().pane_at(mouse.column, mouse.row) else {
            return;
        };
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                // A click on the preview beside the queue selects no row.
                let review = self.areas().review;
                let queue = crate::tui::panes::review::queue_width(review.width.saturating_sub(2));
                let on_preview =
                    pane == Pane::Review && self.shows_preview() && mouse.column > review.x + queue;
                if on_preview {
                    self.dirty = true;
                    return;
                }
                let row = self.click_row(pane, mouse.row);
                // The second click on the same row within the interval opens it.
                let click = (Instant::now(), pane, row);
                let again = self.last_click.is_some_and(|(at, p, r)| {
                    at.elapsed() <= DOUBLE_CLICK && (p, r) == (pane, row) && row.is_some()
                });
                if again {
                    self.last_click = None;
                    self.perform(Action::Open);
                } else {
                    self.last_click = Some(click);
                }
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

    /// Selects the row of `pane`'s list at screen row `row`: its index, if a row is there.
    fn click_row(&mut self, pane: Pane, row: u16) -> Option<usize> {
        let area = self.areas().of(pane);
        let line = usize::from(row.checked_sub(area.y + 1)?);
        let height = self.pane_height(pane);
        let review_rows = self.review_rows();
        let (cursor, len) = match pane {
            Pane::Catalog => (&mut self.catalog_cursor, self.view.len()),
            Pane::Review => (&mut self.review_cursor, review_rows),
            Pane::Failures => (&mut self.failures_cursor, self.failures.len()),
            Pane::Output => return None,
        };
        let index = cursor.window(len, height).start + line;
        if line >= height || index >= len {
            return None;
        }
        cursor.select(index, len, height);
        Some(index)
    }
}

mod again;
mod applied;
mod calls;
mod copy;
pub(crate) mod failure_lines;
mod find_key;
mod marks;
pub(crate) mod output_lines;
mod overlay_mouse;
mod pager;
pub(crate) mod preview;
mod requests;
mod resource_views;
pub(crate) mod review_lines;
mod services;
mod state;
pub(crate) mod status_line;
mod told;
pub(crate) use state::Launching;
pub use state::{App, Effect};
use state::{Counting, LastRun, WaitingLaunch, baselines_moved, waits_for_review};
pub(crate) use state::{Overlay, ReviewRow};

/// The folders a decision moved or wrote (relative to the root): all the catalog needs to
/// read again after it. An answer to a tool request touches no tool.
pub(crate) fn touched_by(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Tool(decision) => decision.affected.clone(),
        Outcome::Request(_) => Vec::new(),
    }
}

/// Where a tool stands in the Review pane: active tools that drifted from what was approved
/// first (they do not run until a person looks), then candidates in arrival order.
fn review_key<'e>(
    entry: &'e ToolEntry,
    arrivals: &'e HashMap<PathBuf, String>,
) -> (bool, (bool, &'e str, &'e std::path::Path)) {
    let path = entry.path.as_path();
    (
        entry.drift.is_none(),
        arrival_key(arrivals.get(path).map(String::as_str), path),
    )
}

/// Visible rows of `pane`'s list in `areas` (the catalog loses one row to the filter line).
fn list_height(areas: &Areas, pane: Pane) -> usize {
    let rows = layout::inner_height(areas.of(pane));
    match pane {
        Pane::Catalog => rows.saturating_sub(1),
        _ => rows,
    }
}

#[cfg(test)]
mod tests;
