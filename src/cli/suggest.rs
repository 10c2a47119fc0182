//! `toolbench suggest`: the tools the run history says are worth building or changing, and a
//! person's answer to each (accept, dismiss).

use clap::{Args, Subcommand};

use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench, apply, decide, unexpected};
use crate::command::{Applied, Command};
use crate::model::decided::Outcome;
use crate::model::suggestions::SuggestionState;

#[derive(Debug, Args)]
pub(crate) struct SuggestArgs {
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

pub(crate) fn run(args: SuggestArgs, ws: &Workbench) -> CliResult {
    let Applied::SuggestionsRefreshed(open) = apply(ws, Command::RefreshSuggestions)? else {
        return Err(unexpected());
    };
    let command = match args.action {
        None if args.all => return list(ws.reader()?.suggestions(true)?, args.json),
        None => return list(open, args.json),
        Some(SuggestAction::Dismiss { id, reason }) => Command::DismissSuggestion { id, reason },
        Some(SuggestAction::Accept { id }) => Command::AcceptSuggestion { id },
    };
    let Applied::SuggestionAnswered(answered) = apply(ws, command)? else {
        return Err(unexpected());
    };
    match &answered.decided {
        Some(Outcome::Tool(decision)) => decide::print(decision),
        Some(Outcome::Request(answer)) => outln!("{}", answer.summary()),
        None => {}
    }
    outln!("{}", answered.said);
    Ok(())
}

fn list(rows: Vec<crate::model::suggestions::SuggestionRow>, json: bool) -> CliResult {
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
