//! Symlinks never lead toolbench's own writes out of the workspace, and a tool folder that is a
//! link, or holds one leading out of it, is reported and can be neither approved, evolved nor
//! run. Real binary on temp workspaces; the assertions are about the disk.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A workspace with one experimental tool `x`, and an empty folder beside the workspace.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("ws");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    write_tool(&root, "experimental", "x", &minimal_manifest("x"));
    (dir, root, outside)
}

/// Runs a command that must fail with one line on stderr; returns that line.
fn refused(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(!out.status.success(), "{args:?}: {}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    err.trim().to_string()
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Every file below `dir`, with its content, following nothing.
fn contents(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// An evolver (a shell script) that answers with `files` whatever it is asked.
fn evolver(dir: &Path, files: &str) -> String {
    let script = dir.join("evolver.sh");
    std::fs::write(
        &script,
        format!("cat > /dev/null\nprintf '%s' '{{\"files\": {files}}}'\n"),
    )
    .expect("evolver");
    format!("sh {}", script.display())
}

fn validation(root: &Path, name: &str) -> Value {
    let out = toolbench(root, &["validate", name, "--json"]);
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)))
}

#[test]
fn an_evolver_cannot_write_through_a_linked_folder_out_of_the_workspace() {
    let (dir, root, outside) = setup();
    std::fs::write(outside.join("kept.txt"), "kept").expect("write");
    std::os::unix::fs::symlink(&outside, root.join("experimental/x/data")).expect("symlink");
    let with = evolver(dir.path(), r#"{"data/x.txt": "pwned"}"#);
    let err = refused(&root, &["evolve", "x", "--hint", "more", "--with", &with]);
    assert_eq!(
        err,
        format!(
            "toolbench: cannot evolve x@1.0.0: experimental/x: data -> {} leads out of the tool folder",
            outside.display()
        )
    );
    assert_eq!(
        contents(&outside),
        [(outside.join("kept.txt"), "kept".to_string())]
    );
    assert!(!root.join("experimental/x-1.1.0").exists());
}

#[test]
fn an_evolver_cannot_write_through_a_link_that_stays_inside_either() {
    let (dir, root, _outside) = setup();
    let folder = root.join("experimental/x");
    std::fs::create_dir_all(folder.join("real")).expect("mkdir");
    std::os::unix::fs::symlink("real", folder.join("data")).expect("symlink");
    let with = evolver(dir.path(), r#"{"data/x.txt": "through the link"}"#);
    let err = refused(&root, &["evolve", "x", "--hint", "more", "--with", &with]);
    assert!(
        err.ends_with("goes through a symlink; toolbench never writes or copies through one"),
        "{err}"
    );
    assert!(err.contains("x-1.1.0/data"), "{err}");
    assert!(contents(&folder.join("real")).is_empty());
    assert!(!root.join("experimental/x-1.1.0").exists());
    assert!(
        std::fs::read_dir(root.join(".toolbench/staging"))
            .map(|mut d| d.next().is_none())
            .unwrap_or(true),
        "staging is cleaned up"
    );
}

#[test]
fn a_tool_folder_that_is_a_symlink_is_reported_and_refused() {
    let (dir, root, _outside) = setup();
    let real = dir.path().join("elsewhere/y");
    write_tool(
        real.parent().expect("parent"),
        "",
        "y",
        &minimal_manifest("y"),
    );
    std::os::unix::fs::symlink(&real, root.join("experimental/y")).expect("symlink");
    let expected = format!(
        "experimental/y: the folder is a symlink to {}; move the real folder in instead",
        real.display()
    );
    let before = contents(&real);

    let listed: Vec<Value> = serde_json::from_str(&ok(&root, &["list", "--json"])).expect("list");
    let y = listed
        .iter()
        .find(|t| {
            t["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("experimental/y"))
        })
        .unwrap_or_else(|| panic!("y listed: {listed:?}"));
    assert_eq!(y["error"].as_str(), Some(expected.as_str()), "{y}");

    for args in [
        &["approve", "y"][..],
        &["evolve", "y", "--hint", "more"],
        &["run", "y"],
    ] {
        let err = refused(&root, args);
        assert!(err.contains(&expected), "{args:?}: {err}");
    }
    // Feedback is for the tool's author, but REVIEW.md is never written through the link.
    let err = refused(&root, &["request-changes", "y", "--feedback", "move it"]);
    assert!(
        err.ends_with(
            "experimental/y: goes through a symlink; toolbench never writes or copies through one"
        ),
        "{err}"
    );
    assert_eq!(
        contents(&real),
        before,
        "nothing written into the linked folder"
    );
    assert!(!root.join("approved/y").exists());
}

#[test]
fn links_leading_out_of_the_tool_folder_block_run_approve_evolve_and_fail_validation() {
    for (target, shown) in [("/etc", "/etc"), ("../../outside", "../../outside")] {
        let (_dir, root, _outside) = setup();
        std::os::unix::fs::symlink(target, root.join("experimental/x/link")).expect("symlink");
        let expected = format!("experimental/x: link -> {shown} leads out of the tool folder");

        assert_eq!(
            refused(&root, &["run", "x"]),
            format!("toolbench: {expected}")
        );
        assert_eq!(
            refused(&root, &["approve", "x"]),
            format!("toolbench: cannot approve x@1.0.0: {expected}")
        );
        assert_eq!(
            refused(&root, &["evolve", "x", "--hint", "more"]),
            format!("toolbench: cannot evolve x@1.0.0: {expected}")
        );
        assert!(root.join("experimental/x").is_dir());
        assert!(!root.join("approved/x").exists());
        assert!(!root.join("experimental/x-1.1.0").exists());

        let report = validation(&root, "x");
        assert_eq!(report["verdict"], "fail", "{report}");
        let links = check(&report, "links");
        assert_eq!(links["status"], "fail", "{report}");
        assert_eq!(links["message"], expected.as_str());
    }
}

#[test]
fn a_link_planted_in_the_version_store_cannot_redirect_a_snapshot() {
    let (_dir, root, outside) = setup();
    std::fs::create_dir_all(root.join(".toolbench/versions")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, root.join(".toolbench/versions/x")).expect("symlink");
    validate(&root, "x");
    let err = refused(&root, &["approve", "x"]);
    assert!(err.contains("goes through a symlink"), "{err}");
    assert!(contents(&outside).is_empty(), "no snapshot written outside");
    assert!(
        root.join("experimental/x").is_dir(),
        "the approve was undone"
    );
    assert!(!root.join("approved/x").exists());
}

#[test]
fn a_link_planted_in_a_snapshot_cannot_redirect_a_rollback() {
    let (_dir, root, outside) = setup();
    validate(&root, "x");
    ok(&root, &["approve", "x"]);
    ok(&root, &["evolve", "x", "--hint", "second"]);
    validate(&root, "x@1.1.0");
    ok(&root, &["approve", "x@1.1.0"]);
    // Roll back from the snapshot alone: the archived copy of 1.0.0 is gone.
    for entry in std::fs::read_dir(root.join("archived"))
        .expect("archived")
        .flatten()
    {
        std::fs::remove_dir_all(entry.path()).expect("rm");
    }
    let snapshots: Vec<PathBuf> = std::fs::read_dir(root.join(".toolbench/versions/x"))
        .expect("versions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("1.0.0-"))
        })
        .collect();
    let [snapshot] = snapshots.as_slice() else {
        panic!("one snapshot of 1.0.0: {snapshots:?}");
    };

    // A link inside the snapshot that leads out: the copy is refused.
    std::os::unix::fs::symlink(&outside, snapshot.join("data")).expect("symlink");
    let err = refused(&root, &["rollback", "x"]);
    assert!(err.contains("data: symlink to"), "{err}");
    assert!(err.contains("leads out of"), "{err}");
    std::fs::remove_file(snapshot.join("data")).expect("rm");

    // The snapshot folder itself replaced by a link to a look-alike outside: refused too.
    let planted = outside.join("planted");
    std::fs::rename(snapshot, &planted).expect("move snapshot out");
    std::os::unix::fs::symlink(&planted, snapshot).expect("symlink");
    let before = contents(&outside);
    let err = refused(&root, &["rollback", "x"]);
    assert!(err.contains("goes through a symlink"), "{err}");
    assert_eq!(contents(&outside), before, "nothing written outside");
    let text = std::fs::read_to_string(root.join("approved/x/tool.toml")).expect("manifest");
    assert!(
        text.contains("version = \"1.1.0\""),
        "1.1.0 stays active: {text}"
    );
}
