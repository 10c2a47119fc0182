//! `toolbench verify [NAME] [--json] [--in-toto]`: how every active tool's signed review
//! stands (signed by whom and when, unsigned, invalid, signer not allowed, other content,
//! drift), with what `ssh-keygen -Y verify` needs to check a signed one by itself; exit 1 on
//! anything that would be refused.

use clap::Args;

use super::term::{outln, print_json, rowln};
use super::{CliError, CliResult, Workbench, tool_id};

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Only this active tool (NAME or NAME@VERSION). Default: every active tool.
    name: Option<String>,
    /// Print a JSON array: name, version, tier, path, content_hash, state, runs, drift,
    /// reason, principal, at, decision, key, statement, signature, namespace.
    #[arg(long, conflicts_with = "in_toto")]
    json: bool,
    /// Print NAME's review as an in-toto Statement in a DSSE envelope.
    #[arg(long, requires = "name")]
    in_toto: bool,
}

pub(crate) fn run(args: VerifyArgs, ws: &Workbench) -> CliResult {
    let only = args.name.as_deref().map(tool_id).transpose()?;
    let report = ws.verify(only.as_ref()).map_err(CliError::msg)?;
    if args.in_toto {
        let Some(row) = report.rows.first() else {
            return Err(CliError::msg("no active tool of that name"));
        };
        let envelope = ws.in_toto_envelope(&row.entry).map_err(CliError::msg)?;
        print_json(&envelope)?;
        return Ok(());
    }
    if args.json {
        print_json(&report.rows)?;
    } else {
        outln!(
            "signatures = \"{}\"; {} reviewer key(s) trusted here",
            report.mode.as_str(),
            report.trusted
        );
        if let Some(line) = &report.signers_change {
            outln!("{line}");
        }
        if let Some((asked, floor)) = report.lowered {
            outln!(
                "the workspace's toolbench.toml asks for signatures = \"{}\", less than the \
                 \"{}\" accepted here: kept at \"{}\" until `toolbench signers accept`",
                asked.as_str(),
                floor.as_str(),
                floor.as_str()
            );
        }
        for row in &report.rows {
            rowln!("  {}", row.line());
        }
        if let [row] = report.rows.as_slice()
            && let Some(line) = row.check_by_hand()
        {
            outln!("{line}");
        }
        if report.rows.is_empty() {
            outln!("no active tool");
        }
    }
    let refused = report.rows.iter().filter(|r| r.refused()).count();
    if refused > 0 {
        // The one error line, as every command's (main prints it).
        let unverified = if report.signatures_decide() {
            " or hold a review that does not verify"
        } else {
            ""
        };
        return Err(CliError::msg(format!(
            "{refused} active tool(s) would be refused{unverified}"
        )));
    }
    Ok(())
}
