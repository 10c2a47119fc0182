//! The terminal's input, read by a task of its own and handed to the event loop through a
//! channel.
//!
//! crossterm's `EventStream` keeps a thread blocked in its reader's lock until input comes,
//! and each `poll_next` while that thread waits tries the lock for no time: parking_lot
//! spins, then yields the CPU seven times, before giving up. The event loop polled it on
//! every turn (every tick, every batch of output), so a workbench under a flood gave its
//! core away seven times a turn to whatever else ran, and a key waited behind them. Here the
//! stream is polled only when its thread says input came, by the one task that owns it.

use std::io;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Input events read ahead of the loop: a paste or a held key waits here, not in crossterm.
const READ_AHEAD: usize = 64;

/// The terminal's input, as the event loop takes it.
pub(crate) struct TerminalInput {
    events: mpsc::Receiver<io::Result<Event>>,
    reader: JoinHandle<()>,
}

impl TerminalInput {
    /// Starts reading, on the current runtime.
    pub(crate) fn start() -> Self {
        let (tx, events) = mpsc::channel(READ_AHEAD);
        let reader = tokio::spawn(async move {
            let mut stream = EventStream::new();
            while let Some(event) = stream.next().await {
                if tx.send(event).await.is_err() {
                    return;
                }
            }
        });
        Self { events, reader }
    }

    /// The next event; `None` once the terminal's input ended.
    pub(crate) async fn next(&mut self) -> Option<io::Result<Event>> {
        self.events.recv().await
    }

    /// Stops reading, and returns once the reader is gone: a program that takes the
    /// terminal over (an editor, a pager) gets the keys typed from then on. `start` reads
    /// again after it.
    pub(crate) async fn stop(&mut self) {
        self.reader.abort();
        // The reader's stream is dropped with its task, which tells crossterm's thread to
        // let go of the terminal.
        let _ = (&mut self.reader).await;
    }
}

impl Drop for TerminalInput {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
