//! `tools/call` of a catalog tool: arguments checked against the listed schema before
//! anything is spawned, the run as the same run job as every front end's, progress while it
//! lasts, and the run cancelled when the client cancels or goes away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, ProgressNotificationParam};
use rmcp::service::{Peer, RequestContext, RoleServer};
use serde_json::{Value, json};

use super::approval;
use super::listing::{Kind, Listed, WRAPPED_INPUT, WRAPPED_OUTPUT, Wrapping};
use super::reply::refusal;
use super::shared::Shared;
use crate::command::{self, Applied, Command};
use crate::error_chain::one_line;
use crate::jobs::run::{OutputPolicy, RecordedRun, RunJob, RunJobError, RunJobEvent};
use crate::model::RunStatus;
use crate::runner::RunOutcome;

/// How often a running call reports progress to a client that asked for it.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// The stderr a failed call returns, from its end.
const STDERR_TAIL_BYTES: usize = 2000;

/// Runs `listed` for one call and answers it. Every failure the agent can act on is a tool
/// error (`isError: true`) with a one-line reason.
pub async fn call_tool(
    shared: Arc<Shared>,
    listed: Arc<Listed>,
    arguments: Option<JsonObject>,
    context: RequestContext<RoleServer>,
) -> CallToolResult {
    let arguments = Value::Object(arguments.unwrap_or_default());
    let input = match input_of(&listed, &arguments) {
        Ok(input) => input,
        Err(reason) => return refusal(format!("{}: {}", listed.entry.name, one_line(&reason))),
    };
    // The listing may be a moment old: run what is on disk now, as every front end does.
    let entry = match shared.fresh_entry(&listed.entry).await {
        Ok(entry) => entry,
        Err(reason) => return refusal(reason.to_string()),
    };
    let (input, edited) =
        match approval::clearance(&shared, &listed, &entry, &arguments, &context).await {
            Ok(None) => (input, None),
            // The human edited the arguments; they were checked against the same schema.
            Ok(Some(edited)) => match input_of(&listed, &edited) {
                Ok(input) => (input, Some(edited)),
                Err(reason) => {
                    return refusal(format!("{}: {}", listed.entry.name, one_line(&reason)));
                }
            },
            Err(answer) => return answer,
        };
    let mut result = if listed.kind == Kind::Service {
        super::service_call::exchange(&shared, entry, &input).await
    } else {
        run_cleared(&shared, &listed, entry, input, &context).await
    };
    // The agent must not take the answer for one to what it asked.
    if let Some(edited) = edited {
        result
            .content
            .push(ContentBlock::text(edited_note(&arguments, &edited)));
    }
    result
}

/// The line an agent gets beside the result of a call whose arguments a human edited.
fn edited_note(asked: &Value, ran: &Value) -> String {
    format!(
        "Note: a human edited the arguments of this call before approving it. You sent {asked}; it ran with {ran}."
    )
}

/// Runs a call that was cleared (by the preset, the rules or a human) with `input`.
async fn run_cleared(
    shared: &Arc<Shared>,
    listed: &Listed,
    entry: crate::model::ToolEntry,
    input: Value,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let client = Some(super::reply::client_name(context));
    // Cleared above, by the rules or by the human, for this content: the cost gate is passed
    // as confirmed, and the run is of that content or refused.
    let command = Command::Run {
        tool: crate::model::ToolId::content_of(&entry),
        input: Some(input.to_string()),
        confirmed: true,
    };
    let job = match command::apply(&shared.commands(client), command).await {
        Ok(Applied::Run(job)) => job,
        Ok(_) => return refusal(format!("{}: the run did not start", listed.entry.name)),
        Err(e) => return refusal(one_line(&e)),
    };
    match run_with_progress(*job, context).await {
        Ok(recorded) => answer(listed, &recorded.run, &recorded.outcome),
        Err(RunJobError::Unstored(e)) => {
            refusal(format!("{}: the run finished but {e}", listed.entry.name))
        }
        Err(e) => refusal(e.to_string()),
    }
}

/// Arguments a listed tool's input schema refuses.
#[derive(Debug, thiserror::Error)]
#[error("arguments do not match the input schema")]
pub struct ArgumentsMismatch(#[source] crate::runner::schema::SchemaError);

/// The tool's input from the call's arguments, checked against the listed schema.
fn input_of(listed: &Listed, arguments: &Value) -> Result<Value, ArgumentsMismatch> {
    let schema = Value::Object((*listed.tool.input_schema).clone());
    crate::runner::schema::check(&schema, arguments).map_err(ArgumentsMismatch)?;
    Ok(match listed.input {
        Wrapping::Whole => arguments.clone(),
        Wrapping::Field => arguments.get(WRAPPED_INPUT).cloned().unwrap_or(Value::Null),
    })
}

/// Runs the job to its record, cancelling it with the request and sending progress when a
/// token came.
async fn run_with_progress(
    job: RunJob,
    context: &RequestContext<RoleServer>,
) -> Result<RecordedRun, RunJobError> {
    // Only counted for the progress message: a client that reads slowly never holds the tool.
    let mut output = job.observe(OutputPolicy::Newest);
    let run = job.start();
    let progress = context
        .meta
        .get_progress_token()
        .map(|token| (token, context.peer.clone()));
    let started = Instant::now();
    let mut bytes: u64 = 0;
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    let mut sent = 0.0_f64;
    let mut cancelled = false;
    loop {
        tokio::select! {
            event = output.next() => match event {
                Some(RunJobEvent::Output { bytes: chunk, skipped, .. }) => {
                    bytes += chunk.len() as u64 + skipped;
                }
                Some(_) => {}
                None => return run.ended().await,
            },
            () = context.ct.cancelled(), if !cancelled => {
                run.cancel();
                cancelled = true;
            }
            _ = ticks.tick() => {
                if let Some((token, peer)) = &progress {
                    // Strictly increasing, as the protocol asks: seconds run, never repeated.
                    let now = started.elapsed().as_secs_f64().max(sent + 0.001);
                    sent = now;
                    notify_progress(peer, token.clone(), now, bytes).await;
                }
            }
        }
    }
}

async fn notify_progress(
    peer: &Peer<RoleServer>,
    token: rmcp::model::ProgressToken,
    seconds: f64,
    bytes: u64,
) {
    let mut param = ProgressNotificationParam::new(token, seconds);
    param.message = Some(format!(
        "running for {seconds:.1} s, {bytes} bytes of output"
    ));
    let _ = peer.notify_progress(param).await;
}

/// The answer to a call whose run finished and was recorded.
fn answer(
    listed: &Listed,
    record: &crate::model::RunRecord,
    outcome: &RunOutcome,
) -> CallToolResult {
    let stdout = String::from_utf8_lossy(&outcome.stdout).into_owned();
    if record.status != RunStatus::Ok {
        let tail = tail(&outcome.stderr);
        let mut text = format!(
            "{}@{} {} (run #{})",
            record.tool, record.version, record.status, record.id
        );
        if let Some(error) = &record.error {
            text.push_str(": ");
            text.push_str(error);
        }
        if !tail.is_empty() {
            text.push_str("\n--- stderr (end) ---\n");
            text.push_str(&tail);
        }
        return CallToolResult::error(vec![ContentBlock::text(text)]);
    }
    let structured = listed.output.and_then(|wrapping| {
        let value: Value = serde_json::from_str(&stdout).ok()?;
        Some(match wrapping {
            Wrapping::Whole => value,
            Wrapping::Field => json!({ WRAPPED_OUTPUT: value }),
        })
    });
    let mut result = CallToolResult::success(vec![ContentBlock::text(stdout)]);
    result.structured_content = structured;
    result
}

fn tail(stderr: &[u8]) -> String {
    let start = stderr.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&stderr[start..]).trim().to_string()
}
