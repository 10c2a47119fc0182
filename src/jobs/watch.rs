//! The watch job: the workspace watched for changes, each settled batch read from disk
//! (`watch::watch`) and told to any number of observers.
//!
//! Setting the watch up takes one inotify watch per folder, a while in a large workspace, so
//! it runs on a blocking thread and its typed result ([`WatchSetup`]) says whether the
//! workspace is watched. Observers added before the start ([`WatchJob::observe`]) see every
//! update; those added later ([`Watching::observe`]) see the updates from then on.
//!
//! Each observer reads at its own pace from a queue of its own: one that stops reading holds
//! neither the watcher nor the other observers back. When one falls more than
//! `UPDATES_HELD` updates behind, those it missed come to it as one `Rescan`, which covers
//! any change. Folding an update into a catalog stays `Catalog::update`, the one rule for it.
//!
//! Never here: anything of a front end.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::catalog::scan::ScanLimits;
use crate::model::watch_error::{WatchError, WatchStartError};
use crate::watch::{self, WatchUpdate, WorkspaceWatcher};

/// Updates an observer may be behind before those it missed become one `Rescan`.
pub(crate) const UPDATES_HELD: usize = 64;

/// What to watch.
pub struct WatchRequest {
    pub root: PathBuf,
    /// The `[catalog]` limits the changed tools are read with.
    pub limits: ScanLimits,
}

/// A watch not started yet: add the observers that must see every update, then start it.
pub struct WatchJob {
    request: WatchRequest,
    updates: broadcast::Sender<WatchUpdate>,
}

impl WatchJob {
    pub fn new(request: WatchRequest) -> Self {
        Self {
            request,
            updates: broadcast::channel(UPDATES_HELD).0,
        }
    }

    /// An observer that sees every update of the watch.
    pub fn observe(&self) -> WatchObserver {
        WatchObserver {
            updates: self.updates.subscribe(),
        }
    }

    /// Sets the watch up on a blocking thread of the current tokio runtime. The setup starts
    /// now, whether or not its result is awaited.
    pub fn start(self) -> WatchSetup {
        let WatchJob { request, updates } = self;
        WatchSetup(tokio::task::spawn_blocking(move || {
            let tell = updates.clone();
            let watcher = watch::watch(&request.root, request.limits, move |update| {
                // Nobody observing is not an error: the update is simply not needed.
                let _ = tell.send(update);
            })?;
            Ok(Watching { watcher, updates })
        }))
    }
}

/// The setup of a watch under way; resolves to the watch, or why there is none.
pub struct WatchSetup(JoinHandle<Result<Watching, WatchError>>);

impl Future for WatchSetup {
    type Output = Result<Watching, WatchStartError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(set_up) => set_up.map_err(WatchStartError::from),
            Err(e) => Err(WatchStartError::Stopped(e.to_string())),
        })
    }
}

/// A workspace being watched; dropping it stops the watch, and the observers' `next` ends.
pub struct Watching {
    watcher: WorkspaceWatcher,
    updates: broadcast::Sender<WatchUpdate>,
}

impl Watching {
    /// Why the tool folders are polled instead of watched, when they are: a front end says so.
    pub(crate) fn polling(&self) -> Option<&str> {
        self.watcher.polling()
    }

    /// An observer from now on.
    pub fn observe(&self) -> WatchObserver {
        WatchObserver {
            updates: self.updates.subscribe(),
        }
    }
}

/// One observer's view of a watch. Dropping it is how an observer leaves.
pub struct WatchObserver {
    updates: broadcast::Receiver<WatchUpdate>,
}

impl WatchObserver {
    /// The next update: `Rescan` in place of updates this observer fell too far behind to
    /// get, `None` once the watch stopped (or never started).
    pub async fn next(&mut self) -> Option<WatchUpdate> {
        match self.updates.recv().await {
            Ok(update) => Some(update),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(WatchUpdate::Rescan),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(name: &str) -> WatchUpdate {
        WatchUpdate::Tools {
            updated: Vec::new(),
            removed: vec![PathBuf::from(name)],
        }
    }

    #[tokio::test]
    async fn an_observer_too_far_behind_is_told_to_rescan_then_gets_the_newest_updates() {
        let job = WatchJob::new(WatchRequest {
            root: PathBuf::from("/nowhere"),
            limits: ScanLimits::default(),
        });
        let mut behind = job.observe();
        let mut reading = job.observe();
        for i in 0..=UPDATES_HELD {
            let _ = job.updates.send(removed(&i.to_string()));
            assert_eq!(reading.next().await, Some(removed(&i.to_string())));
        }
        assert_eq!(behind.next().await, Some(WatchUpdate::Rescan));
        assert_eq!(behind.next().await, Some(removed("1")), "the oldest kept");
        drop(job);
        let mut rest = 0;
        while behind.next().await.is_some() {
            rest += 1;
        }
        assert_eq!(rest, UPDATES_HELD - 1, "then the others, and the end");
    }
}
