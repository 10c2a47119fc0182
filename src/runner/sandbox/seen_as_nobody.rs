//! Root's reading rights stay out of a run (the `rights` layer): run by root, a run sees every
//! file it was not granted as a process without privileges sees it.
//!
//! The tool keeps uid 0 with no capability, so what decides a read is the file's owner and
//! mode: as root's owner it could read root's 0600 files (a key under `/etc/ssl/private`).
//! So the helper, still root on the host, clones the whole mount tree (`open_tree`) and has
//! every mount of the clone that the kernel can map show owner 0 as nobody (idmapped mounts,
//! Linux 5.12): root's 0600 file is then another user's to the tool and stays closed, while
//! what every user may read stays readable. The helper's mount namespace takes that tree as its
//! root. What the run was granted (its tool's folder, the project, the granted paths) is opened
//! through the tree it replaced (`CallersView`) and shown on top as it is: there, and only
//! there, the run keeps the caller's rights, which its writes need.
//!
//! A caller that is not root needs none of this: its runs have a user's rights already.

use std::ffi::CString;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{CWD, FileType, Mode, OFlags, ResolveFlags, openat2};
use rustix::pipe::{PipeFlags, pipe_with};
use rustix::process::{getuid, waitpid};
use rustix::thread::{UnshareFlags, unshare_unsafe};

use super::mount_calls::{self, Bind, MountAttr};
use super::mountinfo;

/// The uid and gid root's files show as: the kernel's overflow id, nobody's.
const NOBODY: u32 = 65534;

/// Why a root's run keeps root's reading rights.
#[derive(Debug, thiserror::Error)]
pub(super) enum RightsError {
    #[error("cannot make the mapping of root to nobody")]
    Mapping(#[source] io::Error),
    #[error("cannot clone the mount tree")]
    Clone(#[source] io::Error),
    #[error("{fstype} at / cannot show another owner")]
    RootUnmapped {
        fstype: String,
        #[source]
        source: io::Error,
    },
    #[error("no mount namespace")]
    NoMountNamespace,
    #[error("cannot take the tree as the run's root")]
    Enter(#[source] io::Error),
}

/// The host's mount tree, cloned, with root's files shown as nobody's where the kernel could.
pub(super) struct NobodysTree {
    tree: OwnedFd,
    mapped: usize,
    /// The file systems left as they are (they cannot show another owner), e.g. `proc`.
    left: Vec<String>,
}

/// Made before the helper leaves the host's user namespace (mapping owners takes root there);
/// `None` when the caller is not root.
pub(super) fn clone_tree() -> Option<Result<NobodysTree, RightsError>> {
    getuid().is_root().then(|| {
        let mapping = nobody_mapping().map_err(RightsError::Mapping)?;
        let mounts = mountinfo::read().map_err(|e| RightsError::Clone(io::Error::other(e)))?;
        NobodysTree::clone_of_root(&mapping, &mounts)
    })
}

impl NobodysTree {
    fn clone_of_root(mapping: &OwnedFd, mounts: &[mountinfo::Mount]) -> Result<Self, RightsError> {
        let tree = open_tree_clone(Path::new("/")).map_err(RightsError::Clone)?;
        // Private before anything is mounted on it: no mount made in the run's namespace may
        // reach a peer of the host's.
        let private = MountAttr {
            propagation: libc::MS_PRIVATE,
            ..MountAttr::default()
        };
        mount_calls::set_attr(
            &tree,
            c"",
            libc::AT_EMPTY_PATH | libc::AT_RECURSIVE,
            &private,
        )
        .map_err(RightsError::Clone)?;
        let idmap = MountAttr {
            attr_set: libc::MOUNT_ATTR_IDMAP,
            userns_fd: mapping.as_raw_fd() as u64,
            ..MountAttr::default()
        };
        let mut points: Vec<(&Path, &str)> = mounts
            .iter()
            .map(|m| (m.point.as_path(), m.fstype.as_str()))
            .collect();
        // A point mounted over twice is mapped once: the mount on top is the one seen.
        points.sort();
        points.dedup_by(|a, b| a.0 == b.0);
        let mut mapped = 0;
        let mut left = Vec::new();
        for (point, fstype) in points {
            let Ok(relative) = point.strip_prefix("/") else {
                continue;
            };
            let Ok(relative) = CString::new(relative.as_os_str().as_bytes()) else {
                continue;
            };
            // Never through a link, and never waking an automounter on the host.
            let flags = libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW | libc::AT_NO_AUTOMOUNT;
            match mount_calls::set_attr(&tree, &relative, flags, &idmap) {
                Ok(()) => mapped += 1,
                Err(source) if point == Path::new("/") => {
                    return Err(RightsError::RootUnmapped {
                        fstype: fstype.to_string(),
                        source,
                    });
                }
                Err(_) => left.push(fstype.to_string()),
            }
        }
        Ok(Self { tree, mapped, left })
    }

    /// In the helper's own mount namespace: makes the tree its root, the tree it replaces
    /// read-only (only the caller's view reaches it), and returns that view with the layer's
    /// detail.
    pub(super) fn enter(self) -> Result<(CallersView, String), RightsError> {
        let replaced = mount_calls::open_path(Path::new("/")).map_err(RightsError::Enter)?;
        mount_calls::make_tree_private_and_read_only().map_err(RightsError::Enter)?;
        // Entered before it is attached: `/` names the replaced root until the chroot.
        rustix::process::fchdir(&self.tree).map_err(|e| RightsError::Enter(e.into()))?;
        move_mount_onto_root(&self.tree).map_err(RightsError::Enter)?;
        rustix::process::chroot(".").map_err(|e| RightsError::Enter(e.into()))?;
        std::env::set_current_dir("/").map_err(RightsError::Enter)?;
        Ok((CallersView(Some(replaced)), self.detail()))
    }

    fn detail(&self) -> String {
        let mounts = match self.mapped {
            1 => "1 mount".to_string(),
            n => format!("{n} mounts"),
        };
        let mut detail = format!("root's files read as nobody's beyond the grants, on {mounts}");
        let mut left = self.left.clone();
        left.sort();
        left.dedup();
        if !left.is_empty() {
            detail.push_str(&format!("; as they are: {}", left.join(" ")));
        }
        detail
    }
}

/// Where the paths a run was granted are opened: the tree the caller sees, with its rights
/// (`Some` once `NobodysTree::enter` replaced the root), else the current one.
pub(super) struct CallersView(Option<OwnedFd>);

impl CallersView {
    /// The current root is the caller's.
    pub(super) fn current() -> Self {
        Self(None)
    }

    /// How what is opened here is shown in the run's world.
    pub(super) fn bind(&self) -> Bind {
        match self.0 {
            None => Bind::Folder,
            Some(_) => Bind::Tree,
        }
    }

    /// An `O_PATH` descriptor of `path` as the caller sees it (links followed).
    pub(super) fn open_path(&self, path: &Path) -> io::Result<OwnedFd> {
        match &self.0 {
            None => mount_calls::open_path(path),
            Some(root) => open_in(root, path, ResolveFlags::IN_ROOT),
        }
    }

    /// A granted path as the caller sees it, followed through no link (`mount_calls::open_granted`).
    pub(super) fn open_granted(&self, path: &Path) -> io::Result<OwnedFd> {
        match &self.0 {
            None => mount_calls::open_granted(path),
            Some(root) => open_in(
                root,
                path,
                ResolveFlags::IN_ROOT | ResolveFlags::NO_SYMLINKS,
            ),
        }
    }

    /// A real folder (not a link) at `path` as the caller sees it.
    pub(super) fn is_real_folder(&self, path: &Path) -> bool {
        match &self.0 {
            None => crate::workspace::registry::is_state_dir(path),
            // The link itself, not where it leads, when the last name is one.
            Some(root) => openat2(
                root,
                path,
                OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
                ResolveFlags::IN_ROOT,
            )
            .and_then(|fd| rustix::fs::fstat(&fd))
            .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory),
        }
    }
}

fn open_in(root: &OwnedFd, path: &Path, resolve: ResolveFlags) -> io::Result<OwnedFd> {
    let flags = OFlags::PATH | OFlags::CLOEXEC;
    openat2(root, path, flags, Mode::empty(), resolve).map_err(io::Error::from)
}

/// A user namespace whose only mapping shows uid and gid 0 as nobody's: the idmapping each
/// mount of the tree takes. Made by a child that unshares and waits while we, root on the
/// host, write its maps; the namespace outlives the child through the descriptor.
fn nobody_mapping() -> io::Result<OwnedFd> {
    let (ready_rx, ready_tx) = pipe_with(PipeFlags::CLOEXEC)?;
    let (done_rx, done_tx) = pipe_with(PipeFlags::CLOEXEC)?;
    // SAFETY: the helper has a single thread until it forks pid 1, so the child inherits no
    // lock another thread held (see `helper::fork`).
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            drop((ready_rx, done_tx));
            // SAFETY: we never unshare FILES; this child has a single thread.
            let code = u8::from(unsafe { unshare_unsafe(UnshareFlags::NEWUSER) }.is_err());
            let _ = std::fs::File::from(ready_tx).write_all(&[code]);
            // Until the parent has what it needs: it closes its end.
            let _ = std::fs::File::from(done_rx).read(&mut [0u8; 1]);
            // SAFETY: ends this child at once, running nothing of the parent's.
            unsafe { libc::_exit(0) }
        }
        child => {
            let child = rustix::process::Pid::from_raw(child).expect("a child's pid is positive");
            drop((ready_tx, done_rx));
            let mapped = map_to_nobody(child, ready_rx);
            drop(done_tx);
            let _ = waitpid(Some(child), rustix::process::WaitOptions::empty());
            mapped
        }
    }
}

fn map_to_nobody(child: rustix::process::Pid, ready: OwnedFd) -> io::Result<OwnedFd> {
    let mut code = [1u8; 1];
    std::fs::File::from(ready).read_exact(&mut code)?;
    if code[0] != 0 {
        return Err(io::Error::other(
            "the child could not make a user namespace",
        ));
    }
    let folder = PathBuf::from(format!("/proc/{}", child.as_raw_pid()));
    std::fs::write(folder.join("uid_map"), format!("0 {NOBODY} 1\n"))?;
    std::fs::write(folder.join("gid_map"), format!("0 {NOBODY} 1\n"))?;
    rustix::fs::open(
        folder.join("ns/user"),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io::Error::from)
}

/// `open_tree(OPEN_TREE_CLONE | AT_RECURSIVE)`: a detached copy of the tree at `path`.
fn open_tree_clone(path: &Path) -> io::Result<OwnedFd> {
    let path = CString::new(path.as_os_str().as_bytes())?;
    let flags = libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_RECURSIVE as u32;
    // SAFETY: a NUL-terminated path and integer flags; the kernel returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_open_tree, CWD.as_raw_fd(), path.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just gave us this descriptor, and nothing else owns it.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) })
}

/// Attaches the detached `tree` on top of `/`.
fn move_mount_onto_root(tree: &OwnedFd) -> io::Result<()> {
    // SAFETY: descriptors we own and NUL-terminated literals; integer flags.
    let done = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            c"/".as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    match done {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_names_each_file_system_left_once() {
        let tree = NobodysTree {
            tree: mount_calls::open_path(Path::new("/")).expect("/"),
            mapped: 3,
            left: vec!["proc".into(), "cgroup".into(), "cgroup".into()],
        };
        assert_eq!(
            tree.detail(),
            "root's files read as nobody's beyond the grants, on 3 mounts; as they are: cgroup proc"
        );
    }
}
