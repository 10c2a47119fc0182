use clap::Args;
use serde::Serialize;

use super::runs::column_width;
use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench};
use crate::model::quality::ToolStats;
use crate::model::quality::score::stats_for_active_tools;
use crate::text::format_ms;

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// The `stats --json` shape (a contract for scripts). Rates are rounded to 4 decimals.
#[derive(Serialize)]
struct ListedStats<'a> {
    name: &'a str,
    runs: u64,
    /// `None` (null) for a tool that never ran, as its median.
    success_rate: Option<f64>,
    median_ms: Option<u64>,
    quality: f64,
}

impl<'a> From<&'a ToolStats> for ListedStats<'a> {
    fn from(s: &'a ToolStats) -> Self {
        ListedStats {
            name: &s.name,
            runs: s.runs,
            success_rate: (s.runs > 0).then(|| round4(s.success_rate)),
            median_ms: s.median_ms,
            quality: round4(s.quality),
        }
    }
}

/// Four decimals: enough to compare, without float noise such as 0.39999999999999997.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub(crate) fn run(args: StatsArgs, ws: &Workbench) -> CliResult {
    let catalog = ws.scan();
    let recorded = ws.reader()?.tool_stats()?;
    let stats = stats_for_active_tools(catalog.entries(), recorded);
    if args.json {
        let listed: Vec<ListedStats> = stats.iter().map(ListedStats::from).collect();
        print_json(&listed)?;
        return Ok(());
    }
    if stats.is_empty() {
        errln!(
            "no active tools in {} (agents write them into experimental/)",
            ws.root().display()
        );
        return Ok(());
    }
    print_table(&stats);
    Ok(())
}

fn print_table(stats: &[ToolStats]) {
    let names: Vec<String> = stats.iter().map(|s| s.name.clone()).collect();
    let name_width = column_width(&names, "NAME");
    outln!(
        "{:<name_width$} {:>7} {:>8} {:>10} {:>8}",
        "NAME",
        "RUNS",
        "SUCCESS",
        "MEDIAN",
        "QUALITY"
    );
    for s in stats {
        let (success, median) = match s.median_ms {
            Some(ms) if s.runs > 0 => (format!("{:.0}%", s.success_rate * 100.0), format_ms(ms)),
            _ => ("-".to_string(), "-".to_string()),
        };
        outln!(
            "{:<name_width$} {:>7} {:>8} {:>10} {:>8.2}",
            s.name,
            s.runs,
            success,
            median,
            s.quality
        );
    }
}
