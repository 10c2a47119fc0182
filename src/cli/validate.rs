//! `toolbench validate NAME[@VERSION] [--json] [--force]`: the validation checklist of one
//! tool. Exits 0 for pass and warn, 1 for fail. The runs of its test cases are recorded with
//! origin `validation`.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::Args;

use super::{CliError, CliResult, Workbench, runtime, tool_id};
use crate::command::{Applied, Command};
use crate::model::validation_report::Validated;
use crate::model::validation_report::{
    Answered, CaseStatus, CheckKind, CheckStatus, Difference, ValidationReport, Verdict,
};

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// NAME or NAME@VERSION.
    tool: String,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Validate again even when a cached report matches the tool's content.
    #[arg(long)]
    force: bool,
    /// Generate inputs from this seed (a report's `generated.seed`) instead of the one the
    /// content gives; validates again.
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,
}

pub(crate) fn run(args: ValidateArgs, ws: &Workbench) -> CliResult {
    let command = Command::Validate {
        tool: tool_id(&args.tool)?,
        folder: None,
        force: args.force,
        seed: args.seed,
    };
    let ctx = ws.caller(crate::model::RunOrigin::Cli)?;
    let validated = runtime()?.block_on(async {
        // Interrupted, its runs are cancelled and recorded, and no report is kept.
        super::run::stop_on_signal();
        ws.apply(&ctx, command).await
    });
    let Validated { report, unstored } = match validated? {
        Applied::Validated(validated) => *validated,
        _ => {
            return Err(CliError::msg(
                "validate: the library answered without a report",
            ));
        }
    };
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&report)?)
    } else {
        render_text(&report)
    };
    // A reader that stopped early (`| head`) is not an error worth a panic.
    let _ = super::term::write_out(text.as_bytes());
    // The report stands, but a test case's run the store refused is an error to tell.
    if !unstored.is_empty() {
        let lost: Vec<String> = unstored.iter().map(ToString::to_string).collect();
        return Err(CliError::msg(format!(
            "{} run(s) of the test cases not stored: {}",
            unstored.len(),
            lost.join("; ")
        )));
    }
    if report.verdict == Verdict::Fail {
        drop(ctx);
        let _ = std::io::stdout().flush();
        std::process::exit(1);
    }
    Ok(())
}

fn symbol(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "✓",
        CheckStatus::Warn => "!",
        CheckStatus::Fail => "✗",
        CheckStatus::Skip => "-",
    }
}

/// An input parent and candidate answer differently, and both answers.
fn render_difference(difference: &Difference) -> String {
    let side = |answered: &Answered| match &answered.refused {
        Some(_) => answered.ending(),
        None => format!("{}: {}", answered.ending(), answered.stdout.trim()),
    };
    format!(
        "    ≠ {} ({}, from {})\n      parent:    {}\n      candidate: {}\n",
        difference.input,
        difference.what.join(", "),
        difference.source,
        side(&difference.parent),
        side(&difference.candidate)
    )
}

/// The checklist: one line per check (the permissions first, with everything declared under
/// an escalation), the cases under `tests`, then findings and similar tools, and
/// `verdict: …` last.
pub(crate) fn render_text(report: &ValidationReport) -> String {
    let mut out = String::new();
    let cached = if report.cached { "  (cached)" } else { "" };
    let _ = writeln!(
        out,
        "{}@{}  {}{cached}",
        report.name, report.version, report.path
    );
    for check in &report.checks {
        let _ = writeln!(
            out,
            "{} {:<14} {}",
            symbol(check.status),
            check.check.as_str(),
            check.message
        );
        if check.check == CheckKind::Permissions
            && let Some(permissions) = report
                .permissions
                .as_ref()
                .filter(|p| !p.escalations.is_empty())
        {
            let _ = writeln!(out, "    declared: {}", permissions.summary);
        }
        if check.check == CheckKind::Tests {
            for case in &report.tests {
                let mark = match case.status {
                    CaseStatus::Pass => "✓",
                    CaseStatus::Fail | CaseStatus::Error => "✗",
                };
                let memory = case
                    .peak_memory_kb
                    .map(|kb| format!("  {:.1} MB", kb as f64 / 1024.0))
                    .unwrap_or_default();
                let detail = match case.status {
                    CaseStatus::Pass if case.message == "ok" => String::new(),
                    CaseStatus::Pass => format!("  {}", case.message),
                    other => format!("  {other}: {}", case.message),
                };
                let _ = writeln!(
                    out,
                    "    {mark} {:<20} {:>6} ms{memory}{detail}",
                    case.case, case.duration_ms
                );
            }
        }
        if check.check == CheckKind::Generated
            && let Some(generated) = &report.generated
        {
            for failure in &generated.failures {
                let _ = writeln!(
                    out,
                    "    ✗ {} ({} input(s)): {}\n      smallest input: {}",
                    failure.kind, failure.seen, failure.message, failure.input
                );
            }
        }
        if check.check == CheckKind::Differential
            && let Some(differential) = &report.differential
        {
            for difference in &differential.differences {
                let _ = write!(out, "{}", render_difference(difference));
            }
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "findings:");
        for f in &report.findings {
            let place = match f.line {
                Some(line) => format!("{}:{line}", f.file),
                None => f.file.clone(),
            };
            let _ = writeln!(out, "  {place} {} {} ({})", f.rule, f.message, f.severity);
        }
    }
    if !report.similar.is_empty() {
        let _ = writeln!(out, "similar tools:");
        for s in &report.similar {
            let _ = writeln!(
                out,
                "  {:<24} {:.2}  {} {}",
                s.name, s.score, s.tier, s.version
            );
        }
    }
    let _ = writeln!(out, "verdict: {}", report.verdict);
    out
}
