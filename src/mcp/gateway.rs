//! The MCP server handler: the listing, the calls, toolbench's own tools, and the peers told
//! when the listing changes. One `ServerState` (`shared.rs`) per process; a handler per session
//! holds it.

use std::sync::Arc;

use rmcp::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ErrorData,
    GetTaskParams, GetTaskResult, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, SubscriptionFilter, UpdateTaskParams,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer, SubscriptionContext};
use tokio::sync::{broadcast, watch};

use super::caller::Caller;
use super::reply::client_name;
use super::shared::ServerState;
use super::tasks::{self, Dispatch};
use super::{agent_tools, call};

/// One session's handler.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) shared: Arc<ServerState>,
    /// Dropped with the session's handler, which ends the tasks the session started.
    session: Arc<watch::Sender<()>>,
}

impl Gateway {
    /// A handler for a new session.
    pub fn new(shared: Arc<ServerState>) -> Self {
        Self {
            shared,
            session: Arc::new(watch::Sender::new(())),
        }
    }
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_tasks()
                .build(),
        )
        .with_server_info(Implementation::new("toolbench", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let listing = self.shared.listing();
        let tools = agent_tools::definitions()
            .into_iter()
            .chain(listing.definitions().cloned())
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let _in_flight = self.shared.call_started();
        let name = request.name.as_ref();
        let result: CallToolResult = if agent_tools::is_own(name) {
            agent_tools::call(&self.shared, name, request.arguments, &context).await
        } else {
            let listing = self.shared.listing();
            let relisted = match listing.unlisted.get(name) {
                Some(why) => match self.shared.relisted(name).await {
                    Some(Ok(listed)) => Some(listed),
                    Some(Err(now)) => return Ok(super::reply::refusal(now).into()),
                    None => return Ok(super::reply::refusal(why.clone()).into()),
                },
                // Not listed at all: maybe made active a moment ago, in another process.
                None if !listing.tools.contains_key(name) => {
                    match self.shared.relisted(name).await {
                        Some(Ok(listed)) => Some(listed),
                        Some(Err(now)) => return Ok(super::reply::refusal(now).into()),
                        None => None,
                    }
                }
                None => None,
            };
            let Some(listed) = relisted.or_else(|| listing.tools.get(name).cloned()) else {
                return Err(ErrorData::invalid_params(
                    format!(
                        "unknown tool {name:?}: it is not an approved or core tool of this workspace (see tools/list)"
                    ),
                    None,
                ));
            };
            let takes_tasks = context
                .client_capabilities()
                .is_some_and(|caps| caps.supports_tasks());
            if let Dispatch::Task = tasks::dispatch(&self.shared, &listed, takes_tasks).await? {
                let client = client_name(&context);
                let task = tasks::start(&self.shared, listed, request.arguments, client).await?;
                return Ok(CallToolResponse::Task(task));
            }
            let mut caller = Caller::of_request(&context);
            call::call_tool(
                Arc::clone(&self.shared),
                listed,
                request.arguments,
                &mut caller,
            )
            .await
            .result
        };
        Ok(result.into())
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, ErrorData> {
        tasks::get(&self.shared, &request.task_id, &client_name(&context)).await
    }

    /// toolbench never asks the client for input (its waits are for its own human), so there
    /// is nothing to take: a known task's update is acknowledged and changes nothing.
    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        tasks::get(&self.shared, &request.task_id, &client_name(&context))
            .await
            .map(drop)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        tasks::cancel(&self.shared, &request.task_id, &client_name(&context)).await
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        // Clients of the protocol versions before subscriptions hear of changes unasked.
        let peer = context.peer;
        let mut changed = self.shared.changed.subscribe();
        let mut session = self.session.subscribe();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    // The session ended: without this the task would wait for the next change,
                    // and every closed session would leave one behind until then.
                    _ = session.changed() => return,
                    received = changed.recv() => {
                        // A lagging receiver missed changes, which one notification covers.
                        if matches!(received, Err(broadcast::error::RecvError::Closed))
                            || peer.notify_tool_list_changed().await.is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
    }

    /// Every filter is acknowledged with what toolbench sends of it: the tool list's changes
    /// when asked for, else nothing (a stream for prompts or resources only stays quiet; it is
    /// not refused, and never hears of tools).
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let mut accepted = SubscriptionFilter::new();
        if requested.tools_list_changed == Some(true) {
            accepted.tools_list_changed = Some(true);
        }
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        if context.accepted().tools_list_changed != Some(true) {
            context.cancelled().await;
            return Ok(());
        }
        let mut changed = self.shared.changed.subscribe();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                received = changed.recv() => {
                    if matches!(received, Err(broadcast::error::RecvError::Closed)) {
                        return Ok(());
                    }
                    if context.sink().notify_tool_list_changed().await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

const INSTRUCTIONS: &str = "toolbench serves the tools a human approved in this workspace. \
Each call runs in a sandbox and is recorded. To add a tool, call toolbench_propose_tool with \
its tool.toml and files: it waits for a human's review, and toolbench_review_status tells \
how it went. Report a tool that misbehaved with toolbench_report_failure.";
