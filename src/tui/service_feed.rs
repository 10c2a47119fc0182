//! Service instances for the workbench: read from the store often enough that a launch or a
//! stop elsewhere shows within 250 ms, sent to the app only when they changed. The instances
//! the Output pane follows have their logs tailed and their exchanges shown as they are
//! stored. Dead instances are marked stopped on the way, as every toolbench process does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::app::AppEvent;
use super::inherited::{Followed, tail};
use crate::runner::Stream;
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

/// The instances the Output pane follows, by name, with the key of their view.
pub type Following = Arc<Mutex<HashMap<String, u64>>>;

/// One followed instance: its logs and the last exchange shown.
struct Follow {
    logs: Followed,
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
            followed.retain(|name, f| wanted.get(name) == Some(&f.logs.key));
            for (name, key) in wanted {
                let follow = followed
                    .entry(name.clone())
                    .or_insert_with(|| start(&root, &store, &name, key));
                tail(&instance_dir(&root, &name), &mut follow.logs, &tx);
                show_exchanges(&store, &name, follow, &tx);
            }
            std::thread::sleep(POLL);
        }
    });
}

/// Starts following near the end: the last lines of the logs and the last exchanges.
fn start(root: &std::path::Path, store: &Store, name: &str, key: u64) -> Follow {
    let dir = instance_dir(root, name);
    let from = |file: &str| {
        std::fs::metadata(dir.join(file)).map_or(0, |m| m.len().saturating_sub(RECENT_LOG))
    };
    let earlier = store.exchanges(name, 0).unwrap_or_default();
    let skip = earlier.len().saturating_sub(RECENT_EXCHANGES + 1);
    Follow {
        logs: Followed {
            key,
            offsets: [from("stdout.log"), from("stderr.log")],
        },
        last_exchange: earlier.get(skip).map_or(0, |e| e.id),
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
        key: follow.logs.key,
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
