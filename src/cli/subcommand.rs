//! What every subcommand works with: the one-line error that ends it and its exit code, the
//! runtime its library work runs on, the workbench's door, and naming a tool (and its
//! content) from an argument.

use clap::Args;

use crate::command::Applied;
use crate::model::ToolId;
use crate::workbench::Workbench;

/// A failure that ends the command: printed as one line with its whole cause chain
/// (`crate::error_chain::one_line`), exit code 1 (65 for input refused before a run).
#[derive(Debug)]
pub(crate) struct CliError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl CliError {
    /// A failure the command itself describes (a refused flag, a closed gate).
    pub(crate) fn msg(message: impl Into<String>) -> Self {
        CliError(message.into().into())
    }

    /// The caller's input, refused by the command line before anything ran (`--input` that
    /// is not text): the caller's to fix, as input a run refuses is.
    pub(crate) fn input_refused(message: impl Into<String>) -> Self {
        CliError(Box::new(InputRefused(message.into())))
    }

    /// A write to stdout that found its reader gone.
    pub(super) fn is_broken_pipe(&self) -> bool {
        self.0
            .downcast_ref::<std::io::Error>()
            .is_some_and(is_broken_pipe)
    }

    /// 65 when the caller's input was refused before the run (`RunError::is_bad_input`, or
    /// `CliError::input_refused`), as when the tool itself refuses it; 1 for everything else.
    pub(super) fn exit_code(&self) -> u8 {
        if crate::command::input_refused(self.0.as_ref()) || self.0.is::<InputRefused>() {
            65
        } else {
            1
        }
    }

    /// The field of a service definition this refused, and why, when it names one.
    pub(crate) fn refused_field(&self) -> Option<(&str, &str)> {
        crate::command::refused_field(self.0.as_ref())
    }

    /// The line printed after `toolbench: `.
    pub(crate) fn line(&self) -> String {
        crate::error_chain::one_line(self.0.as_ref())
    }
}

/// See `CliError::input_refused`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InputRefused(String);

impl<E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.into())
    }
}

pub(crate) type CliResult = Result<(), CliError>;

/// The async runtime a command's library work runs on: this thread alone, since a command
/// follows one piece of work and every worker thread is paid for at start and exit. What may
/// block for long gets a thread of its own (`run::print_live`).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the async runtime: {e}")))
}

/// Does `command` as the command line's, on this thread.
pub(crate) fn apply(ws: &Workbench, command: crate::command::Command) -> Result<Applied, CliError> {
    let caller = ws.caller(crate::model::RunOrigin::Cli)?;
    Ok(runtime()?.block_on(ws.apply(&caller, command))?)
}

/// The library answered `apply` with what another command does.
pub(crate) fn unexpected() -> CliError {
    CliError::msg("the library answered for another command")
}

/// A tool argument (`NAME` or `NAME@VERSION`); a malformed one ends the command in one line.
pub(crate) fn tool_id(spec: &str) -> Result<ToolId, CliError> {
    Ok(spec.parse::<ToolId>()?)
}

// `--hash PREFIX`: which content a command acts on, when a name and version are not enough
// (two folders hold one `NAME@VERSION`) or a person wants the command bound to what they saw.
// A plain comment: clap makes a flattened struct's doc comment the `about` of every command
// that holds it.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ContentArg {
    /// Act only on the content whose hash starts with PREFIX (8 or more hex digits, as
    /// `list`, `show` and `review` print it); refused when the tool's content is other.
    #[arg(long, value_name = "PREFIX")]
    hash: Option<String>,
}

/// `spec` bound to the content `content` names, if it names one.
pub(crate) fn content_id(spec: &str, content: &ContentArg) -> Result<ToolId, CliError> {
    let id = tool_id(spec)?;
    Ok(match &content.hash {
        Some(prefix) => id.with_hash(prefix)?,
        None => id,
    })
}

/// Whether `error` is a write to a stdout (or a pipe) nobody reads any more.
pub(crate) fn is_broken_pipe(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::BrokenPipe
}
