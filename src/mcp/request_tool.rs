//! `toolbench_request_tool`: an agent asks a human for a tool before writing it. The request
//! waits in the Review pane and in `toolbench review`; the answer comes back through
//! `toolbench_review_status`.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Value, json};

use super::shared::ServerState;
use crate::command::{Applied, Command};
use crate::model::requests::{MAX_REQUEST_FIELD_BYTES, ToolRequest};
use crate::text::human_size;

pub(crate) const REQUEST: &str = "toolbench_request_tool";

pub(crate) fn definition() -> Tool {
    let bound = human_size(MAX_REQUEST_FIELD_BYTES as u64);
    let schema = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "The tool's name: lowercase letters, digits, `_` and `-`"},
            "description": {"type": "string", "description": format!("What the tool does (at most {bound})")},
            "inputs": {
                "type": ["object", "string"],
                "description": format!("What it takes: a JSON schema object, or a prose list (at most {bound} as JSON)")
            },
            "outputs": {
                "type": ["object", "string"],
                "description": format!("What it gives back: a JSON schema object, or a prose list (at most {bound} as JSON)")
            },
            "rationale": {"type": "string", "description": format!("Why it is needed; the human weighs this (at most {bound})")}
        },
        "required": ["name", "description", "inputs", "rationale"],
        "additionalProperties": false
    });
    let Value::Object(schema) = schema else {
        unreachable!("the schema above is an object")
    };
    Tool::new_with_raw(
        REQUEST,
        Some("Ask a human for a tool before writing it. The request waits for review; call toolbench_review_status for the answer: request_approved (write it and propose it with toolbench_propose_tool under this name), request_rejected (do not; the reason says why) or changes_requested (the feedback says what to change).".into()),
        Arc::new(schema),
    )
    .with_title("Request a tool")
    .with_annotations(
        ToolAnnotations::new()
            .read_only(false)
            .destructive(false)
            .idempotent(false)
            .open_world(false),
    )
}

/// Stores the request for `client`; the arguments were checked against the schema above.
pub(crate) async fn request_tool(
    shared: &Arc<ServerState>,
    arguments: &Value,
    client: String,
) -> Result<Value, super::reply::OwnToolError> {
    let text = |field: &str| {
        arguments
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let request = ToolRequest {
        name: text("name"),
        description: text("description"),
        inputs: arguments.get("inputs").cloned().unwrap_or(Value::Null),
        outputs: arguments.get("outputs").cloned(),
        rationale: text("rationale"),
    };
    let command = Command::RequestTool {
        request,
        client: client.clone(),
    };
    let Applied::Requested(row) = shared.apply(Some(client), command).await? else {
        return Err(super::reply::OwnToolError::Unanswered);
    };
    Ok(json!({
        "request_id": row.id,
        "name": row.name,
        "state": row.state.agent_name(),
        "next": "A human answers it in toolbench; call toolbench_review_status to see the answer before writing the tool.",
    }))
}
