//! The run job: one tool run from its start to its record, the same for every front end.
//!
//! It owns the rule every run follows, once: run in the sandbox, then record the run and its
//! automatic failure in one transaction and forget its in-flight file; or, when the store
//! refuses, hand the finished run off in `.toolbench/running/` to the next toolbench process.
//! A front end only chooses where records go ([`Recorder`]) and what it does with the events.
//!
//! Any number of observers follow a job, added before it starts ([`RunJob::observe`]). Each has
//! an inbox of its own, not a channel: a `broadcast` receiver that lags loses the oldest events,
//! which may be the result, and a bounded `mpsc` that is full makes the sender wait or drop. An
//! inbox always keeps the results (a handful per run) and bounds the output by the observer's
//! [`OutputPolicy`]: `Newest` never makes the tool wait and, while the observer is behind, keeps
//! the newest MiB of each stream and counts what it skipped (the log on disk has it all);
//! `Every` passes every byte on and makes the tool wait while the observer is behind, as a pipe
//! would. Even then the run's timeout and cancellation go on, and once the run ended it is
//! recorded whether or not anyone reads.
//!
//! Never here: anything of a front end, or SQLite on a runtime worker (recording runs on a
//! blocking thread, or in place on a current-thread runtime: `super::blocking`).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use crate::model::run_output::Progress;

use crate::model::{FailureRecord, RunRecord};
use crate::runner::record::automatic_failure;

use crate::model::run_job::{OutputPolicy, RecordedRun, RunJobError, RunJobEvent, UnstoredRun};
use crate::runner::{self, CancelSender, RunEvent, RunRequest, Stream};
use crate::store::SharedStore;
use crate::store::writer::{StoreWriter, Unstored};

/// Output chunks (up to 124 KiB each) between the runner's pipe readers and the job.
const EVENTS_IN_FLIGHT: usize = 16;
/// Most bytes of one stream a `Newest` observer that is behind holds.
const NEWEST_BYTES: usize = 1024 * 1024;
/// Bytes an `Every` observer may have waiting before the tool is made to wait.
const EVERY_BYTES: usize = 1024 * 1024;

/// Where a front end's runs are recorded.
#[derive(Clone)]
pub enum Recorder {
    /// The workbench's single writer: runs wait in its queue and are committed in batches.
    Writer(Arc<StoreWriter>),
    /// The front end's one write connection (CLI, MCP), serving one caller at a time.
    Store(SharedStore),
    /// Handed off through the run's in-flight file (`inflight::hand_off`), synced, to the next
    /// toolbench process that opens the store: `toolbench run`, which then never opens it.
    /// Its records keep id 0; a hand-off that fails falls back to the store.
    HandOff,
}

impl Recorder {
    /// The process that stores what this recorder records.
    fn keeper(&self) -> runner::Keeper {
        match self {
            Recorder::Writer(_) | Recorder::Store(_) => runner::Keeper::ThisProcess,
            Recorder::HandOff => runner::Keeper::NextProcess,
        }
    }

    /// The rule every finished run follows, whoever ran it (a run job, a validation's test
    /// cases): stores the run with its automatic failure, then forgets its in-flight file; a
    /// refused run, and every run of `HandOff`, is handed off in that file instead. Blocks on
    /// the store: call from a blocking thread.
    pub(crate) fn record(
        &self,
        root: &Path,
        mut record: RunRecord,
    ) -> Result<(RunRecord, Option<FailureRecord>), UnstoredRun> {
        let mut failure = automatic_failure(&record);
        let stored = match self {
            Recorder::Writer(writer) => {
                let (reply, answer) = std::sync::mpsc::channel();
                writer.record_run(record.clone(), failure, Some(reply));
                match answer.recv() {
                    Ok(answer) => answer,
                    // The writer's thread is gone, and the run with it: nothing of it landed.
                    Err(_) => Err(Unstored {
                        record,
                        reason: "the store writer has stopped".to_string(),
                    }),
                }
            }
            Recorder::HandOff if runner::inflight::hand_off(root, &record).is_ok() => {
                return Ok((record, failure));
            }
            Recorder::Store(_) | Recorder::HandOff => {
                let stored = match self {
                    Recorder::Store(store) => {
                        store.lock().record_run(&mut record, failure.as_mut())
                    }
                    // The hand-off could not be written: the store takes the run now.
                    _ => crate::store::Store::open(root)
                        .and_then(|mut store| store.record_run(&mut record, failure.as_mut())),
                };
                match stored {
                    Ok(()) => Ok((record, failure)),
                    Err(e) => Err(Unstored {
                        record,
                        reason: e.to_string(),
                    }),
                }
            }
        };
        match stored {
            Ok((run, failure)) => {
                runner::inflight::finish(root, run.log_dir.as_deref(), Some(&run));
                Ok((run, failure))
            }
            Err(Unstored { record, reason }) => {
                let kept = runner::inflight::hand_off(root, &record);
                Err(UnstoredRun {
                    record: Box::new(record),
                    reason,
                    kept,
                })
            }
        }
    }
}

/// A run not started yet: add the observers that must see all of it, then start it.
pub struct RunJob {
    request: RunRequest,
    recorder: Recorder,
    observers: Arc<Observers>,
}

impl RunJob {
    pub fn new(request: RunRequest, recorder: Recorder) -> Self {
        Self {
            request,
            recorder,
            observers: Arc::new(Observers::default()),
        }
    }

    /// What an unreviewed tool declares and this run goes without (`Reach::Withheld`), as
    /// one line (`project write · network anywhere`); `None` when it gets what it declares or
    /// declares nothing.
    pub fn withheld(&self) -> Option<String> {
        let manifest = self.request.entry.manifest.as_ref()?;
        (self.request.reach != runner::Reach::Declared && manifest.permissions.declares_any())
            .then(|| manifest.permissions.summary())
    }

    /// An observer that sees the whole run.
    pub fn observe(&self, policy: OutputPolicy) -> RunObserver {
        self.observers.observe(policy)
    }

    /// Starts the run on the current tokio runtime. Dropping the handle neither cancels nor
    /// stops the run.
    pub fn start(self) -> RunHandle {
        let (cancel, cancelled) = runner::cancel_pair();
        let job = Job {
            observers: Arc::clone(&self.observers),
        };
        let task = tokio::spawn(job.drive(self.request, self.recorder, cancelled));
        RunHandle { cancel, task }
    }
}

/// A started run: cancel it, observe it, or wait for its end.
pub struct RunHandle {
    cancel: CancelSender,
    task: JoinHandle<Result<RecordedRun, RunJobError>>,
}

impl RunHandle {
    /// Stops the tool; the run is recorded as `cancelled`.
    pub fn cancel(&self) {
        let _ = self.cancel.send(true);
    }

    /// Cancels the run from elsewhere (a signal handler, another front end's key).
    pub fn canceller(&self) -> CancelSender {
        self.cancel.clone()
    }

    /// Waits for the run to end and be recorded.
    pub async fn ended(self) -> Result<RecordedRun, RunJobError> {
        self.task
            .await
            .unwrap_or_else(|e| Err(RunJobError::Stopped(e.to_string())))
    }
}

/// One observer's view of a run. Dropping it is how an observer leaves.
pub struct RunObserver {
    inbox: Arc<Inbox>,
}

impl RunObserver {
    /// The next event; `None` once the job ended and everything was taken.
    pub async fn next(&mut self) -> Option<RunJobEvent> {
        loop {
            // Wake-ups are stored when nobody waits, so one that comes between the look
            // and the wait is not lost.
            match self.inbox.take() {
                Taken::Event(event) => return Some(event),
                Taken::Ended => return None,
                Taken::Empty => self.inbox.arrived.notified().await,
            }
        }
    }
}

impl Drop for RunObserver {
    fn drop(&mut self) {
        let mut state = self.inbox.lock();
        state.gone = true;
        state.output = OutputQueue::default();
        drop(state);
        // A job held back by this observer goes on.
        self.inbox.room.notify_one();
    }
}

/// The running job's side: what it publishes, and the end of every inbox however the job
/// ends (a panic included), so no observer waits forever.
struct Job {
    observers: Arc<Observers>,
}

impl Drop for Job {
    fn drop(&mut self) {
        self.observers.end();
    }
}

impl Job {
    async fn drive(
        self,
        request: RunRequest,
        recorder: Recorder,
        cancelled: watch::Receiver<bool>,
    ) -> Result<RecordedRun, RunJobError> {
        let root = request.workspace.root().to_path_buf();
        let (events_tx, mut events) = mpsc::channel(EVENTS_IN_FLIGHT);
        // Its own task: while an observer holds the output back, the run's timeout and
        // cancellation must still fire.
        let mut run = tokio::spawn(runner::execute(
            request,
            recorder.keeper(),
            Some(events_tx),
            cancelled,
        ));
        let ended = loop {
            let held_back = self.observers.holds_back();
            tokio::select! {
                biased;
                ended = &mut run => break ended,
                Some(event) = events.recv(), if !held_back => self.observers.publish(event),
                () = self.observers.room.notified(), if held_back => {}
            }
        };
        // What the readers sent before the end is delivered too, but nobody holds up the
        // record any longer.
        while let Some(event) = events.recv().await {
            self.observers.publish(event);
        }
        let outcome = match ended {
            Ok(Ok(outcome)) => Arc::new(outcome),
            Ok(Err(refused)) => {
                self.observers
                    .result(RunJobEvent::NotStarted(refused.clone()));
                return Err(RunJobError::NotStarted(refused));
            }
            Err(e) => return Err(RunJobError::Stopped(e.to_string())),
        };
        self.observers
            .result(RunJobEvent::Finished(Arc::clone(&outcome)));
        let record = outcome.record.clone();
        let recorded = super::blocking(move || recorder.record(&root, record))
            .await
            .map_err(|e| RunJobError::Stopped(e.to_string()))?;
        match recorded {
            Ok((run, failure)) => {
                self.observers.result(RunJobEvent::Recorded {
                    run: Box::new(run.clone()),
                    failure: failure.clone().map(Box::new),
                });
                Ok(RecordedRun {
                    outcome,
                    run,
                    failure,
                })
            }
            Err(unstored) => {
                self.observers
                    .result(RunJobEvent::Unstored(unstored.clone()));
                Err(RunJobError::Unstored(unstored))
            }
        }
    }
}

/// The observers of one job and the results published so far (for those who come late).
#[derive(Default)]
struct Observers {
    state: Mutex<ObserversState>,
    /// Wakes the job when an `Every` observer took output or left.
    room: Arc<Notify>,
}

#[derive(Default)]
struct ObserversState {
    inboxes: Vec<Arc<Inbox>>,
    results: Vec<RunJobEvent>,
    /// The newest progress report, for an observer that comes while the run goes on.
    progress: Option<Progress>,
    ended: bool,
}

impl Observers {
    fn lock(&self) -> MutexGuard<'_, ObserversState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn observe(&self, policy: OutputPolicy) -> RunObserver {
        let mut state = self.lock();
        let inbox = Arc::new(Inbox {
            policy,
            state: Mutex::new(InboxState {
                results: state.results.iter().cloned().collect(),
                progress: state.progress.clone().filter(|_| state.results.is_empty()),
                ended: state.ended,
                ..InboxState::default()
            }),
            arrived: Notify::new(),
            room: Arc::clone(&self.room),
        });
        if !state.ended {
            state.inboxes.push(Arc::clone(&inbox));
        }
        RunObserver { inbox }
    }

    fn publish(&self, event: RunEvent) {
        match event {
            RunEvent::Output { stream, bytes } => self.output(stream, bytes),
            RunEvent::Progress(report) => self.progress(report),
        }
    }

    /// Gives every observer the newest report, in place of one it has not taken yet.
    fn progress(&self, report: Progress) {
        let mut state = self.lock();
        state.inboxes.retain(|inbox| !inbox.lock().gone);
        for inbox in &state.inboxes {
            inbox.lock().progress = Some(report.clone());
            inbox.arrived.notify_one();
        }
        state.progress = Some(report);
    }

    /// Hands a chunk to every observer; only the observers after the first get a copy.
    fn output(&self, stream: Stream, bytes: Vec<u8>) {
        let mut state = self.lock();
        state.inboxes.retain(|inbox| !inbox.lock().gone);
        if let Some((last, others)) = state.inboxes.split_last() {
            for inbox in others {
                inbox.push_output(stream, bytes.clone());
            }
            last.push_output(stream, bytes);
        }
    }

    /// An `Every` observer has more waiting than it may.
    fn holds_back(&self) -> bool {
        self.lock().inboxes.iter().any(|inbox| {
            inbox.policy == OutputPolicy::Every && {
                let state = inbox.lock();
                !state.gone && state.output.held() > EVERY_BYTES
            }
        })
    }

    fn result(&self, event: RunJobEvent) {
        let mut state = self.lock();
        for inbox in &state.inboxes {
            inbox.push_result(event.clone());
        }
        state.results.push(event);
    }

    fn end(&self) {
        let mut state = self.lock();
        state.ended = true;
        for inbox in state.inboxes.drain(..) {
            inbox.lock().ended = true;
            inbox.arrived.notify_one();
        }
    }
}

struct Inbox {
    policy: OutputPolicy,
    state: Mutex<InboxState>,
    /// Wakes the observer.
    arrived: Notify,
    room: Arc<Notify>,
}

#[derive(Default)]
struct InboxState {
    output: OutputQueue,
    /// The newest progress report not taken yet: never more than one.
    progress: Option<Progress>,
    results: VecDeque<RunJobEvent>,
    ended: bool,
    gone: bool,
}

enum Taken {
    Event(RunJobEvent),
    Ended,
    Empty,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, InboxState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push_output(&self, stream: Stream, bytes: Vec<u8>) {
        let mut state = self.lock();
        state.output.push(stream, bytes);
        if self.policy == OutputPolicy::Newest {
            state.output.keep_newest(stream, NEWEST_BYTES);
        }
        drop(state);
        self.arrived.notify_one();
    }

    fn push_result(&self, event: RunJobEvent) {
        self.lock().results.push_back(event);
        self.arrived.notify_one();
    }

    /// Output first, then progress: every chunk and report published before a result is
    /// delivered before it.
    fn take(&self) -> Taken {
        let mut state = self.lock();
        // A slow `Newest` observer gets what gathered in one piece; an `Every` one chunk by
        // chunk, so a flood is not copied once more on its way through.
        if let Some(output) = state.output.take(self.policy == OutputPolicy::Newest) {
            drop(state);
            if self.policy == OutputPolicy::Every {
                self.room.notify_one();
            }
            return Taken::Event(output);
        }
        if let Some(report) = state.progress.take() {
            return Taken::Event(RunJobEvent::Progress {
                progress: report.progress,
                total: report.total,
                message: report.message,
            });
        }
        if let Some(result) = state.results.pop_front() {
            return Taken::Event(result);
        }
        if state.ended {
            Taken::Ended
        } else {
            Taken::Empty
        }
    }
}

/// Output waiting for one observer, in the order it was read.
#[derive(Default)]
struct OutputQueue {
    chunks: VecDeque<(Stream, Vec<u8>)>,
    /// Bytes waiting, per stream (stdout, stderr).
    held: [usize; 2],
    /// Bytes dropped since the stream's last delivery, per stream.
    skipped: [u64; 2],
}

fn slot(stream: Stream) -> usize {
    usize::from(stream == Stream::Stderr)
}

impl OutputQueue {
    fn push(&mut self, stream: Stream, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        self.held[slot(stream)] += bytes.len();
        self.chunks.push_back((stream, bytes));
    }

    /// Drops the oldest bytes of `stream` beyond `cap`.
    fn keep_newest(&mut self, stream: Stream, cap: usize) {
        let s = slot(stream);
        while self.held[s] > cap {
            let Some(oldest) = self.chunks.iter().position(|(st, _)| *st == stream) else {
                break;
            };
            let over = self.held[s] - cap;
            let chunk = &mut self.chunks[oldest].1;
            let cut = over.min(chunk.len());
            if cut == chunk.len() {
                self.chunks.remove(oldest);
            } else {
                chunk.drain(..cut);
            }
            self.held[s] -= cut;
            self.skipped[s] += cut as u64;
        }
    }

    fn held(&self) -> usize {
        self.held[0] + self.held[1]
    }

    /// The oldest chunk, joined with the chunks of the same stream right after it when `join`.
    fn take(&mut self, join: bool) -> Option<RunJobEvent> {
        let (stream, mut bytes) = self.chunks.pop_front()?;
        while join && self.chunks.front().is_some_and(|(next, _)| *next == stream) {
            if let Some((_, more)) = self.chunks.pop_front() {
                bytes.extend_from_slice(&more);
            }
        }
        let s = slot(stream);
        self.held[s] -= bytes.len();
        Some(RunJobEvent::Output {
            stream,
            bytes,
            skipped: std::mem::take(&mut self.skipped[s]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run_error::RunError;

    const MIB: usize = 1024 * 1024;

    fn output_of(event: Option<RunJobEvent>) -> (Stream, Vec<u8>, u64) {
        match event {
            Some(RunJobEvent::Output {
                stream,
                bytes,
                skipped,
            }) => (stream, bytes, skipped),
            other => panic!("expected output, got {other:?}"),
        }
    }

    fn refused() -> RunJobEvent {
        RunJobEvent::NotStarted(RunError::NeverRuns {
            tool: "t".into(),
            why: "cost_tier = \"prohibited\"",
        })
    }

    #[tokio::test]
    async fn a_slow_newest_observer_gets_the_newest_output_and_how_much_was_skipped() {
        let observers = Observers::default();
        let mut observer = observers.observe(OutputPolicy::Newest);
        // 3 MiB while the observer reads nothing: nothing waits, and only the newest MiB stays.
        for i in 0..3u8 {
            observers.output(Stream::Stdout, vec![b'a' + i; MIB]);
        }
        assert!(!observers.holds_back());
        observers.end();
        let (stream, bytes, skipped) = output_of(observer.next().await);
        assert_eq!(stream, Stream::Stdout);
        assert_eq!((bytes.len(), skipped), (MIB, 2 * MIB as u64));
        assert!(
            bytes.iter().all(|b| *b == b'c'),
            "the newest bytes are kept"
        );
        assert!(observer.next().await.is_none());
    }

    #[tokio::test]
    async fn output_keeps_its_order_across_streams_and_comes_before_the_results() {
        let observers = Observers::default();
        let mut observer = observers.observe(OutputPolicy::Newest);
        observers.output(Stream::Stdout, b"one ".to_vec());
        observers.output(Stream::Stdout, b"two ".to_vec());
        observers.output(Stream::Stderr, b"oops".to_vec());
        observers.output(Stream::Stdout, b"three".to_vec());
        observers.result(refused());
        observers.end();
        let mut seen = Vec::new();
        while let Some(event) = observer.next().await {
            seen.push(match event {
                RunJobEvent::Output { stream, bytes, .. } => {
                    format!("{stream:?}:{}", String::from_utf8_lossy(&bytes))
                }
                other => format!("{other:?}").chars().take(10).collect(),
            });
        }
        assert_eq!(
            seen,
            [
                "Stdout:one two ",
                "Stderr:oops",
                "Stdout:three",
                "NotStarted"
            ]
        );
    }

    #[tokio::test]
    async fn an_every_observer_gets_every_byte_and_holds_the_job_back_while_behind() {
        let observers = Observers::default();
        let mut observer = observers.observe(OutputPolicy::Every);
        let chunk = 256 * 1024;
        let mut sent = 0;
        while !observers.holds_back() {
            observers.output(Stream::Stdout, vec![b'x'; chunk]);
            sent += chunk;
        }
        assert!(sent > EVERY_BYTES && sent <= EVERY_BYTES + chunk, "{sent}");
        let (_, bytes, skipped) = output_of(observer.next().await);
        assert_eq!((bytes.len(), skipped), (chunk, 0), "one chunk at a time");
        assert!(!observers.holds_back(), "taking made room");
        observers.end();
        let mut received = chunk;
        while let Some(event) = observer.next().await {
            received += output_of(Some(event)).1.len();
        }
        assert_eq!(received, sent, "nothing dropped");
    }

    #[tokio::test]
    async fn an_every_observer_that_leaves_no_longer_holds_the_job_back() {
        let observers = Observers::default();
        let observer = observers.observe(OutputPolicy::Every);
        observers.output(Stream::Stderr, vec![b'x'; EVERY_BYTES + 1]);
        assert!(observers.holds_back());
        drop(observer);
        assert!(!observers.holds_back());
        observers.output(Stream::Stderr, vec![b'x'; 10]);
        assert!(
            observers.lock().inboxes.is_empty(),
            "the gone observer is forgotten"
        );
    }

    #[tokio::test]
    async fn a_late_observer_gets_the_results_so_far_and_then_the_end() {
        let observers = Observers::default();
        observers.output(Stream::Stdout, b"before".to_vec());
        observers.result(refused());
        observers.end();
        let mut late = observers.observe(OutputPolicy::Newest);
        assert!(matches!(
            late.next().await,
            Some(RunJobEvent::NotStarted(_))
        ));
        assert!(late.next().await.is_none());
    }

    fn report(progress: f64) -> Progress {
        Progress {
            progress,
            total: Some(10.0),
            message: Some(format!("step {progress}")),
        }
    }

    #[tokio::test]
    async fn a_slow_observer_gets_only_the_newest_progress_and_it_before_the_results() {
        let observers = Observers::default();
        let mut observer = observers.observe(OutputPolicy::Newest);
        for step in 1..=1000 {
            observers.publish(RunEvent::Progress(report(f64::from(step) / 100.0)));
        }
        observers.result(refused());
        observers.end();
        match observer.next().await {
            Some(RunJobEvent::Progress {
                progress,
                total,
                message,
            }) => {
                assert_eq!((progress, total), (10.0, Some(10.0)));
                assert_eq!(message.as_deref(), Some("step 10"));
            }
            other => panic!("expected progress, got {other:?}"),
        }
        assert!(matches!(
            observer.next().await,
            Some(RunJobEvent::NotStarted(_))
        ));
        assert!(observer.next().await.is_none());
    }

    #[tokio::test]
    async fn an_observer_that_comes_while_the_run_goes_on_gets_its_newest_progress() {
        let observers = Observers::default();
        observers.publish(RunEvent::Progress(report(3.0)));
        let mut late = observers.observe(OutputPolicy::Newest);
        observers.end();
        assert!(matches!(
            late.next().await,
            Some(RunJobEvent::Progress { progress, .. }) if progress == 3.0
        ));
        assert!(late.next().await.is_none());
    }

    #[tokio::test]
    async fn an_observer_waiting_for_events_is_woken_by_them() {
        let observers = Arc::new(Observers::default());
        let mut observer = observers.observe(OutputPolicy::Newest);
        let waiting = tokio::spawn(async move { observer.next().await.is_some() });
        tokio::task::yield_now().await;
        observers.result(refused());
        assert!(waiting.await.expect("observer task"));
    }
}
