//! Where a catalog call's progress goes, through every stage of the call: waiting for a
//! human, then running. A client that sent a progress token hears notifications whose value
//! only ever rises, across the stages; a task's row says what the work is doing now.

use std::sync::Arc;

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RoleServer};

use super::shared::ServerState;
use crate::model::tasks::{TaskChange, TaskState};

/// The smallest step between two notifications' values, which must rise.
const STEP: f64 = 0.001;

/// One call's progress, told to whoever follows it.
pub(crate) struct Progress {
    to: Follower,
    /// The last value a client was sent; none yet at first, when any value may go.
    sent: Option<f64>,
    /// What the run's time is counted from: the value sent before it started (the wait).
    run_base: Option<f64>,
    /// What the tool's own reports are counted from: the value sent before its first one.
    tool_base: Option<f64>,
}

enum Follower {
    Nobody,
    Client {
        peer: Peer<RoleServer>,
        token: ProgressToken,
    },
    Task {
        shared: Arc<ServerState>,
        id: String,
    },
}

impl Progress {
    /// Progress nobody follows.
    pub(crate) fn nowhere() -> Self {
        Self::to(Follower::Nobody)
    }

    /// Notifications to the client that sent `token` with its request.
    pub(crate) fn client(peer: Peer<RoleServer>, token: ProgressToken) -> Self {
        Self::to(Follower::Client { peer, token })
    }

    /// The status of task `id`.
    pub(crate) fn task(shared: Arc<ServerState>, id: String) -> Self {
        Self::to(Follower::Task { shared, id })
    }

    fn to(to: Follower) -> Self {
        Self {
            to,
            sent: None,
            run_base: None,
            tool_base: None,
        }
    }

    /// The call waits for a human's answer to call `call`, for the reason given.
    pub(crate) async fn waiting(&mut self, call: i64, seconds: f64, why: &str) {
        let message = format!(
            "call #{call} is waiting for a human's approval ({why}; {seconds:.0} s so far)"
        );
        self.tell(seconds, None, message, TaskState::InputRequired)
            .await;
    }

    /// The call's run goes on, `seconds` in, with `bytes` of output so far: counted on from
    /// what the wait sent, so the value never goes back when the call waited first.
    pub(crate) async fn running(&mut self, seconds: f64, bytes: u64) {
        if self.tool_base.is_some() {
            // The tool reports its own progress; time adds nothing to it.
            return;
        }
        let base = *self.run_base.get_or_insert(self.sent.unwrap_or(0.0));
        let message = format!("running for {seconds:.1} s, {bytes} bytes of output");
        self.tell(base + seconds, None, message, TaskState::Working)
            .await;
    }

    /// The tool reported `done` of `total`: counted on from what was sent before, so the
    /// value never goes back when the call waited first.
    pub(crate) async fn reported(
        &mut self,
        done: f64,
        total: Option<f64>,
        message: Option<String>,
    ) {
        let base = *self.tool_base.get_or_insert(self.sent.unwrap_or(0.0));
        let message = message.unwrap_or_else(|| match total {
            Some(total) => format!("{done} of {total}"),
            None => format!("{done} done"),
        });
        self.tell(
            base + done,
            total.map(|t| base + t),
            message,
            TaskState::Working,
        )
        .await;
    }

    async fn tell(&mut self, value: f64, total: Option<f64>, message: String, state: TaskState) {
        match &self.to {
            Follower::Nobody => {}
            Follower::Client { peer, token } => {
                if self.sent.is_some_and(|sent| value < sent + STEP) {
                    // Values must rise: a report that does not is not sent.
                    return;
                }
                self.sent = Some(value);
                let mut param = ProgressNotificationParam::new(token.clone(), value);
                param.total = total.filter(|t| *t >= value);
                param.message = Some(message);
                let _ = peer.notify_progress(param).await;
            }
            Follower::Task { shared, id } => {
                self.sent = Some(self.sent.map_or(value, |sent| sent.max(value)));
                let id = id.clone();
                // A task that ended meanwhile keeps its end: the update changes nothing then.
                let report = TaskChange::Report { id, state, message };
                let _ = shared.change_task(report).await;
            }
        }
    }
}
