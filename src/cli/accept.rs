//! `toolbench accept`: a person accepts, as they are, the active tools that have no seal here:
//! every one of a workspace never opened here (a clone, a copy), or those a `git pull` or a
//! copy put in `core/` or `approved/` since; the one act that lets them run (DESIGN §11 rule 5).

use clap::Args;

use super::term::{outln, rowln};
use super::{CliError, CliResult, Workbench, tool_id, unexpected};
use crate::command::{Applied, Command};
use crate::model::seals::Sealed;

#[derive(Debug, Args)]
pub(crate) struct AcceptArgs {
    /// Accept only these active tools (NAME, or NAME@VERSION of the active version); the
    /// others stay not approved here. Default: every active tool without a seal.
    names: Vec<String>,
    /// List what would be accepted, and accept nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print a JSON array: name, version, tier, content_hash, sealed_hash, as_it_is.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: AcceptArgs, ws: &Workbench) -> CliResult {
    let only = args
        .names
        .iter()
        .map(|name| tool_id(name))
        .collect::<Result<_, _>>()?;
    let command = Command::Accept {
        only,
        dry_run: args.dry_run,
    };
    let Applied::Accepted { tools, dry_run } = super::apply(ws, command)? else {
        return Err(unexpected());
    };
    if args.json {
        let rows: Vec<serde_json::Value> = tools.iter().map(json).collect();
        let text = serde_json::to_string_pretty(&rows).map_err(|e| CliError::msg(e.to_string()))?;
        outln!("{text}");
        return Ok(());
    }
    if tools.is_empty() {
        outln!("nothing to accept: every active tool was accepted or approved here");
        return Ok(());
    }
    let count = match tools.len() {
        1 => "1 active tool".to_string(),
        n => format!("{n} active tools"),
    };
    if dry_run {
        outln!("would accept {count} (`toolbench accept` accepts them):");
    } else {
        outln!("accepted {count}; a later change to any of them needs a review:");
    }
    for sealed in &tools {
        rowln!("  {}", row(sealed));
    }
    Ok(())
}

/// `approved/csv_to_json 1.2.0 3fa2c1d04e1b`, or, for a tool the store remembers otherwise,
/// what is sealed and why.
fn row(sealed: &Sealed) -> String {
    let seal = &sealed.seal;
    let short = crate::model::short_hash;
    let mut row = format!(
        "{}/{} {} {}",
        seal.tier,
        seal.name,
        seal.version,
        short(&seal.hash)
    );
    if !sealed.as_it_is() {
        row.push_str(&format!(
            " (the version made active here before; its folder holds {} now, which shows as \
             modified)",
            short(&sealed.content_hash)
        ));
    }
    row
}

fn json(sealed: &Sealed) -> serde_json::Value {
    serde_json::json!({
        "name": sealed.seal.name,
        "version": sealed.seal.version,
        "tier": sealed.seal.tier,
        "content_hash": sealed.content_hash,
        "sealed_hash": sealed.seal.hash,
        "as_it_is": sealed.as_it_is(),
    })
}
