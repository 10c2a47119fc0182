//! `toolbench run NAME [--input JSON|@FILE|@-] [--yes] [--json]`: one sandboxed run, streamed live.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use clap::Args;
use serde_json::json;

use super::term::{self, errln};
use super::{CliError, CliResult, Workbench, content_id, live_output, runtime};
use crate::command::{self, Command, CommandError};
use crate::model::run_job::{OutputPolicy, RecordedRun};
use crate::model::run_output::RunOutcome;
use crate::model::{RunRecord, RunStatus};
use crate::workbench::RunHelper;
use crate::workbench::stop::Stop;

/// Inputs larger than this are refused: tool input is a request, not a data set.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// NAME or NAME@VERSION.
    tool: String,
    #[command(flatten)]
    content: super::ContentArg,
    /// Input as JSON text, @FILE to read it from a file, or @- to read standard input.
    #[arg(long)]
    input: Option<String>,
    /// Run even when the tool's cost tier asks for a confirmation.
    #[arg(long)]
    yes: bool,
    /// Give an unreviewed tool (outside core/ and approved/) what its manifest declares for
    /// this run: its project, paths and hosts. Without it, it runs with none of them.
    #[arg(long)]
    grant: bool,
    /// Print one JSON object with the result instead of streaming output.
    #[arg(long)]
    json: bool,
}

/// `helper`: the sandbox helper forked as the process started (`super::helper_ahead`).
pub(crate) fn run(args: RunArgs, ws: &Workbench, helper: RunHelper) -> CliResult {
    let tool = content_id(&args.tool, &args.content)?;
    let input = read_input(args.input.as_deref())?;
    let given = input.is_some();
    let ctx = ws.run_caller(args.json, helper)?;
    let command = Command::Run {
        tool,
        input,
        consent: command::Consent {
            confirmed: args.yes,
            grant: args.grant,
        },
    };
    let live = !args.json;
    // Kept until the process exits below: the run is recorded by then, and shutting the
    // workers down first would only make the exit wait for them.
    let runtime = runtime()?;
    let RecordedRun {
        outcome,
        run: record,
        ..
    } = runtime.block_on(async {
        // Before the run is written down: no signal finds it without its handler.
        stop_on_signal();
        let observe = live.then_some(OutputPolicy::Every);
        let mut run = ws
            .start_run(&ctx, command, observe)
            .await
            .map_err(|e| with_input_hint(e, given))?;
        // On the command line's one-thread runtime the run's task has not begun: this line
        // comes before anything the tool writes.
        if let Some(withheld) = run.withheld() {
            errln!(
                "toolbench: {} is unreviewed: it runs without what it declares ({}); --grant \
                 gives it that for this run",
                args.tool,
                withheld
            );
        }
        if live {
            live_output::print(&mut run).await;
        }
        run.ended().await.map_err(CliError::from)
    })?;
    if args.json {
        print_json(&record, &outcome)?;
    } else if record.status != RunStatus::Ok {
        // "cancelled: cancelled" says it twice: the error is told only when it adds to it.
        let why = match record.error.as_deref() {
            Some(error) if !error.is_empty() && error != record.status.as_str() => {
                format!(": {error}")
            }
            _ => String::new(),
        };
        errln!(
            "toolbench: {}@{} {}{why}",
            record.tool,
            record.version,
            record.status,
        );
    }
    let _ = std::io::stdout().flush();
    // The log this run wrote is left for a later checkpoint, unless it has grown past what
    // the next start reads back cheaply.
    ws.leave_log_light()?;
    std::process::exit(exit_code(&record))
}

/// `--input` as text: JSON inline, `@FILE`, or `@-` for standard input (read to its end).
/// Input that is not text, or too large, is refused as input that is not JSON is (exit 65);
/// one that cannot be read at all is a failure.
pub(crate) fn read_input(input: Option<&str>) -> Result<Option<String>, CliError> {
    use crate::io_text::{ReadTextError, read_stream_capped, read_text_capped};
    let Some(input) = input else {
        return Ok(None);
    };
    let (from, read) = match input.strip_prefix('@') {
        None => return Ok(Some(input.to_string())),
        Some("") => {
            return Err(CliError::msg(
                "--input @: names no file; give --input @FILE, or --input @- to read standard \
                 input",
            ));
        }
        Some("-") => (
            "--input @- (standard input)".to_string(),
            read_stream_capped(std::io::stdin().lock(), MAX_INPUT_BYTES, 0),
        ),
        Some(file) => (
            format!("--input @{file}"),
            read_text_capped(Path::new(file), MAX_INPUT_BYTES),
        ),
    };
    read.map(Some).map_err(|reason| match reason {
        ReadTextError::Grew { cap } => {
            CliError::input_refused(format!("{from}: larger than the {cap} byte limit"))
        }
        ReadTextError::TooLarge { .. } | ReadTextError::NotUtf8 { .. } => {
            CliError::input_refused(format!("{from}: {reason}"))
        }
        ReadTextError::Io(_) | ReadTextError::NotRegular => {
            CliError::msg(format!("{from}: {reason}"))
        }
    })
}

/// A tool whose input was refused, run without `--input`: say how to give it one.
fn with_input_hint(error: CommandError, given: bool) -> CliError {
    if error.input_off_schema() && !given {
        CliError::msg(format!(
            "{error} (no --input given: pass it as --input JSON, --input @FILE, or --input @- \
             to read standard input)"
        ))
    } else {
        error.into()
    }
}

/// The signal that ended the command (`ended_by_signal`), 0 before one came: a run it
/// cancelled exits 128 + it, as the command itself would have.
static ENDED_BY: AtomicI32 = AtomicI32::new(0);

/// Resolves when the user interrupts (Ctrl-C), the terminal goes away (SIGHUP) or the process
/// is asked to end (SIGTERM), with that signal; `None` when the handlers could not be
/// installed.
async fn ended_by_signal() -> Option<i32> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return tokio::signal::ctrl_c().await.ok().map(|()| libc::SIGINT);
    };
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.ok().map(|()| libc::SIGINT),
        _ = term.recv() => Some(libc::SIGTERM),
        _ = hangup.recv() => Some(libc::SIGHUP),
    }
}

/// Stops this process's runs (`workbench::stop`) once the user interrupts the command (see
/// `ended_by_signal`): each is cancelled and recorded as such before the command ends. The
/// watch turns true then. Call it before anything runs.
pub(crate) fn stop_on_signal() -> tokio::sync::watch::Receiver<bool> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if let Some(signal) = ended_by_signal().await {
            ENDED_BY.store(signal, Ordering::Relaxed);
            Stop::begin();
            let _ = stop.send(true);
        }
    });
    stopped
}

fn print_json(record: &RunRecord, outcome: &RunOutcome) -> CliResult {
    let value = json!({
        "id": record.id,
        "tool": record.tool,
        "version": record.version,
        "status": record.status,
        "exit_code": record.exit_code,
        "duration_ms": record.duration_ms,
        "stdout": String::from_utf8_lossy(&outcome.stdout),
        "stderr": String::from_utf8_lossy(&outcome.stderr),
        "sandbox": outcome.protections,
        "signal": record.signal,
        "error": record.error,
        "peak_memory_kb": record.peak_memory_kb,
        "log_dir": record.log_dir,
    });
    term::print_json(&value)
}

/// The tool's own exit code; 128+N for signal N (the one that ended the tool, or, for a run
/// cancelled as the command was interrupted, the one that interrupted it); 1 for anything
/// else that is not ok.
pub(crate) fn exit_code(record: &RunRecord) -> i32 {
    let interrupted = ENDED_BY.load(Ordering::Relaxed);
    match (record.status, record.exit_code, record.signal) {
        (RunStatus::Ok, _, _) => 0,
        (RunStatus::Failed | RunStatus::BadInput, Some(code), _) if code != 0 => code,
        (RunStatus::Failed | RunStatus::Limit | RunStatus::Timeout, _, Some(signal)) => {
            128 + signal
        }
        (RunStatus::Cancelled, _, _) if interrupted != 0 => 128 + interrupted,
        _ => 1,
    }
}
