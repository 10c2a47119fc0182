//! The folders a workspace watch follows: the root alone (a tier folder made, removed or
//! replaced) and each tier folder with everything in it. Only the tiers hold tools: the state
//! folder (toolbench's own constant traffic, which would flood the kernel's queue) and
//! anything else beside the tiers are never walked nor watched.

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
}

/// The tier watch as the event handler reaches it: set once the setup ends (the handler waits
/// for that), and weak, since the handler lives on the debouncer's own thread and a strong
/// handle would keep the watch alive forever.
pub(super) type Shared = Arc<Mutex<Option<TierWatch>>>;

/// Setting a tier's watch up walks every folder in it while short-lived folders may be made,
/// renamed and removed there (an agent proposal's staging): one gone between the walk's
/// listing and its watch fails the whole setup as "not found". The setup is tried again.
const SETUP_ATTEMPTS: usize = 5;

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
            let now = std::fs::symlink_metadata(&folder)
                .ok()
                .filter(|m| m.is_dir())
                .map(|m| (m.dev(), m.ino()));
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
        Ok(changed)
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
