//! `tools/call` of a service: one exchange with the instance named after the tool, launched on
//! demand, and stored as every `tools send` is.

use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use super::reply::refusal;
use super::shared::ServerState;
use crate::command::{Applied, Command, CommandError};
use crate::model::{ToolEntry, ToolId};

/// Sends the call's `message` and `context` to the service `entry` and answers with its reply;
/// a launch or exchange that fails is a tool error with the reason.
pub(crate) async fn exchange(
    shared: &Arc<ServerState>,
    entry: ToolEntry,
    arguments: &Value,
) -> CallToolResult {
    let message = arguments
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let context = arguments
        .get("context")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let name = entry.name.clone();
    match send(shared, &entry, message, context).await {
        Ok(answer) => CallToolResult::success(vec![ContentBlock::text(answer)]),
        Err(e) => refusal(format!("{name}: {}", crate::error_chain::one_line(&e))),
    }
}

/// The tool's own instance (named after it) is launched unless it runs, then sent to. The
/// call was cleared already (`approval::clearance`): the launch goes as confirmed.
async fn send(
    shared: &Arc<ServerState>,
    entry: &ToolEntry,
    message: String,
    context: Value,
) -> Result<String, CommandError> {
    let instance = entry.name.clone();
    if !runs(shared, &instance).await? {
        let launch = Command::Launch {
            tool: ToolId::content_of(entry).to_string(),
            instance: instance.clone(),
            confirmed: true,
        };
        // A call alongside this one may have launched it meanwhile.
        if let Err(e) = shared.apply(None, launch).await
            && !runs(shared, &instance).await?
        {
            return Err(e);
        }
    }
    let command = Command::Send {
        instance,
        message,
        context,
    };
    match shared.apply(None, command).await? {
        Applied::Sent(sent) => Ok(sent.answer),
        _ => Err(CommandError::Stopped("the exchange gave no answer".into())),
    }
}

/// The instance `name` of the tool `name` is recorded as running and its process lives.
pub(super) async fn runs(shared: &Arc<ServerState>, name: &str) -> Result<bool, CommandError> {
    let instance = name.to_string();
    let row = shared
        .read(move |workbench| workbench.live_instance(&instance))
        .await?;
    Ok(row.is_some_and(|row| row.tool == name))
}
