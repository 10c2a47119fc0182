use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// NAME or NAME@VERSION of a tool in approved/; it moves to core/.
    tool: String,
}

pub fn run(args: PromoteArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::promote(&decide::context(ws), &mut store, &tool_id(&args.tool)?)?;
    decide::print(&decision);
    Ok(())
}
