//! Why a command was refused or failed: one type every command module answers with.

use crate::model::LookupError;
use crate::model::failure_report::FailureReportError;
use crate::model::run_error::RunError;
use crate::model::run_job::RunJobError;
use crate::model::{StoreError, Tier};
use crate::review::ReviewError;
use crate::review::validate::ValidateError;

/// The longest device name.
pub(super) const MAX_DEVICE_NAME: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Validate(#[from] ValidateError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    RunJob(#[from] RunJobError),
    #[error(transparent)]
    Report(#[from] FailureReportError),
    #[error(transparent)]
    Proposal(#[from] crate::review::propose::ProposalError),
    #[error(transparent)]
    Request(#[from] crate::review::requests::RequestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{tool}: {why}; pass --yes to run it")]
    NeedsConfirmation { tool: String, why: String },
    #[error("{tool} never runs: {why}")]
    NeverRuns { tool: String, why: String },
    /// Agents call active tools only: a candidate of the same name and content is no tool
    /// of theirs to run.
    #[error("{tool} is in {tier}/: agents call only core and approved tools")]
    NotActive { tool: String, tier: Tier },
    /// An active tool whose content is not the content a person accepted, as an agent is
    /// told: what a person must do, not how.
    #[error("{tool} will not run: {why}")]
    AwaitsReview { tool: String, why: &'static str },
    /// An active tool whose content is not the content a person accepted.
    #[error("{tool} will not run: {reason}")]
    Sealed {
        tool: String,
        reason: Box<crate::seal::SealError>,
    },
    #[error("no active tool has capability {0:?} (see `toolbench list --json`)")]
    NoCapability(String),
    #[error("the command stopped before it ended: {0}")]
    Stopped(String),
    #[error(transparent)]
    Service(#[from] crate::services::ServiceError),
    #[error(transparent)]
    Approval(#[from] crate::model::calls::decision::ApprovalError),
    #[error(transparent)]
    Suggestion(#[from] crate::suggest::answer::AnswerError),
    #[error(transparent)]
    Accept(#[from] crate::seal::AcceptError),
    #[error(transparent)]
    ToolId(#[from] crate::model::ToolIdError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The workspace's reviewers could not be read or written, in one line.
    #[error("{0}")]
    Signers(String),
    /// The project named could not be accepted, in one line.
    #[error("{0}")]
    Project(String),
}

impl CommandError {
    /// A run or a service's launch refused by the tool's seal: the tool, what was refused
    /// (`run`, `launch`) and why, for a front end to name its own remedy.
    pub(crate) fn sealed(&self) -> Option<(&str, &'static str, &crate::seal::SealError)> {
        match self {
            CommandError::Sealed { tool, reason } => Some((tool, "run", reason)),
            CommandError::Service(crate::services::ServiceError::Sealed { tool, reason }) => {
                Some((tool, "launch", reason))
            }
            _ => None,
        }
    }

    /// The tool's input did not match its input schema, so the run never started.
    pub(crate) fn input_off_schema(&self) -> bool {
        matches!(self, CommandError::Run(RunError::InputSchema { .. }))
    }

    /// The store failed under the command, rather than the command being refused: a front
    /// end serving others says so without the store's words, which name its file.
    pub(crate) fn store_failed(&self) -> bool {
        use crate::model::calls::decision::ApprovalError;
        use crate::review::requests::RequestError;
        matches!(
            self,
            CommandError::Store(_)
                | CommandError::Review(ReviewError::Store(_))
                | CommandError::Validate(ValidateError::Store(_))
                | CommandError::Request(RequestError::Store(_))
                | CommandError::Approval(ApprovalError::Store(_))
        )
    }
}

/// Whether `error` is, or was caused by, the caller's input refused before a run (not JSON,
/// or not what the schema or the arguments take: `RunError::is_bad_input`), as a tool's own
/// refusal is; the first refused run met along its causes decides.
pub(crate) fn input_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        let refused = match error.downcast_ref::<CommandError>() {
            Some(CommandError::Run(run)) => Some(run),
            _ => error.downcast_ref::<RunError>(),
        };
        if let Some(run) = refused {
            return run.is_bad_input();
        }
        cause = error.source();
    }
    false
}

/// The field of a service definition `error` refused, and why, when it names one: what
/// `tools import` names as the JSON's field (``field `executable`: …``).
pub(crate) fn refused_field<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<(&'a str, &'a str)> {
    match error.downcast_ref::<CommandError>()? {
        CommandError::Service(crate::services::ServiceError::Field(refused)) => {
            Some((refused.field.as_str(), refused.reason.as_str()))
        }
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("device name {0:?}: use 1 to {MAX_DEVICE_NAME} letters, digits, '.', '_' or '-'")]
    Name(String),
    #[error("a device named {0} is paired already; `toolbench web revoke {0}` ends its session")]
    Paired(String),
    #[error(
        "a pairing link for {name} was made already and works until {until}: open that one on the device, or give another --name"
    )]
    Waiting { name: String, until: String },
    #[error("no paired device is named {0} (`toolbench web devices` lists them)")]
    Unknown(String),
    #[error("the pairing code is unknown, used or expired")]
    CodeRefused,
    #[error(transparent)]
    NotLoopback(#[from] crate::model::settings::NotLoopback),
    #[error(
        "{0}: the page listens on every address, so a pairing link needs the name devices reach it by: set [web] host (or give `toolbench web pair --host NAME`)"
    )]
    NoHost(std::net::SocketAddr),
    #[error("no randomness from the OS: {0}")]
    Random(getrandom::Error),
}
