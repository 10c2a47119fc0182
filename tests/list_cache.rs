//! `toolbench list` stats a tool folder along the shape a listing last met (each of its
//! folders' own metadata, the names in them) instead of listing it, as git's untracked cache
//! does (issue 64). Whatever changed on disk must show exactly as a cold scan (no index, no
//! shapes) shows it, however the change tried to hide: the same size, the mtime set back, a
//! folder swapped for another with the same mtime. Seals likewise: a listing takes a seal from
//! those the last one kept only while its file is as it was read, and never believes a seal
//! forged in the file or in the store.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;
use serde_json::Value;

fn manifest(name: &str, description: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"{description}\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n"
    )
}

/// A tool with a subfolder and a symlink: `tool.toml`, `run.sh`, `tests/a.toml`, `link`.
fn tool(root: &Path, tier: &str, name: &str) {
    let folder = write_tool(root, tier, name, &manifest(name, "aaaa"));
    std::fs::create_dir_all(folder.join("tests")).expect("mkdir");
    std::fs::write(folder.join("tests/a.toml"), "a = 1\n").expect("test");
    std::os::unix::fs::symlink("run.sh", folder.join("link")).expect("symlink");
}

/// Sets the mtime of `path` (a file or a folder, not followed when a symlink is left out).
fn set_mtime(path: &Path, when: SystemTime) {
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(when))
        .expect("set mtime");
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// Waits until every ctime in the workspace is 3 s old: only then does a listing keep a
/// file's fingerprint (and a seal file's seal), and no ctime can be set back.
fn settle() {
    std::thread::sleep(Duration::from_millis(3200));
}

/// A workspace of four tools whose shapes the index holds, settled.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    tool(root, "approved", "alpha");
    tool(root, "experimental", "beta");
    tool(root, "experimental", "gamma");
    tool(root, "archived", "delta");
    let out = toolbench(root, &["accept"]);
    assert!(out.status.success(), "accept: {}", stderr(&out));
    settle();
    // The first listing finds no index (a cold scan keeps no shapes); the second keeps them.
    listed(root);
    listed(root);
    assert_eq!(shapes_kept(root), 4);
    ws
}

fn listed(root: &Path) -> String {
    let out = toolbench(root, &["list", "--json"]);
    assert!(out.status.success(), "list: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing on stderr");
    stdout(&out)
}

/// `list --json` from nothing cached: the index and the shapes dropped first. One more
/// listing then keeps the shapes again, for the next change to be found along them.
fn cold(root: &Path) -> String {
    drop_cache(root);
    let cold = listed(root);
    listed(root);
    cold
}

/// Nothing cached for a listing: the index, the folders' shapes and the kept seals dropped.
fn drop_cache(root: &Path) {
    let db = root.join(".toolbench/state.db");
    rusqlite::Connection::open(db)
        .expect("state")
        .execute_batch(
            "DELETE FROM catalog_index; DELETE FROM catalog_folders; DELETE FROM catalog_seals;",
        )
        .expect("dropped");
}

/// The table `list` prints, byte for byte.
fn table(root: &Path) -> String {
    let out = toolbench(root, &["list"]);
    assert!(out.status.success(), "list: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing on stderr");
    stdout(&out)
}

/// The listing with the cache, checked against a cold one, as JSON and as the table: the
/// first listing after a change (which meets what changed) prints the table, the next the
/// JSON; the tools, by name.
fn as_cold(root: &Path) -> Vec<Value> {
    let warm_table = table(root);
    let warm = listed(root);
    assert_eq!(
        warm,
        cold(root),
        "the cached listing differs from a cold scan"
    );
    assert_eq!(table(root), warm_table, "the table, warm again");
    cold(root);
    drop_cache(root);
    let cold_table = table(root);
    assert_eq!(
        warm_table, cold_table,
        "the cached table differs from a cold scan's"
    );
    listed(root);
    serde_json::from_str(&warm).expect("JSON")
}

fn tool_named<'a>(tools: &'a [Value], name: &str) -> Option<&'a Value> {
    tools.iter().find(|t| t["name"] == name)
}

fn shapes_kept(root: &Path) -> i64 {
    rusqlite::Connection::open(root.join(".toolbench/state.db"))
        .expect("state")
        .query_row("SELECT COUNT(*) FROM catalog_folders", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn an_unchanged_workspace_lists_as_a_cold_scan_and_keeps_a_shape_per_tool() {
    let ws = workspace();
    assert_eq!(shapes_kept(ws.path()), 4);
    let tools = as_cold(ws.path());
    assert_eq!(tools.len(), 4);
    assert_eq!(shapes_kept(ws.path()), 4);
}

#[test]
fn a_tool_added_removed_or_renamed_shows() {
    let ws = workspace();
    let root = ws.path();
    tool(root, "experimental", "epsilon");
    std::fs::remove_dir_all(root.join("experimental/gamma")).expect("rm");
    std::fs::rename(root.join("archived/delta"), root.join("archived/delta2")).expect("mv");
    let tools = as_cold(root);
    assert!(tool_named(&tools, "epsilon").is_some());
    assert!(tool_named(&tools, "gamma").is_none());
    let delta = tool_named(&tools, "delta").expect("delta");
    assert!(
        delta["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("delta2"))
    );
    // Gone: gamma and the old delta; kept: alpha and beta. delta2 (a rename gives the folder
    // a new ctime) and epsilon, added just now, have not settled and have none yet.
    assert_eq!(
        shapes_kept(root),
        2,
        "the shapes of folders gone are forgotten"
    );
}

#[test]
fn a_manifest_edited_in_place_with_the_same_size_and_mtime_shows() {
    let ws = workspace();
    let root = ws.path();
    let file = root.join("approved/alpha/tool.toml");
    let before = mtime(&file);
    std::fs::write(&file, manifest("alpha", "bbbb")).expect("edit in place");
    set_mtime(&file, before);
    let tools = as_cold(root);
    assert_eq!(
        tool_named(&tools, "alpha").expect("alpha")["description"],
        "bbbb"
    );
}

#[test]
fn a_file_added_to_a_tool_folder_or_its_subfolder_shows() {
    let ws = workspace();
    let root = ws.path();
    let hash = |tools: &[Value], name: &str| {
        tool_named(tools, name).expect("tool")["content_hash"].clone()
    };
    let before = as_cold(root);
    std::fs::write(root.join("experimental/beta/extra.txt"), "x").expect("add");
    // Only the subfolder changes: the tool folder keeps its mtime.
    let folder = root.join("experimental/gamma");
    let folder_mtime = mtime(&folder);
    std::fs::write(folder.join("tests/b.toml"), "b = 2\n").expect("add in tests/");
    assert_eq!(mtime(&folder), folder_mtime);
    let after = as_cold(root);
    assert_ne!(hash(&before, "beta"), hash(&after, "beta"));
    assert_ne!(hash(&before, "gamma"), hash(&after, "gamma"));
    assert_eq!(hash(&before, "alpha"), hash(&after, "alpha"));
}

#[test]
fn a_symlink_swapped_behind_a_folder_mtime_set_back_shows() {
    let ws = workspace();
    let root = ws.path();
    let before = as_cold(root);
    let folder = root.join("approved/alpha");
    let folder_mtime = mtime(&folder);
    std::fs::remove_file(folder.join("link")).expect("rm");
    // A target of the same length.
    std::os::unix::fs::symlink("run.zz", folder.join("link")).expect("swap");
    set_mtime(&folder, folder_mtime);
    let after = as_cold(root);
    assert_ne!(
        tool_named(&before, "alpha").expect("alpha")["content_hash"],
        tool_named(&after, "alpha").expect("alpha")["content_hash"]
    );
}

/// Another folder put in a tool's place, with the old one's mtime, and the tier folder's
/// mtime set back as well: only its inode tells.
#[test]
fn a_folder_replaced_by_another_with_the_same_mtime_shows() {
    let ws = workspace();
    let root = ws.path();
    let folder = root.join("experimental/beta");
    let (folder_mtime, tier_mtime) = (mtime(&folder), mtime(&root.join("experimental")));
    let other = root.join("experimental/.beta-new");
    std::fs::create_dir_all(other.join("tests")).expect("mkdir");
    std::fs::write(other.join("tool.toml"), manifest("beta", "cccc")).expect("manifest");
    std::fs::write(other.join("run.sh"), "echo '{}'\n").expect("script");
    std::fs::write(other.join("tests/a.toml"), "a = 1\n").expect("test");
    std::os::unix::fs::symlink("run.sh", other.join("link")).expect("symlink");
    set_mtime(&other.join("tests"), mtime(&folder.join("tests")));
    set_mtime(&other, folder_mtime);
    std::fs::remove_dir_all(&folder).expect("rm");
    std::fs::rename(&other, &folder).expect("mv");
    set_mtime(&root.join("experimental"), tier_mtime);
    assert_eq!(mtime(&folder), folder_mtime);
    let tools = as_cold(root);
    assert_eq!(
        tool_named(&tools, "beta").expect("beta")["description"],
        "cccc"
    );
}

#[test]
fn a_tool_folder_replaced_by_a_file_leaves_the_listing() {
    let ws = workspace();
    let root = ws.path();
    std::fs::remove_dir_all(root.join("approved/alpha")).expect("rm");
    std::fs::write(root.join("approved/alpha"), "not a tool\n").expect("file");
    let tools = as_cold(root);
    assert!(tool_named(&tools, "alpha").is_none());
    assert_eq!(tools.len(), 3);
}

/// A folder that cannot be read is one line of the listing, whichever way it was found; the
/// other tools list as before.
#[test]
fn a_folder_that_cannot_be_read_is_one_line_and_no_tool_is_lost() {
    use std::os::unix::fs::PermissionsExt;
    let ws = workspace();
    let root = ws.path();
    let tests = root.join("experimental/gamma/tests");
    std::fs::set_permissions(&tests, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let tools = as_cold(root);
    assert_eq!(tools.len(), 4);
    let error = tool_named(&tools, "gamma")
        .map(|t| t["error"].clone())
        .or_else(|| {
            tools
                .iter()
                .find(|t| t["path"].as_str().is_some_and(|p| p.ends_with("gamma")))
                .map(|t| t["error"].clone())
        })
        .expect("gamma listed");
    assert!(
        error
            .as_str()
            .is_some_and(|e| e.contains("cannot read this folder")),
        "{error}"
    );
    let out = toolbench(root, &["list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(
        text.lines().filter(|l| l.contains("BROKEN")).count(),
        1,
        "{text}"
    );
    assert_eq!(text.lines().count(), 5, "a header and four tools: {text}");
    std::fs::set_permissions(&tests, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The agent that wants unreviewed code to run swaps an approved tool's script in place behind
/// a warm listing (the same size, its own and its folder's mtime set back): the cached listing
/// shows what a cold scan shows, and the run refuses the swapped content, so its words never
/// reach the host's output and no run of it is recorded.
#[test]
fn an_approved_script_swapped_behind_a_warm_listing_never_runs() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    tool(root, "approved", "alpha");
    let script = root.join("approved/alpha/run.sh");
    std::fs::write(&script, "echo ORIGINAL-ONE\n").expect("script");
    let out = toolbench(root, &["accept"]);
    assert!(out.status.success(), "accept: {}", stderr(&out));
    settle();
    listed(root);
    listed(root);
    assert_eq!(shapes_kept(root), 1);
    // The approved content runs: the setup is real.
    let first = toolbench(root, &["run", "alpha"]);
    assert!(first.status.success(), "run: {}", stderr(&first));
    assert!(
        stdout(&first).contains("ORIGINAL-ONE"),
        "{}",
        stdout(&first)
    );
    assert_eq!(runs_of(root, "alpha").len(), 1);

    let (script_time, folder_time) = (mtime(&script), mtime(&root.join("approved/alpha")));
    std::fs::write(&script, "echo SWAPPED--TWO\n").expect("swap");
    set_mtime(&script, script_time);
    set_mtime(&root.join("approved/alpha"), folder_time);
    assert!(tool_named(&as_cold(root), "alpha").is_some());

    refused_unrecorded(root, "alpha", "SWAPPED--TWO");
}

/// `run TOOL` is refused, `words` reach neither of the host's outputs, and the one run
/// recorded before is still the only one.
fn refused_unrecorded(root: &Path, tool: &str, words: &str) {
    let out = toolbench(root, &["run", tool]);
    assert!(!out.status.success(), "the changed content ran");
    assert!(
        !stdout(&out).contains(words) && !stderr(&out).contains(words),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        runs_of(root, tool).len(),
        1,
        "no run of the change recorded"
    );
}

/// The agent that wants unreviewed code to run adds a file to a subfolder of an approved tool
/// behind a warm listing that takes the tool's row and stats along its shape, and sets every
/// mtime back: the listing shows the new content as a cold scan does, and the run refuses
/// it, so the added code's words never reach the host's output and no run of it is recorded.
#[test]
fn a_file_added_to_an_approved_tool_behind_a_warm_listing_never_runs() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    tool(root, "approved", "alpha");
    let folder = root.join("approved/alpha");
    std::fs::create_dir_all(folder.join("lib")).expect("mkdir");
    std::fs::write(folder.join("lib/a.sh"), "echo ORIGINAL-LIB\n").expect("lib");
    std::fs::write(
        folder.join("run.sh"),
        "for f in \"$(dirname \"$0\")\"/lib/*.sh; do . \"$f\"; done\n",
    )
    .expect("script");
    let out = toolbench(root, &["accept"]);
    assert!(out.status.success(), "accept: {}", stderr(&out));
    settle();
    listed(root);
    listed(root);
    // The listing takes the row and stats along the shape: the attack aims at both.
    mark_row(root, "approved/alpha", "description", "KEPT ROW");
    let warm: Vec<Value> = serde_json::from_str(&listed(root)).expect("JSON");
    let approved_hash = tool_named(&warm, "alpha").expect("alpha")["content_hash"].clone();
    assert_eq!(
        tool_named(&warm, "alpha").expect("alpha")["description"],
        "KEPT ROW"
    );
    assert_eq!(shapes_kept(root), 1);
    let first = toolbench(root, &["run", "alpha"]);
    assert!(
        first.status.success() && stdout(&first).contains("ORIGINAL-LIB"),
        "the approved content runs: {}",
        stderr(&first)
    );
    assert_eq!(runs_of(root, "alpha").len(), 1);

    let (lib_time, folder_time) = (mtime(&folder.join("lib")), mtime(&folder));
    std::fs::write(folder.join("lib/b.sh"), "echo SMUGGLED-LIB\n").expect("add");
    set_mtime(&folder.join("lib/b.sh"), lib_time);
    set_mtime(&folder.join("lib"), lib_time);
    set_mtime(&folder, folder_time);
    let tools = as_cold(root);
    let alpha = tool_named(&tools, "alpha").expect("alpha");
    assert_ne!(alpha["content_hash"], approved_hash, "the added file shows");
    // Run as it stands, the script would say the added file's words: the attack is real.
    let bare = std::process::Command::new("sh")
        .arg(folder.join("run.sh"))
        .output()
        .expect("sh");
    assert!(String::from_utf8_lossy(&bare.stdout).contains("SMUGGLED-LIB"));

    refused_unrecorded(root, "alpha", "SMUGGLED-LIB");
}

/// Writes `text` into one column of the index's row of the tool at `relative`: what a listing
/// shows of that tool then tells whether it took the row or read the tool.
fn mark_row(root: &Path, relative: &str, column: &str, text: &str) {
    let changed = rusqlite::Connection::open(root.join(".toolbench/state.db"))
        .expect("state")
        .execute(
            &format!("UPDATE catalog_index SET {column} = ?1 WHERE path = ?2"),
            [text, &root.join(relative).to_string_lossy()],
        )
        .expect("marked");
    assert_eq!(changed, 1, "{relative} has a row");
}

/// A broken tool and a bare script are kept in the index with their files' fingerprint, as a
/// whole tool is, so a warm listing takes their rows instead of reading them; whatever then
/// changes in them (in place, the same size, the mtime set back) shows as a cold scan shows it.
#[test]
fn a_broken_tool_and_a_bare_script_keep_their_rows_until_their_files_change() {
    let ws = workspace();
    let root = ws.path();
    let broken = root.join("experimental/broken/tool.toml");
    std::fs::create_dir_all(broken.parent().expect("folder")).expect("mkdir");
    let manifest = |table: &str| {
        format!(
            "name = \"broken\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[{table}]\ncommand = [\"sh\"]\n"
        )
    };
    std::fs::write(&broken, manifest("ran")).expect("manifest");
    let script = root.join("experimental/hello.py");
    std::fs::write(&script, "#!/usr/bin/env python3\n# Say aaaa.\nprint(1)\n").expect("script");
    settle();
    listed(root);
    listed(root);
    let tools = as_cold(root);
    let error = &tool_named(&tools, "broken").expect("broken")["error"];
    assert!(error.as_str().is_some_and(|e| e.contains("run")), "{error}");
    assert_eq!(
        tool_named(&tools, "hello").expect("hello")["description"],
        "Say aaaa."
    );
    // Their rows are taken as the index holds them, not read again.
    mark_row(root, "experimental/broken", "error", "KEPT ROW");
    mark_row(root, "experimental/hello.py", "description", "KEPT ROW");
    let tools: Vec<Value> = serde_json::from_str(&listed(root)).expect("JSON");
    assert_eq!(
        tool_named(&tools, "broken").expect("broken")["error"],
        "KEPT ROW"
    );
    assert_eq!(
        tool_named(&tools, "hello").expect("hello")["description"],
        "KEPT ROW"
    );

    // Both rewritten in place with the same size and their mtimes set back: the broken tool
    // is mended, the script says something else.
    let (broken_time, script_time) = (mtime(&broken), mtime(&script));
    std::fs::write(&broken, manifest("run")).expect("mend");
    std::fs::write(&script, "#!/usr/bin/env python3\n# Say bbbb.\nprint(1)\n").expect("edit");
    set_mtime(&broken, broken_time);
    set_mtime(&script, script_time);
    let tools = as_cold(root);
    let mended = tool_named(&tools, "broken").expect("broken");
    assert!(mended["error"].is_null(), "{mended}");
    assert_eq!(
        tool_named(&tools, "hello").expect("hello")["description"],
        "Say bbbb."
    );
}

/// The agent that wants unreviewed code approved swaps a validated bare script in place behind
/// a warm listing that takes its row from the index (the same size, the mtime set back): the
/// listing shows the new content, as a cold scan does, and approving it is refused, so nothing
/// of it lands in `approved/` and no seal names it.
#[test]
fn a_bare_script_swapped_behind_a_warm_listing_is_never_approved() {
    let ws = workspace();
    let root = ws.path();
    let script = root.join("experimental/hello.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n# Say hello.\necho '{\"said\": \"ORIGINAL\"}'\n",
    )
    .expect("script");
    validate(root, "hello");
    settle();
    listed(root);
    listed(root);
    // The listing takes the script's row as the index holds it: the attack aims at that.
    mark_row(root, "experimental/hello.sh", "description", "KEPT ROW");
    let warm: Vec<Value> = serde_json::from_str(&listed(root)).expect("JSON");
    let hello = tool_named(&warm, "hello").expect("hello");
    assert_eq!(hello["description"], "KEPT ROW");
    let validated_hash = hello["content_hash"].clone();

    let (size, when) = (
        std::fs::metadata(&script).expect("meta").len(),
        mtime(&script),
    );
    std::fs::write(
        &script,
        "#!/bin/sh\n# Say hello.\necho '{\"said\": \"SWAPPED!\"}'\n",
    )
    .expect("swap");
    set_mtime(&script, when);
    assert_eq!(std::fs::metadata(&script).expect("meta").len(), size);
    assert_eq!(mtime(&script), when);
    let tools = as_cold(root);
    let hello = tool_named(&tools, "hello").expect("hello");
    assert_ne!(hello["content_hash"], validated_hash, "the swap shows");

    let out = toolbench(root, &["approve", "hello"]);
    assert!(!out.status.success(), "the swapped script was approved");
    assert!(
        stderr(&out).contains("changed since validation"),
        "refused for the swap, not another reason: {}",
        stderr(&out)
    );
    assert!(!root.join("approved/hello").exists(), "nothing landed");
    assert!(
        !root.join(".toolbench/seals/hello.json").exists(),
        "no seal"
    );
    let left = std::fs::read_to_string(&script).expect("script");
    assert!(
        left.contains("SWAPPED!"),
        "the candidate stays where it was"
    );
}

/// The seals the last listing kept, as stored (empty: none).
fn seals_kept(root: &Path) -> Vec<u8> {
    rusqlite::Connection::open(root.join(".toolbench/state.db"))
        .expect("state")
        .query_row("SELECT seals FROM catalog_seals", [], |r| r.get(0))
        .unwrap_or_default()
}

fn keep_seals(root: &Path, seals: &[u8]) {
    rusqlite::Connection::open(root.join(".toolbench/state.db"))
        .expect("state")
        .execute("UPDATE catalog_seals SET seals = ?1", [seals])
        .expect("written");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One approved tool, accepted, listed warm: its seal is kept and shown as approved.
fn sealed_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    tool(root, "approved", "alpha");
    let out = toolbench(root, &["accept"]);
    assert!(out.status.success(), "accept: {}", stderr(&out));
    settle();
    // The first listing keeps no seals, the second keeps them, the third takes them.
    listed(root);
    listed(root);
    let warm: Vec<Value> = serde_json::from_str(&listed(root)).expect("JSON");
    let alpha = tool_named(&warm, "alpha").expect("alpha");
    assert!(alpha["drift"].is_null(), "approved: {alpha}");
    assert!(contains(&seals_kept(root), b"alpha"), "the seal is kept");
    ws
}

fn drift_of(tools: &[Value], name: &str) -> Value {
    tool_named(tools, name).expect("tool")["drift"].clone()
}

/// The agent that wants unreviewed code to pass for approved rewrites the seal file in place
/// behind a warm listing (the same size and inode, its mtime set back), here with a tag it
/// cannot make: the listing reads it again and believes it no more than a cold one does.
#[test]
fn a_seal_forged_in_place_behind_a_warm_listing_is_not_believed() {
    let ws = sealed_workspace();
    let root = ws.path();
    let seal = root.join(".toolbench/seals/alpha.json");
    let before = mtime(&seal);
    let text = std::fs::read_to_string(&seal).expect("seal");
    let at = text.find("\"tag\": \"").expect("tagged") + 8;
    let flipped = if text.as_bytes()[at] == b'0' {
        "1"
    } else {
        "0"
    };
    let forged = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
    assert_eq!(forged.len(), text.len());
    std::fs::write(&seal, forged).expect("forge in place");
    set_mtime(&seal, before);
    let tools = as_cold(root);
    assert_eq!(drift_of(&tools, "alpha")["state"], "unapproved");
}

/// The same agent, writing the store instead: the kept seal of a tool whose script it swapped
/// now names the swapped content. The kept seals no longer carry their tag, so none is
/// believed, and every seal is read.
#[test]
fn kept_seals_forged_in_the_store_are_not_believed() {
    let ws = sealed_workspace();
    let root = ws.path();
    let hash = |tools: &[Value]| -> String {
        tool_named(tools, "alpha").expect("alpha")["content_hash"]
            .as_str()
            .expect("hash")
            .to_string()
    };
    let approved = hash(&serde_json::from_str::<Vec<Value>>(&listed(root)).expect("JSON"));
    let script = root.join("approved/alpha/run.sh");
    let (script_time, folder_time) = (mtime(&script), mtime(&root.join("approved/alpha")));
    let text = std::fs::read_to_string(&script).expect("script");
    std::fs::write(&script, text.to_uppercase()).expect("swap");
    set_mtime(&script, script_time);
    set_mtime(&root.join("approved/alpha"), folder_time);
    let swapped = hash(&as_cold(root));
    assert_ne!(approved, swapped);
    let kept = seals_kept(root);
    let at = kept
        .windows(approved.len())
        .position(|w| w == approved.as_bytes())
        .expect("the approved hash is kept");
    let mut forged = kept.clone();
    forged[at..at + swapped.len()].copy_from_slice(swapped.as_bytes());
    keep_seals(root, &forged);
    let tools = as_cold(root);
    assert_eq!(drift_of(&tools, "alpha")["state"], "modified");
}

/// Kept seals that do not read as such (damaged, cut, another layout) are read as none: the
/// listing reads every seal, as a cold one does, and the next keeps them anew.
#[test]
fn kept_seals_damaged_are_read_as_none() {
    let ws = sealed_workspace();
    let root = ws.path();
    let kept = seals_kept(root);
    for damaged in [&kept[..kept.len() / 2], b"", &[0xff; 300][..]] {
        keep_seals(root, damaged);
        let warm: Vec<Value> = serde_json::from_str(&listed(root)).expect("JSON");
        assert!(drift_of(&warm, "alpha").is_null(), "still approved");
        listed(root);
        assert_eq!(seals_kept(root), kept, "kept anew");
    }
    assert!(drift_of(&as_cold(root), "alpha").is_null());
}

/// A seal taken away behind a warm listing leaves its tool not approved, as a cold listing
/// shows it, and leaves the kept seals.
#[test]
fn a_seal_removed_behind_a_warm_listing_shows() {
    let ws = sealed_workspace();
    let root = ws.path();
    std::fs::remove_file(root.join(".toolbench/seals/alpha.json")).expect("rm");
    let tools = as_cold(root);
    assert_eq!(drift_of(&tools, "alpha")["state"], "unapproved");
    assert!(!contains(&seals_kept(root), b"alpha"));
}

/// Hostile: the index keeps a tool's keywords, capabilities and warnings each as one column,
/// their items joined by U+001F. A manifest whose list item or unknown field name holds that
/// separator must never come back from the index as two items: a warm listing shows exactly
/// what a cold scan shows, and the index's row holds what the scan found.
#[test]
fn a_list_item_holding_the_index_separator_never_comes_back_split() {
    let ws = workspace();
    let root = ws.path();
    let head = |name: &str| {
        format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\ncost_tier = \"low\"\n"
        )
    };
    let run = "\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";
    write_tool(
        root,
        "experimental",
        "smuggler",
        &format!(
            "{}keywords = [\"csv\\u001Fnetwork\"]\ncapabilities = [\"read\\u001Fdelete\"]\n{run}",
            head("smuggler")
        ),
    );
    write_tool(
        root,
        "experimental",
        "oddkey",
        &format!("{}\"odd\\u001Fkey\" = 1\n{run}", head("oddkey")),
    );
    settle();
    listed(root);
    listed(root);
    // The setup ran: both tools have their row in the index, which a warm listing takes.
    let rows = |name: &str| -> i64 {
        rusqlite::Connection::open(root.join(".toolbench/state.db"))
            .expect("state")
            .query_row(
                "SELECT COUNT(*) FROM catalog_index WHERE path = ?1",
                [root.join("experimental").join(name).to_string_lossy()],
                |r| r.get(0),
            )
            .expect("count")
    };
    assert_eq!((rows("smuggler"), rows("oddkey")), (1, 1));

    let tools = as_cold(root);
    let smuggler = tool_named(&tools, "smuggler").expect("smuggler listed");
    let error = smuggler["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("keywords") && error.contains("control characters"),
        "the keyword is refused with its field named: {smuggler}"
    );
    let oddkey = tool_named(&tools, "oddkey").expect("oddkey listed");
    assert_eq!(oddkey["error"], Value::Null, "{oddkey}");
    let warnings = oddkey["warnings"].as_array().expect("warnings");
    assert_eq!(
        warnings.len(),
        1,
        "one unknown field, one warning: {oddkey}"
    );
    for tool in [smuggler, oddkey] {
        for list in ["keywords", "capabilities", "warnings"] {
            for item in tool[list].as_array().expect("list") {
                assert!(
                    !item.as_str().unwrap_or_default().contains('\u{1f}'),
                    "{list} holds the separator: {tool}"
                );
            }
        }
    }
}
