//! What the workbench tells a person to do about an active tool that will not run until they
//! look at it: its keys, where the CLI names its commands (`seal::SealError`) and an agent is
//! told only that a person must look (`Drift::for_agent`). Words only: it decides nothing.

use crate::command::CommandError;
use crate::model::{Awaits, ToolEntry};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;

/// The keys that settle it, as a refusal ends: `b sends the change to review, a in Review
/// approves it where it is`.
fn keys(awaits: Awaits, keymap: &Keymap) -> String {
    let resubmit = keymap.hint(Action::Resubmit);
    let approve = keymap.hint(Action::Approve);
    match awaits {
        // Approving an active tool where it is signs it (`review::lifecycle::approve`).
        Awaits::Signature => format!(
            "{} shows it, {approve} in Review signs its content",
            keymap.hint(Action::Details)
        ),
        Awaits::Change => format!(
            "{resubmit} sends the change to review, {approve} in Review approves it where it is"
        ),
        Awaits::Review => {
            format!("{resubmit} sends it to review, {approve} in Review approves it where it is")
        }
        Awaits::Acceptance => format!(
            "{} asks to accept them",
            keymap.hint(Action::AcceptWorkspace)
        ),
    }
}

/// Why a run or a service's launch did not start, in one line; a tool that awaits a person's
/// look names the keys that settle it rather than the CLI's commands.
pub(crate) fn refusal(error: &CommandError, keymap: &Keymap) -> String {
    if let Some((tool, act, reason)) = error.sealed()
        && let Some((awaits, problem)) = reason.awaiting()
    {
        return format!("{tool} will not {act}: {problem}; {}", keys(awaits, keymap));
    }
    crate::error_chain::one_line(error)
}

/// What the launch dialog says first of an active tool that will not run as it is (`None`
/// for one that will): why, and the keys that settle it.
pub(crate) fn launch_warning(entry: &ToolEntry, keymap: &Keymap) -> Option<String> {
    let drift = entry.drift.as_deref().filter(|_| entry.tier.is_active())?;
    let label = drift.label();
    Some(match drift.awaits() {
        awaits @ Awaits::Change => format!(
            "✗ {label}: it will not run until the change is reviewed ({})",
            keys(awaits, keymap)
        ),
        awaits @ Awaits::Review => format!(
            "✗ {label}: it will not run until it is reviewed ({})",
            keys(awaits, keymap)
        ),
        Awaits::Acceptance => format!(
            "✗ {label}: it will not run until its tools are accepted ({} asks)",
            keymap.hint(Action::AcceptWorkspace)
        ),
        awaits @ Awaits::Signature => format!(
            "✗ {label}: it will not run until an allowed reviewer signs its review ({})",
            keys(awaits, keymap)
        ),
    })
}
