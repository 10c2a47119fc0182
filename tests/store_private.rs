//! The store is its owner's alone (DESIGN §11 rule 5): after runs, decisions, a service and a
//! repair, every folder under `.toolbench/` and the user data folder is 0700 and every file
//! 0600 (a kept executable 0700 or 0500); a store an older build left readable by others is
//! made the owner's on open, and another local user, who read a run's input before, reads
//! nothing after.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Every path beneath `dir` (itself included) that grants its group or others anything.
fn shared_beneath(dir: &Path) -> Vec<String> {
    let mut shared = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.mode() & 0o077 != 0 {
            shared.push(format!("{:o} {}", meta.mode() & 0o7777, at.display()));
        }
        if meta.is_dir() {
            pending.extend(
                std::fs::read_dir(&at)
                    .expect("read_dir")
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    shared.sort();
    shared
}

/// A workspace and user folders of its own, in a folder every user may pass through, as a
/// home or a checkout is.
struct Scene {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let root = dir.path().join("tools");
        copy_dir(sample_workspace().path(), &root);
        let config = dir.path().join("config");
        Scene {
            _dir: dir,
            root,
            config,
        }
    }

    fn data(&self) -> PathBuf {
        self.config.join("data/toolbench")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = toolbench_command(&self.root, &self.config, args)
            .output()
            .expect("toolbench");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }
}

#[test]
fn everything_toolbench_keeps_is_its_owners_alone() {
    let scene = Scene::new();
    scene.ok(&["run", "word_count", "--input", r#"{"text": "a secret b"}"#]);
    scene.ok(&["validate", "csv_to_json@1.3.0"]);
    scene.ok(&["approve", "csv_to_json@1.3.0", "--reason", "works"]);
    scene.ok(&["promote", "slugify"]);
    scene.ok(&["request-changes", "bulk_rename", "--feedback", "smaller"]);
    scene.ok(&["validate", "echo_service"]);
    scene.ok(&["approve", "echo_service", "--accept-failures"]);
    scene.ok(&["tools", "launch", "echo_service"]);
    scene.ok(&["tools", "send", "echo_service", "hello"]);
    scene.ok(&["tools", "stop", "echo_service"]);
    scene.ok(&["doctor"]);
    let state = scene.root.join(".toolbench");
    assert!(state.join("state.db").is_file(), "the store was made");
    assert!(
        std::fs::read_dir(state.join("runs")).expect("runs").count() > 1,
        "runs were recorded"
    );
    assert_eq!(shared_beneath(&state), Vec::<String>::new());
    assert_eq!(shared_beneath(&scene.data()), Vec::<String>::new());
}

/// The record of the newest run, in its folder.
fn newest_run_json(root: &Path) -> PathBuf {
    let runs = root.join(".toolbench/runs");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&runs)
        .expect("runs")
        .flatten()
        .map(|e| e.path())
        .collect();
    folders.sort();
    folders.last().expect("a run").join("run.json")
}

/// `cat PATH` as the unprivileged user `nobody`: whether it read the file.
fn nobody_reads(path: &Path) -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(path)
        .output()
        .expect("setpriv")
        .status
        .success()
}

/// Blocks: another local user reading a run's input from a store an older build left 0755 and
/// 0644. As root, the test first proves `nobody` reads the run's `run.json` (and the store);
/// the next toolbench command makes the store its owner's, and `nobody` reads neither.
#[test]
fn a_store_an_older_build_left_readable_is_made_the_owners_on_open() {
    let scene = Scene::new();
    scene.ok(&[
        "run",
        "word_count",
        "--input",
        r#"{"text": "token-4711 b"}"#,
    ]);
    // Collected: the run's record is in its folder.
    scene.ok(&["runs"]);
    let state = scene.root.join(".toolbench");
    // What an older build left: folders 0755, files 0644, the data folder too.
    for dir in [&state, &scene.config, &scene.data()] {
        let _ = Command::new("chmod")
            .args(["-R", "go+rX"])
            .arg(dir)
            .status();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let run_json = newest_run_json(&scene.root);
    assert!(
        std::fs::read_to_string(&run_json)
            .expect("run.json")
            .contains("token-4711"),
        "the run's input is in its record"
    );
    assert!(
        !shared_beneath(&state).is_empty(),
        "the setup left it shared"
    );
    let as_root = rustix::process::geteuid().is_root();
    if as_root {
        assert!(
            nobody_reads(&run_json),
            "the setup is wrong: nobody cannot read the older store"
        );
    }
    scene.ok(&["list"]);
    assert_eq!(shared_beneath(&state), Vec::<String>::new());
    assert_eq!(shared_beneath(&scene.data()), Vec::<String>::new());
    if as_root {
        assert!(!nobody_reads(&run_json), "nobody read a run's input");
        assert!(
            !nobody_reads(&state.join("state.db")),
            "nobody read the store"
        );
    }
}

/// A workspace whose state folder is a link, as a clone or an agent preparing the workspace
/// can leave it: pointed at a host folder, toolbench would create its store there (0755 as it
/// found it); pointed into a tool's folder, an unreviewed run of that tool would read the store,
/// its backups and every run's report. Every command refuses in one line naming the folder,
/// and writes nothing through the link.
#[test]
fn a_state_folder_that_is_a_link_is_refused_and_nothing_is_written_through_it() {
    let outside = tempfile::tempdir().expect("outside");
    let host = outside.path().join("host");
    std::fs::create_dir(&host).expect("host folder");
    let ws = never_opened_sample();
    let root = ws.path();
    let spy = root.join("experimental/spy");
    std::fs::create_dir_all(spy.join("st")).expect("spy");
    for (target, args) in [
        (host.clone(), &["list"][..]),
        (host.clone(), &["accept"][..]),
        (spy.join("st"), &["run", "word_count"][..]),
    ] {
        let _ = std::fs::remove_file(root.join(".toolbench"));
        std::os::unix::fs::symlink(&target, root.join(".toolbench")).expect("link");
        assert!(
            root.join(".toolbench").is_dir(),
            "the link leads to a folder"
        );
        let out = toolbench(root, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert_eq!(
            stderr(&out).trim(),
            format!(
                "toolbench: {}: the workspace's state folder is a symbolic link: toolbench \
                 keeps its state only in a folder of its own (remove it, and it is made again)",
                root.join(".toolbench").display()
            ),
            "{args:?}"
        );
        let written: Vec<_> = std::fs::read_dir(&target)
            .expect("target")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(written.is_empty(), "{args:?} wrote {written:?}");
    }
    // Not a folder at all: refused likewise.
    std::fs::remove_file(root.join(".toolbench")).expect("unlink");
    std::fs::write(root.join(".toolbench"), "").expect("a file");
    let out = toolbench(root, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the workspace's state folder is not a folder"),
        "{}",
        stderr(&out)
    );
    // Removed, it is made again as a private folder of toolbench's own.
    std::fs::remove_file(root.join(".toolbench")).expect("rm");
    accept(root);
    let meta = std::fs::symlink_metadata(root.join(".toolbench")).expect("made again");
    assert!(
        meta.is_dir() && meta.mode() & 0o077 == 0,
        "{:o}",
        meta.mode()
    );
}
