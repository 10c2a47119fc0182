//! Unreviewed code kept apart from real inputs (DESIGN §11 rule 4). A candidate given the real
//! inputs of its lineage (validation's replay) runs alone among the workspace's runs of
//! unreviewed code, in every process: no other run of such code overlaps it, so none can watch
//! it (inotify on a file both read, timing) and carry what it was given to where an agent reads.
//!
//! A reader-writer lock of two `flock`s under `.toolbench/locks/`: every run of unreviewed code
//! holds the run lock shared, a run given real inputs holds it exclusive. Both take the
//! turnstile first, so a waiting exclusive run is not starved by a stream of shared ones. The
//! kernel drops both with their holder, crashed or not.

use std::fs::File;
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use rustix::fs::{FlockOperation, flock};

/// Names that are no tool's (a dot is not allowed in one), beside the per-tool decision locks.
const RUN_LOCK: &str = "unreviewed.runs.lock";
const TURNSTILE: &str = "unreviewed.turnstile.lock";

/// Held for as long as a run of unreviewed code lasts; released on drop.
#[derive(Debug)]
pub(crate) struct Apart {
    _run: File,
}

/// Waits until the run may start: `alone` (given real inputs) once no other run of unreviewed
/// code of the workspace at `root` is under way, else once no such run given real inputs is.
pub(crate) async fn hold(root: &Path, alone: bool) -> io::Result<Apart> {
    let locks = crate::workspace::state_dir(root).join("locks");
    tokio::task::spawn_blocking(move || {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&locks)?;
        let open = |name: &str| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(locks.join(name))
        };
        let (turnstile, run) = (open(TURNSTILE)?, open(RUN_LOCK)?);
        flock(&turnstile, FlockOperation::LockExclusive)?;
        let how = if alone {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        flock(&run, how)?;
        drop(turnstile);
        Ok(Apart { _run: run })
    })
    .await
    .map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn a_run_alone_waits_for_the_others_and_holds_them_off() {
        let root = tempfile::tempdir().expect("root");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let shared = hold(root.path(), false).await.expect("shared");
            let also_shared = hold(root.path(), false).await.expect("shared twice");
            let alone_started = Arc::new(AtomicBool::new(false));
            let started = Arc::clone(&alone_started);
            let path = root.path().to_path_buf();
            let alone = tokio::spawn(async move {
                let guard = hold(&path, true).await.expect("alone");
                started.store(true, Ordering::SeqCst);
                guard
            });
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(
                !alone_started.load(Ordering::SeqCst),
                "waits for the shared"
            );
            drop((shared, also_shared));
            let guard = alone.await.expect("joined");
            assert!(alone_started.load(Ordering::SeqCst));
            // Meanwhile another run waits for it.
            let path = root.path().to_path_buf();
            let later = tokio::spawn(async move { hold(&path, false).await.expect("shared") });
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(!later.is_finished(), "a run alone is alone");
            drop(guard);
            later.await.expect("joined");
        });
    }
}
