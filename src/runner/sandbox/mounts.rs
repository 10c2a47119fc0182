//! The run's view of the filesystem, built in its own mount namespace the
//! way bubblewrap builds one: every mount read-only, the hidden paths empty,
//! a fresh tmpfs as scratch (and as `/tmp`), a minimal `/dev`, the run's own
//! `/proc`, and the folders the run needs (the tool's) still reachable,
//! read-only, even when they live under a covered path such as `/tmp`.
//!
//! The helper unshares the user, mount and pid namespaces, then builds what every run
//! shares (`prepare_world`, hidden files included) before it knows its run; pid 1 completes
//! the view for the run (`build`), hidden folders included, since a folder may hold what the
//! run needs visible. The mounts never reach the host.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, symlink};
use std::path::{Path, PathBuf};

use super::mount_calls::{Bind, cstring, fd_path, mount, mount_of, open_path, tree_read_only};
use super::mountinfo::{self, MountInfoError};
use super::path_failures::PathFailures;
use super::policy::SandboxPolicy;
use super::seen_as_nobody::CallersView;
use crate::model::protections::Protections;

/// Why part of the run's view of the filesystem is missing.
#[derive(Debug, thiserror::Error)]
pub(super) enum MountError {
    #[error("unavailable")]
    Private(#[source] io::Error),
    #[error(transparent)]
    MountInfo(#[from] MountInfoError),
    #[error("still writable: {}", PathFailures(.0, ", "))]
    StillWritable(Vec<(PathBuf, io::Error)>),
    #[error("still visible: {}", PathFailures(.0, ", "))]
    StillVisible(Vec<(PathBuf, io::Error)>),
    #[error("cannot mount tmpfs")]
    DevTmpfs(#[source] io::Error),
    #[error("{}", .path.display())]
    At {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot mount")]
    Proc(#[source] io::Error),
    #[error("no pid namespace")]
    NoPidNamespace,
    #[error("cannot enter {}", .path.display())]
    Enter {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} not shown: a link now leads elsewhere", .0.display())]
    Redirected(PathBuf),
    #[error("{} cannot be shown: {reason}", .path.display())]
    Unopened { path: PathBuf, reason: String },
    #[error("cannot keep {} visible", .path.display())]
    KeepVisible {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl MountError {
    fn at(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| MountError::At {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Device nodes a run gets; no terminal among them.
const DEV_NODES: [&str; 5] = ["null", "zero", "full", "random", "urandom"];
/// Size of the tmpfs that stands in for a hidden folder or for `/dev`.
const SMALL_TMPFS: &str = "size=64k,mode=755";

/// The part of the run's view that is the same for every run, built by the helper before
/// it knows its run, in the mount namespace pid 1 then shares: every mount private and
/// read-only, the minimal `/dev`, and the files of `hide_ahead` hidden.
pub(super) struct World {
    read_only: Result<String, MountError>,
    dev: Result<String, MountError>,
    /// The paths the world was asked to hide, sorted: `build` skips them.
    ahead: Vec<PathBuf>,
    /// The folders among them, covered by `build`: a folder may hold a path the run needs
    /// visible, which must be opened before the folder is covered.
    folders: Vec<PathBuf>,
    hiding: Hiding,
    null: Null,
    /// Where what the run is granted is opened: with the caller's rights.
    pub(super) callers: CallersView,
}

/// Builds the `World`; `Err` when the mount namespace cannot be made private, in which case
/// nothing was mounted.
pub(super) fn prepare_world(
    hide_ahead: &[PathBuf],
    callers: CallersView,
) -> Result<World, MountError> {
    mount(
        None::<&Path>,
        "/",
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )
    .map_err(MountError::Private)?;
    // Opened before /dev is covered; bind mounts are made from these.
    let devices: Vec<(&str, Option<OwnedFd>)> = DEV_NODES
        .iter()
        .map(|name| {
            (
                *name,
                open_path(Path::new("/dev").join(name).as_path()).ok(),
            )
        })
        .collect();
    let read_only = read_only_world();
    let dev = minimal_dev(&devices);
    let null = Null::open();
    let mut hiding = Hiding::default();
    let mut folders = Vec::new();
    for path in hide_ahead {
        match is_folder(path) {
            Some(true) => folders.push(path.clone()),
            Some(false) => hiding.hide_file(path, &null),
            None => {}
        }
    }
    let mut ahead = hide_ahead.to_vec();
    ahead.sort();
    Ok(World {
        read_only,
        dev,
        ahead,
        folders,
        hiding,
        null,
        callers,
    })
}

/// Completes the view on `world` for the run, its `hide` and the other workspaces' state
/// folders `(cover, left_to_landlock)` asks to cover covered (the `hidden` layer counts those
/// left), and records the `mountns`, `hidden`, `dev`, `proc` and `scratch` layers. Returns
/// false when the namespace itself is missing, in which case nothing was mounted.
pub(super) fn build(
    policy: &SandboxPolicy,
    (cover, left): (&[PathBuf], usize),
    world: Result<World, MountError>,
    own_pid_ns: bool,
    p: &mut Protections,
) -> bool {
    let world = match world {
        Ok(world) => world,
        Err(e) => {
            p.set("mountns", Err(e));
            return false;
        }
    };
    // Opened before anything covers them, as the caller sees them.
    let callers = &world.callers;
    let visible: Vec<(PathBuf, OwnedFd)> = policy
        .visible
        .iter()
        .filter_map(|path| Some((path.clone(), callers.open_path(path).ok()?)))
        .collect();
    let granted = Granted::open(policy, callers);

    p.set("mountns", world.read_only);
    let mut hiding = world.hiding;
    let rest = policy
        .hide
        .iter()
        .chain(cover)
        .filter(|path| world.ahead.binary_search(path).is_err());
    // The world's folders are known to be folders; the rest is looked up here.
    let to_hide: Vec<(&PathBuf, Option<bool>)> = world
        .folders
        .iter()
        .map(|path| (path, Some(true)))
        .chain(rest.map(|path| (path, is_folder(path))))
        .collect();
    // Mount points are made later beneath these paths, so a folder covering one stays
    // writable until `seal_covers`.
    let later = Beneath::of(
        [policy.scratch_dir.as_path()]
            .into_iter()
            .chain(policy.visible.iter().map(PathBuf::as_path))
            .chain(granted.paths())
            .chain(to_hide.iter().map(|(path, _)| path.as_path())),
    );
    let shown = [policy.scratch_dir.as_path()]
        .into_iter()
        .chain(visible.iter().map(|(path, _)| path.as_path()))
        .chain(granted.paths());
    for closed in closed_above(shown) {
        // One the hidden paths cover anyway needs no cover of its own.
        if !to_hide.iter().any(|(path, _)| **path == closed) {
            hiding.cover_folder(&closed, true);
        }
    }
    for (path, folder) in &to_hide {
        match folder {
            Some(true) => hiding.cover_folder(path, later.holds(path)),
            Some(false) => hiding.hide_file(path, &world.null),
            None => {}
        }
    }
    // In its place among the layers; what the grants hide again is counted at the end.
    p.set_flag("hidden", true, "");
    p.set("dev", world.dev);
    // Before scratch and the tool's folder: a grant may hold them (a project holding the
    // workspace), and what is mounted later goes on top of it, not beneath. Those under `/tmp`
    // come once the run's own `/tmp` covers the host's, and scratch is shown again over them.
    let mut grants = (!granted.is_empty())
        .then(|| granted.attach(policy, &mut hiding, &world.null, &later, Pass::OutsideTmp));
    let mut covers = std::mem::take(&mut hiding.covers);
    let scratch = scratch(policy);
    if let Some(Ok(())) = grants {
        grants = Some(granted.attach(policy, &mut hiding, &world.null, &later, Pass::UnderTmp));
        covers.append(&mut hiding.covers);
    }
    let grants = grants.map(|done| done.map(|()| granted.detail(policy)));
    let proc_result = if own_pid_ns {
        // Read-only: the kernel lets a writer whose uid is 0 on the host (root's run keeps
        // its uid) set any sysctl (`kernel.core_pattern` names a program the host runs as
        // root) or trigger sysrq through a writable /proc, from any user namespace; Landlock
        // stops that, but not on kernels without it. Writes through /proc/self/fd/N reach the
        // file itself and still work.
        mount(
            Some("proc"),
            "/proc",
            Some("proc"),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY,
            None,
        )
        .map(|()| "own pid namespace, read-only".to_string())
        .map_err(MountError::Proc)
    } else {
        Err(MountError::NoPidNamespace)
    };
    if proc_result.is_err() {
        // Better no /proc at all than the host's, which lists every process.
        let _ = mount_tmpfs(Path::new("/proc"), SMALL_TMPFS, libc::MS_RDONLY);
    }
    p.set("proc", proc_result);
    match scratch {
        Ok((fd, detail)) => {
            let result = reattach(&policy.scratch_dir, &fd, false, Bind::Folder)
                .and_then(|_| std::env::set_current_dir(&policy.scratch_dir))
                .map(|()| detail)
                .map_err(|source| MountError::Enter {
                    path: policy.scratch_dir.clone(),
                    source,
                });
            p.set("scratch", result);
        }
        Err(reason) => p.set("scratch", Err::<String, _>(reason)),
    }
    for (path, fd) in &visible {
        match reattach(path, fd, true, granted.bind) {
            // Shown anew by a bind of its own, which leaves behind what was hidden in it (a
            // tool's `REVIEW.md`): hidden again.
            Ok(true) => {
                for hidden in policy
                    .hide
                    .iter()
                    .filter(|h| h.starts_with(path) && *h != path)
                {
                    match is_folder(hidden) {
                        Some(true) => hiding.cover_folder(hidden, false),
                        Some(false) => hiding.hide_file(hidden, &world.null),
                        None => {}
                    }
                }
            }
            Ok(false) => {}
            Err(source) => p.set(
                "mountns",
                Err(MountError::KeepVisible {
                    path: path.clone(),
                    source,
                }),
            ),
        }
    }
    let stand_in = policy
        .grants
        .workdir
        .as_ref()
        .filter(|workdir| workdir.starts_with(&policy.scratch_dir));
    if let Some(workdir) = stand_in {
        p.set(
            "grants",
            stand_in_project(workdir, policy.project_fixture.as_deref()),
        );
    } else if let Some(grants) = grants {
        // The working folder last: entering scratch above made it the tool's until now.
        let entered = grants.and_then(|detail| match &policy.grants.workdir {
            Some(workdir) => {
                std::env::set_current_dir(workdir)
                    .map(|()| detail)
                    .map_err(|source| MountError::Enter {
                        path: workdir.clone(),
                        source,
                    })
            }
            None => Ok(detail),
        });
        p.set("grants", entered);
    }
    p.set(
        "hidden",
        hiding.result().map(|detail| match left {
            0 => detail,
            _ => format!("{detail}; {left} other workspaces' state kept out by landlock"),
        }),
    );
    seal_covers(&covers);
    true
}

/// The paths a tool was granted, opened before anything covers them: shown again (and what
/// they hold hidden again) before scratch and the tool's folder are mounted, or right after
/// the run's own `/tmp` for those under `/tmp`.
struct Granted {
    /// Read-only, parents before what is beneath them.
    read: Vec<(PathBuf, OwnedFd)>,
    /// Writable, after the reads (a written folder may lie in a read one).
    write: Vec<(PathBuf, OwnedFd)>,
    /// Granted paths a link now leads away from (`open_granted`): not shown.
    redirected: Vec<PathBuf>,
    /// Granted paths that could not be opened (gone since they were granted, out of reach):
    /// the run is refused rather than run without them.
    unopened: Vec<(PathBuf, io::Error)>,
    /// How they are shown: as the caller's view opened them.
    bind: Bind,
}

/// Which granted paths `Granted::attach` shows: those the run's own `/tmp` covers wait for it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    OutsideTmp,
    UnderTmp,
}

impl Pass {
    fn takes(self, path: &Path) -> bool {
        path.starts_with("/tmp") == (self == Pass::UnderTmp)
    }
}

impl Granted {
    fn open(policy: &SandboxPolicy, callers: &CallersView) -> Self {
        let mut redirected = Vec::new();
        let mut unopened = Vec::new();
        let mut open = |paths: &mut dyn Iterator<Item = &PathBuf>| -> Vec<(PathBuf, OwnedFd)> {
            paths
                .filter_map(|path| match callers.open_granted(path) {
                    Ok(fd) => Some((path.clone(), fd)),
                    Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                        redirected.push(path.clone());
                        None
                    }
                    Err(e) => {
                        unopened.push((path.clone(), e));
                        None
                    }
                })
                .collect()
        };
        let grants = &policy.grants;
        let read = open(&mut grants.read.iter().filter(|p| !grants.write.contains(p)));
        let write = open(&mut grants.write.iter());
        Granted {
            read,
            write,
            redirected,
            unopened,
            bind: callers.bind(),
        }
    }

    fn is_empty(&self) -> bool {
        self.read.is_empty()
            && self.write.is_empty()
            && self.redirected.is_empty()
            && self.unopened.is_empty()
    }

    fn paths(&self) -> impl Iterator<Item = &Path> {
        self.read
            .iter()
            .chain(&self.write)
            .map(|(path, _)| path.as_path())
    }

    /// Shows each granted path at its own path (read-only, or writable), hides again what
    /// the run must never see beneath them (a workspace's state inside the project), and
    /// enters the working folder.
    /// `later`: the paths mount points are made beneath afterwards (scratch, the tool's
    /// folder), so a folder hidden again over one of them stays writable until sealed.
    /// `pass`: the granted paths it shows, and what beneath them is kept read-only or hidden.
    fn attach(
        &self,
        policy: &SandboxPolicy,
        hiding: &mut Hiding,
        null: &Null,
        later: &Beneath,
        pass: Pass,
    ) -> Result<(), MountError> {
        if let Some((path, source)) = self.unopened.first() {
            return Err(MountError::Unopened {
                path: path.clone(),
                reason: source.to_string(),
            });
        }
        let taken = |path: &&(PathBuf, OwnedFd)| pass.takes(&path.0);
        for (path, fd) in self.read.iter().filter(taken) {
            reattach(path, fd, true, self.bind).map_err(MountError::at(path))?;
        }
        for (path, fd) in self.write.iter().filter(taken) {
            reattach_writable(path, fd, self.bind).map_err(MountError::at(path))?;
        }
        let within = |path: &&PathBuf| pass.takes(path);
        for kept in policy.grants.read_only_within.iter().filter(within) {
            // Bound onto itself read-only: written folders hold it, it stays as it is.
            let fd = open_path(kept).map_err(MountError::at(kept))?;
            bind(&fd_path(&fd), kept, true).map_err(MountError::at(kept))?;
        }
        for hidden in policy.grants.hidden_within.iter().filter(within) {
            match is_folder(hidden) {
                Some(true) => hiding.cover_folder(hidden, later.holds(hidden)),
                Some(false) => hiding.hide_file(hidden, null),
                None => {}
            }
        }
        if let Some(path) = self.redirected.first() {
            return Err(MountError::Redirected(path.clone()));
        }
        Ok(())
    }

    /// The `grants` layer's detail once every granted path is shown.
    fn detail(&self, policy: &SandboxPolicy) -> String {
        // A written folder that lies in a workspace or a `.git` is kept read-only whole.
        let kept_whole = policy
            .grants
            .read_only_within
            .iter()
            .filter(|kept| policy.grants.write.contains(kept))
            .count();
        let mut detail = format!("{} read, {} written", self.read.len(), self.write.len());
        if kept_whole > 0 {
            detail.push_str(&format!(
                " ({kept_whole} read-only: in a workspace or a .git)"
            ));
        }
        detail
    }
}

/// Shows `fd` at `path` writable: a bind of its own, whose read-only flag (every mount of the
/// run's world is read-only) is cleared again. The flags the kernel locks stay.
fn reattach_writable(path: &Path, fd: &OwnedFd, how: Bind) -> io::Result<()> {
    let wanted = fs::metadata(fd_path(fd))?;
    let shown =
        fs::metadata(path).is_ok_and(|now| (now.dev(), now.ino()) == (wanted.dev(), wanted.ino()));
    if shown {
        // Not covered, but read-only like the whole world: a bind of its own to change.
        bind_with(&fd_path(fd), path, false, how)?;
    } else {
        reattach(path, fd, false, how)?;
    }
    let locked = locked_flags(path)?;
    mount(
        None::<&Path>,
        path,
        None,
        libc::MS_REMOUNT | libc::MS_BIND | locked,
        None,
    )
}

/// Makes every mount read-only: the whole tree at once where the kernel has
/// `mount_setattr` (Linux 5.12), else each mount point in turn.
fn read_only_world() -> Result<String, MountError> {
    match tree_read_only() {
        Ok(()) => Ok("every mount read-only".to_string()),
        Err(_) => remount_each_read_only(),
    }
}

/// Remounts every mount point read-only, keeping the flags the kernel locks
/// (nosuid, nodev, noexec, atime), which a user namespace may not drop.
fn remount_each_read_only() -> Result<String, MountError> {
    let mut done = 0;
    let mut failed = Vec::new();
    for point in mountinfo::read()?.into_iter().map(|m| m.point) {
        match remount_read_only(&point) {
            Ok(()) => done += 1,
            // Out of reach for us is out of reach for the tool too.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES | libc::ENOENT)) => {}
            Err(e) => failed.push((point, e)),
        }
    }
    if failed.is_empty() {
        Ok(format!("{done} mounts read-only"))
    } else {
        Err(MountError::StillWritable(failed))
    }
}

pub(super) fn remount_read_only(point: &Path) -> io::Result<()> {
    let locked = locked_flags(point)?;
    mount(
        None::<&Path>,
        point,
        None,
        libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | locked,
        None,
    )
}

/// The per-mount flags of `point` that a remount must repeat.
fn locked_flags(point: &Path) -> io::Result<libc::c_ulong> {
    let path = cstring(point)?;
    // SAFETY: statvfs writes into the struct we pass; the path is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let pairs = [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ];
    Ok(pairs
        .iter()
        .filter(|(st, _)| stat.f_flag & st != 0)
        .fold(0, |acc, (_, ms)| acc | ms))
}

/// Paths, sorted as bytes, to ask which folder holds one of them: a run hides a folder per
/// workspace of its user, and asking each against all (two hundred of them, component by
/// component) cost milliseconds on the run's path.
struct Beneath(Vec<Vec<u8>>);

impl Beneath {
    fn of<'p>(paths: impl Iterator<Item = &'p Path>) -> Self {
        let mut paths: Vec<Vec<u8>> = paths.map(|p| p.as_os_str().as_bytes().to_vec()).collect();
        paths.sort();
        Self(paths)
    }

    /// True when a path strictly beneath `folder` is among them. The paths beneath a folder
    /// sort together, right from `folder/` on.
    fn holds(&self, folder: &Path) -> bool {
        let mut prefix = folder.as_os_str().as_bytes().to_vec();
        if prefix.last() != Some(&b'/') {
            prefix.push(b'/');
        }
        let first = self.0.partition_point(|p| p.as_slice() < prefix.as_slice());
        self.0
            .get(first)
            .is_some_and(|p| p.starts_with(&prefix) && p.len() > prefix.len())
    }
}

/// The hidden layer as it is built: files get an empty read-only stand-in (`/dev/null`),
/// folders an empty tmpfs.
#[derive(Default)]
struct Hiding {
    hidden: usize,
    failed: Vec<(PathBuf, io::Error)>,
    /// The covering tmpfs mounts still writable, for `seal_covers`.
    covers: Vec<PathBuf>,
    /// The first read-only cover made, which every later one binds: a bind of it costs a
    /// third of a tmpfs of its own, and a run hides as many folders as the user has
    /// workspaces.
    empty: Option<OwnedFd>,
}

impl Hiding {
    fn hide_file(&mut self, path: &Path, null: &Null) {
        let result = match &null.fd {
            // A bind mount keeps the flags of the mount it comes from: of a read-only one,
            // it is read-only already.
            Some(fd) => bind(&fd_path(fd), path, !null.read_only),
            None => Err(io::Error::from_raw_os_error(libc::ENOENT)),
        };
        self.count(path, result);
    }

    /// Covers `path` with an empty tmpfs, read-only at once unless mount points are to be made
    /// in it (`holds_later`).
    fn cover_folder(&mut self, path: &Path, holds_later: bool) {
        let result = match (&self.empty, holds_later) {
            // A bind keeps the flags of the mount it comes from: read-only already.
            (Some(empty), false) => bind(&fd_path(empty), path, false),
            (None, false) => mount_tmpfs(path, SMALL_TMPFS, libc::MS_RDONLY).inspect(|()| {
                self.empty = open_path(path).ok();
            }),
            (_, true) => mount_tmpfs(path, SMALL_TMPFS, 0),
        };
        if result
            .as_ref()
            .is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
        {
            // Gone since it was listed (a workspace removed meanwhile): nothing to hide there.
            return;
        }
        if result.is_ok() && holds_later {
            self.covers.push(path.to_path_buf());
        }
        self.count(path, result);
    }

    fn count(&mut self, path: &Path, result: io::Result<()>) {
        match result {
            Ok(()) => self.hidden += 1,
            Err(e) => self.failed.push((path.to_path_buf(), e)),
        }
    }

    fn result(self) -> Result<String, MountError> {
        if self.failed.is_empty() {
            Ok(format!("{} paths", self.hidden))
        } else {
            Err(MountError::StillVisible(self.failed))
        }
    }
}

/// The folders above `paths` the run cannot enter (a folder of root's with mode 0700, seen
/// as nobody's: `seen_as_nobody`), outermost only. What the run is shown beneath one (its
/// tool's folder, a grant, scratch) needs a way in: each is covered with an empty folder, which
/// hides nothing the run could reach.
fn closed_above<'p>(paths: impl Iterator<Item = &'p Path>) -> Vec<PathBuf> {
    let mut closed: Vec<PathBuf> = Vec::new();
    for path in paths {
        let mut ancestors: Vec<&Path> = path.ancestors().collect();
        ancestors.reverse();
        for pair in ancestors.windows(2) {
            match fs::symlink_metadata(pair[1]) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    closed.push(pair[0].to_path_buf());
                    break;
                }
                Err(_) => break,
            }
        }
    }
    closed.sort();
    closed.dedup();
    let outermost: Vec<PathBuf> = closed
        .iter()
        .filter(|folder| {
            !closed
                .iter()
                .any(|other| folder.starts_with(other) && folder != &other)
        })
        .cloned()
        .collect();
    outermost
}

/// Whether `path` is a folder (following links, as the mount over it will); `None` when
/// nothing is there, and so nothing to hide.
fn is_folder(path: &Path) -> Option<bool> {
    fs::metadata(path).ok().map(|meta| meta.is_dir())
}

/// The `/dev/null` that stands in for hidden files: the minimal `/dev`'s, the same device.
struct Null {
    fd: Option<OwnedFd>,
    /// Whether its mount is read-only, as every mount of the world is.
    read_only: bool,
}

impl Null {
    fn open() -> Self {
        let fd = open_path(Path::new("/dev/null")).ok();
        let read_only = fd.as_ref().is_some_and(mount_is_read_only);
        Self { fd, read_only }
    }
}

fn mount_is_read_only(fd: &OwnedFd) -> bool {
    // SAFETY: fstatvfs writes into the struct we pass, for a descriptor we own.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    unsafe { libc::fstatvfs(fd.as_raw_fd(), &mut stat) == 0 && stat.f_flag & libc::ST_RDONLY != 0 }
}

/// `/dev` with the harmless nodes only, plus the usual links into `/proc`.
fn minimal_dev(devices: &[(&str, Option<OwnedFd>)]) -> Result<String, MountError> {
    let dev = Path::new("/dev");
    mount_tmpfs(dev, SMALL_TMPFS, 0).map_err(MountError::DevTmpfs)?;
    for (name, fd) in devices {
        let node = dev.join(name);
        let Some(fd) = fd else {
            continue;
        };
        File::create(&node)
            .and_then(|_| bind(&fd_path(fd), &node, false))
            .map_err(MountError::at(&node))?;
    }
    let links = [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        // POSIX shared memory and semaphores land in the run's /tmp.
        ("shm", "/tmp"),
    ];
    for (name, target) in links {
        let link = dev.join(name);
        symlink(target, &link).map_err(MountError::at(&link))?;
    }
    Ok(DEV_NODES.join(","))
}

/// Mounts the scratch tmpfs and gives it a `tmp` folder that becomes `/tmp`.
fn scratch(policy: &SandboxPolicy) -> Result<(OwnedFd, String), MountError> {
    let path = &policy.scratch_dir;
    let what = |e: io::Error| MountError::at(path)(e);
    // Under a hidden folder the path exists only once made in its tmpfs.
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(what)?;
    let options = format!("size={}m,mode=700", policy.disk_mb);
    mount_tmpfs(path, &options, 0).map_err(what)?;
    let fd = open_path(path).map_err(what)?;
    let tmp = path.join("tmp");
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&tmp)
        .map_err(what)?;
    bind(&tmp, Path::new("/tmp"), false).map_err(MountError::at(Path::new("/tmp")))?;
    Ok((fd, format!("tmpfs {} MiB", policy.disk_mb)))
}

/// The working folder of a run whose grants are withheld (`SandboxPolicy::project_fixture`):
/// made in scratch, filled from the tool's fixture when it ships one, and entered. Nothing of
/// a real project is in it.
fn stand_in_project(workdir: &Path, fixture: Option<&Path>) -> Result<String, MountError> {
    fs::DirBuilder::new()
        .mode(0o700)
        .create(workdir)
        .map_err(MountError::at(workdir))?;
    let detail = match fixture {
        Some(fixture) => {
            let copied = crate::safe_fs::Dir::open(fixture)
                .and_then(|from| {
                    let to = crate::safe_fs::Dir::open(workdir)?;
                    // The tool may change its copy, as it would a project it writes.
                    crate::safe_fs::copy_tree(&from, &to, |mode| mode | 0o600)
                })
                .map_err(|e| MountError::at(fixture)(io::Error::other(e)))?;
            drop(copied);
            "withheld: its project is a copy of its fixture"
        }
        None => "withheld: its project is an empty folder",
    };
    std::env::set_current_dir(workdir).map_err(|source| MountError::Enter {
        path: workdir.to_path_buf(),
        source,
    })?;
    Ok(detail.to_string())
}

/// Makes `path` show the folder behind `fd` again when a later mount
/// covered it (a workspace under `/tmp`, scratch under a hidden folder), or when the world
/// shows it otherwise (with root's files as nobody's, `seen_as_nobody`).
/// True when it is shown again by a bind of its own.
fn reattach(path: &Path, fd: &OwnedFd, read_only: bool, how: Bind) -> io::Result<bool> {
    let wanted = fs::metadata(fd_path(fd))?;
    if let Ok(now) = fs::metadata(path)
        && (now.dev(), now.ino()) == (wanted.dev(), wanted.ino())
        && open_path(path).is_ok_and(|shown| mount_of(&shown) == mount_of(fd))
    {
        return Ok(false);
    }
    if wanted.is_dir() {
        fs::create_dir_all(path)?;
    } else {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        OpenOptions::new().create(true).append(true).open(path)?;
    }
    bind_with(&fd_path(fd), path, read_only, how).map(|()| true)
}

/// The covering tmpfs mounts (`covers`, and `/dev`) were writable while mount points were made
/// in them; from here on nothing in them changes.
fn seal_covers(covers: &[PathBuf]) {
    let flags = libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;
    for path in covers
        .iter()
        .map(PathBuf::as_path)
        .chain([Path::new("/dev")])
    {
        let _ = mount(Some("tmpfs"), path, Some("tmpfs"), flags, None);
    }
}

fn mount_tmpfs(path: &Path, options: &str, extra: libc::c_ulong) -> io::Result<()> {
    mount(
        Some("tmpfs"),
        path,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_NODEV | extra,
        Some(options),
    )
}

/// Bind-mounts `source` onto `target`; read-only binds need a second remount.
fn bind(source: &Path, target: &Path, read_only: bool) -> io::Result<()> {
    bind_with(source, target, read_only, Bind::Folder)
}

/// `bind` as `how` says: a folder of the caller's tree whose mounts the kernel will not leave
/// behind comes with them (read-only, as that tree is).
fn bind_with(source: &Path, target: &Path, read_only: bool, how: Bind) -> io::Result<()> {
    match (mount(Some(source), target, None, libc::MS_BIND, None), how) {
        (Err(e), Bind::Tree) if e.raw_os_error() == Some(libc::EINVAL) => mount(
            Some(source),
            target,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        )?,
        (done, _) => done?,
    }
    if read_only {
        remount_read_only(target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_holds_the_paths_beneath_it_and_no_sibling_or_itself() {
        let later = Beneath::of(
            [
                "/w/.toolbench/runs/r1/scratch",
                "/w/approved/x",
                "/ws2/.toolbench",
                "/a/b-c",
                "/a/b0",
            ]
            .iter()
            .map(Path::new),
        );
        assert!(later.holds(Path::new("/w/.toolbench")));
        assert!(later.holds(Path::new("/w")));
        assert!(later.holds(Path::new("/")));
        assert!(!later.holds(Path::new("/ws2/.toolbench")), "itself");
        assert!(!later.holds(Path::new("/ws")), "a sibling sharing a prefix");
        assert!(
            !later.holds(Path::new("/a/b")),
            "b-c and b0 are siblings of b"
        );
        assert!(!later.holds(Path::new("/home/u/.ssh")));
    }

    /// Runs `make_read_only` in a forked child with a mount namespace of its own, then has the
    /// child try to create a file in a folder of the host's. `None` when this machine gives
    /// the test no mount namespace; else whether the file stayed uncreated.
    fn write_refused_after(make_read_only: fn() -> bool) -> Option<bool> {
        let dir = tempfile::tempdir().expect("tempdir");
        let probe = cstring(&dir.path().join("probe")).expect("path");
        // SAFETY: glibc's fork keeps malloc usable in the child, which only makes system
        // calls, reads the mount table and exits.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork: {}", io::Error::last_os_error());
        if child == 0 {
            let own = unsafe { libc::unshare(libc::CLONE_NEWNS) } == 0
                || unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) } == 0;
            let code = if !own
                || mount(
                    None::<&Path>,
                    "/",
                    None,
                    libc::MS_REC | libc::MS_PRIVATE,
                    None,
                )
                .is_err()
            {
                2
            } else if !make_read_only() {
                3
            } else {
                // SAFETY: a NUL-terminated path; the descriptor, if any, ends with us.
                let fd =
                    unsafe { libc::open(probe.as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o600) };
                let refused =
                    fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EROFS);
                if refused { 0 } else { 1 }
            };
            // SAFETY: ends the forked child without the test harness's exit.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for our own child into a local.
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "the child died: {status}");
        match libc::WEXITSTATUS(status) {
            2 => None,
            3 => panic!("making the mounts read-only failed"),
            code => Some(code == 0 && !dir.path().join("probe").exists()),
        }
    }

    #[test]
    fn the_whole_tree_turns_read_only_in_one_call() {
        if let Some(refused) = write_refused_after(|| tree_read_only().is_ok()) {
            assert!(refused, "a file was created outside after mount_setattr");
        }
    }

    #[test]
    fn remounting_each_mount_turns_the_world_read_only_too() {
        // What kernels before 5.12, without mount_setattr, get.
        if let Some(refused) = write_refused_after(|| remount_each_read_only().is_ok()) {
            assert!(
                refused,
                "a file was created outside after remounting each mount"
            );
        }
    }
}
