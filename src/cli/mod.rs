//! The command line: one file per subcommand, each a thin call into the library.
//!
//! Exit codes: 0 ok, 1 failure, 2 usage. Errors are one line on stderr.

mod accept;
mod add_case;
mod approve;
mod archive;
mod audit;
mod call;
mod calls;
mod completions;
mod decide;
mod doctor;
mod env;
mod evolve;
mod failures;
mod gc;
mod history;
mod init;
mod list;
mod live_output;
mod mark_failure;
mod mcp;
mod project;
mod promote;
mod reject;
mod request_changes;
mod restore;
mod resubmit;
mod review;
mod rollback;
mod run;
mod runs;
mod show;
mod signers;
mod stats;
mod subcommand;
mod suggest;
mod term;
mod tools;
mod undo;
mod validate;
mod verify;
mod web;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use self::term::errln;
use crate::workbench::RunHelper;
use crate::workbench::{Opening, Place, Workbench};
pub(crate) use subcommand::{
    CliError, CliResult, ContentArg, apply, content_id, runtime, tool_id, unexpected,
};

#[derive(Debug, Parser)]
#[command(
    name = "toolbench",
    version,
    about = "A terminal workbench for AI-generated tools: catalog, runs, review"
)]
pub(crate) struct Cli {
    /// Workspace root (the tools folder). Default: ./tools when it is a workspace, else a
    /// workspace in the user data directory.
    #[arg(long, global = true, env = "TOOLBENCH_ROOT", value_name = "DIR")]
    root: Option<PathBuf>,

    /// The project: the folder tools that declare `[permissions] project` work on (read, or
    /// write), also their working folder. Default: the workspace's accepted `[project] path`,
    /// else the current directory.
    #[arg(long, global = true, env = "TOOLBENCH_PROJECT", value_name = "DIR")]
    project: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Create a workspace: the four tiers and a .gitignore.
    Init(Lazy<init::InitArgs>),
    /// Accept active tools that have no seal here (a new clone's, a pull's), as they are.
    Accept(Lazy<accept::AcceptArgs>),
    /// List the tools of the catalog.
    List(Lazy<list::ListArgs>),
    /// Show one tool: manifest, files, errors.
    Show(Lazy<show::ShowArgs>),
    /// Call the best tool with a capability, falling back to the next on failure.
    Call(Lazy<call::CallArgs>),
    /// Run a tool in the sandbox, streaming its output; exits with the tool's status.
    Run(Lazy<run::RunArgs>),
    /// List recorded runs, newest first.
    Runs(Lazy<runs::RunsArgs>),
    /// List recorded failures, newest first.
    Failures(Lazy<failures::FailuresArgs>),
    /// Record a failure of a tool by hand; it lowers the tool's quality.
    MarkFailure(Lazy<mark_failure::MarkFailureArgs>),
    /// Runs, success rate, median duration and quality of every active tool.
    Stats(Lazy<stats::StatsArgs>),
    /// What waits for a person: active tools that will not run as they are, tool requests,
    /// and the candidates in experimental/.
    Review(Lazy<review::ReviewArgs>),
    /// Validate a tool: manifest, syntax, lint, security scan, test cases, similar tools.
    Validate(Lazy<validate::ValidateArgs>),
    /// Approve a candidate (experimental → approved), or an active tool's changed content where
    /// it is.
    Approve(Lazy<approve::ApproveArgs>),
    /// Reject an experimental tool with a reason (experimental → archived).
    Reject(Lazy<reject::RejectArgs>),
    /// Ask for changes: writes REVIEW.md into the tool folder; the tool stays in experimental.
    RequestChanges(Lazy<request_changes::RequestChangesArgs>),
    /// Make an input that broke a candidate a test case of it (tests/generated-N.toml).
    AddCase(Lazy<add_case::AddCaseArgs>),
    /// Promote an approved tool to core (approved → core).
    Promote(Lazy<promote::PromoteArgs>),
    /// Send an active tool's changed content back to review; the approved content runs again.
    Resubmit(Lazy<resubmit::ResubmitArgs>),
    /// Archive a tool from any tier (→ archived).
    Archive(Lazy<archive::ArchiveArgs>),
    /// Restore an archived tool to the tier it left.
    Restore(Lazy<restore::RestoreArgs>),
    /// Make the previous (or a given) version of an active tool active again.
    Rollback(Lazy<rollback::RollbackArgs>),
    /// Take back your newest decision on a tool (or --decision ID), recorded as an undo.
    Undo(Lazy<undo::UndoArgs>),
    /// Make a new candidate from a tool and a hint (minor version bump, parent set).
    Evolve(Lazy<evolve::EvolveArgs>),
    /// Decisions about a tool: who, when, why, versions and content hashes.
    History(Lazy<history::HistoryArgs>),
    /// Archive approved tools unused for N days or below a quality floor.
    Gc(Lazy<gc::GcArgs>),
    /// The environments tools' packages are installed in, or the one of tool NAME.
    Env(Lazy<env::EnvArgs>),
    /// Serve approved and core tools to agents over MCP (stdio), with proposals and reviews.
    Mcp(Lazy<mcp::McpArgs>),
    /// Long-running tools: define services, launch instances, send them messages.
    Tools(tools::ToolsArgs),
    /// Agent calls waiting for a human: list, approve, reject; approval rules.
    Calls(calls::CallsArgs),
    /// Tools worth building or changing, found in the run history: list, accept, dismiss.
    Suggest(suggest::SuggestArgs),
    /// The decision log: every decision, call answer and rule change; `verify` checks it.
    Audit(Lazy<audit::AuditArgs>),
    /// How each active tool's signed review stands; exit 1 on anything that would be refused.
    Verify(Lazy<verify::VerifyArgs>),
    /// The workspace's reviewers (allowed_signers): list, add, accept on this machine.
    Signers(signers::SignersArgs),
    /// The project tools work on and where it came from; `accept` takes the one toolbench.toml
    /// names, on this machine.
    Project(project::ProjectArgs),
    /// Check the state store and, when it is damaged, rebuild it (the old file is kept).
    Doctor(Lazy<doctor::DoctorArgs>),
    /// The review page for a phone or a browser: serve it, pair devices, revoke them.
    Web(Lazy<web::WebArgs>),
    /// Print a shell completion script.
    Completions(Lazy<completions::CompletionsArgs>),
}

/// A subcommand's arguments, which clap builds only when that subcommand is the one given.
/// Building every subcommand's arguments took about 0.2 ms of every command's start, a
/// `tools send` included (docs/benchmarks/mcp.md, "Services"); help and completions still
/// see them all.
/// `tools` and `calls` are left out: their own subcommands must exist when the root is built,
/// for the `help` subcommand's tree that completion scripts offer.
#[derive(Debug)]
struct Lazy<T>(T);

impl<T: Args> Args for Lazy<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }

    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: FromArgMatches> FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Lazy)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }

    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

/// `run`'s sandbox helper, forked as the process's first act when `args` name `run`: the heap
/// is then almost empty, so the pages this process writes while it parses its arguments and
/// looks up the tool are its own, not copies of pages it shares with the helper.
pub fn helper_ahead(args: &[OsString]) -> RunHelper {
    if subcommand(args).is_some_and(|name| name == "run") {
        RunHelper::fork()
    } else {
        RunHelper::default()
    }
}

/// The subcommand `args` name: the first argument that is neither the program, the global
/// `--root DIR` nor a flag. `None` once a flag is met, since it may take a value that looks like
/// a subcommand; clap then decides alone.
fn subcommand(args: &[OsString]) -> Option<&OsString> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if arg == "--root" || arg == "--project" {
            rest.next();
        } else if [b"--root=".as_slice(), b"--project="]
            .iter()
            .any(|option| arg.as_encoded_bytes().starts_with(option))
        {
            continue;
        } else if arg.as_encoded_bytes().starts_with(b"-") {
            return None;
        } else {
            return Some(arg);
        }
    }
    None
}

/// `helper`: `run`'s sandbox helper when it was forked ahead (`helper_ahead`).
pub fn main(helper: RunHelper) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => {
            // A help page or a usage error ends the process here: the helper is told first,
            // so it removes its cgroups instead of dying with this process.
            drop(helper);
            usage.exit()
        }
    };
    match dispatch(cli, helper) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output left (`| head -1`): it has what it wanted.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            errln!("toolbench: {}", err.line());
            ExitCode::from(err.exit_code())
        }
    }
}

/// A project given that is no folder is told at once, not at the first run of a tool granted
/// `project` (whose manifest the refusal would then seem to blame).
fn refuse_unusable_project(project: &Path) -> CliResult {
    match std::fs::metadata(project) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(CliError::msg(format!(
            "--project {}: not a folder",
            project.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CliError::msg(format!(
            "--project {}: no such folder",
            project.display()
        ))),
        Err(e) => Err(CliError::msg(format!(
            "--project {}: {}",
            project.display(),
            crate::io_text::io_reason(&e)
        ))),
    }
}

fn dispatch(cli: Cli, helper: RunHelper) -> CliResult {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::msg(format!("cannot read the current directory: {e}")))?;
    if let Some(project) = &cli.project {
        refuse_unusable_project(project)?;
    }
    let place = Place {
        root: cli.root.as_deref(),
        cwd: &cwd,
        project: cli.project.as_deref(),
    };
    // Every subcommand on a workspace settles interrupted decisions once, before it reads or
    // decides anything (the workbench and MCP do the same as they start).
    let ws = |opening| -> Result<Workbench, CliError> {
        let ws = Workbench::open(place, opening)?;
        for line in ws.notices() {
            errln!("toolbench: {line}");
        }
        Ok(ws)
    };
    let checked = || ws(Opening::Checked);
    match cli.command {
        Some(CliCommand::Init(Lazy(args))) => init::run(args, &cwd),
        Some(CliCommand::Completions(Lazy(args))) => completions::run(args, &mut Cli::command()),
        // Neither opens the store: they must work when it is damaged.
        Some(CliCommand::Audit(Lazy(args))) => audit::run(args, &ws(Opening::Quiet)?),
        Some(CliCommand::Doctor(Lazy(args))) => doctor::run(args, &ws(Opening::Quiet)?),
        Some(CliCommand::Accept(Lazy(args))) => accept::run(args, &checked()?),
        Some(CliCommand::List(Lazy(args))) => list::run(args, &checked()?),
        Some(CliCommand::Review(Lazy(args))) => review::run(args, &checked()?),
        Some(CliCommand::Validate(Lazy(args))) => validate::run(args, &checked()?),
        Some(CliCommand::Approve(Lazy(args))) => approve::run(args, &checked()?),
        Some(CliCommand::Reject(Lazy(args))) => reject::run(args, &checked()?),
        Some(CliCommand::RequestChanges(Lazy(args))) => request_changes::run(args, &checked()?),
        Some(CliCommand::AddCase(Lazy(args))) => add_case::run(args, &checked()?),
        Some(CliCommand::Promote(Lazy(args))) => promote::run(args, &checked()?),
        Some(CliCommand::Resubmit(Lazy(args))) => resubmit::run(args, &checked()?),
        Some(CliCommand::Archive(Lazy(args))) => archive::run(args, &checked()?),
        Some(CliCommand::Restore(Lazy(args))) => restore::run(args, &checked()?),
        Some(CliCommand::Rollback(Lazy(args))) => rollback::run(args, &checked()?),
        Some(CliCommand::Undo(Lazy(args))) => undo::run(args, &checked()?),
        Some(CliCommand::Evolve(Lazy(args))) => evolve::run(args, &checked()?),
        Some(CliCommand::History(Lazy(args))) => history::run(args, &checked()?),
        Some(CliCommand::Gc(Lazy(args))) => gc::run(args, &checked()?),
        Some(CliCommand::Env(Lazy(args))) => env::run(args, &checked()?),
        Some(CliCommand::Mcp(Lazy(args))) => mcp::run(args, checked()?),
        Some(CliCommand::Web(Lazy(args))) => web::run(args, checked()?),
        Some(CliCommand::Call(Lazy(args))) => call::run(args, &checked()?),
        Some(CliCommand::Calls(args)) => calls::run(args, &checked()?),
        Some(CliCommand::Suggest(args)) => suggest::run(args, &checked()?),
        Some(CliCommand::Run(Lazy(args))) => run::run(args, &ws(Opening::ForRun)?, helper),
        Some(CliCommand::Show(Lazy(args))) => show::run(args, &checked()?),
        Some(CliCommand::Runs(Lazy(args))) => runs::run(args, &checked()?),
        Some(CliCommand::Failures(Lazy(args))) => failures::run(args, &checked()?),
        Some(CliCommand::MarkFailure(Lazy(args))) => mark_failure::run(args, &checked()?),
        Some(CliCommand::Stats(Lazy(args))) => stats::run(args, &checked()?),
        Some(CliCommand::Verify(Lazy(args))) => verify::run(args, &checked()?),
        Some(CliCommand::Signers(args)) => signers::run(args, &checked()?),
        // Reads no store, and says itself why a project named was passed over.
        Some(CliCommand::Project(args)) => {
            project::run(args, &Workbench::open(place, Opening::Quiet)?)
        }
        // A send checks only the instance it talks to (the round-trip figure, BENCHMARKS.md):
        // no decision, run or other instance of the workspace is read.
        Some(CliCommand::Tools(args)) if args.is_send() => tools::run(args, &ws(Opening::Quiet)?),
        Some(CliCommand::Tools(args)) => tools::run(args, &checked()?),
        None => crate::tui::run(ws(Opening::Workbench)?).map_err(CliError::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(args: &[&str]) -> Option<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        subcommand(&args).map(|a| a.to_string_lossy().into_owned())
    }

    #[test]
    fn the_subcommand_is_the_first_argument_past_the_root_option() {
        assert_eq!(named(&["tb", "run", "x"]).as_deref(), Some("run"));
        assert_eq!(
            named(&["tb", "--root", "run", "list"]).as_deref(),
            Some("list")
        );
        assert_eq!(
            named(&["tb", "--root=/w", "run", "x"]).as_deref(),
            Some("run")
        );
        assert_eq!(named(&["tb", "show", "run"]).as_deref(), Some("show"));
        assert_eq!(
            named(&["tb", "--project", "p", "--root=/w", "run"]).as_deref(),
            Some("run")
        );
    }

    #[test]
    fn every_decision_kind_is_a_subcommand_under_its_verb() {
        let cli = Cli::command();
        for kind in crate::model::decisions::DecisionKind::ALL.iter().copied() {
            let verb = kind.spec().cli_verb;
            assert!(
                cli.find_subcommand(verb).is_some(),
                "{kind:?}: no `toolbench {verb}`"
            );
        }
    }

    #[test]
    fn every_json_flag_says_what_it_prints() {
        /// The `--json` flags under `command` without a description; `seen` counts them all.
        fn undescribed(command: &clap::Command, path: &str, seen: &mut usize) -> Vec<String> {
            let path = format!("{path} {}", command.get_name());
            let mut found = Vec::new();
            let json = command
                .get_arguments()
                .find(|a| a.get_long() == Some("json"));
            if let Some(json) = json {
                *seen += 1;
                if json
                    .get_help()
                    .is_none_or(|h| h.to_string().trim().is_empty())
                {
                    found.push(path.clone());
                }
            }
            for sub in command.get_subcommands() {
                found.extend(undescribed(sub, &path, seen));
            }
            found
        }
        let mut cli = Cli::command();
        // Resolves every `Lazy` subcommand's arguments.
        cli.build();
        let mut seen = 0;
        let found = undescribed(&cli, "", &mut seen);
        assert!(seen >= 20, "only {seen} --json flags were reached");
        assert!(found.is_empty(), "--json without a description: {found:?}");
    }

    #[test]
    fn a_flag_before_the_subcommand_leaves_it_to_clap() {
        assert_eq!(named(&["tb", "--help", "run"]), None);
        assert_eq!(named(&["tb", "-V"]), None);
        assert_eq!(named(&["tb"]), None);
        assert_eq!(named(&["tb", "--root"]), None);
    }
}
