//! What agents write and ask for over MCP: a proposal lands in `experimental/` as a
//! candidate (or is found where it already is), a tool request is stored for a person's
//! answer. Both wait for a person; neither runs anything.

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use crate::model::proposals::Proposal;
use crate::model::requests::ToolRequest;
use crate::model::{ToolId, is_valid_name};
use crate::review::{propose, requests};

/// Writes `proposal` as `client`'s, once it passes every check of `propose::propose`.
pub(super) async fn propose(
    ctx: &Context,
    proposal: Proposal,
    client: String,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let root = ctx.review.root();
        let landed = propose::propose(root, &proposal, &client, &store, ctx.proposal_limits)?;
        Ok(Applied::Proposed(landed))
    })
    .await
}

/// Stores `request` as `client`'s, pending. A name active in `core/` is refused: the
/// front end's catalog says which are, else the tool's usual folder.
pub(super) async fn request(
    ctx: &Context,
    request: ToolRequest,
    client: String,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let looked_up = match &ctx.catalog {
            Some(_) => None,
            // Only a valid name is looked up: the lookup joins it to a tier's path.
            None => is_valid_name(&request.name)
                .then(|| {
                    crate::lookup::active_in_usual_folder(
                        ctx.review.root(),
                        ctx.review.scan_limits(),
                        &ToolId::named(&request.name),
                    )
                })
                .flatten(),
        };
        let active = match &ctx.catalog {
            Some(catalog) => catalog.entries(),
            None => looked_up.as_slice(),
        };
        let store = ctx.store.get()?;
        let row = requests::ask(&mut store.lock(), &request, &client, active)?;
        Ok(Applied::Requested(Box::new(row)))
    })
    .await
}
