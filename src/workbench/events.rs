//! The one stream of events of a long-lived front end (the workbench, the MCP server): what
//! the live catalog, the validation queue and the pollers of other processes' work tell,
//! typed, through one bounded queue ([`EVENT_QUEUE`]) with one reader.
//!
//! Nothing a person must see is dropped on the way, and nothing waits without bound:
//! - a poller waits for room (each look is whole, and the next one reads the newest);
//! - the catalog's changes fold into one while the queue is full (a burst of thousands of
//!   files waits as one change, a rescan covers the rest) and its newest problem waits
//!   beside them;
//! - validations' results fold into one per tool, the newest, while the runs the store
//!   refused are never folded away.
//!
//! The front ends only translate: the workbench into its app's events, the MCP server into
//! `list_changed` and its log.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, broadcast, mpsc};

use crate::command::validations::ValidationEvent;
use crate::jobs::Job;
use crate::jobs::inherited::InheritedRuns;
use crate::jobs::live::{CatalogChange, LiveCatalog};
use crate::jobs::pending_calls::PendingCalls;
use crate::jobs::service_feed::{Following, ServiceFeed};
use crate::jobs::store_writes::Listening;
use crate::model::Catalog;
use crate::model::ToolEntry;
use crate::model::calls::PendingEvent;
use crate::model::run_job::InheritedEvent;
use crate::model::services::{Follow, InstanceEvent};
use crate::store::SharedStore;
use crate::watch::WatchUpdate;

/// Events waiting for the reader at once, over every source. A flood fills it within a frame
/// or two; past it the sources wait or fold, and memory stays flat.
pub(crate) const EVENT_QUEUE: usize = 256;
/// Events of one poller waiting for their place in the stream: the poller waits when they
/// are this many, and looks again later.
const POLLER_QUEUE: usize = 8;

/// One thing that happened in the workspace, as a long-lived front end hears it.
#[derive(Debug)]
pub(crate) enum WorkbenchEvent {
    /// These tools were read again (new or changed); those at `removed` left.
    ToolsChanged {
        updated: Vec<ToolEntry>,
        removed: Vec<PathBuf>,
    },
    /// The catalog was read again whole, or this reader fell behind its changes: every tool
    /// as it is now.
    CatalogReplaced(Arc<Catalog>),
    /// What went wrong keeping the catalog current (the watch, the cached index), one line.
    CatalogProblem(String),
    /// A run another toolbench process started: its start, output and record.
    RunElsewhere(InheritedEvent),
    /// The agent calls and tool requests waiting for a human, as they changed.
    Waiting(PendingEvent),
    /// The service instances, as they changed, and what those followed gained.
    Services(InstanceEvent),
    /// A validation's result.
    Validation(ValidationEvent),
}

/// What a front end hears beside the catalog's changes and the validations' results: the
/// pollers, each reading the store on a thread of its own.
#[derive(Default)]
pub(crate) struct Sources {
    /// Runs other toolbench processes start, followed from their logs.
    pub(crate) runs_elsewhere: bool,
    /// Agent calls and tool requests waiting for a human.
    pub(crate) waiting: bool,
    /// Service instances; the history of those the front end follows
    /// (`Workbench::follow_instance`) is told too.
    pub(crate) services: bool,
}

impl Sources {
    /// Whether any poller is asked for.
    pub(super) fn any(&self) -> bool {
        self.runs_elsewhere || self.waiting || self.services
    }
}

/// The stream's reader.
pub(crate) struct Events {
    rx: mpsc::Receiver<WorkbenchEvent>,
}

impl Events {
    /// A stream that has ended: what a second reader gets.
    pub(super) fn ended() -> Self {
        Self {
            rx: mpsc::channel(1).1,
        }
    }

    /// The next event; `None` once every source has ended.
    pub(crate) async fn recv(&mut self) -> Option<WorkbenchEvent> {
        self.rx.recv().await
    }

    /// The next event if one waits.
    pub(crate) fn try_recv(&mut self) -> Option<WorkbenchEvent> {
        self.rx.try_recv().ok()
    }

    /// How many events wait.
    pub(crate) fn len(&self) -> usize {
        self.rx.len()
    }
}

/// The sending side, owned by the workbench: the sources send here from their start, and the
/// one reader takes the receiving side when it is ready to read.
pub(super) struct Hub {
    tx: mpsc::Sender<WorkbenchEvent>,
    rx: Mutex<Option<mpsc::Receiver<WorkbenchEvent>>>,
    /// The service instances whose history the stream tells.
    following: Following,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(EVENT_QUEUE);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            following: Following::default(),
        }
    }
}

impl Hub {
    /// The receiving side, once.
    pub(super) fn take_reader(&self) -> Option<Events> {
        let taken = self
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        taken.map(|rx| Events { rx })
    }

    /// Starts following `live` and the pollers `sources` names, on the current runtime;
    /// `store` is the process's one write connection, there whenever a poller is asked for
    /// (the pollers mark what died through it, and read through connections of their own).
    pub(super) fn start(
        &self,
        root: &Path,
        live: Option<&Arc<LiveCatalog>>,
        store: Option<&SharedStore>,
        written: impl Fn() -> Listening,
        sources: Sources,
    ) {
        if let Some(live) = live {
            tokio::spawn(follow_catalog(
                Arc::clone(live),
                live.subscribe(),
                self.tx.clone(),
            ));
        }
        let Some(store) = store else { return };
        let root = root.to_path_buf();
        if sources.runs_elsewhere {
            let runs = InheritedRuns {
                root: root.clone(),
                writer: store.clone(),
            };
            self.look(runs, WorkbenchEvent::RunElsewhere);
        }
        if sources.waiting {
            let calls = PendingCalls {
                root: root.clone(),
                writer: store.clone(),
                written: written(),
            };
            self.look(calls, WorkbenchEvent::Waiting);
        }
        if sources.services {
            let feed = ServiceFeed {
                root,
                writer: store.clone(),
                following: self.following.clone(),
                written: written(),
            };
            self.look(feed, WorkbenchEvent::Services);
        }
    }

    /// Tells the history of `instance` in the stream, as `follow` says, in place of any
    /// follow of it before.
    pub(super) fn follow(&self, instance: String, follow: Follow) {
        self.following.follow(instance, follow);
    }

    /// Starts `looker`, each of its events told in the stream as `told` makes it.
    fn look<L: Job>(&self, looker: L, told: fn(L::Event) -> WorkbenchEvent) {
        let (sender, events) = mpsc::channel(POLLER_QUEUE);
        looker.start(sender);
        tokio::spawn(forward(events, self.tx.clone(), told));
    }

    /// The validation queue's listener: each result goes to a mailbox, from which a task on
    /// `runtime` sends them as room comes. The workers never wait on the reader.
    pub(super) fn validation_listener(
        &self,
        runtime: &tokio::runtime::Handle,
    ) -> impl Fn(ValidationEvent) -> bool + Send + Sync + 'static {
        let mailbox = Arc::new(ValidationMailbox::default());
        runtime.spawn(forward_validations(Arc::clone(&mailbox), self.tx.clone()));
        let tx = self.tx.clone();
        move |event| {
            mailbox.put(event);
            !tx.is_closed()
        }
    }
}

/// Forwards a poller's events into the stream until either side is gone. Waiting for room
/// here makes the poller wait in turn.
async fn forward<E>(
    mut from: mpsc::Receiver<E>,
    to: mpsc::Sender<WorkbenchEvent>,
    wrap: fn(E) -> WorkbenchEvent,
) {
    while let Some(event) = from.recv().await {
        if to.send(wrap(event)).await.is_err() {
            return;
        }
    }
}

/// Follows the live catalog until it ends or the reader is gone. While the stream has no
/// room, the changes that keep coming fold into one (and the newest problem), so a burst of
/// thousands of files waits as one event, never as thousands.
async fn follow_catalog(
    live: Arc<LiveCatalog>,
    mut changes: broadcast::Receiver<CatalogChange>,
    events: mpsc::Sender<WorkbenchEvent>,
) {
    let mut error: Option<String> = None;
    let mut change: Option<WatchUpdate> = None;
    let as_event = |update: WatchUpdate| match update {
        WatchUpdate::Tools { updated, removed } => {
            WorkbenchEvent::ToolsChanged { updated, removed }
        }
        WatchUpdate::Rescan | WatchUpdate::Seals => WorkbenchEvent::CatalogReplaced(live.catalog()),
        WatchUpdate::Error(problem) => WorkbenchEvent::CatalogProblem(problem),
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

/// Which tool a validation's result is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Validating {
    Path(PathBuf),
    Refused(String),
}

/// Validations' results waiting for room in the stream, one per tool: thousands of
/// candidates answering from the cache at once wait here as one entry each, and a newer
/// result of a tool replaces its older one, keeping the older one's refused runs.
#[derive(Default)]
struct ValidationMailbox {
    held: Mutex<HashMap<Validating, ValidationEvent>>,
    arrived: Notify,
}

impl ValidationMailbox {
    fn put(&self, mut event: ValidationEvent) {
        let key = match &event {
            ValidationEvent::Validated { path, .. } => Validating::Path(path.clone()),
            ValidationEvent::Refused { tool, .. } => Validating::Refused(tool.clone()),
        };
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let (
            Some(ValidationEvent::Validated {
                unstored: older, ..
            }),
            ValidationEvent::Validated { unstored, .. },
        ) = (held.remove(&key), &mut event)
        {
            let newer = std::mem::take(unstored);
            *unstored = older.into_iter().chain(newer).collect();
        }
        held.insert(key, event);
        drop(held);
        self.arrived.notify_one();
    }

    fn take(&self) -> Vec<ValidationEvent> {
        let held = std::mem::take(&mut *self.held.lock().unwrap_or_else(PoisonError::into_inner));
        held.into_values().collect()
    }
}

async fn forward_validations(
    mailbox: Arc<ValidationMailbox>,
    events: mpsc::Sender<WorkbenchEvent>,
) {
    loop {
        let held = mailbox.take();
        if held.is_empty() {
            mailbox.arrived.notified().await;
            continue;
        }
        for event in held {
            if events
                .send(WorkbenchEvent::Validation(event))
                .await
                .is_err()
            {
                return;
            }
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
            Catalog::new(Vec::new()),
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
        tokio::spawn(follow_catalog(Arc::clone(&live), changes, tx));
        let first = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("told in time");
        let Some(WorkbenchEvent::CatalogReplaced(catalog)) = first else {
            panic!("the whole catalog: {first:?}");
        };
        assert_eq!(catalog.entries().len(), 40, "every tool, none missed");

        live.apply(WatchUpdate::Error("inotify: queue overflow".into()));
        // The changes the live catalog still held come after, told again: each is in the
        // catalog already, and folding it in again changes nothing.
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
                .await
                .expect("told in time");
            match next {
                Some(WorkbenchEvent::ToolsChanged { .. }) => continue,
                Some(WorkbenchEvent::CatalogProblem(problem)) => {
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

    fn validated(path: &str, verdict: &str, lost: &[&str]) -> ValidationEvent {
        let report = serde_json::from_value(serde_json::json!({
            "name": "t", "version": "1.0.0", "tier": "experimental", "path": path,
            "verdict": verdict, "content_hash": "h", "validated_at": "2026-11-25T10:00:00.000Z",
            "checks": [], "findings": [], "tests": [], "similar": []
        }))
        .expect("report JSON");
        ValidationEvent::Validated {
            path: PathBuf::from(path),
            report: Box::new(report),
            unstored: lost
                .iter()
                .map(|tool| crate::model::run_job::UnstoredRun {
                    record: Box::new(crate::store::runs::tests::sample_run(
                        tool,
                        "2026-11-25T10:00:00Z",
                    )),
                    reason: "disk full".into(),
                    kept: Ok(()),
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn validations_wait_one_per_tool_the_newest_with_every_refused_run() {
        let hub = Hub::default();
        let listener = hub.validation_listener(&tokio::runtime::Handle::current());
        // On this test's one thread, the mailbox's task sends only once the reader awaits:
        // everything told before waits in the mailbox, folded.
        for round in 0..3 {
            let lost = format!("case{round}");
            assert!(listener(validated("/w/experimental/a", "warn", &[&lost])));
        }
        assert!(listener(validated("/w/experimental/b", "pass", &[])));
        assert!(listener(validated("/w/experimental/a", "pass", &[])));
        let mut events = hub.take_reader().expect("the reader");
        let mut told = Vec::new();
        while told.len() < 2 {
            let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
                .await
                .expect("told in time")
                .expect("the stream");
            let WorkbenchEvent::Validation(ValidationEvent::Validated {
                path,
                report,
                unstored,
            }) = event
            else {
                panic!("a validation: {event:?}");
            };
            let lost: Vec<String> = unstored.iter().map(|u| u.record.tool.clone()).collect();
            told.push((path, report.verdict.as_str().to_string(), lost));
        }
        told.sort();
        let mut expected = vec![
            (
                PathBuf::from("/w/experimental/b"),
                "pass".into(),
                Vec::new(),
            ),
            (
                PathBuf::from("/w/experimental/a"),
                "pass".into(),
                vec!["case0".into(), "case1".into(), "case2".into()],
            ),
        ];
        expected.sort();
        assert!(events.try_recv().is_none(), "nothing more waits");
        assert_eq!(told, expected);
        drop(events);
        assert!(
            !listener(validated("/w/experimental/c", "pass", &[])),
            "the reader is gone: the workers stop"
        );
    }
}
