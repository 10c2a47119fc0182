//! Limits for the whole process tree through cgroups (v1 or v2), where
//! toolbench may create one: as root, or in a delegated v2 subtree.
//!
//! The helper creates one cgroup per controller for its run before it knows the run (a
//! helper forked ahead does this while its run is still being prepared). The limits are
//! written once the run is known, before pid 1 exists, and the cgroups are removed once the
//! run is over. Everything is opened before the user and mount namespaces (the files belong
//! to the real user, and `/sys` turns read-only); descriptors keep working on the host's
//! mounts.
//!
//! Who joins differs by version. On v1 pid 1 moves itself in as it starts, through `tasks`
//! opened by the helper, and the helper stays out: a page of a file it writes (the report)
//! would otherwise be charged to the run's cgroup and keep it alive, removed but dying, with
//! its kernel memory, until the page cache lets go of the page (one per run, for as long as
//! memory is free). On v2 a move writes `cgroup.procs`, which waits for an RCU grace period,
//! so the helper moves in ahead, before its run, and pid 1 starts inside.
//!
//! Background work (`SandboxPolicy::background`) gets a CPU share too: on v1 a group in the
//! `cpu` hierarchy beside the others, which the helper joins as it is made (nothing of a CPU
//! group is charged for memory), on v2 the same group. Niceness alone does not hold it
//! back where the kernel groups tasks by session (autogroup): the run's session would take
//! a whole session's share, as much as the command a person runs meanwhile.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, openat, unlinkat};

use super::mountinfo::{self, Mount, MountInfoError};
use super::path_failures::PathFailures;
use super::policy::SandboxPolicy;

const MIB: u64 = 1024 * 1024;

/// Background work's CPU weight, as much as the lowest niceness (19) weighs against niceness
/// 0 (the kernel's 15 against 1024): a command run meanwhile gets all but about a hundredth of
/// a CPU both want, and background work still takes every cycle nobody else wants. Lower
/// than the niceness its processes step back by (`helper::BACKGROUND_NICENESS`), which leaves
/// room below for a watched tool. v1 counts in 1024ths of the default, v2 in 100ths (its
/// least).
const BACKGROUND_SHARES_V1: &str = "15";
/// A v1 group's weight when nobody set it: niceness 0's.
const DEFAULT_SHARES_V1: &str = "1024";
const BACKGROUND_WEIGHT_V2: &str = "1";
/// And never more than one CPU, however many threads it starts.
const ONE_CPU_V2: &str = "100000 100000";

/// Why no cgroup limits the run (pid 1's watchdog then does).
#[derive(Debug, thiserror::Error)]
pub(super) enum CgroupError {
    #[error("cannot read /proc/self/cgroup")]
    Memberships(#[source] io::Error),
    #[error(transparent)]
    MountInfo(#[from] MountInfoError),
    #[error("{}", PathFailures(.0, "; "))]
    Refused(Vec<(PathBuf, io::Error)>),
    #[error("no memory and pids controllers available")]
    NoControllers,
}

/// Whether the run's cgroups also hold back its CPU use (background work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CpuShare {
    Default,
    Background,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// The run's cgroup in one hierarchy.
struct Group {
    version: Version,
    /// The folder holding ours, where the helper moves back before removing it.
    parent: OwnedFd,
    name: String,
    path: PathBuf,
    dir: OwnedFd,
    /// The limit files, opened for writing when the group was made.
    memory_max: Option<File>,
    pids_max: Option<File>,
    /// Best effort: kernels without swap accounting or group OOM lack them.
    swap_max: Option<File>,
    oom_group: Option<File>,
    /// v1 only: socket buffers are charged to a v1 memory cgroup once this holds a limit,
    /// and not at all before (v2 charges them to the memory limit itself).
    socket_max: Option<File>,
    /// Where pid 1 moves itself in, when the helper did not (v1).
    join: Option<File>,
    /// The helper moved itself in (v2; and v1's CPU group, where no memory is charged), so
    /// it moves out before the group is removed.
    helper_inside: bool,
    /// A background run's CPU weight and ceiling, when this group can hold them.
    cpu: Option<CpuFiles>,
    /// Whether the limit holds: written, or not yet written but writable.
    memory: bool,
    pids: bool,
}

/// A background run's CPU files: v1 `cpu.shares` and `cpu.cfs_quota_us` (with the period
/// it is counted in), v2 `cpu.weight` and `cpu.max`.
struct CpuFiles {
    weight: File,
    ceiling: Option<File>,
    period: Option<String>,
}

/// The run's cgroups; removed on drop.
pub(super) struct RunCgroups {
    groups: Vec<Group>,
}

/// What the cgroups saw of a finished run.
pub(super) struct CgroupUsage {
    pub(crate) peak_kb: Option<u64>,
    pub(crate) limit: Option<String>,
}

/// The folders where this process's runs make their cgroups: its own cgroup in each
/// hierarchy with a memory or pids controller, and with `cpu` for background runs.
fn run_bases(share: CpuShare) -> Result<Vec<(Version, PathBuf)>, CgroupError> {
    let wanted =
        |c: &str| c == "memory" || c == "pids" || (share == CpuShare::Background && c == "cpu");
    own_groups(|version, controllers| {
        version == Version::V2 || controllers.iter().any(|c| wanted(c))
    })
}

/// This process's own cgroup in each hierarchy that `wanted` picks, by version and controllers.
fn own_groups(
    wanted: impl Fn(Version, &[&str]) -> bool,
) -> Result<Vec<(Version, PathBuf)>, CgroupError> {
    let memberships = fs::read_to_string("/proc/self/cgroup").map_err(CgroupError::Memberships)?;
    let mounts = mountinfo::read()?;
    Ok(memberships
        .lines()
        .filter_map(parse_membership)
        .filter(|(version, controllers, _)| wanted(*version, controllers))
        .filter_map(|(version, controllers, path)| {
            Some((
                version,
                hierarchy_dir(&mounts, version, &controllers, path)?,
            ))
        })
        .collect())
}

/// Removes the cgroups runs left beside this process's (their starter and helper were
/// killed): what a process collecting abandoned runs tidies, rather than the next run made
/// here. A live helper's cgroup stays.
pub(crate) fn remove_stale_cgroups() {
    for (_, base) in run_bases(CpuShare::Background).unwrap_or_default() {
        if let Ok(parent) = File::open(&base) {
            remove_stale(&base, &parent.into());
        }
    }
}

/// The CPU group of this process's background threads (work nobody waits for, such as the
/// validation of what an agent wrote), beside its runs' groups: a background run's weight and
/// one CPU, and the background runs its threads start nest inside it (a helper's own group is
/// the one of the thread that started it), so all background work shares that one CPU.
///
/// v1 only: there a thread joins a group of its own through `tasks`; on v2 a process's threads
/// share its cgroup (unless the tree is made threaded, which a delegated subtree may refuse),
/// so there they only step back by their niceness. Left for the next process to remove
/// (`remove_stale`) once this one is gone: its threads are still leaving when it shuts down.
pub(crate) struct BackgroundThreads {
    tasks: File,
    cpu: CpuFiles,
}

impl BackgroundThreads {
    /// Makes this process's group in the v1 `cpu` hierarchy, when there is one we may write.
    pub(crate) fn create() -> io::Result<Self> {
        let base = own_groups(|version, controllers| {
            version == Version::V1 && controllers.contains(&"cpu")
        })
        .map_err(io::Error::other)?
        .into_iter()
        .next()
        .ok_or_else(|| io::Error::other("no v1 cpu hierarchy"))?
        .1;
        // Those of processes gone: each leaves its own behind (see above). Removed on a thread
        // of their own: a group whose last tasks are still leaving takes up to 100 ms, and
        // what starts this (the workbench, before its first frame) waits for none of it.
        let stale = base.clone();
        let _ = std::thread::Builder::new()
            .name("toolbench-tidy".into())
            .spawn(move || {
                if let Ok(parent) = File::open(&stale) {
                    remove_stale(&stale, &parent.into());
                }
            });
        let path = base.join(format!("toolbench-background-{}", std::process::id()));
        match fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let dir: OwnedFd = File::open(&path)?.into();
        let cpu = CpuFiles::open(Version::V1, &dir)
            .ok_or_else(|| io::Error::other("no cpu.shares to write"))?;
        cpu.write(Version::V1)?;
        let tasks = open_for_writing(&dir, Version::V1.membership_file())
            .ok_or_else(|| io::Error::other("no tasks file to write"))?;
        Ok(Self { tasks, cpu })
    }

    /// Moves the calling thread in; what it starts later begins there too.
    pub(crate) fn join_calling_thread(&self) -> io::Result<()> {
        (&self.tasks).write_all(b"0")
    }

    /// The default weight again, for the process's stop: its background runs are cancelled
    /// then, and recording them must not wait behind the other work of a busy machine (at a
    /// weight of 15 against every busy process's 1024 it could take longer than the stop
    /// waits). The ceiling of one CPU stays.
    pub(crate) fn step_forward(&self) -> io::Result<()> {
        (&self.cpu.weight).write_all(DEFAULT_SHARES_V1.as_bytes())
    }
}

impl RunCgroups {
    /// Creates the run's cgroups, with no limit yet (see `limit`), and moves the calling
    /// process into those that pid 1 does not join itself (v2). `Ok` when a group can take a
    /// memory or a process count limit.
    pub(crate) fn create(share: CpuShare) -> Result<Self, CgroupError> {
        let name = format!("toolbench-run-{}", std::process::id());
        let mut groups = Vec::new();
        let mut reasons = Vec::new();
        for (version, base) in run_bases(share)? {
            match Group::create(version, &base, &name, share) {
                Ok(group) => groups.push(group),
                Err(e) => reasons.push((base, e)),
            }
        }
        if !groups.is_empty() {
            return Ok(RunCgroups { groups });
        }
        if reasons.is_empty() {
            return Err(CgroupError::NoControllers);
        }
        Err(CgroupError::Refused(reasons))
    }

    /// Writes the run's limits. `Ok` with the cgroup version only when both memory and
    /// process count are limited; else the cgroups are removed and the watchdog takes over.
    pub(crate) fn limit(mut self, policy: &SandboxPolicy) -> Result<(Self, String), CgroupError> {
        let refused: Vec<(PathBuf, io::Error)> = self
            .groups
            .iter_mut()
            .filter_map(|group| Some((group.path.clone(), group.limit(policy).err()?)))
            .collect();
        let memory = self.groups.iter().any(|g| g.memory);
        let pids = self.groups.iter().any(|g| g.pids);
        if memory && pids {
            let version = match self.groups[0].version {
                Version::V1 => "v1",
                Version::V2 => "v2",
            };
            return Ok((self, version.to_string()));
        }
        if refused.is_empty() {
            return Err(CgroupError::NoControllers);
        }
        Err(CgroupError::Refused(refused))
    }

    /// In the helper's child (pid 1, or the tool's process without a pid namespace): moves
    /// it into the groups the helper did not join, then closes the descriptors, since the
    /// child must neither use nor remove the cgroups: that is the helper's job once the run
    /// is over.
    pub(crate) fn enter_from_child(mut self) -> io::Result<()> {
        let entered = self
            .groups
            .iter()
            .filter_map(|group| group.join.as_ref())
            .try_for_each(|mut tasks| tasks.write_all(b"0"));
        self.groups.clear();
        entered
    }

    /// The folders of the run's cgroups.
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.groups.iter().map(|g| g.path.clone()).collect()
    }

    /// Peak memory of the tree and whether a limit stopped something.
    pub(crate) fn usage(&self, policy: &SandboxPolicy) -> CgroupUsage {
        let mut usage = CgroupUsage {
            peak_kb: None,
            limit: None,
        };
        for group in &self.groups {
            let (peak_file, events_file) = match group.version {
                Version::V1 => ("memory.max_usage_in_bytes", "memory.oom_control"),
                Version::V2 => ("memory.peak", "memory.events"),
            };
            if group.memory {
                if let Some(bytes) = group
                    .read(peak_file)
                    .and_then(|t| t.trim().parse::<u64>().ok())
                {
                    usage.peak_kb = Some(bytes / 1024);
                }
                if group
                    .read(events_file)
                    .is_some_and(|t| counter(&t, "oom_kill") > 0)
                {
                    usage.limit = Some(super::watchdog::memory_limit_text(policy.memory_mb));
                }
            }
            if group.pids
                && usage.limit.is_none()
                && group
                    .read("pids.events")
                    .is_some_and(|t| counter(&t, "max") > 0)
            {
                usage.limit = Some(super::watchdog::process_limit_text(policy.max_processes));
            }
        }
        usage
    }
}

impl Drop for RunCgroups {
    fn drop(&mut self) {
        for group in &self.groups {
            if group.helper_inside {
                // A cgroup with a member cannot be removed: move out first.
                let _ = group.write_at(&group.parent, group.version.membership_file(), "0");
            }
            let _ = unlinkat(&group.parent, group.name.as_str(), AtFlags::REMOVEDIR);
        }
    }
}

impl Version {
    /// The file that moves the writer in when given "0". On v1 `tasks` moves just the
    /// calling thread (pid 1 has only one), which skips the global lock and RCU grace
    /// period a write to `cgroup.procs` waits for: about 7 ms per move.
    fn membership_file(self) -> &'static str {
        match self {
            Version::V1 => "tasks",
            Version::V2 => "cgroup.procs",
        }
    }

    /// Whether the helper joins ahead of its run, where a move is slow (v2), instead of pid
    /// 1 at its start (see the module's documentation).
    fn helper_joins(self) -> bool {
        self == Version::V2
    }
}

impl Group {
    fn create(version: Version, base: &Path, name: &str, share: CpuShare) -> io::Result<Self> {
        let parent: OwnedFd = File::open(base)?.into();
        remove_stale(base, &parent);
        if version == Version::V2 {
            // Only controllers the parent hands down exist in a child: without memory or
            // pids there is nothing to gain from a folder of our own.
            let delegated = read_at(&parent, "cgroup.subtree_control").unwrap_or_default();
            if !delegated
                .split_whitespace()
                .any(|c| c == "memory" || c == "pids")
            {
                return Err(io::Error::other("no memory or pids controller delegated"));
            }
        }
        let dir_path = base.join(name);
        match fs::create_dir(&dir_path) {
            Ok(()) => {}
            // Left by a helper that was killed: reuse it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let dir: OwnedFd = File::open(&dir_path)?.into();
        let open = |file: &str| open_for_writing(&dir, file);
        let (memory_max, swap_max, oom_group, pids_max) = match version {
            Version::V1 => (
                open("memory.limit_in_bytes"),
                // Without swap accounting the file is missing; there is no swap to limit then.
                open("memory.memsw.limit_in_bytes"),
                None,
                open("pids.max"),
            ),
            Version::V2 => {
                let controllers = read_at(&dir, "cgroup.controllers").unwrap_or_default();
                let has = |c: &str| controllers.split_whitespace().any(|w| w == c);
                let memory_max = has("memory").then(|| open("memory.max")).flatten();
                let memory = memory_max.is_some();
                (
                    memory_max,
                    memory.then(|| open("memory.swap.max")).flatten(),
                    memory.then(|| open("memory.oom.group")).flatten(),
                    has("pids").then(|| open("pids.max")).flatten(),
                )
            }
        };
        let socket_max = match version {
            Version::V1 => open("memory.kmem.tcp.limit_in_bytes"),
            Version::V2 => None,
        };
        let cpu = match share {
            CpuShare::Background => CpuFiles::open(version, &dir),
            CpuShare::Default => None,
        };
        let mut group = Group {
            version,
            parent,
            name: name.to_string(),
            path: dir_path,
            dir,
            memory: memory_max.is_some(),
            pids: pids_max.is_some(),
            memory_max,
            pids_max,
            swap_max,
            oom_group,
            socket_max,
            join: None,
            helper_inside: false,
            cpu,
        };
        if !(group.memory || group.pids || group.cpu.is_some()) {
            let _ = unlinkat(&group.parent, name, AtFlags::REMOVEDIR);
            return Err(io::Error::other("cannot set memory, pids or cpu limits"));
        }
        // A background run's CPU group holds its helper too: the helper's own work for the
        // run (namespaces, mounts) is background work as well.
        let cpu_alone = version == Version::V1 && !group.memory && !group.pids;
        group.helper_inside = version.helper_joins() || cpu_alone;
        let joined = if group.helper_inside {
            group.write_at(&group.dir, version.membership_file(), "0")
        } else {
            openat(
                &group.dir,
                version.membership_file(),
                OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map(|fd| group.join = Some(File::from(fd)))
            .map_err(io::Error::from)
        };
        if let Err(e) = joined {
            let _ = unlinkat(&group.parent, name, AtFlags::REMOVEDIR);
            return Err(e);
        }
        Ok(group)
    }

    /// Writes the run's limits into the files opened at creation. A limit refused no
    /// longer counts; the first refusal is returned.
    fn limit(&mut self, policy: &SandboxPolicy) -> io::Result<()> {
        let memory_bytes = policy.memory_mb.saturating_mul(MIB).to_string();
        // pid 1 is a member too, and on v2 the helper.
        let tasks = policy.max_processes.saturating_add(2).to_string();
        let memory = write_limit(self.memory_max.as_ref(), &memory_bytes);
        self.memory = memory.as_ref().is_ok_and(|written| *written);
        if self.memory {
            let swap = match self.version {
                // Swap included: never below the memory limit.
                Version::V1 => memory_bytes.as_str(),
                Version::V2 => "0",
            };
            let _ = write_limit(self.swap_max.as_ref(), swap);
            let _ = write_limit(self.oom_group.as_ref(), "1");
            // Socket buffers get a budget of the same size beside the memory limit: v1 keeps
            // them on a counter of their own.
            let _ = write_limit(self.socket_max.as_ref(), &memory_bytes);
        }
        let pids = write_limit(self.pids_max.as_ref(), &tasks);
        self.pids = pids.as_ref().is_ok_and(|written| *written);
        // Best effort: without it a background run keeps its niceness alone.
        if let Some(cpu) = &self.cpu {
            let _ = cpu.write(self.version);
        }
        memory.and(pids).map(|_| ())
    }

    fn write_at(&self, dir: &OwnedFd, file: &str, value: &str) -> io::Result<()> {
        let fd = openat(dir, file, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
        File::from(fd).write_all(value.as_bytes())
    }

    fn read(&self, file: &str) -> Option<String> {
        read_at(&self.dir, file)
    }
}

impl CpuFiles {
    /// The group's CPU files, when its hierarchy has the `cpu` controller.
    fn open(version: Version, dir: &OwnedFd) -> Option<Self> {
        let (weight, ceiling, period) = match version {
            Version::V1 => (
                "cpu.shares",
                "cpu.cfs_quota_us",
                read_at(dir, "cpu.cfs_period_us").map(|p| p.trim().to_string()),
            ),
            Version::V2 => ("cpu.weight", "cpu.max", None),
        };
        Some(CpuFiles {
            weight: open_for_writing(dir, weight)?,
            ceiling: open_for_writing(dir, ceiling),
            period,
        })
    }

    /// The background weight, and a ceiling of one CPU: a quota of one period per period.
    fn write(&self, version: Version) -> io::Result<()> {
        let (weight, ceiling) = match version {
            Version::V1 => (BACKGROUND_SHARES_V1, self.period.as_deref()),
            Version::V2 => (BACKGROUND_WEIGHT_V2, Some(ONE_CPU_V2)),
        };
        (&self.weight).write_all(weight.as_bytes())?;
        match (&self.ceiling, ceiling) {
            (Some(file), Some(value)) => (&*file).write_all(value.as_bytes()),
            _ => Ok(()),
        }
    }
}

/// Removes the cgroups of runs whose helper is gone without cleaning up (its starter was
/// killed), and the background groups of processes gone (`BackgroundThreads`) with what
/// they hold; a live process's group is left alone, and one with members cannot be removed.
fn remove_stale(base: &Path, parent: &OwnedFd) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| {
                n.strip_prefix("toolbench-run-")
                    .or_else(|| n.strip_prefix("toolbench-background-"))
            })
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A zombie (its parent gone, and a pid 1 slow to reap it) is no helper any longer.
        let alive =
            crate::proc_stat::ProcStat::read(pid).is_some_and(|stat| stat.field(3) != Some("Z"));
        if !alive {
            // A background group holds the groups of the runs its threads started.
            if let Ok(dir) = File::open(entry.path()) {
                remove_stale(&entry.path(), &dir.into());
            }
            // Its last processes may still be leaving (the namespace being torn down).
            for _ in 0..50 {
                match unlinkat(parent, name.as_os_str(), AtFlags::REMOVEDIR) {
                    Err(rustix::io::Errno::BUSY) => {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    _ => break,
                }
            }
        }
    }
}

fn open_for_writing(dir: &OwnedFd, file: &str) -> Option<File> {
    openat(dir, file, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())
        .ok()
        .map(File::from)
}

/// Writes a limit into its file when the group has one: `Ok(false)` when it has not.
fn write_limit(file: Option<&File>, value: &str) -> io::Result<bool> {
    match file {
        Some(mut file) => file.write_all(value.as_bytes()).map(|()| true),
        None => Ok(false),
    }
}

fn read_at(dir: &impl AsFd, file: &str) -> Option<String> {
    let fd = openat(dir, file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).ok()?;
    let mut text = String::new();
    File::from(fd).read_to_string(&mut text).ok()?;
    Some(text)
}

/// `name N` from a flat-keyed cgroup file.
fn counter(text: &str, name: &str) -> u64 {
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// `4:memory:/a/b` or `0::/a/b` from `/proc/self/cgroup`.
fn parse_membership(line: &str) -> Option<(Version, Vec<&str>, &str)> {
    let mut parts = line.splitn(3, ':');
    let id = parts.next()?;
    let controllers = parts.next()?;
    let path = parts.next()?;
    if id == "0" && controllers.is_empty() {
        return Some((Version::V2, Vec::new(), path));
    }
    Some((Version::V1, controllers.split(',').collect(), path))
}

/// Where the hierarchy holding `path` is mounted, joined with the part of
/// `path` below the mount's own root.
fn hierarchy_dir(
    mounts: &[Mount],
    version: Version,
    controllers: &[&str],
    path: &str,
) -> Option<PathBuf> {
    mounts.iter().find_map(|mount| {
        let matches = match version {
            Version::V2 => mount.fstype == "cgroup2",
            Version::V1 => {
                mount.fstype == "cgroup"
                    && controllers
                        .iter()
                        .all(|c| mount.super_options.split(',').any(|o| o == *c))
            }
        };
        if !matches {
            return None;
        }
        let below = path
            .strip_prefix(mount.root.as_str())
            .unwrap_or(path)
            .trim_start_matches('/');
        Some(mount.point.join(below))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memberships_of_both_versions_parse() {
        let (v, c, p) = parse_membership("4:memory:/process_api/x").expect("v1");
        assert_eq!((v, c, p), (Version::V1, vec!["memory"], "/process_api/x"));
        let (v, c, p) = parse_membership("0::/user.slice").expect("v2");
        assert_eq!((v, c.len(), p), (Version::V2, 0, "/user.slice"));
    }

    #[test]
    fn hierarchy_is_found_from_mountinfo() {
        let info = mountinfo::parse(
            "40 30 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
             41 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
        );
        assert_eq!(
            hierarchy_dir(&info, Version::V1, &["memory"], "/a/b"),
            Some(PathBuf::from("/sys/fs/cgroup/memory/a/b"))
        );
        assert_eq!(
            hierarchy_dir(&info, Version::V2, &[], "/"),
            Some(PathBuf::from("/sys/fs/cgroup/unified/"))
        );
        assert_eq!(hierarchy_dir(&info, Version::V1, &["pids"], "/"), None);
    }

    /// A folder with the given files, as a cgroup's, opened as `Group` opens its own. The
    /// files to be written start empty: a regular file, unlike a cgroup's, keeps what a
    /// shorter write leaves.
    fn folder_with(files: &[(&str, &str)]) -> (tempfile::TempDir, OwnedFd) {
        let folder = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            fs::write(folder.path().join(name), text).expect("file");
        }
        let dir = File::open(folder.path()).expect("open").into();
        (folder, dir)
    }

    #[test]
    fn a_background_share_is_niceness_nineteens_weight_and_one_cpu_in_either_version() {
        let (v1, dir) = folder_with(&[
            ("cpu.shares", ""),
            ("cpu.cfs_quota_us", ""),
            ("cpu.cfs_period_us", "50000\n"),
        ]);
        let cpu = CpuFiles::open(Version::V1, &dir).expect("v1 files");
        cpu.write(Version::V1).expect("written");
        let read = |name: &str| fs::read_to_string(v1.path().join(name)).expect("read");
        assert_eq!(read("cpu.shares"), "15");
        assert_eq!(read("cpu.cfs_quota_us"), "50000", "one period per period");

        let (v2, dir) = folder_with(&[("cpu.weight", ""), ("cpu.max", "")]);
        let cpu = CpuFiles::open(Version::V2, &dir).expect("v2 files");
        cpu.write(Version::V2).expect("written");
        let read = |name: &str| fs::read_to_string(v2.path().join(name)).expect("read");
        assert_eq!(read("cpu.weight"), "1");
        assert_eq!(read("cpu.max"), "100000 100000");

        let (_, dir) = folder_with(&[("memory.limit_in_bytes", "0")]);
        assert!(
            CpuFiles::open(Version::V1, &dir).is_none(),
            "no cpu controller"
        );
    }

    /// At the process's stop, background work gets the default weight back (its ceiling of
    /// one CPU stays), so its cancelled runs are recorded within the stop's wait.
    #[test]
    fn background_threads_step_forward_to_the_default_weight() {
        // As `create` left it: the background weight is 15 and the quota one CPU (a regular
        // file keeps what a write leaves, so the weight starts empty here).
        let (group, dir) = folder_with(&[
            ("cpu.shares", ""),
            ("cpu.cfs_quota_us", "100000"),
            ("cpu.cfs_period_us", "100000\n"),
            ("tasks", ""),
        ]);
        let cpu = CpuFiles::open(Version::V1, &dir).expect("v1 files");
        let tasks = open_for_writing(&dir, "tasks").expect("tasks");
        let threads = BackgroundThreads { tasks, cpu };
        threads.step_forward().expect("stepped forward");
        let read = |name: &str| fs::read_to_string(group.path().join(name)).expect("read");
        assert_eq!(read("cpu.shares"), "1024");
        assert_eq!(read("cpu.cfs_quota_us"), "100000", "still one CPU");
    }

    #[test]
    fn counters_are_read_by_name() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
        assert_eq!(counter(text, "oom_kill"), 2);
        assert_eq!(counter(text, "missing"), 0);
    }
}
