//! Agents' calls that wait for a person: held (or let through by an approval rule), answered
//! by a person, ended by toolbench when no answer came; and the revocation of the rules such
//! answers made.

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use crate::approvals::Binding;
use crate::model::calls::decision::{CallDecision, SeenCall};
use crate::model::calls::{Answer, CallState, NewCall};

/// Records `call` as waiting for a person, unless an approval rule for its content matches its
/// arguments: then it is approved at once, kept in the history as that rule's answer. With
/// signatures required, a rule counts only as a signed review of it.
pub(super) async fn hold(ctx: &Context, call: NewCall) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let store = &mut store.lock();
        let mut rules = store.rules_for(&call.tool, &call.version, &call.content_hash)?;
        rules.retain(|rule| crate::signature::rule_holds(ctx.review.root(), rule));
        let by_rule =
            crate::model::calls::pattern::first_match(&rules, &call.arguments).map(|r| r.id);
        let id = store.insert_call(&call)?;
        if let Some(rule) = by_rule {
            let answer = Answer {
                state: CallState::Approved,
                who: format!("rule #{rule}"),
                at: call.requested_at.clone(),
                reason: None,
                arguments: None,
                rule: Some(rule),
            };
            store.answer_call(id, &answer)?;
        }
        Ok(Applied::CallHeld { id, by_rule })
    })
    .await
}

/// Ends waiting call `id` as toolbench itself, unless a person answered it first.
pub(super) async fn end(
    ctx: &Context,
    id: i64,
    state: CallState,
    reason: String,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let answer = Answer {
            state,
            who: "toolbench".into(),
            at: crate::clock::now_rfc3339(),
            reason: Some(reason),
            arguments: None,
            rule: None,
        };
        let store = ctx.store.get()?;
        let ended = store.lock().answer_call(id, &answer)?;
        Ok(Applied::CallEnded(ended))
    })
    .await
}

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
            root: ctx.review.root(),
            limits: ctx.review.scan_limits(),
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
