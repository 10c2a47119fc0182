use clap::Args;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench};
use crate::model::review_queue::ReviewItem;
use crate::model::short_hash;

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// Print a JSON array: active tools that will not run until a person looks at them as
    /// {kind: "drift", name, version, tier, path, content_hash, drift: {state: "modified",
    /// approved_version, approved_hash} or {state: "unapproved"}}, pending tool requests as
    /// {kind: "request", id, name, description, inputs, outputs, rationale, client,
    /// requested_at, state, answered_by, answered_at, reason}, then tools as {kind: "tool",
    /// name, version, path, verdict, arrived_at, parent, client, content_hash} (`client`: the
    /// agent that proposed it, else null).
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: ReviewArgs, ws: &Workbench) -> CliResult {
    let queue = ws.reader()?.review_items(ws.root(), ws.config().catalog)?;
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
            ReviewItem::Drift(d) => d.name.len(),
        })
        .max()
        .unwrap_or(4)
        .max(4);
    // HASH: what `--hash` takes. FROM: the version a tool evolved from and the agent that
    // proposed it, the client that asked for a request, or why an active tool waits here.
    outln!(
        "{:<8} {:<name_width$} {:<10} {:<12} {:<10} {:<24} FROM",
        "KIND",
        "NAME",
        "VERSION",
        "HASH",
        "VERDICT",
        "ARRIVED"
    );
    for item in &queue {
        let (kind, name, version, hash, verdict, arrived, from) = match item {
            ReviewItem::Tool(q) => (
                "tool",
                &q.name,
                q.version.as_str(),
                short_hash(&q.content_hash),
                q.verdict.as_deref().unwrap_or("-"),
                q.arrived_at.as_str(),
                match (&q.parent, &q.client) {
                    (Some(parent), Some(client)) => format!("{parent} · {client}"),
                    (Some(from), None) | (None, Some(from)) => from.clone(),
                    (None, None) => "-".into(),
                },
            ),
            ReviewItem::Request(r) => (
                "request",
                &r.name,
                "-",
                "-",
                "-",
                r.requested_at.as_str(),
                r.client.clone(),
            ),
            ReviewItem::Drift(d) => (
                "drift",
                &d.name,
                d.version.as_str(),
                short_hash(&d.content_hash),
                "-",
                "-",
                format!("{}/: {}", d.tier, d.drift.label()),
            ),
        };
        outln!(
            "{kind:<8} {name:<name_width$} {version:<10} {hash:<12} {verdict:<10} {arrived:<24} {from}"
        );
    }
    Ok(())
}
