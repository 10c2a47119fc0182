use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    /// NAME or NAME@VERSION of a candidate in experimental/, else of an active tool (core/ or
    /// approved/) whose content is not what was approved (or, with signatures on, is
    /// unsigned): that content is approved where it is. A bare script is first wrapped into a
    /// folder with its inferred manifest. An active approved version the candidate supersedes
    /// is archived (and kept as a snapshot). The NAME of a tool request with no candidate in
    /// experimental/ approves the request: the agent may write it; nothing moves.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// Why, recorded with the decision.
    #[arg(long, value_name = "R")]
    reason: Option<String>,
    /// Approve it although checks of its validation failed (they are named when refused).
    #[arg(long)]
    accept_failures: bool,
    /// Approve it although it asks for what the active version of its name was not granted
    /// (a project, paths or hosts; named when refused).
    #[arg(long)]
    accept_escalation: bool,
}

pub(crate) fn run(args: ApproveArgs, ws: &Workbench) -> CliResult {
    let reason = args.reason;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::Approve {
            reason,
            accepted: crate::model::review_command::Accepted {
                failures: args.accept_failures,
                escalation: args.accept_escalation,
            },
        },
    )
}
