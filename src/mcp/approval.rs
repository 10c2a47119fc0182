//! A call that needs a human waits here: written to the store as pending, where the workbench
//! and `toolbench calls` see it, until a human answers, the client gives up, or
//! `approvals.timeout_secs` pass. Progress notifications keep the client from timing out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::CallToolResult;
use serde_json::Value;

use super::caller::Caller;
use super::listing::Listed;
use super::reply::refusal;
use super::shared::ServerState;
use crate::command::{Applied, Command};
use crate::model::ToolEntry;
use crate::model::admission::{Admission, Asker, admission};
use crate::model::calls::{CallRow, CallState, NewCall};
use crate::proc_stat::ProcessId;

/// How often a waiting client hears that the call is still waiting (at most 5 s apart).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Lets the call through, with the arguments to run it with when the human edited them, or
/// answers it: refused, rejected, expired or cancelled.
pub(crate) async fn clearance(
    shared: &Arc<ServerState>,
    listed: &Listed,
    entry: &ToolEntry,
    arguments: &Value,
    caller: &mut Caller,
) -> Result<Option<Value>, CallToolResult> {
    let why = match admission(
        entry,
        &shared.workbench().config().run_policy(),
        Asker::Agent,
    ) {
        Admission::Open => return Ok(None),
        Admission::Closed(why) => {
            return Err(refusal(format!("{} never runs: {why}", entry.name)));
        }
        Admission::Confirm(why) => why,
    };
    let me = ProcessId::of(std::process::id()).unwrap_or(ProcessId {
        pid: std::process::id(),
        start_ticks: 0,
    });
    let call = NewCall {
        tool: entry.name.clone(),
        version: entry.version.clone(),
        content_hash: entry.content_hash.clone(),
        arguments: arguments.clone(),
        input_schema: Value::Object((*listed.tool.input_schema).clone()),
        client: caller.client.clone(),
        why: why.clone(),
        requested_at: crate::clock::now_rfc3339(),
        server_pid: me.pid,
        server_start: me.start_ticks,
        task: caller.task.clone(),
    };
    let hold = Command::HoldCall {
        call: Box::new(call),
    };
    let id = match shared.apply(Some(caller.client.clone()), hold).await {
        Ok(Applied::CallHeld { id, .. }) => id,
        other => {
            let why = match other {
                Err(e) => crate::error_chain::one_line(&e),
                Ok(applied) => format!("the library answered {applied:?}"),
            };
            return Err(refusal(format!(
                "{}: cannot queue the call for approval: {why}",
                entry.name
            )));
        }
    };
    let answered = wait(shared, id, &why, caller).await;
    verdict(
        &entry.name,
        answered,
        shared.workbench().config().approvals.timeout_secs,
    )
}

/// Why waiting for a human's answer ended without one.
#[derive(Debug, thiserror::Error)]
enum WaitError {
    #[error(transparent)]
    Store(#[from] crate::model::StoreError),
    #[error("{0}")]
    Unreadable(String),
    #[error("call #{0} left the store")]
    Gone(i64),
    #[error("the client cancelled the call")]
    Cancelled,
}

/// Waits until the call is no longer pending; returns it as it ended. The store is read once
/// here (a call a rule let through has ended already); then the process's one looker tells
/// when it ends (the workbench's `answer_of`).
async fn wait(
    shared: &Arc<ServerState>,
    id: i64,
    why: &str,
    caller: &mut Caller,
) -> Result<CallRow, WaitError> {
    let call = shared
        .read(move |workbench| workbench.call(id))
        .await?
        .ok_or(WaitError::Gone(id))?;
    if call.state != CallState::Pending {
        return Ok(call);
    }
    let mut answer = shared.workbench().answer_of(id)?;
    let timeout = Duration::from_secs(shared.workbench().config().approvals.timeout_secs);
    let started = Instant::now();
    let deadline = started + timeout;
    let mut expired = false;
    loop {
        // Said at once, so a task reads as waiting for a human from its first poll; not once
        // it expired, while its end is on its way.
        if !expired {
            let seconds = started.elapsed().as_secs_f64();
            caller.progress.waiting(id, seconds, why).await;
        }
        let next_progress = Instant::now() + PROGRESS_EVERY;
        let wake = match expired {
            true => next_progress,
            false => next_progress.min(deadline),
        };
        tokio::select! {
            ended = &mut answer => {
                return ended.map_err(WaitError::Unreadable)?.ok_or(WaitError::Gone(id));
            }
            () = caller.cancel.cancelled() => {
                close(shared, id, CallState::Cancelled, "the client cancelled the call".into()).await;
                return Err(WaitError::Cancelled);
            }
            () = tokio::time::sleep_until(wake.into()) => {}
        }
        if !expired && Instant::now() >= deadline {
            // Answered as expired unless a person answered first; either way it ends now.
            expired = true;
            let reason = format!("no answer within {} s", timeout.as_secs());
            close(shared, id, CallState::Expired, reason).await;
        }
    }
}

/// Ends the call as toolbench itself, unless a human answered first. Were the store to refuse
/// it, the call would stay pending: the wait goes on until a person answers it.
async fn close(shared: &Arc<ServerState>, id: i64, state: CallState, reason: String) {
    let end = Command::EndCall { id, state, reason };
    let _ = shared.apply(None, end).await;
}

/// What the agent gets for a call that ended waiting.
fn verdict(
    tool: &str,
    answered: Result<CallRow, WaitError>,
    timeout_secs: u64,
) -> Result<Option<Value>, CallToolResult> {
    let call =
        answered.map_err(|e| refusal(format!("{tool}: {}", crate::error_chain::one_line(&e))))?;
    let reason = call.reason.clone().unwrap_or_default();
    let who = call.answered_by.clone().unwrap_or_else(|| "a human".into());
    match call.state {
        CallState::Approved => Ok(call.approved_arguments),
        CallState::Rejected => Err(refusal(format!(
            "{tool}: call #{} rejected by {who}: {reason}",
            call.id
        ))),
        CallState::Expired => Err(refusal(format!(
            "{tool}: call #{} rejected: no answer within {timeout_secs} s",
            call.id
        ))),
        state => Err(refusal(format!(
            "{tool}: call #{} {state}: {reason}",
            call.id
        ))),
    }
}
