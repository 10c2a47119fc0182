//! A review decision taken through the door: on a pool thread of its own, with the store
//! taken only around its store steps (`review::apply_reporting`).

use super::applied::Applied;
use super::context::{Context, stopped};
use super::error::CommandError;
use crate::model::ToolId;
use crate::model::review_command::ReviewCommand;

/// A review decision on `tool`.
pub(super) async fn decide(
    ctx: &Context,
    tool: ToolId,
    decision: ReviewCommand,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    // A decision may validate or evolve the tool, which drive a runtime of their own: only a
    // thread outside every runtime may, so it always gets a pool thread.
    tokio::task::spawn_blocking(move || {
        let progress = |step| {
            if let Some(progress) = &ctx.progress {
                progress(step);
            }
        };
        let store = ctx.store.get()?;
        crate::review::apply_reporting(&ctx.review, &store, &tool, &decision, &progress)
            .map(Applied::Decided)
            .map_err(CommandError::from)
    })
    .await
    .unwrap_or_else(|e| Err(stopped(e)))
}
