//! The review lifecycle (approve, reject, request changes, promote, archive, restore,
//! rollback, evolve, review, history, gc) driven through the real binary on copies of the
//! sample workspace.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

/// The sample workspace, where `ana` decides (`common::PERSON`).
fn workspace() -> tempfile::TempDir {
    sample_workspace()
}

fn append(path: &Path, text: &str) {
    let mut current = std::fs::read_to_string(path).unwrap_or_default();
    current.push_str(text);
    std::fs::write(path, current).expect("write");
}

/// Runs a command that must succeed; returns its stdout.
fn ok(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs a command that must fail with exit code 1 and one line on stderr; returns that line.
fn refused(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err.trim().to_string()
}

fn listed(root: &Path) -> Vec<Value> {
    serde_json::from_str(&ok(root, &["list", "--json"])).expect("list JSON")
}

/// The tiers where `name@version` is listed.
fn tiers_of(root: &Path, name: &str, version: &str) -> Vec<String> {
    listed(root)
        .iter()
        .filter(|t| t["name"] == name && t["version"] == version)
        .map(|t| t["tier"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The decisions on `name` newest first, but the acceptance that opened the sample workspace.
fn history(root: &Path, name: &str) -> Vec<Value> {
    let all: Vec<Value> =
        serde_json::from_str(&ok(root, &["history", name, "--json"])).expect("history JSON");
    all.into_iter()
        .filter(|d| d["action"] != "accept")
        .collect()
}

fn version_in(folder: &Path) -> String {
    let text = std::fs::read_to_string(folder.join("tool.toml")).expect("manifest");
    let value: toml::Table = toml::from_str(&text).expect("toml");
    value["version"].as_str().unwrap_or_default().to_string()
}

fn content_hash(root: &Path, name: &str, version: &str) -> String {
    listed(root)
        .iter()
        .find(|t| t["name"] == name && t["version"] == version)
        .and_then(|t| t["content_hash"].as_str().map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn approve_supersedes_the_active_version_and_keeps_it_as_a_snapshot() {
    let ws = workspace();
    let root = ws.path();
    let old_hash = content_hash(root, "csv_to_json", "1.2.0");
    let new_hash = content_hash(root, "csv_to_json", "1.3.0");
    validate(root, "csv_to_json@1.3.0");
    let line = ok(
        root,
        &["approve", "csv_to_json", "--reason", "detects ; and tabs"],
    );
    assert_eq!(
        line,
        "approved csv_to_json@1.3.0 (experimental → approved; superseded 1.2.0, kept as snapshot): detects ; and tabs\n"
    );
    assert_eq!(version_in(&root.join("approved/csv_to_json")), "1.3.0");
    assert_eq!(version_in(&root.join("archived/csv_to_json")), "1.2.0");
    assert!(!root.join("experimental/csv_to_json-1.3.0").exists());
    for (version, hash) in [("1.3.0", &new_hash), ("1.2.0", &old_hash)] {
        let snapshot = root.join(format!(
            ".toolbench/versions/csv_to_json/{version}-{}",
            &hash[..12]
        ));
        assert!(
            snapshot.join("tool.toml").is_file(),
            "{}",
            snapshot.display()
        );
    }

    let decisions = history(root, "csv_to_json");
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    let approve = &decisions[0];
    assert_eq!(approve["action"], "approve");
    assert_eq!(approve["who"], "ana");
    assert_eq!(approve["reason"], "detects ; and tabs");
    assert_eq!(approve["from_tier"], "experimental");
    assert_eq!(approve["to_tier"], "approved");
    assert_eq!(approve["to_version"], "1.3.0");
    assert_eq!(approve["to_hash"], new_hash.as_str());
    assert!(approve["at"].as_str().unwrap_or_default().ends_with('Z'));
    let supersede = &decisions[1];
    assert_eq!(supersede["action"], "supersede");
    assert_eq!(supersede["to_tier"], "archived");
    assert_eq!(supersede["from_version"], "1.2.0");
}

/// `validate NAME` reports on what `approve NAME` acts on: the candidate under review, not the
/// active version beside it (csv_to_json 1.3.0 waits for review while 1.2.0 is approved);
/// naming a version still validates that one.
#[test]
fn validate_and_approve_of_a_name_act_on_the_same_tool() {
    let ws = workspace();
    let root = ws.path();
    let version_validated = |spec: &str| {
        let out = toolbench(root, &["validate", spec, "--json"]);
        let report: Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("validate {spec}: {e}: {}", stderr(&out)));
        (report["version"].clone(), report["tier"].clone())
    };
    assert_eq!(
        version_validated("csv_to_json"),
        ("1.3.0".into(), "experimental".into())
    );
    assert_eq!(
        version_validated("csv_to_json@1.2.0"),
        ("1.2.0".into(), "approved".into())
    );
    let line = ok(root, &["approve", "csv_to_json"]);
    assert!(line.starts_with("approved csv_to_json@1.3.0 "), "{line}");
}

#[test]
fn with_two_candidates_approve_asks_which_one() {
    let ws = workspace();
    let root = ws.path();
    ok(
        root,
        &["evolve", "csv_to_json@1.3.0", "--hint", "Handle quotes"],
    );
    let err = refused(root, &["approve", "csv_to_json"]);
    let (old, new) = (
        content_hash(root, "csv_to_json", "1.3.0"),
        content_hash(root, "csv_to_json", "1.4.0"),
    );
    assert_eq!(
        err,
        format!(
            "toolbench: csv_to_json in experimental/: several match (csv_to_json@1.3.0 experimental/csv_to_json-1.3.0 {}, csv_to_json@1.4.0 experimental/csv_to_json-1.4.0 {}); say which with NAME@VERSION or --hash PREFIX",
            &old[..12],
            &new[..12]
        )
    );
    validate(root, "csv_to_json@1.4.0");
    ok(root, &["approve", "csv_to_json@1.4.0"]);
    assert_eq!(tiers_of(root, "csv_to_json", "1.4.0"), ["approved"]);
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["experimental"]);
}

/// With signatures on (the sample's `sign`) and no key, approving an active tool that is
/// unchanged since its approval would only record a decision that changes nothing: refused,
/// saying what would sign it, and the history stays as it was.
#[test]
fn approving_an_unchanged_unsigned_tool_again_without_a_key_is_refused() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "csv_to_json@1.3.0");
    ok(root, &["approve", "csv_to_json@1.3.0"]);
    let before = history(root, "csv_to_json").len();
    let err = refused(root, &["approve", "csv_to_json"]);
    assert!(
        err.contains("is active and unchanged since it was approved, but unsigned")
            && err.contains("no key can sign here"),
        "{err}"
    );
    assert_eq!(
        history(root, "csv_to_json").len(),
        before,
        "no decision recorded"
    );
}

/// A hash copied from the wrong row names the tool it is, and nothing is decided or run; a
/// hash of no tool at all is still told as content that is not there.
#[test]
fn a_hash_of_another_tool_is_refused_naming_that_tool() {
    let ws = workspace();
    let root = ws.path();
    let other = content_hash(root, "kv_cache", "1.0.0");
    let own = content_hash(root, "csv_to_json", "1.3.0");
    let err = refused(root, &["approve", "csv_to_json", "--hash", &other[..12]]);
    assert_eq!(
        err,
        format!(
            "toolbench: csv_to_json: the content you asked for ({}) is another tool's: kv_cache@1.0.0 experimental/kv_cache {}; name that tool, or give csv_to_json's own hash (toolbench show csv_to_json)",
            &other[..12],
            &other[..12]
        )
    );
    let err = refused(
        root,
        &[
            "run",
            "csv_to_json",
            "--hash",
            &other[..12],
            "--input",
            "{}",
        ],
    );
    assert!(err.contains("is another tool's: kv_cache@1.0.0"), "{err}");
    let err = refused(root, &["approve", "csv_to_json", "--hash", "00000000"]);
    assert!(
        err.contains("(00000000) is not there (") && err.contains("or the hash is not one it had"),
        "{err}"
    );
    // Its own active version's hash: that content is there, in a tier reject does not take.
    let active = content_hash(root, "csv_to_json", "1.2.0");
    let err = refused(
        root,
        &[
            "reject",
            "csv_to_json",
            "--reason",
            "x",
            "--hash",
            &active[..12],
        ],
    );
    assert_eq!(
        err,
        "toolbench: cannot reject csv_to_json@1.2.0: it is in approved/, not in experimental/"
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["experimental"]);
    assert_eq!(tiers_of(root, "kv_cache", "1.0.0"), ["experimental"]);
    assert_eq!(content_hash(root, "csv_to_json", "1.3.0"), own);
}

#[test]
fn approve_wraps_a_bare_script_into_a_folder_first() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "count_todos");
    let line = ok(root, &["approve", "count_todos"]);
    assert_eq!(
        line,
        "approved count_todos@0.1.0 (experimental → approved; wrapped the bare script with its inferred manifest)\n"
    );
    let folder = root.join("approved/count_todos");
    assert!(folder.join("count_todos.py").is_file());
    let manifest = std::fs::read_to_string(folder.join("tool.toml")).expect("manifest");
    assert!(manifest.contains("inferred = true"), "{manifest}");
    assert!(!root.join("experimental/count_todos.py").exists());
    assert!(!root.join("experimental/count_todos").exists());
}

#[test]
fn approving_a_broken_manifest_is_refused_with_the_reason() {
    let ws = workspace();
    let root = ws.path();
    let err = refused(root, &["approve", "url_extract"]);
    assert!(
        err.starts_with(
            "toolbench: cannot approve url_extract: experimental/url_extract/tool.toml:"
        ),
        "{err}"
    );
    assert!(err.contains("field `cost_tier`"), "{err}");
    assert!(root.join("experimental/url_extract").is_dir());
    assert!(history(root, "url_extract").is_empty());
}

#[test]
fn promoting_a_candidate_says_where_that_version_is() {
    let ws = workspace();
    let err = refused(ws.path(), &["promote", "csv_to_json@1.3.0"]);
    assert_eq!(
        err,
        "toolbench: cannot promote csv_to_json@1.3.0: it is in experimental/, not in approved/"
    );
}

#[test]
fn a_candidate_named_like_a_core_tool_cannot_be_approved() {
    let ws = workspace();
    let root = ws.path();
    write_tool(
        root,
        "experimental",
        "word_count-2.0.0",
        &minimal_manifest("word_count").replace("1.0.0", "2.0.0"),
    );
    let err = refused(root, &["approve", "word_count@2.0.0"]);
    assert_eq!(
        err,
        "toolbench: cannot approve word_count@2.0.0: word_count is active in core/, which goes before approved/: archive core's word_count first, or give the candidate another name"
    );
    assert!(root.join("experimental/word_count-2.0.0").is_dir());
    assert_eq!(tiers_of(root, "word_count", "1.0.0"), ["core"]);
}

#[test]
fn a_symlink_leading_out_of_the_tool_folder_is_refused() {
    let ws = workspace();
    let root = ws.path();
    let folder = write_tool(root, "experimental", "peek", &minimal_manifest("peek"));
    std::os::unix::fs::symlink("/etc/passwd", folder.join("data.txt")).expect("symlink");
    let err = refused(root, &["approve", "peek"]);
    assert_eq!(
        err,
        "toolbench: cannot approve peek@1.0.0: experimental/peek: data.txt -> /etc/passwd leads out of the tool folder"
    );
    assert!(folder.is_dir());

    // Inside the workspace is not enough: the link must stay inside the tool folder.
    std::fs::remove_file(folder.join("data.txt")).expect("rm");
    std::os::unix::fs::symlink("../../core/word_count/main.py", folder.join("data.txt"))
        .expect("symlink");
    let err = refused(root, &["approve", "peek"]);
    assert_eq!(
        err,
        "toolbench: cannot approve peek@1.0.0: experimental/peek: data.txt -> ../../core/word_count/main.py leads out of the tool folder"
    );
    std::fs::remove_file(folder.join("data.txt")).expect("rm");
    std::os::unix::fs::symlink("run.sh", folder.join("data.txt")).expect("symlink");
    validate(root, "peek");
    ok(root, &["approve", "peek"]);
    assert!(
        root.join("approved/peek/data.txt")
            .symlink_metadata()
            .expect("link")
            .is_symlink()
    );
}

#[test]
fn a_tool_still_being_written_is_not_approved() {
    let ws = workspace();
    let root = ws.path();
    let folder = root.join("experimental/half_done");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("main.py"), "print('hi')\n").expect("write");
    let err = refused(root, &["approve", "half_done"]);
    assert_eq!(
        err,
        "toolbench: cannot approve half_done: experimental/half_done/tool.toml: missing tool.toml"
    );
    assert!(folder.is_dir());
}

#[test]
fn reject_archives_the_candidate_with_its_reason() {
    let ws = workspace();
    let root = ws.path();
    let line = ok(
        root,
        &["reject", "tmp_cleaner", "--reason", "deletes too eagerly"],
    );
    assert_eq!(
        line,
        "rejected tmp_cleaner@0.1.0 (experimental → archived): deletes too eagerly\n"
    );
    assert_eq!(tiers_of(root, "tmp_cleaner", "0.1.0"), ["archived"]);
    let decisions = history(root, "tmp_cleaner");
    assert_eq!(decisions[0]["action"], "reject");
    assert_eq!(decisions[0]["reason"], "deletes too eagerly");

    // A reason is required: a usage error.
    let out = toolbench(root, &["reject", "bulk_rename"]);
    assert_eq!(out.status.code(), Some(2));
    // A broken tool can be rejected too.
    ok(
        root,
        &["reject", "url_extract", "--reason", "broken manifest"],
    );
    assert!(root.join("archived/url_extract").is_dir());
}

#[test]
fn request_changes_writes_review_md_and_keeps_the_tool_in_experimental() {
    let ws = workspace();
    let root = ws.path();
    let line = ok(
        root,
        &[
            "request-changes",
            "bulk_rename",
            "--feedback",
            "Refuse patterns that match every file",
        ],
    );
    assert_eq!(
        line,
        "requested changes to bulk_rename@0.2.0 (feedback in experimental/bulk_rename/REVIEW.md; it stays in experimental)\n"
    );
    let review = std::fs::read_to_string(root.join("experimental/bulk_rename/REVIEW.md"))
        .expect("REVIEW.md");
    for expected in [
        "Refuse patterns that match every file",
        "Reviewer: ana",
        "Version: 0.2.0",
        "## What happens next",
    ] {
        assert!(review.contains(expected), "{expected} in {review}");
    }
    assert_eq!(tiers_of(root, "bulk_rename", "0.2.0"), ["experimental"]);
    let decisions = history(root, "bulk_rename");
    assert_eq!(decisions[0]["action"], "request_changes");
    assert_eq!(decisions[0]["to_tier"], "experimental");
}

#[test]
fn promote_moves_an_approved_tool_to_core() {
    let ws = workspace();
    let root = ws.path();
    let line = ok(root, &["promote", "slugify"]);
    assert_eq!(line, "promoted slugify@1.0.0 (approved → core)\n");
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["core"]);
    assert!(root.join("core/slugify/tool.toml").is_file());
    let err = refused(root, &["promote", "bulk_rename"]);
    assert_eq!(
        err,
        "toolbench: cannot promote bulk_rename: it is in experimental/, not in approved/"
    );
}

#[test]
fn archive_then_restore_returns_a_tool_to_the_tier_it_left() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        ok(root, &["archive", "http_status", "--reason", "unused"]),
        "archived http_status@1.0.0 (approved → archived): unused\n"
    );
    assert_eq!(tiers_of(root, "http_status", "1.0.0"), ["archived"]);
    assert_eq!(
        ok(root, &["restore", "http_status"]),
        "restored http_status@1.0.0 (archived → approved)\n"
    );
    assert_eq!(tiers_of(root, "http_status", "1.0.0"), ["approved"]);

    // Without history, an archived tool goes back to experimental.
    assert_eq!(
        ok(root, &["restore", "old_csv_parser"]),
        "restored old_csv_parser@0.9.0 (archived → experimental)\n"
    );
    assert_eq!(tiers_of(root, "old_csv_parser", "0.9.0"), ["experimental"]);
}

#[test]
fn restore_is_refused_when_the_name_is_active_in_that_tier() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "csv_to_json@1.3.0");
    ok(root, &["approve", "csv_to_json"]);
    let err = refused(root, &["restore", "csv_to_json"]);
    assert_eq!(
        err,
        "toolbench: cannot restore csv_to_json@1.2.0: csv_to_json is active in approved/ (approved/csv_to_json, version 1.3.0); archive it first or use rollback"
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.2.0"), ["archived"]);
}

#[test]
fn rollback_makes_the_previous_version_active_again() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "csv_to_json@1.3.0");
    ok(root, &["approve", "csv_to_json"]);
    let line = ok(root, &["rollback", "csv_to_json"]);
    assert_eq!(
        line,
        "rolled back csv_to_json to 1.2.0 (approved; 1.3.0 archived, kept as snapshot)\n"
    );
    assert_eq!(version_in(&root.join("approved/csv_to_json")), "1.2.0");
    assert_eq!(tiers_of(root, "csv_to_json", "1.2.0"), ["approved"]);
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["archived"]);
    let decisions = history(root, "csv_to_json");
    assert_eq!(decisions[0]["action"], "rollback");
    assert_eq!(decisions[0]["from_version"], "1.3.0");
    assert_eq!(decisions[0]["to_version"], "1.2.0");

    // Forward again to a named version, this time from the snapshot alone.
    std::fs::remove_dir_all(root.join("archived/csv_to_json-1.3.0")).expect("rm");
    let line = ok(root, &["rollback", "csv_to_json", "--to", "1.3.0"]);
    assert_eq!(
        line,
        "rolled back csv_to_json to 1.3.0 (approved; 1.2.0 archived, kept as snapshot)\n"
    );
    assert_eq!(version_in(&root.join("approved/csv_to_json")), "1.3.0");
    // The copy out of the snapshot is frozen like every active copy: nobody may write it.
    let meta = std::fs::metadata(root.join("approved/csv_to_json/tool.toml")).expect("meta");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o222,
        0
    );
}

#[test]
fn rollback_without_an_earlier_version_is_refused() {
    let ws = workspace();
    let root = ws.path();
    let err = refused(root, &["rollback", "slugify"]);
    assert_eq!(
        err,
        "toolbench: cannot roll back slugify: no earlier version to roll back to (kept versions: none; 1.0.0 is active)"
    );
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["approved"]);
    let err = refused(root, &["rollback", "bulk_rename"]);
    assert!(
        err.contains("it is in experimental/, not in core/ or approved/"),
        "{err}"
    );
}

#[test]
fn two_processes_deciding_on_one_tool_one_wins_the_other_is_told_to_retry() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "csv_to_json@1.3.0");
    let held = toolbench::review::lock::ToolLock::acquire(root, "csv_to_json").expect("lock");
    let err = refused(root, &["approve", "csv_to_json"]);
    assert_eq!(
        err,
        format!(
            "toolbench: csv_to_json is being changed by another toolbench process (pid {}); try again",
            std::process::id()
        )
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["experimental"]);
    // Other tools are not blocked.
    ok(root, &["promote", "slugify"]);
    drop(held);
    ok(root, &["approve", "csv_to_json"]);
}

#[test]
fn two_real_processes_racing_end_with_one_decision() {
    let ws = workspace();
    let root = ws.path();
    // The store exists already: two first-time opens racing on the schema is another matter
    // (see the store's migrations).
    validate(root, "csv_to_json@1.3.0");
    let config = tempfile::tempdir().expect("config");
    let spawn = || {
        Command::new(bin())
            .arg("--root")
            .arg(root)
            .args(["approve", "csv_to_json"])
            .envs(common::user_dirs(config.path()))
            .env_remove("TOOLBENCH_ROOT")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let outputs: Vec<Output> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let wins = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(wins, 1, "{outputs:?}");
    let loser = outputs
        .iter()
        .find(|o| !o.status.success())
        .map(stderr)
        .unwrap_or_default();
    // Either it lost the lock, or it came second and found nothing left to approve.
    assert!(
        loser.contains("is being changed by another toolbench process")
            || loser.contains("not in experimental/"),
        "{loser}"
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["approved"]);
    assert_eq!(
        history(root, "csv_to_json")
            .iter()
            .filter(|d| d["action"] == "approve")
            .count(),
        1
    );
}

#[test]
fn a_move_that_fails_leaves_the_previous_state_intact() {
    let ws = workspace();
    let root = ws.path();
    // The target tier is a file: the rename fails as it would with no space left.
    std::fs::rename(root.join("core"), root.join("core-moved")).expect("mv");
    std::fs::write(root.join("core"), "not a folder").expect("file");
    let err = refused(root, &["promote", "slugify"]);
    assert_eq!(
        err,
        "toolbench: cannot move approved/slugify to core/slugify: Not a directory; nothing was changed"
    );
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["approved"]);
    assert!(history(root, "slugify").is_empty());
    assert!(!toolbench::review::journal::has_pending(root));
}

/// A workspace never opened here takes no decision until a person accepts its tools: every
/// deciding command is refused with the one line that says so, and nothing moves, is written
/// or is logged. The sample's reviews are signed, which lets a decision open the workspace only
/// once a person accepted its reviewers here.
#[test]
fn a_never_opened_workspace_takes_no_decision_until_a_person_accepts_it() {
    let ws = never_opened_sample();
    let root = ws.path();
    let deciding: [&[&str]; 11] = [
        &["approve", "csv_to_json"],
        &["reject", "tmp_cleaner", "--reason", "x"],
        &["request-changes", "bulk_rename", "--feedback", "x"],
        &["promote", "slugify"],
        &["archive", "slugify"],
        &["restore", "old_csv_parser"],
        &["rollback", "slugify"],
        &["resubmit", "slugify"],
        &["add-case", "tmp_cleaner", "--input", "{}"],
        &["evolve", "slugify", "--hint", "x"],
        &["undo", "slugify", "--decision", "1"],
    ];
    for args in deciding {
        let err = refused(root, args);
        assert!(
            err.starts_with(
                "toolbench: this workspace was never opened here: its 8 active tools are not \
                 accepted yet (`toolbench accept --dry-run` lists them"
            ),
            "{args:?}: {err}"
        );
    }
    assert!(!root.join(".toolbench/seals").exists(), "nothing sealed");
    assert!(root.join("experimental/tmp_cleaner").is_dir());
    assert!(!root.join("experimental/bulk_rename/REVIEW.md").exists());
    assert!(
        !root
            .join("experimental/tmp_cleaner/tests/generated-1.toml")
            .exists()
    );
    assert_eq!(
        ok(root, &["audit", "--json"]).trim(),
        "[]",
        "nothing logged"
    );

    accept(root);
    ok(root, &["reject", "tmp_cleaner", "--reason", "x"]);
}

/// `accept NAME@VERSION` accepts that version when it is the active one, and otherwise
/// refuses, naming the active one, and accepts nothing.
#[test]
fn accept_takes_the_active_version_by_name_at_version_and_refuses_another() {
    let ws = never_opened_sample();
    let root = ws.path();
    let err = refused(root, &["accept", "csv_to_json@1.3.0"]);
    assert_eq!(
        err,
        "toolbench: csv_to_json@1.3.0 is not active (csv_to_json@1.2.0 is, in approved/): only \
         the active version of a tool is accepted, as it is"
    );
    assert!(!root.join(".toolbench/seals").exists(), "nothing accepted");
    let accepted: Vec<Value> =
        serde_json::from_str(&ok(root, &["accept", "csv_to_json@1.2.0", "--json"])).expect("JSON");
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["name"], "csv_to_json");
    assert_eq!(accepted[0]["version"], "1.2.0");
    assert!(root.join(".toolbench/seals/csv_to_json.json").is_file());
}

/// A decision the decision log cannot take is refused, not half-made (docs/recovery.md):
/// nothing moves or is written, and nothing is left for a later command to finish once the
/// log can be written again.
#[test]
fn a_decision_the_decision_log_cannot_take_is_refused_and_never_made_later() {
    let ws = workspace();
    let root = ws.path();
    let log = root.join(".toolbench/log/decisions.jsonl");
    let kept = std::fs::read(&log).expect("the acceptance is in the log");
    // A folder where the log belongs: no append goes through, for root either.
    std::fs::remove_file(&log).expect("rm");
    std::fs::create_dir(&log).expect("a folder in its place");
    let err = refused(root, &["reject", "tmp_cleaner", "--reason", "x"]);
    assert!(
        err.starts_with("toolbench: cannot reject tmp_cleaner: ")
            && err.contains("decisions.jsonl: cannot append to the decision log: ")
            && err.ends_with("; nothing was changed"),
        "{err}"
    );
    let err = refused(root, &["request-changes", "bulk_rename", "--feedback", "x"]);
    assert!(err.ends_with("; nothing was changed"), "{err}");
    assert!(!root.join("experimental/bulk_rename/REVIEW.md").exists());
    assert!(!toolbench::review::journal::has_pending(root));

    std::fs::remove_dir(&log).expect("rmdir");
    std::fs::write(&log, kept).expect("the log back");
    let out = toolbench(root, &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert_eq!(tiers_of(root, "tmp_cleaner", "0.1.0"), ["experimental"]);
    assert!(history(root, "tmp_cleaner").is_empty());
    assert!(history(root, "bulk_rename").is_empty());
}

/// `TOOLBENCH_FAIL_MOVE` is read only by builds with debug assertions (`cargo test`).
#[cfg(debug_assertions)]
#[test]
fn no_space_during_the_second_move_puts_the_first_one_back() {
    let ws = workspace();
    let root = ws.path();
    validate(root, "csv_to_json@1.3.0");
    let config = tempfile::tempdir().expect("config");
    let out = Command::new(bin())
        .arg("--root")
        .arg(root)
        .args(["approve", "csv_to_json"])
        .envs(common::user_dirs(config.path()))
        .env(toolbench::review::journal::FAIL_MOVE_ENV, "2")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    // The second move takes the candidate away for its frozen copy to take its place.
    let err = stderr(&out);
    // Named as the person knows it: the decision's staging folder is not theirs to know.
    assert_eq!(
        err.trim(),
        "toolbench: cannot move experimental/csv_to_json-1.3.0 aside: No space left on device; \
         nothing was changed"
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.2.0"), ["approved"]);
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["experimental"]);
    assert!(history(root, "csv_to_json").is_empty());
    assert!(!toolbench::review::journal::has_pending(root));
    // The third writes the frozen copy, made in the staging folder, into its place.
    let out = Command::new(bin())
        .arg("--root")
        .arg(root)
        .args(["approve", "csv_to_json"])
        .envs(common::user_dirs(config.path()))
        .env(toolbench::review::journal::FAIL_MOVE_ENV, "3")
        .output()
        .expect("run");
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: cannot write approved/csv_to_json: No space left on device; nothing was \
         changed"
    );
    assert_eq!(tiers_of(root, "csv_to_json", "1.3.0"), ["experimental"]);
}

#[test]
fn evolve_makes_a_bumped_candidate_and_never_touches_the_original() {
    let ws = workspace();
    let root = ws.path();
    let before = content_hash(root, "slugify", "1.0.0");
    let line = ok(
        root,
        &["evolve", "slugify", "--hint", "Keep digits together"],
    );
    assert_eq!(
        line,
        "evolved slugify@1.0.0 into slugify@1.1.0 (experimental/slugify-1.1.0)\n"
    );
    assert_eq!(content_hash(root, "slugify", "1.0.0"), before);
    let text = std::fs::read_to_string(root.join("experimental/slugify-1.1.0/tool.toml"))
        .expect("manifest");
    assert!(text.contains("version = \"1.1.0\""), "{text}");
    assert!(text.contains("parent = \"slugify@1.0.0\""), "{text}");
    assert!(text.contains("hint = \"Keep digits together\""), "{text}");
    assert!(text.contains("origin = \"human\""), "{text}");
    let shown: Value =
        serde_json::from_str(&ok(root, &["show", "slugify@1.1.0", "--json"])).expect("show");
    assert_eq!(shown["error"], Value::Null, "{shown}");

    let queue: Vec<Value> = serde_json::from_str(&ok(root, &["review", "--json"])).expect("queue");
    let item = queue
        .iter()
        .find(|q| q["name"] == "slugify")
        .expect("in the queue");
    assert_eq!(item["parent"], "slugify@1.0.0");

    // The same evolution twice would overwrite the candidate: refused.
    let err = refused(root, &["evolve", "slugify", "--hint", "again"]);
    assert_eq!(
        err,
        "toolbench: cannot evolve slugify@1.0.0: experimental/slugify-1.1.0 already exists"
    );
}

#[test]
fn evolve_with_an_evolver_applies_its_files_and_marks_the_origin() {
    let ws = workspace();
    let root = ws.path();
    let evolver = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/evolvers/append_note.py");
    let command = format!("python3 {}", evolver.display());
    let line = ok(
        root,
        &[
            "evolve",
            "http_status",
            "--hint",
            "Explain 418 too",
            "--with",
            &command,
        ],
    );
    assert_eq!(
        line,
        "evolved http_status@1.0.0 into http_status@1.1.0 (experimental/http_status-1.1.0)\n"
    );
    let folder = root.join("experimental/http_status-1.1.0");
    let script = std::fs::read_to_string(folder.join("main.py")).expect("script");
    assert!(
        script.ends_with("# evolve: Explain 418 too (0 failure(s) reported)\n"),
        "{script}"
    );
    let text = std::fs::read_to_string(folder.join("tool.toml")).expect("manifest");
    assert!(text.contains("origin = \"ai\""), "{text}");
    assert!(
        text.contains("generator = \"python3 append_note.py\""),
        "{text}"
    );
    assert!(text.contains("parent = \"http_status@1.0.0\""), "{text}");
    let original = std::fs::read_to_string(root.join("approved/http_status/main.py")).expect("o");
    assert!(!original.contains("# evolve:"));

    let decisions = history(root, "http_status");
    assert_eq!(decisions[0]["action"], "evolve");
    assert_eq!(decisions[0]["from_version"], "1.0.0");
    assert_eq!(decisions[0]["to_version"], "1.1.0");
    assert_eq!(decisions[0]["to_tier"], "experimental");
}

/// `--with` runs as from the folder it was typed in: a script named there bare is the one
/// it finds, and a path is shown whole, without `./`.
#[test]
fn evolve_with_takes_its_files_from_the_current_directory() {
    let ws = workspace();
    let root = ws.path();
    let here = tempfile::tempdir().expect("tempdir");
    let evolver = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/evolvers/append_note.py");
    std::fs::copy(&evolver, here.path().join("append_note.py")).expect("copy");
    std::fs::write(
        here.path().join("badevo.py"),
        "import sys\nsys.exit('no idea')\n",
    )
    .expect("write");
    let config = tempfile::tempdir().expect("config");
    let evolve = |tool: &str, with: &str| {
        toolbench_command(
            root,
            config.path(),
            &["evolve", tool, "--hint", "h", "--with", with],
        )
        .current_dir(here.path())
        .output()
        .expect("evolve")
    };
    let out = evolve("slugify", "python3 append_note.py");
    assert!(out.status.success(), "{}", stderr(&out));
    let script =
        std::fs::read_to_string(root.join("experimental/slugify-1.1.0/main.py")).expect("evolved");
    assert!(
        script.ends_with("# evolve: h (0 failure(s) reported)\n"),
        "{script}"
    );

    let out = evolve("word_count", "python3 ./badevo.py");
    assert_eq!(out.status.code(), Some(1));
    let script = here.path().join("badevo.py");
    assert_eq!(
        stderr(&out),
        format!(
            "toolbench: evolver \"python3 {}\" for word_count@1.0.0: exited with status 1: no idea\n",
            script.display()
        )
    );
}

#[test]
fn evolve_uses_the_configured_evolver_when_none_is_given() {
    let ws = workspace();
    let root = ws.path();
    let evolver = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/evolvers/append_note.py");
    user_config(
        root,
        &format!(
            "[evolve]\ncommand = [\"python3\", {:?}]\n",
            evolver.display().to_string()
        ),
    );
    ok(
        root,
        &["evolve", "word_count", "--hint", "Count emoji as words"],
    );
    let folder = root.join("experimental/word_count-1.1.0");
    let text = std::fs::read_to_string(folder.join("tool.toml")).expect("manifest");
    assert!(text.contains("origin = \"ai\""), "{text}");
    let script = std::fs::read_to_string(folder.join("main.py")).expect("script");
    assert!(
        script.contains("# evolve: Count emoji as words"),
        "{script}"
    );
}

#[test]
fn an_evolver_that_writes_outside_the_tool_folder_is_refused() {
    let ws = workspace();
    let root = ws.path();
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = dir.path().join("evil.sh");
    std::fs::write(
        &evil,
        "cat >/dev/null\necho '{\"files\": {\"../../escape.txt\": \"gotcha\"}}'\n",
    )
    .expect("write");
    let command = format!("sh {}", evil.display());
    let err = refused(
        root,
        &["evolve", "slugify", "--hint", "escape", "--with", &command],
    );
    assert!(
        err.contains(
            "file path \"../../escape.txt\" is not a relative path inside the tool folder"
        ),
        "{err}"
    );
    assert!(!root.join("experimental/slugify-1.1.0").exists());
    assert!(!root.join("escape.txt").exists());
}

#[test]
fn review_json_lists_the_experimental_tools_with_the_contract_fields() {
    let ws = workspace();
    let root = ws.path();
    let queue: Vec<Value> = serde_json::from_str(&ok(root, &["review", "--json"])).expect("JSON");
    assert_eq!(queue.len(), 9, "{queue:?}");
    for item in &queue {
        assert_eq!(item["kind"], "tool", "{item}");
        let keys: Vec<&str> = item
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "arrived_at",
                "client",
                "content_hash",
                "kind",
                "name",
                "parent",
                "path",
                "verdict",
                "version"
            ],
            "{item}"
        );
        assert!(
            item["arrived_at"]
                .as_str()
                .unwrap_or_default()
                .ends_with('Z')
        );
    }
    let csv = queue
        .iter()
        .find(|q| q["name"] == "csv_to_json")
        .expect("csv candidate");
    assert_eq!(csv["version"], "1.3.0");
    assert_eq!(csv["parent"], "csv_to_json@1.2.0");
    assert_eq!(csv["verdict"], Value::Null);

    // A verdict from the validation pipeline shows up.
    let db = rusqlite::Connection::open(root.join(".toolbench/state.db")).expect("db");
    db.execute(
        "INSERT INTO review_queue (path, tool, version, content_hash, arrived_at, verdict)
         VALUES (?1, 'csv_to_json', '1.3.0', ?2, '2026-01-01T00:00:00.000Z', 'pass')",
        rusqlite::params![
            csv["path"].as_str().unwrap_or_default(),
            content_hash(root, "csv_to_json", "1.3.0")
        ],
    )
    .expect("insert");
    let queue: Vec<Value> = serde_json::from_str(&ok(root, &["review", "--json"])).expect("JSON");
    assert_eq!(queue[0]["name"], "csv_to_json", "oldest arrival first");
    assert_eq!(queue[0]["verdict"], "pass");
    assert_eq!(queue[0]["arrived_at"], "2026-01-01T00:00:00.000Z");
}

/// A candidate's arrival is what its files tell, before the validation pipeline saw it and
/// after: the time does not move to when a queue reached it.
#[test]
fn a_candidates_arrival_stays_what_it_was_once_it_is_validated() {
    let ws = workspace();
    let root = ws.path();
    let folder = root.join("experimental/csv_to_json-1.3.0");
    let touched = Command::new("touch")
        .args(["-d", "2026-01-02T03:04:05Z"])
        .arg(&folder)
        .status()
        .expect("touch");
    assert!(touched.success());
    let arrival = |root: &Path| -> Value {
        let queue: Vec<Value> =
            serde_json::from_str(&ok(root, &["review", "--json"])).expect("JSON");
        let csv = queue
            .iter()
            .find(|q| q["name"] == "csv_to_json")
            .expect("csv candidate");
        csv["arrived_at"].clone()
    };
    assert_eq!(arrival(root), "2026-01-02T03:04:05.000Z");
    ok(root, &["validate", "csv_to_json@1.3.0"]);
    assert_eq!(arrival(root), "2026-01-02T03:04:05.000Z", "once validated");
}

#[test]
fn history_json_has_the_contract_fields() {
    let ws = workspace();
    let root = ws.path();
    ok(root, &["archive", "slugify"]);
    let decisions = history(root, "slugify");
    assert_eq!(decisions.len(), 1);
    let keys: Vec<&str> = decisions[0]
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "action",
            "at",
            "from_hash",
            "from_tier",
            "from_version",
            "id",
            "reason",
            "to_hash",
            "to_tier",
            "to_version",
            "who"
        ]
    );
    assert!(ok(root, &["history", "slugify"]).contains("archive"));
    assert_eq!(
        ok(root, &["history", "nothing_here", "--json"]).trim(),
        "[]"
    );
}

/// Inserts one run of `tool` into the runs table, `days_ago` days back.
fn insert_run(root: &Path, tool: &str, days_ago: u64, status: &str) {
    let at = std::time::SystemTime::now() - std::time::Duration::from_secs(days_ago * 86_400);
    let at = toolbench::clock::rfc3339(at);
    let db = rusqlite::Connection::open(root.join(".toolbench/state.db")).expect("db");
    db.execute(
        "INSERT INTO runs (tool, version, tier, input, started_at, duration_ms, bytes_out, status,
         origin, sandbox) VALUES (?1, '1.0.0', 'approved', '{}', ?2, 30000, 0, ?3, 'cli', '')",
        rusqlite::params![tool, at, status],
    )
    .expect("insert run");
}

#[test]
fn gc_lists_and_archives_approved_tools_unused_for_n_days_never_core() {
    let ws = workspace();
    let root = ws.path();
    ok(root, &["review", "--json"]); // creates the store
    insert_run(root, "slugify", 90, "ok");
    insert_run(root, "http_status", 1, "ok");
    let dry = ok(root, &["gc", "--days-unused", "30", "--dry-run"]);
    assert!(
        dry.starts_with("would archive slugify@1.0.0: unused for 30 days (last run "),
        "{dry}"
    );
    assert_eq!(dry.lines().count(), 1, "{dry}");
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["approved"]);

    let done = ok(root, &["gc", "--days-unused", "30"]);
    assert!(
        done.starts_with("archived slugify@1.0.0 (approved → archived): gc: unused for 30 days"),
        "{done}"
    );
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["archived"]);
    assert_eq!(history(root, "slugify")[0]["action"], "archive");

    // Folders older than the cutoff that never ran are collected; core never is.
    let report: Value = serde_json::from_str(&ok(
        root,
        &["gc", "--days-unused", "0", "--dry-run", "--json"],
    ))
    .expect("JSON");
    let names: Vec<&str> = report["candidates"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"disk_usage"), "{names:?}");
    assert!(names.contains(&"http_status"), "{names:?}");
    assert!(!names.contains(&"word_count"), "{names:?}");
}

#[test]
fn gc_with_min_quality_collects_tools_that_keep_failing() {
    let ws = workspace();
    let root = ws.path();
    ok(root, &["review", "--json"]);
    for _ in 0..5 {
        insert_run(root, "http_status", 1, "failed");
    }
    insert_run(root, "slugify", 1, "ok");
    let dry = ok(
        root,
        &[
            "gc",
            "--days-unused",
            "365",
            "--min-quality",
            "0.3",
            "--dry-run",
        ],
    );
    assert!(
        dry.starts_with("would archive http_status@1.0.0: quality 0."),
        "{dry}"
    );
    assert!(dry.contains("is below 0.30"), "{dry}");
    assert!(!dry.contains("slugify"), "{dry}");
}

/// A tool that never ran has only the score every new tool starts with (0.40): gc does not
/// collect it for a quality floor above that, and says so instead of "nothing to collect".
#[test]
fn gc_names_the_tools_below_the_quality_floor_that_never_ran_and_keeps_them() {
    let ws = workspace();
    let root = ws.path();
    ok(root, &["review", "--json"]);
    for _ in 0..5 {
        insert_run(root, "http_status", 1, "failed");
    }
    let dry = ok(root, &["gc", "--min-quality", "0.5", "--dry-run"]);
    let lines: Vec<&str> = dry.lines().collect();
    assert!(
        lines[0].starts_with("would archive http_status@1.0.0: quality 0."),
        "{dry}"
    );
    let never_ran = lines
        .iter()
        .find(|l| l.contains("never ran"))
        .unwrap_or_else(|| panic!("no never-ran line: {dry}"));
    assert!(
        never_ran.contains(" tools below quality 0.50 never ran: not collected (")
            && never_ran.contains("slugify@1.0.0"),
        "{never_ran}"
    );
    assert!(!never_ran.contains("http_status"), "{never_ran}");

    let report: Value =
        serde_json::from_str(&ok(root, &["gc", "--min-quality", "0.5", "--json"])).expect("JSON");
    let names = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["name"].as_str())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(names("candidates"), ["http_status"], "{report}");
    assert!(
        names("never_ran").contains(&"slugify".to_string()),
        "{report}"
    );
    assert_eq!(
        report["never_ran"][0].as_object().map(|o| o.len()),
        Some(2),
        "{report}"
    );
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["approved"]);
    assert_eq!(tiers_of(root, "http_status", "1.0.0"), ["archived"]);

    // Collected for being unused, a tool is not also named as kept.
    let report: Value = serde_json::from_str(&ok(
        root,
        &[
            "gc",
            "--days-unused",
            "0",
            "--min-quality",
            "0.5",
            "--dry-run",
            "--json",
        ],
    ))
    .expect("JSON");
    assert_eq!(report["never_ran"], serde_json::json!([]), "{report}");

    let help = ok(root, &["gc", "--help"]);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("A tool that never ran (nor failed) has nothing to judge it by: it is named, not collected"),
        "{help}"
    );
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

fn git_workspace() -> tempfile::TempDir {
    let ws = workspace();
    let root = ws.path();
    append(
        &root.join("toolbench.toml"),
        "\n[git]\nauto_commit = true\n",
    );
    git(root, &["init", "-q"]);
    git(root, &["config", "user.name", "Test"]);
    git(root, &["config", "user.email", "test@example.com"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "sample"]);
    ws
}

#[test]
fn with_auto_commit_each_decision_becomes_a_commit_with_a_reviewed_by_trailer() {
    let ws = git_workspace();
    let root = ws.path();
    std::fs::write(
        root.join("unrelated.txt"),
        "staged but not part of the decision",
    )
    .expect("w");
    git(root, &["add", "unrelated.txt"]);
    validate(root, "csv_to_json@1.3.0");
    let line = ok(root, &["approve", "csv_to_json", "--reason", "works"]);
    assert!(line.contains("; committed "), "{line}");
    let message = git(root, &["log", "-1", "--format=%B"]);
    assert_eq!(
        message.trim(),
        "approve csv_to_json@1.3.0: works\n\nReviewed-by: ana"
    );
    let files = git(root, &["show", "--name-status", "--format=", "HEAD"]);
    assert!(files.contains("approved/csv_to_json/tool.toml"), "{files}");
    assert!(files.contains("archived/csv_to_json/tool.toml"), "{files}");
    assert!(
        !files.contains("unrelated.txt"),
        "only the decision's paths: {files}"
    );
    let status = git(
        root,
        &[
            "status",
            "--porcelain",
            "--",
            "approved",
            "archived",
            "experimental",
        ],
    );
    assert_eq!(status, "", "{status}");
}

#[test]
fn a_failing_git_commit_is_a_warning_and_the_decision_stands() {
    let ws = git_workspace();
    let root = ws.path();
    // Another git holds the index: toolbench's git cannot stage the decision.
    std::fs::write(root.join(".git/index.lock"), "").expect("lock");
    let out = toolbench(root, &["promote", "slugify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "promoted slugify@1.0.0 (approved → core)\n");
    assert!(
        stderr(&out).contains("warning: git add failed, the decision stands uncommitted: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(tiers_of(root, "slugify", "1.0.0"), ["core"]);
}

/// Every command that names a tool reads `NAME[@VERSION]` the same way: an unknown version
/// names the known ones, a malformed spec is one line saying what is wrong, and nothing moves.
#[test]
fn every_command_reads_a_tool_spec_the_same_way() {
    let ws = workspace();
    let root = ws.path();
    let before = listed(root);
    let commands: [&[&str]; 12] = [
        &["approve"],
        &["reject", "--reason", "r"],
        &["request-changes", "--feedback", "f"],
        &["promote"],
        &["archive"],
        &["restore"],
        &["rollback"],
        &["evolve", "--hint", "h"],
        &["show"],
        &["run", "--yes"],
        &["history"],
        &["undo"],
    ];
    for command in commands {
        let with = |spec: &'static str| -> Vec<&'static str> {
            let mut args = vec![command[0], spec];
            args.extend(&command[1..]);
            args
        };
        for (spec, wanted) in [
            (
                "csv_to_json@",
                "toolbench: \"csv_to_json@\": empty version; expected NAME or NAME@VERSION",
            ),
            (
                "@1.2.0",
                "toolbench: \"@1.2.0\": empty name; expected NAME or NAME@VERSION",
            ),
            (
                "Csv_To_Json",
                "toolbench: \"Csv_To_Json\" is not a valid tool name",
            ),
            (
                "csv_to_json@1.2",
                "toolbench: \"csv_to_json@1.2\": version \"1.2\" is not semver",
            ),
        ] {
            let err = refused(root, &with(spec));
            assert!(err.starts_with(wanted), "{command:?} {spec}: {err}");
        }
        let err = refused(root, &with("csv_to_json@9.9.9"));
        assert!(
            err.ends_with("tool \"csv_to_json\" has no version 9.9.9 (known: 1.2.0, 1.3.0)"),
            "{command:?}: {err}"
        );
    }
    assert_eq!(listed(root), before, "nothing moved");
}

/// A name of thousands of characters is named once, by its start and its length.
#[test]
fn a_very_long_bad_name_is_echoed_once_and_short() {
    let ws = workspace();
    let long = "A".repeat(5000);
    let err = refused(ws.path(), &["reject", &long, "--reason", "r"]);
    assert_eq!(
        err,
        format!(
            "toolbench: \"{}…\" (5000 characters) is not a valid tool name (lowercase letters, \
             digits, `_` and `-`, starting with a letter or digit, at most 64 characters); \
             expected NAME or NAME@VERSION",
            "A".repeat(32)
        )
    );
}

#[test]
fn every_command_that_takes_a_hash_is_described_by_its_own_words() {
    let ws = tempfile::tempdir().expect("tempdir");
    let commands = [
        "run",
        "approve",
        "reject",
        "request-changes",
        "add-case",
        "promote",
        "archive",
        "restore",
        "rollback",
        "evolve",
        "resubmit",
        "undo",
    ];
    for command in commands {
        let out = toolbench(ws.path(), &[command, "--help"]);
        let text = stdout(&out);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            out.status.success() && !first.is_empty() && !first.contains("--hash"),
            "{command} --help begins: {first:?}"
        );
    }
}

/// `approve --help` says what approve takes: a candidate, and an active tool's changed
/// content, which it approves where it is, as it does.
/// `review --help` names everything the queue lists, not only the candidates.
#[test]
fn review_help_names_all_that_waits() {
    let ws = workspace();
    let out = toolbench(ws.path(), &["review", "--help"]);
    let help = stdout(&out);
    assert!(out.status.success(), "{help}");
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.starts_with(
            "What waits for a person: active tools that will not run as they are, tool \
             requests, and the candidates in experimental/"
        ),
        "{help}"
    );
}

#[test]
fn approve_help_names_an_active_tool_approved_where_it_is() {
    let ws = workspace();
    let root = ws.path();
    let out = toolbench(root, &["approve", "--help"]);
    let help = stdout(&out);
    assert!(out.status.success(), "{help}");
    let first = help.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "Approve a candidate (experimental → approved), or an active tool's changed content \
         where it is"
    );
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "NAME or NAME@VERSION of a candidate in experimental/, else of an active tool \
             (core/ or approved/) whose content is not what was approved"
        ),
        "{help}"
    );

    append(&root.join("approved/slugify/main.py"), "# changed\n");
    ok(root, &["validate", "slugify"]);
    ok(root, &["approve", "slugify", "--accept-failures"]);
    let slugify: Vec<Value> = listed(root)
        .into_iter()
        .filter(|t| t["name"] == "slugify")
        .collect();
    assert_eq!(slugify.len(), 1, "{slugify:?}");
    assert_eq!(slugify[0]["tier"], "approved");
    assert!(slugify[0]["drift"].is_null(), "{slugify:?}");
}

/// An active tool changed where it is to reach a host: its validation weighs its permissions
/// against what a person approved of it, as approving it there does, not against nothing.
#[test]
fn validating_an_active_tool_changed_in_place_flags_what_it_newly_asks_for() {
    let ws = workspace();
    let root = ws.path();
    append(
        &root.join("approved/slugify/tool.toml"),
        "\n[permissions]\nnetwork = [\"evil.example:443\"]\n",
    );
    let out = toolbench(root, &["validate", "slugify", "--json"]);
    let report: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let permissions = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == "permissions"))
        .expect("permissions check");
    assert_eq!(permissions["status"], "fail", "{report}");
    assert_eq!(
        permissions["message"],
        "permission-escalation: asks for what the active slugify@1.0.0 was not granted: \
         network: evil.example:443"
    );
    assert_eq!(report["permissions"]["parent"], "slugify@1.0.0");
}

/// `verify` with an active tool that would be refused ends with one error line, as every
/// command does.
#[test]
fn verify_of_a_tool_that_would_be_refused_says_so_in_one_line() {
    let ws = workspace();
    let root = ws.path();
    append(&root.join("approved/slugify/main.py"), "# changed\n");
    let out = toolbench(root, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("toolbench: 1 active tool(s) would be refused"),
        "{err}"
    );
}

/// The evolver a workspace's `toolbench.toml` names (agents write that file), with the
/// variables it asks toolbench to pass, never runs: the evolve is refused before anything
/// starts, no candidate is made and the secret is nowhere in the workspace. The same evolver as
/// the person's own choice (the user config) runs and gets the variable: the refusal, not a
/// broken evolver, is what stopped it.
#[test]
fn an_evolver_the_workspace_file_names_never_runs() {
    const EVOLVER: &str = "import json, os, sys\n\
        req = json.load(sys.stdin)\n\
        main = req['tool']['files']['main.py']\n\
        print(json.dumps({'files': {'main.py': main + '\\n# ' + os.environ.get('TB_SECRET', 'none') + '\\n'}}))\n";
    let ws = workspace();
    let root = ws.path();
    let secret = "a-secret-of-toolbenchs-environment";
    let evolver = root.join("agent/ev.py");
    std::fs::create_dir_all(root.join("agent")).expect("agent folder");
    std::fs::write(&evolver, EVOLVER).expect("evolver");
    let settings = format!(
        "[evolve]\ncommand = [\"python3\", {:?}]\npass_env = [\"TB_SECRET\"]\n",
        evolver.display().to_string()
    );
    let candidates = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join("experimental"))
            .expect("experimental")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = candidates();
    let sample_settings = std::fs::read_to_string(root.join("toolbench.toml")).expect("settings");
    append(&root.join("toolbench.toml"), &format!("\n{settings}"));
    let config = tempfile::tempdir().expect("config");
    let evolve = || {
        toolbench_command(
            root,
            config.path(),
            &["evolve", "word_count", "--hint", "h"],
        )
        .env("TB_SECRET", secret)
        .output()
        .expect("evolve")
    };
    let out = evolve();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // `[evolve]` follows the sample's lines and the blank line before it.
    let line = sample_settings.lines().count() + 2;
    assert!(
        stderr(&out).contains(&format!(
            "toolbench.toml:{line}: field `evolve`: a workspace file cannot"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(candidates(), before, "no candidate was made");

    // The person's own choice: the same evolver runs and gets the variable.
    std::fs::write(root.join("toolbench.toml"), &sample_settings).expect("settings");
    std::fs::write(config.path().join("config.toml"), &settings).expect("user config");
    let out = evolve();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let evolved = std::fs::read_to_string(root.join("experimental/word_count-1.1.0/main.py"))
        .expect("the evolved candidate");
    assert!(evolved.contains(secret), "{evolved}");
}

/// A tool put in `approved/` by hand was never approved: its resubmission says so, and is not
/// told, nor recorded, as changed after an approval.
#[test]
fn a_tool_never_approved_is_resubmitted_as_such_not_as_changed() {
    let ws = workspace();
    let root = ws.path();
    write_tool(
        root,
        "approved",
        "handmade",
        "name = \"handmade\"\nversion = \"1.0.0\"\ndescription = \"made by hand\"\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n",
    );
    let said = ok(root, &["resubmit", "handmade"]);
    assert!(
        said.starts_with("resubmitted handmade@1.0.0 for review as handmade@1.1.0")
            && said.contains("never approved here, it left approved/"),
        "{said}"
    );
    let manifest = std::fs::read_to_string(root.join("experimental/handmade-1.1.0/tool.toml"))
        .expect("the candidate");
    assert!(
        manifest.contains("active here without an approval; sent to review"),
        "{manifest}"
    );
    let history = ok(root, &["history", "handmade"]);
    assert!(!history.contains("after its approval"), "{history}");
}

/// A version superseded that was never indexed (accepted with the workspace) is kept as
/// activated when it was accepted, its seal's time, not when its files were last written.
#[test]
fn a_superseded_version_is_kept_as_activated_when_it_was_accepted() {
    let ws = workspace();
    let root = ws.path();
    let seal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(".toolbench/seals/csv_to_json.json")).expect("seal"),
    )
    .expect("JSON");
    let accepted = seal["at"].as_str().expect("at").to_string();
    approve(root, "csv_to_json@1.3.0");
    let history = ok(root, &["history", "csv_to_json"]);
    let kept = history
        .lines()
        .find(|l| l.trim_start().starts_with("1.2.0 "))
        .unwrap_or_else(|| panic!("1.2.0 kept: {history}"));
    assert!(kept.contains(&format!("activated {accepted}")), "{kept}");
}
