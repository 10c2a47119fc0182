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
