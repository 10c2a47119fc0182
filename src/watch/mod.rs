//! Watching the workspace: notify events, debounced until files settle, turned into reloaded
//! catalog entries.
//!
//! Runs on the debouncer's thread, so the reading of changed tools never touches the UI
//! thread. Only the tier folders are watched (and the root, for tiers that come and go):
//! `.toolbench/` is not, since toolbench's own writes are not tool changes. Front ends
//! watch through the watch job (`jobs::watch`), which tells every update to each observer.

mod changes_only;
mod limit;
mod tiers;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notify_debouncer_full::{DebounceEventResult, NoCache, RecommendedCache, new_debouncer_opt};

pub(crate) use self::changes_only::ChangesOnly;
use self::tiers::TierWatch;

use crate::catalog::scan::{self, ScanLimits};
use crate::model::watch_error::WatchError;
use crate::model::{Tier, ToolEntry};
use crate::workspace::STATE_DIR;

/// Quiet time after the last event on a file before it counts as settled: long enough for an
/// agent writing a tool in several steps, short enough to feel live.
pub(crate) const SETTLE: Duration = Duration::from_millis(120);
/// How often the debouncer looks for settled changes. Its thread wakes this often whether or
/// not anything changed, so a workbench at rest pays it; by default a quarter of `SETTLE`
/// (33 wakes a second), here `SETTLE` itself: a change shows 120–240 ms after the last write
/// instead of 120–150 ms.
const SETTLED_LOOK: Duration = SETTLE;

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
    /// The seals changed (a person accepted or approved tools in another process, or the
    /// workspace was accepted): every active tool's drift is read again, no tool.
    Seals,
    /// The watcher reported an error; the catalog may be stale until the next scan.
    Error(String),
}

/// Keeps the watch alive; dropping it stops watching.
pub struct WorkspaceWatcher {
    _tiers: tiers::SharedTierWatch,
    polling: Option<String>,
}

impl WorkspaceWatcher {
    /// Why the tool folders are looked at every few seconds instead of watched (the kernel's
    /// inotify watches ran out), when they are.
    pub(crate) fn polling(&self) -> Option<&str> {
        self.polling.as_deref()
    }
}

/// What tells the watch of a change.
#[derive(Clone, Copy)]
enum Backend {
    /// The kernel (inotify), at once.
    Kernel,
    /// A look at every file's metadata every `limit::POLL_EVERY`.
    Polling,
}

type Listener = Arc<dyn Fn(WatchUpdate) + Send + Sync>;

/// Starts watching the tools of `root` (its tier folders, and the root itself for tiers that
/// come and go), calling `on_update` from the watcher thread. When the kernel's watches run
/// out, the tool folders are polled instead (`WorkspaceWatcher::polling` says so).
pub fn watch(
    root: &Path,
    limits: ScanLimits,
    on_update: impl Fn(WatchUpdate) + Send + Sync + 'static,
) -> Result<WorkspaceWatcher, WatchError> {
    let on_update: Listener = Arc::new(on_update);
    let cannot = |source| WatchError {
        root: root.to_path_buf(),
        source,
    };
    match watch_by(Backend::Kernel, root, limits, &on_update) {
        Err(e) if limit::is_spent(&e) => Ok(WorkspaceWatcher {
            polling: Some(limit::polling_line(&e)),
            ..watch_by(Backend::Polling, root, limits, &on_update).map_err(cannot)?
        }),
        watched => watched.map_err(cannot),
    }
}

fn watch_by(
    backend: Backend,
    root: &Path,
    limits: ScanLimits,
    on_update: &Listener,
) -> notify::Result<WorkspaceWatcher> {
    let shared: tiers::SharedTierWatch = Arc::new(Mutex::new(None));
    let tell_acceptance = Arc::clone(on_update);
    // The handler waits for the setup to end before it follows a tier folder that came.
    let mut setup = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let handle = Arc::downgrade(&shared);
    let (root_owned, on_update) = (root.to_path_buf(), Arc::clone(on_update));
    // Whether a tier folder came, went or was replaced (then a rescan reads it all).
    let tiers_changed = move |on_update: &Listener| match tiers::follow_again(&handle, &root_owned)
    {
        Ok(changed) => changed,
        Err(problem) => {
            on_update(WatchUpdate::Error(problem));
            true
        }
    };
    let root_owned = root.to_path_buf();
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            if events.iter().any(|e| e.need_rescan()) {
                tiers_changed(&on_update);
                on_update(WatchUpdate::Rescan);
                return;
            }
            // Reads never come (`ChangesOnly`): the scan and the reloads below read every
            // tool, and counting them would feed back forever.
            let paths = events.iter().flat_map(|e| e.paths.iter().cloned());
            let affected = affected_tools(&root_owned, paths);
            if (affected.tier_folders || affected.seals) && tiers_changed(&on_update) {
                on_update(WatchUpdate::Rescan);
            } else if !affected.tools.is_empty() {
                on_update(reload(&root_owned, limits, affected.tools));
            }
            if affected.seals {
                on_update(WatchUpdate::Seals);
            }
        }
        Err(errors) => {
            let text = errors
                .iter()
                .map(limit::describe)
                .collect::<Vec<_>>()
                .join("; ");
            on_update(WatchUpdate::Error(text));
        }
    };
    // A symlink in a tool folder is content, never a way in: followed, one to `/` would have
    // the watch walk and watch the whole machine.
    let config = notify::Config::default().with_follow_symlinks(false);
    let debouncer: Box<dyn tiers::Watches> = match backend {
        Backend::Kernel => Box::new(new_debouncer_opt::<
            _,
            ChangesOnly<notify::RecommendedWatcher>,
            _,
        >(
            SETTLE,
            Some(SETTLED_LOOK),
            handler,
            RecommendedCache::default(),
            config,
        )?),
        Backend::Polling => Box::new(new_debouncer_opt::<_, ChangesOnly<notify::PollWatcher>, _>(
            SETTLE,
            Some(SETTLED_LOOK),
            handler,
            NoCache,
            config.with_poll_interval(limit::POLL_EVERY),
        )?),
    };
    let started = TierWatch::start(debouncer, root)?;
    let has_seals = started.has_seals();
    *setup = Some(started);
    drop(setup);
    if !has_seals {
        tiers::await_acceptance(Arc::downgrade(&shared), root, move || {
            tell_acceptance(WatchUpdate::Seals);
        });
    }
    Ok(WorkspaceWatcher {
        _tiers: shared,
        polling: None,
    })
}

/// What a batch of changed paths touched.
#[derive(Debug, Default, PartialEq)]
struct Affected {
    /// Tool paths (`<root>/<tier>/<dir or script>`) with their tier.
    tools: BTreeSet<(Tier, PathBuf)>,
    /// The root or a tier folder itself: one may have come, gone or been replaced. (Polling
    /// also reports a tier folder whose list of tools changed.)
    tier_folders: bool,
    /// The seals, or the state folder that holds them.
    seals: bool,
}

/// Maps changed paths to the tools they belong to.
fn affected_tools(root: &Path, paths: impl Iterator<Item = PathBuf>) -> Affected {
    let mut affected = Affected::default();
    for path in paths {
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let mut parts = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let Some(first) = parts.next() else {
            affected.tier_folders = true;
            continue;
        };
        if first == crate::signature::REVIEWS_DIR {
            // Statements and reviewers: what may run changes, no tool does.
            affected.seals = true;
            continue;
        }
        if first == STATE_DIR {
            // Only the seals are watched in the state folder; its other files are
            // toolbench's own traffic.
            affected.seals |= parts.next().as_deref() == Some(crate::seal::SEALS_DIR);
            continue;
        }
        let Ok(tier) = first.parse::<Tier>() else {
            // toolbench.toml or other files at the root are not tools.
            continue;
        };
        match parts.next() {
            None => affected.tier_folders = true,
            Some(dir) if dir.starts_with('.') => {}
            Some(dir) => {
                affected.tools.insert((tier, root.join(&first).join(dir)));
            }
        }
    }
    affected
}

/// The tools at `paths` read again, as the watcher would report them: what a front end's own
/// change (a decision) touched, without waiting for the watcher or scanning every tool.
pub(crate) fn reload_paths(root: &Path, limits: ScanLimits, paths: Vec<PathBuf>) -> WatchUpdate {
    match affected_tools(root, paths.into_iter()) {
        Affected {
            tier_folders: true, ..
        } => WatchUpdate::Rescan,
        Affected { tools, .. } => reload(root, limits, tools),
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
                    entry.drift = crate::seal::drift_now(root, &entry).map(Box::new);
                    entry.signature = crate::signature::Standing::load(root)
                        .signature_of(root, &entry)
                        .map(Box::new);
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
        let affected = affected_tools(root, paths.into_iter());
        assert!(!affected.tier_folders);
        let tools: Vec<_> = affected.tools.into_iter().collect();
        assert_eq!(
            tools,
            [
                (Tier::Approved, PathBuf::from("/ws/approved/b")),
                (Tier::Experimental, PathBuf::from("/ws/experimental/a"))
            ]
        );
        let tier = affected_tools(root, [PathBuf::from("/ws/core")].into_iter());
        assert!(tier.tier_folders && tier.tools.is_empty());
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
        let dir = tempfile::tempdir().expect("tempdir");
        write_tool(dir.path(), "tool");
        let runs = dir.path().join(STATE_DIR).join("runs/one");
        std::fs::create_dir_all(&runs).expect("state folders");
        let _watcher = watch(dir.path(), ScanLimits::default(), |_| {}).expect("watch");
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

    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).expect("metadata").ino()
    }

    /// The next update that names tools, skipping rescans and empty ones.
    fn next_tools(rx: &std::sync::mpsc::Receiver<WatchUpdate>) -> Vec<String> {
        loop {
            match rx.recv_timeout(Duration::from_secs(5)).expect("an update") {
                WatchUpdate::Tools { updated, .. } if !updated.is_empty() => {
                    return updated.into_iter().map(|e| e.name).collect();
                }
                WatchUpdate::Error(e) => panic!("the watch failed: {e}"),
                _ => {}
            }
        }
    }

    #[test]
    fn only_the_tier_folders_are_watched_and_symlinks_are_never_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("a folder outside the workspace");
        std::fs::create_dir_all(outside.path().join("deep/er")).expect("outside folders");
        write_tool(dir.path(), "tool");
        let tool = dir.path().join("experimental/tool");
        std::os::unix::fs::symlink(outside.path(), tool.join("link")).expect("symlink");
        let beside = dir.path().join("notes/drafts");
        std::fs::create_dir_all(&beside).expect("a folder beside the tiers");
        let _watcher = watch(dir.path(), ScanLimits::default(), |_| {}).expect("watch");

        // A folder moved in later with a symlink inside is not followed either.
        let staged = tempfile::tempdir().expect("staging");
        let later = staged.path().join("later");
        std::fs::create_dir_all(&later).expect("later");
        std::os::unix::fs::symlink(outside.path(), later.join("link")).expect("symlink");
        std::fs::rename(&later, dir.path().join("experimental/later")).expect("moved in");
        std::thread::sleep(SETTLE * 4);

        let watched = watched_inodes();
        assert!(watched.contains(&inode(&tool)), "the tools are watched");
        assert!(watched.contains(&inode(&dir.path().join("experimental/later"))));
        for unwatched in [
            outside.path().to_path_buf(),
            outside.path().join("deep"),
            outside.path().join("deep/er"),
            dir.path().join("notes"),
            beside,
        ] {
            assert!(
                !watched.contains(&inode(&unwatched)),
                "{} is watched",
                unwatched.display()
            );
        }
    }

    #[test]
    fn a_tier_folder_made_or_replaced_after_the_watch_started_is_watched() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("approved")).expect("one tier");
        let (tx, rx) = std::sync::mpsc::channel();
        let _watcher = watch(dir.path(), ScanLimits::default(), move |u| {
            let _ = tx.send(u);
        })
        .expect("watch");
        // `experimental/` is not there yet (a fresh clone leaves it out).
        std::fs::create_dir(dir.path().join("experimental")).expect("the tier appears");
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)),
            Ok(WatchUpdate::Rescan)
        );
        write_tool(dir.path(), "first");
        assert_eq!(next_tools(&rx), ["first"]);

        // Moved away and made again: the new folder is watched, not the old one.
        let away = dir.path().join("experimental-old");
        std::fs::rename(dir.path().join("experimental"), &away).expect("moved away");
        std::fs::create_dir(dir.path().join("experimental")).expect("made again");
        std::thread::sleep(SETTLE * 4);
        while rx.try_recv().is_ok() {}
        write_tool(dir.path(), "second");
        assert_eq!(next_tools(&rx), ["second"]);
        assert!(
            !watched_inodes().contains(&inode(&away)),
            "the old tier is watched"
        );
    }

    #[test]
    fn polled_tool_folders_report_a_tier_that_came_and_a_new_tool_in_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("approved")).expect("one tier");
        let (tx, rx) = std::sync::mpsc::channel();
        let listener: Listener = Arc::new(move |u| {
            let _ = tx.send(u);
        });
        let _watcher = watch_by(
            Backend::Polling,
            dir.path(),
            ScanLimits::default(),
            &listener,
        )
        .expect("polled");
        std::fs::create_dir(dir.path().join("experimental")).expect("the tier appears");
        let heard = rx.recv_timeout(limit::POLL_EVERY * 3);
        assert_eq!(heard, Ok(WatchUpdate::Rescan));
        write_tool(dir.path(), "first");
        assert_eq!(next_tools(&rx), ["first"]);
    }

    #[test]
    fn a_folder_gone_while_the_watch_is_set_up_is_not_a_failure_but_a_root_gone_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tool(dir.path(), "tool");
        let tier = dir.path().join("experimental");
        let churning = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        // Short-lived folders made and removed as fast as possible, as an agent proposal's staging.
        let churn = {
            let (tier, churning) = (tier.clone(), std::sync::Arc::clone(&churning));
            std::thread::spawn(move || {
                let mut i = 0u64;
                while churning.load(std::sync::atomic::Ordering::Relaxed) {
                    let folder = tier.join(format!(".staging-{i}/a/b"));
                    let _ = std::fs::create_dir_all(&folder);
                    let _ = std::fs::remove_dir_all(tier.join(format!(".staging-{i}")));
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
