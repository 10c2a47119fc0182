use clap::Args;
use serde::Serialize;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench, tool_id};
use crate::model::Tier;
use crate::model::decisions::DecisionRecord;

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// The tool NAME, or NAME@VERSION for that version's decisions and kept snapshot.
    tool: String,
    /// Print the decisions as a JSON array, newest first.
    #[arg(long)]
    json: bool,
}

/// The `history --json` shape (a contract for scripts).
#[derive(Serialize)]
struct ListedDecision<'a> {
    /// The row's id, which `toolbench undo NAME --decision ID` names.
    id: i64,
    action: &'a str,
    who: &'a str,
    at: &'a str,
    reason: Option<&'a str>,
    from_version: Option<&'a str>,
    to_version: Option<&'a str>,
    from_tier: Option<Tier>,
    to_tier: Option<Tier>,
    from_hash: Option<&'a str>,
    to_hash: Option<&'a str>,
}

impl<'a> From<&'a DecisionRecord> for ListedDecision<'a> {
    fn from(d: &'a DecisionRecord) -> Self {
        ListedDecision {
            id: d.id,
            action: d.action.as_str(),
            who: &d.who,
            at: &d.at,
            reason: d.reason.as_deref(),
            from_version: d.from_version.as_deref(),
            to_version: d.to_version.as_deref(),
            from_tier: d.from_tier,
            to_tier: d.to_tier,
            from_hash: d.from_hash.as_deref(),
            to_hash: d.to_hash.as_deref(),
        }
    }
}

pub(crate) fn run(args: HistoryArgs, ws: &Workbench) -> CliResult {
    let tool = tool_id(&args.tool)?;
    let name = tool.name.as_str();
    let history = ws.reader()?.history(name)?.of(&tool);
    // A version nothing recorded is looked up as every command looks one up: one no folder of
    // the tool holds is refused in the same words.
    if tool.version.is_some() && history.decisions.is_empty() && history.versions.is_empty() {
        ws.find_reading(&tool)?;
    }
    if args.json {
        let listed: Vec<ListedDecision> = history.decisions.iter().map(Into::into).collect();
        print_json(&listed)?;
        return Ok(());
    }
    if history.decisions.is_empty() && history.versions.is_empty() {
        errln!("no decisions recorded for {tool}");
        return Ok(());
    }
    for d in &history.decisions {
        let tiers = match (d.from_tier, d.to_tier) {
            (Some(from), Some(to)) => format!("{from} → {to}"),
            _ => String::new(),
        };
        let versions = d.versions_label();
        let hash = d
            .to_hash
            .as_deref()
            .map(crate::model::short_hash)
            .unwrap_or("-");
        let reason = d
            .reason
            .as_deref()
            .map(|r| format!("  {r}"))
            .unwrap_or_default();
        outln!(
            "{}  #{:<5} {:<15} {:<12} {:<15} {:<26} {hash}{reason}",
            d.at,
            d.id,
            d.action.as_str(),
            d.who,
            versions,
            tiers
        );
    }
    if !history.versions.is_empty() {
        outln!("kept versions:");
        for v in &history.versions {
            outln!(
                "  {:<12} {}  activated {}  {}",
                v.version,
                crate::model::short_hash(&v.content_hash),
                v.activated_at,
                v.snapshot
            );
        }
    }
    Ok(())
}
