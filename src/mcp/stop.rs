//! How a server ends. Asked to (SIGTERM, SIGINT, SIGHUP), or on stdio once its client went
//! away, it stops every run it has in flight (agents' calls and tasks, validations), and waits,
//! within the stop's bound (`workbench::stop`), for them to be recorded `cancelled` and for the calls to
//! answer, so no run of it is left for a later start to find abandoned.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};

use super::shared::ServerState;
use crate::workbench::stop::Stop;

/// The signals that ask the server to end, taken from their first moment: one that comes
/// before the server waits for it is kept, not left to end the process by its default.
pub(super) struct Signals(Option<[tokio::signal::unix::Signal; 3]>);

impl Signals {
    /// Installs the handlers now (within a runtime); none when they cannot be (the signals
    /// then end the process as they would without them).
    pub(super) fn install() -> Signals {
        let kinds = [
            SignalKind::terminate(),
            SignalKind::interrupt(),
            SignalKind::hangup(),
        ];
        match kinds.map(signal) {
            [Ok(term), Ok(interrupt), Ok(hangup)] => Signals(Some([term, interrupt, hangup])),
            _ => Signals(None),
        }
    }

    /// Resolves with the signal's name once the server is asked to end.
    pub(super) async fn asked(&mut self) -> &'static str {
        let Some([term, interrupt, hangup]) = &mut self.0 else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
            _ = hangup.recv() => "SIGHUP",
        }
    }
}

/// Stops the server's runs and waits for their records and the calls' answers.
pub(super) async fn stop(shared: &Arc<ServerState>) {
    let stop = Stop::begin();
    // A call still waiting for a human has no run to stop: it is not waited for past the bound.
    let _ = tokio::time::timeout_at(stop.deadline(), shared.calls_ended()).await;
    stop.runs_recorded().await;
}
