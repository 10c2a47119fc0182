//! A `toolbench run` that is refused after its sandbox helper was forked ahead (the helper
//! has already made and joined the run's cgroups by then) leaves nothing behind: no process
//! and no cgroup. Its own test binary, so that no other test's killed run leaves a cgroup
//! while this one looks.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;

/// Folders of run cgroups anywhere under `/sys/fs/cgroup`.
fn run_cgroups() -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let mut pending = vec![(PathBuf::from("/sys/fs/cgroup"), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let path = entry.path();
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with("toolbench-run-")
            {
                found.insert(path);
            } else if depth < 4 {
                pending.push((path, depth + 1));
            }
        }
    }
    found
}

#[test]
fn a_refused_run_leaves_no_helper_and_no_cgroup() {
    let ws = tempfile::tempdir().expect("tempdir");
    write_tool(
        ws.path(),
        "approved",
        "echoer",
        &format!("{}input = \"json\"\n", minimal_manifest("echoer")),
    );
    let before = run_cgroups();
    // The helper is forked before the arguments are parsed: a usage error or a help page
    // ends the command inside the parser, and must still end the helper with its cgroups.
    let refusals: [(&[&str], bool); 6] = [
        (&["run", "no_such_tool"], false),
        (&["run", "echoer", "--input", "{not json"], false),
        (
            &["run", "echoer", "--input", "@/nonexistent/input.json"],
            false,
        ),
        (&["run", "--no-such-flag", "echoer"], false),
        (&["run"], false),
        (&["run", "--help"], true),
    ];
    for (args, succeeds) in refusals {
        let out = toolbench(ws.path(), args);
        assert_eq!(out.status.success(), succeeds, "{args:?}: {out:?}");
        assert!(
            processes_naming(ws.path()).is_empty(),
            "{args:?} left {:?}",
            processes_naming(ws.path())
        );
    }
    let left: Vec<PathBuf> = run_cgroups().difference(&before).cloned().collect();
    assert!(left.is_empty(), "refused runs left cgroups: {left:?}");
}
