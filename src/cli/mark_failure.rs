use clap::Args;

use super::term::outln;
use super::{CliResult, Workspace, tool_id};
use crate::model::{RunOrigin, Severity};
use crate::quality::{FailureReport, ToolStats};

#[derive(Debug, Args)]
pub struct MarkFailureArgs {
    /// The tool that failed: NAME or NAME@VERSION (must be in the catalog).
    tool: String,
    /// What the tool was asked to do.
    #[arg(long)]
    scenario: String,
    /// What went wrong.
    #[arg(long)]
    error: String,
    /// How bad it is: low, medium, high or critical.
    #[arg(long, value_name = "SEV", value_parser = parse_severity)]
    severity: Severity,
    /// A negative tag such as not-for-json.
    #[arg(long)]
    tag: Option<String>,
}

fn parse_severity(s: &str) -> Result<Severity, crate::model::UnknownValue> {
    s.parse()
}

pub fn run(args: MarkFailureArgs, ws: &Workspace) -> CliResult {
    let spec = tool_id(&args.tool)?;
    let mut store = ws.store()?;
    let entry = ws.find(&spec, &mut store)?;
    let report = FailureReport {
        scenario: args.scenario,
        error: args.error,
        severity: args.severity,
        tag: args.tag,
    };
    let failure = report.into_record(
        &entry.name,
        &entry.version,
        RunOrigin::Cli,
        crate::clock::now_rfc3339(),
    )?;
    let mut recorded = [failure];
    store.insert_failures(&mut recorded)?;
    let [failure] = recorded;
    let stats = store
        .stats_for(&entry.name)?
        .unwrap_or_else(|| ToolStats::unused(&entry.name));
    outln!(
        "recorded failure #{} for {}@{} (severity {}); quality now {:.2}",
        failure.id,
        failure.tool,
        failure.version,
        failure.severity,
        stats.quality
    );
    Ok(())
}
