//! `tools/call` of a catalog tool: arguments checked against the listed schema before
//! anything is spawned, the run as the same run job as every front end's, progress while it
//! lasts, and the run cancelled when the client cancels or goes away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::approval;
use super::caller::{CallOutcome, Caller};
use super::listing::{Kind, Listed, WRAPPED_INPUT, WRAPPED_OUTPUT, Wrapping};
use super::reply::refusal;
use super::shared::ServerState;
use crate::command::{self, Command};
use crate::error_chain::one_line;
use crate::model::RunStatus;
use crate::model::run_job::{RecordedRun, RunJobError, RunJobEvent};
use crate::model::run_output::RunOutcome;
use crate::workbench::started_run::StartedRun;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde_json::{Value, json};

/// How often a running call reports progress to a client that asked for it.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// The stderr a failed call returns, from its end.
const STDERR_TAIL_BYTES: usize = 2000;

/// Runs `listed` for one call and answers it. Every failure the agent can act on is a tool
/// error (`isError: true`) with a one-line reason.
pub(crate) async fn call_tool(
    shared: Arc<ServerState>,
    listed: Arc<Listed>,
    arguments: Option<JsonObject>,
    caller: &mut Caller,
) -> CallOutcome {
    let arguments = Value::Object(arguments.unwrap_or_default());
    let refused = |reason: &ArgumentsMismatch| {
        CallOutcome::from(refusal(format!(
            "{}: {}",
            listed.entry.name,
            one_line(reason)
        )))
    };
    let input = match input_of(&listed, &arguments) {
        Ok(input) => input,
        Err(reason) => return refused(&reason),
    };
    // The listing may be a moment old: run what is on disk now, as every front end does.
    let entry = match shared.fresh_entry(&listed.entry).await {
        Ok(entry) => entry,
        Err(reason) => return refusal(reason.to_string()).into(),
    };
    let (input, edited) =
        match approval::clearance(&shared, &listed, &entry, &arguments, caller).await {
            Ok(None) => (input, None),
            // The human edited the arguments; they were checked against the same schema.
            Ok(Some(edited)) => match input_of(&listed, &edited) {
                Ok(input) => (input, Some(edited)),
                Err(reason) => return refused(&reason),
            },
            Err(answer) => return answer.into(),
        };
    let mut answer = if listed.kind == Kind::Service {
        super::service_call::exchange(&shared, entry, &input)
            .await
            .into()
    } else {
        run_cleared(&shared, &listed, entry, input, caller).await
    };
    // The agent must not take the answer for one to what it asked.
    if let Some(edited) = edited {
        answer
            .result
            .content
            .push(ContentBlock::text(edited_note(&arguments, &edited)));
    }
    answer
}

/// The line an agent gets beside the result of a call whose arguments a human edited.
fn edited_note(asked: &Value, ran: &Value) -> String {
    format!(
        "Note: a human edited the arguments of this call before approving it. You sent {asked}; it ran with {ran}."
    )
}

/// Runs a call that was cleared (by the preset, the rules or a human) with `input`.
async fn run_cleared(
    shared: &Arc<ServerState>,
    listed: &Listed,
    entry: crate::model::ToolEntry,
    input: Value,
    caller: &mut Caller,
) -> CallOutcome {
    let client = Some(caller.client.clone());
    // Cleared above, by the rules or by the human, for this content: the cost gate is passed
    // as confirmed, and the run is of that content or refused.
    let command = Command::Run {
        tool: crate::model::ToolId::content_of(&entry),
        input: Some(input.to_string()),
        consent: command::Consent {
            confirmed: true,
            grant: false,
        },
    };
    let started = match shared
        .serving
        .start_run(shared.commands(client), command, None)
        .await
    {
        Ok(started) => started,
        Err(e) => return refusal(one_line(&e)).into(),
    };
    match run_with_progress(started, caller).await {
        Ok(recorded) => answer(listed, &recorded.run, &recorded.outcome),
        Err(RunJobError::Unstored(e)) => {
            let why = format!("{}: the run finished but {e}", listed.entry.name);
            CallOutcome::broken(refusal(why.clone()), why)
        }
        Err(e) => CallOutcome::broken(refusal(e.to_string()), e.to_string()),
    }
}

/// Arguments a listed tool's input schema refuses.
#[derive(Debug, thiserror::Error)]
#[error("arguments do not match the input schema")]
pub(crate) struct ArgumentsMismatch(#[source] crate::model::input_schema::SchemaError);

/// The tool's input from the call's arguments, checked against the listed schema.
fn input_of(listed: &Listed, arguments: &Value) -> Result<Value, ArgumentsMismatch> {
    let schema = Value::Object((*listed.tool.input_schema).clone());
    crate::model::input_schema::check(&schema, arguments).map_err(ArgumentsMismatch)?;
    Ok(match listed.input {
        Wrapping::Whole => arguments.clone(),
        Wrapping::Field => arguments.get(WRAPPED_INPUT).cloned().unwrap_or(Value::Null),
    })
}

/// Follows the run to its record, cancelling it with the caller and telling its progress.
async fn run_with_progress(
    mut run: StartedRun,
    caller: &mut Caller,
) -> Result<RecordedRun, RunJobError> {
    // Only counted for the progress message: a client that reads slowly never holds the tool.
    let started = Instant::now();
    let mut bytes: u64 = 0;
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    let mut cancelled = false;
    loop {
        tokio::select! {
            event = run.next() => match event {
                Some(RunJobEvent::Output { bytes: chunk, skipped, .. }) => {
                    bytes += chunk.len() as u64 + skipped;
                }
                Some(RunJobEvent::Progress { progress, total, message }) => {
                    caller.progress.reported(progress, total, message).await;
                }
                Some(_) => {}
                None => return run.ended().await,
            },
            () = caller.cancel.cancelled(), if !cancelled => {
                run.cancel();
                cancelled = true;
            }
            _ = ticks.tick() => {
                caller.progress.running(started.elapsed().as_secs_f64(), bytes).await;
            }
        }
    }
}

/// The answer to a call whose run finished and was recorded.
fn answer(listed: &Listed, record: &crate::model::RunRecord, outcome: &RunOutcome) -> CallOutcome {
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
        let result = CallToolResult::error(vec![ContentBlock::text(text)]);
        return match broken(record) {
            Some(why) => CallOutcome::broken(result, why),
            None => result.into(),
        };
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
    result.into()
}

/// Why a run gave no answer of the tool's own, when so: its sandbox failed, or it was killed
/// by a signal it did not ask for (a crash). A run that exited with an error, timed out or
/// hit a limit answered as the tool: that is the tool's error.
fn broken(record: &crate::model::RunRecord) -> Option<String> {
    let crashed = record.status == RunStatus::Failed && record.signal.is_some();
    let sandbox = record.status == RunStatus::SandboxError;
    (crashed || sandbox).then(|| {
        format!(
            "{}@{} {} (run #{}): {}",
            record.tool,
            record.version,
            record.status,
            record.id,
            record.error.as_deref().unwrap_or("no reason recorded")
        )
    })
}

fn tail(stderr: &[u8]) -> String {
    let start = stderr.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&stderr[start..]).trim().to_string()
}
