//! The one task that sends: what starts waiting is queued without waiting (the queue is
//! bounded; past it a notification is dropped and counted), each POST may take `TIMEOUT`, and
//! a failure is told once, until the webhook answers again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::message::Waiting;
use super::webhook::Webhook;

/// Notifications waiting to be sent; a burst beyond them is dropped, not waited for.
const QUEUE: usize = 32;
/// The most one POST may take, from connecting to the answer's status.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Sends to the webhook in the background; its task ends when this is dropped.
pub(crate) struct Notifier {
    queue: mpsc::Sender<Waiting>,
    dropped: Arc<AtomicU64>,
}

impl Notifier {
    /// Starts the sending task on `runtime`. `page` is the review page's address for the
    /// links; `notice` is given each line worth a person's reading (a failure, drops).
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        webhook: Webhook,
        page: String,
        notice: impl Fn(String) + Send + 'static,
    ) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        runtime.spawn(send_all(
            waiting,
            webhook,
            page,
            Arc::clone(&dropped),
            notice,
        ));
        Self { queue, dropped }
    }

    /// Queues `waiting` for the webhook and returns at once.
    pub(crate) fn tell(&self, waiting: Waiting) {
        if self.queue.try_send(waiting).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn send_all(
    mut waiting: mpsc::Receiver<Waiting>,
    webhook: Webhook,
    page: String,
    dropped: Arc<AtomicU64>,
    notice: impl Fn(String),
) {
    let mut failing = false;
    while let Some(next) = waiting.recv().await {
        let message = next.message(&page);
        let sent = match tokio::time::timeout(TIMEOUT, webhook.post(&message)).await {
            Ok(sent) => sent,
            Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
        };
        match sent {
            Ok(()) if failing => {
                failing = false;
                notice(format!("the webhook {} answers again", webhook.url()));
            }
            Ok(()) => {}
            Err(why) if !failing => {
                failing = true;
                notice(format!(
                    "the webhook {} was not told that {} waits: {why} (said once, until it \
                     answers again)",
                    webhook.url(),
                    next.what(),
                ));
            }
            Err(_) => {}
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            notice(format!(
                "{lost} notifications were dropped: more waited than the webhook took in time"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::WaitingKind;

    #[test]
    fn telling_never_waits_and_a_burst_past_the_queue_is_counted() {
        // The sending task never runs on this runtime while the test tells: the queue fills.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let webhook = Webhook::parse("http://127.0.0.1:9/").expect("webhook");
        let notifier = Notifier::start(runtime.handle(), webhook, "http://p/".into(), |_| {});
        let waiting = Waiting {
            kind: WaitingKind::Call,
            id: Some(1),
            tool: "deploy".into(),
            version: Some("1.0.0".into()),
            content_hash: Some("h".into()),
            client: "agent".into(),
        };
        for _ in 0..QUEUE + 10 {
            notifier.tell(waiting.clone());
        }
        assert_eq!(notifier.dropped.load(Ordering::Relaxed), 10);
    }
}
