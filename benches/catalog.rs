//! Catalog benchmarks (issue "foundation"): scan, index build, cached index load, fuzzy filter.
//!
//!     CARGO_TARGET_DIR=/tmp/bench-target cargo bench --bench catalog
//!     CARGO_TARGET_DIR=/tmp/bench-target cargo bench --bench catalog -- filter   # a subset
//!
//! A workspace of 10,000 generated tools (benches/support, the same tree as
//! benches/gen_workspace.py writes) is created once in a temp dir and removed at the end.
//! "Cold" scan means: no cached index, every manifest parsed and every folder hashed; the page
//! cache is warm (the tree was just written and is re-read every sample).
//! See BENCHMARKS.md for the targets and the figures.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use divan::Bencher;
use toolbench::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
use toolbench::model::Catalog;
use toolbench::model::ToolEntry;
use toolbench::store::Store;

const N: usize = 10_000;
const N_LARGE: usize = 100_000;

/// A user typing "csv_js" into the `/` filter, one keystroke at a time.
const KEYSTROKES: &[&str] = &["c", "cs", "csv", "csv_", "csv_j", "csv_js"];

/// Temp dirs to remove when the benchmarks end (statics are never dropped).
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_dir(label: &str) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(&format!("toolbench-bench-{label}-"))
        .tempdir()
        .expect("create a temp dir")
        .keep();
    CLEANUP.lock().expect("cleanup list").push(dir.clone());
    dir
}

/// The generated 10,000-tool workspace, written on first use.
static WORKSPACE: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = temp_dir("workspace");
    support::generate_workspace(&root, N).expect("generate the workspace");
    root
});

/// A second generated workspace whose active tools a person accepted (sealed, a snapshot of
/// each kept), as `toolbench accept` leaves it.
static OPENED_WORKSPACE: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = temp_dir("opened");
    support::generate_workspace(&root, N).expect("generate the workspace");
    toolbench::seal::accept_all(&root, "bench").expect("accept the active tools");
    root
});

/// What a scan of the workspace finds (also the 10,000 entries the filter benches search).
static SCANNED: LazyLock<Vec<ToolEntry>> = LazyLock::new(|| {
    scan_workspace(
        &WORKSPACE,
        ScanLimits::default(),
        &KnownHashes::default(),
        &ScanProgress::default(),
    )
});

/// A state store holding the cached index of the 10,000 scanned entries.
static STORE_ROOT: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = temp_dir("store");
    let mut store = Store::open(&root).expect("open the store");
    store.save_index(&SCANNED).expect("save the index");
    root
});

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(SCANNED.clone()));
static CATALOG_LARGE: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::new(support::synthesize_entries(N_LARGE)));

/// Set to `DIR:N` to only write an N-tool workspace into DIR and exit (compare.sh uses this to
/// check that benches/gen_workspace.py writes the same tree).
const WRITE_WORKSPACE_ENV: &str = "TOOLBENCH_BENCH_WRITE_WORKSPACE";

fn main() {
    if let Ok(spec) = std::env::var(WRITE_WORKSPACE_ENV) {
        let (dir, n) = spec.rsplit_once(':').expect("DIR:N");
        let n = n.parse().expect("N is a number");
        support::generate_workspace(Path::new(dir), n).expect("generate the workspace");
        return;
    }
    divan::main();
    for dir in CLEANUP.lock().expect("cleanup list").drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

mod scan {
    use super::*;

    /// 1,000 generated tools, and the same 1,000 with a 4 GiB sparse file in one tool folder.
    static PAIR: LazyLock<(PathBuf, PathBuf)> = LazyLock::new(|| {
        let plain = temp_dir("1k");
        support::generate_workspace(&plain, 1_000).expect("generate the workspace");
        let sparse = temp_dir("1k-sparse");
        support::generate_workspace(&sparse, 1_000).expect("generate the workspace");
        let folder = std::fs::read_dir(sparse.join("experimental"))
            .expect("experimental")
            .flatten()
            .find(|d| d.path().is_dir())
            .expect("an experimental folder")
            .path();
        std::fs::File::create(folder.join("model.bin"))
            .and_then(|f| f.set_len(4 << 30))
            .expect("sparse 4 GiB file");
        (plain, sparse)
    });

    fn cold(root: &Path) -> usize {
        scan_workspace(
            root,
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        )
        .len()
    }

    /// Issue 13: a 4 GiB sparse file costs a scan of 1,000 tools at most 1.2x.
    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn cold_1k(bencher: Bencher) {
        let root: &Path = &PAIR.0;
        bencher.bench(|| cold(root));
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn cold_1k_plus_4gib_sparse(bencher: Bencher) {
        let root: &Path = &PAIR.1;
        bencher.bench(|| cold(root));
    }

    /// Requirement 2: cold scan of 10,000 tools, target <= 1 s.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn cold_10k(bencher: Bencher) {
        let root: &Path = &WORKSPACE;
        bencher.bench(|| {
            let entries = scan_workspace(
                root,
                ScanLimits::default(),
                &KnownHashes::default(),
                &ScanProgress::default(),
            );
            assert_eq!(entries.len(), N);
            entries
        });
    }
}

mod index {
    use super::*;

    /// Building the catalog and its search index from 10,000 entries.
    #[divan::bench]
    fn catalog_new_10k(bencher: Bencher) {
        let entries: &Vec<ToolEntry> = &SCANNED;
        bencher
            .with_inputs(|| entries.clone())
            .bench_values(Catalog::new);
    }

    /// Reading the cached index of 10,000 tools from an open store.
    #[divan::bench]
    fn load_index_10k(bencher: Bencher) {
        let store = Store::open(&STORE_ROOT).expect("open the store");
        bencher.bench_local(|| {
            let entries = store.load_index().expect("load the index");
            assert_eq!(entries.len(), N);
            entries
        });
    }

    /// Opening the state store that holds the 10,000-entry index (migrations, pragmas).
    #[divan::bench]
    fn open_store_10k(bencher: Bencher) {
        let root: &Path = &STORE_ROOT;
        bencher.bench(|| Store::open(root).expect("open the store"));
    }

    /// Ordering the 10,000 entries for display (the TUI does this on every view refresh).
    #[divan::bench]
    fn sorted_indices_10k(bencher: Bencher) {
        let catalog: &Catalog = &CATALOG;
        bencher.bench(|| catalog.sorted_indices(toolbench::model::SortOrder::Name));
    }
}

mod startup {
    use super::*;

    /// What the TUI does before its first frame, minus the terminal: open the store, load the
    /// cached index, build the catalog, sort the view.
    #[divan::bench]
    fn model_10k(bencher: Bencher) {
        let root: &Path = &STORE_ROOT;
        bencher.bench(|| {
            let store = Store::open(root).expect("open the store");
            let catalog = Catalog::new(store.load_index().expect("load the index"));
            let view = catalog.sorted_indices(toolbench::model::SortOrder::Name);
            (catalog, view)
        });
    }

    /// Starting the workspace watcher on 10,000 tools (the workbench does this after its first
    /// frame). One watcher per sample: each holds one inotify watch per folder of the tiers.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn watch_10k(bencher: Bencher) {
        let root: &Path = &WORKSPACE;
        bencher.bench(|| {
            toolbench::watch::watch(root, ScanLimits::default(), |_| {})
                .expect("watch the workspace")
        });
    }

    /// The same once the workspace was opened: its state folder holds a seal and a snapshot
    /// of every active tool, as any workspace used before does.
    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn watch_10k_opened(bencher: Bencher) {
        let root: &Path = &OPENED_WORKSPACE;
        bencher.bench(|| {
            toolbench::watch::watch(root, ScanLimits::default(), |_| {})
                .expect("watch the workspace")
        });
    }
}

mod filter {
    use super::*;

    /// The matches the TUI holds from the keystroke before `query` (it passes them as
    /// `within` when the new query extends the old one). None for the first keystroke.
    fn previous_matches(catalog: &Catalog, query: &str) -> Option<Vec<usize>> {
        let position = KEYSTROKES
            .iter()
            .position(|q| *q == query)
            .expect("a known keystroke");
        let mut previous: Option<Vec<usize>> = None;
        for q in &KEYSTROKES[..position] {
            previous = Some(catalog.search().filter(q, previous.as_deref()));
        }
        previous
    }

    fn keystroke(bencher: Bencher, catalog: &Catalog, query: &str) {
        let within = previous_matches(catalog, query);
        bencher.bench(|| catalog.search().filter(query, within.as_deref()));
    }

    /// The first keystroke after a start or a scan: the search index is built on first use,
    /// so it pays the build (lowercase haystacks of 10,000 tools) plus the filter.
    #[divan::bench]
    fn first_keystroke_10k(bencher: Bencher) {
        bencher
            .with_inputs(|| Catalog::new(CATALOG.entries().to_vec()))
            .bench_values(|catalog| {
                let matches = catalog.search().filter("c", None);
                // Returned, so freeing the catalog stays out of the timing.
                (catalog, matches)
            });
    }

    fn fresh(bencher: Bencher, catalog: &Catalog, query: &str) {
        bencher.bench(|| catalog.search().filter(query, None));
    }

    /// Requirement 3: one keystroke over 10,000 tools, narrowing as the TUI does; target
    /// median <= 5 ms.
    #[divan::bench(args = KEYSTROKES)]
    fn keystroke_10k(bencher: Bencher, query: &str) {
        keystroke(bencher, &CATALOG, query);
    }

    /// The same queries searched from scratch (a paste, a backspace, a rescan).
    #[divan::bench(args = KEYSTROKES)]
    fn fresh_10k(bencher: Bencher, query: &str) {
        fresh(bencher, &CATALOG, query);
    }

    /// One keystroke over 100,000 synthesized tools, narrowing as the TUI does.
    #[divan::bench(args = KEYSTROKES, sample_count = 20)]
    fn keystroke_100k(bencher: Bencher, query: &str) {
        keystroke(bencher, &CATALOG_LARGE, query);
    }

    /// From scratch over 100,000: what `fzf --filter QUERY` does (compare.sh compares).
    #[divan::bench(args = KEYSTROKES, sample_count = 20)]
    fn fresh_100k(bencher: Bencher, query: &str) {
        fresh(bencher, &CATALOG_LARGE, query);
    }
}

mod drift {
    use super::*;
    use toolbench::seal::SealBook;

    /// 10,000 small approved tools, sealed (adopted once, as a workspace's first run does),
    /// and what a scan of them finds.
    static SEALED: LazyLock<(PathBuf, Vec<ToolEntry>)> = LazyLock::new(|| {
        let root = temp_dir("sealed-10k");
        for i in 0..N {
            let folder = root.join(format!("approved/tool_{i:05}"));
            std::fs::create_dir_all(&folder).expect("tool folder");
            std::fs::write(
                folder.join("tool.toml"),
                format!(
                    "name = \"tool_{i:05}\"\nversion = \"1.0.0\"\ndescription = \"bench\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
                ),
            )
            .expect("manifest");
            std::fs::write(folder.join("run.sh"), format!("echo {i}\n")).expect("script");
        }
        toolbench::seal::accept_all(&root, "bench").expect("sealed");
        let scanned = scan_workspace(
            &root,
            ScanLimits::default(),
            &KnownHashes::default(),
            &ScanProgress::default(),
        );
        (root, scanned)
    });

    /// Figure (issue 33): the drift check of 10,000 approved tools at workbench start: every
    /// seal read and each scanned entry marked. It runs in the scan job, after the first frame.
    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn drift_check_10k_approved(bencher: Bencher) {
        let (root, scanned) = &*SEALED;
        bencher
            .with_inputs(|| scanned.clone())
            .bench_local_values(|mut entries| {
                SealBook::load(root).mark(&mut entries);
                assert!(entries.iter().all(|e| e.drift.is_none()));
                entries
            });
    }
}
