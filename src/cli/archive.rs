use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct ArchiveArgs {
    /// NAME or NAME@VERSION of a tool in core/, approved/ or experimental/ (a bare NAME means
    /// the active one first).
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// Why, recorded with the decision.
    #[arg(long, value_name = "R")]
    reason: Option<String>,
}

pub(crate) fn run(args: ArchiveArgs, ws: &Workbench) -> CliResult {
    let reason = args.reason;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::Archive { reason },
    )
}
