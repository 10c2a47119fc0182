use clap::Args;
use serde_json::json;

use super::{CliResult, Workspace};
use crate::model::ToolEntry;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// NAME or NAME@VERSION.
    tool: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ShowArgs, ws: &Workspace) -> CliResult {
    let catalog = ws.scan();
    let entry = catalog.find(&args.tool)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&show_json(entry))?);
    } else {
        print_text(entry);
    }
    Ok(())
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
        "error": entry.error,
        "warnings": entry.warnings,
    });
    if let Some(manifest) = &entry.manifest {
        value["manifest"] = serde_json::to_value(manifest.as_ref()).unwrap_or_default();
    }
    value
}

fn print_text(e: &ToolEntry) {
    println!("{} {}  [{}]", e.name, e.version, e.tier);
    println!("path:         {}", e.path.display());
    if let Some(error) = &e.error {
        println!("error:        {error}");
    }
    for warning in &e.warnings {
        println!("warning:      {warning}");
    }
    if let Some(m) = &e.manifest {
        println!("description:  {}", m.description);
        println!("category:     {}", m.category);
        println!("cost tier:    {}", m.cost_tier);
        println!("command:      {}", m.run.command.join(" "));
        println!("input:        {}", m.run.input);
        println!(
            "limits:       {} s, {} MB, network {}",
            m.run.timeout_secs,
            m.run.memory_mb,
            if m.run.network { "on" } else { "off" }
        );
        if !m.keywords.is_empty() {
            println!("keywords:     {}", m.keywords.join(", "));
        }
        if !m.capabilities.is_empty() {
            println!("capabilities: {}", m.capabilities.join(", "));
        }
        if let Some(parent) = &m.provenance.parent {
            println!("parent:       {parent}");
        }
        if m.inferred {
            println!("manifest:     inferred from a bare script");
        }
    }
    println!("hash:         {}", e.content_hash);
}
