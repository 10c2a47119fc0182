use clap::Args;

use super::{CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct ResubmitArgs {
    /// NAME or NAME@VERSION of an active tool (core/ or approved/) whose content is not what
    /// was approved: modified since approval, or never approved here (`list` and `review`
    /// say which). Its content becomes a new candidate in experimental/ (minor version
    /// bumped, parent the approved version); the approved content, kept as a snapshot, takes
    /// its place again. A tool never approved here leaves its tier.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
}

pub(crate) fn run(args: ResubmitArgs, ws: &Workbench) -> CliResult {
    decide::take(ws, &args.tool, &args.content, ReviewCommand::Resubmit)
}
