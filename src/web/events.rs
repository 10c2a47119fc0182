//! The page's live side: the workbench's one stream of events, read here alone, becomes a
//! count that rises whenever what waits changed ([`Changed`]), and each paired page that
//! listens gets it as server-sent events. A page that falls behind gets the newest only.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, StreamBody, combinators::BoxBody};
use hyper::body::{Bytes, Frame};
use tokio::sync::watch;

use crate::model::calls::PendingEvent;
use crate::workbench::events::{Events, WorkbenchEvent};

/// How often an idle stream says it is alive (and checks its session still holds).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Pages listening at once; more are refused until one leaves.
pub(super) const MAX_LISTENERS: usize = 64;

/// What listeners are told: a number that rises on every change of what waits, and the ids
/// of the calls waiting now.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Changed {
    pub(super) seq: u64,
    pub(super) calls: Vec<i64>,
}

/// Reads the workbench's events until they end, telling `tx` each change of what waits.
pub(super) async fn follow(mut events: Events, tx: watch::Sender<Changed>) {
    while let Some(event) = events.recv().await {
        let calls = match event {
            WorkbenchEvent::Waiting(PendingEvent::Calls { calls, .. }) => {
                Some(calls.iter().map(|call| call.id).collect())
            }
            WorkbenchEvent::Waiting(PendingEvent::Unreadable(e)) => {
                eprintln!("toolbench web: cannot follow the waiting calls: {e}");
                continue;
            }
            WorkbenchEvent::CatalogProblem(problem) => {
                eprintln!("toolbench web: {problem}");
                continue;
            }
            WorkbenchEvent::Waiting(PendingEvent::Requests(_))
            | WorkbenchEvent::ToolsChanged { .. }
            | WorkbenchEvent::CatalogReplaced(_)
            | WorkbenchEvent::Validation(_) => None,
            WorkbenchEvent::RunElsewhere(_)
            | WorkbenchEvent::Services(_)
            | WorkbenchEvent::Waiting(PendingEvent::HistoryChanged) => continue,
        };
        tx.send_modify(|changed| {
            changed.seq += 1;
            if let Some(calls) = calls {
                changed.calls = calls;
            }
        });
    }
}

/// A place among the listeners, given back when its stream ends.
pub(super) struct Listening(Arc<AtomicUsize>);

impl Listening {
    /// A place, if fewer than [`MAX_LISTENERS`] hold one.
    pub(super) fn take(count: &Arc<AtomicUsize>) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_LISTENERS).then_some(n + 1)
            })
            .ok()
            .map(|_| Listening(Arc::clone(count)))
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The event stream of one page: what waits now at once, then each change, and a comment
/// every [`KEEP_ALIVE`]; it ends when `paired` says the session no longer holds.
pub(super) fn stream(
    changes: watch::Receiver<Changed>,
    paired: impl Fn() -> bool + Send + Sync + 'static,
    place: Listening,
) -> BoxBody<Bytes, Infallible> {
    struct State<P> {
        changes: watch::Receiver<Changed>,
        paired: P,
        first: bool,
        _place: Listening,
    }
    let state = State {
        changes,
        paired,
        first: true,
        _place: place,
    };
    let frames = futures::stream::unfold(state, |mut state| async move {
        let text = if state.first {
            state.first = false;
            let now = state.changes.borrow_and_update().clone();
            format!("retry: 1000\n{}", event(&now))
        } else {
            tokio::select! {
                changed = state.changes.changed() => {
                    changed.ok()?;
                    let now = state.changes.borrow_and_update().clone();
                    event(&now)
                }
                () = tokio::time::sleep(KEEP_ALIVE) => ": still here\n\n".to_string(),
            }
        };
        if !(state.paired)() {
            return None;
        }
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(text))), state))
    });
    StreamBody::new(frames).boxed()
}

fn event(changed: &Changed) -> String {
    let data = serde_json::json!({ "seq": changed.seq, "calls": changed.calls });
    format!("event: waiting\ndata: {data}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_bounded_and_their_places_come_back() {
        let count = Arc::new(AtomicUsize::new(0));
        let held: Vec<_> = (0..MAX_LISTENERS)
            .map(|_| Listening::take(&count).expect("a place"))
            .collect();
        assert!(Listening::take(&count).is_none());
        drop(held);
        assert!(Listening::take(&count).is_some());
    }

    #[test]
    fn an_event_names_the_waiting_calls() {
        let text = event(&Changed {
            seq: 3,
            calls: vec![4, 5],
        });
        assert_eq!(
            text,
            "event: waiting\ndata: {\"calls\":[4,5],\"seq\":3}\n\n"
        );
    }
}
