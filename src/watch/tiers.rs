//! The folders a workspace watch follows: the root alone (a tier folder made, removed or
//! replaced), each tier folder with everything in it, and the folder of seals alone (a person
//! accepting or approving in another process changes what may run). Only the tiers hold tools:
//! the rest of the state folder (toolbench's own constant traffic, which would flood the
//! kernel's queue) and anything else beside the tiers are never walked nor watched. A
//! workspace that has no seals yet is looked at once a second until it has
//! (`await_acceptance`): watching the state folder to see them come would hear all its traffic.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use notify::RecursiveMode;
use notify_debouncer_full::{Debouncer, FileIdCache};

use crate::model::Tier;

/// What the tier watch asks of a debouncer, whichever watcher drives it (the kernel's, or
/// polling when the kernel's watches ran out).
pub(super) trait Watches: Send {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()>;
    fn unwatch(&mut self, path: &Path) -> notify::Result<()>;
}

impl<W: notify::Watcher + Send, C: FileIdCache + Send> Watches for Debouncer<W, C> {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        Debouncer::watch(self, path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        Debouncer::unwatch(self, path)
    }
}

/// The debouncer and the tier folders it watches, by identity: a tier folder removed and made
/// again, or moved away and replaced, is another folder, whose watch must be set up anew.
pub(super) struct TierWatch {
    debouncer: Box<dyn Watches>,
    watched: HashMap<Tier, (u64, u64)>,
    /// The folder of seals, by identity, once it is there.
    seals: Option<(u64, u64)>,
    /// The workspace's signed reviews (`.reviews/`), by identity, once it is there.
    reviews: Option<(u64, u64)>,
}

/// The tier watch as the event handler reaches it: set once the setup ends (the handler waits
/// for that), and weak, since the handler lives on the debouncer's own thread and a strong
/// handle would keep the watch alive forever.
pub(super) type SharedTierWatch = Arc<Mutex<Option<TierWatch>>>;

/// Setting a tier's watch up walks every folder in it while short-lived folders may be made,
/// renamed and removed there (an agent proposal's staging): one gone between the walk's
/// listing and its watch fails the whole setup as "not found". The setup is tried again.
const SETUP_ATTEMPTS: usize = 5;

/// A real folder's identity (device, inode); `None` when it is not one.
fn identity(folder: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(folder)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

/// A path gone from under the watch's setup, as notify reports it either way.
fn is_not_found(error: &notify::Error) -> bool {
    match &error.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

impl TierWatch {
    /// Watches the root alone, then each tier folder there.
    pub(super) fn start(debouncer: Box<dyn Watches>, root: &Path) -> notify::Result<Self> {
        let mut tiers = TierWatch {
            debouncer,
            watched: HashMap::new(),
            seals: None,
            reviews: None,
        };
        tiers.debouncer.watch(root, RecursiveMode::NonRecursive)?;
        tiers.follow(root)?;
        Ok(tiers)
    }

    /// Watches each tier folder that is there and not watched as the folder it is now, and
    /// stops watching the folders that left. Whether any did either.
    fn follow(&mut self, root: &Path) -> notify::Result<bool> {
        let mut changed = false;
        for &tier in Tier::ALL {
            let folder = root.join(tier.dir_name());
            let now = identity(&folder);
            if now == self.watched.get(&tier).copied() {
                continue;
            }
            changed = true;
            if self.watched.remove(&tier).is_some() {
                // Gone with its folder already, or still watching one moved elsewhere.
                let _ = self.debouncer.unwatch(&folder);
            }
            if let Some(identity) = now {
                self.watch_tier(&folder)?;
                self.watched.insert(tier, identity);
            }
        }
        self.follow_seals(root)?;
        self.follow_reviews(root);
        Ok(changed)
    }

    /// Watches `.reviews/` (statements a pull or a decision brings, the reviewers' list), once
    /// it is there: like seals, a change there marks drift again and rescans nothing.
    fn follow_reviews(&mut self, root: &Path) {
        let reviews = root.join(crate::signature::REVIEWS_DIR);
        let now = identity(&reviews);
        if now != self.reviews {
            if self.reviews.take().is_some() {
                let _ = self.debouncer.unwatch(&reviews);
            }
            if now.is_some()
                && self
                    .debouncer
                    .watch(&reviews, RecursiveMode::Recursive)
                    .is_ok()
            {
                self.reviews = now;
            }
        }
    }

    /// Watches the folder of seals alone, once it is there. Seals are no tools: a change
    /// there is never a reason to rescan.
    fn follow_seals(&mut self, root: &Path) -> notify::Result<()> {
        let seals = crate::seal::seals_dir(root);
        let now = identity(&seals);
        if now != self.seals {
            if self.seals.take().is_some() {
                let _ = self.debouncer.unwatch(&seals);
            }
            if now.is_some()
                && self
                    .debouncer
                    .watch(&seals, RecursiveMode::NonRecursive)
                    .is_ok()
            {
                self.seals = now;
            }
        }
        Ok(())
    }

    /// Whether the folder of seals is watched.
    pub(super) fn has_seals(&self) -> bool {
        self.seals.is_some()
    }

    fn watch_tier(&mut self, folder: &Path) -> notify::Result<()> {
        let mut attempt = 1;
        loop {
            match self.debouncer.watch(folder, RecursiveMode::Recursive) {
                Ok(()) => return Ok(()),
                // The tier itself gone: watched again when the root says it is back.
                Err(_) if !folder.is_dir() => return Ok(()),
                Err(e) if attempt == SETUP_ATTEMPTS || !is_not_found(&e) => return Err(e),
                Err(_) => attempt += 1,
            }
        }
    }
}

/// How often a workspace without seals is looked at, until a person accepts its tools.
const ACCEPTANCE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Until the workspace has its seals (a person accepts its tools, here or in another
/// process), looks once a second whether they came; then watches them and tells `came`. Ends
/// with the watch. The one poller of the watch: nothing in the state folder is watched, and
/// its creation tells no folder the watch follows.
pub(super) fn await_acceptance(
    handle: Weak<Mutex<Option<TierWatch>>>,
    root: &Path,
    came: impl Fn() + Send + 'static,
) {
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(ACCEPTANCE_POLL);
            let Some(shared) = handle.upgrade() else {
                return; // the watch is gone
            };
            if !crate::seal::accepted(&root) {
                continue;
            }
            let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(tiers) = guard.as_mut() {
                let _ = tiers.follow_seals(&root);
            }
            drop(guard);
            came();
            return;
        }
    });
}

/// The tiers followed again from the event handler, when a tier folder or the root itself
/// changed or events were lost: whether a tier folder came, went or was replaced, or why one
/// could not be watched.
pub(super) fn follow_again(
    handle: &Weak<Mutex<Option<TierWatch>>>,
    root: &Path,
) -> Result<bool, String> {
    let Some(shared) = handle.upgrade() else {
        return Ok(false); // the watch is being dropped
    };
    let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let followed = guard.as_mut().map_or(Ok(false), |tiers| tiers.follow(root));
    followed.map_err(|e| {
        format!(
            "{}: cannot watch a tier folder: {}",
            root.display(),
            super::limit::describe(&e)
        )
    })
}
