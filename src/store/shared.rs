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
    /// run, a health check or a wait on another thread. A writer that panicked left no
    /// transaction open (rusqlite rolls back on drop), so a poisoned lock is still usable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::runs::tests::sample_run;

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
        assert!(!dir.path().join(crate::store::STATE_DIR).exists());
        let store = Store::open(dir.path()).expect("writer");
        let path = store.path().to_path_buf();
        let _readers: Vec<Store> = (0..3)
            .map(|_| Store::open_reader(dir.path()).expect("reader"))
            .collect();
        assert_eq!(crate::store::writable_opens(&path), 1);
    }
}
