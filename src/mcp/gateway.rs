//! The MCP server handler: the listing, the calls, toolbench's own tools, and the peers told
//! when the listing changes. One `Shared` per process; a handler per session holds it.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rmcp::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, SubscriptionFilter,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer, SubscriptionContext};
use tokio::sync::{broadcast, watch};

use super::listing::Listing;
use super::{agent_tools, call};
use crate::catalog::scan::load_path;
use crate::config::Config;
use crate::jobs::validation::{
    VALIDATION_WORKERS, ValidationEvent, ValidationQueue, ValidationRequest,
};
use crate::model::ToolEntry;
use crate::runner::confine::Confinement;
use crate::store::{SharedStore, Store};

/// Everything the sessions of one server share.
pub struct Shared {
    pub root: PathBuf,
    pub config: Config,
    /// The toolbench binary, which is also the sandbox helper.
    pub exe: PathBuf,
    pub confinement: Confinement,
    /// Every tool of every tier, as last scanned or watched.
    pub entries: RwLock<Arc<Vec<ToolEntry>>>,
    pub listing: RwLock<Arc<Listing>>,
    /// The process's one writer to the state store.
    store: SharedStore,
    /// Proposals waiting for their validation, run by a fixed number of workers.
    validations: ValidationQueue,
    /// Fires when the listed tools or their definitions changed.
    pub changed: broadcast::Sender<()>,
    /// How many calls are being answered, so the server can let them end before it exits.
    in_flight: watch::Sender<usize>,
}

/// One call being answered; dropping it marks the call done.
pub struct InFlight(watch::Sender<usize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Shared {
    /// Starts the validation workers on `runtime`.
    pub fn new(
        runtime: &tokio::runtime::Handle,
        root: PathBuf,
        config: Config,
        exe: PathBuf,
        entries: Vec<ToolEntry>,
        store: Store,
    ) -> Self {
        let confinement = Confinement::new(&root, &config);
        let listing = Listing::of(&entries, &config);
        let store = SharedStore::new(store);
        let validations = ValidationQueue::start(
            runtime,
            VALIDATION_WORKERS,
            root.clone(),
            store.clone(),
            exe.clone(),
            log_validation,
        );
        Self {
            root,
            config,
            exe,
            confinement,
            entries: RwLock::new(Arc::new(entries)),
            listing: RwLock::new(Arc::new(listing)),
            store,
            validations,
            changed: broadcast::channel(16).0,
            in_flight: watch::Sender::new(0),
        }
    }

    /// The library's command context for a call of `client`: runs recorded through the one
    /// writer with origin `mcp`, validations against the catalog the server holds.
    pub fn commands(&self, client: Option<String>) -> crate::command::Context {
        let mut ctx = crate::command::Context::new(
            &self.root,
            &self.config,
            self.store.clone(),
            crate::model::RunOrigin::Mcp,
        );
        ctx.review.exe = self.exe.clone();
        ctx.confinement = self.confinement.clone();
        ctx.client = client;
        ctx.catalog = Some(Arc::new(crate::catalog::Catalog::from_shared(
            self.entries(),
        )));
        ctx
    }

    /// Counts a call as being answered until the guard is dropped.
    pub fn call_started(&self) -> InFlight {
        self.in_flight.send_modify(|n| *n += 1);
        InFlight(self.in_flight.clone())
    }

    /// Waits until no call is being answered. When a client goes away, the session cancels
    /// its calls; each still has to stop its run and record it as cancelled.
    pub async fn calls_ended(&self) {
        let mut count = self.in_flight.subscribe();
        let _ = count.wait_for(|n| *n == 0).await;
    }

    pub fn listing(&self) -> Arc<Listing> {
        self.listing
            .read()
            .map(|l| Arc::clone(&l))
            .unwrap_or_default()
    }

    pub fn entries(&self) -> Arc<Vec<ToolEntry>> {
        self.entries
            .read()
            .map(|e| Arc::clone(&e))
            .unwrap_or_default()
    }

    /// Takes a new catalog; tells the peers when what they see changed.
    pub fn replace_entries(&self, entries: Vec<ToolEntry>) {
        let listing = Listing::of(&entries, &self.config);
        let changed = !self.listing().same_as(&listing);
        if let Ok(mut slot) = self.entries.write() {
            *slot = Arc::new(entries);
        }
        if let Ok(mut slot) = self.listing.write() {
            *slot = Arc::new(listing);
        }
        if changed {
            let _ = self.changed.send(());
        }
    }

    /// The tool as it is on disk now: the folder the listing knows, read again.
    pub async fn fresh_entry(&self, listed: &ToolEntry) -> Result<ToolEntry, Moved> {
        let (root, tier, path, limits) = (
            self.root.clone(),
            listed.tier,
            listed.path.clone(),
            self.config.catalog,
        );
        let name = listed.name.clone();
        tokio::task::spawn_blocking(move || load_path(&root, tier, &path, limits))
            .await
            .ok()
            .flatten()
            .filter(|e| e.name == name)
            .ok_or(Moved(name))
    }

    /// Queues a proposal's validation, as the workbench does for every new candidate, so its
    /// verdict is ready when the human looks (and for `toolbench_review_status`).
    pub fn validate_later(self: &Arc<Self>, folder: PathBuf) {
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            let (root, limits) = (shared.root.clone(), shared.config.catalog);
            let entry = tokio::task::spawn_blocking(move || {
                load_path(&root, crate::model::Tier::Experimental, &folder, limits)
            })
            .await
            .ok()
            .flatten();
            let Some(entry) = entry else {
                eprintln!("toolbench mcp: validation: {}", LaterValidationError::Left);
                return;
            };
            shared.validations.push(ValidationRequest {
                entry,
                force: false,
                catalog: Arc::new(crate::catalog::Catalog::from_shared(shared.entries())),
            });
        });
    }

    /// Uses the store on a blocking thread; the one connection serves one caller at a time.
    pub async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> T {
        let shared = Arc::clone(self);
        let run = move || work(&mut shared.store.lock());
        match tokio::task::spawn_blocking(run).await {
            Ok(value) => value,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The process's one write connection, for work that takes it only as it stores.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }
}

/// A listed tool whose folder no longer holds it.
#[derive(Debug, thiserror::Error)]
#[error("{0}: the tool is no longer where it was listed; list the tools again")]
pub struct Moved(pub String);

/// Why a proposal was not validated in the background.
#[derive(Debug, thiserror::Error)]
pub enum LaterValidationError {
    #[error("the proposal left experimental/ before it was validated")]
    Left,
}

/// What the server does with a background validation's result: the verdict is stored
/// already (`toolbench_review_status` reads it); refusals and lost runs are logged.
fn log_validation(event: ValidationEvent) -> bool {
    match event {
        ValidationEvent::Validated { unstored, .. } => {
            for lost in unstored {
                eprintln!(
                    "toolbench mcp: validation of {}: a test case's run was not stored: {lost}",
                    lost.record.tool
                );
            }
        }
        ValidationEvent::Refused { error, .. } => {
            eprintln!(
                "toolbench mcp: validation: {}",
                crate::error_chain::one_line(&error)
            );
        }
    }
    true
}

/// One session's handler.
#[derive(Clone)]
pub struct Gateway {
    pub shared: Arc<Shared>,
    /// Dropped with the session's handler, which ends the tasks the session started.
    session: Arc<watch::Sender<()>>,
}

impl Gateway {
    /// A handler for a new session.
    pub fn new(shared: Arc<Shared>) -> Self {
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
            let Some(listed) = self.shared.listing().tools.get(name).cloned() else {
                return Err(ErrorData::invalid_params(
                    format!(
                        "unknown tool {name:?}: it is not an approved or core tool of this workspace (see tools/list)"
                    ),
                    None,
                ));
            };
            call::call_tool(Arc::clone(&self.shared), listed, request.arguments, context).await
        };
        Ok(result.into())
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

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        (requested.tools_list_changed == Some(true)).then(|| {
            let mut accepted = SubscriptionFilter::new();
            accepted.tools_list_changed = Some(true);
            accepted
        })
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
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
