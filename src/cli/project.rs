//! `toolbench project [accept]`: the folder the workspace's tools work on and where it came
//! from; accepting, on this machine, the folder the workspace's toolbench.toml names.

use clap::{Args, Subcommand};

use super::term::{errln, outln};
use super::{CliResult, Workbench, apply, unexpected};
use crate::command::{Applied, Command};

#[derive(Debug, Args)]
pub(crate) struct ProjectArgs {
    #[command(subcommand)]
    action: Option<ProjectAction>,
}

#[derive(Debug, Subcommand)]
enum ProjectAction {
    /// Take the folder the workspace's toolbench.toml names (`[project] path`) as its project
    /// on this machine, as it resolves now. A file naming another folder later is not taken
    /// until it is accepted again.
    Accept,
}

pub(crate) fn run(args: ProjectArgs, ws: &Workbench) -> CliResult {
    match args.action {
        None => {
            for line in ws.notices() {
                errln!("toolbench: {line}");
            }
            let path = ws.project().map(|p| p.display().to_string());
            outln!(
                "{}  ({})",
                path.unwrap_or_default(),
                ws.project_source().label()
            );
            Ok(())
        }
        Some(ProjectAction::Accept) => {
            let Applied::ProjectAccepted(folder) = apply(ws, Command::AcceptProject)? else {
                return Err(unexpected());
            };
            outln!(
                "accepted {} as the project of {} on this machine: tools granted `project` work on it wherever toolbench starts, unless --project names another",
                folder.display(),
                ws.root().display()
            );
            Ok(())
        }
    }
}
