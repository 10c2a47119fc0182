//! Printing to the user's terminal.
//!
//! What the CLI prints carries text from tools and manifests (descriptions, errors, output,
//! even folder names). On a terminal it goes through `text::visible_text`, so a tool cannot
//! drive the terminal; to a pipe or a file it passes unchanged, so scripts and binary output
//! see the exact bytes. The CLI prints no escape sequences of its own.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use crate::text::visible_text;

pub fn stdout_is_terminal() -> bool {
    static IS: OnceLock<bool> = OnceLock::new();
    *IS.get_or_init(|| std::io::stdout().is_terminal())
}

pub fn stderr_is_terminal() -> bool {
    static IS: OnceLock<bool> = OnceLock::new();
    *IS.get_or_init(|| std::io::stderr().is_terminal())
}

/// `println!` for text that may hold tool or manifest content.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::term::print_out(&format!($($arg)*))
    };
}

/// `eprintln!` for text that may hold tool or manifest content.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::term::print_err(&format!($($arg)*))
    };
}

pub(crate) use {errln, outln};

pub fn print_out(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = if stdout_is_terminal() {
        writeln!(out, "{}", visible_text(line))
    } else {
        writeln!(out, "{line}")
    };
}

pub fn print_err(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = if stderr_is_terminal() {
        writeln!(err, "{}", visible_text(line))
    } else {
        writeln!(err, "{line}")
    };
}

/// Writes bytes to stdout whole: unchanged to a pipe, made visible on a terminal.
pub fn write_out(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if stdout_is_terminal() {
        out.write_all(visible_text(&String::from_utf8_lossy(bytes)).as_bytes())
    } else {
        out.write_all(bytes)
    }
}
