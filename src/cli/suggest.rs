//! `toolbench suggest`: the tools the run history says are worth building or changing, and a
//! person's answer to each (accept, dismiss).

use clap::{Args, Subcommand};
use serde_json::json;

use super::term::{errln, outln, print_json};
use super::{CliError, CliResult, ContentArg, Workspace, decide};
use crate::model::{Tier, ToolEntry, is_valid_name};
use crate::review::ReviewCommand;
use crate::store::Store;
use crate::store::requests::{NewRequest, RequestAnswer, RequestState};
use crate::store::suggestions::{SuggestionAnswer, SuggestionKind, SuggestionRow, SuggestionState};
use crate::suggest::{self, Settings};

#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(subcommand)]
    action: Option<SuggestAction>,
    /// Print a JSON array instead of text.
    #[arg(long)]
    json: bool,
    /// Every suggestion, dismissed, done and stale ones included.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Subcommand)]
enum SuggestAction {
    /// Act on a suggestion: a missing tool or a composition becomes a tool request answered
    /// "write it", a failing tool is evolved with a hint drafted from its failures.
    Accept {
        /// The suggestion's id, as `toolbench suggest` lists it.
        id: i64,
    },
    /// Never suggest this again (the pattern stays dismissed however often it recurs).
    Dismiss {
        id: i64,
        #[arg(long, value_name = "R")]
        reason: String,
    },
}

pub fn run(args: SuggestArgs, ws: &Workspace) -> CliResult {
    let mut store = ws.store()?;
    let active: Vec<ToolEntry> = crate::lookup::scan_all(&ws.root, ws.config.catalog, &mut store)
        .into_iter()
        .filter(|e| matches!(e.tier, Tier::Core | Tier::Approved) && e.error.is_none())
        .collect();
    suggest::refresh(
        &mut store,
        &active,
        std::time::SystemTime::now(),
        &Settings::default(),
    )?;
    match args.action {
        None => list(&store, args.json, args.all),
        Some(SuggestAction::Dismiss { id, reason }) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(CliError::msg("--reason: say why, so it is not asked again"));
            }
            let row = open_suggestion(&store, id)?;
            let dismissed = SuggestionAnswer {
                reason: Some(reason.to_string()),
                ..answer(ws, SuggestionState::Dismissed)
            };
            decide(&mut store, &row, dismissed)?;
            outln!("suggestion #{id} dismissed: {}", row.title);
            Ok(())
        }
        Some(SuggestAction::Accept { id }) => {
            let row = open_suggestion(&store, id)?;
            accept(store, ws, &row)
        }
    }
}

fn list(store: &Store, json: bool, all: bool) -> CliResult {
    let rows = store.suggestions(all)?;
    if json {
        print_json(&rows)?;
        return Ok(());
    }
    if rows.is_empty() {
        errln!("no suggestions: nothing in the run history stands out yet");
        return Ok(());
    }
    for row in &rows {
        let state = match row.state {
            SuggestionState::New => String::new(),
            other => format!(" [{}]", other.as_str()),
        };
        outln!("#{} {:.1} {}{state}", row.id, row.priority, row.title);
        outln!("    {}", row.why);
        if let Some(reason) = &row.reason {
            outln!("    reason: {reason}");
        }
    }
    Ok(())
}

/// The suggestion `id`, which must still wait for a person's answer.
fn open_suggestion(store: &Store, id: i64) -> Result<SuggestionRow, CliError> {
    let row = store
        .suggestion(id)?
        .ok_or_else(|| CliError::msg(format!("no suggestion #{id} (see `toolbench suggest`)")))?;
    match row.state {
        SuggestionState::New => Ok(row),
        SuggestionState::Stale => Err(CliError::msg(format!(
            "suggestion #{id} is stale: {} is no longer active",
            row.tools.join(" or ")
        ))),
        decided => Err(CliError::msg(format!(
            "suggestion #{id} was already {} by {} at {}",
            decided.as_str(),
            row.decided_by.as_deref().unwrap_or("someone"),
            row.decided_at.as_deref().unwrap_or("an unknown time")
        ))),
    }
}

fn accept(mut store: Store, ws: &Workspace, row: &SuggestionRow) -> CliResult {
    match row.kind {
        SuggestionKind::Evolve => {
            let tool = row.tools.first().cloned().unwrap_or_default();
            let version = row.evidence["version"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let hint = row.evidence["hint"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            // The evolve takes the store's writer itself; the suggestion is accepted once
            // the candidate exists.
            ws.give_back(store);
            decide::take(
                ws,
                &format!("{tool}@{version}"),
                &ContentArg::default(),
                ReviewCommand::Evolve { hint, with: None },
            )?;
            let mut store = ws.store()?;
            decide(
                &mut store,
                row,
                SuggestionAnswer {
                    accepted_version: Some(version),
                    ..answer(ws, SuggestionState::Accepted)
                },
            )
        }
        SuggestionKind::Missing if row.evidence.get("request_id").is_some() => {
            let request = row.evidence["request_id"].as_i64();
            decide(
                &mut store,
                row,
                SuggestionAnswer {
                    request_id: request,
                    ..answer(ws, SuggestionState::Accepted)
                },
            )?;
            outln!(
                "suggestion #{} accepted: it is done when a proposal answers request #{}",
                row.id,
                request.unwrap_or_default()
            );
            Ok(())
        }
        SuggestionKind::Merge => {
            decide(&mut store, row, answer(ws, SuggestionState::Accepted))?;
            outln!(
                "suggestion #{} accepted: it is done when {} is archived",
                row.id,
                row.tools.join(" or ")
            );
            Ok(())
        }
        SuggestionKind::Compose | SuggestionKind::Missing => {
            let request = want_written(&mut store, ws, row)?;
            decide(
                &mut store,
                row,
                SuggestionAnswer {
                    request_id: Some(request),
                    ..answer(ws, SuggestionState::Accepted)
                },
            )?;
            outln!(
                "suggestion #{} accepted: request #{request} asks agents to write it",
                row.id
            );
            Ok(())
        }
    }
}

/// Writes the tool request a composition or a missing capability becomes, answered "write
/// it" by the person accepting, so agents see it as wanted. Returns its id.
fn want_written(store: &mut Store, ws: &Workspace, row: &SuggestionRow) -> Result<i64, CliError> {
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
    let name: String = name.chars().take(crate::model::MAX_NAME_BYTES).collect();
    if !is_valid_name(&name) {
        return Err(CliError::msg(format!(
            "suggestion #{}: {name:?} is not a tool name; ask for the tool by hand",
            row.id
        )));
    }
    let who = ws.config.reviewer_name();
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
    let id = store.insert_request(&request)?.ok_or_else(|| {
        CliError::msg(format!(
            "suggestion #{}: a request for {name} is already pending",
            row.id
        ))
    })?;
    store.answer_requests(
        &name,
        &RequestAnswer {
            state: RequestState::Approved,
            who,
            at: now,
            reason: Some(row.title.clone()),
        },
    )?;
    Ok(id)
}

fn answer(ws: &Workspace, state: SuggestionState) -> SuggestionAnswer {
    SuggestionAnswer::new(state, ws.config.reviewer_name())
}

fn decide(store: &mut Store, row: &SuggestionRow, answer: SuggestionAnswer) -> CliResult {
    if !store.decide_suggestion(row.id, &answer)? {
        return Err(CliError::msg(format!(
            "suggestion #{} was answered by someone else meanwhile",
            row.id
        )));
    }
    Ok(())
}
