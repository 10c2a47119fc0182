//! The poller of service instances: read from the store often enough that a launch or a
//! stop elsewhere shows within 250 ms, told only when they changed. The instances a front end
//! follows have their history told as it is stored (`services::feed`), typed, for the front
//! end to show its way, and their stop told once all they wrote before it was. Dead instances
//! are marked stopped on the way, as every toolbench process does.
//!
//! It tells through a bounded queue and waits for room there: a front end that reads slowly
//! makes it look less often, and nothing it tells is dropped. Never here: a front end.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::services::{InstanceRow, InstanceState};
use crate::services::feed::{FeedItem, InstanceFeed};
use crate::services::{instance_dir, reconcile};
use crate::store::{SharedStore, Store, StoreError};

/// How often the store and the followed logs are read.
const POLL: Duration = Duration::from_millis(250);
/// How often the processes of running instances are checked for life.
const CHECK_LIVES: Duration = Duration::from_secs(2);
/// Earlier exchanges shown when an instance is first followed.
const RECENT_EXCHANGES: usize = 20;
/// Log bytes shown from before an instance was first followed.
const RECENT_LOG: u64 = 16 * 1024;
/// Most of a log read in one look after a follow's first, so a flooding service cannot stall
/// the poller. The first reads what the follow starts from whole: a history from its
/// beginning is told at once (the logs are bounded by `[services] log_mb`).
const MAX_READ: u64 = 256 * 1024;
/// The instances a front end follows, by name.
pub(crate) type Following = Arc<Mutex<HashMap<String, Follow>>>;

/// How a front end follows an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Follow {
    /// What its history is told under (the key of the front end's view).
    pub(crate) key: u64,
    pub(crate) from: FeedStart,
}

/// Where a followed history starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedStart {
    /// Near its end: the last 16 KiB of each log and the last 20 exchanges.
    Recent,
    /// Its beginning: everything its logs still hold.
    Beginning,
}

/// What the poller tells.
#[derive(Debug)]
pub(crate) enum InstanceEvent {
    /// The instances, when they changed.
    Instances(Vec<InstanceRow>),
    /// What a followed instance's history gained, in order, under the key it is followed
    /// with.
    Feed { key: u64, item: FeedItem },
    /// A followed instance is stopped (or gone), and what its history held by then is told.
    /// Told again if it is launched and stops again.
    Stopped { key: u64 },
    /// The store could not be opened: the poller stopped.
    Unreadable(StoreError),
}

/// One followed instance: how it is followed, how far its history was read, and whether its
/// stop was told.
struct Followed {
    follow: Follow,
    feed: InstanceFeed,
    looked: bool,
    stop_told: bool,
}

/// Polls on a blocking thread of the current runtime until `tx`'s receiver is gone, through
/// a read-only connection of its own; marks dead instances stopped through `writer`, the
/// process's one write connection. `following` names the instances whose history is told.
pub(crate) fn spawn(
    root: PathBuf,
    writer: SharedStore,
    following: Following,
    tx: mpsc::Sender<InstanceEvent>,
) -> JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let store = match Store::open_reader(&root) {
            Ok(store) => store,
            Err(e) => {
                let _ = tx.blocking_send(InstanceEvent::Unreadable(e));
                return;
            }
        };
        let mut last: Option<Vec<InstanceRow>> = None;
        let mut followed: HashMap<String, Followed> = HashMap::new();
        let mut checked = Instant::now() - CHECK_LIVES;
        while !tx.is_closed() {
            if checked.elapsed() >= CHECK_LIVES {
                checked = Instant::now();
                let _ = reconcile::reconcile_store(&mut writer.lock());
            }
            if let Ok(rows) = store.instances(false)
                && last.as_ref() != Some(&rows)
            {
                if tx
                    .blocking_send(InstanceEvent::Instances(rows.clone()))
                    .is_err()
                {
                    return;
                }
                last = Some(rows);
            }
            let wanted = following.lock().map(|f| f.clone()).unwrap_or_default();
            followed.retain(|name, f| wanted.get(name) == Some(&f.follow));
            for (name, follow) in wanted {
                let dir = instance_dir(&root, &name);
                let followed = followed.entry(name.clone()).or_insert_with(|| Followed {
                    follow,
                    feed: match follow.from {
                        FeedStart::Recent => {
                            InstanceFeed::recent(&dir, &store, &name, RECENT_LOG, RECENT_EXCHANGES)
                        }
                        FeedStart::Beginning => InstanceFeed::from_start(&name),
                    },
                    looked: false,
                    stop_told: false,
                });
                // Read after the rows: an instance seen stopped above wrote all it will before
                // its stop was stored, so this look reads the last of it.
                let stopped = last.as_ref().map(|rows| is_stopped(rows, &name));
                if !show(&dir, &store, followed, &tx) {
                    return;
                }
                match stopped {
                    Some(true) if !followed.stop_told => {
                        followed.stop_told = true;
                        let key = followed.follow.key;
                        if tx.blocking_send(InstanceEvent::Stopped { key }).is_err() {
                            return;
                        }
                    }
                    Some(false) => followed.stop_told = false,
                    _ => {}
                }
            }
            std::thread::sleep(POLL);
        }
    })
}

/// Whether the instance `name` is stopped among `rows`, or gone from them.
fn is_stopped(rows: &[InstanceRow], name: &str) -> bool {
    rows.iter()
        .find(|row| row.name == name)
        .is_none_or(|row| row.state == InstanceState::Stopped)
}

/// Sends what the instance's history gained since the last look, in order. False once the
/// front end is gone.
fn show(
    dir: &Path,
    store: &Store,
    followed: &mut Followed,
    tx: &mpsc::Sender<InstanceEvent>,
) -> bool {
    let max_read = if followed.looked { MAX_READ } else { u64::MAX };
    let Ok(items) = followed.feed.poll(dir, store, max_read) else {
        return true;
    };
    followed.looked = true;
    let key = followed.follow.key;
    items
        .into_iter()
        .all(|item| tx.blocking_send(InstanceEvent::Feed { key, item }).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items one look sends for `followed`.
    fn shown(dir: &Path, store: &Store, followed: &mut Followed) -> Vec<FeedItem> {
        let (tx, mut rx) = mpsc::channel(16);
        assert!(show(dir, store, followed, &tx));
        let mut sent = Vec::new();
        while let Ok(InstanceEvent::Feed { key, item }) = rx.try_recv() {
            assert_eq!(key, 7);
            sent.push(item);
        }
        sent
    }

    #[test]
    fn a_history_followed_from_its_beginning_is_told_whole_then_what_it_gains() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        // 3 MiB were rotated away; the kept files hold the rest, more than one later look
        // reads.
        let dropped = 3 * 1024 * 1024;
        let big = "x".repeat(usize::try_from(MAX_READ).expect("small") * 2);
        std::fs::write(dir.path().join(format!("stdout.{dropped}.log")), "old\n").expect("rotated");
        std::fs::write(dir.path().join("stdout.log"), format!("new\n{big}")).expect("current");
        std::fs::write(dir.path().join("stderr.log"), "err\n").expect("stderr");
        let mut followed = Followed {
            follow: Follow {
                key: 7,
                from: FeedStart::Beginning,
            },
            feed: InstanceFeed::from_start("a"),
            looked: false,
            stop_told: false,
        };
        let first = shown(dir.path(), &store, &mut followed);
        let outputs: Vec<(String, usize, u64)> = first
            .iter()
            .map(|item| match item {
                FeedItem::Output {
                    stream,
                    bytes,
                    dropped,
                } => (format!("{stream:?}"), bytes.len(), *dropped),
                other => panic!("output only: {other:?}"),
            })
            .collect();
        assert_eq!(
            outputs,
            [
                (
                    "Stdout".to_string(),
                    "old\nnew\n".len() + big.len(),
                    dropped
                ),
                ("Stderr".to_string(), "err\n".len(), 0),
            ]
        );
        assert!(shown(dir.path(), &store, &mut followed).is_empty());
        std::fs::write(dir.path().join("stdout.log"), format!("new\n{big}{big}")).expect("more");
        let later: usize = shown(dir.path(), &store, &mut followed)
            .iter()
            .map(|item| match item {
                FeedItem::Output { bytes, .. } => bytes.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(
            later,
            usize::try_from(MAX_READ).expect("small"),
            "bounded after the first"
        );
    }

    #[test]
    fn an_instance_is_stopped_when_its_row_says_so_or_it_has_none() {
        let row = |name: &str, state| InstanceRow {
            name: name.into(),
            tool: "t".into(),
            version: "1.0.0".into(),
            port: 8080,
            pid: None,
            start_ticks: None,
            state,
            started_at: "2026-11-25T10:00:00Z".into(),
            stopped_at: None,
            last_exchange_at: None,
            log_dir: format!(".toolbench/services/{name}"),
            sandbox: String::new(),
            error: None,
        };
        let rows = [
            row("up", InstanceState::Healthy),
            row("down", InstanceState::Stopped),
        ];
        assert!(!is_stopped(&rows, "up"));
        assert!(is_stopped(&rows, "down"));
        assert!(is_stopped(&rows, "gone"));
    }
}
