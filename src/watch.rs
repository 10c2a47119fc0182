//! Watching the workspace: notify events, debounced until files settle, turned into reloaded
//! catalog entries.
//!
//! Runs on the debouncer's thread, so the reading of changed tools never touches the UI
//! thread. `.toolbench/` is ignored: toolbench's own writes are not tool changes. Front ends
//! watch through the watch job (`jobs::watch`), which tells every update to each observer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::catalog::scan::{self, ScanLimits};
use crate::model::{Tier, ToolEntry};
use crate::workspace::STATE_DIR;

/// Quiet time after the last event on a file before it counts as settled: long enough for an
/// agent writing a tool in several steps, short enough to feel live.
pub(crate) const SETTLE: Duration = Duration::from_millis(120);

/// What changed, already read from disk.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchUpdate {
    /// Tools whose folder (or bare script) changed or appeared, freshly loaded, and the
    /// paths of tools that are gone.
    Tools {
        updated: Vec<ToolEntry>,
        removed: Vec<PathBuf>,
    },
    /// Events were lost (kernel queue overflow) or a whole tier changed: scan everything.
    Rescan,
    /// The watcher reported an error; the catalog may be stale until the next scan.
    Error(String),
}

/// Why the workspace could not be watched.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot watch", .root.display())]
pub struct WatchError {
    pub(crate) root: PathBuf,
    #[source]
    pub(crate) source: notify::Error,
}

/// Keeps the watch alive; dropping it stops watching.
pub struct WorkspaceWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// Setting the watch up walks every folder of the workspace while toolbench itself may be
/// making and renaming short-lived folders under `.toolbench/` (a seal adoption's staging,
/// another process's run): one gone between the walk's listing and its watch fails the whole
/// setup as "not found". The setup is tried again; a root that is gone is not.
const SETUP_ATTEMPTS: usize = 5;

/// A path gone from under the watch's setup, as notify reports it either way.
fn is_not_found(error: &notify::Error) -> bool {
    match &error.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

/// Starts watching `root` recursively, calling `on_update` from the watcher thread.
pub fn watch(
    root: &Path,
    limits: ScanLimits,
    on_update: impl Fn(WatchUpdate) + Send + 'static,
) -> Result<WorkspaceWatcher, WatchError> {
    let cannot = |source| WatchError {
        root: root.to_path_buf(),
        source,
    };
    let root_owned = root.to_path_buf();
    let mut debouncer = new_debouncer(
        SETTLE,
        None,
        move |result: DebounceEventResult| match result {
            Ok(events) => {
                if events.iter().any(|e| e.need_rescan()) {
                    on_update(WatchUpdate::Rescan);
                    return;
                }
                // Reads (open, close without writing) are not changes: the scan and the reloads
                // below read every tool, and counting them would feed back forever.
                let paths = events
                    .iter()
                    .filter(|e| !matches!(e.kind, notify::EventKind::Access(_)))
                    .flat_map(|e| e.paths.iter().cloned());
                match affected_tools(&root_owned, paths) {
                    Affected::Tools(tools) if tools.is_empty() => {}
                    Affected::Tools(tools) => on_update(reload(&root_owned, limits, tools)),
                    Affected::Everything => on_update(WatchUpdate::Rescan),
                }
            }
            Err(errors) => {
                let text = errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                on_update(WatchUpdate::Error(text));
            }
        },
    )
    .map_err(cannot)?;
    let mut attempt = 1;
    while let Err(e) = debouncer.watch(root, RecursiveMode::Recursive) {
        if attempt == SETUP_ATTEMPTS || !is_not_found(&e) || !root.is_dir() {
            return Err(cannot(e));
        }
        attempt += 1;
    }
    // Nothing in the state folder is a tool, and toolbench itself reads and writes there all
    // the time (every seal read, run log and store write): watched, those events fill the
    // kernel's queue until it overflows, and an overflow asks for a rescan, whose reads
    // overflow it again. A workspace without the folder yet has nothing there to leave out.
    let _ = debouncer.unwatch(root.join(STATE_DIR));
    Ok(WorkspaceWatcher {
        _debouncer: debouncer,
    })
}

#[derive(Debug, PartialEq)]
enum Affected {
    /// Tool paths (`<root>/<tier>/<dir or script>`) with their tier.
    Tools(BTreeSet<(Tier, PathBuf)>),
    Everything,
}

/// Maps changed paths to the tools they belong to.
fn affected_tools(root: &Path, paths: impl Iterator<Item = PathBuf>) -> Affected {
    let mut tools = BTreeSet::new();
    for path in paths {
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let mut parts = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let Some(first) = parts.next() else {
            return Affected::Everything;
        };
        if first == STATE_DIR {
            continue;
        }
        let Ok(tier) = first.parse::<Tier>() else {
            // toolbench.toml or other files at the root are not tools.
            continue;
        };
        match parts.next() {
            None => return Affected::Everything, // a tier folder itself appeared or vanished
            Some(dir) if dir.starts_with('.') => {}
            Some(dir) => {
                tools.insert((tier, root.join(&first).join(dir)));
            }
        }
    }
    Affected::Tools(tools)
}

/// The tools at `paths` read again, as the watcher would report them: what a front end's own
/// change (a decision) touched, without waiting for the watcher or scanning every tool.
pub(crate) fn reload_paths(root: &Path, limits: ScanLimits, paths: Vec<PathBuf>) -> WatchUpdate {
    match affected_tools(root, paths.into_iter()) {
        Affected::Tools(tools) => reload(root, limits, tools),
        Affected::Everything => WatchUpdate::Rescan,
    }
}

fn reload(root: &Path, limits: ScanLimits, tools: BTreeSet<(Tier, PathBuf)>) -> WatchUpdate {
    let mut updated = Vec::new();
    let mut removed = Vec::new();
    for (tier, path) in tools {
        match std::fs::symlink_metadata(&path) {
            Err(_) => removed.push(path),
            Ok(_) => match scan::load_path(root, tier, &path, limits) {
                Some(mut entry) => {
                    entry.drift = crate::seal::drift_now(root, &entry);
                    updated.push(entry);
                }
                None => removed.push(path),
            },
        }
    }
    WatchUpdate::Tools { updated, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloading_a_decisions_paths_reads_those_tools_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let moved_to = root.join("approved/greet");
        std::fs::create_dir_all(&moved_to).expect("mkdir");
        std::fs::write(
            moved_to.join("tool.toml"),
            "name = \"greet\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
        )
        .expect("manifest");
        // A broken neighbour that a scan would read and this must not.
        std::fs::create_dir_all(root.join("approved/other")).expect("mkdir");
        let update = reload_paths(
            root,
            ScanLimits::default(),
            vec![root.join("experimental/greet"), moved_to.clone()],
        );
        let WatchUpdate::Tools { updated, removed } = update else {
            panic!("tools expected: {update:?}");
        };
        let updated: Vec<_> = updated.iter().map(|e| e.path.clone()).collect();
        assert_eq!(updated, [moved_to]);
        assert_eq!(removed, [root.join("experimental/greet")]);
        assert!(matches!(
            reload_paths(root, ScanLimits::default(), vec![root.join("approved")]),
            WatchUpdate::Rescan
        ));
    }

    #[test]
    fn paths_map_to_their_tools_and_state_is_ignored() {
        let root = Path::new("/ws");
        let paths = [
            "/ws/experimental/a/tool.toml",
            "/ws/experimental/a/main.py",
            "/ws/approved/b/tests/one.toml",
            "/ws/.toolbench/state.db",
            "/ws/toolbench.toml",
            "/elsewhere/x",
        ]
        .map(PathBuf::from);
        let Affected::Tools(tools) = affected_tools(root, paths.into_iter()) else {
            panic!("no rescan expected");
        };
        let tools: Vec<_> = tools.into_iter().collect();
        assert_eq!(
            tools,
            [
                (Tier::Approved, PathBuf::from("/ws/approved/b")),
                (Tier::Experimental, PathBuf::from("/ws/experimental/a"))
            ]
        );
        assert_eq!(
            affected_tools(root, [PathBuf::from("/ws/core")].into_iter()),
            Affected::Everything
        );
    }

    fn write_tool(root: &Path, dir: &str) {
        let folder = root.join("experimental").join(dir);
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("tool.toml"), format!("name = \"{dir}\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"r.sh\"]\n"))
            .expect("write");
    }

    #[test]
    fn reads_are_not_changes_but_writes_are() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tool(dir.path(), "old");
        let (tx, rx) = std::sync::mpsc::channel();
        let _watcher = watch(dir.path(), ScanLimits::default(), move |u| {
            let _ = tx.send(u);
        })
        .expect("watch");
        std::thread::sleep(Duration::from_millis(100));
        let _ = std::fs::read_to_string(dir.path().join("experimental/old/tool.toml"));
        let _ = std::fs::read_dir(dir.path().join("experimental")).map(|d| d.count());
        assert!(
            rx.recv_timeout(SETTLE * 4).is_err(),
            "a read was reported as a change"
        );
        write_tool(dir.path(), "new");
        let update = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the new tool is reported");
        let WatchUpdate::Tools { updated, .. } = update else {
            panic!("expected tools, got {update:?}");
        };
        assert_eq!(
            updated.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["new"]
        );
    }

    /// The inodes this process's inotify instances watch, read from `/proc/self/fdinfo`.
    fn watched_inodes() -> std::collections::HashSet<u64> {
        let mut inodes = std::collections::HashSet::new();
        let Ok(fds) = std::fs::read_dir("/proc/self/fdinfo") else {
            return inodes;
        };
        for fd in fds.flatten() {
            let Ok(info) = std::fs::read_to_string(fd.path()) else {
                continue;
            };
            for line in info.lines().filter(|l| l.starts_with("inotify wd:")) {
                let inode = line
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix("ino:"))
                    .and_then(|hex| u64::from_str_radix(hex, 16).ok());
                inodes.extend(inode);
            }
        }
        inodes
    }

    #[test]
    fn the_state_folder_is_not_watched_so_its_traffic_cannot_flood_the_watch() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        write_tool(dir.path(), "tool");
        let runs = dir.path().join(STATE_DIR).join("runs/one");
        std::fs::create_dir_all(&runs).expect("state folders");
        let _watcher = watch(dir.path(), ScanLimits::default(), |_| {}).expect("watch");
        let inode = |path: &Path| std::fs::metadata(path).expect("metadata").ino();
        let watched = watched_inodes();
        assert!(
            watched.contains(&inode(&dir.path().join("experimental/tool"))),
            "the tools are watched"
        );
        for state in [dir.path().join(STATE_DIR), runs.clone()] {
            assert!(
                !watched.contains(&inode(&state)),
                "{} is watched",
                state.display()
            );
        }
        // A folder made there later is not watched either.
        let later = dir.path().join(STATE_DIR).join("runs/two");
        std::fs::create_dir_all(&later).expect("a later run's folder");
        write_tool(dir.path(), "second");
        std::thread::sleep(SETTLE * 4);
        let watched = watched_inodes();
        assert!(
            !watched.contains(&inode(&later)),
            "a later state folder is watched"
        );
        assert!(watched.contains(&inode(&dir.path().join("experimental/second"))));
    }

    #[test]
    fn a_folder_gone_while_the_watch_is_set_up_is_not_a_failure_but_a_root_gone_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tool(dir.path(), "tool");
        let state = dir.path().join(STATE_DIR);
        let churning = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        // Short-lived folders made and removed as fast as possible, as an adoption's staging.
        let churn = {
            let (state, churning) = (state.clone(), std::sync::Arc::clone(&churning));
            std::thread::spawn(move || {
                let mut i = 0u64;
                while churning.load(std::sync::atomic::Ordering::Relaxed) {
                    let folder = state.join(format!(".staging-{i}/a/b"));
                    let _ = std::fs::create_dir_all(&folder);
                    let _ = std::fs::remove_dir_all(state.join(format!(".staging-{i}")));
                    i += 1;
                }
            })
        };
        for _ in 0..20 {
            watch(dir.path(), ScanLimits::default(), |_| {}).expect("watched despite the churn");
        }
        churning.store(false, std::sync::atomic::Ordering::Relaxed);
        churn.join().expect("churn");

        let gone = dir.path().join("gone");
        let err = watch(&gone, ScanLimits::default(), |_| {})
            .err()
            .expect("a root that is not there");
        assert!(err.to_string().contains("gone"), "{err}");
    }
}
