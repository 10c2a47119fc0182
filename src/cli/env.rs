//! `toolbench env [NAME]`: the environments tools' packages are installed in, each with its
//! size, its packages and the tools that run with it; or the environment of one tool.

use clap::Args;
use serde::Serialize;

use super::term::{outln, print_json};
use super::{CliResult, Workbench, tool_id};
use crate::model::deps::Environment;

#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    /// Only the environment of this tool (NAME or NAME@VERSION).
    tool: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// One environment and the tools that run with it (the `env --json` shape).
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    environment: Environment,
    /// `name@version (tier)` of every tool whose lock it is.
    tools: Vec<String>,
}

pub(crate) fn run(args: EnvArgs, ws: &Workbench) -> CliResult {
    if let Some(tool) = &args.tool {
        let entry = ws.find_reading(&tool_id(tool)?)?;
        let environment = crate::workbench::reads::environment_of(ws.root(), &entry);
        if args.json {
            print_json(&environment)?;
        } else {
            match environment {
                Some(env) => outln!("{}: {}", entry.id(), env.line()),
                None => outln!(
                    "{}: {}",
                    entry.id(),
                    crate::workbench::reads::no_environment(&entry)
                ),
            }
        }
        return Ok(());
    }
    let catalog = ws.scan();
    let mut listed: Vec<Listed> = crate::workbench::reads::environments_built(ws.root())
        .into_iter()
        .map(|info| Listed {
            environment: Environment {
                digest: info.digest,
                built: true,
                bytes: Some(info.bytes),
                packages: info.packages,
            },
            tools: Vec::new(),
        })
        .collect();
    for entry in catalog.entries() {
        let Some(env) = crate::workbench::reads::environment_of(ws.root(), entry) else {
            continue;
        };
        let tool = format!("{} ({})", entry.id(), entry.tier);
        match listed
            .iter_mut()
            .find(|l| l.environment.digest == env.digest)
        {
            Some(found) => found.tools.push(tool),
            None => listed.push(Listed {
                environment: env,
                tools: vec![tool],
            }),
        }
    }
    if args.json {
        print_json(&listed)?;
        return Ok(());
    }
    if listed.is_empty() {
        outln!(
            "no environments: no tool has its packages locked (validation locks what a tool \
             declares and builds its environment)"
        );
    }
    for env in &listed {
        let used = if env.tools.is_empty() {
            "used by no tool (gc removes it)".to_string()
        } else {
            format!("used by {}", env.tools.join(", "))
        };
        outln!("{}; {used}", env.environment.line());
    }
    Ok(())
}
