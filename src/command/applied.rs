//! What a command did ([`Applied`]), and the shapes of its answers: a call's attempts, a
//! pairing code, a device's session, a suggestion's answer. Plain results the front ends
//! read; the command modules fill them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::jobs::run::{RecordedRun, RunJob};
use crate::jobs::validation::Validated;
use crate::model::FailureRecord;
use crate::review::Outcome;
use crate::review::gc::GcReport;

/// What a command did.
pub enum Applied {
    Decided(Outcome),
    /// The report, and the test cases' runs the store refused (kept for the next start).
    Validated(Box<Validated>),
    /// The run, ready: attach observers, then start it.
    Run(Box<RunJob>),
    Called(CallReport),
    FailureMarked {
        failure: FailureRecord,
        /// The tool's quality with this failure counted.
        quality: f64,
    },
    Collected(GcReport),
    Launched(Box<crate::services::Launched>),
    Stopped(crate::services::process::Stopped),
    Proposed(crate::model::proposals::Proposed),
    Requested(Box<crate::model::requests::RequestRow>),
    /// Where a service definition was written, and whether it replaced one.
    ServiceDefined {
        path: PathBuf,
        updated: bool,
    },
    Sent(Box<crate::services::Sent>),
    CallAnswered(Box<crate::model::calls::CallRow>),
    RuleRevoked(Box<crate::model::calls::RuleRow>),
    SuggestionAnswered(Box<SuggestionAnswered>),
    /// What acceptance sealed, or would seal on a dry run.
    Accepted {
        tools: Vec<crate::seal::Sealed>,
        dry_run: bool,
    },
    PairingCode(PairingCode),
    Paired(Session),
    /// The device whose session ended.
    DeviceRevoked(String),
}

/// One tool tried by a call.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) outcome: AttemptOutcome,
}

#[derive(Debug, Clone)]
pub(crate) enum AttemptOutcome {
    /// Not run: the cost gate or the input refused it.
    Skipped(String),
    /// Run and recorded.
    Ran(Arc<RecordedRun>),
}

/// Every attempt of a call, in order; the last one succeeded when `succeeded` is set.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub(crate) capability: String,
    pub(crate) attempts: Vec<Attempt>,
    /// The run that succeeded.
    pub(crate) succeeded: Option<Arc<RecordedRun>>,
}

/// A code a person carries to the device they pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairingCode {
    pub(crate) code: String,
    pub(crate) device: String,
    pub(crate) expires_at: String,
}

/// The session a redeemed code opened: `secret` goes to the device, never to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub(crate) secret: String,
    pub(crate) device: String,
}

/// What answering a suggestion did: the line that says so, and the decision when accepting
/// it evolved a tool.
pub struct SuggestionAnswered {
    pub(crate) said: String,
    pub(crate) decided: Option<Outcome>,
}
