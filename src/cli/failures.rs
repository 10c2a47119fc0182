use clap::Args;
use serde::Serialize;

use super::runs::{column_width, for_tool};
use super::term::{errln, outln, print_json, rowln};
use super::{CliResult, Workbench, tool_id};
use crate::model::{FailureRecord, RunOrigin, Severity, ToolId};
use crate::text::visible;

#[derive(Debug, Args)]
pub(crate) struct FailuresArgs {
    /// Only failures of this tool: NAME or NAME@VERSION.
    tool: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// How many of the newest failures to show.
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: usize,
}

/// The `failures --json` shape (a contract for scripts).
#[derive(Serialize)]
struct ListedFailure<'a> {
    id: i64,
    tool: &'a str,
    version: &'a str,
    severity: Severity,
    scenario: &'a str,
    error: &'a str,
    /// The negative tag (`not-for-json`) the reporter gave, if any.
    tag: Option<&'a str>,
    origin: RunOrigin,
    at: &'a str,
    run_id: Option<i64>,
}

impl<'a> From<&'a FailureRecord> for ListedFailure<'a> {
    fn from(f: &'a FailureRecord) -> Self {
        ListedFailure {
            id: f.id,
            tool: &f.tool,
            version: &f.version,
            severity: f.severity,
            scenario: &f.scenario,
            error: &f.error,
            tag: f.tag.as_deref(),
            origin: f.origin,
            at: &f.at,
            run_id: f.run_id,
        }
    }
}

pub(crate) fn run(args: FailuresArgs, ws: &Workbench) -> CliResult {
    let store = ws.reader()?;
    let failures = match args.tool.as_deref().map(tool_id).transpose()? {
        None => store.failures(None, args.limit)?,
        Some(ToolId {
            name,
            version: None,
            ..
        }) => store.failures(Some(&name), args.limit)?,
        Some(ToolId {
            name,
            version: Some(version),
            ..
        }) => store.failures_of_version(&name, &version.to_string(), args.limit)?,
    };
    if args.json {
        let listed: Vec<ListedFailure> = failures.iter().map(ListedFailure::from).collect();
        print_json(&listed)?;
        return Ok(());
    }
    if failures.is_empty() {
        errln!("no failures recorded{}", for_tool(args.tool.as_deref()));
        return Ok(());
    }
    print_table(&failures);
    Ok(())
}

fn print_table(failures: &[FailureRecord]) {
    let ids: Vec<String> = failures.iter().map(|f| f.id.to_string()).collect();
    let tools: Vec<String> = failures
        .iter()
        .map(|f| format!("{}@{}", f.tool, f.version))
        .collect();
    let id_width = column_width(&ids, "ID");
    let tool_width = column_width(&tools, "TOOL");
    outln!(
        "{:<id_width$} {:<24} {:<tool_width$} {:<8} SCENARIO: ERROR",
        "ID",
        "AT",
        "TOOL",
        "SEVERITY"
    );
    for ((f, id), tool) in failures.iter().zip(&ids).zip(&tools) {
        let tag = f
            .tag
            .as_deref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default();
        // A scenario or an error may hold any text: its line breaks and other controls show
        // as escapes, piped too, so each failure is one row and no text passes for another.
        rowln!(
            "{:<id_width$} {:<24} {:<tool_width$} {:<8} {}: {}{}",
            id,
            f.at,
            tool,
            f.severity.as_str(),
            visible(&f.scenario),
            visible(&f.error),
            tag
        );
    }
}
