//! Tool requests before code: an agent asks for a tool (its name, what it takes and gives,
//! why) and a human answers "write it", "no, because", or with feedback, before anything is
//! written. Answers come through the one review vocabulary: `review::apply` sends a decision
//! on a name that has a request and no candidate here.

use serde_json::Value;

use super::steps::named;
use super::{ReviewContext, ReviewError};
use crate::model::decided::AnsweredRequest;
pub(crate) use crate::model::requests::{MAX_REQUEST_FIELD_BYTES, ToolRequest};
use crate::model::requests::{RequestRow, RequestState};
use crate::model::review_command::ReviewCommand;
use crate::model::{MAX_NAME_BYTES, NAME_RULE, Tier, ToolEntry, ToolId, is_valid_name};
use crate::store::requests::{NewRequest, RequestAnswer};
use crate::store::{Store, StoreError};
use crate::text::bounded::{self, TooLong};

/// Why a request was refused. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    TooLong(#[from] TooLong),
    #[error("name: {0:?} is not a valid tool name ({NAME_RULE})")]
    BadName(String),
    #[error("name: {0} is active in core/; call it, or evolve it, instead of asking again")]
    ActiveInCore(String),
    #[error("{0}: must not be empty")]
    Empty(&'static str),
    #[error("{field}: {reason}")]
    Spec { field: &'static str, reason: String },
    #[error(
        "name: you already asked for {name} (request #{id}) and it waits for a human; toolbench_review_status shows the answer"
    )]
    AlreadyPending { name: String, id: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks `request` and stores it as pending for `client`. `active` is the catalog as the
/// caller knows it, for the names taken in `core/`.
pub(crate) fn ask(
    store: &mut Store,
    request: &ToolRequest,
    client: &str,
    active: &[ToolEntry],
) -> Result<RequestRow, RequestError> {
    check_bounds(request)?;
    let name = request.name.as_str();
    if !is_valid_name(name) {
        return Err(RequestError::BadName(request.name.clone()));
    }
    if active
        .iter()
        .any(|e| e.tier == Tier::Core && e.name == name)
    {
        return Err(RequestError::ActiveInCore(name.to_string()));
    }
    let description = non_empty("description", &request.description)?;
    let rationale = non_empty("rationale", &request.rationale)?;
    check_spec("inputs", &request.inputs)?;
    if let Some(outputs) = &request.outputs {
        check_spec("outputs", outputs)?;
    }
    let row = NewRequest {
        name: name.to_string(),
        description,
        inputs: request.inputs.clone(),
        outputs: request.outputs.clone(),
        rationale,
        client: client.to_string(),
        requested_at: crate::clock::now_rfc3339(),
    };
    let Some(id) = store.insert_request(&row)? else {
        let waiting = store
            .requests_of(client, Some(name))?
            .into_iter()
            .rfind(|r| r.state == RequestState::Pending)
            .map_or(0, |r| r.id);
        return Err(RequestError::AlreadyPending {
            name: name.to_string(),
            id: waiting,
        });
    };
    Ok(RequestRow {
        id,
        name: row.name,
        description: row.description,
        inputs: row.inputs,
        outputs: row.outputs,
        rationale: row.rationale,
        client: row.client,
        requested_at: row.requested_at,
        state: RequestState::Pending,
        answered_by: None,
        answered_at: None,
        reason: None,
    })
}

/// Every field within its bound, checked before anything reads or echoes it.
fn check_bounds(request: &ToolRequest) -> Result<(), TooLong> {
    bounded::check("name", &request.name, MAX_NAME_BYTES)?;
    bounded::check("description", &request.description, MAX_REQUEST_FIELD_BYTES)?;
    bounded::check("rationale", &request.rationale, MAX_REQUEST_FIELD_BYTES)?;
    let specs = [
        ("inputs", Some(&request.inputs)),
        ("outputs", request.outputs.as_ref()),
    ];
    for (field, spec) in specs {
        let Some(spec) = spec else { continue };
        let text = match spec {
            Value::String(text) => std::borrow::Cow::Borrowed(text.as_str()),
            other => std::borrow::Cow::Owned(other.to_string()),
        };
        bounded::check(field, &text, MAX_REQUEST_FIELD_BYTES)?;
    }
    Ok(())
}

fn non_empty(field: &'static str, text: &str) -> Result<String, RequestError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RequestError::Empty(field));
    }
    Ok(text.to_string())
}

/// A JSON schema object (which must compile) or a prose list.
fn check_spec(field: &'static str, spec: &Value) -> Result<(), RequestError> {
    let refuse = |reason: String| RequestError::Spec { field, reason };
    match spec {
        Value::Object(_) => jsonschema::validator_for(spec)
            .map(|_| ())
            .map_err(|e| refuse(format!("not a valid JSON schema: {e}"))),
        Value::String(text) if text.trim().is_empty() => Err(RequestError::Empty(field)),
        Value::String(_) => Ok(()),
        _ => Err(refuse(
            "give a JSON schema object or a prose list as a string".into(),
        )),
    }
}

/// The request a proposal of `name` from `client` answers: this client's newest request for
/// the name, else anyone's.
pub(crate) fn answered_by_proposal(
    store: &Store,
    name: &str,
    client: &str,
) -> Result<Option<i64>, StoreError> {
    let requests = store.requests_named(name)?;
    let mine = requests.iter().rfind(|r| r.client == client);
    Ok(mine.or(requests.last()).map(|r| r.id))
}

/// Answers request `id` as a person saw it, as [`answer_if_requested`] answers its name, or
/// refuses: when a newer request of the name came since (the person did not see it), or a
/// candidate of the name now waits (a decision by name would be about code nobody showed).
pub(crate) fn answer_seen(
    ctx: &ReviewContext,
    store: &mut Store,
    id: i64,
    command: &ReviewCommand,
) -> Result<AnsweredRequest, ReviewError> {
    let action = command.kind().map_or("answer", |kind| kind.spec().phrase);
    let Some(request) = store.request(id)? else {
        return Err(ReviewError::refused(
            action,
            format!("request #{id}"),
            "there is no such request",
        ));
    };
    let subject = format!("the request for {}", request.name);
    if let Some(newer) = store
        .requests_named(&request.name)?
        .last()
        .filter(|latest| latest.id != id)
    {
        return Err(ReviewError::refused(
            action,
            subject,
            format!(
                "a newer request for it (#{}) came since; answer that one",
                newer.id
            ),
        ));
    }
    answer_if_requested(ctx, store, &ToolId::named(&request.name), command)?.ok_or_else(|| {
        ReviewError::refused(
            action,
            subject,
            format!(
                "a candidate of {} waits in experimental/ now; decide on it",
                request.name
            ),
        )
    })
}

/// Answers the requests for `tool`'s name when `command` is an approve, reject or request
/// changes on a bare name that has a request and no candidate in experimental/; `None` when
/// the command is about a tool instead.
pub(crate) fn answer_if_requested(
    ctx: &ReviewContext,
    store: &mut Store,
    tool: &ToolId,
    command: &ReviewCommand,
) -> Result<Option<AnsweredRequest>, ReviewError> {
    // The decision table says which kinds answer a request, and how.
    let Some((kind, state)) = command
        .kind()
        .and_then(|kind| Some((kind, kind.spec().request?)))
    else {
        return Ok(None);
    };
    let (action, text) = (kind.spec().phrase, command.text());
    if tool.version.is_some() {
        return Ok(None);
    }
    let requests = store.requests_named(&tool.name)?;
    let Some(latest) = requests.last() else {
        return Ok(None);
    };
    let candidates = named(ctx, store, tool, &[Tier::Experimental]);
    if candidates
        .entries()
        .iter()
        .any(|e| e.tier == Tier::Experimental)
    {
        return Ok(None);
    }
    let subject = format!("the request for {}", tool.name);
    let reason = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if reason.is_none() && state != RequestState::Approved {
        let missing = if state == RequestState::Rejected {
            "a reason is required (the agent reads it)"
        } else {
            "feedback is required (the agent reads it)"
        };
        return Err(ReviewError::refused(action, subject, missing));
    }
    let answer = RequestAnswer {
        state,
        who: ctx.who.clone(),
        at: crate::clock::now_rfc3339(),
        reason: reason.clone(),
    };
    let ids = if requests.iter().any(|r| r.state == RequestState::Pending) {
        store.answer_requests(&tool.name, &answer)?
    } else {
        Vec::new()
    };
    if ids.is_empty() {
        // Answered before, or by another process between our read and our write.
        let latest = store
            .requests_named(&tool.name)?
            .pop()
            .unwrap_or_else(|| latest.clone());
        let by = match (&latest.answered_by, &latest.answered_at) {
            (Some(who), Some(at)) => format!(" by {who} at {at}"),
            _ => String::new(),
        };
        return Err(ReviewError::refused(
            action,
            subject,
            format!("it was already {}{by}", latest.state.as_answered()),
        ));
    }
    let clients = store
        .requests_named(&tool.name)?
        .into_iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| r.client)
        .collect();
    Ok(Some(AnsweredRequest {
        name: tool.name.clone(),
        state,
        ids,
        clients,
        who: answer.who,
        at: answer.at,
        reason,
    }))
}
