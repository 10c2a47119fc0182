use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// NAME or NAME@VERSION of a tool in archived/; it goes back to the tier it left
    /// (experimental when unknown).
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
}

pub(crate) fn run(args: RestoreArgs, ws: &Workbench) -> CliResult {
    decide::take(ws, &args.tool, &args.content, ReviewCommand::Restore)
}
