use clap::Args;

use super::term::outln;
use super::{CliError, CliResult, Workbench, runtime, tool_id};
use crate::command::{Applied, Command};
use crate::model::Severity;
use crate::model::failure_report::FailureReport;

#[derive(Debug, Args)]
pub(crate) struct MarkFailureArgs {
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

pub(crate) fn run(args: MarkFailureArgs, ws: &Workbench) -> CliResult {
    let command = Command::MarkFailure {
        tool: tool_id(&args.tool)?,
        report: FailureReport {
            scenario: args.scenario,
            error: args.error,
            severity: args.severity,
            tag: args.tag,
        },
        run: None,
    };
    let ctx = ws.caller(crate::model::RunOrigin::Cli)?;
    let Applied::FailureMarked { failure, quality } =
        runtime()?.block_on(ws.apply(&ctx, command))?
    else {
        return Err(CliError::msg(
            "mark-failure: the library answered without a failure",
        ));
    };
    outln!(
        "recorded failure #{} for {}@{} (severity {}); quality now {:.2}",
        failure.id,
        failure.tool,
        failure.version,
        failure.severity,
        quality
    );
    Ok(())
}
