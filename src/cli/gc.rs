use clap::Args;

use super::term::{errln, outln, print_json};
use super::{CliResult, Workbench, decide, runtime};
use crate::command::{Applied, Command};

#[derive(Debug, Args)]
pub(crate) struct GcArgs {
    /// Collect approved tools whose last run (or, never run, whose folder) is older than N days.
    /// Without it and --min-quality, no tool is archived: only unused environments are removed.
    #[arg(long, value_name = "N")]
    days_unused: Option<u64>,
    /// Also collect approved tools whose quality (0..1, from their runs and failures) is below Q.
    /// A tool that never ran (nor failed) has nothing to judge it by: it is named, not collected.
    #[arg(long, value_name = "Q", value_parser = parse_quality)]
    min_quality: Option<f64>,
    /// Only list what would be archived and removed.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// A quality bound, 0 to 1 as quality is: `5` for `0.5` would collect every tool that ran.
fn parse_quality(text: &str) -> Result<f64, String> {
    let quality: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number; expected a quality from 0 to 1"))?;
    if (0.0..=1.0).contains(&quality) {
        Ok(quality)
    } else {
        Err(format!(
            "{text} is not a quality; expected a number from 0 to 1"
        ))
    }
}

pub(crate) fn run(args: GcArgs, ws: &Workbench) -> CliResult {
    let command = Command::Gc {
        days_unused: args.days_unused,
        min_quality: args.min_quality,
        dry_run: args.dry_run,
    };
    let ctx = ws.caller(crate::model::RunOrigin::Cli)?;
    let Applied::Collected(report) = runtime()?.block_on(ws.apply(&ctx, command))? else {
        return Err(super::CliError::msg(
            "gc: the library answered without a report",
        ));
    };
    if args.json {
        print_json(&report)?;
    } else if report.candidates.is_empty() && report.environments.is_empty() {
        outln!("gc: nothing to collect");
    } else if report.dry_run {
        for c in &report.candidates {
            outln!("would archive {}@{}: {}", c.name, c.version, c.reason);
        }
    } else {
        for decision in &report.archived {
            decide::print(decision);
        }
    }
    if !args.json {
        if let Some(floor) = args.min_quality
            && !report.never_ran.is_empty()
        {
            let tools: Vec<String> = report
                .never_ran
                .iter()
                .map(|t| format!("{}@{}", t.name, t.version))
                .collect();
            outln!(
                "{} below quality {floor:.2} never ran: not collected ({})",
                match tools.len() {
                    1 => "1 tool".to_string(),
                    n => format!("{n} tools"),
                },
                tools.join(", ")
            );
        }
        let verb = if report.dry_run {
            "would remove"
        } else {
            "removed"
        };
        for env in &report.environments {
            outln!(
                "{verb} environment {} ({}, {})",
                &env.digest[..12.min(env.digest.len())],
                env.packages.join(" "),
                crate::text::human_size(env.bytes)
            );
        }
    }
    for failure in &report.failed {
        errln!("toolbench: {failure}");
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(super::CliError::msg(format!(
            "gc: {} of {} tools could not be archived",
            report.failed.len(),
            report.candidates.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_quality;

    #[test]
    fn a_quality_bound_is_a_number_from_0_to_1() {
        assert_eq!(parse_quality("0.5"), Ok(0.5));
        assert_eq!(parse_quality("0"), Ok(0.0));
        assert_eq!(parse_quality("1"), Ok(1.0));
        for bad in ["2", "-5", "nan", "inf", "half"] {
            assert!(parse_quality(bad).is_err(), "{bad}");
        }
    }
}
