//! `toolbench mcp`: serve the workspace's approved and core tools to an agent over MCP, on
//! stdin/stdout or, with `--http`, over Streamable HTTP. In stdio mode nothing but protocol
//! messages goes to stdout; diagnostics go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::{CliResult, Workbench};
use crate::mcp::HttpOptions;

#[derive(Debug, Args)]
pub(crate) struct McpArgs {
    /// Serve MCP Streamable HTTP at http://ADDR/mcp instead of stdio (port 0 picks a free
    /// port; the URL is printed on stderr). Loopback only unless --allow-remote. Every
    /// request needs `Authorization: Bearer TOKEN`, the token in `mcp-token` in the config
    /// folder (made on first use) unless --token-file.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// Let --http listen on a non-loopback address.
    #[arg(long, requires = "http")]
    allow_remote: bool,
    /// Take the bearer token from FILE, which must be yours and closed to group and others.
    #[arg(long, value_name = "FILE", requires = "http")]
    token_file: Option<PathBuf>,
}

pub(crate) fn run(args: McpArgs, ws: Workbench) -> CliResult {
    match args.http {
        Some(addr) => crate::mcp::serve_http(
            ws,
            HttpOptions {
                addr,
                allow_remote: args.allow_remote,
                token_file: args.token_file,
            },
        )?,
        None => crate::mcp::serve_stdio(ws)?,
    }
    Ok(())
}
