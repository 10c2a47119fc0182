//! The service commands: launch an instance (past the one cost gate), stop it, send it a
//! message. Each blocks (a launch waits for the health check), so it runs off the async
//! workers.

use serde_json::Value;

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use super::gate::check_gate;
use crate::model::RunOrigin;
use crate::model::admission::Asker;
use crate::model::service_definition::Definition;
use crate::services::ServiceError;
use crate::services::define;

/// Launches `instance` of the service `tool` once the gate lets it: a person's confirmation
/// stands for the cost tier that asks for it, as for a run.
pub(super) async fn launch(
    ctx: &Context,
    tool: String,
    instance: String,
    confirmed: bool,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let entry = ctx.services().find_service(&store, &tool)?;
        check_gate(&entry, &ctx.run_policy, asker(&ctx), confirmed)?;
        // An agent is told that a person must review it, never how to approve it.
        if ctx.origin == RunOrigin::Mcp
            && let Err(sealed) = crate::seal::check(ctx.review.root(), &entry)
        {
            return Err(CommandError::AwaitsReview {
                tool: entry.id(),
                why: sealed.for_agent(),
            });
        }
        let launched =
            ctx.services()
                .launch(&store, &entry, &instance, &ctx.review.confinement())?;
        Ok(Applied::Launched(Box::new(launched)))
    })
    .await
}

pub(super) async fn stop(ctx: &Context, instance: String) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        Ok(Applied::Stopped(ctx.services().stop(&store, &instance)?))
    })
    .await
}

pub(super) async fn send(
    ctx: &Context,
    instance: String,
    message: String,
    context: Value,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let confinement = &ctx.review.confinement();
        let sent = ctx
            .services()
            .send(&store, &instance, &message, &context, confinement);
        // After the answer: a failed exchange was recorded too.
        store.lock().trim_log();
        Ok(Applied::Sent(Box::new(sent?)))
    })
    .await
}

/// Writes `definition` (sealed, in `core/`), once every rule of `define::write` holds.
pub(super) async fn define(ctx: &Context, definition: Definition) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let root = ctx.review.root();
        let store = ctx.store.get()?;
        let name = definition.name.clone();
        let updated = define::existing(root, &name)?.is_some();
        if !updated {
            let limits = ctx.review.scan_limits();
            let named = crate::lookup::known_named(root, limits, &mut store.lock(), &name);
            define::refuse_shadowing(&name, &named)?;
        }
        // An update supersedes the version an instance runs: as for an archive, none may.
        let may_update = || {
            let entry = ctx.services().find_service(&store, &name)?;
            crate::review::refuse_running("update", &mut store.lock(), &entry)
                .map_err(|e| ServiceError::Refused(e.to_string()))
        };
        let path = define::write(root, &ctx.review.confinement(), definition, may_update)?;
        Ok(Applied::ServiceDefined { path, updated })
    })
    .await
}

/// What undefining `name` needs before its archive: an active service with no instance
/// running (archiving would leave the instance without its definition).
pub(super) async fn check_undefinable(ctx: &Context, name: String) -> Result<(), CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let entry = ctx.services().find_service(&store, &name)?;
        if !entry.tier.is_active() {
            return Err(ServiceError::Refused(format!(
                "{name}: no active service of that name ({} is in {}/)",
                entry.id(),
                entry.tier.dir_name()
            ))
            .into());
        }
        Ok(())
    })
    .await
}

fn asker(ctx: &Context) -> Asker {
    match ctx.origin {
        RunOrigin::Mcp => Asker::Agent,
        _ => Asker::Person,
    }
}
