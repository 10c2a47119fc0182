//! Calls answered with an MCP task (the Tasks extension, SEP-2663): a call that may run long,
//! waits for a human or launches a service answers at once with a task id; the work goes on
//! in this server, and its state and result are kept in the store, where `tasks/get` reads
//! them from any process of the workspace, after the client that asked went away too.
//!
//! A task belongs to the client that asked (its `clientInfo` name): another client asking
//! for its id hears that no such task exists. Ended tasks are forgotten `task_ttl_secs`
//! after they were made; the work itself is bounded by the run's timeout and the approvals'.

use std::sync::Arc;

use rmcp::model::{
    CreateTaskResult, DetailedTask, ErrorData, GetTaskResult, JsonObject, Task, TaskPayload,
    TaskStatus,
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::call;
use super::caller::{CallOutcome, Caller};
use super::listing::{Kind, Listed};
use super::progress::Progress;
use super::shared::ServerState;
use crate::model::TaskUse;
use crate::model::admission::{Admission, Asker, admission};
use crate::model::tasks::{NewTask, TaskChange, TaskRow, TaskState};
use crate::proc_stat::ProcessId;
use crate::workbench::registry::{JobId, Registered};

/// Tasks of one server not yet ended; a call beyond them is refused, not queued without end.
const OPEN_AT_MOST: usize = 1024;
/// What clients are told to wait between two `tasks/get`.
const POLL_INTERVAL_MS: u64 = 500;

/// How a call is answered.
pub(crate) enum Dispatch {
    /// Answered in the response to `tools/call`.
    Now,
    /// Answered with a task.
    Task,
}

/// Whether the call of `listed` is answered with a task, for a client that takes tasks or
/// not. A tool that requires tasks refuses a client that does not take them.
pub(crate) async fn dispatch(
    shared: &Arc<ServerState>,
    listed: &Listed,
    client_takes_tasks: bool,
) -> Result<Dispatch, ErrorData> {
    let required = listed
        .entry
        .manifest
        .as_ref()
        .is_some_and(|m| m.mcp.task == Some(TaskUse::Required));
    if required && !client_takes_tasks {
        return Err(ErrorData::missing_required_client_capability(
            rmcp::model::ClientCapabilities::builder()
                .enable_tasks()
                .build(),
        ));
    }
    if !client_takes_tasks {
        return Ok(Dispatch::Now);
    }
    if required || may_be_long(shared, listed).await {
        return Ok(Dispatch::Task);
    }
    Ok(Dispatch::Now)
}

/// The call may last: it waits for a human, launches a service, or its tool may run long.
async fn may_be_long(shared: &Arc<ServerState>, listed: &Listed) -> bool {
    let config = shared.workbench().config();
    if let Admission::Confirm(_) = admission(&listed.entry, &config.run_policy(), Asker::Agent) {
        return true;
    }
    if listed.kind == Kind::Service {
        return !super::service_call::runs(shared, &listed.entry.name)
            .await
            .unwrap_or(false);
    }
    let after = config.mcp_tasks.after_secs;
    let timeout = listed
        .entry
        .manifest
        .as_ref()
        .map_or(crate::model::RunSpec::DEFAULT_TIMEOUT_SECS, |m| {
            m.run.timeout_secs
        });
    if timeout > after {
        return true;
    }
    let name = listed.entry.name.clone();
    let median_ms = shared
        .read(move |workbench| workbench.stats_of(&name))
        .await
        .ok()
        .flatten()
        .and_then(|stats| stats.median_ms);
    median_ms.is_some_and(|ms| ms > after * 1000 / 3)
}

/// Makes the task, starts its work, and answers with it.
pub(crate) async fn start(
    shared: &Arc<ServerState>,
    listed: Arc<Listed>,
    arguments: Option<JsonObject>,
    client: String,
) -> Result<CreateTaskResult, ErrorData> {
    if shared.open_tasks() >= OPEN_AT_MOST {
        return Err(ErrorData::internal_error(
            format!(
                "{OPEN_AT_MOST} tasks of this server are open; wait for one to end or cancel one"
            ),
            None,
        ));
    }
    let ttl_ms = shared.workbench().config().mcp_tasks.ttl_secs * 1000;
    let me = shared.tasks.me();
    let task = NewTask {
        id: new_id().map_err(|e| internal(&e))?,
        client: client.clone(),
        tool: listed.entry.name.clone(),
        created_at: crate::clock::now_rfc3339(),
        expires_ms: now_ms() + ttl_ms as i64,
        ttl_ms,
        server_pid: me.pid,
        server_start: me.start_ticks,
    };
    let id = task.id.clone();
    shared
        .change_task(TaskChange::Open(task.clone()))
        .await
        .map_err(|e| internal(&e))?;
    let cancel = CancellationToken::new();
    let registered = shared.serving.jobs().register(JobId::Task(id.clone()), {
        let cancel = cancel.clone();
        move || cancel.cancel()
    });
    let caller = Caller {
        client,
        cancel,
        progress: Progress::task(Arc::clone(shared), id.clone()),
        task: Some(id.clone()),
    };
    if shared.tasks.start_following() {
        tokio::spawn(
            shared
                .serving
                .cancel_tasks_asked_elsewhere(shared.tasks.me()),
        );
    }
    tokio::spawn(work(
        Arc::clone(shared),
        listed,
        arguments,
        caller,
        registered,
    ));
    let row = TaskRow {
        id,
        client: task.client,
        tool: task.tool,
        state: TaskState::Working,
        message: None,
        created_at: task.created_at.clone(),
        updated_at: task.created_at,
        expires_ms: task.expires_ms,
        ttl_ms,
        result: None,
        error: None,
        cancel_requested: false,
        server_pid: task.server_pid,
        server_start: task.server_start,
    };
    Ok(CreateTaskResult::new(wire_task(&row)))
}

/// The task's work: the call as any other, then its end written to the store. The task
/// leaves the server's jobs as `registered` is dropped, at the end.
async fn work(
    shared: Arc<ServerState>,
    listed: Arc<Listed>,
    arguments: Option<JsonObject>,
    mut caller: Caller,
    registered: Registered,
) {
    let _in_flight = shared.call_started();
    let id = caller.task.clone().unwrap_or_default();
    let cancel = caller.cancel.clone();
    let answer = match shared.tasks.slot().await {
        Ok(_slot) => call::call_tool(Arc::clone(&shared), listed, arguments, &mut caller).await,
        Err(_) => CallOutcome::broken(
            super::reply::refusal("the server is stopping".into()),
            "the server is stopping".into(),
        ),
    };
    let (state, outcome) = if cancel.is_cancelled() {
        (TaskState::Cancelled, None)
    } else {
        match answer.broken {
            Some(why) => (TaskState::Failed, Some(failure(why))),
            None => (
                TaskState::Completed,
                serde_json::to_value(&answer.result).ok(),
            ),
        }
    };
    // A store that refuses the end leaves the task open until this server stops: it then
    // reads as failed (`owned`).
    let end = TaskChange::End {
        id: id.clone(),
        state,
        outcome,
    };
    let _ = shared.change_task(end).await;
    drop(registered);
}

/// `tasks/get`: the task as it stands, with its result or error once ended.
pub(crate) async fn get(
    shared: &Arc<ServerState>,
    id: &str,
    client: &str,
) -> Result<GetTaskResult, ErrorData> {
    let row = owned(shared, id, client).await?;
    Ok(GetTaskResult::new(detailed(&row)))
}

/// `tasks/cancel`: the work stops (the run is killed, the waiting call withdrawn) and the
/// task ends as cancelled. A task that ended already stays as it ended.
pub(crate) async fn cancel(
    shared: &Arc<ServerState>,
    id: &str,
    client: &str,
) -> Result<(), ErrorData> {
    let row = owned(shared, id, client).await?;
    if row.state.is_terminal() {
        return Ok(());
    }
    let ask = TaskChange::AskCancel { id: row.id.clone() };
    shared.change_task(ask).await.map_err(|e| internal(&e))?;
    shared.serving.jobs().cancel(&JobId::Task(row.id));
    Ok(())
}

/// Task `id` of `client`, as the store holds it; any other client's, an expired one and an
/// unknown one are the same unknown task. An open task whose server died ends as failed.
async fn owned(shared: &Arc<ServerState>, id: &str, client: &str) -> Result<TaskRow, ErrorData> {
    let unknown = || ErrorData::invalid_params(format!("unknown task {id:?}"), None);
    if id.len() > MAX_ID_BYTES {
        return Err(unknown());
    }
    let look = id.to_string();
    let now = now_ms();
    // Forgetting is a write: done now and then, not on every poll. An ended task past its
    // time to live reads as unknown meanwhile.
    if shared.tasks.sweep_due(now) {
        let forget = TaskChange::ForgetExpired { now_ms: now };
        shared.change_task(forget).await.map_err(|e| internal(&e))?;
    }
    let again = look.clone();
    let row = shared
        .read(move |workbench| workbench.task(&look))
        .await
        .map_err(|e| internal(&e))?
        .filter(|row| !(row.state.is_terminal() && row.expires_ms <= now));
    let row = match row {
        Some(row) if !row.state.is_terminal() && !server_lives(&row) => {
            let end = TaskChange::End {
                id: row.id.clone(),
                state: TaskState::Failed,
                outcome: Some(failure(format!(
                    "the server running the task (pid {}) stopped",
                    row.server_pid
                ))),
            };
            shared.change_task(end).await.map_err(|e| internal(&e))?;
            shared
                .read(move |workbench| workbench.task(&again))
                .await
                .map_err(|e| internal(&e))?
        }
        row => row,
    };
    row.filter(|row| row.client == client).ok_or_else(unknown)
}

fn server_lives(row: &TaskRow) -> bool {
    ProcessId {
        pid: row.server_pid,
        start_ticks: row.server_start,
    }
    .is_alive()
}

/// The longest task id looked up; ours are 32 characters.
const MAX_ID_BYTES: usize = 64;

fn wire_task(row: &TaskRow) -> Task {
    let mut task = Task::new(
        row.id.clone(),
        status_of(row.state),
        row.created_at.clone(),
        row.updated_at.clone(),
    )
    .with_ttl_ms(row.ttl_ms)
    .with_poll_interval_ms(POLL_INTERVAL_MS);
    task.status_message = row.message.clone();
    task
}

fn status_of(state: TaskState) -> TaskStatus {
    match state {
        TaskState::Working => TaskStatus::Working,
        TaskState::InputRequired => TaskStatus::InputRequired,
        TaskState::Completed => TaskStatus::Completed,
        TaskState::Failed => TaskStatus::Failed,
        TaskState::Cancelled => TaskStatus::Cancelled,
    }
}

fn detailed(row: &TaskRow) -> DetailedTask {
    let object = |value: &Option<Value>| match value {
        Some(Value::Object(object)) => object.clone(),
        _ => JsonObject::new(),
    };
    let payload = match row.state {
        TaskState::Working => TaskPayload::Working,
        // toolbench asks its own human, not the client: nothing for the client to answer.
        TaskState::InputRequired => TaskPayload::InputRequired {
            input_requests: Default::default(),
        },
        TaskState::Completed => TaskPayload::Completed {
            result: object(&row.result),
        },
        TaskState::Failed => TaskPayload::Failed {
            error: object(&row.error),
        },
        TaskState::Cancelled => TaskPayload::Cancelled,
    };
    DetailedTask::new(wire_task(row), payload)
}

/// 128 random bits, in hex.
fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(crate::text::hex(&bytes))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The JSON-RPC error a failed task carries: toolbench got no answer from the tool.
fn failure(message: String) -> Value {
    json!({"code": ErrorData::internal_error("", None).code.0, "message": message})
}

fn internal(e: &(dyn std::error::Error + 'static)) -> ErrorData {
    ErrorData::internal_error(crate::error_chain::one_line(e), None)
}
