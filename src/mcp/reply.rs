//! What the gateway's tools answer with, shared by the calls of listed tools, toolbench's
//! own tools and the waits for a human: a refusal the agent reads, the client's name every
//! record carries, and why an own tool failed.

use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::{RequestContext, RoleServer};

/// A tool error whose text the agent reads.
pub(crate) fn refusal(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// The client name recorded when a client does not give one.
const UNNAMED_CLIENT: &str = "unnamed-client";

/// The longest client name kept with runs, proposals, requests and calls; a longer one is cut
/// there: the name is a label the client chose at `initialize`, and refusing it would refuse
/// every call of the session.
const MAX_CLIENT_NAME_BYTES: usize = 128;

/// The client's name from `initialize` (cut at `MAX_CLIENT_NAME_BYTES`), or a stand-in when
/// it gave none: the one spelling runs, proposals, requests and calls record.
pub(crate) fn client_name(context: &RequestContext<RoleServer>) -> String {
    context
        .client_info()
        .map(|info| info.name)
        .filter(|name| !name.trim().is_empty())
        .map(|name| crate::text::bounded::truncated(name, MAX_CLIENT_NAME_BYTES))
        .unwrap_or_else(|| UNNAMED_CLIENT.to_string())
}

/// Why one of toolbench's own tools refused or failed; the agent receives it after the tool's
/// name, with its causes, on one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OwnToolError {
    #[error(transparent)]
    TooLong(#[from] crate::text::bounded::TooLong),
    #[error(transparent)]
    ToolId(#[from] crate::model::ToolIdError),
    #[error(transparent)]
    Severity(#[from] crate::model::UnknownValue),
    #[error(transparent)]
    Command(#[from] crate::command::CommandError),
    #[error("the library answered with something else than was asked")]
    Unanswered,
    #[error(transparent)]
    Store(#[from] crate::model::StoreError),
}
