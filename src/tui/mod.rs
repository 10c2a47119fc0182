//! The terminal UI: the only module that knows about the terminal.
//!
//! `run` owns the event loop: it turns terminal input, background results and signals into
//! `AppEvent`s, lets `App::update` change state, runs the `Effect`s it asks for on background
//! tasks, and draws when something changed.

pub mod action;
pub mod app;
mod clipboard;
mod coalesce;
mod config_file;
mod cursor;
mod desktop;
pub(crate) mod detail_content;
pub(crate) mod diff;
mod external_editor;
pub mod highlight;
mod inputs_report;
mod job_events;
pub mod keymap;
pub(crate) mod layout;
mod message_log;
pub mod overlays;
mod panes;
pub(crate) mod paste;
mod preview_cache;
pub mod quality_history;
pub(crate) mod review_keys;
pub(crate) mod run_history;
pub(crate) mod runs;
mod terminal;
mod terminal_input;
pub(crate) mod text_fit;
pub(crate) mod text_view;
pub mod theme;
pub mod ui;
mod verdict_lines;
mod web_page;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::command::validations::ValidationRequest;
use crate::command::{self, Command};
use crate::model::Catalog;
use crate::model::RootSource;
use crate::model::{RunOrigin, ToolId};
use crate::user_dirs::config_dir;
use crate::workbench::Workbench;
use crate::workbench::events::{Events, Sources};
use crate::workbench::reader::Reader;
use crate::workbench::registry::JobId;
use crate::workbench::serve::{Recording, Serving};
use crate::workbench::stop::Stop;
use app::{App, AppEvent, Effect};
use keymap::Keymap;
use theme::Theme;

/// Benchmarks set this to `first-frame` or `scan` to exit at that point. Unlike the journal's
/// test hooks it stays in release builds: the benchmarks measure the release binary, and it
/// only makes the workbench leave early (after the first frame or the first scan), as a user
/// pressing `q` at that moment would; it cannot make a decision, a run or a write go
/// differently.
pub(crate) const EXIT_AFTER_ENV: &str = "TOOLBENCH_EXIT_AFTER";
/// Benchmarks set this to a file path: at exit the workbench writes there the most events its
/// queue held at once. Like `EXIT_AFTER_ENV` it stays in release builds and changes nothing
/// the workbench does.
pub(crate) const QUEUE_REPORT_ENV: &str = "TOOLBENCH_QUEUE_REPORT";

/// Rows of the cached index the first frame is drawn from, in each of the Catalog and Review
/// panes' orders: more than either pane has on a 128-line screen.
const FIRST_ROWS: usize = 128;
/// The shortest time between two frames: output floods redraw at most this often.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// Failures shown in the Failures pane.
const HISTORY_LIMIT: usize = 500;
/// Slow tick for clocks and message expiry; drawing is driven by state changes, not the tick.
const TICK_INTERVAL: Duration = Duration::from_millis(250);
/// Most time spent taking queued events between two looks at the terminal.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// Runs the terminal workbench on `workbench`: its write connection becomes the process's
/// one writer.
pub(crate) fn run(workbench: Workbench) -> anyhow::Result<()> {
    limit_malloc_arenas();
    // The screen is the workbench's: ssh-keygen may not ask a passphrase on it.
    workbench.hold_the_terminal();
    let dir = config_dir();
    let keymap = Keymap::load(dir.as_deref())?;
    let theme = Theme::load(dir.as_deref())?;
    let reader = workbench.reader()?;
    let (label, sort) = (
        root_label(workbench.root(), workbench.source()),
        workbench.config().sort,
    );
    let policy = workbench.config().run_policy();
    // Like fzf, the first frame does not wait for the whole input: it is drawn from the
    // first rows of the cached index and the counts by tier, and the rest is read right
    // after it, off this thread (`event_loop`). A small index is read whole at once.
    let head = reader
        .index_head(workbench.root(), sort, FIRST_ROWS)
        .ok()
        .flatten();
    let mut app = match head {
        Some(head) => App::with_head(label, head, sort, keymap, theme, policy),
        None => {
            let cached = reader.index().unwrap_or_default();
            App::with_policy(label, cached, sort, keymap, theme, policy)
        }
    };
    app.project_label = workbench.project().map(|project| {
        let name = project.file_name().map_or_else(
            || project.display().to_string(),
            |name| name.to_string_lossy().into(),
        );
        format!("{name} ({})", workbench.project_source().label())
    });
    // What opening settled (decisions a crash interrupted) is told once, as it starts.
    if let Some(worst) = workbench
        .notices()
        .iter()
        .find(|n| n.starts_with("warning: "))
    {
        app.notify(worst.clone(), app::Level::Error);
    } else if !workbench.notices().is_empty() {
        app.notify(workbench.notices().join("; "), app::Level::Info);
    }
    // Reviewers the workspace lists that this machine has not accepted (signatures on).
    if let Some(line) = workbench.signers_line() {
        app.notify(line, app::Level::Error);
    }
    // The day's backup of the store, if due, off the screen's path.
    let exit_after = std::env::var(EXIT_AFTER_ENV).unwrap_or_default();
    let (tx, rx) = mpsc::channel::<AppEvent>(job_events::EVENT_QUEUE);
    let (output_tx, output_rx) = mpsc::channel::<AppEvent>(job_events::OUTPUT_QUEUE);
    // Started here, on the thread that lives as long as the workbench; held until `run`
    // returns, when dropping it ends the page.
    let served_page = workbench
        .config()
        .web
        .with_workbench
        .then(|| web_page::WebPage::start(workbench.root(), tx.clone()))
        .and_then(|started| {
            started
                .map_err(|why| app.notify(why, app::Level::Error))
                .ok()
        });
    app.serves_page = served_page.is_some();
    // The first frame comes before the async runtime and the served workspace: it shows
    // nothing of theirs, and on two cores their threads' start took time from it.
    let guard = first_frame(&mut app, workbench.config().mouse)?;
    workbench.back_up_in_background();
    // Staging folders killed proposers left: nothing the frame showed depends on them.
    workbench.sweep_staging_in_background();
    if exit_after == "first-frame" {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The live catalog starts from the cached index the app shows, shared until either changes.
    let cached = Catalog::from_shared(app.catalog.shared_entries());
    let ui_runtime = UiRuntime::start(runtime.handle(), workbench, cached, output_tx)?;
    let result = runtime.block_on(event_loop(
        &mut app,
        guard,
        ui_runtime,
        (tx, rx),
        output_rx,
        &exit_after,
    ));
    // A scan or validation still going must not delay leaving: the store is flushed already.
    runtime.shutdown_background();
    crate::workbench::after_runtimes();
    // The process ends right after: handing a 10,000-tool catalog back to the allocator
    // piece by piece only delays the exit (by ~10 ms), and the terminal is restored already.
    std::mem::forget(app);
    result
}

/// glibc gives each thread that allocates its own arena and keeps freed memory in each: with
/// the runtime's workers, blocking threads and validations, that alone added a fifth to the
/// resident size of a 10,000-tool workbench. Two arenas keep it flat at no measurable cost.
///
/// And a block of more than `MMAP_THRESHOLD` bytes (a catalog's list of 10,000 entries, a
/// sort's buffer, a scan's results) always gets pages of its own, handed back when freed.
/// glibc otherwise raises that threshold to the size of each such block freed, after which
/// blocks of up to 4–5 MB come from the arenas and their pages stay with the process: that
/// added 15–30 MB to the peak of a first scan of 10,000 tools (docs/benchmarks/catalog.md,
/// "The workbench's memory through its first scan").
/// Must run before any thread starts.
fn limit_malloc_arenas() {
    /// glibc's own starting threshold, kept from moving.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator settings; called while single-threaded.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// The workbench UI's runtime, what effects need: the workspace served (its one writer, the
/// live catalog, the validation queue, the jobs that may be cancelled), the queue of run
/// output, and what the UI follows and loads itself. Every change of state goes through the
/// workbench's door (`Serving::apply`); long reads open read-only connections of their own
/// (`Reader`).
struct UiRuntime {
    serving: Arc<Serving>,
    /// Run output, bounded: a flood waits here (thinned by its run's observer), not in the
    /// event queue.
    output: mpsc::Sender<AppEvent>,
    /// History loads: one at a time, however many are asked for meanwhile.
    history: coalesce::Coalesced<Arc<crate::model::Catalog>>,
}

impl UiRuntime {
    /// The workspace's root, borrowed from the one handle the served workbench holds.
    fn root(&self) -> &Path {
        self.serving.workbench().root()
    }

    /// Serves `workbench` from `catalog` (the cached index the app shows), its runs batched
    /// by the writer thread. The pollers start later (`events`).
    fn start(
        runtime: &tokio::runtime::Handle,
        workbench: Workbench,
        catalog: Catalog,
        output: mpsc::Sender<AppEvent>,
    ) -> Result<Self, crate::model::StoreError> {
        let serving = workbench.serve(runtime, catalog, RunOrigin::Tui, Recording::Batched)?;
        Ok(Self {
            serving: Arc::new(serving),
            output,
            history: coalesce::Coalesced::default(),
        })
    }
}

impl UiRuntime {
    /// The workbench's stream of events, its pollers started now: runs started elsewhere,
    /// waiting agent calls, service instances. They read the store at once, so the workbench
    /// starts them after its first frame, which shows nothing of theirs: on two cores they
    /// took time from it.
    fn events(&self) -> Result<Events, crate::model::StoreError> {
        self.serving.workbench().events(Sources {
            runs_elsewhere: true,
            waiting: true,
            services: true,
        })
    }
}

fn root_label(root: &Path, source: RootSource) -> String {
    match source {
        RootSource::LocalTools => "tools/".to_string(),
        RootSource::Flag | RootSource::UserData => root.display().to_string(),
    }
}

type Channel = (mpsc::Sender<AppEvent>, mpsc::Receiver<AppEvent>);

/// Takes the terminal and draws `app`'s first frame on it, sized to the terminal.
fn first_frame(app: &mut App, mouse: bool) -> anyhow::Result<terminal::TerminalGuard> {
    let mut guard = terminal::TerminalGuard::enter(mouse).context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    app.update(AppEvent::Terminal(crossterm::event::Event::Resize(
        size.width,
        size.height,
    )));
    guard.terminal.draw(|frame| ui::draw(frame, app))?;
    app.dirty = false;
    Ok(guard)
}

async fn event_loop(
    app: &mut App,
    mut guard: terminal::TerminalGuard,
    mut ui_runtime: UiRuntime,
    (tx, mut rx): Channel,
    mut output: mpsc::Receiver<AppEvent>,
    exit_after: &str,
) -> anyhow::Result<()> {
    // The grammars are big: loading them beside the first frame slowed it (allocator and
    // cores shared), and nothing needs them before a tool detail opens.
    highlight::load_in_background();
    let mut events = ui_runtime.events()?;
    // `.` runs the last run again after a restart too: the store keeps the runs started here.
    app.reading_last_run();
    {
        let (tx, root) = (tx.clone(), ui_runtime.root().to_path_buf());
        tokio::task::spawn_blocking(move || {
            // A workspace that never ran anything may have no store yet: nothing to run again.
            let run = Reader::open_existing(&root).and_then(|reader| match reader {
                Some(reader) => reader.newest_run_from(crate::model::RunOrigin::Tui),
                None => Ok(None),
            });
            let _ = tx.blocking_send(AppEvent::LastRunRead(run));
        });
    }
    // Left out of the first frame: the search index, built now, before the first key.
    app.catalog.search();
    // The rest of the cached index, when the first frame showed only its first rows: read on
    // a blocking thread with its search index, and taken as one event. The loop holds every
    // event until then (`app::Held`); the watch, and the scan it starts, wait for it too.
    let rest_due = app.rest.is_some();
    if rest_due {
        let (tx, root) = (tx.clone(), ui_runtime.root().to_path_buf());
        tokio::spawn(async move {
            // Through a reader of its own: the writer stays free for what starts meanwhile.
            let loaded = tokio::task::spawn_blocking(move || {
                let rows = Reader::open(&root).and_then(|reader| reader.index());
                let catalog = Catalog::new(rows.unwrap_or_default());
                catalog.search();
                Arc::new(catalog)
            })
            .await;
            // A read that panicked still ends the wait: nothing cached, the workspace is scanned.
            let catalog = loaded.unwrap_or_else(|_| Arc::new(Catalog::new(Vec::new())));
            let _ = tx.send(AppEvent::IndexLoaded(catalog)).await;
        });
    }

    // Watching a large workspace means one inotify watch per folder: set it up after the
    // first frame, off the UI thread. A scan starts once it watches, so no change can fall
    // between the two; with nothing cached to show, a first scan starts at once too, its rows
    // shown as it reads them, and the scan once watching follows it.
    if app.catalog.entries().is_empty() {
        app.scan_workspace();
    }
    let mut watcher_setup = (!rest_due).then(|| ui_runtime.serving.watch());
    let mut watch_told = false;
    // Events that come before the rest of the index wait for it (`Held`).
    let mut held = app::Held::default();
    let mut terminal_events = terminal_input::TerminalInput::start();
    let mut tick = tokio::time::interval(TICK_INTERVAL);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    // The terminal's Ctrl-C is a key here; this is `kill -INT`.
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut last_draw = Instant::now();
    // The most events seen waiting in the queue at once (`QUEUE_REPORT_ENV`).
    let mut deepest = 0;
    // A key came since the last frame, and when the last key's answer was drawn.
    let (mut answer_key, mut last_answer) = (false, last_draw);

    loop {
        deepest = deepest.max(rx.len()).max(events.len());
        // Before the effects: what is still pending when we leave is handled below.
        if app.should_quit {
            break;
        }
        for effect in app.take_effects() {
            match effect {
                Effect::EditExternally(files) => {
                    // No key meant for the editor may be read here meanwhile. Ended before a
                    // new reader is made: that one waits for the old one's lock.
                    terminal_events.stop();
                    let edited = match external_editor::editor() {
                        Some(editor) => guard
                            .step_aside(|| external_editor::edit(&editor, &files))
                            .context("cannot take the terminal back from the editor")?,
                        None => Err("set $VISUAL or $EDITOR to edit in your own editor".into()),
                    };
                    terminal_events = terminal_input::TerminalInput::start();
                    app.update(AppEvent::EditedExternally(edited));
                }
                Effect::PageRunLog { log_dir, name } => {
                    let paged = match external_editor::pager() {
                        Some(pager) => {
                            // As for the editor: no key meant for the pager is read here.
                            terminal_events.stop();
                            let run_dir = ui_runtime.root().join(&log_dir);
                            let paged = guard
                                .step_aside(|| {
                                    external_editor::page_run_log(&pager, &run_dir, &name)
                                })
                                .context("cannot take the terminal back from the pager")?;
                            terminal_events = terminal_input::TerminalInput::start();
                            paged
                        }
                        None => external_editor::Paged::NoPager,
                    };
                    app.update(AppEvent::Paged(paged));
                }
                effect => run_effect(effect, &mut ui_runtime, app, &tx),
            }
        }
        // Draw when something changed, at most once per frame interval; a key's answer at
        // once, as the person waits for it, unless a key was answered within the interval
        // (a paste's hundreds of keys, each its own event, draw once a frame).
        let interval = match answer_key && last_answer.elapsed() >= FRAME_INTERVAL {
            true => Duration::ZERO,
            false => FRAME_INTERVAL,
        };
        if app.dirty && last_draw.elapsed() >= interval {
            guard.terminal.draw(|frame| ui::draw(frame, app))?;
            app.dirty = false;
            last_draw = Instant::now();
            if std::mem::take(&mut answer_key) {
                last_answer = last_draw;
            }
        }
        let next_frame = tokio::time::Instant::from_std(last_draw + interval);
        // Biased, in this order: a key is served before anything the tools produce.
        let event = tokio::select! {
            biased;
            Some(event) = terminal_events.next() => match event {
                Ok(event) => AppEvent::Terminal(event),
                Err(e) => return Err(e).context("cannot read terminal input"),
            },
            _ = sigterm.recv() => AppEvent::Shutdown("SIGTERM"),
            _ = sighup.recv() => AppEvent::Shutdown("SIGHUP"),
            _ = sigint.recv() => AppEvent::Shutdown("SIGINT"),
            Some(event) = rx.recv() => event,
            Some(event) = events.recv() => match job_events::from_workbench(event) {
                Some(event) => event,
                None => continue,
            },
            Some(event) = output.recv() => event,
            setup = async {
                match watcher_setup.as_mut() {
                    Some(setup) => setup.await,
                    None => std::future::pending().await,
                }
            }, if !watch_told => {
                watch_told = true;
                AppEvent::WatcherStarted(setup)
            }
            _ = tokio::time::sleep_until(next_frame), if app.dirty => continue,
            _ = tick.tick() => AppEvent::Tick,
        };
        let key = is_key(&event);
        answer_key |= key;
        let mut scan_done = matches!(
            event,
            AppEvent::ScanFinished { .. } | AppEvent::ScanTold { .. }
        );
        whole_index(&event, &ui_runtime, &mut watcher_setup, || {
            ui_runtime.serving.watch()
        });
        held.update(app, event);
        keep_told(app, &ui_runtime, &tx);
        // Coalesce bursts before drawing once, within a budget: past it, or as soon as input
        // came, the loop goes round, so input and the next frame are never stuck behind a
        // flood.
        let budget = match key {
            true => Instant::now(),
            false => Instant::now() + DRAIN_BUDGET,
        };
        while Instant::now() < budget && !terminal_events.may_wait() {
            let next = rx
                .try_recv()
                .ok()
                .or_else(|| {
                    std::iter::from_fn(|| events.try_recv()).find_map(job_events::from_workbench)
                })
                .or_else(|| output.try_recv().ok());
            match next {
                Some(event) => {
                    // In a burst (thousands of validations answering) the scan's end comes
                    // here more often than first.
                    scan_done |= matches!(
                        event,
                        AppEvent::ScanFinished { .. } | AppEvent::ScanTold { .. }
                    );
                    whole_index(&event, &ui_runtime, &mut watcher_setup, || {
                        ui_runtime.serving.watch()
                    });
                    held.update(app, event);
                    keep_told(app, &ui_runtime, &tx);
                }
                None => break,
            }
        }
        if scan_done && exit_after == "scan" {
            app.should_quit = true;
        }
    }
    // Every run of this process is cancelled, the person's and validation's alike, and
    // recorded `cancelled` before the program ends, not left to a later start to find
    // abandoned; a run that takes longer than `STOP_WITHIN` is left so.
    let stop = Stop::begin();
    // A run's end reaches the app before its record reaches the store: wait for the record.
    while app.runs_unrecorded() > 0 {
        let event = tokio::select! {
            Some(event) = rx.recv() => event,
            Some(event) = output.recv() => event,
            _ = tokio::time::sleep_until(stop.deadline()) => break,
        };
        app.update(event);
    }
    stop.runs_recorded().await;
    // A catalog scanned just before quitting is still worth caching for the next start.
    let _ = ui_runtime.serving.save_index_if_due();
    drop(guard);
    ui_runtime.serving.flush();
    if let Some(report) = std::env::var_os(QUEUE_REPORT_ENV) {
        let _ = std::fs::write(
            report,
            format!("deepest {deepest} of {}\n", job_events::EVENT_QUEUE),
        );
    }
    Ok(())
}

/// A key or a paste: the person waits to see what it did.
fn is_key(event: &AppEvent) -> bool {
    matches!(
        event,
        AppEvent::Terminal(crossterm::event::Event::Key(_) | crossterm::event::Event::Paste(_))
    )
}

/// The rest of the cached index came (`AppEvent::IndexLoaded`): the live catalog starts from
/// it, and only then is the workspace watched, so no change the watch folds in is lost to it.
fn whole_index<S>(
    event: &AppEvent,
    ui_runtime: &UiRuntime,
    watcher_setup: &mut Option<S>,
    follow: impl FnOnce() -> S,
) {
    if let AppEvent::IndexLoaded(catalog) = event
        && watcher_setup.is_none()
    {
        ui_runtime.serving.start_from(catalog);
        *watcher_setup = Some(follow());
    }
}

/// Where a failed save of the cached index is told: the status bar.
fn index_saved(tx: &mpsc::Sender<AppEvent>) -> impl Fn(Result<(), String>) + Send + Sync + 'static {
    let tx = tx.clone();
    move |saved| {
        if let Err(problem) = saved {
            let _ = tx.blocking_send(AppEvent::WatchProblem(problem));
        }
    }
}

/// A scan whose rows were its result ended: the live catalog takes the entries the app shows,
/// before another event can change them (which would then copy them, still shared).
fn keep_told(app: &mut App, ui_runtime: &UiRuntime, tx: &mpsc::Sender<AppEvent>) {
    if let Some(entries) = app.take_told_result() {
        ui_runtime.serving.keep_scan(entries, index_saved(tx));
    }
}

/// Starts an effect's work off the loop. The loop itself never waits for room in its own
/// queue: the work sends from a task that may wait (`send().await`), from a blocking thread
/// (`blocking_send`), or through a listener that folds (`job_events`).
fn run_effect(effect: Effect, ui_runtime: &mut UiRuntime, app: &App, tx: &mpsc::Sender<AppEvent>) {
    match effect {
        Effect::Scan => {
            // The catalog shown (the cached index, then the last scan) knows the hashes of
            // every folder that has not changed since, and once a scan was shown, the whole
            // entry: the scan once watching that follows a first one does not read and hold
            // every manifest again beside the ones shown. With nothing cached to show, the
            // rows come as the scan reads them, in order.
            ui_runtime.serving.scan(
                app.catalog.shared_entries(),
                app.catalog.entries().is_empty(),
                tx.clone(),
                job_events::scan_event,
                index_saved(tx),
            );
        }
        Effect::LoadPreview { entry, parent } => {
            let theme = app.theme.clone();
            read_off_loop(tx, move || {
                let diff = detail_content::diff_only(&entry, &parent, &theme);
                let lines = diff.numbered(&theme, app::preview::PREVIEW_LINES);
                Some(AppEvent::PreviewLoaded {
                    hash: entry.content_hash.clone(),
                    lines,
                })
            });
        }
        Effect::LoadDetail { entry, parent } => {
            let tx = tx.clone();
            let theme = app.theme.clone();
            let root = ui_runtime.root().to_path_buf();
            tokio::task::spawn_blocking(move || {
                let reader = read_or_say(&tx, "recent runs", Reader::open(&root).map(Some));
                let recent_runs = reader
                    .as_ref()
                    .map(|reader| {
                        read_or_say(
                            &tx,
                            "recent runs",
                            reader.runs_of_version_in_use(
                                &entry.name,
                                &entry.version,
                                run_history::RECENT_RUNS,
                            ),
                        )
                    })
                    .unwrap_or_default();
                let environment = crate::workbench::reads::environment_of(&root, &entry);
                detail_content::load(&entry, parent.as_deref(), &theme, |mut content| {
                    content.recent_runs = recent_runs.clone();
                    content.environment = environment.clone();
                    let _ = tx.blocking_send(AppEvent::DetailLoaded {
                        path: entry.path.clone(),
                        content: Box::new(content),
                    });
                });
                // Last, and on its own: one stats query per day the tool ran, which for a
                // tool with 10,000 runs takes longer than the rest
                // (docs/benchmarks/workbench.md, "Stats overlay").
                let days = reader
                    .as_ref()
                    .map(|reader| {
                        read_or_say(
                            &tx,
                            "quality by day",
                            reader.quality_by_day(&entry.name, quality_history::QUALITY_DAYS),
                        )
                    })
                    .unwrap_or_default();
                if !days.is_empty() {
                    let _ = tx.blocking_send(AppEvent::QualityByDayLoaded {
                        path: entry.path.clone(),
                        days,
                    });
                }
            });
        }
        Effect::Reload(paths) if !paths.is_empty() => {
            let serving = Arc::clone(&ui_runtime.serving);
            // Through the live catalog, which tells the app as it tells the watch's changes.
            tokio::task::spawn_blocking(move || serving.reload(&paths));
        }
        Effect::Reload(_) => {}
        Effect::LoadHistory => {
            let Some(catalog) = ui_runtime.history.ask(Arc::clone(&app.catalog)) else {
                return;
            };
            let (tx, root, loads) = (
                tx.clone(),
                ui_runtime.root().to_path_buf(),
                ui_runtime.history.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let mut catalog = catalog;
                loop {
                    let _ = tx.blocking_send(load_history(&root, &catalog, &tx));
                    match loads.done() {
                        Some(newer) => catalog = newer,
                        None => break,
                    }
                }
            });
        }
        Effect::LoadDestination { command, entry } => {
            let root = ui_runtime.root().to_path_buf();
            read_off_loop(tx, move || {
                let destination =
                    match crate::workbench::reads::destination(&root, &command, &entry) {
                        Ok(Some(destination)) => Ok(destination),
                        Ok(None) => return None,
                        Err(why) => Err(why),
                    };
                Some(AppEvent::DestinationLoaded {
                    path: entry.path.clone(),
                    destination,
                })
            });
        }
        Effect::PauseValidation(paused) => ui_runtime.serving.pause_validation(paused),
        Effect::LoadStats => {
            let root = ui_runtime.root().to_path_buf();
            let catalog = Arc::clone(&app.catalog);
            read_off_loop(tx, move || {
                let result = Reader::open(&root)
                    .and_then(|reader| {
                        reader.workspace_stats(
                            catalog.entries(),
                            std::time::SystemTime::now(),
                            overlays::stats::DAYS_SHOWN,
                            overlays::stats::TREND_OVER,
                        )
                    })
                    .map(Box::new);
                Some(AppEvent::StatsLoaded(result))
            });
        }
        // The queue is this process's: read at once, no store involved.
        Effect::LoadResource(overlays::resources::Resource::Validations) => {
            let rows = overlays::resources::validation_rows(
                ui_runtime.serving.validation_queue(),
                app.validations.iter(),
            );
            read_off_loop(tx, move || {
                Some(AppEvent::ResourceLoaded {
                    resource: overlays::resources::Resource::Validations,
                    table: Ok(rows.table()),
                })
            });
        }
        Effect::LoadResource(resource) => {
            let root = ui_runtime.root().to_path_buf();
            read_off_loop(tx, move || {
                let table = Reader::open(&root)
                    .and_then(|reader| overlays::resources::load(&reader, resource));
                Some(AppEvent::ResourceLoaded { resource, table })
            });
        }
        Effect::StartRun {
            key,
            entry,
            input,
            consent,
        } => {
            // Bound to the content the person launched: a tool changed since is refused. The
            // library's gate decides; the dialog only asked for the confirmation it needs. The
            // run is a job of the workspace from here on: the cancel key may come before it
            // starts.
            let command = Command::Run {
                tool: ToolId::content_of(&entry),
                input,
                consent,
            };
            let starting = ui_runtime.serving.start_run(
                ui_runtime.serving.commands(),
                command,
                Some(JobId::Run(key)),
            );
            let (tx, output) = (tx.clone(), ui_runtime.output.clone());
            tokio::spawn(async move {
                match starting.await {
                    Ok(mut started) => {
                        job_events::follow_run(key, &mut started, tx, output).await;
                    }
                    Err(error) => {
                        let _ = tx.send(AppEvent::RunNotStarted { key, error }).await;
                    }
                }
            });
        }
        Effect::CancelRun(key) => {
            ui_runtime.serving.jobs().cancel(&JobId::Run(key));
        }
        Effect::Apply(command) => {
            apply(ui_runtime, with_progress(ui_runtime, tx), tx, *command);
        }
        Effect::ApplyEach(commands) => apply_each(ui_runtime, tx, commands),
        // The event loop runs it: the terminal is its to give.
        Effect::EditExternally(_) | Effect::PageRunLog { .. } => {}
        Effect::LoadEvolve(entry) => read_off_loop(tx, move || {
            let files = detail_content::text_files(&entry);
            Some(AppEvent::EvolveLoaded {
                path: entry.path.clone(),
                files,
            })
        }),
        Effect::Validate { tool, force } => ui_runtime.serving.validate(ValidationRequest {
            tool,
            force,
            // Shared, not copied: a scan can queue thousands of validations.
            catalog: Arc::clone(&app.catalog),
        }),
        Effect::FollowInstance { key, instance } => {
            ui_runtime.serving.workbench().follow_instance(
                instance,
                crate::model::services::Follow {
                    key,
                    from: crate::model::services::FeedStart::Recent,
                },
            );
        }
        Effect::LoadInputHistory { path, tool } => {
            let root = ui_runtime.root().to_path_buf();
            read_off_loop(tx, move || {
                let inputs = Reader::open(&root).and_then(|reader| {
                    reader.recent_inputs(
                        &tool,
                        overlays::launch::INPUT_HISTORY,
                        overlays::launch::INPUT_HISTORY_BYTES,
                    )
                });
                Some(AppEvent::InputHistoryLoaded { path, inputs })
            });
        }
        Effect::Tell(line) => {
            // A bell that cannot be written has no one to ring for: the terminal is gone.
            if ui_runtime.serving.workbench().config().bell {
                let _ = terminal::send(b"\x07");
            }
            desktop::notify(line);
        }
        // A few bytes to the terminal between two frames: no need for a task.
        Effect::Copy(text) => {
            if let Err(e) = clipboard::copy(&text) {
                let _ = tx.try_send(AppEvent::CopyFailed(e.to_string()));
            }
        }
    }
}

/// The Failures pane's history, the tools' statistics and health alerts, who proposed each
/// candidate and when it arrived: one read through a read-only connection. A part that could
/// not be read is shown empty, and the status bar says so (through `tx`).
fn load_history(
    root: &Path,
    catalog: &crate::model::Catalog,
    tx: &mpsc::Sender<AppEvent>,
) -> AppEvent {
    let reader = match Reader::open(root) {
        Ok(reader) => reader,
        Err(e) => return AppEvent::StoreRefused(format!("history: {e}")),
    };
    let failures = read_or_say(tx, "failures", reader.failures(None, HISTORY_LIMIT));
    let stats = read_or_say(tx, "tool statistics", reader.tool_stats());
    let alerts = read_or_say(tx, "health alerts", reader.health_alerts(catalog.entries()));
    let proposers = read_or_say(tx, "proposers", reader.proposers());
    let changes_requested = read_or_say(tx, "changes requested", reader.changes_requested());
    // Rows may hold a path relative to the root or, from older stores, absolute.
    let arrivals = read_or_say(tx, "review queue", reader.arrivals())
        .into_iter()
        .map(|(path, arrived_at)| (root.join(path), arrived_at))
        .collect();
    AppEvent::HistoryLoaded {
        failures,
        stats,
        alerts,
        proposers,
        arrivals,
        changes_requested,
    }
}

/// What a blocking read got, or, when the store refused it, nothing, with the reason sent to
/// the status bar: a pane left empty by an error says so.
fn read_or_say<T: Default>(
    tx: &mpsc::Sender<AppEvent>,
    what: &str,
    read: Result<T, crate::model::StoreError>,
) -> T {
    read.unwrap_or_else(|e| {
        let _ = tx.blocking_send(unread(what, &e));
        T::default()
    })
}

/// The status bar's line for a read the store refused.
fn unread(what: &str, error: &crate::model::StoreError) -> AppEvent {
    AppEvent::StoreRefused(format!(
        "{what} not read: {}",
        crate::error_chain::one_line(error)
    ))
}

/// Applies `command` as `ctx` off the event loop, through the workbench's one door, and reports
/// what it did. An evolve (the one command that reports its steps) may run for minutes: the
/// status bar says it started.
fn apply(
    ui_runtime: &UiRuntime,
    ctx: command::Context,
    tx: &mpsc::Sender<AppEvent>,
    command: Command,
) {
    let serving = Arc::clone(&ui_runtime.serving);
    let tx = tx.clone();
    tokio::spawn(async move {
        let result = serving.apply(&ctx, command.clone()).await;
        let command = Box::new(command);
        let _ = tx.send(AppEvent::Applied { command, result }).await;
    });
}

/// Does `read` (files, the store) on a blocking thread, off the loop, and sends the event it
/// makes, waiting for room; `None` tells nothing.
fn read_off_loop(
    tx: &mpsc::Sender<AppEvent>,
    read: impl FnOnce() -> Option<AppEvent> + Send + 'static,
) {
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        if let Some(event) = read() {
            let _ = tx.blocking_send(event);
        }
    });
}

/// Applies `commands` one after the other (the same names may meet in the active tiers) and
/// reports them together, each with its label.
fn apply_each(
    ui_runtime: &UiRuntime,
    tx: &mpsc::Sender<AppEvent>,
    commands: Vec<(String, Command)>,
) {
    let ctx = with_progress(ui_runtime, tx);
    let serving = Arc::clone(&ui_runtime.serving);
    let tx = tx.clone();
    tokio::spawn(async move {
        let mut results = Vec::with_capacity(commands.len());
        for (label, command) in commands {
            results.push((label, serving.apply(&ctx, command).await));
        }
        let _ = tx.send(AppEvent::AppliedEach(results)).await;
    });
}

/// The workbench's command context, with an evolve's steps sent to the app as they come.
fn with_progress(ui_runtime: &UiRuntime, tx: &mpsc::Sender<AppEvent>) -> command::Context {
    let mut ctx = ui_runtime.serving.commands();
    let progress = tx.clone();
    ctx.progress = Some(Arc::new(move |step| {
        job_events::send_soon(&progress, AppEvent::EvolveProgress(step));
    }));
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Applied;
    use crate::config::Config;
    use crate::jobs::inherited;
    use crate::model::review_command::ReviewCommand;
    use crate::model::{RunRecord, Severity, Tier};
    use crate::store::Store;
    use std::collections::HashMap;
    use std::path::PathBuf;

    /// Waits for the first event `pick` accepts, skipping the others.
    fn wait_for<T>(
        runtime: &tokio::runtime::Runtime,
        rx: &mut mpsc::Receiver<AppEvent>,
        what: &str,
        mut pick: impl FnMut(AppEvent) -> Option<T>,
    ) -> T {
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    let event = rx.recv().await.expect("the workbench's events");
                    if let Some(found) = pick(event) {
                        return found;
                    }
                }
            })
            .await
            .unwrap_or_else(|_| panic!("no {what} within 20 s"))
        })
    }

    /// A watched change of one tool in 10,000 (a decision's reload): the catalog is edited in
    /// place, not copied; the index effect carries that tool's rows alone; and the index on
    /// disk after it holds what saving every entry would.
    #[test]
    fn a_watched_change_of_one_tool_is_folded_in_place_and_keeps_the_selection() {
        use crate::model::SortOrder;
        use crate::model::ToolEntry;
        let entries: Vec<ToolEntry> = (0..10_000)
            .map(|i| ToolEntry::fixture(Tier::Approved, &format!("tool_{i:05}")))
            .chain((0..3).map(|i| ToolEntry::fixture(Tier::Experimental, &format!("cand_{i}"))))
            .collect();
        let mut app = App::new(
            "tools/".into(),
            Vec::new(),
            SortOrder::Name,
            Keymap::defaults(),
            Theme::builtin(),
        );
        app.update(AppEvent::Terminal(crossterm::event::Event::Resize(120, 40)));
        app.update(AppEvent::ScanFinished {
            entries: entries.into(),
            elapsed: Duration::from_millis(5),
        });
        assert_eq!(app.review.len(), 3);
        let selected = app.selected_entry().map(|e| e.path.clone());
        let entries_before = Arc::as_ptr(&app.catalog.shared_entries());

        let approved = ToolEntry {
            description: "approved now".into(),
            ..ToolEntry::fixture(Tier::Approved, "cand_1")
        };
        let gone = PathBuf::from("/ws/experimental/cand_1");
        app.update(AppEvent::Watched {
            updated: vec![approved],
            removed: vec![gone],
        });
        assert_eq!(
            Arc::as_ptr(&app.catalog.shared_entries()),
            entries_before,
            "the catalog's entries were copied"
        );
        assert_eq!(app.catalog.len(), 10_003);
        assert_eq!(app.review.len(), 2);
        assert_eq!(app.selected_entry().map(|e| e.path.clone()), selected);
        assert!(
            app.catalog
                .entries()
                .iter()
                .any(|e| &*e.description == "approved now"),
            "the approved tool"
        );
    }

    /// A candidate `name` in `experimental/` that runs `sh run.sh`, validated as it is.
    fn candidate(root: &Path, store: &mut Store, name: &str) -> crate::model::ToolEntry {
        let folder = root.join("experimental").join(name);
        std::fs::create_dir_all(&folder).expect("tool folder");
        std::fs::write(
            folder.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"Say hello\"\n\
                 cost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n"
            ),
        )
        .expect("manifest");
        std::fs::write(folder.join("run.sh"), "echo '{}'\n").expect("script");
        let limits = Config::defaults().expect("config").catalog;
        let entry = crate::catalog::scan::load_path(root, Tier::Experimental, &folder, limits)
            .expect("the tool loads");
        crate::review::testing::mark_validated(root, store, &format!("experimental/{name}"));
        entry
    }

    /// The workbench UI's runtime on `root` as `toolbench` starts it, with the pollers'
    /// first reports read.
    fn started(
        workbench: Workbench,
    ) -> (
        tokio::runtime::Runtime,
        UiRuntime,
        mpsc::Sender<AppEvent>,
        mpsc::Receiver<AppEvent>,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, mut rx) = mpsc::channel(job_events::EVENT_QUEUE);
        let (output, _output_rx) = mpsc::channel(job_events::OUTPUT_QUEUE);
        let catalog = Catalog::new(Vec::new());
        let ui_runtime =
            UiRuntime::start(runtime.handle(), workbench, catalog, output).expect("the UI runtime");
        {
            let _runtime = runtime.enter();
            tokio::spawn(read_into(ui_runtime.events().expect("events"), tx.clone()));
        }
        // The pollers have read the store (and marked dead calls and instances on the way).
        // Each poller tells once, in whichever order they come.
        let (mut calls, mut instances) = (false, false);
        wait_for(&runtime, &mut rx, "calls and instances polls", |e| {
            calls |= matches!(e, AppEvent::CallsPolled { .. });
            instances |= matches!(e, AppEvent::InstancesPolled(_));
            (calls && instances).then_some(())
        });
        (runtime, ui_runtime, tx, rx)
    }

    /// The workbench's stream read into the app's queue, as the loop reads both.
    async fn read_into(mut events: Events, tx: mpsc::Sender<AppEvent>) {
        while let Some(event) = events.recv().await {
            let Some(event) = job_events::from_workbench(event) else {
                continue;
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    }

    fn app_of(entries: Vec<crate::model::ToolEntry>) -> App {
        App::new(
            "test".into(),
            entries,
            Config::defaults().expect("config").sort,
            Keymap::defaults(),
            theme::Theme::builtin(),
        )
    }

    /// The detectors run through the library's door over the catalog served (the one the app
    /// shows), not a scan: what they find is recorded in the store and comes back, to be
    /// listed or counted.
    #[test]
    fn suggestions_are_refreshed_through_the_door_over_the_served_catalog() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        crate::workspace::init_workspace(root).expect("a workspace");
        let workbench = Workbench::at(root, None).expect("opened");
        let store = workbench.store().expect("store");
        // a then b, three times: a composition, but only of tools the catalog holds active.
        let minutes_ago = |m: u64| {
            crate::clock::rfc3339(std::time::SystemTime::now() - Duration::from_secs(m * 60))
        };
        let mut runs: Vec<RunRecord> = (0..3u64)
            .flat_map(|i| {
                let start = 100 - i * 10;
                [("a", start), ("b", start - 1)]
                    .map(|(tool, at)| crate::store::runs::tests::sample_run(tool, &minutes_ago(at)))
            })
            .collect();
        store.lock().insert_runs(&mut runs).expect("runs");
        let (runtime, mut ui_runtime, tx, mut rx) = started(workbench);
        let active = |name: &str| crate::model::ToolEntry {
            version: "1.0.0".into(),
            ..crate::model::ToolEntry::fixture(Tier::Approved, name)
        };
        // Neither tool is on disk: only the catalog served knows them.
        ui_runtime
            .serving
            .start_from(&Catalog::new(vec![active("a"), active("b")]));
        let app = app_of(Vec::new());
        let _runtime = runtime.enter();

        let mut refresh = |ui_runtime: &mut UiRuntime| {
            run_effect(
                Effect::Apply(Box::new(Command::RefreshSuggestions)),
                ui_runtime,
                &app,
                &tx,
            );
            wait_for(&runtime, &mut rx, "suggestions", |e| match e {
                AppEvent::Applied { result, .. } => match result {
                    Ok(Applied::SuggestionsRefreshed(rows)) => Some(rows),
                    other => panic!("expected the suggestions, got {other:?}"),
                },
                _ => None,
            })
        };
        let listed = refresh(&mut ui_runtime);
        let titles: Vec<&str> = listed.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["compose a → b into one tool"]);
        let stored = Store::open_reader(root)
            .and_then(|store| store.suggestions(true))
            .expect("read");
        assert_eq!(stored.len(), 1, "recorded once: {stored:?}");

        let mut count = |ui_runtime: &mut UiRuntime| {
            refresh(ui_runtime)
                .iter()
                .filter(|r| r.state == crate::model::suggestions::SuggestionState::New)
                .count()
        };
        assert_eq!(count(&mut ui_runtime), 1);
        // Without a tool active in the catalog, nothing names it: the suggestion goes stale.
        ui_runtime.serving.keep(crate::watch::WatchUpdate::Tools {
            updated: Vec::new(),
            removed: vec![active("b").path],
        });
        assert_eq!(count(&mut ui_runtime), 0);
    }

    #[test]
    fn the_workbench_starts_decides_and_records_through_one_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        crate::workspace::init_workspace(root).expect("a workspace");
        // As `toolbench` starts the workbench: the start-of-process checks open the store.
        let workbench = Workbench::at(root, None).expect("opened");
        let store = workbench.store().expect("store");
        let entry = candidate(root, &mut store.lock(), "greet");
        let path = store.path().to_path_buf();
        let (runtime, mut ui_runtime, tx, mut rx) = started(workbench);
        let app = app_of(vec![entry.clone()]);
        let _runtime = runtime.enter();

        run_effect(
            Effect::Apply(Box::new(Command::decide_on(
                &entry,
                ReviewCommand::Approve {
                    reason: None,
                    accepted: Default::default(),
                },
            ))),
            &mut ui_runtime,
            &app,
            &tx,
        );
        let decided = wait_for(&runtime, &mut rx, "decision", |e| match e {
            AppEvent::Applied { result, .. } => Some(result),
            _ => None,
        });
        assert!(
            matches!(decided, Ok(command::Applied::Decided(_))),
            "{decided:?}"
        );
        assert!(root.join("approved/greet/tool.toml").is_file());

        let failure = Command::MarkFailure {
            tool: ToolId::named("greet"),
            report: crate::model::failure_report::FailureReport {
                scenario: "greet nobody".into(),
                error: "said nothing".into(),
                severity: Severity::Low,
                tag: None,
            },
            run: None,
        };
        run_effect(Effect::Apply(Box::new(failure)), &mut ui_runtime, &app, &tx);
        wait_for(&runtime, &mut rx, "recorded failure", |e| {
            matches!(
                e,
                AppEvent::Applied {
                    result: Ok(command::Applied::FailureMarked { .. }),
                    ..
                }
            )
            .then_some(())
        });
        for effect in [Effect::LoadHistory, Effect::LoadStats] {
            run_effect(effect, &mut ui_runtime, &app, &tx);
        }
        // Both load on blocking threads: they come in either order.
        let (mut failures, mut stats) = (None, None);
        wait_for(&runtime, &mut rx, "history and stats", |e| {
            match e {
                AppEvent::HistoryLoaded { failures: f, .. } => failures = Some(f),
                AppEvent::StatsLoaded(result) => stats = Some(result),
                _ => {}
            }
            (failures.is_some() && stats.is_some()).then_some(())
        });
        let (failures, stats) = (failures.expect("history"), stats.expect("stats"));
        assert_eq!(
            failures.len(),
            1,
            "the history reads what the writer stored"
        );
        assert!(stats.is_ok(), "{:?}", stats.err());

        // `:history` reads the decision just taken, through a connection of its own.
        run_effect(
            Effect::LoadResource(overlays::resources::Resource::History),
            &mut ui_runtime,
            &app,
            &tx,
        );
        let table = wait_for(&runtime, &mut rx, "the history view", |e| match e {
            AppEvent::ResourceLoaded { table, .. } => Some(table),
            _ => None,
        })
        .expect("the history view reads the store");
        match &table.rows {
            overlays::resources::Rows::History(decisions) => {
                assert_eq!(decisions.len(), 1, "{decisions:?}");
                assert_eq!(decisions[0].tool, "greet");
                assert_eq!(
                    decisions[0].action,
                    crate::model::decisions::DecisionAction::Approve
                );
            }
            other => panic!("history rows expected, got {other:?}"),
        }

        assert_eq!(
            crate::store::writable_opens(&path),
            1,
            "one write connection for the whole workbench"
        );
        ui_runtime.serving.flush();
    }

    #[test]
    fn marked_candidates_are_decided_each_on_the_content_that_was_marked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        crate::workspace::init_workspace(root).expect("a workspace");
        let workbench = Workbench::at(root, None).expect("opened");
        let store = workbench.store().expect("store");
        let greet = candidate(root, &mut store.lock(), "greet");
        let hello = candidate(root, &mut store.lock(), "hello");
        // hello changes after it was marked: its decision must not take the new content.
        std::fs::write(root.join("experimental/hello/run.sh"), "echo changed\n").expect("edit");
        let (runtime, mut ui_runtime, tx, mut rx) = started(workbench);
        let app = app_of(vec![greet.clone(), hello.clone()]);
        let _runtime = runtime.enter();

        run_effect(
            Effect::ApplyEach(
                [greet, hello]
                    .iter()
                    .map(|entry| {
                        let approve = ReviewCommand::Approve {
                            reason: Some("both read".into()),
                            accepted: Default::default(),
                        };
                        (entry.id(), Command::decide_on(entry, approve))
                    })
                    .collect(),
            ),
            &mut ui_runtime,
            &app,
            &tx,
        );
        let results = wait_for(&runtime, &mut rx, "decisions", |e| match e {
            AppEvent::AppliedEach(results) => Some(results),
            _ => None,
        });
        let outcomes: Vec<(&str, bool)> = results
            .iter()
            .map(|(id, result)| (id.as_str(), result.is_ok()))
            .collect();
        assert_eq!(outcomes, [("greet@1.0.0", true), ("hello@1.0.0", false)]);
        assert!(root.join("approved/greet/tool.toml").is_file());
        assert!(root.join("experimental/hello/run.sh").is_file());
        assert!(
            !root.join("approved/hello").exists(),
            "changed content stays out"
        );
        let store = Store::open(root).expect("store");
        let recorded = store.decisions_of("greet").expect("history");
        assert_eq!(recorded.len(), 1, "one decision recorded for greet");
        assert_eq!(recorded[0].reason.as_deref(), Some("both read"));
        assert!(store.decisions_of("hello").expect("history").is_empty());
    }

    #[test]
    fn a_detail_whose_runs_cannot_be_read_says_so_in_the_status_bar() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        crate::workspace::init_workspace(root).expect("a workspace");
        let workbench = Workbench::at(root, None).expect("opened");
        let store = workbench.store().expect("store");
        let entry = candidate(root, &mut store.lock(), "greet");
        let path = store.path().to_path_buf();
        let (runtime, mut ui_runtime, tx, mut rx) = started(workbench);
        let app = app_of(vec![entry.clone()]);
        let _runtime = runtime.enter();
        // The store's file is gone from under the workbench: a new reader cannot open it.
        std::fs::rename(&path, path.with_extension("moved")).expect("moved away");

        run_effect(
            Effect::LoadDetail {
                entry: Box::new(entry),
                parent: None,
            },
            &mut ui_runtime,
            &app,
            &tx,
        );
        let said = wait_for(&runtime, &mut rx, "the refused read", |e| match e {
            AppEvent::StoreRefused(line) => Some(line),
            _ => None,
        });
        assert!(said.starts_with("recent runs not read: "), "{said}");
        wait_for(&runtime, &mut rx, "the detail all the same", |e| {
            matches!(e, AppEvent::DetailLoaded { .. }).then_some(())
        });
    }

    /// Writes `count` tool folders under `tier/` at once, as a script or a checkout would.
    fn burst_of_tools(root: &Path, tier: &str, count: usize) -> Vec<PathBuf> {
        (0..count)
            .map(|i| {
                let folder = root.join(tier).join(format!("burst{i}"));
                std::fs::create_dir_all(&folder).expect("folder");
                std::fs::write(
                    folder.join("tool.toml"),
                    format!(
                        "name = \"burst{i}\"\nversion = \"1.0.0\"\ndescription = \"d\"\n\n\
                         [run]\ncommand = [\"sh\", \"run.sh\"]\n"
                    ),
                )
                .expect("manifest");
                folder
            })
            .collect()
    }

    #[test]
    fn a_flood_from_every_source_stays_within_the_queue_and_loses_nothing_that_must_be_seen() {
        use crate::proc_stat::ProcessId;
        use crate::runner::inflight;
        const RUNS: usize = 5_000;
        const VALIDATIONS: usize = 5_000;
        const TOOLS_VALIDATED: usize = 50;
        const TOOLS_WRITTEN: usize = 2_000;

        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("experimental")).expect("tier");
        let workbench = Workbench::at(&root, None).expect("opened");
        // A run started by another process (here a child that sleeps), followed from its
        // in-flight file until its record is handed off.
        let mut starter = std::process::Command::new("sleep")
            .arg("120")
            .spawn()
            .expect("a starter");
        let marker = inflight::started_elsewhere(&root, "elsewhere", starter.id());
        let log_dir = marker.log_dir().to_string();
        let (runtime, ui_runtime, _, mut rx) = started(workbench);

        // The watch, as the workbench starts it.
        runtime
            .block_on(async { ui_runtime.serving.watch().await })
            .expect("watching");
        let validated = ui_runtime
            .serving
            .workbench()
            .validation_listener(runtime.handle());

        // Every source at once, while the app does not read at all at first.
        let runs = {
            let (root, log_dir) = (root.clone(), log_dir.clone());
            std::thread::spawn(move || {
                // Another process's connection, writing runs as fast as it can.
                let mut other = Store::open(&root).expect("another connection");
                for batch in 0..RUNS / 100 {
                    let mut records: Vec<RunRecord> = (0..100)
                        .map(|i| {
                            crate::store::runs::tests::sample_run(
                                &format!("flood{}", (batch * 100 + i) % 20),
                                "2026-11-24T10:00:00Z",
                            )
                        })
                        .collect();
                    other.insert_runs(&mut records).expect("runs stored");
                }
                let me = ProcessId::of(std::process::id()).expect("own stat");
                let call = other
                    .insert_call(&crate::model::calls::NewCall {
                        content_hash: "h1".into(),
                        requested_at: crate::clock::now_rfc3339(),
                        ..crate::model::calls::NewCall::fixture("deploy", me)
                    })
                    .expect("a waiting call");
                // The last run ends: its starter hands its record off, as `toolbench run` does.
                let record = RunRecord {
                    log_dir: Some(log_dir),
                    ..crate::store::runs::tests::sample_run("elsewhere", "2026-11-24T10:00:01Z")
                };
                inflight::hand_off(&root, &record).expect("handed off");
                call
            })
        };
        let validations = std::thread::spawn(move || {
            for i in 0..VALIDATIONS {
                validated(crate::command::validations::ValidationEvent::Refused {
                    tool: format!("tool{}", i % TOOLS_VALIDATED),
                    error: crate::review::validate::ValidateError::Oversized {
                        tool: format!("tool{}", i % TOOLS_VALIDATED),
                        reason: format!("attempt {i}"),
                    }
                    .into(),
                });
            }
        });
        let written = burst_of_tools(&root, "experimental", TOOLS_WRITTEN);
        std::thread::sleep(Duration::from_secs(1));

        // Then the app reads, a little slowly, as a loop that draws would.
        let mut deepest = 0;
        let (mut finished, mut waiting_call) = (false, false);
        let (mut told_tools, mut rescanned) = (std::collections::HashSet::new(), false);
        let mut refusals: HashMap<String, usize> = HashMap::new();
        let mut events = 0;
        let call = runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            let mut runs = Some(runs);
            let mut call = None;
            // Until everything that must be seen is: the run's end, the call, every tool
            // written (or a rescan covering them) and every tool's refusal.
            while !(finished
                && waiting_call
                && call.is_some()
                && (rescanned || told_tools.len() >= TOOLS_WRITTEN)
                && refusals.len() == TOOLS_VALIDATED)
            {
                deepest = deepest.max(rx.len());
                let event = tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .expect("the flood's last events within 60 s")
                    .expect("the queue");
                events += 1;
                match event {
                    AppEvent::RunFinished { key, result } => {
                        assert!(key >= inherited::FIRST_KEY);
                        let (record, _) = result.expect("the run's record");
                        assert_eq!(record.tool, "elsewhere");
                        finished = true;
                    }
                    AppEvent::CallsPolled { calls, .. } => {
                        waiting_call |= calls.iter().any(|c| c.tool == "deploy");
                    }
                    AppEvent::Watched { updated, .. } => {
                        told_tools.extend(updated.into_iter().map(|e| e.path));
                    }
                    AppEvent::CatalogReplaced(_) => rescanned = true,
                    AppEvent::ValidationRefused { tool, .. } => {
                        *refusals.entry(tool).or_default() += 1;
                    }
                    _ => {}
                }
                if runs.as_ref().is_some_and(|r| r.is_finished()) {
                    call = runs.take().map(|r| r.join().expect("the runs' writer"));
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            call
        });
        validations.join().expect("the validations");
        let _ = starter.kill();
        let _ = starter.wait();

        assert!(call.is_some());
        assert!(
            deepest <= job_events::EVENT_QUEUE,
            "{deepest} events waited at once, over the bound"
        );
        // Each tool written is told (or covered by a rescan), however the batches folded.
        assert!(
            rescanned || written.iter().all(|folder| told_tools.contains(folder)),
            "{} of {TOOLS_WRITTEN} tools told",
            told_tools.len()
        );
        // Every tool's refusal is told, folded per tool while the queue was full.
        assert_eq!(refusals.len(), TOOLS_VALIDATED, "{refusals:?}");
        let told: usize = refusals.values().sum();
        assert!(told < VALIDATIONS, "{told} refusals told: none folded");
        assert!(
            events < VALIDATIONS,
            "{events} events: the flood waited folded, not one event per change"
        );
    }
}
