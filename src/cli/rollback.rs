use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// NAME of an active tool (core/ or approved/).
    tool: String,
    /// The version to make active again. Default: the newest kept version older than the
    /// active one.
    #[arg(long, value_name = "VERSION")]
    to: Option<String>,
}

pub fn run(args: RollbackArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::rollback(
        &decide::context(ws),
        &mut store,
        &tool_id(&args.tool)?,
        args.to.as_deref(),
    )?;
    decide::print(&decision);
    Ok(())
}
