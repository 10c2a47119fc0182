//! Long MCP calls kept as tasks (the MCP Tasks extension): who asked, where the work stands,
//! and its result, in the store so that any process of the workspace can answer for them.

use serde_json::Value;

/// Where a task stands. Only `Working` and `InputRequired` ever change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Working,
    /// Waiting for a human's answer to the call (toolbench's approval, not the client's input).
    InputRequired,
    /// The call was answered: its result is kept, a tool error included.
    Completed,
    /// toolbench could not answer the call: its run crashed or could not be held.
    Failed,
    Cancelled,
}

impl TaskState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TaskState::Working => "working",
            TaskState::InputRequired => "input_required",
            TaskState::Completed => "completed",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// The state a stored spelling names; an unknown one reads as failed, which never changes.
    pub(crate) fn parse(text: &str) -> TaskState {
        match text {
            "working" => TaskState::Working,
            "input_required" => TaskState::InputRequired,
            "completed" => TaskState::Completed,
            "cancelled" => TaskState::Cancelled,
            _ => TaskState::Failed,
        }
    }

    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Completed | TaskState::Failed | TaskState::Cancelled
        )
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to an MCP task, as the server running it (or a client cancelling it) asks.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskChange {
    /// A new task, working.
    Open(NewTask),
    /// What the work is doing now, or why it waits; a task that ended keeps its end.
    Report {
        id: String,
        state: TaskState,
        message: String,
    },
    /// The task ended: its result (`CallToolResult`) once completed, its JSON-RPC error once
    /// failed.
    End {
        id: String,
        state: TaskState,
        outcome: Option<Value>,
    },
    /// A client asks to cancel it; the server running it stops the work.
    AskCancel { id: String },
    /// Ended tasks past their time to live (`now_ms`) are forgotten.
    ForgetExpired { now_ms: i64 },
}

/// A task as the server that runs it writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// Random and long: knowing it is what lets a client read the task.
    pub(crate) id: String,
    /// The client that asked; no other client reads it.
    pub(crate) client: String,
    pub(crate) tool: String,
    pub(crate) created_at: String,
    /// When the task and its result may be forgotten, in milliseconds since the epoch.
    pub(crate) expires_ms: i64,
    pub(crate) ttl_ms: u64,
    /// The server running it, told apart from a later process with its pid.
    pub(crate) server_pid: u32,
    pub(crate) server_start: u64,
}

/// One task, as any process reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TaskRow {
    pub(crate) id: String,
    pub(crate) client: String,
    pub(crate) tool: String,
    pub(crate) state: TaskState,
    /// What the work is doing now, or why it waits.
    pub(crate) message: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) expires_ms: i64,
    pub(crate) ttl_ms: u64,
    /// The call's result (`CallToolResult`) once completed.
    pub(crate) result: Option<Value>,
    /// The JSON-RPC error (`code`, `message`) once failed.
    pub(crate) error: Option<Value>,
    /// A client asked to cancel it; the server running it stops the work.
    pub(crate) cancel_requested: bool,
    pub(crate) server_pid: u32,
    pub(crate) server_start: u64,
}
