//! Telling a reader that the store changed, whichever process wrote it. SQLite tells no other
//! process of a commit, but every commit in WAL mode writes `state.db-wal`, and the kernel
//! tells a watcher of the state folder about that file (inotify): a poller waits for that
//! instead of waking on a fixed beat, and looks again on a slow beat only in case the watch
//! missed something.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

/// The write-ahead log's name beside `state.db`.
const WAL_SUFFIX: &str = "-wal";

/// A watch on one workspace's store.
pub(crate) struct StoreChanges {
    rx: mpsc::Receiver<()>,
    _watcher: notify::RecommendedWatcher,
}

impl StoreChanges {
    /// Watches the store of the workspace at `root`; `None` when the kernel gives no watch
    /// (the caller then looks on its own beat).
    pub(crate) fn watch(root: &Path) -> Option<StoreChanges> {
        let state = crate::workspace::state_dir(root);
        let wal = format!("{}{WAL_SUFFIX}", super::STATE_FILE);
        let (tx, rx) = mpsc::sync_channel(1);
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let written = event.is_ok_and(|event| {
                    event.kind.is_modify()
                        && event
                            .paths
                            .iter()
                            .any(|p| p.file_name().is_some_and(|n| n == wal.as_str()))
                });
                if written {
                    // One waiting signal is enough: the reader looks at everything anyway.
                    let _ = tx.try_send(());
                }
            })
            .ok()?;
        watcher.watch(&state, RecursiveMode::NonRecursive).ok()?;
        Some(StoreChanges {
            rx,
            _watcher: watcher,
        })
    }

    /// Waits until the store changed or `at_most` passed, and at least `spacing` since
    /// `last` (a burst of writes is read once).
    pub(crate) fn wait(&self, last: Instant, spacing: Duration, at_most: Duration) {
        let _ = self.rx.recv_timeout(at_most);
        if let Some(left) = spacing.checked_sub(last.elapsed()) {
            std::thread::sleep(left);
        }
        // What came meanwhile is read with this look.
        while self.rx.try_recv().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_of_another_connection_is_told_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = crate::store::Store::open(dir.path()).expect("store");
        let changes = StoreChanges::watch(dir.path()).expect("a watch");
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                writer
                    .insert_pairing_code("h", "phone", "now", "later")
                    .expect("a write");
            });
            changes.wait(Instant::now(), Duration::ZERO, Duration::from_secs(10));
        });
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "told of the write, not timed out"
        );
    }
}
