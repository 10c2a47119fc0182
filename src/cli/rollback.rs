use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// NAME of an active tool (core/ or approved/).
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// The version to make active again. Default: the newest kept version older than the
    /// active one.
    #[arg(long, value_name = "VERSION")]
    to: Option<String>,
}

pub(crate) fn run(args: RollbackArgs, ws: &Workbench) -> CliResult {
    let to = args.to;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::Rollback { to },
    )
}
