//! The poller of agent calls and tool requests waiting for a human, from whichever
//! `toolbench mcp` process holds them: read from the store as soon as any process writes it
//! (`store::changes`), or every 100 ms where no watch can be had, and told only when they
//! changed. Calls of servers that died are marked
//! abandoned on the way.
//!
//! It tells through a bounded queue and waits for room there: each snapshot is whole, and
//! the next look reads the newest. Never here: a front end.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::model::requests::RequestRow;
use crate::store::{SharedStore, Store, StoreError};

/// What the poller tells: the waiting calls and rules, or the waiting requests, when they
/// changed; or why it could not read at all.
#[derive(Debug)]
pub(crate) enum PendingEvent {
    Calls {
        calls: Vec<CallRow>,
        rules: Vec<RuleRow>,
    },
    Requests(Vec<RequestRow>),
    /// The store could not be opened: the poller stopped.
    Unreadable(StoreError),
}

/// How often the store is read when no watch tells of its writes: a pending call shows
/// within this plus one frame.
const POLL: Duration = Duration::from_millis(100);
/// How often it is read anyway with a watch, in case the watch missed a write.
const POLL_WATCHED: Duration = Duration::from_secs(1);
/// The least time between two reads: a burst of writes (runs recorded, say) is read once.
const SPACING: Duration = Duration::from_millis(20);
/// How often the servers of pending calls are checked for life.
const CHECK_SERVERS: Duration = Duration::from_secs(2);

/// Polls on a blocking thread of the current runtime until `tx`'s receiver is gone.
/// Reads through a read-only connection of its own; marks calls abandoned through `writer`,
/// the process's one write connection.
pub(crate) fn spawn(
    root: PathBuf,
    writer: SharedStore,
    tx: mpsc::Sender<PendingEvent>,
) -> JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let store = match Store::open_reader(&root) {
            Ok(store) => store,
            Err(e) => {
                let _ = tx.blocking_send(PendingEvent::Unreadable(e));
                return;
            }
        };
        // Told of every write by whichever process: a new call shows within milliseconds.
        let changes = crate::store::changes::StoreChanges::watch(&root);
        let mut last = None;
        let mut last_requests = None;
        let mut checked = Instant::now() - CHECK_SERVERS;
        while !tx.is_closed() {
            let looked = Instant::now();
            if checked.elapsed() >= CHECK_SERVERS {
                checked = Instant::now();
                let _ = crate::approvals::abandon_dead(&mut writer.lock());
            }
            if let (Ok(calls), Ok(rules)) = (store.calls(false), store.rules(false)) {
                let now = Some((calls, rules));
                if now != last {
                    if let Some((calls, rules)) = now.clone()
                        && tx
                            .blocking_send(PendingEvent::Calls { calls, rules })
                            .is_err()
                    {
                        return;
                    }
                    last = now;
                }
            }
            if let Ok(requests) = store.pending_requests()
                && last_requests.as_ref() != Some(&requests)
            {
                if tx
                    .blocking_send(PendingEvent::Requests(requests.clone()))
                    .is_err()
                {
                    return;
                }
                last_requests = Some(requests);
            }
            match &changes {
                Some(changes) => {
                    changes.wait(looked, SPACING, POLL_WATCHED.min(CHECK_SERVERS));
                }
                None => std::thread::sleep(POLL),
            }
        }
    })
}
