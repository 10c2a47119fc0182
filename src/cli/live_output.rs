//! A run's output, printed to our stdout and stderr as it arrives.
//!
//! The runtime's one thread also reads the run's pipes and keeps its timeout and Ctrl-C
//! going, so no write on it may wait for a reader. Each stream is written one of three ways:
//! - a file or `/dev/null`, where a write never waits: written directly;
//! - a pipe or a terminal, where a write waits when a reader stops reading (or Ctrl-S
//!   stops the terminal): written through a non-blocking description of our own, so a
//!   write that would wait yields to the rest of the run instead;
//! - anything else (a socket): printed by a thread of its own, started with its first output.
//!
//! All but the last keep a flood of output on one thread: a hand-over between threads for
//! every chunk cost a gigabyte twice its time on two CPUs (BENCHMARKS.md).

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, Mode, OFlags, Stat};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::term::{self, errln};
use crate::jobs::run::{RunJobEvent, RunObserver};
use crate::runner::Stream;
use crate::runner::helper_process::widen_pipe;
use crate::text::VisibleStream;

/// Prints every byte of the run's output as it comes, until the run has no more.
pub async fn print(mut run: RunObserver) {
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
    /// The streams whose writes never block this thread.
    here: Streams,
    /// The streams whose writes may block, until the first output for one of them hands them
    /// to `away`.
    blocking: Streams,
    away: Option<PrintingThread>,
}

impl Printer {
    fn new() -> Self {
        let (mut here, mut blocking) = (Streams::default(), Streams::default());
        for stream in [Stream::Stdout, Stream::Stderr] {
            let live = LiveStream::of(stream);
            let side = if live.sink.blocks() {
                &mut blocking
            } else {
                &mut here
            };
            *side.get(stream) = Some(live);
        }
        Self {
            here,
            blocking,
            away: None,
        }
    }

    async fn print(&mut self, (stream, bytes): (Stream, Vec<u8>)) {
        if self.here.print(stream, &bytes).await {
            return;
        }
        if self.away.is_none() {
            match PrintingThread::start(std::mem::take(&mut self.blocking)) {
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
                    self.here.print(stream, &bytes).await;
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
        self.here.finish().await;
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
    async fn print(&mut self, stream: Stream, bytes: &[u8]) -> bool {
        let Some(live) = self.get(stream) else {
            return false;
        };
        live.write(bytes).await;
        true
    }

    async fn finish(&mut self) {
        for live in [&mut self.stdout, &mut self.stderr].into_iter().flatten() {
            live.finish().await;
        }
    }
}

/// A thread that prints the streams whose writes block. A few chunks queue for it; past them
/// the run's output is held back, as when a reader stops reading.
struct PrintingThread {
    chunks: tokio::sync::mpsc::Sender<(Stream, Vec<u8>)>,
    done: tokio::sync::oneshot::Receiver<()>,
}

/// Chunks queued for the printing thread.
const QUEUED_CHUNKS: usize = 4;

impl PrintingThread {
    fn start(mut streams: Streams) -> io::Result<Self> {
        let (chunks, mut queued) = tokio::sync::mpsc::channel::<(Stream, Vec<u8>)>(QUEUED_CHUNKS);
        let (finished, done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("print".to_string())
            .spawn(move || {
                // Blocking sinks only: their futures finish without waiting on the runtime.
                futures::executor::block_on(async {
                    while let Some((stream, bytes)) = queued.recv().await {
                        streams.print(stream, &bytes).await;
                    }
                    streams.finish().await;
                });
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
    sink: Sink,
    visible: Option<VisibleStream>,
}

impl LiveStream {
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
        Self {
            sink: fd.map_or(Sink::Closed, Sink::for_descriptor),
            visible: terminal.then(VisibleStream::default),
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        let text;
        let bytes = match &mut self.visible {
            Some(visible) => {
                text = visible.push(bytes);
                text.as_bytes()
            }
            None => bytes,
        };
        // A reader that went away is not the run's failure: the run goes on, unprinted.
        let _ = self.sink.write_all(bytes).await;
    }

    async fn finish(&mut self) {
        if let Some(visible) = &mut self.visible {
            let _ = self.sink.write_all(visible.finish().as_bytes()).await;
        }
    }
}

/// A descriptor to write to, by how a write may wait.
enum Sink {
    /// Our stdout or stderr is closed: nothing is printed.
    Closed,
    /// A regular file or `/dev/null`: a write never waits for a reader.
    Direct(File),
    /// A pipe or terminal, through a non-blocking description of our own: a write that
    /// would wait yields until there is room.
    Nonblocking(AsyncFd<File>),
    /// Anything else: a write may block, so only the printing thread writes here.
    Blocking(File),
}

impl Sink {
    fn for_descriptor(fd: OwnedFd) -> Self {
        let Ok(stat) = rustix::fs::fstat(&fd) else {
            return Self::Blocking(File::from(fd));
        };
        match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => Self::Direct(File::from(fd)),
            // `/dev/null`: major 1, minor 3 on every Linux.
            FileType::CharacterDevice
                if (
                    rustix::fs::major(stat.st_rdev),
                    rustix::fs::minor(stat.st_rdev),
                ) == (1, 3) =>
            {
                Self::Direct(File::from(fd))
            }
            FileType::Fifo | FileType::CharacterDevice => {
                match reopen_nonblocking(fd.as_fd(), &stat) {
                    Some(own) => Self::Nonblocking(own),
                    None => Self::Blocking(File::from(fd)),
                }
            }
            _ => Self::Blocking(File::from(fd)),
        }
    }

    fn blocks(&self) -> bool {
        matches!(self, Self::Blocking(_))
    }

    async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        let own = match self {
            Self::Closed => return Ok(()),
            Self::Direct(file) | Self::Blocking(file) => return (&*file).write_all(bytes),
            Self::Nonblocking(own) => own,
        };
        while !bytes.is_empty() {
            let mut ready = own.writable().await?;
            match ready.try_io(|own| own.get_ref().write(bytes)) {
                Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(Ok(n)) => bytes = &bytes[n..],
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => {}
            }
        }
        Ok(())
    }
}

/// A description of our own for the pipe or terminal behind `fd`, in non-blocking mode.
/// O_NONBLOCK set on the description we inherited would hold for every process sharing it
/// (the shell, the other commands of a pipeline), which do not expect it; one opened anew
/// through `/proc` is ours alone. `None` where that cannot be had: no `/proc`, or a socket
/// (which `/proc` does not open).
fn reopen_nonblocking(fd: BorrowedFd<'_>, stat: &Stat) -> Option<AsyncFd<File>> {
    let own = rustix::fs::open(
        format!("/proc/self/fd/{}", fd.as_raw_fd()),
        OFlags::WRONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .ok()?;
    let again = rustix::fs::fstat(&own).ok()?;
    // The same pipe or terminal, and nothing else the path could lead to.
    if (again.st_dev, again.st_ino, again.st_rdev) != (stat.st_dev, stat.st_ino, stat.st_rdev) {
        return None;
    }
    if FileType::from_raw_mode(stat.st_mode) == FileType::Fifo {
        // Room for more than one chunk of the run's output: a flood is passed on in a
        // fraction of the wake-ups (0.71 s against 0.92 s a gigabyte into `| cat`).
        widen_pipe(own.as_fd());
    }
    // SAFETY: the descriptor stays open and the same until the AsyncFd drops it.
    unsafe { AsyncFd::register_with_interest(File::from(own), Interest::WRITABLE) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn pipe() -> (File, File) {
        let (read, write) = rustix::pipe::pipe().expect("pipe");
        (File::from(read), File::from(write))
    }

    fn flags(fd: impl AsFd) -> OFlags {
        rustix::fs::fcntl_getfl(fd).expect("getfl")
    }

    #[tokio::test]
    async fn files_and_dev_null_are_written_directly() {
        let file = tempfile::tempfile().expect("tempfile");
        let null = File::options().write(true).open("/dev/null").expect("null");
        for fd in [OwnedFd::from(file), OwnedFd::from(null)] {
            assert!(matches!(Sink::for_descriptor(fd), Sink::Direct(_)));
        }
    }

    #[tokio::test]
    async fn a_pipe_gets_a_nonblocking_description_of_its_own() {
        let (_read, write) = pipe();
        let shared = write.try_clone().expect("clone");
        let sink = Sink::for_descriptor(OwnedFd::from(write));
        let Sink::Nonblocking(own) = &sink else {
            panic!("a pipe with a reader is written without blocking");
        };
        assert!(flags(own.get_ref()).contains(OFlags::NONBLOCK));
        // The description others share is left as it was.
        assert!(!flags(&shared).contains(OFlags::NONBLOCK));
    }

    #[tokio::test]
    async fn a_socket_goes_to_the_printing_thread() {
        let (socket, _peer) = UnixStream::pair().expect("socketpair");
        assert!(Sink::for_descriptor(OwnedFd::from(socket)).blocks());
    }

    /// A write larger than the pipe does not block the runtime's thread: it yields while the
    /// pipe is full and completes once a reader drains it, every byte in order.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_to_a_full_pipe_yields_instead_of_blocking() {
        let (read, write) = pipe();
        let sink = Sink::for_descriptor(OwnedFd::from(write));
        assert!(!sink.blocks());
        // More than the widened pipe holds.
        let sent: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let (go, wait) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            // A blocking write would sit until this gives up waiting and reads anyway.
            let _ = wait.recv_timeout(Duration::from_secs(3));
            let mut got = Vec::new();
            (&read).read_to_end(&mut got).expect("read");
            got
        });
        {
            let mut writing = std::pin::pin!(sink.write_all(&sent));
            // Blocked, the thread could not see the time pass until the reader read.
            let waiting = Duration::from_millis(200);
            assert!(
                tokio::time::timeout(waiting, writing.as_mut())
                    .await
                    .is_err(),
                "the write blocked the thread until the reader read"
            );
            go.send(()).expect("reader waits");
            writing.await.expect("write");
        }
        drop(sink);
        let got = reader.join().expect("reader");
        assert!(got == sent, "the bytes arrive whole and in order");
    }
}
