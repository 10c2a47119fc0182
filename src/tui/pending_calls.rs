//! Agent calls and tool requests waiting for a human, from whichever `toolbench mcp` process
//! holds them: read from the store often enough that a new one shows within 300 ms, and sent
//! to the app only when they changed. Calls of servers that died are marked abandoned on the
//! way.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::app::AppEvent;
use crate::store::{SharedStore, Store};

/// How often the store is read: a pending call shows within this plus one frame.
const POLL: Duration = Duration::from_millis(100);
/// How often the servers of pending calls are checked for life.
const CHECK_SERVERS: Duration = Duration::from_secs(2);

/// Polls until the app goes away.
/// Reads through a read-only connection of its own; marks calls abandoned through `writer`,
/// the process's one write connection.
pub fn spawn(root: PathBuf, writer: SharedStore, tx: mpsc::UnboundedSender<AppEvent>) {
    tokio::task::spawn_blocking(move || {
        let store = match Store::open_reader(&root) {
            Ok(store) => store,
            Err(e) => {
                let _ = tx.send(AppEvent::StoreRefused(format!("agent calls: {e}")));
                return;
            }
        };
        let mut last = None;
        let mut last_requests = None;
        let mut checked = Instant::now() - CHECK_SERVERS;
        while !tx.is_closed() {
            if checked.elapsed() >= CHECK_SERVERS {
                checked = Instant::now();
                let _ = crate::approvals::abandon_dead(&mut writer.lock());
            }
            if let (Ok(calls), Ok(rules)) = (store.calls(false), store.rules(false)) {
                let now = Some((calls, rules));
                if now != last {
                    if let Some((calls, rules)) = now.clone() {
                        let _ = tx.send(AppEvent::CallsPolled { calls, rules });
                    }
                    last = now;
                }
            }
            if let Ok(requests) = store.pending_requests()
                && last_requests.as_ref() != Some(&requests)
            {
                let _ = tx.send(AppEvent::RequestsPolled(requests.clone()));
                last_requests = Some(requests);
            }
            std::thread::sleep(POLL);
        }
    });
}
