//! A run's output on its way to the Output pane. The pane shows a bounded tail and the log on
//! disk keeps everything, so when the app falls behind a flooding tool the feed does not make
//! the tool wait, nor queue without end: it gathers what arrives meanwhile, keeps the newest
//! `PENDING_CAP` bytes of each stream, and says how many it skipped.

use tokio::sync::mpsc;

use super::app::AppEvent;
use crate::runner::{RunEvent, Stream};

/// Output events waiting for the app at once, over all runs.
pub const QUEUE: usize = 32;
/// Most bytes of one stream gathered while the app is behind.
const PENDING_CAP: usize = 1024 * 1024;

/// What arrived for one stream since the last event sent.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    skipped: u64,
}

impl Pending {
    fn push(&mut self, bytes: Vec<u8>) {
        if self.bytes.is_empty() && bytes.len() <= PENDING_CAP {
            self.bytes = bytes;
        } else {
            self.bytes.extend_from_slice(&bytes);
        }
        if self.bytes.len() > PENDING_CAP {
            let over = self.bytes.len() - PENDING_CAP;
            self.bytes.drain(..over);
            self.skipped += over as u64;
        }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.skipped == 0
    }
}

/// Forwards `events` of run `key` to the app's output queue until the run ends.
pub async fn forward(
    key: u64,
    mut events: mpsc::Receiver<RunEvent>,
    output: mpsc::Sender<AppEvent>,
) {
    let mut pending = [Pending::default(), Pending::default()];
    let mut open = true;
    while open || pending.iter().any(|p| !p.is_empty()) {
        let waiting = pending.iter().any(|p| !p.is_empty());
        tokio::select! {
            biased;
            permit = output.reserve(), if waiting => {
                let Ok(permit) = permit else { return };
                let slot = usize::from(pending[0].is_empty());
                let taken = std::mem::take(&mut pending[slot]);
                permit.send(AppEvent::RunOutput {
                    key,
                    stream: if slot == 0 { Stream::Stdout } else { Stream::Stderr },
                    bytes: taken.bytes,
                    skipped: taken.skipped,
                });
            }
            event = events.recv(), if open => match event {
                Some(RunEvent::Output { stream, bytes }) => {
                    let slot = usize::from(stream == Stream::Stderr);
                    pending[slot].push(bytes);
                }
                None => open = false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_app_sees_the_newest_output_and_how_much_was_skipped() {
        let (events_tx, events_rx) = mpsc::channel(4);
        let (output_tx, mut output_rx) = mpsc::channel(1);
        let feed = tokio::spawn(forward(7, events_rx, output_tx));
        // 3 MiB while the app reads nothing: the feed never blocks the producer for long.
        for i in 0..3u8 {
            let chunk = vec![b'a' + i; 1024 * 1024];
            events_tx
                .send(RunEvent::Output {
                    stream: Stream::Stdout,
                    bytes: chunk,
                })
                .await
                .expect("feed takes it");
        }
        drop(events_tx);
        let mut received = Vec::new();
        let mut skipped = 0;
        while let Some(AppEvent::RunOutput {
            key,
            bytes,
            skipped: s,
            ..
        }) = output_rx.recv().await
        {
            assert_eq!(key, 7);
            received.extend(bytes);
            skipped += s;
        }
        feed.await.expect("feed ends");
        assert_eq!(received.len() as u64 + skipped, 3 * 1024 * 1024);
        assert_eq!(received.last(), Some(&b'c'), "the newest bytes are kept");
    }
}
