//! The app's state: `App` and what it holds (the open overlay, the effects it asks for, the
//! last run). What changes it and what it draws are in `app.rs` and its other children, which
//! all take these types from here; this file takes nothing from them.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui::layout::Rect;

use crate::command::validations::ValidationTarget;
use crate::command::{Command, Consent};
use crate::model::admission::RunPolicy;
use crate::model::calls::{CallRow, RuleRow};
use crate::model::health::HealthAlert;
use crate::model::quality::ToolStats;
use crate::model::requests::RequestRow;
use crate::model::review_command::ReviewCommand;
use crate::model::services::InstanceRow;
use crate::model::{Catalog, SortOrder};
use crate::model::{FailureRecord, Tier, ToolEntry};
use crate::tui::action::Action;
use crate::tui::cursor::ListCursor;
use crate::tui::keymap::Keymap;
use crate::tui::layout::Pane;
use crate::tui::message_log::{Level, MessageLog};
use crate::tui::overlays::accept::AcceptState;
use crate::tui::overlays::call_answer::CallAnswerState;
use crate::tui::overlays::decision::DecisionState;
use crate::tui::overlays::detail::DetailState;
use crate::tui::overlays::evolve::EvolveState;
use crate::tui::overlays::launch::LaunchState;
use crate::tui::overlays::mark_failure::MarkFailureState;
use crate::tui::overlays::resources::{Resource, ResourceState};
use crate::tui::overlays::service::ServiceDialogState;
use crate::tui::overlays::stats::StatsState;
use crate::tui::overlays::suggestions::SuggestionsState;
use crate::tui::panes::catalog::{Filter, ScanState};
use crate::tui::runs::RunView;
use crate::tui::text_view::TextView;
use crate::tui::theme::Theme;

/// I/O the event loop performs on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Scan,
    /// A state change through the workbench's door (`Serving::apply`), off the event loop; what
    /// it did comes back as `AppEvent::Applied`.
    Apply(Box<Command>),
    /// Commands applied one after the other, each named by its label (a marked tool's
    /// `name@version`); what each did comes back together as `AppEvent::AppliedEach`.
    ApplyEach(Vec<(String, Command)>),
    LoadDetail {
        entry: Box<ToolEntry>,
        parent: Option<Box<ToolEntry>>,
    },
    /// The diff of a candidate against its parent, for the preview beside the queue.
    LoadPreview {
        entry: Box<ToolEntry>,
        parent: Box<ToolEntry>,
    },
    /// Read again the tools at these paths (relative to the root): what a decision touched.
    Reload(Vec<String>),
    StartRun {
        key: u64,
        entry: Box<ToolEntry>,
        input: Option<String>,
        /// What the person typed a confirmation for.
        consent: Consent,
    },
    CancelRun(u64),
    LoadHistory,
    /// Read where `command` (a restore or a rollback) would take `entry`, for its dialog.
    LoadDestination {
        command: ReviewCommand,
        entry: Box<ToolEntry>,
    },
    /// Pause the background validation queue (`true`) or let it go on (`false`).
    PauseValidation(bool),
    /// Aggregate the workspace statistics for the stats overlay.
    LoadStats,
    /// Read the rows of a resource view.
    LoadResource(Resource),
    /// Read the text files of a tool for the evolve editor.
    LoadEvolve(Box<ToolEntry>),
    /// The evolve dialog's files (name, text), to edit in the person's own editor while the
    /// workbench steps aside.
    EditExternally(Vec<(String, String)>),
    /// Show the log of the run recorded in `log_dir` (beneath the workspace) in the person's
    /// pager while the workbench steps aside; `name` names the file it reads.
    PageRunLog {
        log_dir: String,
        name: String,
    },
    /// Validate a tool; `force` ignores a cached result for the same content.
    Validate {
        tool: ValidationTarget,
        force: bool,
    },
    /// Follow an instance's log and exchanges in the Output view `key`.
    FollowInstance {
        key: u64,
        instance: String,
    },
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Something new waits for a person, as `line` says: ring the bell (`[ui] bell`), and
    /// tell the desktop where it listens.
    Tell(String),
    /// Read the past inputs of `tool` for the launch dialog of the tool at `path`.
    LoadInputHistory {
        path: PathBuf,
        tool: String,
    },
}

/// Whether suggestions are being counted in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
    Idle,
    Busy,
    /// Busy, and asked again meanwhile.
    Again,
}

pub(crate) enum Overlay {
    Help {
        scroll: usize,
        /// What is typed to narrow the keys listed.
        query: String,
    },
    /// This session's messages (`@`), from the row at `top`.
    Log {
        top: usize,
    },
    /// The question of a workspace never opened here: accept its active tools?
    Accept(Box<AcceptState>),
    Detail(Box<DetailState>),
    Launch(Box<LaunchState>),
    MarkFailure(Box<MarkFailureState>),
    Decision(Box<DecisionState>),
    /// Undo the last decision of this session? (y/n)
    Undo(Box<crate::tui::overlays::undo::UndoState>),
    Evolve(Box<EvolveState>),
    CallAnswer(Box<CallAnswerState>),
    Service(Box<ServiceDialogState>),
    Stats(Box<StatsState>),
    /// A one-time link (and its QR code) that pairs a device with the review page.
    Pair(Box<crate::tui::overlays::pair::PairState>),
    Suggestions(Box<SuggestionsState>),
    Resource(Box<ResourceState>),
    /// The command palette, over the overlay it was opened from.
    Palette(Box<crate::tui::overlays::palette::PaletteState<Overlay>>),
    FailureDetail {
        failure: Box<FailureRecord>,
        scroll: usize,
        /// The resource view it was opened from, shown again when it closes.
        back: Option<Box<ResourceState>>,
    },
}

impl Overlay {
    /// Dialogs take typed text; their keys go to the editor unless bound in `[dialog]`.
    /// Types a paste into the dialog's field that has the keys; false where none takes text.
    pub(super) fn paste(&mut self, text: &str) -> bool {
        use crate::tui::paste::{self, Field};
        match self {
            Overlay::Accept(state) => paste::into_area(&mut state.confirm, text, Field::Line),
            Overlay::Suggestions(state) => state
                .reason
                .as_mut()
                .is_some_and(|reason| paste::into_area(reason, text, Field::Line)),
            Overlay::Launch(launch) => launch.paste(text),
            Overlay::MarkFailure(mark) => mark.paste(text),
            Overlay::Decision(decision) => decision.paste(text),
            Overlay::Evolve(evolve) => evolve.paste(text),
            Overlay::CallAnswer(answer) => answer.paste(text),
            Overlay::Service(dialog) => dialog.paste(text),
            _ => false,
        }
    }

    /// How the dialog's field that has the keys takes text: a multi-line editor (the launch
    /// dialog's input, the evolve editor's file, an agent call's arguments) or one line
    /// (every other field, and a dialog with nothing to type), where Enter is the dialog's.
    pub(super) fn field(&self) -> crate::tui::paste::Field {
        use crate::tui::paste::Field;
        match self {
            Overlay::Launch(launch) => launch.field(),
            Overlay::Evolve(evolve) => evolve.field(),
            Overlay::CallAnswer(answer) => answer.field(),
            _ => Field::Line,
        }
    }

    pub(super) fn is_dialog(&self) -> bool {
        if let Overlay::Suggestions(state) = self {
            return state.reason.is_some();
        }
        matches!(
            self,
            Overlay::Accept(_)
                | Overlay::Launch(_)
                | Overlay::MarkFailure(_)
                | Overlay::Decision(_)
                | Overlay::Evolve(_)
                | Overlay::CallAnswer(_)
                | Overlay::Service(_)
        )
    }
}

pub struct App {
    pub(crate) root_label: String,
    /// The project tools that declare one work on (`--project`, else the workspace's accepted
    /// `[project] path`, else the current directory), by its folder's name and where it came
    /// from; `None` when there is none to show.
    pub(crate) project_label: Option<String>,
    /// This workbench serves the review page (`[web] with_workbench`, started): the pairing
    /// overlay says whether the link needs `toolbench web` running.
    pub(crate) serves_page: bool,
    /// Shared with background work (validation) without copying.
    pub(crate) catalog: Arc<Catalog>,
    /// While the rest of the cached index loads, the whole index's tools in each tier, in
    /// tier order: `catalog` holds only the first rows of the Catalog and Review panes
    /// (`App::with_head`).
    pub(crate) rest: Option<[(crate::model::Tier, usize); 4]>,
    /// Catalog indices in display order (filtered and sorted).
    pub(crate) view: Vec<usize>,
    /// Catalog indices of the review queue.
    pub(crate) review: Vec<usize>,
    pub(crate) sort: SortOrder,
    pub(crate) filter: Filter,
    pub(crate) focus: Pane,
    /// The focused pane has the whole screen.
    pub(crate) zoomed: bool,
    pub(crate) catalog_cursor: ListCursor,
    /// Rows of the Review pane: waiting agent calls, health alerts, tool requests, `review`,
    /// then rules.
    pub(crate) review_cursor: ListCursor,
    /// Agent calls waiting for a human, oldest first.
    pub(crate) pending_calls: Vec<crate::model::calls::CallRow>,
    /// "Approve always" rules in force, newest first.
    pub(crate) rules: Vec<crate::model::calls::RuleRow>,
    /// Tool requests waiting for a human, oldest first.
    pub(crate) requests: Vec<crate::model::requests::RequestRow>,
    pub(crate) alerts: Vec<crate::model::health::HealthAlert>,
    /// Every service instance the store knows, stopped ones included.
    pub(crate) instances: Vec<InstanceRow>,
    pub(crate) failures_cursor: ListCursor,
    /// Lines scrolled up from the bottom of the selected run's output (0 follows the end).
    pub(crate) output_scroll: usize,
    /// Wrap, sideways scroll and search of the Output pane's lines.
    pub(crate) output_view: TextView,
    /// The Output header shows whole, over several rows (`i`).
    pub(crate) output_header_open: bool,
    /// The review overlay's diff side by side where it is wide enough (`s`), kept from one
    /// overlay to the next while the workbench runs.
    pub(crate) diff_side_by_side: bool,
    /// The diffs read for the preview beside the queue.
    pub(crate) previews: crate::tui::preview_cache::PreviewCache,
    pub(crate) runs: Vec<RunView>,
    /// Index into `runs` of the run the Output pane shows.
    pub(crate) output_run: usize,
    pub(super) next_run_key: u64,
    /// The run this workbench started last, for `.` to start again.
    pub(super) last_run: Option<LastRun>,
    /// The last run of an earlier session is being read from the store: `Some(true)` once
    /// `.` asked for it meanwhile, so it runs when it arrives.
    pub(super) last_run_reading: Option<bool>,
    pub(super) waiting_launch: Option<WaitingLaunch>,
    /// Newest first.
    pub(crate) failures: Vec<FailureRecord>,
    pub(crate) stats: HashMap<String, ToolStats>,
    /// New suggestions, for the status bar; counted again in the background as runs end.
    pub(crate) new_suggestions: usize,
    /// Background validation is paused (`P`): what waits stays queued.
    pub(crate) validation_paused: bool,
    pub(super) suggestions_counting: Counting,
    /// The MCP client that proposed each candidate, by folder relative to the root.
    pub(crate) proposers: HashMap<String, String>,
    /// The first history read learned which proposals there were: later ones are told.
    pub(super) proposals_known: bool,
    /// Agents' proposals in the review queue, for the count of what waits.
    pub(super) proposed_waiting: usize,
    /// When the Review pane's title began to flash, for something new that waits.
    pub(super) review_flash: Option<Instant>,
    /// The last decision this session took, which `z` undoes.
    pub(crate) last_decision: Option<crate::tui::overlays::undo::LastDecision>,
    /// Tools (by name) whose validation was asked for and has not answered: an undo of a
    /// decision on one waits for it.
    pub(crate) validating: std::collections::HashSet<String>,
    /// Content hashes changes were asked of: such a candidate waits for its author.
    pub(crate) changes_requested: std::collections::HashSet<String>,
    /// Candidates marked in the Review pane, by path, with the content hash marked.
    pub(crate) marks: std::collections::BTreeMap<PathBuf, String>,
    /// When each candidate arrived (the review queue's order), by tool path.
    pub(crate) arrivals: HashMap<PathBuf, String>,
    /// What decides which runs need a confirmation (`model::admission`).
    pub(crate) run_policy: RunPolicy,
    /// The workspace watcher is running.
    pub(crate) watching: bool,
    /// It looks at the tool folders every few seconds instead of being told at once.
    pub(crate) polling: bool,
    /// Latest validation of each tool path.
    pub(crate) validations: HashMap<PathBuf, crate::model::validation_report::ValidationReport>,
    pub(crate) overlay: Option<Overlay>,
    /// The `:` prompt and what has been typed into it.
    pub(crate) command: Option<String>,
    pub(crate) scan: ScanState,
    /// A scan is under way, and whether another was asked for meanwhile: scans run one after
    /// the other, the later one reading what changed during the earlier.
    pub(super) scanning: (bool, bool),
    /// Rows of the scan under way are shown: they may be its result (`AppEvent::ScanTold`),
    /// so nothing replaces them until it ends.
    pub(super) rows_shown: bool,
    /// The live catalog told a catalog while rows were shown, not taken: one more scan reads
    /// what changed it (the seals, a rescan) once the scan under way ends.
    pub(super) replaced_while_shown: bool,
    /// The result of a scan that told it as its rows, the entries shown: for the live catalog
    /// to take, shared (`App::take_told_result`).
    pub(super) told_result: Option<Arc<Vec<ToolEntry>>>,
    pub(crate) message: Option<(String, Level, Instant)>,
    /// Every message of this session, and the runs started, for `@`.
    pub(crate) log: MessageLog,
    pub(crate) keymap: Keymap,
    pub(crate) theme: Theme,
    pub(crate) size: Rect,
    pub(crate) should_quit: bool,
    /// An action that asked to be pressed again before it acts (quitting with runs in
    /// flight, stopping a service); any other key takes the question back.
    pub(super) armed: Option<Action>,
    /// The last left click: when, on which pane, on which row of its list.
    pub(super) last_click: Option<(Instant, Pane, Option<usize>)>,
    /// The last left click on a row of an overlay's list: when, and the row's index.
    pub(super) last_overlay_click: Option<(Instant, usize)>,
    /// Something changed since the last draw.
    pub(crate) dirty: bool,
    pub(super) effects: Vec<Effect>,
}

/// The run this workbench started last: the tool's folder, the content that ran and its input.
#[derive(Debug, Clone)]
pub(crate) struct LastRun {
    pub(super) name: String,
    pub(super) version: String,
    pub(super) tier: crate::model::Tier,
    /// Where the tool was when this session ran it; `None` for a run of an earlier session,
    /// found again by name, version and tier.
    pub(super) path: Option<PathBuf>,
    /// The content that ran, when this session ran it (the store keeps no hash per run).
    pub(super) content_hash: Option<String>,
    pub(super) input: Option<String>,
}

impl LastRun {
    pub(super) fn of(entry: &ToolEntry, input: Option<String>) -> Self {
        Self {
            name: entry.name.clone(),
            version: entry.version.clone(),
            tier: entry.tier,
            path: Some(entry.path.clone()),
            content_hash: Some(entry.content_hash.clone()),
            input,
        }
    }

    /// The newest run the workbench started in an earlier session, as the store keeps it.
    pub(super) fn recorded(run: &crate::model::RunRecord) -> Self {
        Self {
            name: run.tool.clone(),
            version: run.version.clone(),
            tier: run.tier,
            path: None,
            content_hash: None,
            input: (!run.input.is_empty()).then(|| run.input.clone()),
        }
    }

    pub(super) fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Whether `entry` is the tool that ran: the same folder in this session, else the same
    /// name, version and tier.
    pub(super) fn is(&self, entry: &ToolEntry) -> bool {
        match &self.path {
            Some(path) => entry.path == *path,
            None => {
                entry.name == self.name && entry.version == self.version && entry.tier == self.tier
            }
        }
    }

    /// Whether `entry` is still the content that ran. A run of an earlier session kept no
    /// hash: only an active tool of the same version is (its content is the approved one,
    /// and drift from it never runs); anything else asks first.
    pub(super) fn unchanged(&self, entry: &ToolEntry) -> bool {
        match &self.content_hash {
            Some(hash) => entry.content_hash == *hash,
            None => entry.tier.is_active() && entry.tier == self.tier,
        }
    }
}

/// A launch asked for while the tool's manifest was still being read (a row of the cached
/// index, before the first scan ends): taken again once the scan has read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WaitingLaunch {
    /// Enter on the tool at this path, named so.
    Tool { path: PathBuf, name: String },
    /// `.`: decided again on the tool as the scan read it.
    Again,
}

/// How a launch came about.
pub(crate) enum Launching {
    /// Enter on a tool.
    Asked,
    /// `.`: the last run's input; `at_once` while the tool is the content that ran.
    Again {
        input: Option<String>,
        at_once: bool,
    },
}

/// One row of the Review pane, top to bottom.
pub(crate) enum ReviewRow<'a> {
    Call(&'a CallRow),
    Alert(&'a HealthAlert),
    Request(&'a RequestRow),
    Candidate(&'a ToolEntry),
    Rule(&'a RuleRow),
}

/// A tool the Review pane lists and validation looks at: a candidate, or an active tool that
/// will not run until a person looks at it.
pub(super) fn waits_for_review(entry: &ToolEntry) -> bool {
    entry.tier == Tier::Experimental
        || entry
            .drift
            .as_deref()
            .is_some_and(crate::model::Drift::awaits_its_review)
}

/// The names of the candidates in `after` whose active versions are not what `before` showed
/// (another folder, content or standing: a person accepted, approved, rolled back or signed
/// them, here or in another process). Their reports may compare them with what is no longer
/// there; the cache keeps those still compared with the same.
pub(super) fn baselines_moved(before: &Catalog, after: &Catalog) -> Vec<String> {
    let waiting: HashSet<&str> = after
        .entries()
        .iter()
        .filter(|e| e.tier == Tier::Experimental)
        .map(|e| e.name.as_str())
        .collect();
    if waiting.is_empty() {
        return Vec::new();
    }
    let (was, now) = (actives(before, &waiting), actives(after, &waiting));
    let mut moved: Vec<String> = waiting
        .into_iter()
        .filter(|name| was.get(name) != now.get(name))
        .map(str::to_string)
        .collect();
    moved.sort_unstable();
    moved
}

/// An active version as `baselines_moved` compares it: its folder, content and standing.
type ActiveVersion<'c> = (&'c PathBuf, &'c str, Option<&'c crate::model::Drift>);

/// The active versions of each of `names` in `catalog`: in the catalog's tier and path order,
/// so a name's line up between two catalogs.
fn actives<'c>(
    catalog: &'c Catalog,
    names: &HashSet<&str>,
) -> HashMap<&'c str, Vec<ActiveVersion<'c>>> {
    let mut of: HashMap<&str, Vec<_>> = HashMap::new();
    for e in catalog.entries() {
        if e.tier.is_active() && names.contains(e.name.as_str()) {
            let key = (&e.path, e.content_hash.as_str(), e.drift.as_deref());
            of.entry(e.name.as_str()).or_default().push(key);
        }
    }
    of
}
