use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct RejectArgs {
    /// NAME or NAME@VERSION of a tool in experimental/; it moves to archived/.
    tool: String,
    /// Why it is rejected (required; recorded with the decision).
    #[arg(long, value_name = "R")]
    reason: String,
}

pub fn run(args: RejectArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::reject(
        &decide::context(ws),
        &mut store,
        &tool_id(&args.tool)?,
        &args.reason,
    )?;
    decide::print(&decision);
    Ok(())
}
