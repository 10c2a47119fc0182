//! The poller of service instances: read from the store often enough that a launch or a
//! stop elsewhere shows within 250 ms, told only when they changed. The instances a front end
//! follows have their logs tailed and their exchanges told as they are stored. Dead instances
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

use crate::catalog::scan::human_size;
use crate::model::services::ExchangeRow;
use crate::model::services::InstanceRow;
use crate::runner::Stream;
use crate::services::feed::{FeedItem, InstanceFeed, launch_line};
use crate::services::logs::LogStream;
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
/// Most of a log read in one look, so a flooding service cannot stall the poller.
const MAX_READ: u64 = 256 * 1024;
/// The instances a front end follows, by name, with the key of their view.
pub(crate) type Following = Arc<Mutex<HashMap<String, u64>>>;

/// What the poller tells.
#[derive(Debug)]
pub(crate) enum InstanceEvent {
    /// The instances, when they changed.
    Instances(Vec<InstanceRow>),
    /// What a followed instance's history gained, under the key it is followed with.
    Output {
        key: u64,
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// The store could not be opened: the poller stopped.
    Unreadable(StoreError),
}

/// One followed instance: its Output key, and how far its history was read.
struct Follow {
    key: u64,
    feed: InstanceFeed,
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
        let mut last = None;
        let mut followed: HashMap<String, Follow> = HashMap::new();
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
            followed.retain(|name, f| wanted.get(name) == Some(&f.key));
            for (name, key) in wanted {
                let dir = instance_dir(&root, &name);
                let follow = followed.entry(name.clone()).or_insert_with(|| Follow {
                    key,
                    feed: InstanceFeed::recent(&dir, &store, &name, RECENT_LOG, RECENT_EXCHANGES),
                });
                show(&dir, &store, follow, &tx);
            }
            std::thread::sleep(POLL);
        }
    })
}

/// Sends what the instance's history gained since the last look, in order: output (with a
/// line for what was rotated away before it could be read), launches and exchanges.
fn show(dir: &Path, store: &Store, follow: &mut Follow, tx: &mpsc::Sender<InstanceEvent>) {
    let Ok(items) = follow.feed.poll(dir, store, MAX_READ) else {
        return;
    };
    for item in items {
        let (stream, bytes) = match item {
            FeedItem::Output {
                stream,
                bytes,
                dropped,
            } => {
                let mut shown = Vec::new();
                if dropped > 0 {
                    let note = format!("… {} dropped (rotated) …\n", human_size(dropped));
                    shown.extend_from_slice(note.as_bytes());
                }
                shown.extend_from_slice(&bytes);
                (output_stream(stream), shown)
            }
            FeedItem::Launch(launch) => (
                Stream::Stdout,
                format!("{}\n", launch_line(&launch)).into_bytes(),
            ),
            FeedItem::Exchange(exchange) => {
                (Stream::Stdout, exchange_lines(&exchange).into_bytes())
            }
        };
        if tx
            .blocking_send(InstanceEvent::Output {
                key: follow.key,
                stream,
                bytes,
            })
            .is_err()
        {
            return;
        }
    }
}

/// The Output stream a log is shown as.
fn output_stream(stream: LogStream) -> Stream {
    match stream {
        LogStream::Stdout => Stream::Stdout,
        LogStream::Stderr => Stream::Stderr,
    }
}

fn exchange_lines(row: &ExchangeRow) -> String {
    let answer = match (&row.response, &row.error) {
        (_, Some(error)) => format!("✗ {error}"),
        (Some(response), None) => format!("← {response}"),
        (None, None) => "← (nothing)".to_string(),
    };
    format!("→ {}\n{answer}\n", row.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Output events one look sends for `follow`, as (stream, text).
    fn shown(dir: &Path, store: &Store, follow: &mut Follow) -> Vec<(Stream, String)> {
        let (tx, mut rx) = mpsc::channel(16);
        show(dir, store, follow, &tx);
        let mut sent = Vec::new();
        while let Ok(InstanceEvent::Output { stream, bytes, .. }) = rx.try_recv() {
            sent.push((stream, String::from_utf8_lossy(&bytes).into_owned()));
        }
        sent
    }

    #[test]
    fn output_rotated_away_before_it_was_shown_is_said_to_be_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        // 3 MiB were rotated away; the kept files hold the rest.
        let dropped = 3 * 1024 * 1024;
        std::fs::write(dir.path().join(format!("stdout.{dropped}.log")), "old\n").expect("rotated");
        std::fs::write(dir.path().join("stdout.log"), "new\n").expect("current");
        std::fs::write(dir.path().join("stderr.log"), "err\n").expect("stderr");
        let mut follow = Follow {
            key: 7,
            feed: InstanceFeed::from_start("a"),
        };
        assert_eq!(
            shown(dir.path(), &store, &mut follow),
            [
                (
                    Stream::Stdout,
                    "… 3 MiB dropped (rotated) …\nold\nnew\n".to_string()
                ),
                (Stream::Stderr, "err\n".to_string()),
            ]
        );
        assert!(shown(dir.path(), &store, &mut follow).is_empty());
    }
}
