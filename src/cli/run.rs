//! `toolbench run NAME [--input JSON|@FILE] [--yes] [--json]`: one sandboxed run, streamed live.

use std::io::Write;
use std::os::fd::AsFd;
use std::path::Path;

use clap::Args;
use serde_json::json;

use super::term::{self, errln};
use super::{CliError, CliResult, Workspace, runtime, tool_id};
use crate::command::{self, Applied, Command};
use crate::jobs::run::{OutputPolicy, RecordedRun, RunJob, RunJobEvent, RunObserver};
use crate::model::{RunRecord, RunStatus};
use crate::runner::helper_process::PreforkedHelper;
use crate::runner::sandbox::ForkedHelper;
use crate::runner::{RunOutcome, Stream};
use crate::text::VisibleStream;

/// Inputs larger than this are refused: tool input is a request, not a data set.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// NAME or NAME@VERSION.
    tool: String,
    /// Input as JSON text, or @FILE to read it from a file.
    #[arg(long)]
    input: Option<String>,
    /// Run even when the tool's cost tier asks for a confirmation.
    #[arg(long)]
    yes: bool,
    /// Print one JSON object with the result instead of streaming output.
    #[arg(long)]
    json: bool,
}

/// `preforked`: the sandbox helper forked as the process started (`super::helper_ahead`).
pub fn run(args: RunArgs, ws: &Workspace, preforked: PreforkedHelper) -> CliResult {
    let tool = tool_id(&args.tool)?;
    let input = read_input(args.input.as_deref())?;
    let mut ctx = ws.command_context()?;
    ctx.store.lock().keep_log_on_close()?;
    ctx.preforked = preforked;
    let command = Command::Run {
        tool,
        input,
        confirmed: args.yes,
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
        let Applied::Run(job) = command::apply(&ctx, command).await? else {
            return Err(CliError::msg("run: the library answered without a run"));
        };
        follow(job, live).await
    })?;
    if args.json {
        print_json(&record, &outcome)?;
    } else if record.status != RunStatus::Ok {
        errln!(
            "toolbench: {}@{} {}: {}",
            record.tool,
            record.version,
            record.status,
            record.error.clone().unwrap_or_default()
        );
    }
    let _ = std::io::stdout().flush();
    // The log this run wrote is left for a later checkpoint (`keep_log_on_close`), unless it
    // has grown past what the next start reads back cheaply.
    ctx.store.lock().trim_log();
    std::process::exit(exit_code(&record))
}

/// The run's sandbox helper, forked while this process has one thread and little memory:
/// every page the process writes while the idle helper shares it is copied, so the earlier
/// the fork, the fewer copies. Where it cannot fork, the run starts its helper as a program,
/// as every other front end does.
pub fn forked_helper() -> PreforkedHelper {
    ForkedHelper::fork()
        .map(PreforkedHelper::new)
        .unwrap_or_default()
}

/// `--input` as text: JSON inline or `@FILE`.
pub fn read_input(input: Option<&str>) -> Result<Option<String>, CliError> {
    let Some(input) = input else {
        return Ok(None);
    };
    let Some(file) = input.strip_prefix('@') else {
        return Ok(Some(input.to_string()));
    };
    crate::catalog::manifest::read_text_capped(Path::new(file), MAX_INPUT_BYTES)
        .map(Some)
        .map_err(|reason| CliError::msg(format!("{file}: {reason}")))
}

/// Resolves when the user interrupts (Ctrl-C), the terminal goes away (SIGHUP) or the process
/// is asked to end (SIGTERM): the run is then cancelled and recorded as such. `false` when the
/// handlers could not be installed.
async fn ended_by_signal() -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return tokio::signal::ctrl_c().await.is_ok();
    };
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.is_ok(),
        _ = term.recv() => true,
        _ = hangup.recv() => true,
    }
}

/// Observes (when `live`, printing every byte), starts and waits for `job`; Ctrl-C, SIGTERM
/// and SIGHUP cancel it, and the run is recorded as cancelled.
async fn follow(job: RunJob, live: bool) -> Result<RecordedRun, CliError> {
    let output = live.then(|| job.observe(OutputPolicy::Every));
    let run = job.start();
    let cancel = run.canceller();
    tokio::spawn(async move {
        if ended_by_signal().await {
            let _ = cancel.send(true);
        }
    });
    if let Some(output) = output {
        print_live(output).await;
    }
    run.ended().await.map_err(CliError::from)
}

/// A watch that turns true when the user interrupts the command (see `ended_by_signal`).
pub fn cancelled_by_signal() -> tokio::sync::watch::Receiver<bool> {
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if ended_by_signal().await {
            let _ = cancel.send(true);
        }
    });
    cancelled
}

/// Prints every byte of the run's output as it comes. The runtime's one thread also reads the
/// run's pipes and keeps its timeout and Ctrl-C going, so a stream whose writes may stall (a
/// terminal stopped with Ctrl-S, a pipe whose reader stops reading) is printed by a thread of
/// its own, started with that stream's first output. A file or `/dev/null` never makes a
/// write wait: such a stream is printed on this thread, which spares every chunk a hand-over
/// between threads (with stderr on a terminal and stdout in a file, only stderr's rare lines
/// take the other thread).
async fn print_live(mut run: RunObserver) {
    let mut printer = Printer::new();
    while let Some(output) = next_output(&mut run).await {
        printer.print(output).await;
    }
    printer.finish().await;
}

/// The next piece of output; `None` once the run has no more.
async fn next_output(run: &mut RunObserver) -> Option<(Stream, Vec<u8>)> {
    loop {
        if let RunJobEvent::Output { stream, bytes, .. } = run.next().await? {
            return Some((stream, bytes));
        }
    }
}

/// The tool's two streams, each printed to ours, on this thread or on the printing thread.
struct Printer {
    /// The streams whose writes never wait.
    here: Streams,
    /// The streams whose writes may wait, until the first output for one of them hands them
    /// to `away`.
    may_stall: Streams,
    away: Option<PrintingThread>,
}

impl Printer {
    fn new() -> Self {
        let (mut here, mut may_stall) = (Streams::default(), Streams::default());
        for stream in [Stream::Stdout, Stream::Stderr] {
            let live = LiveStream::of(stream);
            let side = if live.may_stall() {
                &mut may_stall
            } else {
                &mut here
            };
            *side.get(stream) = Some(live);
        }
        Self {
            here,
            may_stall,
            away: None,
        }
    }

    async fn print(&mut self, (stream, bytes): (Stream, Vec<u8>)) {
        if self.here.print(stream, &bytes) {
            return;
        }
        if self.away.is_none() {
            match PrintingThread::start(std::mem::take(&mut self.may_stall)) {
                Ok(thread) => self.away = Some(thread),
                Err(e) => {
                    errln!("toolbench: cannot start a thread to print the run's output: {e}");
                    // The streams went with the thread that never started; none has printed
                    // yet, so new handles carry on from where they are.
                    for stream in [Stream::Stdout, Stream::Stderr] {
                        self.here
                            .get(stream)
                            .get_or_insert_with(|| LiveStream::of(stream));
                    }
                    self.here.print(stream, &bytes);
                    return;
                }
            }
        }
        if let Some(away) = &self.away {
            away.print(stream, bytes).await;
        }
    }

    /// Streams that never printed have nothing to finish.
    async fn finish(mut self) {
        self.here.finish();
        if let Some(away) = self.away {
            away.finish().await;
        }
    }
}

/// Stdout and stderr, each where this printer keeps it, if it does.
#[derive(Default)]
struct Streams {
    stdout: Option<LiveStream>,
    stderr: Option<LiveStream>,
}

impl Streams {
    fn get(&mut self, stream: Stream) -> &mut Option<LiveStream> {
        match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        }
    }

    /// Prints `bytes` if `stream` is kept here.
    fn print(&mut self, stream: Stream, bytes: &[u8]) -> bool {
        let Some(live) = self.get(stream) else {
            return false;
        };
        live.write(bytes);
        true
    }

    fn finish(&mut self) {
        for live in [&mut self.stdout, &mut self.stderr].into_iter().flatten() {
            live.finish();
        }
    }
}

/// A thread that prints the streams whose writes may wait. A few chunks queue for it; past
/// them the run's output is held back, as when a reader stops reading.
struct PrintingThread {
    chunks: tokio::sync::mpsc::Sender<(Stream, Vec<u8>)>,
    done: tokio::sync::oneshot::Receiver<()>,
}

/// Chunks queued for the printing thread.
const QUEUED_CHUNKS: usize = 4;

impl PrintingThread {
    fn start(mut streams: Streams) -> std::io::Result<Self> {
        let (chunks, mut queued) = tokio::sync::mpsc::channel::<(Stream, Vec<u8>)>(QUEUED_CHUNKS);
        let (finished, done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("print".to_string())
            .spawn(move || {
                while let Some((stream, bytes)) = queued.blocking_recv() {
                    streams.print(stream, &bytes);
                }
                streams.finish();
                let _ = finished.send(());
            })?;
        Ok(Self { chunks, done })
    }

    async fn print(&self, stream: Stream, bytes: Vec<u8>) {
        // A thread that is gone has nothing left to print to.
        let _ = self.chunks.send((stream, bytes)).await;
    }

    async fn finish(self) {
        drop(self.chunks);
        let _ = self.done.await;
    }
}

/// Where one of the tool's streams goes: passed on byte for byte, or made visible when it
/// is a terminal.
struct LiveStream {
    file: Option<std::fs::File>,
    visible: Option<VisibleStream>,
}

impl LiveStream {
    /// An unbuffered handle on our own stdout or stderr: a tool's output is passed on as it
    /// comes, without std's line buffering scanning every byte for newlines.
    fn of(stream: Stream) -> Self {
        let (file, terminal) = match stream {
            Stream::Stdout => (
                raw_handle(std::io::stdout().as_fd()),
                term::stdout_is_terminal(),
            ),
            Stream::Stderr => (
                raw_handle(std::io::stderr().as_fd()),
                term::stderr_is_terminal(),
            ),
        };
        Self {
            file,
            visible: terminal.then(VisibleStream::default),
        }
    }

    /// Whether a write may wait on a reader: anything but a regular file or `/dev/null`.
    fn may_stall(&self) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        let Ok(stat) = rustix::fs::fstat(file) else {
            return true;
        };
        match rustix::fs::FileType::from_raw_mode(stat.st_mode) {
            rustix::fs::FileType::RegularFile => false,
            // `/dev/null`: major 1, minor 3 on every Linux.
            rustix::fs::FileType::CharacterDevice => {
                (
                    rustix::fs::major(stat.st_rdev),
                    rustix::fs::minor(stat.st_rdev),
                ) != (1, 3)
            }
            _ => true,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let Some(file) = &mut self.file else {
            return;
        };
        let _ = match &mut self.visible {
            Some(visible) => file.write_all(visible.push(bytes).as_bytes()),
            None => file.write_all(bytes),
        };
    }

    fn finish(&mut self) {
        if let (Some(file), Some(visible)) = (&mut self.file, &mut self.visible) {
            let _ = file.write_all(visible.finish().as_bytes());
        }
    }
}

fn raw_handle(fd: std::os::fd::BorrowedFd<'_>) -> Option<std::fs::File> {
    fd.try_clone_to_owned().ok().map(std::fs::File::from)
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

/// The tool's own exit code; 128+N for signal N; 1 for anything else that is not ok.
pub fn exit_code(record: &RunRecord) -> i32 {
    match (record.status, record.exit_code, record.signal) {
        (RunStatus::Ok, _, _) => 0,
        (RunStatus::Failed, Some(code), _) if code != 0 => code,
        (RunStatus::Failed | RunStatus::Limit, _, Some(signal)) => 128 + signal,
        _ => 1,
    }
}
