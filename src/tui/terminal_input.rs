//! The terminal's input, polled only when there may be some.
//!
//! crossterm's `EventStream` keeps a thread blocked in its reader's lock until input comes,
//! and each `poll_next` while that thread waits tries the lock for no time: parking_lot
//! spins, then yields the CPU seven times, before giving up. The event loop polls its input
//! on every turn (each tick, each batch of output or events), so a workbench at rest made 56
//! `sched_yield` calls a second, and one under a flood gave its core away seven times a turn.
//! Here the stream is polled again only once its thread said input came (or it just gave
//! some): on the loop's own task, so a key does not wait for a worker either.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use crossterm::event::{Event, EventStream};
use futures::Stream;
use futures::task::ArcWake;

/// The terminal's input, as the event loop takes it.
pub(crate) struct TerminalInput {
    /// `None` while a program that took the terminal over reads it (`stop`).
    stream: Option<EventStream>,
    /// The stream's thread said input came, or the last poll gave some: poll again.
    due: Arc<AtomicBool>,
}

/// The waker the stream's thread holds: it marks the input due, then wakes the loop.
struct WhenInput {
    due: Arc<AtomicBool>,
    waker: Waker,
}

impl ArcWake for WhenInput {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.due.store(true, Ordering::SeqCst);
        arc_self.waker.wake_by_ref();
    }
}

impl TerminalInput {
    /// Starts reading.
    pub(crate) fn start() -> Self {
        Self {
            stream: Some(EventStream::new()),
            due: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The next event; `None` once the terminal's input ended.
    pub(crate) async fn next(&mut self) -> Option<io::Result<Event>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Event>>> {
        let Some(stream) = self.stream.as_mut() else {
            return Poll::Pending;
        };
        if !self.due.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let waker = futures::task::waker(Arc::new(WhenInput {
            due: Arc::clone(&self.due),
            waker: cx.waker().clone(),
        }));
        let polled = std::pin::Pin::new(stream).poll_next(&mut Context::from_waker(&waker));
        if polled.is_ready() {
            // More may wait: only a poll that finds none hands the stream's thread a waker.
            self.due.store(true, Ordering::SeqCst);
        }
        polled
    }

    /// Input may be waiting: the stream's thread woke the loop, or the last look found some.
    pub(crate) fn may_wait(&self) -> bool {
        self.due.load(Ordering::SeqCst)
    }

    /// Stops reading: a program that takes the terminal over (an editor, a pager) gets the
    /// keys typed from then on. `start` reads again after it.
    pub(crate) fn stop(&mut self) {
        self.stream = None;
    }
}
