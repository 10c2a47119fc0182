//! Review: how fast a new tool shows up, a decision on a big tool, validation overhead.
//!
//! `cargo bench --bench review`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use toolbench::catalog::scan::{
    KnownHashes, ScanLimits, ScanProgress, hash_tool_folder, load_tool, scan_workspace,
};
use toolbench::model::Catalog;
use toolbench::model::{RunOrigin, Tier, ToolId};
use toolbench::review::lifecycle;
use toolbench::runner::{self, RunRequest};
use toolbench::store::Store;
use toolbench::watch::{WatchUpdate, watch};
use toolbench::workbench::Workbench;

const EXE: &str = env!("CARGO_BIN_EXE_toolbench");

fn main() {
    divan::main();
}

fn write_tool(
    root: &Path,
    tier: &str,
    dir: &str,
    name: &str,
    extra_bytes: usize,
    cases: usize,
) -> PathBuf {
    let folder = root.join(tier).join(dir);
    std::fs::create_dir_all(folder.join("tests")).expect("mkdir");
    std::fs::write(
        folder.join("tool.toml"),
        format!("name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"bench tool\"\ncost_tier = \"low\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"),
    )
    .expect("manifest");
    std::fs::write(folder.join("run.sh"), "cat\n").expect("script");
    if extra_bytes > 0 {
        std::fs::write(folder.join("data.txt"), "x".repeat(extra_bytes)).expect("data");
    }
    for i in 0..cases {
        std::fs::write(
            folder.join(format!("tests/case{i}.toml")),
            format!("input = '{{\"n\": {i}}}'\nexpect_stdout_json = '{{\"n\": {i}}}'\n"),
        )
        .expect("case");
    }
    folder
}

/// Figure: a tool written into `experimental/` is visible ≤ 300 ms later (median). Measured
/// from the moment its files are written to the moment the watcher delivers the loaded entry
/// (what the Review pane draws on its next frame); includes the 120 ms settle time.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn new_tool_visible_after_write(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("tempdir");
    toolbench::workspace::init_workspace(dir.path()).expect("init");
    let (tx, rx) = mpsc::channel();
    let _watcher = watch(dir.path(), ScanLimits::default(), move |update| {
        let _ = tx.send(update);
    })
    .expect("watch");
    let mut n = 0;
    bencher.bench_local(|| {
        n += 1;
        let name = format!("fresh_{n}");
        write_tool(dir.path(), "experimental", &name, &name, 0, 1);
        loop {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(WatchUpdate::Tools { updated, .. })
                    if updated.iter().any(|e| e.name == name) =>
                {
                    break;
                }
                Ok(_) => {}
                Err(_) => panic!("{name} never arrived"),
            }
        }
    });
}

/// A workspace holding the candidate `big` (made by `write`) with a validation report of its
/// content on record, as the watcher leaves it: what an approval needs.
fn validated_candidate(write: impl FnOnce(&Path)) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    toolbench::workspace::init_workspace(dir.path()).expect("init");
    write(dir.path());
    let mut store = Store::open(dir.path()).expect("store");
    let hash = hash_tool_folder(&dir.path().join("experimental/big"));
    store
        .save_validation(&toolbench::store::ValidationRow {
            path: "experimental/big",
            tool: "big",
            version: "1.0.0",
            content_hash: &hash,
            verdict: "pass",
            json: "{}",
            arrived_at: "2026-11-21T10:00:00.000Z",
        })
        .expect("validated");
    (dir, store)
}

fn approve_big(bencher: divan::Bencher, write: fn(&Path)) {
    bencher
        .with_inputs(|| validated_candidate(write))
        .bench_local_values(|(dir, mut store)| {
            let mut ctx = Workbench::at(dir.path(), None).expect("opened").review();
            ctx.who = "bench".into();
            lifecycle::approve(
                &ctx,
                &mut store,
                &ToolId::named("big"),
                None,
                Default::default(),
            )
            .expect("approve");
            (dir, store)
        });
}

/// Figure: a decision on a 1 MB tool ≤ 50 ms — approve, with its journal, fsyncs, the
/// snapshot of the version, the frozen copy made from it, the seal and the decision row.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn approve_a_1mb_tool(bencher: divan::Bencher) {
    approve_big(bencher, |root| {
        write_tool(root, "experimental", "big", "big", 1024 * 1024, 0);
    });
}

/// Figure (issue 33): approve of a 1 MiB candidate spread over 200 files, each copied twice
/// (into the snapshot, then out of it into the frozen approved copy) and hashed twice.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn approve_a_1mib_200_file_tool(bencher: divan::Bencher) {
    approve_big(bencher, |root| {
        let folder = write_tool(root, "experimental", "big", "big", 0, 0);
        for i in 0..198 {
            let sub = folder.join(format!("lib/m{}", i % 10));
            std::fs::create_dir_all(&sub).expect("mkdir");
            std::fs::write(sub.join(format!("f{i}.py")), "x".repeat(1024 * 1024 / 198))
                .expect("file");
        }
    });
}

const CASES: usize = 5;

/// Figure: validation overhead ≤ 20 ms per test case beyond the case's own run. This is the
/// whole validation of a tool with 5 cases (checks, cases, similarity); compare with
/// `run_the_5_cases_alone` below: overhead per case = (this − that) / 5.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn validate_a_tool_with_5_cases(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(dir.path(), "experimental", "cases", "cases", 0, CASES);
    let catalog = Catalog::new(scan_workspace(
        dir.path(),
        ScanLimits::default(),
        &KnownHashes::default(),
        &ScanProgress::default(),
    ));
    let entry = load_tool(
        dir.path(),
        Tier::Experimental,
        &folder,
        ScanLimits::default(),
    );
    let review = Workbench::at(dir.path(), None)
        .expect("opened")
        .with_program(PathBuf::from(EXE))
        .review();
    bencher.bench_local(|| {
        let report = toolbench::review::validate::validate_blocking(&review, &entry, &catalog)
            .expect("validate");
        assert_eq!(report.tests.len(), CASES);
    });
}

/// The baseline in the same run: the same 5 cases as plain sandboxed runs, one after another.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn run_the_5_cases_alone(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(dir.path(), "experimental", "cases", "cases", 0, CASES);
    let entry = load_tool(
        dir.path(),
        Tier::Experimental,
        &folder,
        ScanLimits::default(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let workspace = Workbench::at(dir.path(), None)
        .expect("opened")
        .with_program(PathBuf::from(EXE))
        .workspace()
        .clone();
    bencher.bench_local(|| {
        for i in 0..CASES {
            let request = RunRequest {
                workspace: workspace.clone(),
                background: false,
                entry: entry.clone(),
                input: Some(format!("{{\"n\": {i}}}")),
                origin: RunOrigin::Validation,
                client: None,
                preforked: Default::default(),
                reach: runner::Reach::Withheld,
            };
            let (_cancel, cancel_rx) = runner::cancel_pair();
            runtime
                .block_on(runner::execute(
                    request,
                    runner::Keeper::ThisProcess,
                    None,
                    cancel_rx,
                ))
                .expect("run");
        }
    });
}
