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
    let mut command = Command::new(BIN);
    command
        .arg("--root")
        .arg(root)
        .args(args)
        .current_dir(root)
        .env("TOOLBENCH_CONFIG_DIR", config.path())
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
        setup: &[],
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
        setup: &[&["approve", "csv_to_json"]],
        args: &["rollback", "csv_to_json"],
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

fn crash_matrix(case: &Case) {
    // The two states a decision may leave: not done, or done.
    let ws = prepared(case);
    let before = listing(ws.path());
    let out = run(ws.path(), case.args, &[]);
    assert!(out.status.success(), "{}: {}", case.name, stderr(&out));
    let done = listing(ws.path());
    assert_ne!(before, done, "{} changed nothing", case.name);

    for point in CRASH_POINTS {
        let ws = prepared(case);
        let root = ws.path();
        let out = run(root, case.args, &[(CRASH_ENV, point)]);
        let after = listing(root);
        assert!(
            after == before || after == done,
            "{} crashed {point}: half a decision:\n{after:#?}",
            case.name
        );
        if out.status.success() {
            // A point this decision never passes: it simply ran.
            assert_eq!(after, done, "{} at {point}", case.name);
        }
        assert_eq!(
            contents(&after),
            contents(&before),
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
        let out = run(
            ws.path(),
            &["approve", "csv_to_json"],
            &[(CRASH_ENV, point)],
        );
        assert!(!out.status.success(), "{point} was never reached");
        assert_eq!(out.status.code(), None, "{point}: aborted by a signal");
    }
}
