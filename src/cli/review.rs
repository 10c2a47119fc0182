use clap::Args;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workspace, decide};
use crate::review::lifecycle;

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Print a JSON array [{name, version, path, verdict, arrived_at, parent}].
    #[arg(long)]
    json: bool,
}

pub fn run(args: ReviewArgs, ws: &Workspace) -> CliResult {
    let store = decide::open_store(ws)?;
    let queue = lifecycle::review_queue(&ws.root, ws.config.catalog, &store)?;
    if args.json {
        print_json(&queue)?;
        return Ok(());
    }
    if queue.is_empty() {
        errln!("the review queue is empty (agents write tools into experimental/)");
        return Ok(());
    }
    let name_width = queue.iter().map(|q| q.name.len()).max().unwrap_or(4).max(4);
    outln!(
        "{:<name_width$} {:<10} {:<10} {:<24} PARENT",
        "NAME",
        "VERSION",
        "VERDICT",
        "ARRIVED"
    );
    for item in &queue {
        outln!(
            "{:<name_width$} {:<10} {:<10} {:<24} {}",
            item.name,
            item.version,
            item.verdict.as_deref().unwrap_or("-"),
            item.arrived_at,
            item.parent.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}
