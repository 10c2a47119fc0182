//! The live catalog of a long-lived front end: every tool of the workspace as last scanned,
//! kept current by the workspace watch, its changes told as typed events.
//!
//! One rule folds a change in (`Catalog::update`, in place: a change of a few tools costs those
//! tools), one decides when the whole workspace is read again (the watch lost track), and the
//! cached index follows, so the next command of another process finds the tools where they
//! are now. Readers take a snapshot (`catalog`) and hear what changed (`subscribe`): a bounded
//! broadcast, where a reader that fell behind is told so and reads the snapshot again.
//!
//! Never here: anything of a front end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::broadcast;

use super::watch::{WatchJob, WatchRequest, WatchSetup};
use crate::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
use crate::model::Catalog;
use crate::model::ToolEntry;
use crate::store::SharedStore;
use crate::watch::WatchUpdate;

/// Changes a reader may be behind before it is told it lagged.
const CHANGES_HELD: usize = 16;

/// What changed in the live catalog.
#[derive(Debug, Clone)]
pub(crate) enum CatalogChange {
    /// These tools were read again (new or changed); those at `removed` left.
    Tools {
        updated: Vec<ToolEntry>,
        removed: Vec<PathBuf>,
    },
    /// The whole workspace was read again: anything may have changed (`catalog` has it).
    Rescanned,
    /// What went wrong on the way, one line for a person: the watch could not tell, or the
    /// index could not be written. The catalog is as current as it can be all the same.
    Problem(String),
}

/// Every tool of a workspace, kept current.
pub(crate) struct LiveCatalog {
    root: PathBuf,
    limits: ScanLimits,
    catalog: RwLock<Arc<Catalog>>,
    /// Where the cached index is kept current; none for a catalog without a store.
    store: Option<SharedStore>,
    /// The whole catalog is still to be written to the index (a scan taken at once, written
    /// off the taker's thread).
    whole_index_due: AtomicBool,
    /// Held while the whole catalog is written, so a second writer waits for that write.
    writing_whole_index: Mutex<()>,
    changes: broadcast::Sender<CatalogChange>,
}

impl LiveCatalog {
    /// Starts from `catalog`, a scan (or the cached index) of the workspace at `root`, whose
    /// tools are read with `limits`.
    pub(crate) fn new(
        root: &Path,
        limits: ScanLimits,
        catalog: Catalog,
        store: Option<SharedStore>,
    ) -> Self {
        Self {
            root: root.to_path_buf(),
            limits,
            catalog: RwLock::new(Arc::new(catalog)),
            store,
            whole_index_due: AtomicBool::new(false),
            writing_whole_index: Mutex::new(()),
            changes: broadcast::channel(CHANGES_HELD).0,
        }
    }

    /// The catalog as it is now; later changes do not reach this snapshot.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Hears every change from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<CatalogChange> {
        self.changes.subscribe()
    }

    /// How many hear the changes.
    #[cfg(test)]
    pub(crate) fn readers(&self) -> usize {
        self.changes.receiver_count()
    }

    /// Folds `update` in, tells the readers what changed, then keeps the index current (a
    /// reader does not wait for the store) and tells what went wrong on the way. Reads the
    /// disk (all of it for a rescan): call it off the async workers.
    pub(crate) fn apply(&self, update: WatchUpdate) {
        let indexed = match update {
            WatchUpdate::Tools { updated, removed } => {
                Arc::make_mut(&mut self.catalog.write().unwrap_or_else(PoisonError::into_inner))
                    .update(updated.clone(), &removed);
                self.tell(CatalogChange::Tools {
                    updated: updated.clone(),
                    removed: removed.clone(),
                });
                self.keep_index(|store| {
                    let gone: Vec<&Path> = removed.iter().map(PathBuf::as_path).collect();
                    store.refresh_index(&gone, &updated)
                })
            }
            WatchUpdate::Rescan => {
                let known = KnownHashes::reusing(self.catalog().shared_entries());
                let mut entries =
                    scan_workspace(&self.root, self.limits, &known, &ScanProgress::default());
                // Active tools carry their drift from what was approved, as a reload's do.
                crate::seal::SealBook::load(&self.root).mark(&mut entries);
                self.replace(entries);
                self.tell(CatalogChange::Rescanned);
                self.write_index_if_due()
            }
            WatchUpdate::Seals => {
                let mut entries = self.catalog().entries().to_vec();
                crate::seal::SealBook::load(&self.root).mark(&mut entries);
                *self.catalog.write().unwrap_or_else(PoisonError::into_inner) =
                    Arc::new(Catalog::new(entries));
                self.tell(CatalogChange::Rescanned);
                Ok(())
            }
            WatchUpdate::Error(reason) => Err(format!("watcher: {reason}")),
        };
        if let Err(problem) = indexed {
            self.tell(CatalogChange::Problem(problem));
        }
    }

    /// Starts again from `catalog`, the whole cached index, in place of the first rows of it a
    /// front end started from to draw its first frame sooner (`tui::run`). Nothing on disk
    /// changed, so the index is not due and nobody is told. Only before `follow`: no change
    /// can have been folded in yet.
    pub(crate) fn start_from(&self, catalog: &Catalog) {
        *self.catalog.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Catalog::from_shared(catalog.shared_entries()));
    }

    /// Takes `entries`, a scan a front end made itself (with its progress shown), as the
    /// catalog at once; the index is due (`write_index_if_due`). Not told: the front end that
    /// scanned has them.
    pub(crate) fn replace(&self, entries: Vec<ToolEntry>) {
        self.replace_shared(Arc::new(entries));
    }

    /// `replace` with entries others hold too (the front end that scanned shows them):
    /// shared, not copied, until either side changes them.
    pub(crate) fn replace_shared(&self, entries: Arc<Vec<ToolEntry>>) {
        *self.catalog.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Catalog::from_shared(entries));
        // Never waits for a write under way: the taker may be an async worker.
        self.whole_index_due.store(true, Ordering::SeqCst);
    }

    /// Writes the whole catalog to the index if a scan left it due; waits for a write under
    /// way. Blocks on the store: off the async workers, or at a front end's end, so a scan
    /// taken just before it is still cached for the next start.
    pub(crate) fn write_index_if_due(&self) -> Result<(), String> {
        let _writing = self
            .writing_whole_index
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !self.whole_index_due.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let entries = self.catalog().shared_entries();
        self.keep_index(|store| store.save_index(&entries))
    }

    /// Nobody listening is no error: the snapshot is current all the same.
    fn tell(&self, change: CatalogChange) {
        let _ = self.changes.send(change);
    }

    /// The index is a cache: a write that fails costs the next command a scan, nothing more,
    /// and is told.
    fn keep_index(
        &self,
        write: impl FnOnce(&mut crate::store::Store) -> Result<(), crate::store::StoreError>,
    ) -> Result<(), String> {
        match &self.store {
            Some(store) => write(&mut store.lock()).map_err(|e| format!("catalog index: {e}")),
            None => Ok(()),
        }
    }

    /// Starts the workspace watch, whose updates are folded in from then on; the setup
    /// answers once the workspace is watched, and dropping its `Watching` stops the watch
    /// (`Serving::watch` keeps it as long as it serves).
    pub(crate) fn follow(self: &Arc<Self>) -> WatchSetup {
        let job = WatchJob::new(WatchRequest {
            root: self.root.clone(),
            limits: self.limits,
        });
        let mut updates = job.observe();
        let live = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(update) = updates.next().await {
                let live = Arc::clone(&live);
                // A fold that panicked leaves the catalog as it was: the next update goes on.
                let _ = tokio::task::spawn_blocking(move || live.apply(update)).await;
            }
        });
        job.start()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use crate::test_fixtures::write_tool as tool;

    fn scanned(root: &Path) -> Vec<ToolEntry> {
        scan_workspace(
            root,
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        )
    }

    fn live_on(root: &Path) -> (LiveCatalog, SharedStore) {
        let store = SharedStore::new(crate::store::Store::open(root).expect("store"));
        let entries = scanned(root);
        store.lock().save_index(&entries).expect("index");
        let live = LiveCatalog::new(
            root,
            ScanLimits::default(),
            Catalog::new(entries),
            Some(store.clone()),
        );
        (live, store)
    }

    fn names(catalog: &Catalog) -> Vec<String> {
        catalog.entries().iter().map(|e| e.name.clone()).collect()
    }

    #[test]
    fn a_change_is_folded_in_kept_in_the_index_and_told_with_what_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let kept = tool(dir.path(), Tier::Approved, "kept", "stays");
        let gone = tool(dir.path(), Tier::Experimental, "gone", "leaves");
        let (live, store) = live_on(dir.path());
        let before = live.catalog();
        let mut heard = live.subscribe();

        let added = tool(dir.path(), Tier::Experimental, "added", "new");
        std::fs::remove_dir_all(&gone).expect("remove");
        let fresh = crate::watch::reload_paths(
            dir.path(),
            ScanLimits::default(),
            vec![added.clone(), gone.clone()],
        );
        live.apply(fresh);

        assert_eq!(names(&live.catalog()), ["kept", "added"]);
        assert_eq!(
            names(&before),
            ["kept", "gone"],
            "a snapshot stays as it was"
        );
        let CatalogChange::Tools { updated, removed } = heard.try_recv().expect("told") else {
            panic!("told as a change of tools");
        };
        let updated: Vec<&Path> = updated.iter().map(|e| e.path.as_path()).collect();
        assert_eq!(
            (updated, removed),
            (vec![added.as_path()], vec![gone.clone()])
        );
        let mut indexed: Vec<PathBuf> = store
            .lock()
            .load_index()
            .expect("index")
            .into_iter()
            .map(|e| e.path)
            .collect();
        indexed.sort();
        let mut expected = vec![kept, added];
        expected.sort();
        assert_eq!(indexed, expected);
    }

    #[test]
    fn a_rescan_reads_the_workspace_again_and_a_watch_error_is_told_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        tool(dir.path(), Tier::Approved, "first", "one");
        let (live, _store) = live_on(dir.path());
        let mut heard = live.subscribe();
        tool(dir.path(), Tier::Core, "second", "two");

        live.apply(WatchUpdate::Rescan);
        assert_eq!(names(&live.catalog()), ["second", "first"]);
        assert!(matches!(heard.try_recv(), Ok(CatalogChange::Rescanned)));

        live.apply(WatchUpdate::Error("inotify: too many watches".into()));
        let Ok(CatalogChange::Problem(problem)) = heard.try_recv() else {
            panic!("told as a problem");
        };
        assert_eq!(problem, "watcher: inotify: too many watches");
        assert_eq!(names(&live.catalog()), ["second", "first"]);
    }

    #[test]
    fn a_front_ends_own_scan_replaces_the_catalog_and_the_index_untold() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let (live, store) = live_on(dir.path());
        let mut heard = live.subscribe();
        let added = tool(dir.path(), Tier::Approved, "added", "d");

        live.replace(scanned(dir.path()));
        assert_eq!(names(&live.catalog()), ["added"]);
        let indexed = || -> Vec<PathBuf> {
            let rows = store.lock().load_index().expect("index");
            rows.into_iter().map(|e| e.path).collect()
        };
        assert!(
            indexed().is_empty(),
            "written off the taker's thread, not in place"
        );
        live.write_index_if_due().expect("written");
        assert_eq!(indexed(), [added]);
        assert!(heard.try_recv().is_err(), "the front end has them");

        // Written once: a second call has nothing to do, and leaves a row changed meanwhile.
        store.lock().save_index(&[]).expect("emptied by hand");
        live.write_index_if_due().expect("nothing due");
        assert!(indexed().is_empty());
    }

    #[test]
    fn an_index_that_cannot_be_written_is_told_and_the_catalog_is_current_all_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let (live, _store) = live_on(dir.path());
        let mut heard = live.subscribe();
        // Another process broke the store under this one: its index table is gone.
        rusqlite::Connection::open(
            crate::workspace::state_dir(dir.path()).join(crate::store::STATE_FILE),
        )
        .expect("another connection")
        .execute_batch("DROP TABLE catalog_index")
        .expect("dropped");
        let folder = tool(dir.path(), Tier::Experimental, "new", "d");
        live.apply(crate::watch::reload_paths(
            dir.path(),
            ScanLimits::default(),
            vec![folder],
        ));
        assert_eq!(names(&live.catalog()), ["new"]);
        assert!(matches!(heard.try_recv(), Ok(CatalogChange::Tools { .. })));
        let Ok(CatalogChange::Problem(problem)) = heard.try_recv() else {
            panic!("the index's failure told");
        };
        assert!(problem.starts_with("catalog index: "), "{problem}");
        assert!(!problem.contains('\n'), "{problem}");
    }

    #[test]
    fn a_reader_that_fell_behind_is_told_so_and_the_snapshot_is_current() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let (live, _store) = live_on(dir.path());
        let mut heard = live.subscribe();
        for i in 0..CHANGES_HELD + 4 {
            let folder = tool(dir.path(), Tier::Experimental, &format!("t{i}"), "d");
            let fresh = crate::watch::reload_paths(dir.path(), ScanLimits::default(), vec![folder]);
            live.apply(fresh);
        }
        assert!(matches!(
            heard.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(_))
        ));
        assert_eq!(live.catalog().entries().len(), CHANGES_HELD + 4);
    }
}
