use clap::Args;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workspace};
use crate::review::lifecycle::{self, ReviewItem};

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Print a JSON array: pending tool requests as {kind: "request", id, name, description,
    /// inputs, outputs, rationale, client, requested_at, state, answered_by, answered_at,
    /// reason}, then tools as {kind: "tool", name, version, path, verdict, arrived_at, parent}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ReviewArgs, ws: &Workspace) -> CliResult {
    let store = ws.store()?;
    let queue = lifecycle::review_items(&ws.root, ws.config.catalog, &store)?;
    if args.json {
        print_json(&queue)?;
        return Ok(());
    }
    if queue.is_empty() {
        errln!("the review queue is empty (agents write tools into experimental/)");
        return Ok(());
    }
    let name_width = queue
        .iter()
        .map(|item| match item {
            ReviewItem::Tool(q) => q.name.len(),
            ReviewItem::Request(r) => r.name.len(),
        })
        .max()
        .unwrap_or(4)
        .max(4);
    // FROM: the version a tool evolved from, or the client that asked for a request.
    outln!(
        "{:<8} {:<name_width$} {:<10} {:<10} {:<24} FROM",
        "KIND",
        "NAME",
        "VERSION",
        "VERDICT",
        "ARRIVED"
    );
    for item in &queue {
        let (kind, name, version, verdict, arrived, from) = match item {
            ReviewItem::Tool(q) => (
                "tool",
                &q.name,
                q.version.as_str(),
                q.verdict.as_deref().unwrap_or("-"),
                &q.arrived_at,
                q.parent.as_deref().unwrap_or("-"),
            ),
            ReviewItem::Request(r) => (
                "request",
                &r.name,
                "-",
                "-",
                &r.requested_at,
                r.client.as_str(),
            ),
        };
        outln!("{kind:<8} {name:<name_width$} {version:<10} {verdict:<10} {arrived:<24} {from}");
    }
    Ok(())
}
