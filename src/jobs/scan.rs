//! The scan job: the whole workspace read into catalog entries on a blocking thread, its
//! progress told every 100 ms while it lasts, with the rows read meanwhile when asked.
//!
//! Every event comes from one task, so a listener hears them in order: progress, a last
//! progress with everything done, then the result, and nothing after it. The job only reads;
//! saving the index it produced is the caller's choice.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Job;

use crate::catalog::scan::{
    KnownHashes, ScanLimits, ScanProgress, scan_workspace, scan_workspace_told,
};
use crate::model::ToolEntry;
use crate::model::scan_event::{Remark, ScanEvent};
use crate::seal::SealBook;

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

/// What the scan's blocking thread leaves.
enum Scanned {
    Entries(Vec<ToolEntry>),
    /// The rows are the result; the seals after the scan when they mark otherwise than
    /// the ones the rows were marked with.
    Told(Option<Remark>),
}

impl Job for ScanRequest {
    type Event = ScanEvent;

    /// Starts the scan on the current tokio runtime. Progress is told only when there is room
    /// (the next one says more); rows and the result wait for room, and rows read meanwhile
    /// join the next ones told. Once the reader is gone the scan only finishes its work.
    ///
    /// A streaming scan tells its result as the rows themselves (`ScanEvent::Told`), each
    /// entry moved, never cloned, unless marking reads signed reviews (signatures on): the
    /// result's marks are then read after the scan on its own thread, as a plain scan's are,
    /// so it keeps its entries and tells clones of them as rows (`ScanEvent::Finished`).
    fn start(self, tell: mpsc::Sender<ScanEvent>) -> JoinHandle<()> {
        let request = self;
        let progress = Arc::new(if request.stream {
            ScanProgress::streaming()
        } else {
            ScanProgress::default()
        });
        // Rows are told with their drift, as the whole scan is.
        let seals = request
            .stream
            .then(|| Arc::new(SealBook::load(&request.root)));
        let told = seals.as_ref().is_some_and(|seals| !seals.reads_reviews());
        let rows = {
            let progress = Arc::clone(&progress);
            let seals = seals.clone();
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
                let root = &request.root;
                if let Some(before) = seals.filter(|_| told) {
                    scan_workspace_told(root, request.limits, &request.known, &progress);
                    let after = SealBook::load(root);
                    let remark = (!before.marks_as(&after))
                        .then(|| Remark::new(move |entries| after.mark(entries)));
                    return (Scanned::Told(remark), started.elapsed());
                }
                let mut entries = scan_workspace(root, request.limits, &request.known, &progress);
                SealBook::load(root).mark(&mut entries);
                (Scanned::Entries(entries), started.elapsed())
            })
        };
        tokio::spawn(async move {
            let mut scan = std::pin::pin!(scan);
            let mut interval = tokio::time::interval(PROGRESS_INTERVAL);
            let progress_now = || ScanEvent::Progress {
                done: progress.done(),
                total: progress.total(),
            };
            loop {
                tokio::select! {
                    biased;
                    scanned = &mut scan => {
                        // A scan that panicked has no result to tell; the reader keeps what it
                        // had.
                        let Ok((scanned, elapsed)) = scanned else { return };
                        if tell.send(progress_now()).await.is_err() {
                            return;
                        }
                        let result = match scanned {
                            Scanned::Entries(entries) => ScanEvent::Finished {
                                entries: Arc::new(entries),
                                elapsed,
                            },
                            Scanned::Told(remark) => ScanEvent::Told {
                                last: rows(),
                                remark,
                                elapsed,
                            },
                        };
                        let _ = tell.send(result).await;
                        return;
                    }
                    _ = interval.tick(), if !tell.is_closed() => {
                        let fresh = rows();
                        if !fresh.is_empty() {
                            let _ = tell.send(ScanEvent::Rows(fresh)).await;
                        }
                        let _ = tell.try_send(progress_now());
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(root: &std::path::Path, name: &str) {
        crate::test_fixtures::write_tool(root, crate::model::Tier::Approved, name, "d");
    }

    /// The events of a scan of `root` started now, streaming its rows when `stream`.
    fn started(root: &std::path::Path, stream: bool) -> mpsc::Receiver<ScanEvent> {
        let (tx, rx) = mpsc::channel(4);
        ScanRequest {
            root: root.to_path_buf(),
            limits: ScanLimits::default(),
            known: KnownHashes::default(),
            stream,
        }
        .start(tx);
        rx
    }

    #[tokio::test]
    async fn the_scan_job_reports_progress_then_its_result() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["alpha", "beta", "gamma"] {
            tool(dir.path(), name);
        }
        let mut rx = started(dir.path(), false);
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

    /// A streaming scan tells its result as its rows: every tool once, each marked as a plain
    /// scan marks its result, and an end that brings no list of its own, so the front end that
    /// shows the rows holds the one copy of each entry.
    #[tokio::test]
    async fn a_streaming_scan_tells_its_result_as_its_rows_each_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["alpha", "beta", "gamma"] {
            tool(dir.path(), name);
        }
        crate::test_fixtures::write_tool(
            dir.path(),
            crate::model::Tier::Experimental,
            "delta",
            "d",
        );
        let mut rx = started(dir.path(), true);
        let mut told = Vec::new();
        let mut end = None;
        while let Some(event) = rx.recv().await {
            assert!(end.is_none(), "nothing after the end: {event:?}");
            match event {
                ScanEvent::Rows(rows) => told.extend(rows),
                ScanEvent::Told { last, remark, .. } => {
                    told.extend(last);
                    end = Some(remark);
                }
                ScanEvent::Finished { entries, .. } => {
                    panic!("a list of its own beside the rows: {entries:?}")
                }
                ScanEvent::Progress { .. } => {}
            }
        }
        let Some(remark) = end else {
            panic!("the scan told its end");
        };
        assert!(remark.is_none(), "no seal changed during the scan");
        told.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
        let mut scanned = scan_workspace(
            dir.path(),
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        );
        SealBook::load(dir.path()).mark(&mut scanned);
        assert!(
            scanned.iter().any(|e| e.drift.is_some()),
            "marks to compare"
        );
        assert_eq!(told, scanned);
    }
}
