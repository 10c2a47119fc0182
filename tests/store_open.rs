//! A new workspace store opened by several toolbench processes at once.

mod common;

use common::*;

/// The workbench, `toolbench mcp` and a CLI command started together on a workspace without a
/// store yet all open it: the one that turns it to WAL must not make the others fail with
/// "database is locked" (SQLite does not wait on that lock with its busy handler).
#[test]
fn processes_opening_a_new_store_at_once_all_succeed() {
    for _ in 0..15 {
        let ws = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(ws.path().join(tier)).expect("tier");
        }
        let config = tempfile::tempdir().expect("config");
        let children: Vec<_> = (0..6)
            .map(|_| {
                std::process::Command::new(bin())
                    .arg("--root")
                    .arg(ws.path())
                    .args(["calls", "--json"])
                    .envs(common::user_dirs(config.path()))
                    .env_remove("TOOLBENCH_ROOT")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
}

/// The command that creates a workspace's store (`accept` on a new clone) also makes its
/// first daily copy, as a command on a store found whole does: a store damaged before the next
/// command still has a copy for `toolbench doctor` to start from.
#[test]
fn the_command_that_creates_the_store_makes_its_first_copy() {
    let ws = never_opened_sample();
    let backups = ws.path().join(".toolbench/backups");
    assert!(!ws.path().join(".toolbench/state.db").exists());
    accept(ws.path());
    let copies: Vec<String> = std::fs::read_dir(&backups)
        .expect("a backups folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(
        copies[0].starts_with("state-") && copies[0].ends_with(".db"),
        "{copies:?}"
    );
}
