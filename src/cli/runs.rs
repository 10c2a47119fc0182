use clap::Args;
use serde::Serialize;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench, tool_id};
use crate::model::protections::Protections;
use crate::model::{RunOrigin, RunRecord, RunStatus, ToolId};

#[derive(Debug, Args)]
pub(crate) struct RunsArgs {
    /// Only runs of this tool: NAME or NAME@VERSION.
    tool: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// How many of the newest runs to show.
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: usize,
}

/// The `runs --json` shape (a contract for scripts).
#[derive(Serialize)]
struct ListedRun<'a> {
    id: i64,
    tool: &'a str,
    version: &'a str,
    status: RunStatus,
    exit_code: Option<i32>,
    duration_ms: u64,
    origin: RunOrigin,
    /// The MCP client that asked for the run, for runs from MCP.
    client: Option<&'a str>,
    /// The project the tool worked on, for a tool that declares one.
    project: Option<&'a str>,
    /// The protections the run had, and those it lacked: `[{name, active, detail}]`, as
    /// `run --json` gives them.
    sandbox: Protections,
    started_at: &'a str,
    /// The run's folder (its logs), relative to the root.
    log_dir: Option<&'a str>,
    error: Option<&'a str>,
}

impl<'a> From<&'a RunRecord> for ListedRun<'a> {
    fn from(r: &'a RunRecord) -> Self {
        ListedRun {
            id: r.id,
            tool: &r.tool,
            version: &r.version,
            status: r.status,
            exit_code: r.exit_code,
            duration_ms: r.duration_ms,
            origin: r.origin,
            client: r.client.as_deref(),
            project: r.project.as_deref(),
            sandbox: Protections::from_summary(&r.sandbox),
            started_at: &r.started_at,
            log_dir: r.log_dir.as_deref(),
            error: r.error.as_deref(),
        }
    }
}

pub(crate) fn run(args: RunsArgs, ws: &Workbench) -> CliResult {
    let store = ws.reader()?;
    let runs = match args.tool.as_deref().map(tool_id).transpose()? {
        None => store.runs(None, args.limit)?,
        Some(ToolId {
            name,
            version: None,
            ..
        }) => store.runs(Some(&name), args.limit)?,
        Some(ToolId {
            name,
            version: Some(version),
            ..
        }) => store.runs_of_version(&name, &version.to_string(), args.limit)?,
    };
    if args.json {
        let listed: Vec<ListedRun> = runs.iter().map(ListedRun::from).collect();
        print_json(&listed)?;
        return Ok(());
    }
    if runs.is_empty() {
        errln!("no runs recorded{}", for_tool(args.tool.as_deref()));
        return Ok(());
    }
    print_table(&runs);
    Ok(())
}

fn print_table(runs: &[RunRecord]) {
    let ids: Vec<String> = runs.iter().map(|r| r.id.to_string()).collect();
    let tools: Vec<String> = runs
        .iter()
        .map(|r| format!("{}@{}", r.tool, r.version))
        .collect();
    let id_width = column_width(&ids, "ID");
    let tool_width = column_width(&tools, "TOOL");
    // Validation's runs sit beside a person's and an agent's: the origin tells them apart.
    outln!(
        "{:<id_width$} {:<24} {:<tool_width$} {:<10} {:<16} {:<6} DURATION",
        "ID",
        "STARTED",
        "TOOL",
        "ORIGIN",
        "STATUS",
        "EXIT"
    );
    for ((run, id), tool) in runs.iter().zip(&ids).zip(&tools) {
        let exit = run.exit_label();
        outln!(
            "{:<id_width$} {:<24} {:<tool_width$} {:<10} {:<16} {:<6} {}",
            id,
            run.started_at,
            tool,
            run.origin.as_str(),
            run.status.as_str(),
            exit,
            crate::text::format_ms(run.duration_ms)
        );
    }
}

/// ` for NAME`, or nothing, to finish an "empty" message.
pub(super) fn for_tool(spec: Option<&str>) -> String {
    spec.map(|s| format!(" for {s}")).unwrap_or_default()
}

pub(super) fn column_width(cells: &[String], header: &str) -> usize {
    cells
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .max(header.len())
}
