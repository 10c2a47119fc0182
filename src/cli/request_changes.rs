use clap::Args;

use super::{CliResult, Workspace, decide};
use crate::review::ReviewCommand;

#[derive(Debug, Args)]
pub struct RequestChangesArgs {
    /// NAME or NAME@VERSION of a tool in experimental/; it stays there.
    tool: String,
    /// What should change; written to REVIEW.md in the tool folder for its author.
    #[arg(long, value_name = "F")]
    feedback: String,
}

pub fn run(args: RequestChangesArgs, ws: &Workspace) -> CliResult {
    let feedback = args.feedback;
    decide::take(ws, &args.tool, ReviewCommand::RequestChanges { feedback })
}
