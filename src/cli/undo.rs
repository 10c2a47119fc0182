use clap::Args;

use super::{CliError, CliResult, Workbench, decide, tool_id};
use crate::command::Command;
use crate::model::ToolId;
use crate::model::review_command::ReviewCommand;

#[derive(Debug, Args)]
pub(crate) struct UndoArgs {
    /// The tool NAME.
    tool: String,
    /// The id of the decision to take back (`#ID` in `toolbench history NAME`); by default the
    /// newest decision on the tool. It must be the newest, and yours.
    #[arg(long, value_name = "ID")]
    decision: Option<i64>,
}

pub(crate) fn run(args: UndoArgs, ws: &Workbench) -> CliResult {
    let name = tool_id(&args.tool)?.name;
    let of = match args.decision {
        Some(id) => id,
        None => {
            let newest = ws
                .reader()?
                .history(&name)?
                .decisions
                .iter()
                .map(|d| d.id)
                .max();
            match newest {
                Some(id) => id,
                None => {
                    // A name nothing in the workspace has is a typo more likely than a tool
                    // nobody decided on yet.
                    if let Err(e @ crate::model::LookupError::NotFound(_)) =
                        ws.find_reading(&ToolId::named(&name))
                    {
                        return Err(CliError::msg(e.to_string()));
                    }
                    let line = format!("nothing to undo: no decision is recorded for {name}");
                    return Err(CliError::msg(line));
                }
            }
        }
    };
    decide::apply(
        ws,
        Command::Decide {
            tool: ToolId::named(name),
            decision: ReviewCommand::Undo { of },
        },
    )
}
