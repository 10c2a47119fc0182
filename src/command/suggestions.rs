//! A person's answers to what the run history suggests: dismissing one with a reason, and
//! accepting one, which for an evolve suggestion is the evolve decision itself.

use super::applied::{Applied, SuggestionAnswered};
use super::context::{Context, blocking};
use super::decide::decide;
use super::error::CommandError;
use crate::model::ToolId;
use crate::model::review_command::ReviewCommand;
use crate::review::Outcome;
use crate::suggest::answer::{self, Accepted};

pub(super) async fn dismiss(
    ctx: &Context,
    id: i64,
    reason: String,
) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let said = answer::dismiss(&mut store.lock(), id, &ctx.review.who, &reason)?;
        Ok(answered(said, None))
    })
    .await
}

/// Accepts suggestion `id`; an evolve suggestion is accepted once its candidate exists.
pub(super) async fn accept(ctx: &Context, id: i64) -> Result<Applied, CommandError> {
    let accepted = {
        let ctx = ctx.clone();
        blocking(move || {
            let store = ctx.store.get()?;
            Ok(answer::accept(&mut store.lock(), id, &ctx.review.who)?)
        })
        .await?
    };
    let (tool, hint) = match accepted {
        Accepted::Done(said) => return Ok(answered(said, None)),
        Accepted::Evolve { tool, hint } => (tool, hint),
    };
    let tool: ToolId = tool.parse()?;
    let evolve = ReviewCommand::Evolve { hint, with: None };
    let Applied::Decided(outcome) = decide(ctx, tool, evolve).await? else {
        return Err(CommandError::Stopped("the evolve gave no decision".into()));
    };
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        answer::evolved(&mut store.lock(), id, &ctx.review.who)?;
        let said = format!("suggestion #{id} accepted: its evolved candidate waits in Review");
        Ok(answered(said, Some(outcome)))
    })
    .await
}

fn answered(said: String, decided: Option<Outcome>) -> Applied {
    Applied::SuggestionAnswered(Box::new(SuggestionAnswered { said, decided }))
}
