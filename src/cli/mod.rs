//! The command line: one file per subcommand, each a thin call into the library.
//!
//! Exit codes: 0 ok, 1 failure, 2 usage. Errors are one line on stderr.

mod call;
mod completions;
mod failures;
mod init;
mod list;
mod mark_failure;
mod run;
mod runs;
mod show;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::catalog::Catalog;
use crate::catalog::scan::{ScanProgress, scan_workspace};
use crate::config::Config;
use crate::workspace::{RootSource, resolve_root};

#[derive(Debug, Parser)]
#[command(
    name = "toolbench",
    version,
    about = "A terminal workbench for AI-generated tools: catalog, runs, review"
)]
pub struct Cli {
    /// Workspace root (the tools folder). Default: ./tools when it is a workspace, else a
    /// workspace in the user data directory.
    #[arg(long, global = true, env = "TOOLBENCH_ROOT", value_name = "DIR")]
    root: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a workspace: the four tiers and a .gitignore.
    Init(init::InitArgs),
    /// List the tools of the catalog.
    List(list::ListArgs),
    /// Show one tool: manifest, files, errors.
    Show(show::ShowArgs),
    /// Call the best tool with a capability, falling back to the next on failure.
    Call(call::CallArgs),
    /// Run a tool in the sandbox, streaming its output; exits with the tool's status.
    Run(run::RunArgs),
    /// List recorded runs, newest first.
    Runs(runs::RunsArgs),
    /// List recorded failures, newest first.
    Failures(failures::FailuresArgs),
    /// Record a failure of a tool by hand; it lowers the tool's quality.
    MarkFailure(mark_failure::MarkFailureArgs),
    /// Runs, success rate, median duration and quality of every active tool.
    Stats(stats::StatsArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
}

/// A failure that ends the command: printed as one line, exit code 1.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub type CliResult = Result<(), CliError>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("toolbench: {message}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(cli: Cli) -> CliResult {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError(format!("cannot read the current directory: {e}")))?;
    match cli.command {
        Some(Command::Init(args)) => init::run(args, &cwd),
        Some(Command::Completions(args)) => {
            completions::run(args, &mut Cli::command());
            Ok(())
        }
        Some(Command::List(args)) => list::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?),
        Some(Command::Call(args)) => call::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?),
        Some(Command::Run(args)) => run::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?),
        Some(Command::Show(args)) => show::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?),
        Some(Command::Runs(args)) => runs::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?),
        Some(Command::Failures(args)) => {
            failures::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?)
        }
        Some(Command::MarkFailure(args)) => {
            mark_failure::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?)
        }
        Some(Command::Stats(args)) => {
            stats::run(args, &Workspace::open(cli.root.as_deref(), &cwd)?)
        }
        None => {
            let ws = Workspace::open(cli.root.as_deref(), &cwd)?;
            crate::tui::run(ws.root, ws.source, ws.config).map_err(CliError::from)
        }
    }
}

/// The resolved workspace and its configuration, shared by the subcommands.
pub struct Workspace {
    pub root: PathBuf,
    pub source: RootSource,
    pub config: Config,
}

impl Workspace {
    fn open(explicit: Option<&Path>, cwd: &Path) -> Result<Self, CliError> {
        let (root, source) = resolve_root(explicit, cwd)?;
        let config = Config::load(&root)?;
        Ok(Self {
            root,
            source,
            config,
        })
    }

    /// A fresh scan: the CLI always answers from disk, never from the cache.
    fn scan(&self) -> Catalog {
        Catalog::new(scan_workspace(&self.root, &ScanProgress::default()))
    }
}
