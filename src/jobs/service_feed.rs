//! The looker at service instances: their rows read again as soon as any process writes the
//! store (told by the process's one watch, `store_writes`: a launch or a stop elsewhere shows
//! within milliseconds), told only when they changed. The instances a front end follows have
//! their history told as it is stored (`services::feed`), typed, for the front end to show its
//! way, and their stop told once all they wrote before it was. Two things here nothing tells
//! of, so they are looked at on a beat: a followed instance's logs, which its process appends
//! to (every 250 ms, and only while one is followed), and an instance's death (every 2 s):
//! dead instances are marked stopped on the way, as every toolbench process does.
//!
//! It tells through a bounded queue and waits for room there: a front end that reads slowly
//! makes it look less often, and nothing it tells is dropped. Never here: a front end.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::store_writes::Listening;
use super::{Job, reader_or_tell};
use crate::model::services::{FeedStart, Follow, InstanceEvent, InstanceRow, InstanceState};
use crate::services::feed::InstanceFeed;
use crate::services::{instance_dir, reconcile};
use crate::store::{SharedStore, Store};

/// How often the logs of followed instances are read.
const READ_LOGS: Duration = Duration::from_millis(250);
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
/// The instances a front end follows, by name; the looker hears at once of one followed.
#[derive(Clone, Default)]
pub(crate) struct Following(Arc<Wanted>);

#[derive(Default)]
struct Wanted {
    instances: Mutex<HashMap<String, Follow>>,
    changed: Notify,
}

impl Following {
    /// Follows `instance` as `follow` says, in place of any follow of it before.
    pub(crate) fn follow(&self, instance: String, follow: Follow) {
        self.instances().insert(instance, follow);
        self.0.changed.notify_one();
    }

    fn instances(&self) -> std::sync::MutexGuard<'_, HashMap<String, Follow>> {
        self.0
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One followed instance: how it is followed, how far its history was read, and whether its
/// stop was told.
struct Followed {
    follow: Follow,
    feed: InstanceFeed,
    looked: bool,
    stop_told: bool,
}

/// The looker: it looks again at each write `written` tells of, through a read-only
/// connection of its own, and marks dead instances stopped through `writer`, the process's
/// one write connection. `following` names the instances whose history is told.
pub(crate) struct ServiceFeed {
    pub(crate) root: PathBuf,
    pub(crate) writer: SharedStore,
    pub(crate) following: Following,
    pub(crate) written: Listening,
}

impl Job for ServiceFeed {
    type Event = InstanceEvent;

    fn start(self, tx: mpsc::Sender<InstanceEvent>) -> JoinHandle<()> {
        let ServiceFeed {
            root,
            writer,
            following,
            mut written,
        } = self;
        tokio::task::spawn_blocking(move || {
            let Some(store) = reader_or_tell(&root, &tx, InstanceEvent::Unreadable) else {
                return;
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
                let wanted = following.instances().clone();
                followed.retain(|name, f| wanted.get(name) == Some(&f.follow));
                for (name, follow) in wanted {
                    let dir = instance_dir(&root, &name);
                    let followed = followed.entry(name.clone()).or_insert_with(|| Followed {
                        follow,
                        feed: match follow.from {
                            FeedStart::Recent => InstanceFeed::recent(
                                &dir,
                                &store,
                                &name,
                                RECENT_LOG,
                                RECENT_EXCHANGES,
                            ),
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
                // Listening since before this look, so a write during it is told. The reader
                // gone (the front end left, or its runtime dropped the task that forwards) ends
                // the wait at once, and the loop with it.
                let beat = match followed.is_empty() {
                    true => CHECK_LIVES.saturating_sub(checked.elapsed()),
                    false => READ_LOGS,
                };
                super::wait_at_most(beat, async {
                    tokio::select! {
                        () = written.written() => {}
                        () = following.0.changed.notified() => {}
                        () = tx.closed() => {}
                    }
                });
            }
        })
    }
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
    use crate::model::services::FeedItem;

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

    /// The next event `pick` takes, skipping the others.
    async fn next<T>(
        rx: &mut mpsc::Receiver<InstanceEvent>,
        mut pick: impl FnMut(InstanceEvent) -> Option<T>,
    ) -> T {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("told in time")
                .expect("the looker runs");
            if let InstanceEvent::Unreadable(e) = &event {
                panic!("unreadable: {e}");
            }
            if let Some(picked) = pick(event) {
                return picked;
            }
        }
    }

    /// An instance another connection claims is told as written (through the process's one
    /// watch of the store); an instance followed afterwards has its history told, the looker
    /// woken by the follow rather than finding it on its beat.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_instance_written_elsewhere_is_told_and_one_followed_has_its_history_told() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = SharedStore::new(Store::open(dir.path()).expect("store"));
        let writes = crate::jobs::store_writes::StoreWrites::start(dir.path());
        let following = Following::default();
        let (tx, mut rx) = mpsc::channel(4);
        let looker = ServiceFeed {
            root: dir.path().to_path_buf(),
            writer,
            following: following.clone(),
            written: writes.listen(),
        };
        let _looker = looker.start(tx);
        let rows = next(&mut rx, |e| match e {
            InstanceEvent::Instances(rows) => Some(rows),
            _ => None,
        })
        .await;
        assert!(rows.is_empty(), "nothing runs yet: {rows:?}");

        // Claimed by another process's connection, alive as this test's own process is.
        let me = crate::proc_stat::ProcessId::of(std::process::id()).expect("own stat");
        let mut other = Store::open(dir.path()).expect("another connection");
        other
            .claim_instance(&InstanceRow {
                name: "web".into(),
                tool: "web".into(),
                version: "1.0.0".into(),
                port: 8080,
                pid: Some(me.pid),
                start_ticks: Some(me.start_ticks),
                state: InstanceState::Healthy,
                started_at: crate::clock::now_rfc3339(),
                stopped_at: None,
                last_exchange_at: None,
                log_dir: ".toolbench/services/web".into(),
                sandbox: String::new(),
                error: None,
            })
            .expect("claimed");
        let rows = next(&mut rx, |e| match e {
            InstanceEvent::Instances(rows) if !rows.is_empty() => Some(rows),
            _ => None,
        })
        .await;
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["web"]
        );

        let logs = instance_dir(dir.path(), "web");
        std::fs::create_dir_all(&logs).expect("log folder");
        std::fs::write(logs.join("stdout.log"), "listening\n").expect("log");
        following.follow(
            "web".into(),
            Follow {
                key: 7,
                from: FeedStart::Beginning,
            },
        );
        let told = next(&mut rx, |e| match e {
            InstanceEvent::Feed {
                key: 7,
                item: FeedItem::Output { bytes, .. },
            } => Some(bytes),
            _ => None,
        })
        .await;
        assert_eq!(told, b"listening\n");
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
