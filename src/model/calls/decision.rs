//! What a person says to an agent's waiting call, the call as they saw it, and why an answer
//! is refused: the words every front end (the workbench's dialog, the review page,
//! `toolbench calls`) builds an answer from.

use serde_json::Value;

use super::{CallRow, CallState};
use crate::model::StoreError;

/// What the human says to one call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallDecision {
    /// Run it this once.
    Once,
    /// Run it, and every later call of this tool version whose arguments hold `pattern`.
    Always { pattern: Option<Value> },
    /// Run it with these arguments instead.
    Edited(Value),
    /// Do not run it; the agent receives the reason.
    Reject(String),
}

/// A call as a person saw it before answering: the tool, its version and content, and the
/// arguments. An answer given with it acts on that call or on nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenCall {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    pub(crate) arguments: Value,
}

impl SeenCall {
    pub(crate) fn of(call: &CallRow) -> Self {
        SeenCall {
            tool: call.tool.clone(),
            version: call.version.clone(),
            content_hash: call.content_hash.clone(),
            arguments: call.arguments.clone(),
        }
    }
}

/// Why edited arguments were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgumentsRefusal {
    #[error("the arguments must be a JSON object")]
    NotObject,
    #[error(transparent)]
    Schema(crate::model::input_schema::SchemaError),
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("no agent call #{0} (`toolbench calls` lists the pending ones)")]
    UnknownCall(i64),
    #[error("call #{id} was already {state}{by}")]
    AlreadyAnswered {
        id: i64,
        state: CallState,
        by: String,
    },
    #[error("call #{id}: the edited arguments do not match the input schema of {tool}: {reason}")]
    Arguments {
        id: i64,
        tool: String,
        reason: ArgumentsRefusal,
    },
    #[error("call #{0}: a rejection needs a reason, which the agent receives")]
    NoReason(i64),
    #[error(
        "call #{0} is not the call you answered (its tool, content or arguments differ); look at it again"
    )]
    NotAsShown(i64),
    /// The tool changed while the call waited: the call was refused, and the agent told why.
    #[error("call #{id}: {reason}; the call was refused and the agent told")]
    ToolChanged { id: i64, reason: String },
    #[error("no approval rule #{0} (`toolbench calls rules` lists them)")]
    UnknownRule(i64),
    #[error("rule #{id} was already revoked{by}")]
    AlreadyRevoked { id: i64, by: String },
    /// Signatures are required and the rule could not be signed: no rule was made.
    #[error("call #{id}: the rule was not made: {reason}")]
    Unsigned { id: i64, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Edited arguments must still be what the tool takes.
pub(crate) fn check_arguments(call: &CallRow, arguments: &Value) -> Result<(), ApprovalError> {
    let refuse = |reason: ArgumentsRefusal| ApprovalError::Arguments {
        id: call.id,
        tool: call.tool.clone(),
        reason,
    };
    if !arguments.is_object() {
        return Err(refuse(ArgumentsRefusal::NotObject));
    }
    crate::model::input_schema::check(&call.input_schema, arguments)
        .map_err(|e| refuse(ArgumentsRefusal::Schema(e)))
}
