//! `toolbench signers list|add|accept`: the workspace's reviewers (`.reviews/allowed_signers`,
//! OpenSSH's format) and which of them this machine trusts.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::term::{outln, print_json, rowln};
use super::{CliError, CliResult, Workbench, apply, unexpected};
use crate::command::{Applied, Command};
use crate::model::signers::{SignerEntry, Trust, WORKSPACE_SIGNERS};

#[derive(Debug, Args)]
pub(crate) struct SignersArgs {
    #[command(subcommand)]
    action: SignersAction,
}

#[derive(Debug, Subcommand)]
enum SignersAction {
    /// Every reviewer key: the workspace's (trusted here, or waiting for `signers accept`),
    /// those accepted here that the workspace no longer lists, and the user's own.
    List {
        /// Print a JSON array: principals, key_type, fingerprint, source, status.
        #[arg(long)]
        json: bool,
    },
    /// Add a reviewer to the workspace's allowed_signers and trust that key on this machine.
    Add {
        /// Who signs (e.g. ana@example.com): no spaces, commas, quotes or patterns.
        principal: String,
        /// The reviewer's public key file (e.g. ~/.ssh/id_ed25519.pub).
        pubkey_file: PathBuf,
    },
    /// Trust the workspace's reviewers as its allowed_signers lists them now, on this machine.
    Accept {
        /// Say what would change, and trust nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub(crate) fn run(args: SignersArgs, ws: &Workbench) -> CliResult {
    match args.action {
        SignersAction::List { json } => list(&ws.signers().map_err(CliError::msg)?, json),
        SignersAction::Add {
            principal,
            pubkey_file,
        } => {
            let add = Command::AddSigner {
                principal,
                key_file: pubkey_file,
            };
            let Applied::SignerAdded {
                principal,
                fingerprint,
            } = apply(ws, add)?
            else {
                return Err(unexpected());
            };
            outln!(
                "added {principal} {fingerprint} to {WORKSPACE_SIGNERS}, trusted on this machine; \
                 commit it so teammates get it (each accepts it with `toolbench signers accept`)"
            );
            Ok(())
        }
        SignersAction::Accept { dry_run } => {
            let trust = ws.signers().map_err(CliError::msg)?;
            let floor = ws.signatures_asked();
            for entry in &trust.waiting {
                rowln!("  + {}", describe(entry));
            }
            for entry in &trust.removed {
                rowln!("  - {}", describe(entry));
            }
            if dry_run {
                outln!(
                    "would trust {} reviewer key(s) of {WORKSPACE_SIGNERS} ({} added, {} removed), \
                     signatures = \"{}\" at least",
                    trust.workspace.len(),
                    trust.waiting.len(),
                    trust.removed.len(),
                    floor.as_str()
                );
                return Ok(());
            }
            let Applied::SignersAccepted {
                keys,
                file,
                at_least,
            } = apply(ws, Command::AcceptSigners)?
            else {
                return Err(unexpected());
            };
            outln!(
                "trusted {keys} reviewer key(s) of {WORKSPACE_SIGNERS} on this machine ({}), \
                 signatures = \"{}\" at least",
                file.display(),
                at_least.as_str()
            );
            Ok(())
        }
    }
}

fn describe(entry: &SignerEntry) -> String {
    format!(
        "{} {} {}",
        crate::text::visible(&entry.principals.join(",")),
        entry.key_type,
        entry.fingerprint()
    )
}

fn list(trust: &Trust, json: bool) -> CliResult {
    let mut rows = Vec::new();
    let mut push = |entry: &SignerEntry, source: &str, status: &str| {
        rows.push(serde_json::json!({
            "principals": entry.principals,
            "key_type": entry.key_type,
            "fingerprint": entry.fingerprint(),
            "namespaces": entry.namespaces,
            "source": source,
            "status": status,
        }));
    };
    for entry in &trust.workspace {
        let status = if trust.waiting.contains(entry) {
            "waiting"
        } else {
            "trusted"
        };
        push(entry, "workspace", status);
    }
    for entry in &trust.removed {
        push(entry, "accepted", "removed");
    }
    let user_status = if trust.system.is_some() {
        "ignored"
    } else {
        "trusted"
    };
    for entry in &trust.user {
        push(entry, "user", user_status);
    }
    for entry in trust.system.iter().flat_map(|s| &s.entries) {
        push(entry, "machine", "trusted");
    }
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        outln!(
            "no reviewers: `toolbench signers add PRINCIPAL PUBKEY_FILE` adds one to \
             {WORKSPACE_SIGNERS}"
        );
    }
    for row in &rows {
        rowln!(
            "  {:<9} {:<9} {} {} {}",
            row["source"].as_str().unwrap_or_default(),
            row["status"].as_str().unwrap_or_default(),
            crate::text::visible(
                &row["principals"]
                    .as_array()
                    .map(|p| p
                        .iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(","))
                    .unwrap_or_default()
            ),
            row["key_type"].as_str().unwrap_or_default(),
            row["fingerprint"].as_str().unwrap_or_default()
        );
    }
    if let Some(line) = trust.change_line_under_list() {
        outln!("{line}");
    }
    Ok(())
}
