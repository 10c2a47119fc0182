//! `toolbench doctor`: checks the state store and makes it whole again (`crate::doctor`).

use clap::Args;

use super::term::outln;
use super::{CliError, CliResult, Workbench};
use crate::doctor::{self, DoctorLock};

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
        Some(DoctorLock::take(&crate::workspace::state_dir(root))?)
    };
    let findings = doctor::check(root);
    for line in findings.lines(root) {
        outln!("{line}");
    }
    if findings.is_whole() {
        outln!("nothing to repair: the store is whole");
        return Ok(());
    }
    if args.dry_run {
        for line in findings.plan(root) {
            outln!("dry run: {line}");
        }
        return Ok(());
    }
    if let doctor::StoreHealth::TooNew { .. } = findings.store {
        return Err(CliError::msg(
            "the store was written by a newer toolbench: use that toolbench",
        ));
    }
    let report = doctor::repair(root, ws.config(), &findings)?;
    for line in report.lines(root) {
        outln!("{line}");
    }
    let after = doctor::check(root);
    match after.store {
        doctor::StoreHealth::Whole => {
            outln!("the store is whole again");
            Ok(())
        }
        _ => Err(CliError::msg(format!(
            "the store is still not whole: {}",
            after.lines(root).join("; ")
        ))),
    }
}
