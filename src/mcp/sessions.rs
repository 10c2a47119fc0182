//! The sessions of `toolbench mcp --http`: at most `[mcp] max_sessions` open at once, and each
//! closed once it has been idle for `[mcp] session_idle_secs`.
//!
//! rmcp's `LocalSessionManager` keeps the sessions; `Sessions` wraps it to count them and to
//! see their activity (a request, a message, a stream being read). A session with a request in
//! flight or a stream open is never idle, however long the call takes; one that nobody uses
//! is closed, and its client gets 404 and starts a new session as the protocol says.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::SessionId;
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::ServerSseMessage;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};

use crate::model::settings::SessionLimits;

/// The open sessions, bounded in number and in idle time.
pub(super) struct Sessions {
    inner: LocalSessionManager,
    max: usize,
    idle: Duration,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    open: HashMap<SessionId, Activity>,
    /// Requests admitted to open a session that have not ended yet.
    admitting: usize,
}

struct Activity {
    last: Instant,
    /// Streams of the session being read: a request's answer or a client's listening stream.
    streams: usize,
}

impl Sessions {
    pub(super) fn new(limits: SessionLimits) -> Self {
        let mut inner = LocalSessionManager::default();
        // Idleness is judged here, where a call in flight counts as activity: rmcp's own
        // keep-alive sees only messages and would close a session in the middle of a long call.
        inner.session_config.keep_alive = None;
        Self {
            inner,
            max: usize::try_from(limits.max_sessions).unwrap_or(usize::MAX),
            idle: Duration::from_secs(limits.idle_secs),
            state: Arc::default(),
        }
    }

    pub(super) fn max(&self) -> usize {
        self.max
    }

    pub(super) fn idle(&self) -> Duration {
        self.idle
    }

    /// Holds a place for a session a request may open, or `None` when every place is taken.
    /// Only a request holding one may open a session, so the cap holds however many arrive
    /// at once.
    pub(super) fn admit(&self) -> Option<SessionPlace> {
        let mut state = lock(&self.state);
        if state.open.len() + state.admitting >= self.max {
            return None;
        }
        state.admitting += 1;
        Some(SessionPlace(Arc::clone(&self.state)))
    }

    /// Closes every session idle for the limit or longer, now and then, until the process ends.
    pub(super) async fn close_idle_forever(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(
            (self.idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(30)),
        );
        loop {
            ticks.tick().await;
            self.close_idle().await;
        }
    }

    async fn close_idle(&self) {
        // Taken out of the count under the lock, so a request that arrives meanwhile is not
        // counted against a session on its way out.
        let idle: Vec<SessionId> = {
            let mut state = lock(&self.state);
            let idle: Vec<SessionId> = state
                .open
                .iter()
                .filter(|(_, a)| a.streams == 0 && a.last.elapsed() >= self.idle)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &idle {
                state.open.remove(id);
            }
            idle
        };
        for id in idle {
            let _ = self.inner.close_session(&id).await;
        }
    }

    fn touch(&self, id: &SessionId) {
        if let Some(activity) = lock(&self.state).open.get_mut(id) {
            activity.last = Instant::now();
        }
    }

    /// Counts a stream of session `id` as activity until it is dropped.
    fn track<S>(&self, id: &SessionId, stream: S) -> Tracked<S> {
        if let Some(activity) = lock(&self.state).open.get_mut(id) {
            activity.streams += 1;
            activity.last = Instant::now();
        }
        Tracked {
            stream,
            _reading: Reading {
                state: Arc::clone(&self.state),
                id: id.clone(),
            },
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The counts stay consistent whatever panicked while holding them.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A place held for a session being opened; dropping it frees the place (the session, once
/// open, is counted on its own).
pub(super) struct SessionPlace(Arc<Mutex<State>>);

impl Drop for SessionPlace {
    fn drop(&mut self) {
        let mut state = lock(&self.0);
        state.admitting = state.admitting.saturating_sub(1);
    }
}

/// A session's stream, its session active until the client has read it all or went away.
struct Tracked<S> {
    stream: S,
    _reading: Reading,
}

impl<S: Stream + Unpin> Stream for Tracked<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut self.stream).poll_next(cx)
    }
}

struct Reading {
    state: Arc<Mutex<State>>,
    id: SessionId,
}

impl Drop for Reading {
    fn drop(&mut self) {
        if let Some(activity) = lock(&self.state).open.get_mut(&self.id) {
            activity.streams = activity.streams.saturating_sub(1);
            activity.last = Instant::now();
        }
    }
}

impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.inner.create_session().await?;
        let activity = Activity {
            last: Instant::now(),
            streams: 0,
        };
        lock(&self.state).open.insert(id.clone(), activity);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.touch(id);
        self.inner.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.inner.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        lock(&self.state).open.remove(id);
        self.inner.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.create_stream(id, message).await?;
        Ok(self.track(id, stream))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.touch(id);
        self.inner.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.create_standalone_stream(id).await?;
        Ok(self.track(id, stream))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.resume(id, last_event_id).await?;
        Ok(self.track(id, stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(max: u64) -> Sessions {
        Sessions::new(SessionLimits {
            max_sessions: max,
            idle_secs: 600,
        })
    }

    #[tokio::test]
    async fn sessions_being_opened_and_open_share_the_cap() {
        let sessions = sessions(2);
        let opening = sessions.admit().expect("a place");
        let (id, _transport) = sessions.create_session().await.expect("session");
        drop(opening);
        let second = sessions.admit().expect("a second place");
        assert!(
            sessions.admit().is_none(),
            "one open, one being opened: full"
        );
        drop(second);
        let second = sessions
            .admit()
            .expect("a request that ended frees its place");
        assert!(sessions.admit().is_none());
        sessions.close_session(&id).await.expect("close");
        assert!(
            sessions.admit().is_some(),
            "a closed session frees its place"
        );
        drop(second);
    }

    #[tokio::test]
    async fn a_session_expires_only_when_idle_with_no_stream_open() {
        let mut sessions = sessions(8);
        sessions.idle = Duration::from_millis(200);
        let (quiet, _t1) = sessions.create_session().await.expect("session");
        let (reading, _t2) = sessions.create_session().await.expect("session");
        let stream = sessions.track(&reading, futures::stream::pending::<()>());
        sessions.close_idle().await;
        assert!(sessions.has_session(&quiet).await.expect("has"));
        tokio::time::sleep(Duration::from_millis(250)).await;
        sessions.close_idle().await;
        assert!(!sessions.has_session(&quiet).await.expect("has"));
        assert!(
            sessions.has_session(&reading).await.expect("has"),
            "a stream is open"
        );
        drop(stream);
        sessions.close_idle().await;
        assert!(
            sessions.has_session(&reading).await.expect("has"),
            "just read"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        sessions.close_idle().await;
        assert!(!sessions.has_session(&reading).await.expect("has"));
        assert!(sessions.admit().is_some());
    }
}
