//! Entering and leaving the terminal's full-screen mode, on every exit path.
//!
//! `TerminalGuard` restores on drop (normal exit, `?` errors); the panic hook restores before
//! the panic message prints; SIGTERM and SIGHUP end the event loop, which drops the guard.

use std::io::{Write, stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;

pub(crate) struct TerminalGuard {
    pub(crate) terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// `mouse`: take the mouse (`[ui] mouse`); else the terminal keeps its own selection.
    pub(crate) fn enter(mouse: bool) -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        install_panic_hook();
        if mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        Ok(Self { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Writes `bytes` to the terminal between two frames: a sequence that draws nothing (OSC 52,
/// the bell).
pub(crate) fn send(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Leaves mouse capture, the alternate screen and raw mode. Safe to call more than once.
pub(crate) fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = stdout().flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
