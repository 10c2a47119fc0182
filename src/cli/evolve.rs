use clap::Args;

use super::{CliError, CliResult, Workbench, decide};
use crate::model::review_command::{EvolverCommand, ReviewCommand};

#[derive(Debug, Args)]
pub(crate) struct EvolveArgs {
    /// NAME or NAME@VERSION of the tool to evolve (any tier); the original is never touched.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// What the new version should do differently (recorded as provenance.hint).
    #[arg(long, value_name = "H")]
    hint: String,
    /// The evolver command, as one string split on whitespace (no shell), e.g.
    /// --with "python3 assets/evolvers/append_note.py". It runs in a scratch folder of its
    /// own, so its paths are taken from the current directory: a word with a `/`, or an
    /// argument naming a file there (`append_note.py`); the program's bare name is found on
    /// PATH. Default: `[evolve] command` from the config; when that is empty too, evolve only
    /// makes the bumped copy for you to edit.
    #[arg(long, value_name = "CMD")]
    with: Option<String>,
}

pub(crate) fn run(args: EvolveArgs, ws: &Workbench) -> CliResult {
    let with = match &args.with {
        Some(command) => {
            let argv: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            if argv.is_empty() {
                return Err(CliError::msg(
                    "--with: the evolver command is empty".to_string(),
                ));
            }
            let from = std::env::current_dir()
                .map_err(|e| CliError::msg(format!("cannot read the current directory: {e}")))?;
            Some(EvolverCommand { argv, from })
        }
        None => None,
    };
    let hint = args.hint;
    decide::take(
        ws,
        &args.tool,
        &args.content,
        ReviewCommand::Evolve { hint, with },
    )
}
