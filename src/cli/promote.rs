use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct PromoteArgs {
    /// NAME or NAME@VERSION of a tool in approved/; it moves to core/.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
}

pub(crate) fn run(args: PromoteArgs, ws: &Workbench) -> CliResult {
    decide::take(ws, &args.tool, &args.content, ReviewCommand::Promote)
}
