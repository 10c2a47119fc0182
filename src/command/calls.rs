//! A person's answers to agents' calls that wait for them, and the revocation of the rules
//! such answers made.

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use crate::approvals::{Binding, CallDecision, SeenCall};

/// Answers the pending call `id` as the context's reviewer; `seen` binds the answer to the
/// call as the person saw it (the workbench), `None` to the id alone (the command line).
pub(super) async fn answer(
    ctx: &Context,
    id: i64,
    decision: CallDecision,
    seen: Option<SeenCall>,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let binding = Binding {
            seen: seen.as_ref(),
            root: &ctx.review.root,
            limits: ctx.review.scan_limits,
        };
        let store = ctx.store.get()?;
        let call =
            crate::approvals::answer(&mut store.lock(), id, decision, &ctx.review.who, binding)?;
        Ok(Applied::CallAnswered(Box::new(call)))
    })
    .await
}

pub(super) async fn revoke(ctx: &Context, id: i64) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let rule = crate::approvals::revoke(&mut store.lock(), id, &ctx.review.who)?;
        Ok(Applied::RuleRevoked(Box::new(rule)))
    })
    .await
}
