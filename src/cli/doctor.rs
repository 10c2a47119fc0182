//! `toolbench doctor`: checks the state store and makes it whole again (`crate::doctor`).

use clap::Args;

use super::term::outln;
use super::{CliError, CliResult, Workbench};

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Only check and say what a repair would do; change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(args: DoctorArgs, ws: &Workbench) -> CliResult {
    let root = ws.root();
    // Held until the command ends: a second doctor is refused meanwhile.
    let _lock = if args.dry_run {
        None
    } else {
        Some(ws.lock_for_repair()?)
    };
    let findings = ws.check_store();
    for line in findings.lines(root) {
        outln!("{line}");
    }
    if findings.is_whole() {
        outln!("nothing to repair: the store is whole");
        return Ok(());
    }
    // Nothing this build may do, with or without a dry run: the same answer either way.
    if findings.store_is_too_new() {
        return Err(CliError::msg(
            "the store was written by a newer toolbench: use that toolbench",
        ));
    }
    if args.dry_run {
        for line in findings.plan(root) {
            outln!("dry run: {line}");
        }
        return Ok(());
    }
    let report = ws.repair_store(&findings)?;
    for line in report.lines(root) {
        outln!("{line}");
    }
    let after = ws.check_store();
    if after.store_is_whole() {
        outln!("the store is whole again");
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "the store is still not whole: {}",
            after.lines(root).join("; ")
        )))
    }
}
