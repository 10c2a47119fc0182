//! Service instances for the workbench: read from the store often enough that a launch or a
//! stop elsewhere shows within 250 ms, sent to the app only when they changed. The instances
//! the Output pane follows have their logs tailed and their exchanges shown as they are
//! stored. Dead instances are marked stopped on the way, as every toolbench process does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::app::AppEvent;
use crate::catalog::scan::human_size;
use crate::runner::Stream;
use crate::services::logs::{self, LogStream};
use crate::services::{instance_dir, reconcile};
use crate::store::services::ExchangeRow;
use crate::store::{SharedStore, Store};

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
/// The logs followed, and the Output stream each is shown as.
const STREAMS: [(LogStream, Stream); 2] = [
    (LogStream::Stdout, Stream::Stdout),
    (LogStream::Stderr, Stream::Stderr),
];

/// The instances the Output pane follows, by name, with the key of their view.
pub type Following = Arc<Mutex<HashMap<String, u64>>>;

/// One followed instance: its Output key, how far its logs were read (positions among
/// everything each stream wrote, see `services::logs`) and the last exchange shown.
struct Follow {
    key: u64,
    logs_at: [u64; 2],
    last_exchange: i64,
}

/// Polls until the app goes away, through a read-only connection of its own; marks dead
/// instances stopped through `writer`, the process's one write connection.
pub fn spawn(
    root: PathBuf,
    writer: SharedStore,
    tx: mpsc::UnboundedSender<AppEvent>,
    following: Following,
) {
    tokio::task::spawn_blocking(move || {
        let store = match Store::open_reader(&root) {
            Ok(store) => store,
            Err(e) => {
                let _ = tx.send(AppEvent::StoreRefused(format!("services: {e}")));
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
                let _ = tx.send(AppEvent::InstancesPolled(rows.clone()));
                last = Some(rows);
            }
            let wanted = following.lock().map(|f| f.clone()).unwrap_or_default();
            followed.retain(|name, f| wanted.get(name) == Some(&f.key));
            for (name, key) in wanted {
                let follow = followed
                    .entry(name.clone())
                    .or_insert_with(|| start(&root, &store, &name, key));
                tail(&instance_dir(&root, &name), follow, &tx);
                show_exchanges(&store, &name, follow, &tx);
            }
            std::thread::sleep(POLL);
        }
    });
}

/// Starts following near the end: the last lines of the logs and the last exchanges.
fn start(root: &Path, store: &Store, name: &str, key: u64) -> Follow {
    let dir = instance_dir(root, name);
    let from = |stream| logs::end(&dir, stream).saturating_sub(RECENT_LOG);
    let earlier = store.exchanges(name, 0).unwrap_or_default();
    let skip = earlier.len().saturating_sub(RECENT_EXCHANGES + 1);
    Follow {
        key,
        logs_at: STREAMS.map(|(stream, _)| from(stream)),
        last_exchange: earlier.get(skip).map_or(0, |e| e.id),
    }
}

/// Sends what the instance's logs gained since the last look, and a line for what was
/// rotated away before it could be read.
fn tail(dir: &Path, follow: &mut Follow, tx: &mpsc::UnboundedSender<AppEvent>) {
    for (slot, (stream, shown)) in STREAMS.into_iter().enumerate() {
        let read = logs::read_from(dir, stream, follow.logs_at[slot], MAX_READ);
        follow.logs_at[slot] = read.next();
        let mut bytes = Vec::new();
        if read.dropped > 0 {
            let note = format!("… {} dropped (rotated) …\n", human_size(read.dropped));
            bytes.extend_from_slice(note.as_bytes());
        }
        bytes.extend_from_slice(&read.bytes);
        if !bytes.is_empty() {
            let _ = tx.send(AppEvent::RunOutput {
                key: follow.key,
                stream: shown,
                bytes,
                skipped: 0,
            });
        }
    }
}

/// Sends the exchanges stored since the last look as `→ message` / `← answer` lines.
fn show_exchanges(
    store: &Store,
    name: &str,
    follow: &mut Follow,
    tx: &mpsc::UnboundedSender<AppEvent>,
) {
    let Ok(rows) = store.exchanges(name, follow.last_exchange) else {
        return;
    };
    let Some(newest) = rows.last() else {
        return;
    };
    follow.last_exchange = newest.id;
    let text: String = rows.iter().map(exchange_lines).collect();
    let _ = tx.send(AppEvent::RunOutput {
        key: follow.key,
        stream: Stream::Stdout,
        bytes: text.into_bytes(),
        skipped: 0,
    });
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

    /// The Output events `tail` sends for `follow`, as (stream, text).
    fn tailed(dir: &Path, follow: &mut Follow) -> Vec<(Stream, String)> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tail(dir, follow, &tx);
        let mut sent = Vec::new();
        while let Ok(AppEvent::RunOutput { stream, bytes, .. }) = rx.try_recv() {
            sent.push((stream, String::from_utf8_lossy(&bytes).into_owned()));
        }
        sent
    }

    #[test]
    fn output_rotated_away_before_it_was_shown_is_said_to_be_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        // 3 MiB were rotated away; the kept files hold the rest.
        let dropped = 3 * 1024 * 1024;
        std::fs::write(dir.path().join(format!("stdout.{dropped}.log")), "old\n").expect("rotated");
        std::fs::write(dir.path().join("stdout.log"), "new\n").expect("current");
        std::fs::write(dir.path().join("stderr.log"), "err\n").expect("stderr");
        let mut follow = Follow {
            key: 7,
            logs_at: [0, 0],
            last_exchange: 0,
        };
        assert_eq!(
            tailed(dir.path(), &mut follow),
            [
                (
                    Stream::Stdout,
                    "… 3 MiB dropped (rotated) …\nold\nnew\n".to_string()
                ),
                (Stream::Stderr, "err\n".to_string()),
            ]
        );
        assert_eq!(follow.logs_at, [dropped + 8, 4]);
        assert!(tailed(dir.path(), &mut follow).is_empty());
    }
}
