//! `toolbench call --capability CAP`: the best tool for a capability, falling back to the
//! next on failure (self-recovery), every attempt recorded.

use clap::Args;
use serde_json::{Value, json};

use super::run::{read_input, stop_on_signal};
use super::term::{errln, print_json};
use super::{CliError, CliResult, Workbench, runtime};
use crate::command::{Applied, AttemptOutcome, CallReport, Command};

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The capability to call, e.g. csv.parse.
    #[arg(long)]
    capability: String,
    /// Input as JSON text, @FILE to read it from a file, or @- to read standard input.
    #[arg(long)]
    input: Option<String>,
    /// Try at most this many tools.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: u32,
    /// Also try tools whose cost tier asks for a confirmation.
    #[arg(long)]
    yes: bool,
    /// Print one JSON object with every attempt and the result.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: CallArgs, ws: &Workbench) -> CliResult {
    // Before the input is read: `@-` may wait on standard input.
    let capability = args
        .capability
        .parse()
        .map_err(|e| CliError::msg(format!("--capability: {e}")))?;
    let input = read_input(args.input.as_deref())?;
    let mut ctx = ws.caller(crate::model::RunOrigin::Cli)?;
    let command = Command::Call {
        capability,
        input,
        max_attempts: args.max_attempts as usize,
        confirmed: args.yes,
    };
    let report = runtime()?.block_on(async {
        ctx.cancelled = Some(stop_on_signal());
        match ws.apply(&ctx, command).await? {
            Applied::Called(report) => Ok(report),
            _ => Err(CliError::msg("call: the library answered without a call")),
        }
    })?;
    if !args.json {
        for line in notes(&report) {
            errln!("toolbench: {line}");
        }
    }
    if args.json {
        let result = report.succeeded.as_ref().map(|run| {
            json!({"tool": run.run.tool, "version": run.run.version, "stdout": String::from_utf8_lossy(&run.outcome.stdout)})
        });
        print_json(
            &json!({"capability": report.capability, "attempts": attempts(&report), "result": result}),
        )?;
    } else if let Some(run) = &report.succeeded {
        super::term::write_out(&run.outcome.stdout)?;
    }
    if report.succeeded.is_some() {
        return Ok(());
    }
    if let Some(AttemptOutcome::Ran(run)) = report.attempts.last().map(|a| &a.outcome)
        && run.run.status == crate::model::RunStatus::BadInput
    {
        return Err(CliError::msg(format!(
            "{}@{} refused the input: {}",
            run.run.tool,
            run.run.version,
            run.run.error.as_deref().unwrap_or("bad input")
        )));
    }
    Err(CliError::msg(format!(
        "all {} attempts for capability {:?} failed",
        report.attempts.len(),
        report.capability
    )))
}

/// One line per attempt that did not succeed, as stderr tells them.
fn notes(report: &CallReport) -> Vec<String> {
    report
        .attempts
        .iter()
        .filter_map(|attempt| match &attempt.outcome {
            AttemptOutcome::Skipped(reason) => Some(format!(
                "skipped {}@{}: {reason}",
                attempt.tool, attempt.version
            )),
            // Said once, by the error the call ends with.
            AttemptOutcome::Ran(run) if run.run.status == crate::model::RunStatus::BadInput => None,
            AttemptOutcome::Ran(run) if run.run.status != crate::model::RunStatus::Ok => {
                Some(format!(
                    "{}@{} {}: {}; trying the next tool",
                    run.run.tool,
                    run.run.version,
                    run.run.status,
                    run.run.error.clone().unwrap_or_default()
                ))
            }
            AttemptOutcome::Ran(_) => None,
        })
        .collect()
}

fn attempts(report: &CallReport) -> Vec<Value> {
    report
        .attempts
        .iter()
        .map(|attempt| match &attempt.outcome {
            AttemptOutcome::Skipped(reason) => json!({"tool": attempt.tool, "version": attempt.version, "status": "skipped", "error": reason, "run_id": null}),
            AttemptOutcome::Ran(run) => json!({"tool": run.run.tool, "version": run.run.version, "status": run.run.status, "error": run.run.error, "run_id": run.run.id}),
        })
        .collect()
}
