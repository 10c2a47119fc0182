use std::collections::HashMap;

use clap::Args;
use serde::Serialize;

use super::term::{errln, outln, print_json, print_rows};
use super::{CliResult, Workbench};
use crate::model::SortOrder;
use crate::model::quality::ToolStats;
use crate::model::quality::score::quality_of;
use crate::model::{Tier, ToolEntry, Words};

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this tier: core, approved, experimental or archived.
    #[arg(long, value_parser = parse_tier)]
    tier: Option<Tier>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_tier(s: &str) -> Result<Tier, crate::model::UnknownValue> {
    s.parse()
}

/// The `list --json` shape (a contract for scripts).
#[derive(Serialize)]
pub(crate) struct ListedTool<'a> {
    name: &'a str,
    version: &'a str,
    tier: Tier,
    path: &'a std::path::Path,
    description: &'a str,
    category: Option<crate::model::Category>,
    cost_tier: Option<crate::model::CostTier>,
    keywords: &'a Words,
    capabilities: &'a Words,
    inferred: bool,
    content_hash: &'a str,
    /// An active tool whose content is not what was approved: `{"state": "modified",
    /// "approved_version", "approved_hash"}` or `{"state": "unapproved"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<&'a crate::model::Drift>,
    /// An active tool's signed review, with signatures on: `{"state": "signed", "principal",
    /// "at", "decision", "key"}`, `{"state": "unsigned"}`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a crate::model::Signature>,
    error: Option<&'a str>,
    warnings: &'a [String],
    /// The environment its packages are installed in (`null`: it declares none).
    environment: Option<crate::model::deps::Environment>,
}

impl<'a> ListedTool<'a> {
    fn of(root: &std::path::Path, e: &'a ToolEntry) -> Self {
        ListedTool {
            // Only a tool whose listing met a lock has one to read: a listing of thousands
            // opens no lock that is not there.
            environment: e
                .has_lock
                .then(|| crate::workbench::reads::environment_of(root, e))
                .flatten(),
            name: &e.name,
            version: &e.version,
            tier: e.tier,
            path: &e.path,
            description: &e.description,
            category: e.category,
            cost_tier: e.cost_tier,
            keywords: &e.keywords,
            capabilities: &e.capabilities,
            inferred: e.inferred,
            content_hash: &e.content_hash,
            drift: e.drift.as_deref(),
            signature: e.signature.as_deref(),
            error: e.error.as_deref(),
            warnings: &e.warnings,
        }
    }
}

pub(crate) fn run(args: ListArgs, ws: &Workbench) -> CliResult {
    let catalog = ws.listing();
    let order = ws.config().sort;
    // Quality needs the recorded runs; a workspace without a store has none to read.
    let stats: HashMap<String, ToolStats> = match order {
        SortOrder::Quality => ws
            .existing_reader()
            .and_then(|reader| reader.tool_stats().ok())
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect(),
        _ => HashMap::new(),
    };
    let entries: Vec<&ToolEntry> = catalog
        .ordered(order, |name| quality_of(&stats, name))
        .into_iter()
        .map(|i| &catalog.entries()[i])
        .filter(|e| args.tier.is_none_or(|t| t == e.tier))
        .collect();
    if args.json {
        let listed: Vec<ListedTool> = entries
            .into_iter()
            .map(|e| ListedTool::of(ws.root(), e))
            .collect();
        print_json(&listed)?;
        return Ok(());
    }
    if entries.is_empty() {
        match args.tier {
            Some(tier) => errln!("no tools in {tier}/ of {}", ws.root().display()),
            None => errln!(
                "no tools in {} (agents write them into experimental/)",
                ws.root().display()
            ),
        }
        return Ok(());
    }
    print_table(&entries);
    // The process ends once this returns: freeing 10,000 rows one string at a time would
    // only delay that (a few ms at 10,000 tools), so the memory goes back with the process.
    std::mem::forget(catalog);
    Ok(())
}

fn print_table(entries: &[&ToolEntry]) {
    let name_width = entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(
        "{:<12} {:<name_width$} {:<10} {:<10} DESCRIPTION",
        "TIER",
        "NAME",
        "VERSION",
        "COST"
    );
    print_rows(entries.iter().map(|e| table_row(e, name_width)));
}

/// One tool's row of the table. Pushed piece by piece into one string the size of the row: at
/// 10,000 rows the formatting machinery's padding was a good part of a listing's serial end.
fn table_row(e: &ToolEntry, name_width: usize) -> String {
    let mut row = String::with_capacity(48 + name_width + e.description.len());
    push_padded(&mut row, e.tier.as_str(), 12);
    push_padded(&mut row, &e.name, name_width);
    push_padded(&mut row, &e.version, 10);
    push_padded(&mut row, e.cost_tier.map(|c| c.as_str()).unwrap_or("-"), 10);
    match (&e.error, &e.drift) {
        (Some(error), _) => {
            row.push_str("BROKEN: ");
            row.push_str(error);
        }
        (None, Some(drift)) => {
            row.push_str(&drift.label().to_uppercase());
            row.push_str(": ");
            row.push_str(&e.description);
            row.push_str(" (will not run)");
        }
        (None, None) => {
            row.push_str(&e.description);
            if e.inferred {
                row.push_str(" (inferred manifest)");
            }
        }
    }
    row
}

/// `text` then a space, left-aligned in `width` characters as `{:<width$} ` puts it.
fn push_padded(row: &mut String, text: &str, width: usize) {
    row.push_str(text);
    let used = text.chars().count();
    row.extend(std::iter::repeat_n(' ', width.saturating_sub(used) + 1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CostTier, Drift};

    /// The row as the table printed it with `format!` before it was pushed piece by piece.
    fn formatted(e: &ToolEntry, name_width: usize) -> String {
        let cost = e.cost_tier.map(|c| c.as_str()).unwrap_or("-");
        let text = match (&e.error, &e.drift) {
            (Some(error), _) => format!("BROKEN: {error}"),
            (None, Some(drift)) => format!(
                "{}: {} (will not run)",
                drift.label().to_uppercase(),
                e.description
            ),
            (None, None) if e.inferred => format!("{} (inferred manifest)", e.description),
            (None, None) => e.description.to_string(),
        };
        format!(
            "{:<12} {:<name_width$} {:<10} {:<10} {}",
            e.tier.as_str(),
            e.name,
            e.version,
            cost,
            text
        )
    }

    #[test]
    fn a_row_reads_as_the_padded_format_would_print_it() {
        let plain = ToolEntry {
            description: "Sums a column".into(),
            cost_tier: Some(CostTier::Medium),
            ..ToolEntry::fixture(Tier::Approved, "csv_sum")
        };
        let wide = ToolEntry {
            version: "10.20.300-beta.1".into(),
            inferred: true,
            ..ToolEntry::fixture(Tier::Experimental, "résumé_été")
        };
        let broken = ToolEntry {
            error: Some("tool.toml: missing field `version`".into()),
            ..ToolEntry::fixture(Tier::Core, "broken")
        };
        let drifted = ToolEntry {
            drift: Some(Box::new(Drift::Unapproved)),
            ..ToolEntry::fixture(Tier::Approved, "a_name_longer_than_the_column")
        };
        for entry in [&plain, &wide, &broken, &drifted] {
            for width in [4, 12, 20] {
                assert_eq!(table_row(entry, width), formatted(entry, width));
            }
        }
    }
}
