use clap::Args;

use super::{CliError, CliResult, ContentArg, Workbench, content_id, decide};
use crate::command::Command;
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct UndoArgs {
    /// The tool NAME, or NAME@VERSION: the version the decision left.
    tool: String,
    #[command(flatten)]
    content: ContentArg,
    /// The id of the decision to take back (`#ID` in `toolbench history NAME`); by default the
    /// newest decision on the tool. It must be the newest, and yours.
    #[arg(long, value_name = "ID")]
    decision: Option<i64>,
}

pub(crate) fn run(args: UndoArgs, ws: &Workbench) -> CliResult {
    let tool = content_id(&args.tool, &args.content)?;
    let of = match args.decision {
        Some(id) => id,
        None => {
            let newest = ws
                .reader()?
                .history(&tool.name)?
                .decisions
                .iter()
                .map(|d| d.id)
                .max();
            match newest {
                Some(id) => id,
                None => {
                    // A name (or version, or content) nothing in the workspace has is a typo
                    // more likely than a tool nobody decided on yet.
                    ws.find_reading(&tool)?;
                    let line = format!("nothing to undo: no decision is recorded for {tool}");
                    return Err(CliError::msg(line));
                }
            }
        }
    };
    decide::apply(
        ws,
        Command::Decide {
            tool,
            decision: ReviewCommand::Undo { of },
        },
    )
}
