use clap::Args;

use super::{CliResult, Workspace, decide, tool_id};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// NAME or NAME@VERSION of a tool in core/, approved/ or experimental/ (a bare NAME means
    /// the active one first).
    tool: String,
    /// Why, recorded with the decision.
    #[arg(long, value_name = "R")]
    reason: Option<String>,
}

pub fn run(args: ArchiveArgs, ws: &Workspace) -> CliResult {
    let mut store = decide::open_store(ws)?;
    let decision = lifecycle::archive(
        &decide::context(ws),
        &mut store,
        &tool_id(&args.tool)?,
        args.reason.as_deref(),
    )?;
    decide::print(&decision);
    Ok(())
}
