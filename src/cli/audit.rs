//! `toolbench audit`: the decision log (`.toolbench/log/decisions.jsonl`), which keeps every
//! human decision, call answer and rule change outside the store; `audit verify` checks its
//! hash chain.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::term::{outln, print_json};
use super::{CliError, CliResult, Workbench};
use crate::model::audit::LogEntry;

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    action: Option<AuditAction>,
    /// Print the entries as a JSON array, oldest first, each with the rows it wrote.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Check the chain: every entry's hash and its link to the one before; names the first
    /// entry that breaks it. Exit 1 when broken.
    Verify,
}

/// The `audit --json` shape (a contract for scripts): the entry as logged.
#[derive(Serialize)]
struct Listed<'a> {
    seq: u64,
    at: &'a str,
    who: &'a str,
    action: &'a str,
    subject: &'a str,
    rows: &'a [crate::model::audit::LoggedRow],
    hash: &'a str,
}

pub(crate) fn run(args: AuditArgs, ws: &Workbench) -> CliResult {
    match args.action {
        Some(AuditAction::Verify) => verify(ws),
        None => list(ws, args.json),
    }
}

fn verify(ws: &Workbench) -> CliResult {
    match ws.verify_decision_log()? {
        Ok(summary) => {
            outln!(
                "{}: {} entries, chain whole",
                ws.decision_log_path().display(),
                summary.entries
            );
            Ok(())
        }
        Err(problem) => Err(CliError::from(problem)),
    }
}

fn list(ws: &Workbench, json: bool) -> CliResult {
    let (entries, problem) = ws.decision_log_entries()?;
    if json {
        let listed: Vec<Listed> = entries.iter().map(listed).collect();
        print_json(&listed)?;
    } else {
        for e in &entries {
            outln!(
                "{:>6}  {}  {:<12} {:<24} {}",
                e.seq,
                e.at,
                e.who,
                e.action,
                e.subject
            );
        }
    }
    match problem {
        // What could be read is printed; the break ends the command as a failure.
        Some(problem) => Err(CliError::from(problem)),
        None => Ok(()),
    }
}

fn listed(e: &LogEntry) -> Listed<'_> {
    Listed {
        seq: e.seq,
        at: &e.at,
        who: &e.who,
        action: &e.action,
        subject: &e.subject,
        rows: &e.rows,
        hash: &e.hash,
    }
}
