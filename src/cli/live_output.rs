//! A run's output, printed to our stdout and stderr as it arrives.
//!
//! The runtime's one thread also reads the run's pipes and keeps its timeout and Ctrl-C
//! going, so no write on it may wait for a reader. A stream into a file or `/dev/null`, where
//! a write never waits, is written in place; one whose writes may wait (a terminal stopped
//! with Ctrl-S, a pipe or a socket whose reader stops reading) is printed by a thread of its
//! own, started with its first output.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;

use super::term::{self, errln};
use crate::model::run_job::RunJobEvent;
use crate::model::run_output::Stream;
use crate::text::VisibleStream;
use crate::workbench::started_run::StartedRun;

/// Prints every byte of the run's output as it comes, until the run has no more.
pub(crate) async fn print(run: &mut StartedRun) {
    let mut printer = Printer::new();
    while let Some(output) = next_output(run).await {
        printer.print(output).await;
    }
    printer.finish().await;
}

/// The next piece of output; `None` once the run has no more.
async fn next_output(run: &mut StartedRun) -> Option<(Stream, Vec<u8>)> {
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
    fn start(mut streams: Streams) -> io::Result<Self> {
        for live in [&streams.stdout, &streams.stderr].into_iter().flatten() {
            live.widen_pipe();
        }
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
    file: Option<File>,
    visible: Option<VisibleStream>,
}

impl LiveStream {
    /// An unbuffered handle on our own stdout or stderr: a tool's output is passed on as it
    /// comes, without std's line buffering scanning every byte for newlines.
    fn of(stream: Stream) -> Self {
        let (fd, terminal) = match stream {
            Stream::Stdout => (
                std::io::stdout().as_fd().try_clone_to_owned(),
                term::stdout_is_terminal(),
            ),
            Stream::Stderr => (
                std::io::stderr().as_fd().try_clone_to_owned(),
                term::stderr_is_terminal(),
            ),
        };
        Self::on(fd.ok().map(File::from), terminal)
    }

    fn on(file: Option<File>, terminal: bool) -> Self {
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

    /// A pipe we print into holds more than a chunk of the run's output: a flood is passed
    /// on in a fraction of the wake-ups (1 GiB into `| cat`: 0.66-0.70 s, against 0.92-1.15 s
    /// with the pipe's default 64 KiB; docs/benchmarks/runs.md). The pipe is the reader's too;
    /// it only grows. Anything but a pipe is left as it is.
    fn widen_pipe(&self) {
        if let Some(file) = &self.file {
            crate::pipes::widen(file.as_fd());
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let Some(file) = &mut self.file else {
            return;
        };
        // A reader that went away is not the run's failure: the run goes on, unprinted.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// What the printing thread gets arrives whole and in order, through a pipe it widened.
    #[tokio::test(flavor = "current_thread")]
    async fn the_printing_thread_widens_its_pipe_and_passes_every_byte() {
        let (read, write) = rustix::pipe::pipe().expect("pipe");
        let probe = read.try_clone().expect("clone");
        let size = || rustix::pipe::fcntl_getpipe_size(&probe).expect("size");
        let default_size = size();
        let streams = Streams {
            stdout: Some(LiveStream::on(Some(File::from(write)), false)),
            stderr: None,
        };
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            File::from(read).read_to_end(&mut got).expect("read");
            got
        });
        let away = PrintingThread::start(streams).expect("thread");
        let sent: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        for chunk in sent.chunks(100_000) {
            away.print(Stream::Stdout, chunk.to_vec()).await;
        }
        away.finish().await;
        assert!(
            reader.join().expect("reader") == sent,
            "every byte, in order"
        );
        assert!(
            size() > default_size,
            "{} bytes from {default_size}",
            size()
        );
    }
}
