//! What a command did ([`Applied`]), and the shapes of its answers: a call's attempts, a
//! pairing code, a device's session, a suggestion's answer. Plain results the front ends
//! read; the command modules fill them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::jobs::run::RunJob;

use crate::model::FailureRecord;
use crate::model::decided::Outcome;
use crate::model::run_job::RecordedRun;
use crate::model::validation_report::Validated;
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
    Stopped(crate::model::services::Stopped),
    Proposed(crate::model::proposals::Proposed),
    Requested(Box<crate::model::requests::RequestRow>),
    /// Where a service definition was written, and whether it replaced one.
    ServiceDefined {
        path: PathBuf,
        updated: bool,
    },
    Sent(Box<crate::services::Sent>),
    CallAnswered(Box<crate::model::calls::CallRow>),
    /// A call held for a person: its id, and the approval rule that let it through at once.
    CallHeld {
        id: i64,
        by_rule: Option<i64>,
    },
    /// A waiting call ended by toolbench; `false` when a person had answered it first.
    CallEnded(bool),
    /// An MCP task changed; `false` when it no longer could (it had ended, or is unknown).
    TaskChanged(bool),
    RuleRevoked(Box<crate::model::calls::RuleRow>),
    SuggestionAnswered(Box<SuggestionAnswered>),
    /// The open suggestions, once the detectors' findings were recorded.
    SuggestionsRefreshed(Vec<crate::model::suggestions::SuggestionRow>),
    /// What acceptance sealed, or would seal on a dry run.
    Accepted {
        tools: Vec<crate::model::seals::Sealed>,
        dry_run: bool,
    },
    PairingCode(PairingCode),
    Paired(Session),
    /// The device whose session ended.
    DeviceRevoked(String),
    /// A reviewer added to the workspace's allowed_signers, by its key's fingerprint.
    SignerAdded {
        principal: String,
        fingerprint: String,
    },
    /// The workspace's reviewer keys now trusted on this machine, the file that says so, and
    /// the least `[review] signatures` the workspace may ask for from now on.
    SignersAccepted {
        keys: usize,
        file: std::path::PathBuf,
        at_least: crate::model::settings::Signatures,
    },
    /// The folder now taken as the workspace's project on this machine.
    ProjectAccepted(std::path::PathBuf),
}

/// Names what was done; the results themselves (a run under way, a report) are the front
/// end's to show.
impl std::fmt::Debug for Applied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            Applied::Decided(_) => "Decided",
            Applied::Validated(_) => "Validated",
            Applied::Run(_) => "Run",
            Applied::Called(_) => "Called",
            Applied::FailureMarked { .. } => "FailureMarked",
            Applied::Collected(_) => "Collected",
            Applied::Launched(_) => "Launched",
            Applied::Stopped(_) => "Stopped",
            Applied::Proposed(_) => "Proposed",
            Applied::Requested(_) => "Requested",
            Applied::ServiceDefined { .. } => "ServiceDefined",
            Applied::Sent(_) => "Sent",
            Applied::CallAnswered(_) => "CallAnswered",
            Applied::CallHeld { .. } => "CallHeld",
            Applied::CallEnded(_) => "CallEnded",
            Applied::TaskChanged(_) => "TaskChanged",
            Applied::RuleRevoked(_) => "RuleRevoked",
            Applied::SuggestionAnswered(_) => "SuggestionAnswered",
            Applied::SuggestionsRefreshed(_) => "SuggestionsRefreshed",
            Applied::Accepted { .. } => "Accepted",
            Applied::PairingCode(_) => "PairingCode",
            Applied::Paired(_) => "Paired",
            Applied::DeviceRevoked(_) => "DeviceRevoked",
            Applied::SignerAdded { .. } => "SignerAdded",
            Applied::SignersAccepted { .. } => "SignersAccepted",
            Applied::ProjectAccepted(_) => "ProjectAccepted",
        };
        f.write_str(what)
    }
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

/// A code a person carries to the device they pair, and the page's link that redeems it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairingCode {
    pub(crate) code: String,
    pub(crate) device: String,
    pub(crate) expires_at: String,
    pub(crate) link: String,
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
