//! A burst of 1,000 tools dropped into experimental/ at once: every one reaches the catalog.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use toolbench::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, scan_workspace};
use toolbench::model::Tier;
use toolbench::watch::{WatchUpdate, watch};

#[test]
fn a_thousand_tools_dropped_at_once_all_arrive() {
    let dir = tempfile::tempdir().expect("tempdir");
    toolbench::workspace::init_workspace(dir.path()).expect("init");
    let (tx, rx) = mpsc::channel();
    let _watcher = watch(dir.path(), ScanLimits::default(), move |update| {
        let _ = tx.send(update);
    })
    .expect("watch");
    std::thread::sleep(Duration::from_millis(100));
    for i in 0..1000 {
        let folder = dir.path().join(format!("experimental/burst_{i}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            format!("name = \"burst_{i}\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"r.sh\"]\n"),
        )
        .expect("write");
    }
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < 1000 && Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(WatchUpdate::Tools { updated, .. }) => {
                seen.extend(
                    updated
                        .into_iter()
                        .filter(|e| e.error.is_none())
                        .map(|e| e.name),
                );
            }
            // Lost events: the workbench rescans, so count what a rescan finds.
            Ok(WatchUpdate::Rescan) => {
                let entries = scan_workspace(
                    dir.path(),
                    ScanLimits::default(),
                    &KnownHashes::default(),
                    &ScanProgress::default(),
                );
                seen.extend(
                    entries
                        .into_iter()
                        .filter(|e| e.tier == Tier::Experimental && e.error.is_none())
                        .map(|e| e.name),
                );
            }
            Ok(WatchUpdate::Error(e)) => panic!("watcher error: {e}"),
            // No tool changes with the seals.
            Ok(WatchUpdate::Seals) | Err(_) => {}
        }
    }
    assert_eq!(
        seen.len(),
        1000,
        "missing: {:?}",
        (0..1000)
            .map(|i| format!("burst_{i}"))
            .filter(|n| !seen.contains(n))
            .take(5)
            .collect::<Vec<_>>()
    );
}
