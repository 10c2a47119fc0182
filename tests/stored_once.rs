//! Every run that started is stored once, with the end its starter wrote, however many
//! processes collect handed-off runs at once; `abandoned` means that no end was written.
//!
//! Each race is made to happen, not waited for: `TOOLBENCH_PAUSE_AT` holds one side at the
//! point where the other must act (debug builds only, as `cargo test` builds).
#![cfg(debug_assertions)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use toolbench::pause_point::PAUSE_ENV;

/// `toolbench ARGS` started in `ws`, its stdout and stderr discarded, with `env`.
fn start(ws: &Path, args: &[&str], env: &[(&str, &str)]) -> (Child, tempfile::TempDir) {
    let config = tempfile::tempdir().expect("config");
    let child = toolbench_command(ws, config.path(), args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("toolbench starts");
    (child, config)
}

fn running(ws: &Path) -> PathBuf {
    ws.join(".toolbench/running")
}

/// Waits up to 20 s for the running folder to hold a file `matches` accepts; returns it.
fn wait_for_file(ws: &Path, matches: impl Fn(&Path) -> bool) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir(running(ws))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| matches(p));
        if let Some(path) = found {
            return path;
        }
        assert!(Instant::now() < deadline, "no such file in running/");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every stored run: (folder, status), and how many failures name each.
fn stored(ws: &Path) -> Vec<(String, String, i64)> {
    let db = rusqlite::Connection::open(ws.join(".toolbench/state.db")).expect("store");
    let mut select = db
        .prepare(
            "SELECT log_dir, status, (SELECT COUNT(*) FROM failures f WHERE f.run_id = r.id)
             FROM runs r ORDER BY id",
        )
        .expect("select");
    select
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read")
}

/// A run's record is appended to its in-flight file, then the file is renamed `.ended`. A
/// process that collects between the two stores the run; its starter once stored it again
/// (and its automatic failure), by a path that did not look at the run's folder.
#[test]
fn a_run_collected_between_its_hand_off_and_rename_is_stored_once_with_one_failure() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "fails", "echo no >&2; exit 3\n", "");
    let (mut run, _config) = start(
        ws.path(),
        &["run", "fails"],
        &[(PAUSE_ENV, "hand-off-appended:2000")],
    );
    // The record is in the file, which is not renamed yet: the starter waits there.
    wait_for_file(ws.path(), |path| {
        path.extension().is_some_and(|x| x == "json")
            && std::fs::read(path).is_ok_and(|b| b.split(|c| *c == b'\n').count() == 2)
    });
    let collected = toolbench(ws.path(), &["runs", "--json"]);
    assert!(collected.status.success(), "{}", stderr(&collected));
    assert!(
        run.try_wait().expect("wait").is_none(),
        "the starter still waits to rename its file"
    );
    assert_eq!(
        stored(ws.path()).len(),
        1,
        "the collector stored the handed-off run"
    );
    assert_eq!(
        run.wait().expect("run ends").code(),
        Some(3),
        "the tool's exit"
    );
    let runs = stored(ws.path());
    assert_eq!(runs.len(), 1, "stored once: {runs:?}");
    assert_eq!((runs[0].1.as_str(), runs[0].2), ("failed", 1), "{runs:?}");
    let left: Vec<_> = std::fs::read_dir(running(ws.path()))
        .expect("running")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "nothing waits in running/: {left:?}");
}

/// A collector reads the in-flight files, then looks which starters live. A starter that
/// handed its run off and ended in between was taken for dead, and its run stored
/// `abandoned` while its end waited, unstored, in the renamed file.
#[test]
fn a_starter_that_hands_off_while_a_collector_looks_away_is_stored_with_its_end() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "nap", "sleep 1; echo '{}'\n", "");
    let (mut run, _config) = start(ws.path(), &["run", "nap"], &[]);
    let marker = wait_for_file(ws.path(), |path| {
        path.extension().is_some_and(|x| x == "json")
    });
    let (mut collector, _config) = start(
        ws.path(),
        &["runs", "--json"],
        &[(PAUSE_ENV, "collect-listed:3000")],
    );
    assert!(run.wait().expect("run ends").success());
    assert!(!marker.exists(), "the run was handed off");
    assert!(
        collector.try_wait().expect("wait").is_none(),
        "the collector listed the run in flight and still waits"
    );
    assert!(collector.wait().expect("collector ends").success());
    let runs = stored(ws.path());
    let statuses: Vec<&str> = runs.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(statuses, ["ok"], "stored once, as it ended: {runs:?}");
}

/// A run whose starter died before writing its end is stored `abandoned`, once, however many
/// processes collect it at the same moment.
#[test]
fn a_run_abandoned_for_real_is_stored_abandoned_once_by_many_collectors() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "long", "sleep 30\n", "");
    let (mut run, _config) = start(ws.path(), &["run", "long"], &[]);
    wait_for_file(ws.path(), |path| {
        path.extension().is_some_and(|x| x == "json")
    });
    run.kill().expect("kill -9");
    run.wait().expect("reaped");
    // Its sandbox helper dies with it: only then is the run abandoned.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_naming(ws.path()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            processes_naming(ws.path())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let collectors: Vec<_> = (0..4)
        .map(|_| start(ws.path(), &["runs", "--json"], &[]))
        .collect();
    for (mut collector, _config) in collectors {
        assert!(collector.wait().expect("collector ends").success());
    }
    let runs = stored(ws.path());
    let statuses: Vec<&str> = runs.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(statuses, ["abandoned"], "{runs:?}");
}
