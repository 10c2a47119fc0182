//! `toolbench calls`: agent calls waiting for a human, the answers to them, and the
//! "approve always" rules (DESIGN §8).

use clap::{Args, Subcommand};
use serde_json::Value;

use super::term::{errln, outln, print_json};
use super::{CliError, CliResult, Workbench, apply, unexpected};
use crate::command::{Applied, Command};
use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::model::calls::decision::CallDecision;
use crate::model::calls::pattern;

#[derive(Debug, Args)]
pub(crate) struct CallsArgs {
    #[command(subcommand)]
    action: Option<CallsAction>,
    /// Print a JSON array instead of text.
    #[arg(long)]
    json: bool,
    /// Every call, answered ones included (the history), newest first.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Subcommand)]
enum CallsAction {
    /// Let a waiting call run (once, always, or with edited arguments).
    Approve {
        /// The call's id, as `toolbench calls` lists it.
        id: i64,
        /// Also let later calls of this tool version through without asking.
        #[arg(long, conflicts_with = "arguments")]
        always: bool,
        /// With --always: only calls whose arguments contain these JSON values.
        #[arg(long = "match", value_name = "JSON", requires = "always")]
        pattern: Option<String>,
        /// Run the call with these arguments (a JSON object) instead.
        #[arg(long, value_name = "JSON")]
        arguments: Option<String>,
    },
    /// Refuse a waiting call; the agent receives the reason as the tool's error.
    Reject {
        id: i64,
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// The "approve always" rules in force.
    Rules {
        /// Print a JSON array of {id, tool, version, content_hash, match, from_call,
        /// created_by, created_at, revoked_by, revoked_at}.
        #[arg(long)]
        json: bool,
        /// Revoked rules too.
        #[arg(long)]
        all: bool,
    },
    /// Revoke a rule: calls it let through wait for a human again.
    Revoke {
        /// The rule's id, as `toolbench calls rules` lists it.
        rule: i64,
    },
}

pub(crate) fn run(args: CallsArgs, ws: &Workbench) -> CliResult {
    match args.action {
        None => list(ws, args.json, args.all),
        Some(CallsAction::Approve {
            id,
            always,
            pattern,
            arguments,
        }) => {
            let decision = match (always, pattern, arguments) {
                (true, pattern, _) => CallDecision::Always {
                    pattern: pattern
                        .as_deref()
                        .map(pattern::parse)
                        .transpose()
                        .map_err(|e| CliError::msg(format!("--match: {e}")))?,
                },
                (false, _, Some(text)) => CallDecision::Edited(
                    serde_json::from_str(&text)
                        .map_err(|e| CliError::msg(format!("--arguments: not valid JSON ({e})")))?,
                ),
                (false, _, None) => CallDecision::Once,
            };
            let call = answer(ws, id, decision)?;
            match call.rule {
                Some(rule) => outln!(
                    "approved call #{id} ({}@{}); rule #{rule} lets the next ones through",
                    call.tool,
                    call.version
                ),
                None => outln!("approved call #{id} ({}@{})", call.tool, call.version),
            }
            Ok(())
        }
        Some(CallsAction::Reject { id, reason }) => {
            let call = answer(ws, id, CallDecision::Reject(reason))?;
            outln!("rejected call #{id} ({}@{})", call.tool, call.version);
            Ok(())
        }
        Some(CallsAction::Rules { json, all }) => rules(ws, json, all),
        Some(CallsAction::Revoke { rule }) => {
            let Applied::RuleRevoked(rule) = apply(ws, Command::RevokeRule { id: rule })? else {
                return Err(unexpected());
            };
            outln!("revoked rule #{} ({}@{})", rule.id, rule.tool, rule.version);
            Ok(())
        }
    }
}

/// Answers call `id`, named by its id alone: the tool is read as it is now.
fn answer(ws: &Workbench, id: i64, decision: CallDecision) -> Result<Box<CallRow>, CliError> {
    let command = Command::AnswerCall {
        id,
        decision,
        seen: None,
    };
    match apply(ws, command)? {
        Applied::CallAnswered(call) => Ok(call),
        _ => Err(unexpected()),
    }
}

fn list(ws: &Workbench, json: bool, all: bool) -> CliResult {
    let calls = ws.calls(all)?;
    if json {
        return print_json(&calls);
    }
    if calls.is_empty() {
        errln!("no agent call is waiting");
        return Ok(());
    }
    for call in &calls {
        print_call(call);
    }
    Ok(())
}

fn print_call(call: &CallRow) {
    outln!(
        "#{} {}@{} from {} at {}: {} ({})",
        call.id,
        call.tool,
        call.version,
        call.client,
        call.requested_at,
        call.state,
        call.why
    );
    if let Some(task) = &call.task {
        outln!("    for MCP task {task}");
    }
    match &call.approved_arguments {
        // The agent's own beside the human's edit, which is what ran.
        Some(edited) => {
            outln!("    the agent's arguments:");
            for line in pretty(&call.arguments).lines() {
                outln!("      {line}");
            }
            outln!("    edited by the human to (what ran):");
            for line in pretty(edited).lines() {
                outln!("      {line}");
            }
        }
        None => {
            for line in pretty(&call.arguments).lines() {
                outln!("    {line}");
            }
        }
    }
    if let (Some(who), Some(at)) = (&call.answered_by, &call.answered_at) {
        let reason = call
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        outln!("    answered by {who} at {at}{reason}");
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn rules(ws: &Workbench, json: bool, all: bool) -> CliResult {
    let rules = ws.rules(all)?;
    if json {
        return print_json(&rules);
    }
    if rules.is_empty() {
        errln!("no approval rule is in force");
        return Ok(());
    }
    for rule in &rules {
        print_rule(rule);
    }
    Ok(())
}

fn print_rule(rule: &RuleRow) {
    let pattern = rule
        .pattern
        .as_ref()
        .map(|p| format!(" when arguments contain {p}"))
        .unwrap_or_default();
    let revoked = match (&rule.revoked_by, &rule.revoked_at) {
        (Some(who), Some(at)) => format!(", revoked by {who} at {at}"),
        _ => String::new(),
    };
    outln!(
        "rule #{} {}@{} (content {}){pattern}, by {} at {}{revoked}",
        rule.id,
        rule.tool,
        rule.version,
        crate::model::short_hash(&rule.content_hash),
        rule.created_by,
        rule.created_at
    );
}
