//! One signal per process that the store was written, by whichever process: what a waiting
//! call (its answer) and an open task (a cancel asked in another process) wait for instead of
//! looking at the store on a fixed beat.
//!
//! One thread holds the watch on the store's log (`store::changes`) and tells every listener
//! at each write told, twice more within milliseconds and once as that write settles, and on
//! a slow safety beat in case the watch missed one. Where the kernel gives no watch it tells
//! on a short beat instead: the store is then a source with no notification, and this thread
//! its one poller in the process. It tells nobody and sleeps while nobody listens, so a
//! server with nothing waiting never wakes for it. Never here: a reading of the store; each
//! listener reads what it waits for.
//!
//! What still needs a beat, because nothing tells of it: a process's death (a dead server's
//! waiting calls are marked abandoned by `pending_calls` every 2 s, and by every toolbench
//! start), the service instances (`service_feed`) and other processes' runs and their logs
//! (`inherited`), each a poller of its own in the front ends that show them.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::store::changes::StoreChanges;

/// How often listeners are told anyway with a watch, in case it missed a write (its queue
/// overflowed, say).
const SAFETY_BEAT: Duration = Duration::from_secs(1);
/// How often listeners are told where no watch can be had: a person's answer reaches the
/// agent within this plus a read.
const UNWATCHED_BEAT: Duration = Duration::from_millis(20);
/// The least time between two tellings: a burst of writes (a run's records, say) is one.
const SPACING: Duration = Duration::from_millis(20);
/// A write is told as the log is written, before SQLite syncs it and marks the commit in its
/// shared index (memory no watch sees): listeners are told again after these pauses, so a
/// commit that showed a moment late is read then rather than at the watch's settle look.
const SOON_AFTER: [Duration; 2] = [Duration::from_millis(2), Duration::from_millis(5)];

/// A test hook: `TOOLBENCH_STORE_SAFETY_BEAT_MS` sets the safety beat, so a test can show
/// that a write reaches a listener through the watch alone. Debug builds only.
#[cfg(debug_assertions)]
fn safety_beat() -> Duration {
    std::env::var("TOOLBENCH_STORE_SAFETY_BEAT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(SAFETY_BEAT, Duration::from_millis)
}

#[cfg(not(debug_assertions))]
fn safety_beat() -> Duration {
    SAFETY_BEAT
}

/// The telling side, shared by the thread and the handles.
struct Told {
    tx: watch::Sender<u64>,
    /// Every handle is gone: the thread ends.
    closed: AtomicBool,
}

/// The process's signal of the store's writes; cloned handles share the one thread, which
/// ends when the last is dropped.
#[derive(Clone)]
pub(crate) struct StoreWrites(Arc<Handle>);

struct Handle {
    told: Arc<Told>,
    thread: Thread,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.told.closed.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

impl StoreWrites {
    /// Watches the store of the workspace at `root` from now on, on a thread of its own.
    pub(crate) fn start(root: &Path) -> Self {
        let told = Arc::new(Told {
            tx: watch::Sender::new(0),
            closed: AtomicBool::new(false),
        });
        // Watched before the thread starts: a write from here on is told to the listeners,
        // at once from the watch's own thread (at most once a `SPACING`, so a burst of writes
        // is not a burst of looks); this thread tells the looks after it.
        let at_once = Arc::clone(&told);
        let last = Mutex::new(None::<Instant>);
        let changes = StoreChanges::watch_telling(root, move || {
            let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
            if last.is_none_or(|at| at.elapsed() >= SPACING) {
                *last = Some(Instant::now());
                tell_all(&at_once);
            }
        });
        let telling = Arc::clone(&told);
        let thread = std::thread::Builder::new()
            .name("store-writes".into())
            .spawn(move || tell(&telling, changes.as_ref()))
            .expect("a thread to tell of the store's writes")
            .thread()
            .clone();
        Self(Arc::new(Handle { told, thread }))
    }

    /// Listens from now on: every write after this call is told to the listener.
    pub(crate) fn listen(&self) -> Listening {
        let rx = self.0.told.tx.subscribe();
        self.0.thread.unpark();
        Listening(rx)
    }
}

/// One listener; dropped, it is told no more (and, the last, lets the thread sleep).
pub(crate) struct Listening(watch::Receiver<u64>);

impl Listening {
    /// Waits until the store was written (or the safety beat came) since the last time this
    /// returned, or since the listener was made.
    pub(crate) async fn written(&mut self) {
        if self.0.changed().await.is_err() {
            // The thread is gone (the process is stopping): never told again.
            std::future::pending::<()>().await;
        }
    }
}

/// Tells the listeners of each write until every handle is gone; sleeps while none listens.
fn tell(listeners: &Told, changes: Option<&StoreChanges>) {
    let beat = safety_beat();
    let mut last = Instant::now();
    while !listeners.closed.load(Ordering::SeqCst) {
        if listeners.tx.receiver_count() == 0 {
            // Woken by the next listener (or the end); a write meanwhile is told then.
            std::thread::park();
            continue;
        }
        let written = match changes {
            Some(changes) => changes.wait(last, SPACING, beat),
            None => {
                std::thread::sleep(UNWATCHED_BEAT);
                false
            }
        };
        last = Instant::now();
        if written {
            // Told at once by the watch: what is left is the looks soon after.
            for pause in SOON_AFTER {
                std::thread::sleep(pause);
                tell_all(listeners);
            }
        } else {
            tell_all(listeners);
        }
    }
}

fn tell_all(listeners: &Told) {
    listeners.tx.send_modify(|n| *n = n.wrapping_add(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write of another connection reaches a listener long before the safety beat.
    #[tokio::test]
    async fn a_listener_is_told_of_a_write_made_after_it_listened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = crate::store::Store::open(dir.path()).expect("store");
        let writes = StoreWrites::start(dir.path());
        let mut listening = writes.listen();
        let started = Instant::now();
        let wrote = tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(50));
            writer
                .insert_pairing_code("h", "phone", "now", "later")
                .expect("a write");
        });
        tokio::time::timeout(Duration::from_secs(5), listening.written())
            .await
            .expect("told");
        assert!(started.elapsed() < SAFETY_BEAT, "told by the watch");
        wrote.await.expect("wrote");
    }
}
