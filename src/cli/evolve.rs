use std::path::Path;

use clap::Args;

use super::{CliError, CliResult, Workbench, decide};
use crate::model::review_command::ReviewCommand;

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
    /// --with "python3 assets/evolvers/append_note.py". Relative paths are taken from the
    /// current directory. Default: `[evolve] command` from the config; when that is empty too,
    /// evolve only makes the bumped copy for you to edit.
    #[arg(long, value_name = "CMD")]
    with: Option<String>,
}

pub(crate) fn run(args: EvolveArgs, ws: &Workbench) -> CliResult {
    let with = match &args.with {
        Some(command) => {
            let cwd = std::env::current_dir()
                .map_err(|e| CliError::msg(format!("cannot read the current directory: {e}")))?;
            let words = absolute_words(command, &cwd);
            if words.is_empty() {
                return Err(CliError::msg(
                    "--with: the evolver command is empty".to_string(),
                ));
            }
            Some(words)
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

/// Splits on whitespace; words that name an existing relative path become absolute, because
/// the evolver runs in a temporary folder.
fn absolute_words(command: &str, cwd: &Path) -> Vec<String> {
    command
        .split_whitespace()
        .map(|word| {
            let path = Path::new(word);
            if word.contains('/') && path.is_relative() && cwd.join(path).exists() {
                cwd.join(path).to_string_lossy().into_owned()
            } else {
                word.to_string()
            }
        })
        .collect()
}
