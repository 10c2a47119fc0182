use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct RequestChangesArgs {
    /// NAME or NAME@VERSION of a tool in experimental/; it stays there.
    tool: String,
    /// What should change; written to REVIEW.md in the tool folder for its author.
    #[arg(long, value_name = "F")]
    feedback: String,
}

pub fn run(args: RequestChangesArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::request_changes(
        &decide::context(ws),
        &mut store,
        &tool_id(&args.tool)?,
        &args.feedback,
    )?;
    decide::print(&decision);
    Ok(())
}
