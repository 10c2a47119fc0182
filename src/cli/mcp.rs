//! `toolbench mcp`: serve the workspace's approved and core tools to an agent over MCP on
//! stdin/stdout. Nothing but protocol messages goes to stdout; diagnostics go to stderr.

use clap::Args;

use super::{CliResult, Workspace};

#[derive(Debug, Args)]
pub struct McpArgs {}

pub fn run(_args: McpArgs, ws: Workspace) -> CliResult {
    crate::mcp::serve_stdio(ws.root, ws.config)?;
    Ok(())
}
