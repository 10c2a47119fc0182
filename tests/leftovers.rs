//! Nothing of a run outlives its collection, whatever was killed when: no file in
//! `.toolbench/running/` (an empty run file, a temporary one), no scratch folder, no cgroup.
//!
//! The starters run in a cgroup of this test's own (as root, on cgroup v1, where runs make
//! theirs beside their starter's), so the cgroups counted are this test's runs' and no other
//! test's.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A memory and a pids cgroup of this test's own; removed on drop.
struct OwnCgroups {
    dirs: Vec<PathBuf>,
}

impl OwnCgroups {
    /// `None` (said on stderr) where runs make no cgroup of their own: not root, or cgroup v2.
    fn make(name: &str) -> Option<Self> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("cgroups not checked: runs make cgroups only as root");
            return None;
        }
        let memberships = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let mut dirs = Vec::new();
        for controller in ["memory", "pids"] {
            let own = memberships.lines().find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                controllers
                    .split(',')
                    .any(|c| c == controller)
                    .then_some(path)
            });
            let mount = Path::new("/sys/fs/cgroup").join(controller);
            let Some(own) = own.filter(|_| mount.is_dir()) else {
                eprintln!("cgroups not checked: no v1 {controller} hierarchy");
                return None;
            };
            let dir = mount.join(own.trim_start_matches('/')).join(name);
            std::fs::create_dir_all(&dir).ok()?;
            dirs.push(dir);
        }
        Some(OwnCgroups { dirs })
    }

    /// `command` started inside these cgroups.
    fn wrap(&self, command: &Command) -> Command {
        let mut join = String::new();
        for dir in &self.dirs {
            join.push_str(&format!("echo $$ > '{}/tasks' && ", dir.display()));
        }
        let mut wrapped = Command::new("sh");
        wrapped
            .arg("-c")
            .arg(format!("{join}exec \"$0\" \"$@\""))
            .arg(command.get_program())
            .args(command.get_args());
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(key, value),
                None => wrapped.env_remove(key),
            };
        }
        wrapped
    }

    /// The runs' cgroups left in ours.
    fn left(&self) -> Vec<PathBuf> {
        self.dirs
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect()
    }
}

impl Drop for OwnCgroups {
    fn drop(&mut self) {
        for dir in &self.dirs {
            for child in self.left() {
                let _ = std::fs::remove_dir(child);
            }
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Every file in the workspace's running folder, and every scratch folder left in a run's.
fn leftovers(root: &Path) -> Vec<PathBuf> {
    let files = std::fs::read_dir(root.join(".toolbench/running"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path());
    let scratch = std::fs::read_dir(root.join(".toolbench/runs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("scratch"))
        .filter(|p| p.exists());
    files.chain(scratch).collect()
}

/// `toolbench run` killed (kill -9) at every moment of its first 60 milliseconds, writing its
/// run's file or the run underway, then one collection: nothing of any of them is left, and
/// each run that was written down is stored once.
#[test]
fn starters_killed_at_any_moment_leave_nothing_once_collected() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "busy", "sleep 5\n", "");
    let cgroups = OwnCgroups::make(&format!("toolbench-test-{}", std::process::id()));
    let config = tempfile::tempdir().expect("config");
    let started = |args: &[&str]| {
        let command = toolbench_command(ws.path(), config.path(), args);
        match &cgroups {
            Some(cgroups) => cgroups.wrap(&command),
            None => command,
        }
    };
    // The test's cgroups are made, and runs make theirs in them.
    let warm = started(&["run", "busy", "--json"])
        .stdout(Stdio::null())
        .status()
        .expect("a run");
    assert!(warm.success());
    // A kill counts as mid-run when the run left a file of its own before it: under load a
    // starter may take longer than the 60 ms to get that far, so the rounds go on (the same
    // moments again) until enough kills came mid-run.
    let mut killed_running = 0;
    let mut round = 0u64;
    while killed_running < 15 && round < 300 {
        let before: std::collections::BTreeSet<PathBuf> =
            leftovers(ws.path()).into_iter().collect();
        let mut run = started(&["run", "busy"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run starts");
        std::thread::sleep(Duration::from_millis(round % 60));
        if leftovers(ws.path()).iter().any(|p| !before.contains(p)) {
            killed_running += 1;
        }
        run.kill().expect("kill -9");
        run.wait().expect("reaped");
        round += 1;
    }
    // The runs end with their starters' deaths: their helpers hold a parent-death signal.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !processes_naming(ws.path()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            processes_naming(ws.path())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        killed_running >= 15,
        "only {killed_running} kills of {round} came mid-run"
    );
    let collected = started(&["runs", "--json", "--limit", "1000"])
        .output()
        .expect("runs");
    assert!(collected.status.success(), "{}", stderr(&collected));
    assert_eq!(leftovers(ws.path()), Vec::<PathBuf>::new());
    if let Some(cgroups) = &cgroups {
        assert_eq!(
            cgroups.left(),
            Vec::<PathBuf>::new(),
            "cgroups of killed runs"
        );
    }
    let runs: Vec<serde_json::Value> =
        serde_json::from_slice(&collected.stdout).expect("runs --json");
    let folders: std::collections::BTreeSet<&str> =
        runs.iter().filter_map(|r| r["log_dir"].as_str()).collect();
    assert_eq!(folders.len(), runs.len(), "a run stored twice");
    let abandoned = runs.iter().filter(|r| r["status"] == "abandoned").count();
    assert!(
        abandoned > 10,
        "{abandoned} runs abandoned of {}",
        runs.len()
    );
}
