//! `tools/call` of a service: one exchange with the instance named after the tool, launched on
//! demand, and stored as every `tools send` is.

use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use super::call::refusal;
use super::shared::Shared;
use crate::model::ToolEntry;
use crate::services::{ServiceError, Services, reconcile};
use crate::store::SharedStore;
use crate::store::services::InstanceState;

/// Sends the call's `message` and `context` to the service `entry` and answers with its reply;
/// a launch or exchange that fails is a tool error with the reason.
pub async fn exchange(shared: &Arc<Shared>, entry: ToolEntry, arguments: &Value) -> CallToolResult {
    let message = arguments
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let context = arguments
        .get("context")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let services = shared.workbench.services();
    let name = entry.name.clone();
    // Launch waits for the health check and the exchange for the answer: both block.
    let store = shared.store().clone();
    let sent =
        tokio::task::spawn_blocking(move || send(&services, &store, &entry, &message, &context))
            .await;
    match sent {
        Ok(Ok(answer)) => CallToolResult::success(vec![ContentBlock::text(answer)]),
        Ok(Err(e)) => refusal(format!("{name}: {e}")),
        Err(e) => refusal(format!("{name}: the exchange ended abnormally: {e}")),
    }
}

/// The tool's own instance (named after it) is launched unless it runs, then sent to.
fn send(
    services: &Services,
    store: &SharedStore,
    entry: &ToolEntry,
    message: &str,
    context: &Value,
) -> Result<String, ServiceError> {
    let instance = entry.name.as_str();
    if !runs(store, instance)?
        && let Err(e) = services.launch(store, entry, instance)
        // A call alongside this one may have launched it meanwhile.
        && !runs(store, instance)?
    {
        return Err(e);
    }
    Ok(services.send(store, instance, message, context)?.answer)
}

/// The instance `name` of the tool `name` is recorded as running and its process lives.
fn runs(store: &SharedStore, name: &str) -> Result<bool, ServiceError> {
    Ok(store.lock().instance(name)?.is_some_and(|row| {
        row.tool == name
            && row.state != InstanceState::Stopped
            && reconcile::why_dead(&row).is_none()
    }))
}
