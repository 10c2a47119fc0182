//! The library's jobs as the app's events: what a run, a scan, a validation, the watch, a
//! poller or an evolve tells becomes an `AppEvent`, and nothing more; the state changes they
//! cause stay in `App::update`.
//!
//! Every event reaches the app through a bounded queue ([`EVENT_QUEUE`]), and nothing the
//! person must see is dropped on the way: a producer that can wait for room waits (runs,
//! pollers, one-off loads), one that cannot folds what it has not sent yet into its newest
//! (the watch's batches into one change, validations' results into one per tool, a scan's
//! progress into the next). The app's own loop never sends into the queue it reads.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, broadcast, mpsc};

use super::app::{AppEvent, DecisionError};
use super::runs::StartedElsewhere;
use crate::command::validations::ValidationEvent;
use crate::jobs::inherited::InheritedEvent;
use crate::jobs::live::{CatalogChange, LiveCatalog};
use crate::jobs::pending_calls::PendingEvent;
use crate::jobs::run::{RunJobEvent, RunObserver, UnstoredRun};
use crate::jobs::scan::ScanEvent;
use crate::jobs::service_feed::InstanceEvent;
use crate::runner::progress::Progress;
use crate::watch::WatchUpdate;

/// Events waiting for the app at once, over every source but run output. A flood fills it
/// within a frame or two; past it the producers wait or fold, and the app's memory stays flat.
pub(crate) const EVENT_QUEUE: usize = 256;
/// Output events waiting for the app at once, over all runs. While a run's event waits for
/// room here, its observer keeps gathering (the newest MiB of each stream).
pub(crate) const OUTPUT_QUEUE: usize = 32;
/// Events of one poller waiting for their translation into the event queue: the poller waits
/// when they are this many, and looks again later.
pub(crate) const POLLER_QUEUE: usize = 8;

/// Follows run `key` until its job ends: output into the bounded output queue, the rest
/// into the app's event queue.
pub(crate) async fn follow_run(
    key: u64,
    mut run: RunObserver,
    events: mpsc::Sender<AppEvent>,
    output: mpsc::Sender<AppEvent>,
) {
    while let Some(event) = run.next().await {
        let event = match event {
            RunJobEvent::Output {
                stream,
                bytes,
                skipped,
            } => {
                let output_event = AppEvent::RunOutput {
                    key,
                    stream,
                    bytes,
                    skipped,
                };
                if output.send(output_event).await.is_err() {
                    return;
                }
                continue;
            }
            // At most ten a second per run (the job's bound), so they share the event queue.
            RunJobEvent::Progress {
                progress,
                total,
                message,
            } => AppEvent::RunProgress {
                key,
                progress: Progress {
                    progress,
                    total,
                    message,
                },
            },
            RunJobEvent::NotStarted(reason) => AppEvent::RunFinished {
                key,
                result: Err(reason),
            },
            RunJobEvent::Finished(outcome) => AppEvent::RunFinished {
                key,
                result: Ok((
                    Box::new(outcome.record.clone()),
                    outcome.protections.summary(),
                )),
            },
            RunJobEvent::Recorded { run, failure } => AppEvent::RunRecorded { key, run, failure },
            RunJobEvent::Unstored(lost) => unstored(&lost),
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

/// Follows the live catalog until it ends or the app is gone. While the queue has no room,
/// the changes that keep coming fold into one (and the newest problem), so a burst of
/// thousands of files waits as one event, never as thousands. A whole new catalog (a rescan,
/// or changes this reader fell behind on) is told as every tool as it is then.
pub(crate) async fn follow_live(
    live: Arc<LiveCatalog>,
    mut changes: broadcast::Receiver<CatalogChange>,
    events: mpsc::Sender<AppEvent>,
) {
    let mut error: Option<String> = None;
    let mut change: Option<WatchUpdate> = None;
    let as_event = |update: WatchUpdate| match update {
        WatchUpdate::Tools { updated, removed } => AppEvent::Watched { updated, removed },
        WatchUpdate::Rescan => AppEvent::CatalogReplaced(live.catalog().entries().to_vec()),
        WatchUpdate::Error(problem) => AppEvent::WatchProblem(problem),
    };
    loop {
        if error.is_none() && change.is_none() {
            match heard(changes.recv().await) {
                Some(update) => fold_into(&mut error, &mut change, update),
                None => return,
            }
            continue;
        }
        tokio::select! {
            biased;
            permit = events.reserve() => {
                let Ok(permit) = permit else { return };
                if let Some(next) = error.take().map(WatchUpdate::Error).or_else(|| change.take()) {
                    permit.send(as_event(next));
                }
            }
            received = changes.recv() => match heard(received) {
                Some(update) => fold_into(&mut error, &mut change, update),
                None => {
                    // The catalog is gone: what it told is still told.
                    let held = error.take().map(WatchUpdate::Error).into_iter().chain(change.take());
                    for update in held {
                        if events.send(as_event(update)).await.is_err() {
                            return;
                        }
                    }
                    return;
                }
            },
        }
    }
}

/// A change of the live catalog in the watch's words, which fold; `None` once it has ended.
fn heard(received: Result<CatalogChange, broadcast::error::RecvError>) -> Option<WatchUpdate> {
    match received {
        Ok(CatalogChange::Tools { updated, removed }) => {
            Some(WatchUpdate::Tools { updated, removed })
        }
        // Changes not heard are in the catalog: read it whole, as after a rescan.
        Ok(CatalogChange::Rescanned) | Err(broadcast::error::RecvError::Lagged(_)) => {
            Some(WatchUpdate::Rescan)
        }
        Ok(CatalogChange::Problem(problem)) => Some(WatchUpdate::Error(problem)),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

/// Folds `update` into what waits: an error replaces the older one, a change folds into the
/// held change.
fn fold_into(error: &mut Option<String>, change: &mut Option<WatchUpdate>, update: WatchUpdate) {
    match update {
        WatchUpdate::Error(reason) => *error = Some(reason),
        update => {
            *change = Some(match change.take() {
                Some(held) => fold(held, update),
                None => update,
            });
        }
    }
}

/// Two changes as one: the later word on a tool wins (updated, or gone), and a rescan
/// covers everything.
fn fold(earlier: WatchUpdate, later: WatchUpdate) -> WatchUpdate {
    match (earlier, later) {
        (
            WatchUpdate::Tools {
                mut updated,
                mut removed,
            },
            WatchUpdate::Tools {
                updated: newer,
                removed: gone,
            },
        ) => {
            {
                let told: HashSet<&Path> = newer
                    .iter()
                    .map(|entry| entry.path.as_path())
                    .chain(gone.iter().map(PathBuf::as_path))
                    .collect();
                updated.retain(|entry| !told.contains(entry.path.as_path()));
                removed.retain(|path| !told.contains(path.as_path()));
            }
            updated.extend(newer);
            removed.extend(gone);
            WatchUpdate::Tools { updated, removed }
        }
        _ => WatchUpdate::Rescan,
    }
}

/// Tells a scan's events from its job, which cannot wait: progress only when there is room
/// (the next one says more), the result at once or from a task that waits for room. False
/// once the app is gone.
pub(crate) fn tell_scan(events: &mpsc::Sender<AppEvent>, event: ScanEvent) -> bool {
    match event {
        ScanEvent::Progress { done, total } => !matches!(
            events.try_send(AppEvent::ScanProgress { done, total }),
            Err(mpsc::error::TrySendError::Closed(_))
        ),
        ScanEvent::Finished { entries, elapsed } => {
            send_soon(events, AppEvent::ScanFinished { entries, elapsed })
        }
    }
}

/// Sends `event` from code that must not wait: at once when there is room, else from a task
/// of the current runtime that waits for it. False once the app is gone.
pub(crate) fn send_soon(events: &mpsc::Sender<AppEvent>, event: AppEvent) -> bool {
    match events.try_send(event) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(event)) => {
            let events = events.clone();
            tokio::spawn(async move {
                let _ = events.send(event).await;
            });
            true
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// Forwards a poller's events, translated, until either side is gone. Waiting for room here
/// makes the poller wait in turn.
pub(crate) async fn forward<E>(
    mut from: mpsc::Receiver<E>,
    to: mpsc::Sender<AppEvent>,
    translate: fn(E) -> AppEvent,
) {
    while let Some(event) = from.recv().await {
        if to.send(translate(event)).await.is_err() {
            return;
        }
    }
}

pub(crate) fn from_inherited(event: InheritedEvent) -> AppEvent {
    match event {
        InheritedEvent::Started {
            key,
            tool,
            version,
            starter,
        } => AppEvent::InheritedRun {
            key,
            tool,
            version,
            starter: StartedElsewhere {
                pid: starter.pid,
                origin: starter.origin,
                client: starter.client,
            },
        },
        InheritedEvent::Output { key, stream, bytes } => AppEvent::RunOutput {
            key,
            stream,
            bytes,
            skipped: 0,
        },
        InheritedEvent::Finished {
            key,
            record,
            summary,
        } => AppEvent::RunFinished {
            key,
            result: Ok((record, summary)),
        },
    }
}

pub(crate) fn from_pending(event: PendingEvent) -> AppEvent {
    match event {
        PendingEvent::Calls { calls, rules } => AppEvent::CallsPolled { calls, rules },
        PendingEvent::Requests(requests) => AppEvent::RequestsPolled(requests),
        PendingEvent::Unreadable(e) => AppEvent::StoreRefused(format!("agent calls: {e}")),
    }
}

pub(crate) fn from_instances(event: InstanceEvent) -> AppEvent {
    match event {
        InstanceEvent::Instances(rows) => AppEvent::InstancesPolled(rows),
        InstanceEvent::Output { key, stream, bytes } => AppEvent::RunOutput {
            key,
            stream,
            bytes,
            skipped: 0,
        },
        InstanceEvent::Unreadable(e) => AppEvent::StoreRefused(format!("services: {e}")),
    }
}

/// A run the store refused, for the status bar.
fn unstored(lost: &UnstoredRun) -> AppEvent {
    AppEvent::StoreRefused(match &lost.kept {
        Ok(()) => format!(
            "run of {} not stored: {}; kept in .toolbench/running/ for the next start",
            lost.record.tool, lost.reason
        ),
        Err(why) => format!(
            "run of {} not stored: {}; and not kept either: {why}",
            lost.record.tool, lost.reason
        ),
    })
}

/// Which tool a validation's event is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Validating {
    Path(PathBuf),
    Refused(String),
}

/// One tool's validation events not sent yet: the newest result, and every refused run.
struct HeldResult {
    result: AppEvent,
    unstored: Vec<AppEvent>,
}

/// Validations' events waiting for room in the event queue, one result per tool: thousands
/// of candidates answering from the cache at once wait here as one entry each, and a newer
/// result of a tool replaces its older one. The refused runs are never folded away.
#[derive(Default)]
struct ValidationMailbox {
    held: Mutex<HashMap<Validating, HeldResult>>,
    arrived: Notify,
}

impl ValidationMailbox {
    fn put(&self, event: ValidationEvent) {
        let key = match &event {
            ValidationEvent::Validated { path, .. } => Validating::Path(path.clone()),
            ValidationEvent::Refused { tool, .. } => Validating::Refused(tool.clone()),
        };
        let mut events = from_validation(event).into_iter();
        let Some(result) = events.next() else {
            return;
        };
        let unstored: Vec<AppEvent> = events.collect();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        match held.get_mut(&key) {
            Some(older) => {
                older.result = result;
                older.unstored.extend(unstored);
            }
            None => {
                held.insert(key, HeldResult { result, unstored });
            }
        }
        drop(held);
        self.arrived.notify_one();
    }

    fn take(&self) -> Vec<AppEvent> {
        let held = std::mem::take(&mut *self.held.lock().unwrap_or_else(PoisonError::into_inner));
        held.into_values()
            .flat_map(|tool| std::iter::once(tool.result).chain(tool.unstored))
            .collect()
    }
}

/// The validation queue's listener: each result goes to the mailbox, from which a task on
/// `runtime` sends them as room comes. The workers never wait on the app.
pub(crate) fn validation_listener(
    runtime: &tokio::runtime::Handle,
    events: mpsc::Sender<AppEvent>,
) -> impl Fn(ValidationEvent) -> bool + Send + Sync + 'static {
    let mailbox = Arc::new(ValidationMailbox::default());
    runtime.spawn(forward_validations(Arc::clone(&mailbox), events.clone()));
    move |event| {
        mailbox.put(event);
        !events.is_closed()
    }
}

async fn forward_validations(mailbox: Arc<ValidationMailbox>, events: mpsc::Sender<AppEvent>) {
    loop {
        let held = mailbox.take();
        if held.is_empty() {
            mailbox.arrived.notified().await;
            continue;
        }
        for event in held {
            if events.send(event).await.is_err() {
                return;
            }
        }
    }
}

/// A validation's result, then each of its test cases' runs the store refused.
pub(crate) fn from_validation(event: ValidationEvent) -> Vec<AppEvent> {
    match event {
        ValidationEvent::Validated {
            path,
            report,
            unstored: lost,
        } => std::iter::once(AppEvent::Validated { path, report })
            .chain(lost.iter().map(unstored))
            .collect(),
        ValidationEvent::Refused { tool, error } => {
            vec![AppEvent::Decided(Err(DecisionError::Validation {
                tool,
                error,
            }))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gone(path: &str) -> WatchUpdate {
        WatchUpdate::Tools {
            updated: Vec::new(),
            removed: vec![PathBuf::from(path)],
        }
    }

    #[tokio::test]
    async fn a_reader_that_fell_behind_gets_the_whole_catalog_then_each_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let limits = crate::catalog::scan::ScanLimits::default();
        let live = Arc::new(LiveCatalog::new(
            dir.path(),
            limits,
            crate::catalog::Catalog::new(Vec::new()),
            None,
        ));
        let changes = live.subscribe();
        // More changes than the live catalog holds for a reader, before this one reads.
        for i in 0..40 {
            let folder = crate::test_fixtures::write_tool(
                dir.path(),
                crate::model::Tier::Experimental,
                &format!("t{i}"),
                "d",
            );
            live.apply(crate::watch::reload_paths(dir.path(), limits, vec![folder]));
        }
        let (tx, mut rx) = mpsc::channel(4);
        tokio::spawn(follow_live(Arc::clone(&live), changes, tx));
        let first = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("told in time");
        let Some(AppEvent::CatalogReplaced(entries)) = first else {
            panic!("the whole catalog: {first:?}");
        };
        assert_eq!(entries.len(), 40, "every tool, none missed");

        live.apply(WatchUpdate::Error("inotify: queue overflow".into()));
        // The changes the live catalog still held come after, told again: each is in the
        // catalog already, and folding it in again changes nothing.
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
                .await
                .expect("told in time");
            match next {
                Some(AppEvent::Watched { .. }) => continue,
                Some(AppEvent::WatchProblem(problem)) => {
                    assert_eq!(problem, "watcher: inotify: queue overflow");
                    break;
                }
                other => panic!("a problem: {other:?}"),
            }
        }
    }

    #[test]
    fn batches_held_back_fold_into_one_where_the_later_word_on_a_tool_wins() {
        let mut entry = crate::model::ToolEntry::fixture(crate::model::Tier::Approved, "a");
        entry.path = PathBuf::from("/w/approved/a");
        let updated = WatchUpdate::Tools {
            updated: vec![entry],
            removed: vec![PathBuf::from("/w/approved/b")],
        };
        let (mut error, mut change) = (None, None);
        for update in [
            updated,
            gone("/w/approved/a"),
            WatchUpdate::Error("overflow".into()),
            gone("/w/approved/c"),
        ] {
            fold_into(&mut error, &mut change, update);
        }
        assert_eq!(error.as_deref(), Some("overflow"));
        assert_eq!(
            change,
            Some(WatchUpdate::Tools {
                updated: Vec::new(),
                removed: ["/w/approved/b", "/w/approved/a", "/w/approved/c"]
                    .map(PathBuf::from)
                    .to_vec(),
            })
        );
        fold_into(&mut error, &mut change, WatchUpdate::Rescan);
        fold_into(&mut error, &mut change, gone("/w/approved/d"));
        assert_eq!(
            change,
            Some(WatchUpdate::Rescan),
            "a rescan covers the rest"
        );
    }
}
