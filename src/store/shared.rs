//! The process's one write connection to the store, shared by everything in the process that
//! writes: decisions, validations, answers to agents' calls, services, and the batching
//! [`StoreWriter`](super::StoreWriter). It must never be opened twice in a process; long
//! reads go through read-only connections (`Store::open_reader`) instead of holding it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Store;

#[derive(Clone)]
pub struct SharedStore {
    store: Arc<Mutex<Store>>,
    path: Arc<PathBuf>,
}

impl SharedStore {
    /// Shares `store`, the process's write connection.
    pub fn new(store: Store) -> Self {
        let path = Arc::new(store.path().to_path_buf());
        Self {
            store: Arc::new(Mutex::new(store)),
            path,
        }
    }

    /// The connection, for one caller at a time. Held only for store work: never across a
    /// run, a health check, a copy, a git commit or a wait on another thread. A writer that panicked left no
    /// transaction open (rusqlite rolls back on drop), so a poisoned lock is still usable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The store, for work that mixes store calls with slow work on disk or other processes
/// (copies, hashing, git): a [`SharedStore`] is taken for each call alone, so nothing else in
/// the process waits on that work; a [`Store`] a caller owns is simply used.
pub trait StoreAccess {
    /// Runs `f` with the store, held for `f` alone.
    fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for Store {
    fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(self)
    }
}

/// A store a caller holds already: it stays held, as before.
impl StoreAccess for MutexGuard<'_, Store> {
    fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(self)
    }
}

impl StoreAccess for SharedStore {
    fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.lock())
    }
}

/// The process's write connection, opened the first time something asks for it: a command
/// that never needs it (`toolbench run` finding its tool in the usual folder and handing its
/// record off) never pays for opening SQLite.
#[derive(Clone)]
pub(crate) struct StoreOnDemand {
    root: Arc<PathBuf>,
    opened: Arc<Mutex<Option<SharedStore>>>,
}

impl StoreOnDemand {
    /// The store of the workspace at `root`, not opened yet.
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: Arc::new(root.to_path_buf()),
            opened: Arc::new(Mutex::new(None)),
        }
    }

    /// The connection, opened (and the store created) on the first call.
    pub(crate) fn get(&self) -> Result<SharedStore, super::StoreError> {
        let mut slot = self.slot();
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = SharedStore::new(Store::open(&self.root)?);
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Closes the connection when nothing else holds it, so its log is checkpointed.
    pub(crate) fn close(&self) {
        self.slot().take();
    }

    /// The connection, if something opened it.
    pub(crate) fn if_opened(&self) -> Option<SharedStore> {
        self.slot().clone()
    }

    fn slot(&self) -> MutexGuard<'_, Option<SharedStore>> {
        self.opened.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::runs::tests::sample_run;

    #[test]
    fn a_store_on_demand_is_opened_once_and_only_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let on_demand = StoreOnDemand::new(dir.path());
        assert!(on_demand.if_opened().is_none());
        assert!(!dir.path().join(crate::workspace::STATE_DIR).exists());
        let store = on_demand.get().expect("opened");
        assert!(on_demand.if_opened().is_some());
        let again = on_demand.clone().get().expect("the same");
        assert_eq!(store.path(), again.path());
        assert_eq!(crate::store::writable_opens(store.path()), 1);
    }

    #[test]
    fn a_reader_refuses_a_write_and_sees_the_writers_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shared = SharedStore::new(Store::open(dir.path()).expect("writer"));
        let reader = Store::open_reader(dir.path()).expect("reader");
        let mut run = sample_run("a", "2026-11-21T10:00:00.000Z");
        shared.lock().record_run(&mut run, None).expect("written");
        assert_eq!(reader.list_runs(None, 10).expect("read").len(), 1);
        let mut reader = reader;
        let mut refused = sample_run("b", "2026-11-21T10:00:01.000Z");
        let err = reader
            .record_run(&mut refused, None)
            .expect_err("a reader must not write")
            .to_string();
        assert!(err.contains("readonly"), "{err}");
        assert_eq!(reader.list_runs(None, 10).expect("read").len(), 1);
    }

    #[test]
    fn a_reader_does_not_create_a_missing_store_and_is_not_counted_as_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Store::open_reader(dir.path()).is_err());
        assert!(!dir.path().join(crate::workspace::STATE_DIR).exists());
        let store = Store::open(dir.path()).expect("writer");
        let path = store.path().to_path_buf();
        let _readers: Vec<Store> = (0..3)
            .map(|_| Store::open_reader(dir.path()).expect("reader"))
            .collect();
        assert_eq!(crate::store::writable_opens(&path), 1);
    }
}
