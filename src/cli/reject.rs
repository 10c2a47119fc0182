use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct RejectArgs {
    /// NAME or NAME@VERSION of a tool in experimental/; it moves to archived/. The NAME of a
    /// tool request with no candidate in experimental/ rejects the request.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// Why it is rejected (required; recorded with the decision).
    #[arg(long, value_name = "R")]
    reason: String,
}

pub(crate) fn run(args: RejectArgs, ws: &Workbench) -> CliResult {
    let reason = args.reason;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::Reject { reason },
    )
}
