//! Printing to the user's terminal.
//!
//! What the CLI prints carries text from tools and manifests (descriptions, errors, output,
//! even folder names). On a terminal it is made visible (`crate::text`), so a tool cannot
//! drive the terminal; to a pipe or a file it passes unchanged, so scripts and binary output
//! see the exact bytes. The CLI prints no escape sequences of its own.
//!
//! `outln!` and `errln!` print one line: on a terminal a newline inside it is shown too, so a
//! description cannot forge a row of a table. Output that is many lines (a tool's output,
//! JSON, the validation checklist) goes through `write_out`, which keeps newlines and tabs.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::text::{visible, visible_text};

pub(crate) fn stdout_is_terminal() -> bool {
    static IS: OnceLock<bool> = OnceLock::new();
    *IS.get_or_init(|| std::io::stdout().is_terminal())
}

pub(crate) fn stderr_is_terminal() -> bool {
    static IS: OnceLock<bool> = OnceLock::new();
    *IS.get_or_init(|| std::io::stderr().is_terminal())
}

/// `println!` for one line that may hold tool or manifest content.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::term::print_out(&format!($($arg)*))
    };
}

/// `outln!` for a table's row: on a terminal it is cut to the terminal's width (`…` where it
/// was cut), so a long description does not wrap under the next columns; to a pipe it passes
/// whole, for scripts.
macro_rules! rowln {
    ($($arg:tt)*) => {
        $crate::cli::term::print_row(&format!($($arg)*))
    };
}

/// `eprintln!` for one line that may hold tool or manifest content.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::term::print_err(&format!($($arg)*))
    };
}

pub(crate) use {errln, outln, rowln};

/// Set once stdout's reader has gone (`| head -1`): nothing more is printed to it, a command
/// that follows something stops, and the process ends quietly (`cli::main`).
static READER_LEFT: AtomicBool = AtomicBool::new(false);

/// Whether stdout's reader has gone.
pub(crate) fn reader_left() -> bool {
    READER_LEFT.load(Ordering::Relaxed)
}

/// Notes a stdout write that found its reader gone.
fn noted(written: std::io::Result<()>) -> std::io::Result<()> {
    if let Err(e) = &written
        && super::subcommand::is_broken_pipe(e)
    {
        READER_LEFT.store(true, Ordering::Relaxed);
    }
    written
}

pub(crate) fn print_out(line: &str) {
    if reader_left() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = noted(writeln!(out, "{}", out_line(line)));
}

pub(crate) fn print_row(line: &str) {
    print_out(&row_line(line));
}

/// A table's rows, each as `rowln!` prints it, written at once: a table of 10,000 tools is
/// one write, not 10,000 (stdout writes each line as it ends).
pub(crate) fn print_rows(rows: impl IntoIterator<Item = String>) {
    if reader_left() {
        return;
    }
    let mut text = String::new();
    for row in rows {
        text.push_str(&out_line(&row_line(&row)));
        text.push('\n');
    }
    let mut out = std::io::stdout().lock();
    let _ = noted(out.write_all(text.as_bytes()).and_then(|()| out.flush()));
}

/// `line` as stdout shows it: made visible on a terminal, unchanged to a pipe.
fn out_line(line: &str) -> Cow<'_, str> {
    if stdout_is_terminal() {
        Cow::Owned(visible(line))
    } else {
        Cow::Borrowed(line)
    }
}

/// A row as a table shows it: on a terminal, cut to its width.
fn row_line(line: &str) -> Cow<'_, str> {
    match terminal_columns() {
        Some(columns) => Cow::Owned(cut_to(&visible(line), columns)),
        None => Cow::Borrowed(line),
    }
}

/// The terminal's width in columns, when standard output is a terminal.
fn terminal_columns() -> Option<usize> {
    static COLUMNS: OnceLock<Option<usize>> = OnceLock::new();
    *COLUMNS.get_or_init(|| {
        stdout_is_terminal()
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(columns, _)| usize::from(columns))
            .filter(|columns| *columns > 1)
    })
}

/// `line` in at most `columns` display columns, its end replaced by `…` when cut.
fn cut_to(line: &str, columns: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let width = |c: char| c.width().unwrap_or(0);
    if line.chars().map(width).sum::<usize>() <= columns {
        return line.to_string();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in line.chars() {
        if used + width(c) > columns - 1 {
            break;
        }
        used += width(c);
        kept.push(c);
    }
    kept.push('…');
    kept
}

pub(crate) fn print_err(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = if stderr_is_terminal() {
        writeln!(err, "{}", visible(line))
    } else {
        writeln!(err, "{line}")
    };
}

/// Writes bytes to stdout whole: unchanged to a pipe, made visible on a terminal.
pub(crate) fn write_out(bytes: &[u8]) -> std::io::Result<()> {
    if reader_left() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    noted(
        if stdout_is_terminal() {
            out.write_all(visible_text(&String::from_utf8_lossy(bytes)).as_bytes())
        } else {
            out.write_all(bytes)
        }
        .and_then(|()| out.flush()),
    )
}

/// Pretty JSON and a newline. Its strings are escaped by JSON; DEL and C1 controls are not,
/// so a terminal still gets `write_out`'s rule.
pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), super::CliError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    // A reader that stopped early (`| head`) is not an error worth reporting.
    let _ = write_out(text.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cut_to;

    #[test]
    fn a_row_is_cut_to_the_columns_by_display_width() {
        assert_eq!(
            cut_to("core  word_count  Count words", 40),
            "core  word_count  Count words"
        );
        assert_eq!(
            cut_to("core  word_count  Count words", 20),
            "core  word_count  C…"
        );
        // A wide character counts two columns and is never cut in half.
        assert_eq!(cut_to("名前 tool", 4), "名…");
        assert_eq!(cut_to("abcdef", 6), "abcdef");
    }
}
