use super::*;

fn write_tool(root: &Path, tier: &str, dir: &str, manifest: &str) -> PathBuf {
    let folder = root.join(tier).join(dir);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("tool.toml"), manifest).expect("write manifest");
    std::fs::write(folder.join("run.sh"), "echo hi\n").expect("write script");
    folder
}

fn manifest(name: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"{name} tool\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
    )
}

fn scan(root: &Path) -> Vec<ToolEntry> {
    scan_workspace(
        root,
        ScanLimits::default(),
        &KnownHashes::default(),
        &ScanProgress::default(),
    )
}

fn by_name<'a>(entries: &'a [ToolEntry], name: &str) -> &'a ToolEntry {
    entries
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn scans_every_tier_and_counts_progress() {
    let ws = tempfile::tempdir().expect("tempdir");
    write_tool(ws.path(), "core", "a", &manifest("a"));
    write_tool(ws.path(), "approved", "b", &manifest("b"));
    write_tool(ws.path(), "experimental", "c", &manifest("c"));
    write_tool(ws.path(), "archived", "d", &manifest("d"));
    let progress = ScanProgress::default();
    let entries = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &KnownHashes::default(),
        &progress,
    );
    let tiers: Vec<_> = entries.iter().map(|e| (e.name.as_str(), e.tier)).collect();
    assert_eq!(
        tiers,
        [
            ("a", Tier::Core),
            ("b", Tier::Approved),
            ("c", Tier::Experimental),
            ("d", Tier::Archived)
        ]
    );
    assert_eq!((progress.done(), progress.total()), (4, 4));
    assert!(
        entries
            .iter()
            .all(|e| e.content_hash.len() == 64 && e.error.is_none())
    );
}

#[test]
fn empty_workspace_scans_to_nothing() {
    let ws = tempfile::tempdir().expect("tempdir");
    assert!(scan(ws.path()).is_empty());
}

#[test]
fn broken_manifest_stays_listed_and_others_keep_working() {
    let ws = tempfile::tempdir().expect("tempdir");
    write_tool(ws.path(), "approved", "good", &manifest("good"));
    write_tool(
        ws.path(),
        "approved",
        "bad",
        &manifest("bad").replace("1.0.0", "one"),
    );
    let entries = scan(ws.path());
    assert!(by_name(&entries, "good").error.is_none());
    let bad = by_name(&entries, "bad");
    let error = bad.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("approved/bad/tool.toml:2: field `version`"),
        "{error}"
    );
    assert!(bad.manifest.is_none());
}

#[test]
fn missing_manifest_is_reported() {
    let ws = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(ws.path().join("core/empty")).expect("mkdir");
    let entries = scan(ws.path());
    assert_eq!(
        entries[0].error.as_deref(),
        Some("core/empty/tool.toml: missing tool.toml")
    );
}

#[test]
fn symlinked_folder_outside_root_is_refused() {
    let ws = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    write_tool(outside.path(), "x", "evil", &manifest("evil"));
    std::fs::create_dir_all(ws.path().join("approved")).expect("mkdir");
    std::os::unix::fs::symlink(
        outside.path().join("x/evil"),
        ws.path().join("approved/evil"),
    )
    .expect("symlink");
    let entries = scan(ws.path());
    assert_eq!(entries.len(), 1);
    let error = entries[0].error.as_deref().unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "approved/evil: the folder is a symlink to {}; move the real folder in instead",
            outside.path().join("x/evil").display()
        )
    );
    assert!(entries[0].manifest.is_none(), "never parsed");
}

/// An alias inside the workspace is refused too: it would list one folder twice, in two tiers.
#[test]
fn symlinked_folder_inside_root_is_refused_too() {
    let ws = tempfile::tempdir().expect("tempdir");
    let real = write_tool(ws.path(), "core", "real", &manifest("real"));
    std::fs::create_dir_all(ws.path().join("approved")).expect("mkdir");
    std::os::unix::fs::symlink(&real, ws.path().join("approved/alias")).expect("symlink");
    let entries = scan(ws.path());
    assert_eq!(entries.len(), 2);
    assert!(by_name(&entries, "real").error.is_none());
    assert_eq!(
        by_name(&entries, "alias").error.as_deref(),
        Some(
            "approved/alias: the folder is a symlink to core/real; move the real folder in instead"
        )
    );
}

#[test]
fn unreadable_manifest_is_reported_not_fatal() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "core", "locked", &manifest("locked"));
    write_tool(ws.path(), "core", "fine", &manifest("fine"));
    // A directory where the manifest should be cannot be read by anyone, root included.
    std::fs::remove_file(folder.join("tool.toml")).expect("rm");
    std::fs::create_dir(folder.join("tool.toml")).expect("mkdir");
    let entries = scan(ws.path());
    assert!(by_name(&entries, "fine").error.is_none());
    assert_eq!(
        by_name(&entries, "locked").error.as_deref(),
        Some("core/locked/tool.toml: cannot read: not a regular file")
    );
}

/// A file or folder whose mode lets nobody read it breaks its tool, for root too: a run never
/// has root's reading rights, so root's scan could otherwise pass a tool its runs cannot read.
#[test]
fn a_manifest_file_or_folder_nobody_may_read_breaks_the_tool_even_for_root() {
    use std::os::unix::fs::PermissionsExt;
    let ws = tempfile::tempdir().expect("tempdir");
    let locked = |dir: &str, inner: Option<&str>, mode: u32| {
        let folder = write_tool(ws.path(), "core", dir, &manifest(dir));
        std::fs::create_dir_all(folder.join("lib")).expect("lib");
        std::fs::write(folder.join("lib/util.sh"), "true\n").expect("file");
        let path = inner.map_or(folder.clone(), |inner| folder.join(inner));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    locked("manifest", Some("tool.toml"), 0o000);
    locked("file", Some("lib/util.sh"), 0o200);
    locked("inner", Some("lib"), 0o000);
    locked("whole", None, 0o000);
    write_tool(ws.path(), "core", "fine", &manifest("fine"));
    let entries = scan(ws.path());
    assert!(by_name(&entries, "fine").error.is_none());
    let error_of = |dir: &str| {
        entries
            .iter()
            .find(|e| e.path.ends_with(dir))
            .and_then(|e| e.error.clone())
            .unwrap_or_default()
    };
    assert!(
        error_of("manifest").contains("tool.toml") && error_of("manifest").contains("denied"),
        "{}",
        error_of("manifest")
    );
    assert!(error_of("file").contains("lib/util.sh: cannot read this file"));
    assert!(error_of("inner").contains("lib: cannot read this folder"));
    assert!(
        error_of("whole").contains("denied"),
        "{}",
        error_of("whole")
    );
    // Put back, so the temporary folder can be removed.
    for folder in [
        "manifest/tool.toml",
        "file/lib/util.sh",
        "inner/lib",
        "whole",
    ] {
        let path = ws.path().join("core").join(folder);
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn bare_script_in_experimental_gets_inferred_manifest() {
    let ws = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(ws.path().join("experimental")).expect("mkdir");
    std::fs::write(
        ws.path().join("experimental/count_todos.py"),
        "#!/usr/bin/env python3\n\"\"\"Count TODO markers.\"\"\"\n",
    )
    .expect("write");
    std::fs::write(ws.path().join("experimental/notes.txt"), "not a tool").expect("write");
    let entries = scan(ws.path());
    assert_eq!(entries.len(), 1);
    assert!(entries[0].inferred);
    assert_eq!(entries[0].name, "count_todos");
    assert_eq!(&*entries[0].description, "Count TODO markers.");
}

#[test]
fn missing_schema_file_breaks_the_tool() {
    let ws = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{}[input]\nschema_file = \"input.schema.json\"\n",
        manifest("s")
    );
    write_tool(ws.path(), "core", "s", &text);
    let entries = scan(ws.path());
    let error = entries[0].error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with(
            "core/s/tool.toml: field `input.schema_file`: input.schema.json: cannot read"
        ),
        "{error}"
    );
}

#[test]
fn content_hash_changes_with_any_file() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "core", "h", &manifest("h"));
    let before = hash_tool_folder(&folder);
    std::fs::write(folder.join("run.sh"), "echo changed\n").expect("write");
    assert_ne!(before, hash_tool_folder(&folder));
}

#[test]
fn a_folder_over_a_limit_is_listed_with_its_size_and_not_read() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "experimental", "big", &manifest("big"));
    std::fs::write(folder.join("data"), vec![b'x'; 4096]).expect("write");
    let limits = ScanLimits {
        max_tool_bytes: 1024,
        max_tool_files: 100,
    };
    let entries = scan_workspace(
        ws.path(),
        limits,
        &KnownHashes::default(),
        &ScanProgress::default(),
    );
    let entry = &entries[0];
    assert!(entry.oversized && entry.content_hash.is_empty());
    assert_eq!(
        entry.name, "big",
        "named after its folder: the manifest was not read"
    );
    let error = entry.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("experimental/big: tool folder is at least ")
            && error.ends_with(", over the 1 KiB limit"),
        "{error}"
    );
}

#[test]
fn an_unchanged_folder_reuses_the_known_hash_and_a_changed_one_is_hashed() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "core", "h", &manifest("h"));
    crate::test_fixtures::settle();
    let first = scan(ws.path());
    let mut known = first.clone();
    known[0].content_hash = "from-the-cache".into();
    let known = KnownHashes::from_entries(&known);
    let again = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &known,
        &ScanProgress::default(),
    );
    assert_eq!(again[0].content_hash, "from-the-cache");
    std::fs::write(folder.join("run.sh"), "echo changed, longer\n").expect("write");
    let changed = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &known,
        &ScanProgress::default(),
    );
    assert_eq!(changed[0].content_hash, hash_tool_folder(&folder));
    assert_ne!(changed[0].content_hash, first[0].content_hash);
}

#[test]
fn a_scan_after_a_scan_takes_an_unchanged_entry_whole_and_reads_a_changed_one() {
    let ws = tempfile::tempdir().expect("tempdir");
    let kept = write_tool(ws.path(), "core", "kept", &manifest("kept"));
    let changed = write_tool(ws.path(), "core", "changed", &manifest("changed"));
    crate::test_fixtures::settle();
    let first = std::sync::Arc::new(scan(ws.path()));
    std::fs::write(
        changed.join("tool.toml"),
        manifest("changed").replace("changed tool", "another description"),
    )
    .expect("write");
    let again = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &KnownHashes::reusing(std::sync::Arc::clone(&first)),
        &ScanProgress::default(),
    );
    let fresh = scan(ws.path());
    let shown = |entries: &[ToolEntry]| {
        entries
            .iter()
            .map(|e| {
                (
                    e.path.clone(),
                    e.description.clone(),
                    e.content_hash.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        shown(&again),
        shown(&fresh),
        "as a scan from nothing finds it"
    );
    let manifest_of = |entries: &[ToolEntry], folder: &Path| {
        entries
            .iter()
            .find(|e| e.path == folder)
            .and_then(|e| e.manifest.clone())
            .expect("a manifest")
    };
    assert!(
        std::sync::Arc::ptr_eq(&manifest_of(&again, &kept), &manifest_of(&first, &kept)),
        "the unchanged tool's manifest is shared, not read again"
    );
    assert!(!std::sync::Arc::ptr_eq(
        &manifest_of(&again, &changed),
        &manifest_of(&first, &changed)
    ));
    assert_eq!(
        &*manifest_of(&again, &changed).description,
        "another description"
    );
}

/// An agent that rewrites a manifest in place, to the same length, and sets its modification
/// time back cannot make a scan that reuses the last one's entries keep the old manifest: the
/// change time, which no user can set, is part of the folder's fingerprint.
#[test]
fn a_manifest_rewritten_in_place_with_its_old_time_is_read_again_by_a_reusing_scan() {
    use std::io::{Seek, Write};
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "approved", "sly", &manifest("sly"));
    let first = std::sync::Arc::new(scan(ws.path()));
    let path = folder.join("tool.toml");
    let before = std::fs::metadata(&path).expect("stat");
    let text = std::fs::read_to_string(&path).expect("read");
    let forged = text.replace("sly tool", "SLY TOOL");
    assert_ne!(forged, text, "the forgery changes the manifest");
    assert_eq!(forged.len(), text.len());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open in place");
    file.seek(std::io::SeekFrom::Start(0)).expect("seek");
    file.write_all(forged.as_bytes()).expect("rewrite");
    file.set_modified(before.modified().expect("mtime"))
        .expect("the old time set back");
    drop(file);
    let after = std::fs::metadata(&path).expect("stat");
    // The forgery ran: same inode, length and modification time as before.
    assert_eq!(
        (after.len(), after.modified().ok()),
        (before.len(), before.modified().ok())
    );
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&after),
        std::os::unix::fs::MetadataExt::ino(&before)
    );
    let again = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &KnownHashes::reusing(std::sync::Arc::clone(&first)),
        &ScanProgress::default(),
    );
    let entry = by_name(&again, "sly");
    assert_eq!(
        entry.description,
        by_name(&scan(ws.path()), "sly").description
    );
    assert!(
        entry.description.contains("SLY TOOL"),
        "{}",
        entry.description
    );
    assert_eq!(entry.content_hash, hash_tool_folder(&folder));
    assert_ne!(entry.content_hash, by_name(&first, "sly").content_hash);
}

#[test]
fn parallel_work_comes_back_in_the_order_of_its_items_whichever_worker_did_it() {
    let items: Vec<u32> = (0..300).collect();
    // Uneven work, so the workers' shares interleave unevenly.
    let done = parallel_map(&items, &ScanProgress::default(), |n| {
        if n % 7 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        n.to_string()
    });
    assert_eq!(done, items.iter().map(u32::to_string).collect::<Vec<_>>());
    assert!(parallel_map(&[] as &[u32], &ScanProgress::default(), |n| *n).is_empty());
}

#[test]
fn a_panic_in_parallel_work_reaches_the_caller_instead_of_dropping_items() {
    let items: Vec<u32> = (0..64).collect();
    let whole = parallel_map(&items, &ScanProgress::default(), |n| n * 2);
    assert_eq!(whole, items.iter().map(|n| n * 2).collect::<Vec<_>>());
    let caught = std::panic::catch_unwind(|| {
        parallel_map(&items, &ScanProgress::default(), |n| {
            assert_ne!(*n, 17, "a bug met while reading one tool");
            *n
        })
    });
    assert!(
        caught.is_err(),
        "the panic must not be swallowed: {caught:?}"
    );
}

#[test]
fn a_streaming_scan_keeps_each_tool_read_for_the_next_take_and_a_plain_one_keeps_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["alpha", "beta", "gamma"] {
        write_tool(dir.path(), "approved", name, &manifest(name));
    }
    let streaming = ScanProgress::streaming();
    let entries = scan_workspace(
        dir.path(),
        ScanLimits::default(),
        &KnownHashes::default(),
        &streaming,
    );
    let mut fresh: Vec<String> = streaming.take_fresh().into_iter().map(|e| e.name).collect();
    fresh.sort();
    assert_eq!(fresh, ["alpha", "beta", "gamma"]);
    assert!(streaming.take_fresh().is_empty(), "each tool is told once");
    assert_eq!(entries.len(), 3);
    let plain = ScanProgress::default();
    scan_workspace(
        dir.path(),
        ScanLimits::default(),
        &KnownHashes::default(),
        &plain,
    );
    assert!(plain.take_fresh().is_empty());
}

/// A tool written just before a scan keeps no fingerprint, so the next scan reads it again:
/// a rewrite within the file system's clock tick (the same size, the mtime set back) would
/// leave every stamp the scan fingerprinted as it was. Once its files settled, it keeps one.
#[test]
fn a_tool_changed_just_before_a_scan_is_read_again_by_the_next() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = write_tool(ws.path(), "core", "fresh", &manifest("fresh"));
    let first = scan(ws.path());
    assert_eq!(first[0].fingerprint, "", "changed less than 3 s ago");
    let mut known = first.clone();
    known[0].content_hash = "from-the-cache".into();
    let again = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &KnownHashes::from_entries(&known),
        &ScanProgress::default(),
    );
    assert_eq!(
        again[0].content_hash,
        hash_tool_folder(&folder),
        "read again"
    );

    crate::test_fixtures::settle();
    let settled = scan(ws.path());
    assert!(!settled[0].fingerprint.is_empty(), "kept once settled");
}

/// Only a tool whose folder holds a lock has an environment to look up; a bare script runs
/// from its tier folder, so that folder's lock is its own. A scan that reuses the last one's
/// entries says the same.
#[test]
fn a_scan_marks_the_tools_that_have_a_package_lock() {
    let ws = tempfile::tempdir().expect("tempdir");
    let locked = write_tool(ws.path(), "core", "locked", &manifest("locked"));
    std::fs::write(locked.join(LOCK_FILE), "lock-version = \"1.0\"\n").expect("write lock");
    write_tool(ws.path(), "core", "plain", &manifest("plain"));
    let experimental = ws.path().join("experimental");
    std::fs::create_dir_all(&experimental).expect("mkdir");
    std::fs::write(experimental.join("alone.py"), "print('hi')\n").expect("write script");
    crate::test_fixtures::settle();
    let marked = |entries: &[ToolEntry]| {
        let mut marked: Vec<(String, bool)> = entries
            .iter()
            .map(|e| (e.name.clone(), e.has_lock))
            .collect();
        marked.sort();
        marked
    };
    let first = std::sync::Arc::new(scan(ws.path()));
    let expected = |alone: bool| {
        vec![
            ("alone".to_string(), alone),
            ("locked".to_string(), true),
            ("plain".to_string(), false),
        ]
    };
    assert_eq!(marked(&first), expected(false));
    let again = scan_workspace(
        ws.path(),
        ScanLimits::default(),
        &KnownHashes::reusing(std::sync::Arc::clone(&first)),
        &ScanProgress::default(),
    );
    assert_eq!(marked(&again), expected(false), "as the first scan found");
    std::fs::write(experimental.join(LOCK_FILE), "lock-version = \"1.0\"\n").expect("write");
    assert_eq!(marked(&scan(ws.path())), expected(true));
}
