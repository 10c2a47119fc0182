//! Who a catalog call answers and how it ends: the caller (the client, the cancellation,
//! where progress goes, the task it runs for) and the answer, which says when toolbench itself
//! got none from the tool.

use rmcp::model::CallToolResult;
use rmcp::service::{RequestContext, RoleServer};
use tokio_util::sync::CancellationToken;

use super::progress::Progress;

/// Who a call answers and how it is followed: the client's name every record carries, the
/// cancellation (the request's, or a task's), where progress goes, and the task it runs for.
pub(crate) struct Caller {
    pub(crate) client: String,
    pub(crate) cancel: CancellationToken,
    pub(crate) progress: Progress,
    pub(crate) task: Option<String>,
}

impl Caller {
    /// The caller of a call answered in the response to its request.
    pub(crate) fn of_request(context: &RequestContext<RoleServer>) -> Self {
        let progress = match context.meta.get_progress_token() {
            Some(token) => Progress::client(context.peer.clone(), token),
            None => Progress::nowhere(),
        };
        Self {
            client: super::reply::client_name(context),
            cancel: context.ct.clone(),
            progress,
            task: None,
        }
    }
}

/// A call's answer, and why toolbench itself could not get one from the tool, when so: its
/// run crashed or its sandbox failed. A task reports that as failed, not as the tool's error.
pub(crate) struct CallOutcome {
    pub(crate) result: CallToolResult,
    pub(crate) broken: Option<String>,
}

impl CallOutcome {
    pub(crate) fn broken(result: CallToolResult, why: String) -> Self {
        Self {
            result,
            broken: Some(why),
        }
    }
}

impl From<CallToolResult> for CallOutcome {
    fn from(result: CallToolResult) -> Self {
        Self {
            result,
            broken: None,
        }
    }
}
