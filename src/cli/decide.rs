//! What the review subcommands share: the review context, the store, and how a decision is
//! reported (one line on stdout; recoveries and warnings on stderr).

use super::term::{errln, outln};
use super::{CliResult, ContentArg, Workbench, content_id, unexpected};
use crate::command::{Applied, Command};
use crate::model::decided::{Decision, Outcome};
use crate::model::review_command::ReviewCommand;

/// Takes one decision (or answers a tool request) the way every front end does, and prints it.
pub(super) fn take(
    ws: &Workbench,
    tool: &str,
    content: &ContentArg,
    command: ReviewCommand,
) -> CliResult {
    let command = Command::Decide {
        tool: content_id(tool, content)?,
        decision: command,
    };
    apply(ws, command)
}

/// Applies a command that ends in a decision (or a request's answer), and prints it.
pub(super) fn apply(ws: &Workbench, command: Command) -> CliResult {
    match super::apply(ws, command)? {
        Applied::Decided(Outcome::Tool(decision)) => print(&decision),
        Applied::Decided(Outcome::Request(answer)) => outln!("{}", answer.summary()),
        _ => return Err(unexpected()),
    }
    Ok(())
}

pub(super) fn print(decision: &Decision) {
    for line in &decision.recovered {
        errln!("toolbench: {line}");
    }
    outln!("{}", decision.summary());
    for warning in &decision.warnings {
        errln!("toolbench: warning: {warning}");
    }
}
