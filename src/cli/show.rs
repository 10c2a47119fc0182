use clap::Args;
use serde_json::json;

use super::term::{outln, print_json};
use super::{CliResult, Workbench, tool_id};
use crate::model::{DeclaredPermissions, ToolEntry};

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// NAME or NAME@VERSION.
    tool: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: ShowArgs, ws: &Workbench) -> CliResult {
    let entry = ws.find_reading(&tool_id(&args.tool)?)?;
    if args.json {
        let mut value = show_json(&entry);
        value["environment"] = serde_json::to_value(environment(ws, &entry)).unwrap_or_default();
        print_json(&value)?;
    } else {
        print_text(&entry);
        if let Some(env) = environment(ws, &entry) {
            outln!("environment:  {}", env.line());
        }
    }
    Ok(())
}

fn environment(ws: &Workbench, entry: &ToolEntry) -> Option<crate::model::deps::Environment> {
    crate::workbench::reads::environment_of(ws.root(), entry)
}

fn show_json(entry: &ToolEntry) -> serde_json::Value {
    let mut value = json!({
        "name": entry.name,
        "version": entry.version,
        "tier": entry.tier,
        "path": entry.path,
        "description": entry.description,
        "category": entry.category,
        "cost_tier": entry.cost_tier,
        "keywords": entry.keywords,
        "capabilities": entry.capabilities,
        "inferred": entry.inferred,
        "content_hash": entry.content_hash,
        "drift": entry.drift,
        "signature": entry.signature,
        "error": entry.error,
        "warnings": entry.warnings,
    });
    // What the tool may read, write and reach, spelled as in tool.toml; null without a
    // manifest.
    value["permissions"] = entry
        .manifest
        .as_ref()
        .map(|m| DeclaredPermissions::from(&m.permissions))
        .and_then(|p| serde_json::to_value(p).ok())
        .unwrap_or_default();
    if let Some(manifest) = &entry.manifest {
        value["manifest"] = serde_json::to_value(manifest.as_ref()).unwrap_or_default();
    }
    value
}

fn print_text(e: &ToolEntry) {
    outln!("{} {}  [{}]", e.name, e.version, e.tier);
    outln!("path:         {}", e.path.display());
    if let Some(error) = &e.error {
        outln!("error:        {error}");
    }
    for warning in &e.warnings {
        outln!("warning:      {warning}");
    }
    if let Some(m) = &e.manifest {
        outln!("description:  {}", m.description);
        outln!("category:     {}", m.category);
        outln!("cost tier:    {}", m.cost_tier);
        outln!("command:      {}", m.run.command.join(" "));
        outln!("input:        {}", m.run.input);
        outln!(
            "limits:       {} s, {} MB",
            m.run.timeout_secs,
            m.run.memory_mb
        );
        outln!("permissions:  {}", m.permissions.summary());
        if !m.keywords.is_empty() {
            outln!("keywords:     {}", m.keywords.join(", "));
        }
        if !m.capabilities.is_empty() {
            outln!("capabilities: {}", m.capabilities.join(", "));
        }
        if let Some(parent) = &m.provenance.parent {
            outln!("parent:       {parent}");
        }
        if m.inferred {
            outln!("manifest:     inferred from a bare script");
        }
    }
    outln!("hash:         {}", e.content_hash);
    if let Some(drift) = &e.drift {
        outln!("approval:     {}", drift_line(e, drift));
    }
}

/// What `show` says of an active tool whose content is not what was approved.
fn drift_line(e: &ToolEntry, drift: &crate::model::Drift) -> String {
    use crate::model::short_hash;
    let what = match drift {
        crate::model::Drift::Modified {
            approved_version,
            approved_hash,
        } => format!(
            "{} (approved {approved_version} {}); it will not run",
            drift.label(),
            short_hash(approved_hash)
        ),
        crate::model::Drift::Unapproved => format!("{}; it will not run", drift.label()),
        crate::model::Drift::NotAccepted => {
            return format!(
                "{}; it will not run: `toolbench accept --dry-run` lists the tools this workspace \
                 holds, `toolbench accept` accepts them as they are",
                drift.label()
            );
        }
        crate::model::Drift::Unsigned
        | crate::model::Drift::SignedOtherContent { .. }
        | crate::model::Drift::SignatureInvalid { .. }
        | crate::model::Drift::SignerNotAllowed { .. } => {
            let why = match drift {
                crate::model::Drift::SignatureInvalid { reason }
                | crate::model::Drift::SignerNotAllowed { reason, .. } => format!(": {reason}"),
                _ => String::new(),
            };
            return format!(
                "{}{why}; it will not run with [review] signatures = \"require\": `toolbench \
                 verify {name}` shows it, a reviewer's `toolbench approve {name} --hash {}` \
                 signs its content",
                drift.label(),
                short_hash(&e.content_hash),
                name = e.name
            );
        }
    };
    format!(
        "{what}: `toolbench resubmit {name}` sends it to review, `toolbench approve {name} --hash {}` approves it where it is",
        short_hash(&e.content_hash),
        name = e.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::manifest::parse_manifest;
    use crate::model::Tier;
    use std::path::Path;
    use std::sync::Arc;

    #[test]
    fn json_carries_the_permissions_as_tool_toml_spells_them() {
        let manifest = parse_manifest(
            "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n\
             [permissions]\nproject = \"read\"\nwrite = [\"project/build\"]\nnetwork = [\"api.github.com:443\"]\n",
            Path::new("tool.toml"),
        )
        .expect("manifest")
        .manifest;
        let entry = ToolEntry {
            manifest: Some(Arc::new(manifest)),
            ..ToolEntry::fixture(Tier::Approved, "t")
        };
        assert_eq!(
            show_json(&entry)["permissions"],
            json!({
                "project": "read",
                "read": [],
                "write": ["project/build"],
                "network": ["api.github.com:443"],
            })
        );
        let broken = ToolEntry::fixture(Tier::Approved, "b");
        assert_eq!(show_json(&broken)["permissions"], serde_json::Value::Null);
    }
}
