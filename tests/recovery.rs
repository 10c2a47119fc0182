//! A damaged state store loses nothing: the real binary on a workspace whose `state.db` was
//! overwritten, cut, replaced or left with a damaged write-ahead log. Every command then stops
//! with one line naming `toolbench doctor`, `toolbench run` keeps handing its runs off, and
//! the doctor rebuilds the store from what SQLite still reads, the decision log and the run
//! folders, keeping the damaged file aside byte for byte.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::Value;

const TOOL: &str = "bulk_rename";

/// A workspace where a person approved a tool, and a few runs were recorded.
fn used_workspace(runs: usize) -> tempfile::TempDir {
    let ws = sample_workspace();
    approve(ws.path(), TOOL);
    for i in 0..runs {
        let input = format!("{{\"text\": \"run {i}\"}}");
        let out = toolbench(ws.path(), &["run", "word_count", "--input", &input]);
        assert!(out.status.success(), "run: {}", stderr(&out));
    }
    // Stores the handed-off runs, as any later command does.
    ok(ws.path(), &["runs"]);
    ws
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn state(root: &Path) -> PathBuf {
    root.join(".toolbench/state.db")
}

/// Every recorded run, by its folder.
fn run_folders(root: &Path) -> BTreeSet<String> {
    let runs: Vec<Value> =
        serde_json::from_str(&ok(root, &["runs", "--json", "--limit", "100000"])).expect("JSON");
    runs.iter()
        .map(|r| r["log_dir"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The decisions about `TOOL`: (action, who, at).
fn decisions(root: &Path) -> Vec<(String, String, String)> {
    let listed: Vec<Value> =
        serde_json::from_str(&ok(root, &["history", TOOL, "--json"])).expect("JSON");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    listed
        .iter()
        .map(|d| (text(&d["action"]), text(&d["who"]), text(&d["at"])))
        .collect()
}

/// The command failed with one line, and that line names the way out.
fn names_the_doctor(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
    assert!(err.contains("toolbench doctor"), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
}

/// The files moved aside as `state.db.damaged-*`.
fn aside(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(".toolbench"))
        .expect("state dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("state.db.damaged-"))
        })
        .collect();
    found.sort();
    found
}

/// What happens after any damage to the file: commands stop, runs are handed off, the
/// doctor brings back every run and decision and keeps `damaged` (the bytes of the damaged
/// file) aside.
/// What the doctor said as it repaired.
fn recovers(ws: &Path, damaged: &[u8], runs_before: &BTreeSet<String>) -> String {
    let before = decisions_from_log(ws);
    for args in [
        &["runs"][..],
        &["history", TOOL],
        &["review"],
        &["calls"],
        &[],
    ] {
        names_the_doctor(&toolbench(ws, args), &format!("{args:?}"));
    }
    // A run still works, and its record waits in the running folder.
    let out = toolbench(
        ws,
        &["run", "word_count", "--input", "{\"text\": \"late\"}"],
    );
    assert!(out.status.success(), "run: {}", stderr(&out));
    let waiting = std::fs::read_dir(ws.join(".toolbench/running"))
        .expect("running")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "ended"))
        .count();
    assert_eq!(waiting, 1, "the run's record is handed off");

    let dry = toolbench(ws, &["doctor", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("would move"), "{}", stdout(&dry));
    assert!(aside(ws).is_empty(), "a dry run moves nothing");

    let out = toolbench(ws, &["doctor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("the store is whole again"), "{said}");
    assert!(
        said.contains("lost:"),
        "the doctor says what was lost: {said}"
    );

    // The damaged file is kept, unchanged.
    let kept = aside(ws);
    let main: Vec<&PathBuf> = kept
        .iter()
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect();
    assert_eq!(main.len(), 1, "{kept:?}");
    if main[0].is_file() {
        assert!(
            std::fs::read(main[0]).expect("aside") == damaged,
            "kept byte for byte"
        );
    }

    // Every run is back, the one handed off meanwhile too, and every decision.
    let after = run_folders(ws);
    assert!(runs_before.is_subset(&after), "{runs_before:?}\n{after:?}");
    assert_eq!(
        after.len(),
        runs_before.len() + 1,
        "the handed-off run is stored"
    );
    let mut now = decisions(ws);
    now.sort();
    assert_eq!(now, before);
    let verify = toolbench(ws, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    // A second doctor finds nothing to do.
    let again = ok(ws, &["doctor"]);
    assert!(again.contains("nothing to repair"), "{again}");
    said
}

/// The decisions about `TOOL` as the decision log has them.
fn decisions_from_log(root: &Path) -> Vec<(String, String, String)> {
    let entries: Vec<Value> = serde_json::from_str(&ok(root, &["audit", "--json"])).expect("JSON");
    let mut found: Vec<(String, String, String)> = entries
        .iter()
        .flat_map(|e| e["rows"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["table"] == "decisions" && r["row"]["tool"] == TOOL)
        .map(|r| {
            let text = |k: &str| r["row"][k].as_str().unwrap_or_default().to_string();
            (text("action"), text("who"), text("at"))
        })
        .collect();
    found.sort();
    found
}

fn overwrite_at(path: &Path, offset: u64, len: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("read");
    let start = offset as usize;
    let end = (start + len).min(bytes.len());
    for (i, b) in bytes[start..end].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(path, &bytes).expect("write");
    bytes
}

#[test]
fn a_header_overwritten_is_rebuilt_from_the_log_and_the_run_folders() {
    let ws = used_workspace(3);
    let runs = run_folders(ws.path());
    let damaged = overwrite_at(&state(ws.path()), 0, 4096);
    recovers(ws.path(), &damaged, &runs);
}

#[test]
fn a_page_in_the_middle_overwritten_keeps_every_row_sqlite_can_read() {
    let ws = used_workspace(12);
    let runs = run_folders(ws.path());
    let path = state(ws.path());
    let pages = std::fs::metadata(&path).expect("meta").len() / 4096;
    // A page of runs in the middle of the file (a table leaf holding a run's input): the
    // rows on the others are still read, one by one.
    let bytes = std::fs::read(&path).expect("read");
    let leaves: Vec<u64> = (1..pages)
        .filter(|&p| {
            let page = &bytes[(p * 4096) as usize..((p + 1) * 4096) as usize];
            page[0] == 0x0d && page.windows(7).any(|w| w == b"\"text\":")
        })
        .collect();
    assert!(!leaves.is_empty(), "runs are on some page");
    let root = leaves[leaves.len() / 2] + 1;
    assert!(root > 1 && root <= pages, "page {root} of {pages}");
    let damaged = overwrite_at(&path, (root - 1) * 4096, 4096);
    // Not every page is read by every command: the doctor's check finds it all the same.
    let check = ok(ws.path(), &["doctor", "--dry-run"]);
    assert!(check.contains("damaged"), "{check}");
    let out = toolbench(ws.path(), &["doctor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("recovered runs"), "{}", stdout(&out));
    assert_eq!(std::fs::read(&aside(ws.path())[0]).expect("aside"), damaged);
    assert_eq!(run_folders(ws.path()), runs);
    assert_eq!(
        decisions(ws.path()).len(),
        decisions_from_log(ws.path()).len()
    );
}

/// Pages 3 to 12 of the store filled with noise, as `dd if=/dev/urandom` would: the tables
/// whose roots were there read nothing, not even their highest id. The doctor says so, and
/// counts no row it cannot know was there (it counted 100,000 "on damaged pages" a table).
#[test]
fn tables_whose_pages_are_noise_are_told_unreadable_not_counted_in_made_up_rows() {
    let ws = used_workspace(1);
    let path = state(ws.path());
    let mut bytes = std::fs::read(&path).expect("read");
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let end = (13 * 4096).min(bytes.len());
    for b in &mut bytes[3 * 4096..end] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&path, &bytes).expect("write");
    let out = toolbench(ws.path(), &["doctor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("the store is whole again"), "{said}");
    assert!(said.contains("nothing readable"), "{said}");
    // The store held a handful of rows: no line may count more.
    for line in said.lines().filter(|l| l.contains("row(s)")) {
        for count in line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u64>().ok())
        {
            assert!(count < 100, "a count of rows nobody stored: {line}");
        }
    }
    assert_eq!(
        decisions(ws.path()).len(),
        decisions_from_log(ws.path()).len()
    );
}

#[test]
fn a_store_cut_to_half_is_rebuilt() {
    let ws = used_workspace(3);
    let runs = run_folders(ws.path());
    let path = state(ws.path());
    let len = std::fs::metadata(&path).expect("meta").len();
    let file = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(len / 2).expect("truncate");
    drop(file);
    let damaged = std::fs::read(&path).expect("read");
    recovers(ws.path(), &damaged, &runs);
}

#[test]
fn a_folder_where_the_store_belongs_is_moved_aside_whole() {
    let ws = used_workspace(2);
    let runs = run_folders(ws.path());
    let path = state(ws.path());
    std::fs::remove_file(&path).expect("remove");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(ws.path().join(format!(".toolbench/state.db{suffix}")));
    }
    std::fs::create_dir(&path).expect("dir");
    std::fs::write(path.join("keep-me"), "mine").expect("file in it");
    let said = recovers(ws.path(), &[], &runs);
    // Nothing of it could be read: the doctor says what that loses, not "lost: nothing".
    assert!(
        said.contains("lost: whatever only ") && said.contains("it is not a file"),
        "{said}"
    );
    assert!(!said.contains("lost: nothing"), "{said}");
    let kept = aside(ws.path());
    assert_eq!(
        std::fs::read_to_string(kept[0].join("keep-me")).expect("kept"),
        "mine"
    );
}

/// A store emptied to nothing is not a new store beside a decision log that holds entries:
/// every command names the doctor, a dry run writes nothing into it, and the doctor rebuilds.
#[test]
fn a_store_emptied_to_nothing_is_rebuilt_not_taken_for_a_new_one() {
    let ws = used_workspace(2);
    let runs = run_folders(ws.path());
    let path = state(ws.path());
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(ws.path().join(format!(".toolbench/state.db{suffix}")));
    }
    std::fs::write(&path, b"").expect("empty it");
    let dry = ok(ws.path(), &["doctor", "--dry-run"]);
    assert!(dry.contains("empty (no tables)"), "{dry}");
    assert_eq!(std::fs::metadata(&path).expect("state").len(), 0, "{dry}");
    let said = recovers(ws.path(), &[], &runs);
    assert!(said.contains("lost: whatever only "), "{said}");
}

/// A store from a newer toolbench is nothing this build may repair: the doctor says so and
/// fails alike with or without a dry run, and leaves it as it was.
#[test]
fn a_store_from_a_newer_toolbench_fails_the_doctor_alike_with_a_dry_run() {
    let ws = sample_workspace();
    approve(ws.path(), TOOL);
    rusqlite::Connection::open(state(ws.path()))
        .and_then(|db| db.pragma_update(None, "user_version", 99))
        .expect("a newer schema");
    let before = std::fs::read(state(ws.path())).expect("state");
    for args in [&["doctor", "--dry-run"][..], &["doctor"]] {
        let out = toolbench(ws.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert_eq!(
            stderr(&out).trim(),
            "toolbench: the store was written by a newer toolbench: use that toolbench",
            "{args:?}"
        );
    }
    assert_eq!(std::fs::read(state(ws.path())).expect("state"), before);
}

/// The store removed: the same, and a dry run makes no store.
#[test]
fn a_removed_store_is_rebuilt_from_the_log_and_the_run_folders() {
    let ws = used_workspace(2);
    let before = decisions_from_log(ws.path());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(ws.path().join(format!(".toolbench/state.db{suffix}")));
    }
    names_the_doctor(&toolbench(ws.path(), &["history", TOOL]), "history");
    names_the_doctor(&toolbench(ws.path(), &["runs"]), "runs");
    let dry = ok(ws.path(), &["doctor", "--dry-run"]);
    assert!(dry.contains("would build a new store"), "{dry}");
    assert!(
        !state(ws.path()).exists(),
        "a dry run makes no store: {dry}"
    );
    let said = ok(ws.path(), &["doctor"]);
    assert!(said.contains("the store is whole again"), "{said}");
    assert!(said.contains("it was gone or empty"), "{said}");
    let mut now = decisions(ws.path());
    now.sort();
    assert_eq!(now, before);
    assert!(ok(ws.path(), &["history", TOOL]).contains("approve"));
}

/// Commits that lived only in a write-ahead log SQLite now ignores (its frames damaged) are
/// put back from the decision log.
#[test]
fn a_damaged_write_ahead_log_loses_no_decision() {
    let ws = sample_workspace();
    ok(ws.path(), &["list"]);
    validate(ws.path(), TOOL);
    let path = state(ws.path());
    // A reader holds the log open, so the approval stays in it (nothing checkpoints past a
    // reader, and the log is not removed while a connection is open).
    let reader = rusqlite::Connection::open(&path).expect("open");
    reader
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .expect("no checkpoint");
    reader.execute_batch("BEGIN").expect("begin");
    let _: i64 = reader
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .expect("read");
    ok(ws.path(), &["approve", TOOL]);
    reader.execute_batch("COMMIT").expect("end");
    drop(reader);
    let wal = ws.path().join(".toolbench/state.db-wal");
    let len = std::fs::metadata(&wal).expect("wal").len();
    assert!(len > 4096, "the approval is in the log: {len} bytes");
    // Every frame's bytes past the first frame header: their checksums fail.
    let mut bytes = std::fs::read(&wal).expect("read");
    for b in bytes.iter_mut().skip(64) {
        *b = !*b;
    }
    std::fs::write(&wal, &bytes).expect("write");
    assert!(
        decisions(ws.path()).is_empty(),
        "SQLite dropped the approval with the damaged frames"
    );
    let out = toolbench(ws.path(), &["doctor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("missing from the store"),
        "{}",
        stdout(&out)
    );
    let approved: Vec<String> = decisions(ws.path()).into_iter().map(|d| d.0).collect();
    assert_eq!(approved, ["approve"]);
}

#[test]
fn a_read_only_state_folder_is_refused_in_one_line_and_changes_nothing() {
    let ws = used_workspace(1);
    let path = state(ws.path());
    let damaged = overwrite_at(&path, 0, 4096);
    let dir = ws.path().join(".toolbench");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root writes anyway: then the doctor repairs, as the host allows.
    let writable = std::fs::write(dir.join("probe"), "").is_ok();
    let _ = std::fs::remove_file(dir.join("probe"));
    names_the_doctor(&toolbench(ws.path(), &["runs"]), "runs");
    let out = toolbench(ws.path(), &["doctor"]);
    if writable {
        assert!(out.status.success(), "{}", stderr(&out));
    } else {
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(".toolbench"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), damaged);
        assert!(aside(ws.path()).is_empty());
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    if !writable {
        ok(ws.path(), &["doctor"]);
    }
    assert!(!decisions(ws.path()).is_empty());
}

/// A doctor that runs out of room (here the file size limit, as a full disk would) leaves
/// the damaged store where it was and says nothing was lost; with room it repairs.
#[test]
fn a_full_disk_during_the_doctor_loses_nothing() {
    let ws = used_workspace(2);
    let runs = run_folders(ws.path());
    let path = state(ws.path());
    let damaged = overwrite_at(&path, 0, 4096);
    let config = tempfile::tempdir().expect("config");
    let mut doctor = toolbench_command(ws.path(), config.path(), &["doctor"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        doctor.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 16 * 1024,
                rlim_max: 16 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = doctor.output().expect("doctor");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{}{err}", stdout(&out));
    assert!(err.contains("nothing was changed or lost"), "{err}");
    assert!(err.contains("free some disk space"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), damaged, "untouched");
    assert!(aside(ws.path()).is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(ws.path().join(".toolbench"))
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("rebuild"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    ok(ws.path(), &["doctor"]);
    assert_eq!(run_folders(ws.path()), runs);
}

/// An entry is headed by the decision a person took, not by the version it superseded:
/// approving csv_to_json 1.3.0 over 1.2.0 reads `approve csv_to_json@1.3.0`, rolling back
/// `rollback csv_to_json@1.2.0` (each entry still holds both rows).
#[test]
fn the_audit_names_the_decision_taken_not_what_it_superseded() {
    let ws = sample_workspace();
    approve(ws.path(), "csv_to_json@1.3.0");
    ok(ws.path(), &["rollback", "csv_to_json"]);
    let entries: Vec<Value> =
        serde_json::from_str(&ok(ws.path(), &["audit", "--json"])).expect("JSON");
    let heads: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default();
            (text("action"), text("subject"))
        })
        .collect();
    assert_eq!(
        heads,
        [
            ("accept", "8 tools"),
            ("approve", "csv_to_json@1.3.0"),
            ("rollback", "csv_to_json@1.2.0")
        ],
        "{entries:?}"
    );
    for entry in &entries[1..] {
        let rows = entry["rows"].as_array().expect("rows");
        let supersedes = rows.iter().filter(|r| r["row"]["action"] == "supersede");
        assert_eq!(supersedes.count(), 1, "{entry}");
    }
    let printed = ok(ws.path(), &["audit"]);
    assert!(
        printed.contains("approve") && !printed.contains("supersede"),
        "{printed}"
    );
}

/// An undo of an approval puts one version back in review and another back in use: two rows
/// of one tool, which the audit names by the tool, not as "2 tools".
#[test]
fn the_audit_names_an_undo_by_its_tool() {
    let ws = sample_workspace();
    approve(ws.path(), "csv_to_json@1.3.0");
    ok(ws.path(), &["undo", "csv_to_json"]);
    let entries: Vec<Value> =
        serde_json::from_str(&ok(ws.path(), &["audit", "--json"])).expect("JSON");
    let last = entries.last().expect("the undo's entry");
    assert_eq!(
        (last["action"].as_str(), last["subject"].as_str()),
        (Some("undo"), Some("csv_to_json")),
        "{last}"
    );
    let decisions = last["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["table"] == "decisions")
        .count();
    assert_eq!(decisions, 2, "{last}");
}

#[test]
fn audit_verify_names_the_entry_altered_by_hand() {
    let ws = sample_workspace();
    approve(ws.path(), TOOL);
    ok(ws.path(), &["archive", TOOL]);
    ok(ws.path(), &["restore", TOOL]);
    let listed: Vec<Value> =
        serde_json::from_str(&ok(ws.path(), &["audit", "--json"])).expect("JSON");
    assert!(listed.len() >= 3, "{listed:?}");
    let printed = ok(ws.path(), &["audit"]);
    assert!(
        printed.contains("archive") && printed.contains("restore"),
        "{printed}"
    );
    ok(ws.path(), &["audit", "verify"]);

    let log = ws.path().join(".toolbench/log/decisions.jsonl");
    let text = std::fs::read_to_string(&log).expect("log");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The sample's acceptance, the approval, then the archive.
    lines[2] = lines[2].replacen("\"archive\"", "\"promote\"", 1);
    std::fs::write(&log, lines.join("\n") + "\n").expect("alter");
    let out = toolbench(ws.path(), &["audit", "verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("entry 3:"), "{err}");
    assert!(err.contains("decisions.jsonl"), "{err}");
}

/// The log removed is not an empty whole chain, and a decision taken after that does not make
/// it one: the head file says what was written, and the next entry is numbered after it.
#[test]
fn a_removed_decision_log_is_told_and_stays_told_after_the_next_decision() {
    let ws = sample_workspace();
    approve(ws.path(), TOOL);
    ok(ws.path(), &["audit", "verify"]);
    std::fs::remove_file(ws.path().join(".toolbench/log/decisions.jsonl")).expect("remove");
    let out = toolbench(ws.path(), &["audit", "verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("every entry is missing (the log was emptied or removed)"),
        "{err}"
    );
    let doctor = toolbench(ws.path(), &["doctor", "--dry-run"]);
    assert!(
        stdout(&doctor).contains("decision log: broken: "),
        "{}",
        stdout(&doctor)
    );
    ok(ws.path(), &["archive", TOOL]);
    let out = toolbench(ws.path(), &["audit", "verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("entry 1: numbered "), "{err}");
}

#[test]
fn a_second_doctor_is_refused_while_one_works_and_two_at_once_repair_once() {
    let ws = used_workspace(1);
    let dir = ws.path().join(".toolbench");
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dir.join("doctor.lock"))
        .expect("lock file");
    // SAFETY: flock on a file this test owns.
    assert_eq!(
        unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) },
        0
    );
    let out = toolbench(ws.path(), &["doctor"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("another toolbench doctor"), "{err}");
    drop(lock);

    let path = state(ws.path());
    overwrite_at(&path, 0, 4096);
    let config = tempfile::tempdir().expect("config");
    let doctors: Vec<_> = (0..2)
        .map(|_| {
            toolbench_command(ws.path(), config.path(), &["doctor"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for doctor in doctors {
        let out = doctor.wait_with_output().expect("wait");
        let err = stderr(&out);
        assert!(
            out.status.success() || err.contains("another toolbench doctor"),
            "{}{err}",
            stdout(&out)
        );
    }
    assert_eq!(aside(ws.path()).len(), 1, "repaired once");
    let check = ok(ws.path(), &["doctor", "--dry-run"]);
    assert!(check.contains("nothing to repair"), "{check}");
}

/// What a starter killed while writing its run's file leaves (a temporary file naming a dead
/// process, an empty run file of an earlier build) is found by the doctor's check and removed
/// by its repair, where `runs` once said "0 abandoned" and left it for good.
#[test]
fn the_doctor_finds_and_removes_leftovers_of_runs_that_never_started() {
    let ws = used_workspace(1);
    let running = ws.path().join(".toolbench/running");
    std::fs::create_dir_all(&running).expect("running");
    let leftovers = [
        running.join(format!("2026-t-0.{}-1-0.tmp", u32::MAX)),
        running.join("2026-t-1.json"),
    ];
    std::fs::write(&leftovers[0], b"{\"tool\"").expect("temporary");
    std::fs::write(&leftovers[1], b"").expect("empty");
    let dry = ok(ws.path(), &["doctor", "--dry-run"]);
    assert!(
        dry.contains("2 leftover file(s) of runs that never started")
            && dry.contains("would remove the leftovers"),
        "{dry}"
    );
    assert!(
        leftovers.iter().all(|f| f.exists()),
        "a dry run changes nothing"
    );
    ok(ws.path(), &["doctor"]);
    assert!(!leftovers.iter().any(|f| f.exists()));
    assert!(!ok(ws.path(), &["doctor", "--dry-run"]).contains("leftover"));
}

/// Waits until `toolbench calls` lists a waiting call, and returns its id.
fn waiting_call(root: &Path, config: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let out = toolbench_command(root, config, &["calls", "--json"])
            .output()
            .expect("calls");
        let calls: Vec<Value> = serde_json::from_slice(&out.stdout).expect("calls --json");
        if let Some(id) = calls.first().and_then(|c| c["id"].as_i64()) {
            return id.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no call waited");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Every kind of decision a person takes, each logged and stored as a healthy workspace does:
/// the doctor finds the store whole, twice in a row, and a repair has nothing to put back.
/// (Rows the log holds in an older state, a version activated again or a suggestion refreshed
/// since it was decided, are not damage.)
#[test]
fn a_healthy_store_after_every_kind_of_decision_is_whole_to_the_doctor() {
    let ws = sample_workspace();
    let root = ws.path();
    let config = tempfile::tempdir().expect("config");
    let tb = |args: &[&str]| -> String {
        let out = toolbench_command(root, config.path(), args)
            .output()
            .expect("toolbench");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    };
    // Review decisions: approve (superseding), reject, request changes, promote, archive,
    // restore, rollback, evolve, add a case, resubmit.
    // A failing verdict exits 1 and is still a validation.
    validate(root, "csv_to_json@1.3.0");
    tb(&["approve", "csv_to_json@1.3.0", "--accept-failures"]);
    validate(root, "tmp_cleaner");
    tb(&["reject", "tmp_cleaner", "--reason", "deletes too much"]);
    tb(&[
        "request-changes",
        "bulk_rename",
        "--feedback",
        "fewer grants",
    ]);
    tb(&["promote", "slugify"]);
    tb(&["archive", "http_status"]);
    tb(&["restore", "http_status"]);
    tb(&["rollback", "csv_to_json"]);
    tb(&["evolve", "word_count", "--hint", "count lines too"]);
    tb(&[
        "add-case",
        "word_count@1.1.0",
        "--input",
        r#"{"text": ""}"#,
        "--why",
        "empty text",
    ]);
    let run_sh = root.join("approved/http_status/main.py");
    let mode = run_sh.metadata().expect("stat").permissions().mode();
    std::fs::set_permissions(&run_sh, std::fs::Permissions::from_mode(mode | 0o200)).expect("u+w");
    let mut text = std::fs::read_to_string(&run_sh).expect("read");
    text.push_str("\n# edited by hand\n");
    std::fs::write(&run_sh, text).expect("edit");
    tb(&["resubmit", "http_status"]);

    // Call answers and rules: a high-cost tool's calls wait for a person.
    let folder = write_tool(
        root,
        "experimental",
        "deploy",
        &minimal_manifest("deploy")
            .replace("cost_tier = \"low\"", "cost_tier = \"high\"")
            .replace("[run]\n", "[run]\ninput = \"none\"\n"),
    );
    assert!(folder.is_dir());
    validate(root, "deploy");
    tb(&["approve", "deploy"]);
    let mut agent = mcp_session::Session::open(root, config.path(), "agent", false);
    let call = serde_json::json!({"jsonrpc": "2.0", "id": 100, "method": "tools/call",
        "params": {"name": "deploy", "arguments": {}}});
    agent.send(call.clone());
    let id = waiting_call(root, config.path());
    tb(&["calls", "approve", &id, "--always"]);
    let rules: Vec<Value> =
        serde_json::from_str(&tb(&["calls", "rules", "--json"])).expect("rules");
    let rule = rules[0]["id"].as_i64().expect("rule id").to_string();
    tb(&["calls", "revoke", &rule]);
    agent.send(
        serde_json::json!({"jsonrpc": "2.0", "id": 101, "method": "tools/call",
        "params": {"name": "deploy", "arguments": {}}}),
    );
    let id = waiting_call(root, config.path());
    tb(&["calls", "reject", &id, "--reason", "not today"]);
    // A tool request, answered.
    let asked = agent.call(
        "toolbench_request_tool",
        serde_json::json!({"name": "line_count", "description": "Count the lines of a text",
            "inputs": {"type": "object", "properties": {"text": {"type": "string"}}},
            "outputs": "the number of lines", "rationale": "needed often"}),
    );
    assert!(asked.get("result").is_some(), "{asked}");
    tb(&["reject", "line_count", "--reason", "word_count does it"]);
    drop(agent);

    // Suggestions: accepted and dismissed, then found again by a later refresh.
    for _ in 0..3 {
        tb(&["run", "word_count", "--input", r#"{"text": "a b"}"#]);
        tb(&["run", "line_sort", "--input", r#"{"lines": ["b", "a"]}"#]);
    }
    let found: Vec<Value> = serde_json::from_str(&tb(&["suggest", "--json"])).expect("JSON");
    let id = found[0]["id"].as_i64().expect("suggestion id").to_string();
    tb(&["suggest", "accept", &id]);
    tb(&["run", "word_count", "--input", r#"{"text": "a b"}"#]);
    tb(&["suggest", "--json", "--all"]);

    let actions: BTreeSet<String> = serde_json::from_str::<Vec<Value>>(&tb(&["audit", "--json"]))
        .expect("audit --json")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    for action in [
        "approve",
        "reject",
        "request_changes",
        "promote",
        "archive",
        "restore",
        "rollback",
        "evolve",
        "add_case",
        "resubmit",
    ] {
        assert!(actions.contains(action), "{action} not logged: {actions:?}");
    }
    assert!(actions.len() >= 15, "{actions:?}");

    for _ in 0..2 {
        let out = tb(&["doctor", "--dry-run"]);
        assert!(!out.contains("missing"), "{out}");
        assert!(
            out.contains("nothing to repair: the store is whole"),
            "{out}"
        );
    }
    let out = tb(&["doctor"]);
    assert!(
        out.contains("nothing to repair: the store is whole"),
        "{out}"
    );
    assert!(aside(root).is_empty());
}

/// What the sweep of dead proposers' staging folders (beside every checked command) could be
/// turned on: an agent plants `experimental/.proposal-…` names of a dead pid as a link to a
/// folder of the host, and as a folder holding such a link. The sweep runs (a real staging
/// folder of a dead writer beside them goes), and the host's folder and file are as they were.
#[test]
fn a_staging_folder_planted_as_a_link_leaves_the_folder_it_points_to_whole() {
    use std::os::unix::fs::symlink;
    let ws = sample_workspace();
    ok(ws.path(), &["list"]);
    let host = tempfile::tempdir().expect("host folder");
    let kept = host.path().join("keep.txt");
    std::fs::write(&kept, "the host's own\n").expect("host file");
    let experimental = ws.path().join("experimental");
    symlink(
        host.path(),
        experimental.join(".proposal-link-4294967294-1"),
    )
    .expect("link");
    let holding = experimental.join(".proposal-holds-4294967294-2");
    std::fs::create_dir(&holding).expect("staging");
    symlink(host.path(), holding.join("inside")).expect("inner link");
    symlink(&kept, holding.join("file")).expect("file link");
    let dead = experimental.join(".proposal-dead-4294967294-3");
    std::fs::create_dir(&dead).expect("staging");
    std::fs::write(dead.join("run.sh"), "echo half\n").expect("half written");

    ok(ws.path(), &["list"]);
    assert!(!dead.exists(), "the sweep ran: a dead writer's folder went");
    assert!(
        std::fs::symlink_metadata(&holding).is_err(),
        "the folder holding links went"
    );
    assert_eq!(
        std::fs::read_to_string(&kept).expect("the host's file is there"),
        "the host's own\n"
    );
    let left: Vec<_> = std::fs::read_dir(host.path())
        .expect("the host's folder is there")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["keep.txt"], "nothing of the host's folder went");
}
