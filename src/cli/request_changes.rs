use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct RequestChangesArgs {
    /// NAME or NAME@VERSION of a tool in experimental/; it stays there. The NAME of a tool
    /// request with no candidate in experimental/ answers the request with the feedback.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// What should change; written to REVIEW.md in the tool folder for its author (for a
    /// request: kept with it, and returned by toolbench_review_status).
    #[arg(long, value_name = "F")]
    feedback: String,
}

pub(crate) fn run(args: RequestChangesArgs, ws: &Workbench) -> CliResult {
    let feedback = args.feedback;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::RequestChanges { feedback },
    )
}
