//! What a run job tells those who follow it, as nouns every front end may name: how an
//! observer takes the output, the events in their order, and how the job ended (stored, or
//! not and why). Running and recording is `jobs::run`'s.

use std::sync::Arc;

use crate::model::run_error::{KeepError, RunError};
use crate::model::run_output::{RunOutcome, Stream};
use crate::model::{FailureRecord, RunOrigin, RunRecord};

/// How an observer takes a run's output when it reads slower than the tool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputPolicy {
    /// Never makes the tool wait: keeps the newest MiB of each stream, counts the rest as
    /// skipped. For a pane or a progress report.
    Newest,
    /// Every byte, in order: the tool waits while this observer is behind. For a front end
    /// whose output is the tool's own (`toolbench run` piped).
    Every,
}

/// What a run job tells its observers, in this order: output and progress while it runs,
/// then either `NotStarted`, or `Finished` followed by `Recorded` or `Unstored`.
#[derive(Debug, Clone)]
pub enum RunJobEvent {
    /// Output as it was read; `skipped` bytes of this stream before it were not delivered to
    /// this observer (they are in the log).
    Output {
        stream: Stream,
        bytes: Vec<u8>,
        skipped: u64,
    },
    /// The tool's newest progress report that stood (`runner::progress`): `progress` finite
    /// and >= 0, never lower than the one before; `total`, when known, finite, > 0 and not
    /// below `progress`; `message` one line of visible text, at most 200 characters. At most
    /// one per 100 ms per run; an observer that is behind gets only the newest.
    Progress {
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    },
    /// Nothing was spawned, for this reason.
    NotStarted(RunError),
    /// The run ended: its record (not stored yet), captured output and protections.
    Finished(Arc<RunOutcome>),
    /// The store took the run and its automatic failure, and gave them ids.
    Recorded {
        run: Box<RunRecord>,
        failure: Option<Box<FailureRecord>>,
    },
    /// The store refused the run.
    Unstored(UnstoredRun),
}

/// The store refused a finished run. It is not lost when `kept`: its in-flight file holds it,
/// finished, and the next toolbench process stores it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}; {}", match kept {
    Ok(()) => "the run is kept in .toolbench/running/ and stored by the next toolbench command".to_string(),
    Err(why) => format!("the run could not be kept either: {why}"),
})]
pub struct UnstoredRun {
    pub record: Box<RunRecord>,
    pub reason: String,
    pub kept: Result<(), KeepError>,
}

/// A run that ended and was stored.
#[derive(Debug, Clone)]
pub struct RecordedRun {
    pub(crate) outcome: Arc<RunOutcome>,
    /// The stored run, with its id.
    pub run: RunRecord,
    pub failure: Option<FailureRecord>,
}

/// Why a run job did not end with a stored run.
#[derive(Debug, thiserror::Error)]
pub enum RunJobError {
    #[error(transparent)]
    NotStarted(#[from] RunError),
    #[error(transparent)]
    Unstored(#[from] UnstoredRun),
    /// The job's task was stopped (the runtime shut down) or panicked.
    #[error("the run job stopped before its end: {0}")]
    Stopped(String),
}

/// Who started a run that this process only follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Starter {
    pub(crate) pid: u32,
    pub(crate) origin: RunOrigin,
    /// The MCP client that asked for it.
    pub(crate) client: Option<String>,
}

/// What the poller tells about runs of other processes, each under the key it gave the run.
#[derive(Debug)]
pub(crate) enum InheritedEvent {
    /// A run started elsewhere is live.
    Started {
        key: u64,
        tool: String,
        version: String,
        starter: Starter,
    },
    /// What its logs gained since the last look.
    Output {
        key: u64,
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// Its record is stored; `summary` is its sandbox's.
    Finished {
        key: u64,
        record: Box<RunRecord>,
        summary: String,
    },
}
