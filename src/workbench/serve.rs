//! A workspace at work for a long-lived front end ([`Workbench::serve`]): the workbench UI,
//! the MCP server and the review page each serve from one [`Serving`], which starts and owns
//! what each of them used to assemble on its own: the process's one write connection (runs
//! batched by a writer thread where the front end asks), the live catalog kept current by the
//! watch and saved to the cached index, the bounded validation queue whose results are told
//! in the stream of events, the context of the front end's commands, and the registry of
//! the jobs under way with their cancel hooks.
//!
//! A front end translates: it asks through the methods here and `Workbench::apply`, and
//! hears through `Workbench::events`.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::catalog::scan::KnownHashes;
use crate::command::validations::{
    QueueSnapshot, VALIDATION_WORKERS, ValidationQueue, ValidationRequest,
};
use crate::command::{Applied, Command, CommandError, Context};
use crate::jobs::Job;
use crate::jobs::live::LiveCatalog;
use crate::jobs::run::Recorder;
use crate::jobs::scan::ScanRequest;
use crate::jobs::watch::Watching;
use crate::model::Catalog;
use crate::model::run_job::OutputPolicy;
use crate::model::scan_event::ScanEvent;
use crate::model::watch_error::WatchStartError;
use crate::model::{RunOrigin, ToolEntry};
use crate::proc_stat::ProcessId;
use crate::runner::CancelSender;
use crate::store::writer::StoreWriter;
use crate::store::{SharedStore, StoreError};
use crate::watch::WatchUpdate;

use super::Workbench;
use super::registry::{JobId, Jobs};
use super::started_run::{self, StartedRun};
use super::waiting::{Asked, Teller};

/// A scan's events between its job and the front end's queue: the rows read while they wait
/// join the next ones told.
const SCAN_QUEUE: usize = 4;

/// How a front end's runs reach the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recording {
    /// Through the writer thread, which commits them in batches: the workbench UI, where a
    /// burst of runs must not hold its commands behind one commit each.
    Batched,
    /// Each through the write connection as it ends: an MCP call answers with its run's
    /// record, id included.
    AtOnce,
}

/// One workspace, served: see the module's documentation.
pub(crate) struct Serving {
    workbench: Workbench,
    /// Every tool, kept current by the watch; the front end shows what it tells.
    live: Arc<LiveCatalog>,
    /// The process's one write connection.
    store: SharedStore,
    /// The writer thread of `Recording::Batched`.
    writer: Option<Arc<StoreWriter>>,
    /// Validations run test cases in the sandbox: a burst of arrivals waits here.
    validations: ValidationQueue,
    /// What the front end's commands go through (`Workbench::apply`): its origin, its runs
    /// recorded as `Recording` says.
    commands: Context,
    jobs: Jobs,
    /// The `[notify] webhook`'s sender, told of what the front end's commands leave waiting.
    teller: Teller,
    /// The workspace watch once it is set up (`watch`): it lasts as long as this serves.
    watching: Arc<Mutex<Option<Watching>>>,
}

impl Workbench {
    /// Serves the workspace for a long-lived front end of `origin`, starting from `catalog`
    /// (a scan, or the cached index): shares the write connection as the process's one
    /// writer, keeps the live catalog, and starts the validation queue on `runtime`. The
    /// watch and the pollers start when the front end asks (`Serving::watch`, `events`).
    pub(crate) fn serve(
        self,
        runtime: &tokio::runtime::Handle,
        catalog: Catalog,
        origin: RunOrigin,
        recording: Recording,
    ) -> Result<Serving, StoreError> {
        let store = self.store()?;
        let writer = match recording {
            Recording::Batched => Some(Arc::new(StoreWriter::spawn(store.clone())?)),
            Recording::AtOnce => None,
        };
        let mut commands = self.recorded_in(store.clone(), origin);
        if let Some(writer) = &writer {
            commands.recorder = Recorder::Writer(Arc::clone(writer));
        }
        let validations = ValidationQueue::start(
            runtime,
            VALIDATION_WORKERS,
            commands.clone(),
            self.hub.validation_listener(runtime),
        );
        let live = Arc::new(LiveCatalog::new(
            self.root(),
            self.config().catalog,
            catalog,
            Some(store.clone()),
        ));
        self.live
            .set(Arc::clone(&live))
            .unwrap_or_else(|_| unreachable!("serve takes the workbench: it serves once"));
        Ok(Serving {
            workbench: self,
            store,
            live,
            writer,
            validations,
            commands,
            jobs: Jobs::default(),
            teller: Teller::default(),
            watching: Arc::default(),
        })
    }
}

impl Serving {
    /// The workspace at `root` as it is, served on the current runtime from an empty
    /// catalog, its runs stored as each ends: for tests.
    #[cfg(test)]
    pub(crate) fn fixture(root: &Path) -> Self {
        Workbench::at(root, None)
            .expect("opened")
            .serve(
                &tokio::runtime::Handle::current(),
                Catalog::new(Vec::new()),
                RunOrigin::Tui,
                Recording::AtOnce,
            )
            .expect("served")
    }

    /// The workspace served.
    pub(crate) fn workbench(&self) -> &Workbench {
        &self.workbench
    }

    /// The context of the front end's commands, holding the live catalog as it stands now:
    /// what the front end shows is what its commands look tools up in (a request's active
    /// names, the detectors' active tools, what a validation compares with), not a scan.
    pub(crate) fn commands(&self) -> Context {
        let mut commands = self.commands.clone();
        commands.catalog = Some(self.live.catalog());
        commands
    }

    /// The jobs under way that may be cancelled, by id.
    pub(crate) fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// Every tool as last scanned or watched; later changes do not reach this snapshot.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        self.live.catalog()
    }

    /// Starts the workspace watch, whose changes reach the live catalog and the stream of
    /// events from then on, and keeps it as long as this serves. The setup answers once the
    /// workspace is watched: why its tool folders are looked at on a beat instead (the
    /// kernel's watches ran out), when they are, for the front end to say.
    pub(crate) fn watch(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Option<String>, WatchStartError>> + Send>> {
        let setup = self.live.follow();
        let kept = Arc::clone(&self.watching);
        Box::pin(async move {
            let watching = setup.await?;
            let polling = watching.polling().map(str::to_owned);
            *kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(watching);
            Ok(polling)
        })
    }

    /// Starts again from the whole cached index, where the front end started from its first
    /// rows to draw sooner. Only before `watch`.
    pub(crate) fn start_from(&self, catalog: &Catalog) {
        self.live.start_from(catalog);
    }

    /// Scans the workspace, reusing what `shown` (the catalog the front end shows) knows of
    /// every folder unchanged since, its rows told as they are read when `stream`. Each event
    /// reaches `tell` as `told` makes it, in the order the scan told them: progress only when
    /// there is room there, the rows and the result waiting for it. The result becomes the
    /// live catalog, shared with the front end rather than copied, and is saved to the cached
    /// index off the caller's way; a save that fails is told as `Err(problem)` to `saved`.
    pub(crate) fn scan<E: Send + 'static>(
        &self,
        shown: Arc<Vec<ToolEntry>>,
        stream: bool,
        tell: mpsc::Sender<E>,
        told: fn(ScanEvent) -> E,
        saved: impl FnOnce(Result<(), String>) + Send + 'static,
    ) {
        let request = ScanRequest {
            root: self.workbench.root().to_path_buf(),
            limits: self.workbench.config().catalog,
            known: KnownHashes::reusing(shown),
            stream,
        };
        let (sender, mut events) = mpsc::channel(SCAN_QUEUE);
        request.start(sender);
        let live = Arc::clone(&self.live);
        tokio::spawn(async move {
            let mut saved = Some(saved);
            while let Some(event) = events.recv().await {
                // `saved` is taken by the result alone: taken by any event before it, the
                // result would never become the live catalog.
                if let ScanEvent::Finished { entries, .. } = &event
                    && let Some(saved) = saved.take()
                {
                    keep_scan(&live, Arc::clone(entries), saved);
                }
                let gone = if matches!(event, ScanEvent::Progress { .. }) {
                    matches!(tell.try_send(told(event)), Err(TrySendError::Closed(_)))
                } else {
                    tell.send(told(event)).await.is_err()
                };
                if gone {
                    return;
                }
            }
        });
    }

    /// Takes `entries`, a scan's result the front end assembled from the rows it showed
    /// (`ScanEvent::Told`), as the live catalog, shared rather than copied, and saves it to
    /// the cached index off the caller's way, as `scan` does with a result it keeps.
    pub(crate) fn keep_scan(
        &self,
        entries: Arc<Vec<ToolEntry>>,
        saved: impl FnOnce(Result<(), String>) + Send + 'static,
    ) {
        keep_scan(&self.live, entries, saved);
    }

    /// Reads the tools at `paths` (relative to the root) again into the live catalog, which
    /// tells the change as it tells the watch's. Reads the disk: off the async workers.
    pub(crate) fn reload(&self, paths: &[impl AsRef<Path>]) {
        let root = self.workbench.root();
        let paths = paths.iter().map(|path| root.join(path)).collect();
        self.keep(crate::watch::reload_paths(
            root,
            self.workbench.config().catalog,
            paths,
        ));
    }

    /// Folds `entry`, a tool read again from disk, into the live catalog and tells it, as the
    /// watch would.
    pub(crate) fn keep_tool(&self, entry: ToolEntry) {
        self.keep(WatchUpdate::Tools {
            updated: vec![entry],
            removed: Vec::new(),
        });
    }

    /// Folds `update` into the live catalog and tells it, as the watch would. Reads the disk
    /// for a rescan: off the async workers.
    pub(crate) fn keep(&self, update: WatchUpdate) {
        self.live.apply(update);
    }

    /// Saves the catalog to the cached index if a scan left it due: at a front end's end, so
    /// a scan taken just before it is still cached for the next start. Blocks on the store.
    pub(crate) fn save_index_if_due(&self) -> Result<(), String> {
        self.live.write_index_if_due()
    }

    /// Queues a validation.
    pub(crate) fn validate(&self, request: ValidationRequest) {
        self.validations.push(request);
    }

    /// Pauses the background's validations (`true`) or goes on with them.
    pub(crate) fn pause_validation(&self, paused: bool) {
        if paused {
            self.validations.pause();
        } else {
            self.validations.resume();
        }
    }

    /// The validation queue: what is under way and what waits, in order.
    pub(crate) fn validation_queue(&self) -> QueueSnapshot {
        self.validations.snapshot()
    }

    /// Does `command` for `caller`, as `Workbench::apply`, and tells the `[notify] webhook`
    /// when what it did waits for a person (a held call, a proposal, a request for a tool).
    pub(crate) async fn apply(
        &self,
        caller: &Context,
        command: Command,
    ) -> Result<Applied, CommandError> {
        let asked = Asked::by(&command);
        let applied = self.workbench.apply(caller, command).await?;
        if let Some(waiting) = asked.and_then(|asked| asked.waiting_after(&applied)) {
            self.teller
                .tell(self.workbench.config(), caller.origin, waiting);
        }
        Ok(applied)
    }

    /// Applies `command` (a `Command::Run`) as `caller` and starts the run it makes. As job
    /// `job`, when given, it is in the registry from this call on, before the future runs: a
    /// cancel that comes while the run is still being looked up and checked stops it as it
    /// starts.
    pub(crate) fn start_run(
        &self,
        caller: Context,
        command: Command,
        job: Option<JobId>,
    ) -> impl Future<Output = Result<StartedRun, CommandError>> + Send + 'static {
        let (cancel, cancelled) = tokio::sync::watch::channel(false);
        let registered = job.map(|id| {
            self.jobs.register(id, move || {
                let _ = cancel.send(true);
            })
        });
        async move {
            let listened = registered.is_some();
            // A front end that reads slowly never holds the tool: the newest MiB of each
            // stream is kept while it is behind.
            let started =
                started_run::start(&caller, command, Some(OutputPolicy::Newest), registered)
                    .await?;
            if listened {
                forward_cancel(cancelled, started.canceller());
            }
            Ok(started)
        }
    }

    /// Cancels the jobs of this server's tasks (`me`: this process) that a client of any
    /// process asked to cancel in the store: one query for them all each time the store was
    /// written, and none while no task is open. The front end spawns it once, for its first
    /// task; it runs as long as the runtime.
    pub(crate) fn cancel_tasks_asked_elsewhere(
        &self,
        me: ProcessId,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (jobs, store) = (self.jobs.clone(), self.store.clone());
        let writes = self.workbench.store_writes().clone();
        async move {
            loop {
                jobs.some(JobId::is_task).await;
                let mut written = writes.listen();
                while jobs.count(JobId::is_task) > 0 {
                    written.written().await;
                    let store = store.clone();
                    let asked = crate::jobs::blocking(move || {
                        store.lock().tasks_to_cancel(me.pid, me.start_ticks)
                    })
                    .await;
                    for id in asked.ok().and_then(Result::ok).unwrap_or_default() {
                        jobs.cancel(&JobId::Task(id));
                    }
                }
            }
        }
    }

    /// Waits until every run the writer holds is committed: a front end's last step.
    pub(crate) fn flush(&self) {
        if let Some(writer) = &self.writer {
            writer.flush();
        }
    }
}

/// `live` takes a scan's result, then saves it to the cached index on a blocking thread and
/// tells `saved` how that went.
fn keep_scan(
    live: &Arc<LiveCatalog>,
    entries: Arc<Vec<ToolEntry>>,
    saved: impl FnOnce(Result<(), String>) + Send + 'static,
) {
    live.replace_shared(entries);
    let live = Arc::clone(live);
    tokio::task::spawn_blocking(move || saved(live.write_index_if_due()));
}

/// Cancels `run` once `cancelled` turns true; gives up when the run ended first.
fn forward_cancel(mut cancelled: tokio::sync::watch::Receiver<bool>, run: CancelSender) {
    tokio::spawn(async move {
        tokio::select! {
            asked = cancelled.wait_for(|c| *c) => {
                if asked.is_ok() {
                    let _ = run.send(true);
                }
            }
            () = run.closed() => {}
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Consent;
    use crate::model::ToolId;

    /// A front end that reads slowly gets every row of a streaming scan once, in the order
    /// told, and its end after them: the rows read while it is behind join the next ones told.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_reader_gets_every_row_of_a_scan_once_and_its_end_last() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let names: Vec<String> = (0..300).map(|i| format!("t{i:03}")).collect();
        for name in &names {
            crate::test_fixtures::write_tool(dir.path(), crate::model::Tier::Approved, name, "d");
        }
        let serving = Serving::fixture(dir.path());
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(None).expect("room for one");
        serving.scan(Arc::new(Vec::new()), true, tx, Some, |_| {});
        // Behind: the queue stays full while the scan reads.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(matches!(rx.recv().await, Some(None)));
        let (mut told, mut ended) = (Vec::new(), false);
        while let Some(event) = rx.recv().await {
            assert!(!ended, "nothing after the end: {event:?}");
            match event.expect("only the scan's events") {
                ScanEvent::Rows(rows) => told.extend(rows.into_iter().map(|e| e.name)),
                ScanEvent::Told { last, .. } => {
                    told.extend(last.into_iter().map(|e| e.name));
                    ended = true;
                }
                ScanEvent::Finished { .. } => panic!("a streaming scan tells its rows"),
                ScanEvent::Progress { .. } => {}
            }
        }
        assert!(ended, "the end was told");
        told.sort_unstable();
        assert_eq!(told, names, "every row once");
    }

    /// A scan's result becomes the live catalog, which the front end's commands look tools up
    /// in and the watch's changes fold into, whatever the scan told before it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scans_result_becomes_the_live_catalog_after_its_progress() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        for i in 0..40 {
            let name = format!("t{i:02}");
            crate::test_fixtures::write_tool(dir.path(), crate::model::Tier::Approved, &name, "d");
        }
        let serving = Serving::fixture(dir.path());
        assert_eq!(serving.catalog().len(), 0);
        let (tx, mut rx) = mpsc::channel(64);
        let (saved_tx, saved_rx) = std::sync::mpsc::channel();
        serving.scan(Arc::new(Vec::new()), false, tx, Some, move |saved| {
            let _ = saved_tx.send(saved);
        });
        let mut before_result = 0;
        loop {
            let event = rx.recv().await.expect("the scan ends");
            match event.expect("only the scan's events") {
                ScanEvent::Finished { entries, .. } => {
                    assert_eq!(entries.len(), 40);
                    break;
                }
                _ => before_result += 1,
            }
        }
        assert!(before_result > 0, "progress was told before the result");
        assert_eq!(
            serving.catalog().len(),
            40,
            "the live catalog is the result"
        );
        let saved = tokio::task::spawn_blocking(move || saved_rx.recv())
            .await
            .expect("joined");
        assert_eq!(saved, Ok(Ok(())), "the result was saved to the index");
    }

    #[tokio::test]
    async fn a_run_is_a_job_from_the_call_on_and_leaves_when_it_did_not_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let serving = Serving::fixture(dir.path());
        let command = Command::Run {
            tool: ToolId::named("nobody"),
            input: None,
            consent: Consent {
                confirmed: false,
                grant: false,
            },
        };
        let starting = serving.start_run(serving.commands(), command, Some(JobId::Run(3)));
        // Not polled yet: a cancel key pressed now is not lost.
        assert!(serving.jobs().cancel(&JobId::Run(3)));
        let refused = starting.await.err();
        assert!(
            matches!(refused, Some(CommandError::Lookup(_))),
            "{refused:?}"
        );
        assert_eq!(serving.jobs().count(|_| true), 0, "the job left");
    }
}
