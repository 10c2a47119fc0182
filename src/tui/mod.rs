//! The terminal UI: the only module that knows about the terminal.
//!
//! `run` owns the event loop: it turns terminal input, background results and signals into
//! `AppEvent`s, lets `App::update` change state, runs the `Effect`s it asks for on background
//! tasks, and draws when something changed.

pub mod action;
pub mod app;
mod cursor;
pub mod detail_content;
pub mod highlight;
pub mod keymap;
pub mod layout;
mod overlays;
mod panes;
mod terminal;
pub mod theme;
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt;
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::catalog::scan::{ScanProgress, scan_workspace};
use crate::config::{Config, config_dir};
use crate::store::Store;
use crate::workspace::RootSource;
use app::{App, AppEvent, Effect};
use keymap::Keymap;
use theme::Theme;

/// Benchmarks set this to `first-frame` or `scan` to exit at that point.
pub const EXIT_AFTER_ENV: &str = "TOOLBENCH_EXIT_AFTER";

/// How often the scan progress is published while a scan runs.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Slow tick for clocks and message expiry; drawing is driven by state changes, not the tick.
const TICK_INTERVAL: Duration = Duration::from_millis(250);

pub fn run(root: PathBuf, source: RootSource, config: Config) -> anyhow::Result<()> {
    let dir = config_dir();
    let keymap = Keymap::load(dir.as_deref()).map_err(anyhow::Error::msg)?;
    let theme = Theme::load(dir.as_deref()).map_err(anyhow::Error::msg)?;
    let store = Store::open(&root)?;
    let cached = store.load_index().unwrap_or_default();
    let mut app = App::new(
        root_label(&root, source),
        cached,
        config.sort,
        keymap,
        theme,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let exit_after = std::env::var(EXIT_AFTER_ENV).unwrap_or_default();
    runtime.block_on(event_loop(
        &mut app,
        root,
        Arc::new(Mutex::new(store)),
        &exit_after,
    ))
}

fn root_label(root: &Path, source: RootSource) -> String {
    match source {
        RootSource::LocalTools => "tools/".to_string(),
        RootSource::Flag | RootSource::UserData => root.display().to_string(),
    }
}

async fn event_loop(
    app: &mut App,
    root: PathBuf,
    store: Arc<Mutex<Store>>,
    exit_after: &str,
) -> anyhow::Result<()> {
    let mut guard = terminal::TerminalGuard::enter().context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    app.size = Rect::new(0, 0, size.width, size.height);
    app.update(AppEvent::Terminal(crossterm::event::Event::Resize(
        size.width,
        size.height,
    )));
    guard.terminal.draw(|frame| ui::draw(frame, app))?;
    app.dirty = false;
    if exit_after == "first-frame" {
        return Ok(());
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    let mut terminal_events = crossterm::event::EventStream::new();
    let mut tick = tokio::time::interval(TICK_INTERVAL);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    loop {
        for effect in app.take_effects() {
            run_effect(effect, &root, &store, app, &tx);
        }
        if app.dirty {
            guard.terminal.draw(|frame| ui::draw(frame, app))?;
            app.dirty = false;
        }
        if app.should_quit {
            break;
        }
        let event = tokio::select! {
            Some(event) = terminal_events.next() => match event {
                Ok(event) => AppEvent::Terminal(event),
                Err(e) => return Err(e).context("cannot read terminal input"),
            },
            Some(event) = rx.recv() => event,
            _ = tick.tick() => AppEvent::Tick,
            _ = sigterm.recv() => AppEvent::Shutdown("SIGTERM"),
            _ = sighup.recv() => AppEvent::Shutdown("SIGHUP"),
        };
        let scan_done = matches!(event, AppEvent::ScanFinished { .. });
        app.update(event);
        // Coalesce bursts: take whatever else is already waiting before drawing once.
        while let Ok(event) = rx.try_recv() {
            app.update(event);
        }
        if scan_done && exit_after == "scan" {
            app.should_quit = true;
        }
    }
    drop(guard);
    Ok(())
}

fn run_effect(
    effect: Effect,
    root: &Path,
    store: &Arc<Mutex<Store>>,
    app: &App,
    tx: &mpsc::UnboundedSender<AppEvent>,
) {
    match effect {
        Effect::Scan => spawn_scan(root.to_path_buf(), tx.clone()),
        Effect::LoadDetail(entry) => {
            let tx = tx.clone();
            let theme = app.theme.clone();
            tokio::task::spawn_blocking(move || {
                let content = Box::new(detail_content::load(&entry, &theme));
                let _ = tx.send(AppEvent::DetailLoaded {
                    path: entry.path.clone(),
                    content,
                });
            });
        }
        Effect::SaveIndex(entries) => {
            let tx = tx.clone();
            let store = Arc::clone(store);
            tokio::task::spawn_blocking(move || {
                let result = match store.lock() {
                    Ok(mut store) => store.save_index(&entries).map_err(|e| e.to_string()),
                    Err(_) => Err("state store lock poisoned".to_string()),
                };
                let _ = tx.send(AppEvent::IndexSaved(result));
            });
        }
    }
}

/// Scans on a blocking thread while a task publishes progress until the scan reports back.
fn spawn_scan(root: PathBuf, tx: mpsc::UnboundedSender<AppEvent>) {
    let progress = Arc::new(ScanProgress::default());
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<()>();
    {
        let progress = Arc::clone(&progress);
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(PROGRESS_INTERVAL);
            loop {
                tokio::select! {
                    _ = &mut done_rx => break,
                    _ = interval.tick() => {
                        let _ = tx.send(AppEvent::ScanProgress { done: progress.done(), total: progress.total() });
                    }
                }
            }
        });
    }
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let entries = scan_workspace(&root, &progress);
        let _ = done_tx.send(());
        let _ = tx.send(AppEvent::ScanFinished {
            entries,
            elapsed: started.elapsed(),
        });
    });
}
