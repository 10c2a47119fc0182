//! The single writer of runs and failures (DESIGN §9: one writer, bursts batched).
//!
//! A dedicated thread drains everything queued into one transaction per batch, so a burst of
//! run events costs a handful of commits, not one each. It commits through the process's one
//! write connection (`SharedStore`), never a connection of its own. Senders never wait on
//! SQLite; only `flush` (and drop) wait for the disk.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::ErrorCode;

#[cfg(test)]
use super::failures::insert_failure;
use super::runs::store_run_once;
use super::{SharedStore, Store, StoreError};
use crate::model::{FailureRecord, RunRecord};

/// The most requests committed in one transaction.
const MAX_BATCH: usize = 1_000;

/// A record the store could not take, with the reason; the requester decides where it waits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct Unstored<T> {
    pub(crate) record: T,
    pub(crate) reason: String,
}

/// Receives a run (and its failure, `run_id` filled in) once both are committed, or the run
/// back with the reason it was not.
pub(crate) type RunReply = Sender<Result<(RunRecord, Option<FailureRecord>), Unstored<RunRecord>>>;
/// Receives a failure once it is committed, or back with the reason it was not.
#[cfg(test)]
pub(crate) type FailureReply = Sender<Result<FailureRecord, Unstored<FailureRecord>>>;

// Items live briefly in the queue and move once into a batch; boxing each would only add
// an allocation per run.
#[expect(clippy::large_enum_variant, reason = "short-lived queue items")]
enum Request {
    Write(Write),
    Flush(Sender<()>),
}

#[cfg_attr(
    test,
    expect(clippy::large_enum_variant, reason = "short-lived queue items")
)]
enum Write {
    Run {
        run: RunRecord,
        failure: Option<FailureRecord>,
        reply: Option<RunReply>,
    },
    #[cfg(test)]
    Failure {
        failure: FailureRecord,
        reply: Option<FailureReply>,
    },
}

/// What the writer has done so far, for a status bar or a log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WriterReport {
    /// Transactions committed.
    pub(crate) batches: u64,
    /// Requests (a run with its failure counts once) committed.
    pub(crate) committed: u64,
    /// Requests that could not be stored; each requester was answered with the reason.
    pub(crate) lost: u64,
    pub(crate) last_error: Option<String>,
}

pub struct StoreWriter {
    requests: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    report: Arc<Mutex<WriterReport>>,
}

impl StoreWriter {
    /// Starts the writer thread, which commits through `store`, the process's one write
    /// connection, taking it for one batch at a time.
    pub fn spawn(store: SharedStore) -> Result<StoreWriter, StoreError> {
        let (requests, queue) = mpsc::channel();
        let report = Arc::new(Mutex::new(WriterReport::default()));
        let thread_report = Arc::clone(&report);
        let path = store.path().to_path_buf();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(&store, queue, &thread_report))
            .map_err(|e| StoreError::Thread {
                path,
                reason: e.to_string(),
            })?;
        Ok(StoreWriter {
            requests: Some(requests),
            thread: Some(thread),
            report,
        })
    }

    /// Queues a run, and the failure it caused: the failure's `run_id` becomes the run's id.
    pub fn record_run(
        &self,
        run: RunRecord,
        failure: Option<FailureRecord>,
        reply: Option<RunReply>,
    ) {
        self.send(Request::Write(Write::Run {
            run,
            failure,
            reply,
        }));
    }

    /// Queues a failure on its own (marked by hand, or reported by an agent).
    #[cfg(test)]
    pub(crate) fn record_failure(&self, failure: FailureRecord, reply: Option<FailureReply>) {
        self.send(Request::Write(Write::Failure { failure, reply }));
    }

    /// Blocks until everything queued before this call is committed (or given up on).
    pub fn flush(&self) {
        let (ack, done) = mpsc::channel();
        if self.send(Request::Flush(ack)) {
            let _ = done.recv();
        }
    }

    #[cfg(test)]
    pub(crate) fn report(&self) -> WriterReport {
        self.report
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn send(&self, request: Request) -> bool {
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|requests| requests.send(request).is_ok());
        if !sent {
            let mut report = self.report.lock().unwrap_or_else(PoisonError::into_inner);
            report.lost += 1;
            report.last_error = Some("the store writer thread has stopped".into());
        }
        sent
    }
}

impl Drop for StoreWriter {
    /// Closing the queue lets the thread commit what is left and end; then join it.
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(store: &SharedStore, queue: Receiver<Request>, report: &Mutex<WriterReport>) {
    while let Ok(first) = queue.recv() {
        let mut writes = Vec::new();
        let mut flushes = Vec::new();
        let mut take = |request| match request {
            Request::Write(write) => writes.push(write),
            Request::Flush(ack) => flushes.push(ack),
        };
        take(first);
        for request in queue.try_iter().take(MAX_BATCH - 1) {
            take(request);
        }
        if !writes.is_empty() {
            commit(&mut store.lock(), writes, report);
        }
        // Everything queued before each flush was taken into this batch or an earlier one.
        for ack in flushes {
            let _ = ack.send(());
        }
    }
}

/// Commits `writes` in one transaction. When a record breaks a constraint (say a failure
/// naming a run that does not exist), the others are retried one by one so that a bad
/// record does not take its batch down with it.
fn commit(store: &mut Store, mut writes: Vec<Write>, report: &Mutex<WriterReport>) {
    match store.insert_writes(&mut writes) {
        Ok(()) => {
            note_committed(report, writes.len() as u64);
            writes.into_iter().for_each(answer);
        }
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
            for write in writes {
                let mut one = [write];
                match store.insert_writes(&mut one) {
                    Ok(()) => {
                        note_committed(report, 1);
                        let [write] = one;
                        answer(write);
                    }
                    Err(e) => {
                        let [write] = one;
                        refuse(write, note_lost(report, 1, store.error(e)));
                    }
                }
            }
        }
        Err(e) => {
            let reason = note_lost(report, writes.len() as u64, store.error(e));
            writes.into_iter().for_each(|w| refuse(w, reason.clone()));
        }
    }
}

impl Store {
    fn insert_writes(&mut self, writes: &mut [Write]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for write in writes.iter_mut() {
            match write {
                Write::Run { run, failure, .. } => {
                    store_run_once(&tx, run, failure.as_mut()).map(drop)?
                }
                #[cfg(test)]
                Write::Failure { failure, .. } => insert_failure(&tx, failure)?,
            }
        }
        tx.commit()
    }
}

fn answer(write: Write) {
    // A requester that stopped listening is fine: the record is stored either way.
    match write {
        Write::Run {
            run,
            failure,
            reply: Some(reply),
        } => {
            let _ = reply.send(Ok((run, failure)));
        }
        #[cfg(test)]
        Write::Failure {
            failure,
            reply: Some(reply),
        } => {
            let _ = reply.send(Ok(failure));
        }
        _ => {}
    }
}

/// Hands a record the store refused back to its requester, ids cleared: nothing of it landed.
fn refuse(write: Write, reason: String) {
    match write {
        Write::Run {
            mut run,
            reply: Some(reply),
            ..
        } => {
            run.id = 0;
            let _ = reply.send(Err(Unstored {
                record: run,
                reason,
            }));
        }
        #[cfg(test)]
        Write::Failure {
            mut failure,
            reply: Some(reply),
        } => {
            failure.id = 0;
            let _ = reply.send(Err(Unstored {
                record: failure,
                reason,
            }));
        }
        _ => {}
    }
}

fn note_committed(report: &Mutex<WriterReport>, count: u64) {
    let mut report = report.lock().unwrap_or_else(PoisonError::into_inner);
    report.batches += 1;
    report.committed += count;
}

fn note_lost(report: &Mutex<WriterReport>, count: u64, error: StoreError) -> String {
    let mut report = report.lock().unwrap_or_else(PoisonError::into_inner);
    report.lost += count;
    let reason = error.to_string();
    report.last_error = Some(reason.clone());
    reason
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::model::Severity;
    use crate::store::failures::tests::sample_failure;
    use crate::store::runs::tests::sample_run;

    fn state_file(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("state.db")
    }

    /// The writer on a new store in `dir`, and that store's one write connection.
    fn writer_in(dir: &tempfile::TempDir) -> (StoreWriter, SharedStore) {
        let shared = SharedStore::new(Store::open_file(&state_file(dir)).expect("open"));
        let writer = StoreWriter::spawn(shared.clone()).expect("spawn");
        (writer, shared)
    }

    #[test]
    fn ten_thousand_runs_all_land_with_ids_in_few_transactions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, _) = writer_in(&dir);
        let (reply, replies) = mpsc::channel();
        for i in 0..10_000 {
            let run = sample_run(&format!("tool{}", i % 7), "2026-11-21T10:00:00.000Z");
            writer.record_run(run, None, Some(reply.clone()));
        }
        drop(reply);
        writer.flush();
        let mut ids: Vec<i64> = replies
            .iter()
            .map(|reply| reply.expect("stored").0.id)
            .collect();
        assert_eq!(ids.len(), 10_000);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 10_000, "ids are unique");
        assert!(ids[0] > 0);
        let report = writer.report();
        assert_eq!((report.committed, report.lost), (10_000, 0), "{report:?}");
        assert!(
            report.batches >= 10 && report.batches < 10_000,
            "{report:?}"
        );
        let store = Store::open_file_reader(&state_file(&dir)).expect("reader");
        assert_eq!(
            store.list_runs(None, usize::MAX).expect("list").len(),
            10_000
        );
    }

    #[test]
    fn a_failure_recorded_with_its_run_points_at_that_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, _) = writer_in(&dir);
        let (reply, replies) = mpsc::channel();
        writer.record_run(
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            Some(sample_failure(
                "a",
                "2026-11-21T10:00:01.000Z",
                Severity::High,
            )),
            Some(reply),
        );
        let (run, failure) = replies.recv().expect("answered").expect("committed");
        let failure = failure.expect("failure kept");
        assert_eq!(failure.run_id, Some(run.id));
        let store = Store::open_file_reader(&state_file(&dir)).expect("reader");
        let stored = store.list_failures(Some("a"), 10).expect("list");
        assert_eq!(stored, vec![failure.clone()]);
        assert_eq!(store.run(run.id).expect("run"), Some(run));
    }

    #[test]
    fn dropping_the_writer_commits_what_was_queued() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, _) = writer_in(&dir);
        for _ in 0..500 {
            writer.record_failure(
                sample_failure("a", "2026-11-21T10:00:00.000Z", Severity::Low),
                None,
            );
        }
        drop(writer);
        let store = Store::open_file_reader(&state_file(&dir)).expect("reader");
        assert_eq!(store.list_failures(None, 1_000).expect("list").len(), 500);
    }

    #[test]
    fn a_bad_record_is_lost_alone_and_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, _) = writer_in(&dir);
        let (bad_reply, bad_answer) = mpsc::channel();
        let (good_reply, good_answers) = mpsc::channel();
        writer.record_failure(
            sample_failure("a", "2026-11-21T10:00:00.000Z", Severity::Low),
            Some(good_reply.clone()),
        );
        writer.record_failure(
            FailureRecord {
                run_id: Some(4242),
                ..sample_failure("a", "2026-11-21T10:00:01.000Z", Severity::Low)
            },
            Some(bad_reply),
        );
        writer.record_failure(
            sample_failure("a", "2026-11-21T10:00:02.000Z", Severity::Low),
            Some(good_reply),
        );
        writer.flush();
        let lost = bad_answer
            .recv()
            .expect("answered")
            .expect_err("not stored");
        assert_eq!((lost.record.id, lost.record.run_id), (0, Some(4242)));
        assert!(lost.reason.contains("FOREIGN KEY"), "{lost:?}");
        assert_eq!(good_answers.iter().filter(Result::is_ok).count(), 2);
        let report = writer.report();
        assert_eq!((report.committed, report.lost), (2, 1), "{report:?}");
        assert!(
            report
                .last_error
                .as_deref()
                .unwrap_or_default()
                .contains("FOREIGN KEY"),
            "{report:?}"
        );
    }

    #[test]
    fn the_writer_commits_through_the_shared_connection_and_opens_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, shared) = writer_in(&dir);
        let (reply, replies) = mpsc::channel();
        writer.record_run(
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            None,
            Some(reply),
        );
        let (run, _) = replies.recv().expect("answered").expect("committed");
        assert_eq!(shared.lock().run(run.id).expect("run"), Some(run));
        drop(writer);
        assert_eq!(crate::store::writable_opens(&state_file(&dir)), 1);
    }

    #[test]
    fn a_batch_waits_while_another_writer_of_the_process_holds_the_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, shared) = writer_in(&dir);
        let (reply, replies) = mpsc::channel();
        let held = shared.lock();
        writer.record_run(
            sample_run("a", "2026-11-21T10:00:00.000Z"),
            None,
            Some(reply),
        );
        assert!(
            replies
                .recv_timeout(std::time::Duration::from_millis(100))
                .is_err(),
            "committed while the connection was held"
        );
        drop(held);
        assert!(replies.recv().expect("answered").is_ok());
    }

    #[test]
    fn a_full_disk_during_a_burst_hands_every_refused_run_back_and_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = state_file(&dir);
        let pages = {
            let store = Store::open_file(&path).expect("open");
            store
                .conn
                .query_row("PRAGMA page_count", [], |row| row.get::<_, i64>(0))
                .expect("page count")
        };
        // The database may grow by a few pages, then the "disk" is full.
        let store = Store::open_file(&path).expect("open");
        let limit = format!("PRAGMA max_page_count = {}", pages + 4);
        store
            .conn
            .query_row(&limit, [], |_| Ok(()))
            .expect("limit set");
        let writer = StoreWriter::spawn(SharedStore::new(store)).expect("spawn");
        let (reply, replies) = mpsc::channel();
        for i in 0..400 {
            let mut run = sample_run("burst", "2026-11-21T10:00:00.000Z");
            run.input = format!("{i}:{}", "x".repeat(2000));
            writer.record_run(run, None, Some(reply.clone()));
            if i % 50 == 0 {
                writer.flush();
            }
        }
        drop(reply);
        writer.flush();
        let answers: Vec<_> = replies.iter().collect();
        assert_eq!(answers.len(), 400, "every run is answered");
        let stored: Vec<i64> = answers
            .iter()
            .filter_map(|a| a.as_ref().ok().map(|(run, _)| run.id))
            .collect();
        let refused: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
        assert!(
            !stored.is_empty() && !refused.is_empty(),
            "{} stored",
            stored.len()
        );
        assert!(
            refused
                .iter()
                .all(|lost| lost.record.id == 0 && lost.reason.contains("full")),
            "{:?}",
            refused.first()
        );
        let report = writer.report();
        assert_eq!(
            (report.committed, report.lost),
            (stored.len() as u64, refused.len() as u64)
        );
        drop(writer);
        let reader = Store::open_file_reader(&path).expect("reader");
        let mut listed: Vec<i64> = reader
            .list_runs(None, usize::MAX)
            .expect("list")
            .iter()
            .map(|r| r.id)
            .collect();
        listed.sort_unstable();
        let mut stored = stored;
        stored.sort_unstable();
        assert_eq!(
            listed, stored,
            "every run answered as stored is in the store"
        );
    }
}
