//! What the review subcommands share: the review context, the store, and how a decision is
//! reported (one line on stdout; recoveries and warnings on stderr).

use super::term::{errln, outln};
use super::{CliError, CliResult, ContentArg, Workspace, content_id, runtime};
use crate::command::{self, Applied, Command};
use crate::review::{Decision, Outcome, ReviewCommand, ReviewContext, journal};

pub(super) fn context(ws: &Workspace) -> ReviewContext {
    ReviewContext::from_config(&ws.root, &ws.config)
}

/// Takes one decision (or answers a tool request) the way every front end does, and prints it.
pub(super) fn take(
    ws: &Workspace,
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
pub(super) fn apply(ws: &Workspace, command: Command) -> CliResult {
    let ctx = ws.command_context()?;
    match runtime()?.block_on(command::apply(&ctx, command))? {
        Applied::Decided(Outcome::Tool(decision)) => print(&decision),
        Applied::Decided(Outcome::Request(answer)) => outln!("{}", answer.summary()),
        _ => return Err(CliError::msg("the library answered without a decision")),
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

/// Finishes decisions a crash interrupted, once as a command starts, so what it reads or
/// decides is settled. A failure here is a warning: reading must still work.
pub(super) fn recover_pending(ws: &Workspace) {
    if !journal::needs_recovery(&ws.root) {
        return;
    }
    let recovered = ws
        .open_store()
        .map_err(crate::review::ReviewError::from)
        .and_then(|mut store| {
            let report = journal::recover(&ws.root, &mut store);
            ws.give_back(store);
            report
        });
    match recovered {
        Ok(report) => {
            for line in report.lines() {
                errln!("toolbench: {line}");
            }
        }
        Err(e) => errln!("toolbench: warning: {e}"),
    }
}
