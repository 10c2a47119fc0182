//! Crash safety of the review moves: the real binary is aborted at every crash point of
//! approve, promote, archive, restore and rollback (`TOOLBENCH_CRASH_AT`), then `list` (which
//! recovers first) must show every tool in exactly one tier, nothing lost, the whole decision
//! either done or not done, and `history` agreeing with the tiers.
//!
//! The crash hooks exist only in builds with debug assertions (see `review::journal`), so
//! these tests are compiled only there: `cargo test` runs them, `cargo test --release` cannot.
#![cfg(debug_assertions)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use common::*;
use serde_json::Value;
use toolbench::review::journal::{CRASH_ENV, CRASH_POINTS};

/// Runs the binary in `root` (so an abort leaves nothing in the repository), with `env`.
fn run(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let config = tempfile::tempdir().expect("config dir");
    let mut command = Command::new(bin());
    command
        .arg("--root")
        .arg(root)
        .args(args)
        .current_dir(root)
        .envs(common::user_dirs(config.path()))
        .env("USER", "ana")
        .env_remove("TOOLBENCH_ROOT")
        .env_remove(CRASH_ENV);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run toolbench")
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = run(root, args, &[]);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// One tool as listed: (name, version, tier, content hash).
type Listed = (String, String, String, String);

fn listing(root: &Path) -> BTreeSet<Listed> {
    let tools: Vec<Value> = serde_json::from_str(&ok(root, &["list", "--json"])).expect("JSON");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let listed: Vec<Listed> = tools
        .iter()
        .map(|t| {
            (
                text(&t["name"]),
                text(&t["version"]),
                text(&t["tier"]),
                text(&t["content_hash"]),
            )
        })
        .collect();
    let set: BTreeSet<Listed> = listed.iter().cloned().collect();
    assert_eq!(
        set.len(),
        listed.len(),
        "a tool is listed twice: {listed:?}"
    );
    set
}

/// Every tool's identity and content, wherever it is.
fn contents(listing: &BTreeSet<Listed>) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = listing
        .iter()
        .map(|(n, v, _, h)| (n.clone(), v.clone(), h.clone()))
        .collect();
    all.sort();
    all
}

struct Case {
    name: &'static str,
    tool: &'static str,
    setup: &'static [&'static [&'static str]],
    args: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "approve",
        tool: "csv_to_json",
        setup: &[&["validate", "csv_to_json@1.3.0"]],
        args: &["approve", "csv_to_json", "--reason", "crash test"],
    },
    Case {
        name: "promote",
        tool: "slugify",
        setup: &[],
        args: &["promote", "slugify"],
    },
    Case {
        name: "archive",
        tool: "http_status",
        setup: &[],
        args: &["archive", "http_status"],
    },
    Case {
        name: "restore",
        tool: "slugify",
        setup: &[&["archive", "slugify"]],
        args: &["restore", "slugify"],
    },
    Case {
        name: "rollback",
        tool: "csv_to_json",
        setup: &[
            &["validate", "csv_to_json@1.3.0"],
            &["approve", "csv_to_json"],
        ],
        args: &["rollback", "csv_to_json"],
    },
    Case {
        name: "evolve",
        tool: "slugify",
        setup: &[],
        args: &["evolve", "slugify", "--hint", "keep accents as ascii"],
    },
];

fn prepared(case: &Case) -> tempfile::TempDir {
    let ws = sample_workspace();
    for args in case.setup {
        ok(ws.path(), args);
    }
    ws
}

/// The newest decision about `name@version` must name the tier it is listed in.
fn assert_history_agrees(root: &Path, case: &Case, after: &BTreeSet<Listed>, point: &str) {
    let decisions: Vec<Value> =
        serde_json::from_str(&ok(root, &["history", case.tool, "--json"])).expect("history");
    for (name, version, tier, _) in after.iter().filter(|(n, ..)| n == case.tool) {
        let newest = decisions
            .iter()
            .find(|d| d["to_version"].as_str() == Some(version.as_str()));
        if let Some(decision) = newest {
            assert_eq!(
                decision["to_tier"].as_str(),
                Some(tier.as_str()),
                "{} at {point}: {name}@{version} is in {tier} but history says {decision}",
                case.name
            );
        }
    }
}

/// The listing with the content hash of every version the decision wrote itself (evolve's new
/// candidate, whose provenance holds the time it was made) replaced by a mark, so two runs of
/// the same decision compare equal; every version that existed before keeps its hash.
fn settled(listing: BTreeSet<Listed>, before: &BTreeSet<Listed>) -> BTreeSet<Listed> {
    listing
        .into_iter()
        .map(|(name, version, tier, hash)| {
            let existed = before
                .iter()
                .any(|(n, v, _, h)| *n == name && *v == version && *h == hash);
            let hash = if existed {
                hash
            } else {
                "written by the decision".into()
            };
            (name, version, tier, hash)
        })
        .collect()
}

fn crash_matrix(case: &Case) {
    // The two states a decision may leave: not done, or done.
    let ws = prepared(case);
    let before = listing(ws.path());
    let out = run(ws.path(), case.args, &[]);
    assert!(out.status.success(), "{}: {}", case.name, stderr(&out));
    let done = settled(listing(ws.path()), &before);
    assert_ne!(before, done, "{} changed nothing", case.name);

    for point in CRASH_POINTS {
        let ws = prepared(case);
        let root = ws.path();
        let out = run(root, case.args, &[(CRASH_ENV, point)]);
        let after = settled(listing(root), &before);
        assert!(
            after == before || after == done,
            "{} crashed {point}: half a decision:\n{after:#?}",
            case.name
        );
        if out.status.success() {
            // A point this decision never passes: it simply ran.
            assert_eq!(after, done, "{} at {point}", case.name);
        }
        // Moves keep every tool's content; evolve adds exactly the new candidate.
        assert!(
            contents(&after) == contents(&before) || contents(&after) == contents(&done),
            "{} at {point}: a tool was lost or duplicated",
            case.name
        );
        assert!(
            !toolbench::review::journal::has_pending(root),
            "{} at {point}: the journal was not recovered",
            case.name
        );
        assert_history_agrees(root, case, &after, point);
        if after == done {
            let decisions: Vec<Value> =
                serde_json::from_str(&ok(root, &["history", case.tool, "--json"])).expect("h");
            let action = case.args[0];
            assert!(
                decisions.iter().any(|d| d["action"] == action),
                "{} at {point}: moved but not recorded: {decisions:?}",
                case.name
            );
        }
    }
}

#[test]
fn evolve_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[5]);
}

/// Approving a bare script wraps it into a folder with its inferred manifest (a decision of
/// its own), then approves that folder. A crash anywhere leaves the script once, whole,
/// either as it was, wrapped in experimental/, or approved; nothing else changes.
#[test]
fn wrapping_and_approving_a_bare_script_survives_a_crash_at_every_point() {
    const SCRIPT: &str = "count_todos.py";
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/experimental/count_todos.py"),
    )
    .expect("the sample script");
    let others = |listing: &BTreeSet<Listed>| -> BTreeSet<Listed> {
        listing
            .iter()
            .filter(|(name, ..)| name != "count_todos")
            .cloned()
            .collect()
    };
    for point in CRASH_POINTS {
        let ws = sample_workspace();
        let root = ws.path();
        let before = listing(root);
        let out = run(root, &["approve", "count_todos"], &[(CRASH_ENV, point)]);
        let after = listing(root);
        assert!(
            !toolbench::review::journal::has_pending(root),
            "at {point}: the journal was not recovered"
        );
        assert_eq!(
            others(&after),
            others(&before),
            "at {point}: another tool changed"
        );
        let found: Vec<&Listed> = after.iter().filter(|(n, ..)| n == "count_todos").collect();
        assert_eq!(
            found.len(),
            1,
            "at {point}: the script is listed once: {found:?}"
        );
        let tier = found[0].2.as_str();
        let text = match tier {
            "experimental" => std::fs::read_to_string(root.join("experimental").join(SCRIPT))
                .or_else(|_| {
                    std::fs::read_to_string(root.join("experimental/count_todos").join(SCRIPT))
                }),
            "approved" => std::fs::read_to_string(root.join("approved/count_todos").join(SCRIPT)),
            other => panic!("at {point}: count_todos ended in {other}"),
        }
        .unwrap_or_else(|e| panic!("at {point}: the script is gone from {tier}: {e}"));
        assert_eq!(text, original, "at {point}: the script's text changed");
        if out.status.success() {
            assert_eq!(tier, "approved", "at {point}: it ran but did not approve");
        }
    }
}

#[test]
fn approve_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[0]);
}

#[test]
fn promote_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[1]);
}

#[test]
fn archive_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[2]);
}

#[test]
fn restore_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[3]);
}

#[test]
fn rollback_survives_a_crash_at_every_point() {
    crash_matrix(&CASES[4]);
}

#[test]
fn every_crash_point_is_reached_by_a_two_move_decision() {
    for point in CRASH_POINTS {
        let ws = sample_workspace();
        ok(ws.path(), &["validate", "csv_to_json@1.3.0"]);
        let out = run(
            ws.path(),
            &["approve", "csv_to_json"],
            &[(CRASH_ENV, point)],
        );
        assert!(!out.status.success(), "{point} was never reached");
        assert_eq!(out.status.code(), None, "{point}: aborted by a signal");
    }
}
