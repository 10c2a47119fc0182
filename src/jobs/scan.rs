//! The scan job: the whole workspace read into catalog entries on a blocking thread, its
//! progress told every 100 ms while it lasts, with the rows read meanwhile when asked.
//!
//! Every event comes from one task, so a listener hears them in order: progress, a last
//! progress with everything done, then the result, and nothing after it. The job only reads;
//! saving the index it produced is the caller's choice.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
use crate::model::ToolEntry;

/// How often progress is told while a scan runs.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// What to scan.
pub(crate) struct ScanRequest {
    pub(crate) root: PathBuf,
    pub(crate) limits: ScanLimits,
    /// Hashes of folders known unchanged since they were last hashed (the catalog shown).
    pub(crate) known: KnownHashes,
    /// Tell the tools read as they come (`ScanEvent::Rows`): for a front end that shows no
    /// catalog yet.
    pub(crate) stream: bool,
}

#[derive(Debug)]
pub(crate) enum ScanEvent {
    /// Tool folders read so far, of those found so far.
    Progress { done: usize, total: usize },
    /// Tools read since the last rows told, with their drift (a streaming scan only).
    Rows(Vec<ToolEntry>),
    /// Shared: the front end shows the same entries the live catalog keeps, not a copy.
    Finished {
        entries: Arc<Vec<ToolEntry>>,
        elapsed: Duration,
    },
}

/// Starts a scan on the current tokio runtime. `listener` returns `false` once nobody listens;
/// the scan then only finishes its work.
pub(crate) fn start(request: ScanRequest, listener: impl Fn(ScanEvent) -> bool + Send + 'static) {
    let progress = Arc::new(if request.stream {
        ScanProgress::streaming()
    } else {
        ScanProgress::default()
    });
    // Rows are told with their drift, as the whole scan is.
    let seals = request
        .stream
        .then(|| crate::seal::SealBook::load(&request.root));
    let rows = {
        let progress = Arc::clone(&progress);
        move || {
            let mut fresh = progress.take_fresh();
            if let Some(seals) = &seals {
                seals.mark(&mut fresh);
            }
            fresh
        }
    };
    let scan = {
        let progress = Arc::clone(&progress);
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let mut entries =
                scan_workspace(&request.root, request.limits, &request.known, &progress);
            crate::seal::SealBook::load(&request.root).mark(&mut entries);
            (entries, started.elapsed())
        })
    };
    tokio::spawn(async move {
        let mut scan = std::pin::pin!(scan);
        let mut interval = tokio::time::interval(PROGRESS_INTERVAL);
        let mut listening = true;
        loop {
            tokio::select! {
                biased;
                scanned = &mut scan => {
                    // A scan that panicked has no result to tell; the caller keeps what it had.
                    let Ok((entries, elapsed)) = scanned else { return };
                    if listening {
                        listener(ScanEvent::Progress {
                            done: progress.done(),
                            total: progress.total(),
                        });
                        listener(ScanEvent::Finished {
                            entries: Arc::new(entries),
                            elapsed,
                        });
                    }
                    return;
                }
                _ = interval.tick(), if listening => {
                    let fresh = rows();
                    if !fresh.is_empty() {
                        listening = listener(ScanEvent::Rows(fresh));
                    }
                    listening = listening && listener(ScanEvent::Progress {
                        done: progress.done(),
                        total: progress.total(),
                    });
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(root: &std::path::Path, name: &str) {
        crate::test_fixtures::write_tool(root, crate::model::Tier::Approved, name, "d");
    }

    #[tokio::test]
    async fn the_scan_job_reports_progress_then_its_result() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["alpha", "beta", "gamma"] {
            tool(dir.path(), name);
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        start(
            ScanRequest {
                root: dir.path().to_path_buf(),
                limits: ScanLimits::default(),
                known: KnownHashes::default(),
                stream: false,
            },
            move |event| tx.send(event).is_ok(),
        );
        let mut events = Vec::new();
        while let Some(event) = rx.recv().await {
            events.push(event);
        }
        let Some(ScanEvent::Finished { entries, .. }) = events.pop() else {
            panic!("the last event is the result: {events:?}");
        };
        let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["alpha", "beta", "gamma"]);
        assert!(
            events
                .iter()
                .all(|e| matches!(e, ScanEvent::Progress { .. })),
            "{events:?}"
        );
        assert!(
            matches!(
                events.last(),
                Some(ScanEvent::Progress { done: 3, total: 3 })
            ),
            "the last progress says all was read: {events:?}"
        );
    }
}
