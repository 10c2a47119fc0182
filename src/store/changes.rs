//! Telling a reader that the store changed, whichever process wrote it. SQLite tells no other
//! process of a commit, but every commit in WAL mode writes `state.db-wal`, and the kernel
//! tells a watcher of the state folder about that file (inotify): a poller waits for that
//! instead of waking on a fixed beat, and looks again on a slow beat only in case the watch
//! missed something.
//!
//! The kernel tells of the log's write a moment before the commit is seen by readers (SQLite
//! then updates its shared index, in memory the kernel does not watch): a look at once may
//! still find the old state, so every write told is looked at once more, shortly after.

use std::cell::Cell;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

/// The write-ahead log's name beside `state.db`.
const WAL_SUFFIX: &str = "-wal";
/// How long after a write was told it is looked at again, by when its commit shows.
const SETTLE: Duration = Duration::from_millis(25);

/// A watch on one workspace's store.
pub(crate) struct StoreChanges {
    rx: mpsc::Receiver<()>,
    _watcher: notify::RecommendedWatcher,
    /// When to look again at a write told lately, whether or not another is told.
    again_at: Cell<Option<Instant>>,
}

impl StoreChanges {
    /// Watches the store of the workspace at `root`, with `told` called on the watch's own
    /// thread as each write is told, before a waiter wakes: for a reader that cannot wait for
    /// one more thread to be scheduled. `None` when the kernel gives no watch (the caller then
    /// looks on its own beat).
    pub(crate) fn watch_telling(
        root: &Path,
        told: impl Fn() + Send + 'static,
    ) -> Option<StoreChanges> {
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
                    told();
                    // One waiting signal is enough: the reader looks at everything anyway.
                    let _ = tx.try_send(());
                }
            })
            .ok()?;
        watcher.watch(&state, RecursiveMode::NonRecursive).ok()?;
        Some(StoreChanges {
            rx,
            _watcher: watcher,
            again_at: Cell::new(None),
        })
    }

    /// Waits until the store changed or `at_most` passed, and at least `spacing` since
    /// `last` (a burst of writes is read once); after a write was told, until it settled.
    /// True when a write was told in this wait.
    pub(crate) fn wait(&self, last: Instant, spacing: Duration, at_most: Duration) -> bool {
        let at_most = match self.again_at.take() {
            Some(at) => at.saturating_duration_since(Instant::now()).min(at_most),
            None => at_most,
        };
        let mut told = self.rx.recv_timeout(at_most).is_ok();
        if let Some(left) = spacing.checked_sub(last.elapsed()) {
            std::thread::sleep(left);
        }
        // What came meanwhile is read with this look.
        while self.rx.try_recv().is_ok() {
            told = true;
        }
        if told {
            self.again_at.set(Some(Instant::now() + SETTLE));
        }
        told
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_of_another_connection_is_told_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = crate::store::Store::open(dir.path()).expect("store");
        let changes = StoreChanges::watch_telling(dir.path(), || {}).expect("a watch");
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
        // Told of nothing more, it still looks once again, as that write settles.
        let again = Instant::now();
        changes.wait(Instant::now(), Duration::ZERO, Duration::from_secs(10));
        assert!(again.elapsed() < Duration::from_secs(5), "looked again");
        // Then (one write may be told more than once) it waits to be told.
        let settled = (0..20).any(|_| {
            let idle = Instant::now();
            changes.wait(Instant::now(), Duration::ZERO, Duration::from_millis(300));
            idle.elapsed() >= Duration::from_millis(300)
        });
        assert!(settled, "it kept looking without being told");
    }
}
