//! The admission rule as a command answers it: open, a confirmation still needed, or never.

use super::error::CommandError;
use crate::model::ToolEntry;
use crate::model::admission::{Admission, Asker, RunPolicy, admission};

/// The admission rule (`model::admission`) for `asker`, with `confirmed` standing for the person's
/// yes: `--yes`, the workbench's confirmation, or a human's answer to an agent's call.
pub(crate) fn check_gate(
    entry: &ToolEntry,
    policy: &RunPolicy,
    asker: Asker,
    confirmed: bool,
) -> Result<(), CommandError> {
    match admission(entry, policy, asker) {
        Admission::Open => Ok(()),
        Admission::Confirm(_) if confirmed => Ok(()),
        Admission::Confirm(why) => Err(CommandError::NeedsConfirmation {
            tool: entry.id(),
            why,
        }),
        Admission::Closed(why) => Err(CommandError::NeverRuns {
            tool: entry.id(),
            why,
        }),
    }
}
