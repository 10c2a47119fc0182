//! Entering and leaving the terminal's full-screen mode, on every exit path.
//!
//! `TerminalGuard` restores on drop (normal exit, `?` errors); the panic hook restores before
//! the panic message prints; SIGTERM and SIGHUP end the event loop, which drops the guard.

use std::io::{Write, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

pub(crate) struct TerminalGuard {
    pub(crate) terminal: DefaultTerminal,
    mouse: bool,
}

impl TerminalGuard {
    /// `mouse`: take the mouse (`[ui] mouse`); else the terminal keeps its own selection.
    pub(crate) fn enter(mouse: bool) -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        install_panic_hook();
        // A paste arrives as one text, never as keys (`App::on_paste`).
        execute!(stdout(), EnableBracketedPaste)?;
        if mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        Ok(Self { terminal, mouse })
    }

    /// Gives the terminal to `program` (the person's editor) as the shell left it, and takes
    /// it back after, drawn anew. The caller stops reading input first.
    pub(crate) fn step_aside<T>(&mut self, program: impl FnOnce() -> T) -> std::io::Result<T> {
        restore();
        let result = program();
        crossterm::terminal::enable_raw_mode()?;
        execute!(
            stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
            EnableBracketedPaste
        )?;
        if self.mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        // A terminal of empty buffers draws the next frame whole. (`Terminal::clear` would
        // ask the terminal where its cursor is, and the answer can be lost to the reader
        // of keys.)
        self.terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout()))?;
        Ok(result)
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

/// Leaves mouse capture, bracketed paste, the alternate screen and raw mode. Safe to call more
/// than once.
pub(crate) fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
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
