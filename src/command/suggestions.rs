//! What the run history suggests: the detectors' findings recorded, and a person's answers,
//! dismissing one with a reason or accepting one, which for an evolve suggestion is the
//! evolve decision itself.

use super::applied::{Applied, SuggestionAnswered};
use super::context::{Context, blocking};
use super::decide::decide;
use super::error::CommandError;
use crate::model::decided::Outcome;
use crate::model::review_command::ReviewCommand;
use crate::model::{ToolEntry, ToolId};
use crate::store::Store;
use crate::suggest::answer::{self, Accepted};

/// Runs the detectors through a reader of their own (a history of a million runs takes a few
/// hundred milliseconds, during which runs keep being recorded), then records what they found
/// through the writer. The active tools are the front end's catalog's, else scanned.
pub(super) async fn refresh(ctx: &Context) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let root = ctx.review.root();
        let store = ctx.store.get()?;
        let is_active = |e: &ToolEntry| e.tier.is_active() && e.error.is_none();
        let active: Vec<ToolEntry> = match &ctx.catalog {
            Some(catalog) => catalog
                .entries()
                .iter()
                .filter(|e| is_active(e))
                .cloned()
                .collect(),
            None => {
                let scanned =
                    crate::lookup::scan_all(root, ctx.review.scan_limits(), &mut store.lock());
                scanned.into_iter().filter(is_active).collect()
            }
        };
        let now = std::time::SystemTime::now();
        let settings = crate::suggest::Settings::default();
        let reader = Store::open_reader(root)?;
        let found = crate::suggest::detect(root, &reader, &active, now, &settings)?;
        let store = &mut store.lock();
        crate::suggest::record(store, &found, &active, now)?;
        Ok(Applied::SuggestionsRefreshed(store.suggestions(false)?))
    })
    .await
}

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
