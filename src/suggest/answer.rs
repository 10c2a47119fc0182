//! A person's answers to suggestions, the same from every front end: accept (a tool request
//! answered "write it", a watched request, a marked merge, or an evolve for the front end to
//! run as it runs every evolve) and dismiss (with a reason).

use serde_json::json;

use crate::model::requests::RequestState;
use crate::model::suggestions::{SuggestionKind, SuggestionRow, SuggestionState};
use crate::model::{MAX_NAME_BYTES, is_valid_name};
use crate::store::requests::{NewRequest, RequestAnswer};
use crate::store::suggestions::SuggestionAnswer;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no suggestion #{0} (see `toolbench suggest`)")]
    Unknown(i64),
    #[error("suggestion #{id} is stale: {tools} is no longer active")]
    Stale { id: i64, tools: String },
    #[error("suggestion #{id} was already {state} by {by} at {at}")]
    Decided {
        id: i64,
        state: &'static str,
        by: String,
        at: String,
    },
    #[error("suggestion #{0} was answered by someone else meanwhile")]
    Raced(i64),
    #[error("--reason: say why, so it is not asked again")]
    NoReason,
    #[error("suggestion #{id}: {name:?} is not a tool name; ask for the tool by hand")]
    NotAName { id: i64, name: String },
    #[error("suggestion #{id}: a request for {name} is already pending")]
    Pending { id: i64, name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What accepting a suggestion did, or left for the front end to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Accepted; the line says what happens next.
    Done(String),
    /// Evolve `tool` (`NAME@VERSION`) with `hint` the way the front end evolves any tool, then
    /// call [`evolved`].
    Evolve { tool: String, hint: String },
}

/// The suggestion `id`, which must still wait for a person's answer.
pub(crate) fn open(store: &Store, id: i64) -> Result<SuggestionRow, AnswerError> {
    let row = store.suggestion(id)?.ok_or(AnswerError::Unknown(id))?;
    match row.state {
        SuggestionState::New => Ok(row),
        SuggestionState::Stale => Err(AnswerError::Stale {
            id,
            tools: row.tools.join(" or "),
        }),
        decided => Err(AnswerError::Decided {
            id,
            state: decided.as_str(),
            by: row.decided_by.unwrap_or_else(|| "someone".into()),
            at: row.decided_at.unwrap_or_else(|| "an unknown time".into()),
        }),
    }
}

pub(crate) fn dismiss(
    store: &mut Store,
    id: i64,
    who: &str,
    reason: &str,
) -> Result<String, AnswerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AnswerError::NoReason);
    }
    let row = open(store, id)?;
    decide(
        store,
        &row,
        SuggestionAnswer {
            reason: Some(reason.to_string()),
            ..SuggestionAnswer::new(SuggestionState::Dismissed, who.to_string())
        },
    )?;
    Ok(format!("suggestion #{id} dismissed: {}", row.title))
}

/// Accepts the suggestion `id`; an evolve is left to the front end ([`Accepted::Evolve`]).
pub(crate) fn accept(store: &mut Store, id: i64, who: &str) -> Result<Accepted, AnswerError> {
    let row = open(store, id)?;
    let accepted = || SuggestionAnswer::new(SuggestionState::Accepted, who.to_string());
    match row.kind {
        SuggestionKind::Evolve => {
            let tool = row.tools.first().cloned().unwrap_or_default();
            let version = row.evidence["version"].as_str().unwrap_or_default();
            let hint = row.evidence["hint"].as_str().unwrap_or_default();
            Ok(Accepted::Evolve {
                tool: format!("{tool}@{version}"),
                hint: hint.to_string(),
            })
        }
        SuggestionKind::Missing if row.evidence.get("request_id").is_some() => {
            let request = row.evidence["request_id"].as_i64();
            let answer = SuggestionAnswer {
                request_id: request,
                ..accepted()
            };
            decide(store, &row, answer)?;
            Ok(Accepted::Done(format!(
                "suggestion #{id} accepted: it is done when a proposal answers request #{}",
                request.unwrap_or_default()
            )))
        }
        SuggestionKind::Merge => {
            decide(store, &row, accepted())?;
            Ok(Accepted::Done(format!(
                "suggestion #{id} accepted: it is done when {} is archived",
                row.tools.join(" or ")
            )))
        }
        SuggestionKind::Compose | SuggestionKind::Missing => {
            let request = want_written(store, &row, who)?;
            let answer = SuggestionAnswer {
                request_id: Some(request),
                ..accepted()
            };
            decide(store, &row, answer)?;
            Ok(Accepted::Done(format!(
                "suggestion #{id} accepted: request #{request} asks agents to write it"
            )))
        }
    }
}

/// Records an evolve suggestion accepted once its candidate exists.
pub(crate) fn evolved(store: &mut Store, id: i64, who: &str) -> Result<(), AnswerError> {
    let row = open(store, id)?;
    let version = row.evidence["version"].as_str().map(str::to_string);
    let answer = SuggestionAnswer {
        accepted_version: version,
        ..SuggestionAnswer::new(SuggestionState::Accepted, who.to_string())
    };
    decide(store, &row, answer)
}

/// Writes the tool request a composition or a missing capability becomes, answered "write
/// it" by the person accepting, so agents see it as wanted. Returns its id.
fn want_written(store: &mut Store, row: &SuggestionRow, who: &str) -> Result<i64, AnswerError> {
    let (name, description, inputs) = match row.kind {
        SuggestionKind::Compose => {
            let (first, then) = (&row.tools[0], &row.tools[1]);
            (
                format!("{first}_then_{then}"),
                format!("Does what {first} then {then} do, in one call."),
                json!(format!("the inputs of {first}")),
            )
        }
        _ => {
            let capability = row.evidence["capability"].as_str().unwrap_or_default();
            (
                capability
                    .to_ascii_lowercase()
                    .replace(['.', ' ', '/'], "_"),
                format!("A tool with the capability {capability}."),
                json!(format!("what a caller of {capability} passes")),
            )
        }
    };
    let name: String = name.chars().take(MAX_NAME_BYTES).collect();
    if !is_valid_name(&name) {
        return Err(AnswerError::NotAName { id: row.id, name });
    }
    let now = crate::clock::now_rfc3339();
    let request = NewRequest {
        name: name.clone(),
        description,
        inputs,
        outputs: None,
        rationale: format!("suggestion #{}: {}", row.id, row.why),
        client: format!("suggestion #{}", row.id),
        requested_at: now.clone(),
    };
    let id = store
        .insert_request(&request)?
        .ok_or_else(|| AnswerError::Pending {
            id: row.id,
            name: name.clone(),
        })?;
    store.answer_requests(
        &name,
        &RequestAnswer {
            state: RequestState::Approved,
            who: who.to_string(),
            at: now,
            reason: Some(row.title.clone()),
        },
    )?;
    Ok(id)
}

fn decide(
    store: &mut Store,
    row: &SuggestionRow,
    answer: SuggestionAnswer,
) -> Result<(), AnswerError> {
    if !store.decide_suggestion(row.id, &answer)? {
        return Err(AnswerError::Raced(row.id));
    }
    Ok(())
}
