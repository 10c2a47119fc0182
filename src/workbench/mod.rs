//! The one handle every front end opens on a workspace: the command line, the terminal
//! workbench and the MCP server each open a [`Workbench`] once and act through it.
//!
//! It owns what used to be gathered again by each of them: the root and where it came from,
//! the configuration (read once), this program's path (looked up once: it is also the
//! sandbox helper), the confinement of every run (with the project tools work on), the
//! process's one write connection to the store, and the start-of-process recovery. What
//! changes state goes through [`Workbench::apply`]; the rules it applies (the cost gate, the
//! seal, the run-and-record path) live in `command` and nowhere else.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::catalog::scan::{KnownHashes, ScanProgress, scan_workspace};
use crate::command::{Applied, Command, CommandError, Context};
use crate::config::Config;
use crate::jobs::call_answers::{Answers, Ended};
use crate::jobs::live::LiveCatalog;
use crate::jobs::run::Recorder;
use crate::jobs::store_writes::{Listening, StoreWrites};
use crate::lookup;
use crate::model::RootSource;
use crate::model::run_job::OutputPolicy;
use crate::model::settings::ConfigError;
use crate::model::{Catalog, LookupError};
use crate::model::{RunOrigin, ToolEntry, ToolId};
use crate::review::ReviewContext;
use crate::runner::confinement::Confinement;
use crate::runner::helper_process::PreforkedHelper;
use crate::runner::workspace_handle::WorkspaceHandle;
use crate::services::{ServiceError, Services};
use crate::store::decision_log::DecisionLog;
use crate::store::{SharedStore, Store, StoreError, StoreOnDemand};
use crate::workspace::project::{self, ProjectSource};
use crate::workspace::{InitReport, WorkspaceError, resolve_root};

mod doctor;
pub(crate) mod events;
pub(crate) mod reader;
pub(crate) mod reads;
pub(crate) mod registry;
mod run_helper;
pub(crate) mod serve;
pub(crate) mod started_run;
pub(crate) mod stop;
pub(crate) mod tool_diff;
pub(crate) mod tool_files;
pub(crate) mod verify;
mod waiting;

use events::{Events, Hub, Sources};
use reader::Reader;
pub use run_helper::RunHelper;
use started_run::StartedRun;

/// What a long-lived front end does last, once its runtimes are shut down: the work they
/// dropped without waiting leaves nothing behind (a cut-short validation's private copy).
pub(crate) fn after_runtimes() {
    crate::review::validate::remove_left_copies();
}

/// Makes `dir` a workspace (`toolbench init`): the four tiers and a `.gitignore`, nothing
/// that exists overwritten; the report names what was created. No workbench is open on it yet.
pub(crate) fn init(dir: &Path) -> Result<InitReport, WorkspaceError> {
    crate::workspace::init_workspace(dir)
}

/// Where a front end was started: what it was told and where it stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    /// `--root DIR` (or `TOOLBENCH_ROOT`); else `./tools` or the user's data folder.
    pub(crate) root: Option<&'a Path>,
    /// The current directory, against which relative paths are read.
    pub(crate) cwd: &'a Path,
    /// `--project DIR` (or `TOOLBENCH_PROJECT`); else the accepted `[project] path` of the
    /// workspace, else the current directory.
    pub(crate) project: Option<&'a Path>,
}

/// How much a front end checks as it opens the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    /// Every start-of-process check: runs whose process died, services that stopped, and
    /// decisions a crash interrupted, settled before anything is read or decided; the
    /// staging folders of proposals killed before they were announced swept beside the
    /// command's work.
    Checked,
    /// The terminal workbench: every check of `Checked`, but the staging folders of proposals
    /// killed before they were announced are swept after its first frame
    /// (`Workbench::sweep_staging_in_background`), not on its way.
    Workbench,
    /// `toolbench run`: the store is opened only when runs wait for it (left behind, or a
    /// batch handed off by earlier runs); interrupted decisions are settled as always.
    ForRun,
    /// Nothing opened and nothing settled: `audit` and `doctor` must work on a damaged
    /// store, and a `tools send` reads only the instance it talks to.
    Quiet,
}

/// Why a workspace could not be opened, in one line.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot find the toolbench binary, which confines every run: {0}")]
    Program(std::io::Error),
    #[error("{0}")]
    StateKey(String),
}

/// How many runs `toolbench run` hands off before one of them opens the store and stores
/// them all: each open costs about 0.7 ms, and every start reads the running folder's names.
const HANDED_OFF_BATCH: usize = 64;

/// A workspace, opened once by a front end.
pub struct Workbench {
    /// Root, settings, this program and the confinement, shared with every context made here.
    workspace: Arc<WorkspaceHandle>,
    source: RootSource,
    store: StoreOnDemand,
    /// What the start-of-process recovery did or could not do, for the front end to tell.
    notices: Vec<String>,
    /// Where the project came from: `--project`, the workspace's accepted `[project] path`, or
    /// the current folder.
    project_source: ProjectSource,
    /// The start-of-process checks found the store whole: the day's backup is made, if due,
    /// as the workbench is dropped (a command's end), never on the way to its answer.
    back_up_at_exit: AtomicBool,
    /// Staging folders left by killed proposers are still to be swept (`sweep_staging`).
    staging_due: AtomicBool,
    /// The sweep under way beside the front end's work, waited for as the workbench is
    /// dropped, so no process ends with a folder half removed.
    staging_sweep: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Every tool, kept current by the watch: a long-lived front end's (`serve`).
    live: OnceLock<Arc<LiveCatalog>>,
    /// The one stream of a long-lived front end's events (`events`).
    hub: Hub,
    /// The one signal of the store's writes, once listened to (`store_written`).
    store_writes: OnceLock<StoreWrites>,
    /// The answers to this process's waiting calls, once one waits (`answer_of`).
    answers: OnceLock<Answers>,
}

impl Drop for Workbench {
    fn drop(&mut self) {
        // Not swept in the background after all (a workbench that ended before its frame).
        self.sweep_staging();
        if let Some(sweep) = self
            .staging_sweep
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            let _ = sweep.join();
        }
        if self.back_up_at_exit.load(Ordering::Relaxed) {
            // The store's connection is closed first, so its log is checkpointed into the
            // copy's source. A backup that fails is tried again by the next command.
            self.store.close();
            let _ = crate::store::backup::backup_if_due(&crate::workspace::state_dir(self.root()));
        }
    }
}

impl Workbench {
    /// Opens the workspace `place` names, with the checks `opening` asks for.
    pub(crate) fn open(place: Place<'_>, opening: Opening) -> Result<Self, OpenError> {
        let (root, source) = resolve_root(place.root, place.cwd)?;
        crate::workspace::own_writes::check().map_err(OpenError::StateKey)?;
        let config = Config::load(&root)?;
        crate::signature::register(&root, &config);
        let program = this_program().map_err(OpenError::Program)?;
        let project = project::choose(
            &project::Records::of_user(),
            place.project,
            place.cwd,
            &root,
            config.project_path.as_deref(),
        );
        let confinement = Confinement::new(&root, &config, Some(project.path));
        let workbench = Self {
            store: StoreOnDemand::new(&root),
            workspace: WorkspaceHandle::new(root, config, program, confinement),
            source,
            notices: project
                .passed_over
                .map(|line| format!("warning: {line}"))
                .into_iter()
                .collect(),
            project_source: project.source,
            back_up_at_exit: AtomicBool::new(false),
            staging_due: AtomicBool::new(false),
            staging_sweep: Mutex::new(None),
            live: OnceLock::new(),
            hub: Hub::default(),
            store_writes: OnceLock::new(),
            answers: OnceLock::new(),
        };
        match opening {
            Opening::Quiet => Ok(workbench),
            Opening::Checked => workbench
                .checked()
                .inspect(Self::sweep_staging_in_background),
            Opening::Workbench => workbench.checked(),
            Opening::ForRun => Ok(workbench.checked_for_run().recovered()),
        }
    }

    /// A workbench on `root` as it is, for tests and benchmarks: no recovery, the project
    /// `project`.
    pub fn at(root: &Path, project: Option<&Path>) -> Result<Self, OpenError> {
        Self::open(
            Place {
                root: Some(root),
                cwd: root,
                project,
            },
            Opening::Quiet,
        )
    }

    /// The same workbench with its runs confined by `program`: for tests and benchmarks,
    /// whose own process is not toolbench.
    pub fn with_program(mut self, program: PathBuf) -> Self {
        self.workspace = self.workspace.with_program(program);
        self
    }

    /// Runs whose toolbench process died before recording them, agents' calls whose server
    /// died, services that died, then decisions a crash interrupted. A workspace without a
    /// store is given one only to record runs left behind.
    fn checked(mut self) -> Result<Self, OpenError> {
        let state = crate::store::state_file(self.root());
        let existed = state.symlink_metadata().is_ok();
        if !existed {
            // A store this command creates (`accept` on a new clone) is whole: its first
            // copy is made at the command's end, as for a store found whole.
            self.back_up_at_exit.store(true, Ordering::Relaxed);
        }
        // A store gone beside a decision log that holds entries is opened to be refused:
        // answering as a workspace where nothing was decided would be half the truth.
        let needed = existed
            || crate::runner::inflight::any_abandoned(self.root())
            || DecisionLog::beside(&state).holds_entries();
        if needed {
            match self.store.get() {
                Ok(shared) => {
                    let store = &mut shared.lock();
                    // A store that cannot be written now keeps them for the next start.
                    let _ = crate::runner::inflight::close_abandoned(self.root(), store);
                    // Proposals that landed as their server died get their row: their agent
                    // is told of them as of any other.
                    let recorded = crate::review::propose::recover_landings(self.root(), store);
                    // And the staging folders of those killed before they announced theirs,
                    // at once or after a first frame (`Opening`).
                    self.staging_due.store(true, Ordering::Relaxed);
                    self.notices.extend(recorded.unwrap_or_default().iter().map(|row| {
                        format!(
                            "recorded the proposal of {}@{} from {} ({}), which landed as its server stopped",
                            row.tool, row.version, row.client, row.path
                        )
                    }));
                    // A call whose server died waits for nobody: it would stay pending for
                    // ever unless someone looked.
                    let _ = crate::approvals::abandon_dead(store);
                    // Services outlive every toolbench process: dead ones are marked stopped
                    // at each start.
                    let _ = crate::services::reconcile::reconcile_store(store);
                    self.back_up_at_exit.store(true, Ordering::Relaxed);
                }
                // Nothing a command reads or decides is right on a damaged store: it stops
                // here, naming `toolbench doctor`, before it answers from half the truth.
                Err(e) if e.is_damaged() => return Err(e.into()),
                Err(_) => {}
            }
        }
        Ok(self.recovered())
    }

    /// `Opening::ForRun`'s check: the store is opened only for a backlog of runs.
    fn checked_for_run(self) -> Self {
        let backlog = crate::runner::inflight::backlog(self.root());
        if (backlog.abandoned > 0 || backlog.handed_off >= HANDED_OFF_BATCH)
            && let Ok(shared) = self.store.get()
        {
            // A store that cannot be written now leaves them for the next start.
            let _ = crate::runner::inflight::close_abandoned(self.root(), &mut shared.lock());
        }
        self
    }

    /// Finishes decisions a crash interrupted, so what the front end reads or decides is
    /// settled. A failure is a notice: reading must still work.
    fn recovered(mut self) -> Self {
        if !crate::review::journal::needs_recovery(self.root()) {
            return self;
        }
        let report = self
            .store
            .get()
            .map_err(crate::review::ReviewError::from)
            .and_then(|shared| crate::review::journal::recover(self.root(), &mut shared.lock()));
        match report {
            Ok(report) => self.notices.extend(report.lines()),
            Err(e) => self.notices.push(format!("warning: {e}")),
        }
        self
    }

    /// Sweeps the staging folders proposers killed before they announced them left in
    /// `experimental/` (`propose::forget_unannounced`), if the opening's checks left that due.
    fn sweep_staging(&self) {
        if self.staging_due.swap(false, Ordering::Relaxed) {
            crate::review::propose::forget_unannounced(self.root());
        }
    }

    /// `sweep_staging` on a thread of its own, beside a command's work or once the
    /// workbench's first frame is on the screen. Safe to leave until then: the scan and the
    /// watch pass over every folder whose name starts with a dot, as a staging folder's does,
    /// so no row, count or decision reads one; and a proposer of this process, the only one
    /// that could start meanwhile, is alive, so its staging folder is kept.
    pub(crate) fn sweep_staging_in_background(&self) {
        if self.staging_due.swap(false, Ordering::Relaxed) {
            let root = self.root().to_path_buf();
            let sweep = std::thread::Builder::new()
                .name("toolbench-tidy".into())
                .spawn(move || crate::review::propose::forget_unannounced(&root));
            match sweep {
                Ok(sweep) => {
                    *self
                        .staging_sweep
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sweep)
                }
                // No thread to spare: swept here.
                Err(_) => crate::review::propose::forget_unannounced(self.root()),
            }
        }
    }

    pub(crate) fn root(&self) -> &Path {
        self.workspace.root()
    }

    pub(crate) fn source(&self) -> RootSource {
        self.source
    }

    pub(crate) fn config(&self) -> &Config {
        self.workspace.config()
    }

    /// What every sandboxed process of the workspace may see and use.
    pub fn confinement(&self) -> &Confinement {
        self.workspace.confinement()
    }

    /// The one handle on the workspace, which every context made here shares.
    pub fn workspace(&self) -> &Arc<WorkspaceHandle> {
        &self.workspace
    }

    /// The folder tools that declare `[permissions] project` work on.
    pub(crate) fn project(&self) -> Option<&Path> {
        self.confinement().project.as_deref()
    }

    /// Where [`Self::project`] came from.
    pub(crate) fn project_source(&self) -> ProjectSource {
        self.project_source
    }

    /// This front end holds the terminal (the workbench UI): a signing key that needs a
    /// passphrase typed is refused instead of asking on the screen (ssh-agent and security
    /// keys still sign).
    pub(crate) fn hold_the_terminal(&self) {
        crate::signature::detach_from_terminal();
    }

    /// One line when signatures are on and the workspace's reviewers changed since a person
    /// accepted them here (or were never accepted), for a front end to say as it opens.
    pub(crate) fn signers_line(&self) -> Option<String> {
        crate::signature::signers_line(self.root())
    }

    /// What opening settled or could not settle (interrupted decisions), one line each.
    pub(crate) fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The process's one write connection, opened (and the store created) on first use.
    pub fn store(&self) -> Result<SharedStore, StoreError> {
        self.store.get()
    }

    /// The store read through the process's one write connection (opened, and the store
    /// created, on first use): the command line's reads.
    pub(crate) fn reader(&self) -> Result<Reader, StoreError> {
        self.store().map(Reader::through)
    }

    /// `reader`, if the store exists: a command that only reads does not give a workspace a
    /// store.
    pub(crate) fn existing_reader(&self) -> Option<Reader> {
        self.existing_store().map(Reader::through)
    }

    /// For a process that writes one row and ends (`tools send`): its commits are not fsynced
    /// (`Store::sync_lightly` says what a power loss may drop).
    pub(crate) fn sync_lightly(&self) -> Result<(), StoreError> {
        self.store()?.lock().sync_lightly()
    }

    /// For a short-lived process whose commits stay synced (`toolbench run`), at its end: the
    /// write-ahead log is left to a later checkpoint unless it has grown past what the next
    /// start reads back cheaply (`Store::keep_log_on_close`, `trim_log`). Nothing when the store
    /// was never opened.
    pub(crate) fn leave_log_light(&self) -> Result<(), StoreError> {
        if let Some(store) = self.store.if_opened() {
            let store = store.lock();
            store.keep_log_on_close()?;
            store.trim_log();
        }
        Ok(())
    }

    /// The service tool `name` in an active tier (core first).
    pub(crate) fn find_service(&self, name: &str) -> Result<ToolEntry, ServiceError> {
        let store = self.store()?;
        self.services().find_service(&store, name)
    }

    /// The write connection, if the store exists: a command that only reads does not give a
    /// workspace a store.
    pub(crate) fn existing_store(&self) -> Option<SharedStore> {
        if let Some(store) = self.store.if_opened() {
            return Some(store);
        }
        let state = crate::store::state_file(self.root());
        state.is_file().then(|| self.store.get().ok()).flatten()
    }

    /// A long-lived front end (the workbench, MCP) backs the store up itself, in the
    /// background, rather than at its end.
    pub(crate) fn back_up_in_background(&self) {
        self.back_up_at_exit.store(false, Ordering::Relaxed);
        let state_dir = crate::workspace::state_dir(self.root());
        let _ = std::thread::Builder::new()
            .name("backup".into())
            .spawn(move || crate::store::backup::backup_if_due(&state_dir));
    }

    /// Who decides and what happens around a decision, from this workspace's settings.
    pub fn review(&self) -> ReviewContext {
        ReviewContext::of_reviewer(self.workspace.clone())
    }

    /// The live catalog, once served (`serve`).
    fn live(&self) -> Option<&Arc<LiveCatalog>> {
        self.live.get()
    }

    /// A listener that tells validations' results in the stream of events, as the
    /// validation queue's does: for tests that flood the stream.
    #[cfg(test)]
    pub(crate) fn validation_listener(
        &self,
        runtime: &tokio::runtime::Handle,
    ) -> impl Fn(crate::command::validations::ValidationEvent) -> bool + Send + Sync + 'static {
        self.hub.validation_listener(runtime)
    }

    /// The one stream of this front end's events, for its one reader: the live catalog's
    /// changes, once it is kept, validations' results, and the pollers `sources` names,
    /// started now on the current runtime. The pollers mark what died through the store's
    /// write connection, opened here if need be. A second reader gets a stream that has ended,
    /// and starts nothing.
    pub(crate) fn events(&self, sources: Sources) -> Result<Events, StoreError> {
        let store = if sources.any() {
            Some(self.store()?)
        } else {
            None
        };
        let Some(events) = self.hub.take_reader() else {
            return Ok(Events::ended());
        };
        self.hub.start(
            self.root(),
            self.live(),
            store.as_ref(),
            || self.store_written(),
            sources,
        );
        Ok(events)
    }

    /// Follows service `instance` as `follow` says (in place of any follow of it before): its
    /// history is told in the stream of events (`Sources::services`) from now on.
    pub(crate) fn follow_instance(&self, instance: String, follow: crate::model::services::Follow) {
        self.hub.follow(instance, follow);
    }

    /// Told of every write of the store from now on, by whichever process: what waits for
    /// another process's act (a cancel, say) listens here rather than looking on a beat. One
    /// watch per process, kept from the first listener on.
    pub(crate) fn store_written(&self) -> Listening {
        self.store_writes().listen()
    }

    fn store_writes(&self) -> &StoreWrites {
        self.store_writes
            .get_or_init(|| StoreWrites::start(self.root()))
    }

    /// This process's call `id` as it ended (answered, or gone from the store), once it has:
    /// one looker for every waiting call of the process, started on the current runtime for
    /// the first. The call is no longer waited for once the future is dropped.
    pub(crate) fn answer_of(
        &self,
        id: i64,
    ) -> Result<Pin<Box<dyn Future<Output = Ended> + Send>>, StoreError> {
        let answers = match self.answers.get() {
            Some(answers) => answers,
            None => {
                let store = self.store()?;
                self.answers.get_or_init(|| {
                    let runtime = tokio::runtime::Handle::current();
                    Answers::start(&runtime, store, self.store_writes().clone())
                })
            }
        };
        let mut awaited = answers.wait_for(id);
        Ok(Box::pin(async move { awaited.ended().await }))
    }

    /// What launching, stopping and talking to this workspace's services needs.
    pub(crate) fn services(&self) -> Services {
        Services::new(self.workspace.clone())
    }

    /// The context of `origin`'s commands, on the process's one write connection (opened,
    /// and the store created, here), where their runs are recorded.
    pub fn caller(&self, origin: RunOrigin) -> Result<Context, StoreError> {
        Ok(self.recorded_in(self.store()?, origin))
    }

    /// The context of the answers a paired device gives on the review page: the reviewer,
    /// named with the device (`ana (web: phone)`), so the decision log, `calls --all` and
    /// `history` say where each answer came from. The page starts no run.
    pub(crate) fn device_caller(&self, device: &str) -> Result<Context, StoreError> {
        let mut caller = self.caller(RunOrigin::Cli)?;
        caller.review.who = format!("{} (web: {device})", caller.review.who);
        Ok(caller)
    }

    /// `caller` for `toolbench run`: without a store open already, the store is opened only
    /// if the lookup needs it, and the run's record is handed off to the next process that
    /// opens it, unless `needs_id` (the run's id is only known once stored). It decides
    /// nothing, so the reviewer's name, which may take a look in the user database, is not
    /// looked up.
    /// Its run starts `helper` when one was forked ahead.
    pub(crate) fn run_caller(
        &self,
        needs_id: bool,
        helper: RunHelper,
    ) -> Result<Context, StoreError> {
        let mut context = if needs_id || self.store.if_opened().is_some() {
            self.caller(RunOrigin::Cli)?
        } else {
            let review = ReviewContext::for_runs(self.workspace.clone());
            self.context(review, Recorder::HandOff, RunOrigin::Cli)
        };
        context.preforked = helper.0;
        Ok(context)
    }

    /// `origin`'s context, its runs recorded through `store`, this workbench's write
    /// connection.
    pub(crate) fn recorded_in(&self, store: SharedStore, origin: RunOrigin) -> Context {
        self.context(self.review(), Recorder::Store(store), origin)
    }

    /// `origin`'s context, with decisions taken as `review` says and runs recorded by
    /// `recorder`.
    fn context(&self, review: ReviewContext, recorder: Recorder, origin: RunOrigin) -> Context {
        Context {
            run_policy: self.config().run_policy(),
            review,
            recorder,
            store: self.store.clone(),
            origin,
            client: None,
            catalog: None,
            cancelled: None,
            progress: None,
            preforked: PreforkedHelper::default(),
            proposal_limits: crate::review::propose::ProposalLimits::of(self.config()),
        }
    }

    /// Does `command` for `caller`: the one way anything changes state.
    pub async fn apply(&self, caller: &Context, command: Command) -> Result<Applied, CommandError> {
        crate::command::apply(caller, command).await
    }

    /// Applies `command` (a `Command::Run`) as `caller` and starts the run it makes, its
    /// events kept for the caller as `observe` says (not at all when `None`).
    pub(crate) async fn start_run(
        &self,
        caller: &Context,
        command: Command,
        observe: Option<OutputPolicy>,
    ) -> Result<StartedRun, CommandError> {
        started_run::start(caller, command, observe, None).await
    }

    /// A fresh scan: the command line always answers from disk, never from the cache. The
    /// cached index only spares re-hashing folders whose metadata is unchanged, and is
    /// refreshed for the next command: a workspace without a store is given one for it, so
    /// the scan is paid once (one that cannot be given one is scanned all the same). Active
    /// tools carry their drift from what was approved.
    pub(crate) fn scan(&self) -> Catalog {
        let mut entries = match self.store() {
            Ok(store) => {
                let entries =
                    lookup::scan_all(self.root(), self.config().catalog, &mut store.lock());
                // A store this scan made is whole: the day's copy of it (with the index) is
                // made as this process ends, not by the next command on one tool.
                self.back_up_at_exit.store(true, Ordering::Relaxed);
                entries
            }
            Err(_) => scan_workspace(
                self.root(),
                self.config().catalog,
                &KnownHashes::default(),
                &ScanProgress::default(),
            ),
        };
        crate::seal::SealBook::load(self.root()).mark(&mut entries);
        Catalog::new(entries)
    }

    /// Every tool as `toolbench list` shows it: `scan`, but an unchanged tool's row comes from
    /// the cached index, its manifest not read (the entries carry none), and an unchanged seal
    /// file's seal from the seals the last listing kept (`SealBook::load_known`).
    pub(crate) fn listing(&self) -> Catalog {
        let Ok(store) = self.store() else {
            return self.scan();
        };
        let kept = store
            .lock()
            .reading_once(Store::load_known_seals)
            .unwrap_or_default();
        // The seals are read (or stat'ed along those kept) beside the scan of the tools:
        // neither needs anything of the other until the entries are marked.
        let (mut entries, (book, keep)) = std::thread::scope(|scope| {
            let root = self.root();
            let seals = scope.spawn(|| crate::seal::SealBook::load_known(root, &kept));
            let entries = lookup::scan_listing(root, self.config().catalog, &mut store.lock());
            let seals = seals
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (entries, seals)
        });
        self.back_up_at_exit.store(true, Ordering::Relaxed);
        if let Some(keep) = keep {
            // A cache: a failed write costs the next listing a reading of the seals.
            let _ = store.lock().save_known_seals(&keep);
        }
        book.mark(&mut entries);
        crate::catalog::scan::free_aside((book, kept));
        Catalog::new(entries)
    }

    /// One tool, read fresh from disk. Only the folders the cached index knows for its name
    /// are read (`lookup`), so a command on one tool does not scan a large workspace.
    pub(crate) fn find(&self, spec: &ToolId, store: &mut Store) -> Result<ToolEntry, LookupError> {
        lookup::find_named(self.root(), self.config().catalog, store, spec)
    }

    /// The active tool `spec` names in its usual folder (`core/NAME`, else `approved/NAME`),
    /// read fresh from disk without the store; `None` when neither holds it.
    pub(crate) fn active_in_usual_folder(&self, spec: &ToolId) -> Option<ToolEntry> {
        lookup::active_in_usual_folder(self.root(), self.config().catalog, spec)
    }

    /// `find` for a command that only reads: a workspace without a store is scanned instead of
    /// being given one.
    pub(crate) fn find_reading(&self, spec: &ToolId) -> Result<ToolEntry, LookupError> {
        let mut entry = match self.existing_store() {
            Some(store) => self.find(spec, &mut store.lock())?,
            // A workspace never written to: the usual folders of the name, else a scan.
            None => match lookup::in_usual_folders(self.root(), self.config().catalog, spec) {
                Some(named) => Catalog::new(named).find(spec)?.clone(),
                None => self.scan().find(spec)?.clone(),
            },
        };
        let book = crate::seal::SealBook::load(self.root());
        book.mark(std::slice::from_mut(&mut entry));
        Ok(entry)
    }
}

/// This program's path: the binary every front end is, which is also the sandbox helper.
/// The one place it is looked up.
pub(crate) fn this_program() -> std::io::Result<PathBuf> {
    std::env::current_exe()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place<'a>(root: &'a Path, project: Option<&'a Path>) -> Place<'a> {
        Place {
            root: Some(root),
            cwd: root,
            project,
        }
    }

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        dir
    }

    #[test]
    fn opening_a_workspace_never_written_to_gives_it_no_store() {
        let dir = workspace();
        for opening in [Opening::Checked, Opening::ForRun, Opening::Quiet] {
            let workbench = Workbench::open(place(dir.path(), None), opening).expect("opened");
            assert!(workbench.existing_store().is_none(), "{opening:?}");
            assert!(workbench.notices().is_empty());
        }
        assert!(
            !crate::workspace::state_dir(dir.path())
                .join(crate::store::STATE_FILE)
                .exists()
        );
    }

    /// The sweep runs beside the command's work, and is finished once the workbench is gone:
    /// a command's process never ends with a dead proposer's folder half removed.
    #[test]
    fn a_checked_opening_sweeps_a_dead_proposers_staging_folder_before_it_is_dropped() {
        let dir = workspace();
        drop(Store::open(dir.path()).expect("a store, so the opening checks"));
        let dead = dir.path().join("experimental/.proposal-greet-4294967294-2");
        let nested = dead.join("tests/deep");
        std::fs::create_dir_all(&nested).expect("staging");
        for file in 0..2000 {
            std::fs::write(nested.join(format!("case{file}.toml")), "x").expect("half written");
        }
        let workbench = Workbench::open(place(dir.path(), None), Opening::Checked).expect("opened");
        drop(workbench);
        assert!(!dead.exists(), "the dead writer's staging folder stayed");
    }

    #[test]
    fn the_project_is_the_one_given_else_the_current_directory_and_every_caller_shares_it() {
        let dir = workspace();
        let project = tempfile::tempdir().expect("project");
        let given = Workbench::open(place(dir.path(), Some(project.path())), Opening::Quiet)
            .expect("opened");
        assert_eq!(given.project(), Some(project.path()));
        let caller = given.caller(RunOrigin::Cli).expect("store");
        assert_eq!(
            caller.review.confinement().project.as_deref(),
            Some(project.path())
        );

        let defaulted = Workbench::open(place(dir.path(), None), Opening::Quiet).expect("opened");
        assert_eq!(
            defaulted.project(),
            Some(dir.path()),
            "the current directory"
        );
    }

    #[test]
    fn every_context_borrows_the_one_handle_on_the_workspace() {
        let dir = workspace();
        let workbench = Workbench::at(dir.path(), None)
            .expect("opened")
            .with_program(PathBuf::from("/opt/toolbench"));
        let shared = workbench.workspace();
        assert_eq!(shared.program(), Path::new("/opt/toolbench"));
        let caller = workbench.caller(RunOrigin::Tui).expect("store");
        let run = workbench
            .run_caller(false, RunHelper::default())
            .expect("context");
        let device = workbench.device_caller("phone").expect("context");
        for review in [
            &caller.review,
            &run.review,
            &device.review,
            &workbench.review(),
        ] {
            assert!(Arc::ptr_eq(review.workspace(), shared), "a copy");
        }
        assert!(Arc::ptr_eq(caller.services().workspace(), shared), "a copy");
        assert!(
            Arc::ptr_eq(workbench.services().workspace(), shared),
            "a copy"
        );
    }

    #[test]
    fn a_run_hands_its_record_off_unless_its_id_is_needed_or_the_store_is_open() {
        let dir = workspace();
        let workbench = Workbench::at(dir.path(), None).expect("opened");
        let handing_off = workbench
            .run_caller(false, RunHelper::default())
            .expect("context");
        assert!(matches!(handing_off.recorder, Recorder::HandOff));
        assert!(
            workbench.existing_store().is_none(),
            "nothing opened the store"
        );
        let needing_id = workbench
            .run_caller(true, RunHelper::default())
            .expect("context");
        assert!(matches!(needing_id.recorder, Recorder::Store(_)));
        let after = workbench
            .run_caller(false, RunHelper::default())
            .expect("context");
        assert!(
            matches!(after.recorder, Recorder::Store(_)),
            "the store is open now"
        );
    }

    #[tokio::test]
    async fn the_stream_of_events_has_one_reader_and_a_second_starts_nothing() {
        let dir = workspace();
        let serving = serve::Serving::fixture(dir.path());
        let workbench = serving.workbench();
        let live = workbench.live().expect("kept live");
        let _first = workbench.events(Sources::default()).expect("events");
        let followers = live.subscribe();
        let mut second = workbench.events(Sources::default()).expect("events");
        assert!(
            second.recv().await.is_none(),
            "a second reader's stream has ended"
        );
        // The first call's follower and this test's are the catalog's only readers.
        drop(followers);
        assert_eq!(live.readers(), 1, "no second follower of the catalog");
    }

    #[test]
    fn a_root_that_is_not_there_is_one_line_naming_it() {
        let missing = Path::new("/nonexistent/toolbench-root");
        let err = Workbench::open(place(missing, None), Opening::Checked)
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("/nonexistent/toolbench-root"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn a_damaged_store_stops_a_checked_opening_but_not_a_quiet_one() {
        let dir = workspace();
        let state = crate::workspace::state_dir(dir.path());
        std::fs::create_dir_all(&state).expect("state dir");
        std::fs::write(
            state.join(crate::store::STATE_FILE),
            b"not a database at all",
        )
        .expect("damage");
        let err = Workbench::open(place(dir.path(), None), Opening::Checked)
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("doctor"), "{err}");
        assert!(Workbench::open(place(dir.path(), None), Opening::Quiet).is_ok());
    }
}
