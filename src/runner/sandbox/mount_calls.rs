//! The system calls the run's view of the filesystem is built with: `mount`, `mount_setattr`
//! and descriptors that name a file without opening it (`O_PATH`).

use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `mount_setattr(AT_RECURSIVE)` setting read-only on `/` and every mount beneath it, those
/// covered by another mount included: one call instead of a read of the mount table and two
/// calls per mount. It changes no mount unless it can change them all.
pub(super) fn tree_read_only() -> io::Result<()> {
    let read_only = MountAttr {
        attr_set: libc::MOUNT_ATTR_RDONLY,
        ..MountAttr::default()
    };
    set_attr(&rustix::fs::CWD, c"/", libc::AT_RECURSIVE, &read_only)
}

/// The tree a root's run no longer sees (`seen_as_nobody`): private, so what is mounted on it
/// reaches no peer, and read-only, like the world.
pub(super) fn make_tree_private_and_read_only() -> io::Result<()> {
    mount(
        None::<&Path>,
        "/",
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )?;
    tree_read_only()
}

/// `struct mount_attr` of linux/mount.h.
#[repr(C)]
#[derive(Default)]
pub(super) struct MountAttr {
    pub(super) attr_set: u64,
    pub(super) attr_clr: u64,
    pub(super) propagation: u64,
    pub(super) userns_fd: u64,
}

/// `mount_setattr(dir, path, flags, attr)`: `attr` applied to the mount at `path` beneath
/// `dir` (and every mount beneath it with `AT_RECURSIVE`).
pub(super) fn set_attr(
    dir: &impl std::os::fd::AsFd,
    path: &std::ffi::CStr,
    flags: libc::c_int,
    attr: &MountAttr,
) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: the path is NUL-terminated and `attr` a live struct of the size we pass; the
    // kernel only reads both.
    let done = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            dir.as_fd().as_raw_fd(),
            path.as_ptr(),
            flags,
            attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// How a folder is shown again at its path: `mount --bind`, or with the mounts beneath it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bind {
    /// The folder's own mount alone: from the run's world, where the covers made for the run
    /// (a hidden folder's tmpfs) sit on folders and must not come along.
    Folder,
    /// The same, or with the mounts beneath it where the kernel refuses to leave them behind
    /// (`EINVAL`): in the caller's own tree (`seen_as_nobody`), which holds no cover, mounts
    /// are locked, made by the host's user namespace.
    Tree,
}

/// An `O_PATH` descriptor of `path`, a granted path, opened as it was granted: a real path,
/// followed through no link. Between the grant and the run a link may have been swapped into
/// it (by a tool allowed to write the project, running meanwhile): showing or allowing what
/// the link leads to, the user's keys say, would grant that instead. `ELOOP` then.
pub(super) fn open_granted(path: &Path) -> io::Result<OwnedFd> {
    use rustix::fs::{CWD, Mode, OFlags, ResolveFlags};
    let flags = OFlags::PATH | OFlags::CLOEXEC;
    match rustix::fs::openat2(CWD, path, flags, Mode::empty(), ResolveFlags::NO_SYMLINKS) {
        Ok(fd) => Ok(fd),
        // Before Linux 5.6, or a filter refusing the call: the name of what was opened.
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
            let fd = open_path(path)?;
            if fs::read_link(fd_path(&fd))? == path {
                Ok(fd)
            } else {
                Err(io::Error::from_raw_os_error(libc::ELOOP))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// An `O_PATH` descriptor: names a file without opening it, so it works for
/// device nodes and folders alike and never reads anything.
pub(super) fn open_path(path: &Path) -> io::Result<OwnedFd> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_CLOEXEC)
        .open(path)
        .map(OwnedFd::from)
}

/// The mount a descriptor lies on (statx, Linux 5.8).
pub(super) fn mount_of(fd: &OwnedFd) -> Option<u64> {
    use rustix::fs::{AtFlags, StatxFlags};
    let stat = rustix::fs::statx(fd, "", AtFlags::EMPTY_PATH, StatxFlags::MNT_ID).ok()?;
    (stat.stx_mask & StatxFlags::MNT_ID.bits() != 0).then_some(stat.stx_mnt_id)
}

pub(super) fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

pub(super) fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

pub(super) fn mount<S: AsRef<Path>, T: AsRef<Path>>(
    source: Option<S>,
    target: T,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let source = source.map(|s| cstring(s.as_ref())).transpose()?;
    let target = cstring(target.as_ref())?;
    let fstype = fstype.map(CString::new).transpose()?;
    let data = data.map(CString::new).transpose()?;
    let ptr = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: every pointer is either null or a NUL-terminated string that
    // outlives the call.
    let rc = unsafe {
        libc::mount(
            ptr(&source),
            target.as_ptr(),
            ptr(&fstype),
            flags,
            ptr(&data).cast(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_granted_path_is_opened_through_no_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("real");
        let granted = real.join("build");
        std::fs::create_dir(&granted).expect("build");
        assert!(open_granted(&granted).is_ok());
        // The same path once a link stands in its way, to a folder of the user's keys.
        let keys = real.join("keys");
        std::fs::create_dir(&keys).expect("keys");
        std::fs::rename(&granted, real.join("moved")).expect("move");
        symlink(&keys, &granted).expect("link");
        let refused = open_granted(&granted).expect_err("through a link");
        assert_eq!(refused.raw_os_error(), Some(libc::ELOOP), "{refused}");
        // A link above it, too.
        let above = real.join("above");
        symlink(&real, &above).expect("link");
        let refused = open_granted(&above.join("moved")).expect_err("through a link above");
        assert_eq!(refused.raw_os_error(), Some(libc::ELOOP), "{refused}");
        assert_eq!(
            open_granted(&real.join("gone"))
                .map(|_| ())
                .map_err(|e| e.kind()),
            Err(io::ErrorKind::NotFound)
        );
    }
}
