//! `toolbench call --capability CAP`: the best tool for a capability, falling back to the
//! next on failure (self-recovery), every attempt recorded.

use std::collections::HashMap;

use clap::Args;
use serde_json::json;

use super::run::{check_gate, read_input, run_once};
use super::term::{errln, print_json};
use super::{CliError, CliResult, Workspace};
use crate::jobs::run::Recorder;
use crate::model::{RunStatus, Tier, ToolEntry};
use crate::quality::ToolStats;
use crate::store::SharedStore;

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The capability to call, e.g. csv.parse.
    #[arg(long)]
    capability: String,
    /// Input as JSON text, or @FILE.
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

pub fn run(args: CallArgs, ws: &Workspace) -> CliResult {
    let catalog = ws.scan();
    let input = read_input(args.input.as_deref())?;
    let store = ws.store()?;
    let stats: HashMap<String, ToolStats> = store
        .tool_stats()?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    let candidates = candidates(catalog.entries(), &args.capability, &stats);
    if candidates.is_empty() {
        return Err(CliError::msg(format!(
            "no active tool has capability {:?} (see `toolbench list --json`)",
            args.capability
        )));
    }
    let recorder = Recorder::Store(SharedStore::new(store));
    let mut attempts = Vec::new();
    for entry in candidates.into_iter().take(args.max_attempts as usize) {
        let refusal = check_gate(entry, ws, args.yes)
            .err()
            .map(|e| e.line())
            .or_else(|| {
                crate::runner::preflight(entry, input.as_deref())
                    .err()
                    .map(|e| crate::error_chain::one_line(&e))
            });
        if let Some(reason) = refusal {
            note(&args, format!("skipped {}: {reason}", entry.id()));
            attempts.push(json!({"tool": entry.name, "version": entry.version, "status": "skipped", "error": reason, "run_id": null}));
            continue;
        }
        let recorded = run_once(ws, entry.clone(), input.clone(), &recorder, false)?;
        let (record, outcome) = (recorded.run, recorded.outcome);
        attempts.push(json!({"tool": record.tool, "version": record.version, "status": record.status, "error": record.error, "run_id": record.id}));
        if record.status == RunStatus::Ok {
            if args.json {
                let result = json!({"tool": record.tool, "version": record.version, "stdout": String::from_utf8_lossy(&outcome.stdout)});
                print_json(
                    &json!({"capability": args.capability, "attempts": attempts, "result": result}),
                )?;
            } else {
                super::term::write_out(&outcome.stdout)?;
            }
            return Ok(());
        }
        note(
            &args,
            format!(
                "{} {}: {}; trying the next tool",
                record_id(&record.tool, &record.version),
                record.status,
                record.error.unwrap_or_default()
            ),
        );
    }
    if args.json {
        print_json(&json!({"capability": args.capability, "attempts": attempts, "result": null}))?;
    }
    Err(CliError::msg(format!(
        "all {} attempts for capability {:?} failed",
        attempts.len(),
        args.capability
    )))
}

fn record_id(tool: &str, version: &str) -> String {
    format!("{tool}@{version}")
}

fn note(args: &CallArgs, text: String) {
    if !args.json {
        errln!("toolbench: {text}");
    }
}

/// Active tools with the capability, best quality first (core before approved on ties).
fn candidates<'a>(
    entries: &'a [ToolEntry],
    capability: &str,
    stats: &HashMap<String, ToolStats>,
) -> Vec<&'a ToolEntry> {
    let quality = |e: &ToolEntry| {
        stats
            .get(&e.name)
            .map_or_else(|| ToolStats::unused(&e.name).quality, |s| s.quality)
    };
    let mut found: Vec<&ToolEntry> = entries
        .iter()
        .filter(|e| matches!(e.tier, Tier::Core | Tier::Approved) && e.error.is_none())
        .filter(|e| e.capabilities.iter().any(|c| c == capability))
        .collect();
    found.sort_by(|a, b| {
        quality(b)
            .total_cmp(&quality(a))
            .then(a.tier.cmp(&b.tier))
            .then(a.name.cmp(&b.name))
    });
    found
}
