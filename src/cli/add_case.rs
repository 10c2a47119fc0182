//! `toolbench add-case NAME --input JSON [--why TEXT]`: an input that broke a candidate (one
//! `validate` generated) becomes a test case of it, recorded as the reviewer's change.

use clap::Args;

use super::{CliResult, Workbench, content_id, decide};
use crate::command::Command;

#[derive(Debug, Args)]
pub(crate) struct AddCaseArgs {
    /// NAME or NAME@VERSION of a tool in experimental/.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// The input, as JSON text (a `smallest input` of `validate`).
    #[arg(long, value_name = "JSON")]
    input: String,
    /// Why: the failure it showed (kept in the case file and the decision).
    #[arg(long, value_name = "TEXT", default_value = "a failing input")]
    why: String,
}

pub(crate) fn run(args: AddCaseArgs, ws: &Workbench) -> CliResult {
    let command = Command::AddCase {
        tool: content_id(&args.tool, &args.content)?,
        input: args.input,
        why: args.why,
    };
    decide::apply(ws, command)
}
