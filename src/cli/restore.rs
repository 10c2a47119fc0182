use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// NAME or NAME@VERSION of a tool in archived/; it goes back to the tier it left
    /// (experimental when unknown).
    tool: String,
}

pub fn run(args: RestoreArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::restore(&decide::context(ws), &mut store, &tool_id(&args.tool)?)?;
    decide::print(&decision);
    Ok(())
}
