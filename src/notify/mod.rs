//! Being told, wherever you are: when an agent's call starts waiting for approval, or an agent
//! proposes a tool or asks for one, the `[notify] webhook` gets a POST with a short summary
//! and ntfy's headers (`message`), sent to it by one background task (`sender`) so the
//! approval path never waits on it.

mod message;
mod sender;
pub(crate) mod webhook;

pub(crate) use message::{Waiting, WaitingKind};
pub(crate) use sender::Notifier;
