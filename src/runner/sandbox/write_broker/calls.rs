//! Each trapped call: what it asks, where it lands, and pid 1 carrying it out in the written
//! folder's writable copy when it may. pid 1 acts from its own copy of the call's arguments
//! (the tool's memory is read once), with the tool's uid, groups, umask and Landlock domain and
//! no capability that would pass a file's permissions, so it does nothing the tool could not
//! do itself on a writable folder.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use rustix::fs::FileType;
use rustix::io::Errno;

use super::notify::{self, Call, Listener, SyscallAnswer};
use super::place::{self, Folders, Spot, Verdict};

/// What pid 1 gives back for a call.
pub(super) enum Reply {
    Answer(SyscallAnswer),
    /// A file pid 1 opened for the tool, to put in its table (`O_CLOEXEC` or not).
    File(OwnedFd, bool),
}

impl From<Verdict> for Reply {
    fn from(verdict: Verdict) -> Self {
        Reply::Answer(match verdict {
            Verdict::Continue => SyscallAnswer::Continue,
            Verdict::Refuse(errno) => SyscallAnswer::Refused(errno),
        })
    }
}

/// What a call asks, its arguments decoded (paths still addresses in the tool's memory).
#[derive(Debug, Clone, Copy)]
enum Asked {
    Open {
        dirfd: i32,
        path: u64,
        flags: i32,
        mode: u32,
    },
    Mkdir {
        dirfd: i32,
        path: u64,
        mode: u32,
    },
    Mknod {
        dirfd: i32,
        path: u64,
        mode: u32,
    },
    Unlink {
        dirfd: i32,
        path: u64,
        flags: i32,
    },
    Rename {
        from_dir: i32,
        from: u64,
        to_dir: i32,
        to: u64,
        flags: u32,
    },
    Link {
        from_dir: i32,
        from: u64,
        to_dir: i32,
        to: u64,
        flags: i32,
    },
    Symlink {
        target: u64,
        dirfd: i32,
        path: u64,
    },
    Truncate {
        path: u64,
        length: i64,
    },
    Chmod {
        dirfd: i32,
        path: u64,
        mode: u32,
        flags: i32,
    },
    Chown {
        dirfd: i32,
        path: u64,
        uid: u32,
        gid: u32,
        flags: i32,
    },
    Utimens {
        dirfd: i32,
        path: u64,
        times: u64,
        flags: i32,
    },
    Access {
        dirfd: i32,
        path: u64,
        mode: i32,
        flags: i32,
    },
    /// `setxattr` (`follow`) or `lsetxattr`.
    SetXattr {
        path: u64,
        name: u64,
        value: u64,
        size: usize,
        flags: i32,
        follow: bool,
    },
    /// `removexattr` (`follow`) or `lremovexattr`.
    RemoveXattr {
        path: u64,
        name: u64,
        follow: bool,
    },
}

/// The low 32 bits of an argument, as the C `int` the kernel reads.
fn int(arg: u64) -> i32 {
    arg as u32 as i32
}

fn decode(call: &Call) -> Option<Asked> {
    let a = call.args;
    let cwd = libc::AT_FDCWD;
    #[cfg(target_arch = "x86_64")]
    {
        let legacy = match call.nr {
            libc::SYS_open => Some(Asked::Open {
                dirfd: cwd,
                path: a[0],
                flags: int(a[1]),
                mode: a[2] as u32,
            }),
            libc::SYS_creat => Some(Asked::Open {
                dirfd: cwd,
                path: a[0],
                flags: libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC,
                mode: a[1] as u32,
            }),
            libc::SYS_mkdir => Some(Asked::Mkdir {
                dirfd: cwd,
                path: a[0],
                mode: a[1] as u32,
            }),
            libc::SYS_mknod => Some(Asked::Mknod {
                dirfd: cwd,
                path: a[0],
                mode: a[1] as u32,
            }),
            libc::SYS_unlink => Some(Asked::Unlink {
                dirfd: cwd,
                path: a[0],
                flags: 0,
            }),
            libc::SYS_rmdir => Some(Asked::Unlink {
                dirfd: cwd,
                path: a[0],
                flags: libc::AT_REMOVEDIR,
            }),
            libc::SYS_rename => Some(Asked::Rename {
                from_dir: cwd,
                from: a[0],
                to_dir: cwd,
                to: a[1],
                flags: 0,
            }),
            libc::SYS_renameat => Some(Asked::Rename {
                from_dir: int(a[0]),
                from: a[1],
                to_dir: int(a[2]),
                to: a[3],
                flags: 0,
            }),
            libc::SYS_link => Some(Asked::Link {
                from_dir: cwd,
                from: a[0],
                to_dir: cwd,
                to: a[1],
                flags: 0,
            }),
            libc::SYS_symlink => Some(Asked::Symlink {
                target: a[0],
                dirfd: cwd,
                path: a[1],
            }),
            libc::SYS_chmod => Some(Asked::Chmod {
                dirfd: cwd,
                path: a[0],
                mode: a[1] as u32,
                flags: 0,
            }),
            libc::SYS_chown => Some(Asked::Chown {
                dirfd: cwd,
                path: a[0],
                uid: a[1] as u32,
                gid: a[2] as u32,
                flags: 0,
            }),
            libc::SYS_lchown => Some(Asked::Chown {
                dirfd: cwd,
                path: a[0],
                uid: a[1] as u32,
                gid: a[2] as u32,
                flags: libc::AT_SYMLINK_NOFOLLOW,
            }),
            libc::SYS_access => Some(Asked::Access {
                dirfd: cwd,
                path: a[0],
                mode: int(a[1]),
                flags: 0,
            }),
            _ => None,
        };
        if legacy.is_some() {
            return legacy;
        }
    }
    #[cfg(target_arch = "aarch64")]
    if call.nr == 38 {
        return Some(Asked::Rename {
            from_dir: int(a[0]),
            from: a[1],
            to_dir: int(a[2]),
            to: a[3],
            flags: 0,
        });
    }
    Some(match call.nr {
        libc::SYS_openat => Asked::Open {
            dirfd: int(a[0]),
            path: a[1],
            flags: int(a[2]),
            mode: a[3] as u32,
        },
        libc::SYS_mkdirat => Asked::Mkdir {
            dirfd: int(a[0]),
            path: a[1],
            mode: a[2] as u32,
        },
        libc::SYS_mknodat => Asked::Mknod {
            dirfd: int(a[0]),
            path: a[1],
            mode: a[2] as u32,
        },
        libc::SYS_unlinkat => Asked::Unlink {
            dirfd: int(a[0]),
            path: a[1],
            flags: int(a[2]),
        },
        libc::SYS_renameat2 => Asked::Rename {
            from_dir: int(a[0]),
            from: a[1],
            to_dir: int(a[2]),
            to: a[3],
            flags: a[4] as u32,
        },
        libc::SYS_linkat => Asked::Link {
            from_dir: int(a[0]),
            from: a[1],
            to_dir: int(a[2]),
            to: a[3],
            flags: int(a[4]),
        },
        libc::SYS_symlinkat => Asked::Symlink {
            target: a[0],
            dirfd: int(a[1]),
            path: a[2],
        },
        libc::SYS_truncate => Asked::Truncate {
            path: a[0],
            length: a[1] as i64,
        },
        libc::SYS_fchmodat => Asked::Chmod {
            dirfd: int(a[0]),
            path: a[1],
            mode: a[2] as u32,
            flags: 0,
        },
        452 => Asked::Chmod {
            dirfd: int(a[0]),
            path: a[1],
            mode: a[2] as u32,
            flags: int(a[3]),
        },
        libc::SYS_fchownat => Asked::Chown {
            dirfd: int(a[0]),
            path: a[1],
            uid: a[2] as u32,
            gid: a[3] as u32,
            flags: int(a[4]),
        },
        libc::SYS_utimensat => Asked::Utimens {
            dirfd: int(a[0]),
            path: a[1],
            times: a[2],
            flags: int(a[3]),
        },
        libc::SYS_faccessat => Asked::Access {
            dirfd: int(a[0]),
            path: a[1],
            mode: int(a[2]),
            flags: 0,
        },
        libc::SYS_faccessat2 => Asked::Access {
            dirfd: int(a[0]),
            path: a[1],
            mode: int(a[2]),
            flags: int(a[3]),
        },
        libc::SYS_setxattr | libc::SYS_lsetxattr => Asked::SetXattr {
            path: a[0],
            name: a[1],
            value: a[2],
            size: a[3] as usize,
            flags: int(a[4]),
            follow: call.nr == libc::SYS_setxattr,
        },
        libc::SYS_removexattr | libc::SYS_lremovexattr => Asked::RemoveXattr {
            path: a[0],
            name: a[1],
            follow: call.nr == libc::SYS_removexattr,
        },
        _ => return None,
    })
}

/// The call being judged: its caller, and the listener that tells whether it still waits.
struct Judged<'a> {
    call: &'a Call,
    listener: &'a Listener,
    folders: &'a Folders,
}

impl Judged<'_> {
    fn path(&self, address: u64) -> Result<Vec<u8>, Verdict> {
        // Unreadable: the kernel reads it again for the tool and says why.
        notify::read_string(self.call.pid, address).map_err(|_| Verdict::Continue)
    }

    fn locate(&self, dirfd: i32, path: &[u8], follow: bool) -> Result<Spot<'_>, Verdict> {
        self.folders.locate(self.call.pid, dirfd, path, follow)
    }

    /// What was read about the call was the caller's: it still waits in it, and its pid is
    /// not another process's.
    fn confirm(&self) -> Result<(), Verdict> {
        if self.listener.still_waiting(self.call) {
            Ok(())
        } else {
            Err(Verdict::Continue)
        }
    }

    /// pid 1 takes the tool's umask for a file it makes for it.
    fn take_umask(&self) -> Result<(), Verdict> {
        let mask = notify::umask_of(self.call.pid).map_err(|_| Verdict::Continue)?;
        // SAFETY: umask only changes pid 1's own mask, which pid 1 uses for nothing else.
        unsafe { libc::umask(mask & 0o777) };
        Ok(())
    }
}

/// Judges `call` and, where it lands in a written folder and may, carries it out.
pub(super) fn judge(call: &Call, listener: &Listener, folders: &Folders) -> Reply {
    let Some(asked) = decode(call) else {
        return Reply::Answer(SyscallAnswer::Continue);
    };
    let judged = Judged {
        call,
        listener,
        folders,
    };
    match carry_out(&judged, asked) {
        Ok(reply) => reply,
        Err(verdict) => verdict.into(),
    }
}

fn done(result: libc::c_long) -> Result<Reply, Verdict> {
    if result < 0 {
        Err(Verdict::Refuse(last_errno()))
    } else {
        Ok(Reply::Answer(SyscallAnswer::Done(result)))
    }
}

fn last_errno() -> Errno {
    Errno::from_raw_os_error(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

fn raw(fd: &OwnedFd) -> libc::c_int {
    fd.as_raw_fd()
}

/// `O_TMPFILE` without the `O_DIRECTORY` it includes.
const TMPFILE_BIT: i32 = libc::O_TMPFILE & !libc::O_DIRECTORY;

fn carry_out(j: &Judged<'_>, asked: Asked) -> Result<Reply, Verdict> {
    match asked {
        Asked::Open {
            dirfd,
            path,
            flags,
            mode,
        } => open(j, dirfd, path, flags, mode),
        Asked::Mkdir { dirfd, path, mode } => {
            let spot = j.locate(dirfd, &j.path(path)?, false)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name()?;
            j.take_umask()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(unsafe { libc::mkdirat(raw(&spot.dir), name.as_ptr(), mode) }.into())
        }
        Asked::Mknod { dirfd, path, mode } => {
            // Files and pipes only: the tool has no right to make a device, and a socket is
            // made by bind(), which it has no socket for.
            let kind = mode & libc::S_IFMT;
            if kind != 0 && kind != libc::S_IFREG && kind != libc::S_IFIFO {
                return Err(Verdict::Continue);
            }
            let spot = j.locate(dirfd, &j.path(path)?, false)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name()?;
            j.take_umask()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(unsafe { libc::mknodat(raw(&spot.dir), name.as_ptr(), mode, 0) }.into())
        }
        Asked::Unlink { dirfd, path, flags } => {
            if flags & !libc::AT_REMOVEDIR != 0 {
                return Err(Verdict::Continue);
            }
            let spot = j.locate(dirfd, &j.path(path)?, false)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name_as_given()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(unsafe { libc::unlinkat(raw(&spot.dir), name.as_ptr(), flags) }.into())
        }
        Asked::Rename {
            from_dir,
            from,
            to_dir,
            to,
            flags,
        } => {
            let known = libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE;
            if flags & !known != 0 {
                return Err(Verdict::Continue);
            }
            let (from, to) = both(j, (from_dir, from, false), (to_dir, to))?;
            unchanged_elsewhere(&from)?;
            unchanged_elsewhere(&to)?;
            let exchange = flags & libc::RENAME_EXCHANGE != 0;
            // A workspace is not moved away from where it is known, nor what the run keeps
            // apart beneath a folder (its mounts would move with it).
            for moved in std::iter::once(&from).chain(exchange.then_some(&to)) {
                if moved.is_workspace() {
                    return Err(Verdict::Refuse(Errno::PERM));
                }
                if moved.kind() == Some(FileType::Directory) && moved.holds_mounts() {
                    return Err(Verdict::Refuse(Errno::BUSY));
                }
            }
            let (old, new) = (from.name_as_given()?, to.name_as_given()?);
            j.confirm()?;
            // SAFETY: descriptors and NUL-terminated names of ours.
            done(unsafe {
                libc::syscall(
                    libc::SYS_renameat2,
                    raw(&from.dir),
                    old.as_ptr(),
                    raw(&to.dir),
                    new.as_ptr(),
                    flags,
                )
            })
        }
        Asked::Link {
            from_dir,
            from,
            to_dir,
            to,
            flags,
        } => {
            // A descriptor's file (AT_EMPTY_PATH) is the kernel's to link: into a written
            // folder it meets the read-only view.
            if flags & !libc::AT_SYMLINK_FOLLOW != 0 {
                return Err(Verdict::Continue);
            }
            let follow = flags & libc::AT_SYMLINK_FOLLOW != 0;
            let (from, to) = both(j, (from_dir, from, follow), (to_dir, to))?;
            unchanged_elsewhere(&from)?;
            unchanged_elsewhere(&to)?;
            let (old, new) = (from.name()?, to.name_as_given()?);
            j.confirm()?;
            // SAFETY: descriptors and NUL-terminated names of ours.
            done(
                unsafe {
                    libc::linkat(raw(&from.dir), old.as_ptr(), raw(&to.dir), new.as_ptr(), 0)
                }
                .into(),
            )
        }
        Asked::Symlink {
            target,
            dirfd,
            path,
        } => {
            let target = j.path(target)?;
            let spot = j.locate(dirfd, &j.path(path)?, false)?;
            // A link that names a repository or a workspace would let what reaches through it
            // later, outside any run, be led there.
            if place::names_protected(&target) {
                return Err(Verdict::Refuse(Errno::PERM));
            }
            unchanged_elsewhere(&spot)?;
            let (target, name) = (
                CString::new(target).map_err(|_| Verdict::Continue)?,
                spot.name_as_given()?,
            );
            j.confirm()?;
            // SAFETY: a descriptor and NUL-terminated strings of ours.
            done(unsafe { libc::symlinkat(target.as_ptr(), raw(&spot.dir), name.as_ptr()) }.into())
        }
        Asked::Truncate { path, length } => {
            let spot = j.locate(libc::AT_FDCWD, &j.path(path)?, true)?;
            unchanged_elsewhere(&spot)?;
            if spot.kind() != Some(FileType::RegularFile) {
                return Err(Verdict::Continue);
            }
            let file = open_in(&spot, libc::O_WRONLY, 0)?;
            j.confirm()?;
            // SAFETY: a descriptor of ours.
            done(unsafe { libc::ftruncate(raw(&file), length) }.into())
        }
        Asked::Chmod {
            dirfd,
            path,
            mode,
            flags,
        } => {
            let follow = by_path(flags)?;
            let spot = j.locate(dirfd, &j.path(path)?, follow)?;
            unchanged_elsewhere(&spot)?;
            // A link itself has no mode of its own to change (the kernel says so).
            if spot.kind() == Some(FileType::Symlink) {
                return Err(Verdict::Continue);
            }
            let name = spot.name_as_given()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(unsafe { libc::fchmodat(raw(&spot.dir), name.as_ptr(), mode, 0) }.into())
        }
        Asked::Chown {
            dirfd,
            path,
            uid,
            gid,
            flags,
        } => {
            let follow = by_path(flags)?;
            let spot = j.locate(dirfd, &j.path(path)?, follow)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name_as_given()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(
                unsafe {
                    libc::fchownat(
                        raw(&spot.dir),
                        name.as_ptr(),
                        uid,
                        gid,
                        libc::AT_SYMLINK_NOFOLLOW,
                    )
                }
                .into(),
            )
        }
        Asked::Utimens {
            dirfd,
            path,
            times,
            flags,
        } => {
            let follow = by_path(flags)?;
            let mut stamps = [0u8; 2 * std::mem::size_of::<libc::timespec>()];
            let given = times != 0;
            if given {
                notify::read_exact(j.call.pid, times, &mut stamps)
                    .map_err(|_| Verdict::Continue)?;
            }
            let spot = j.locate(dirfd, &j.path(path)?, follow)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name_as_given()?;
            j.confirm()?;
            let stamps: *const libc::timespec = if given {
                stamps.as_ptr().cast()
            } else {
                std::ptr::null()
            };
            // SAFETY: a descriptor, a NUL-terminated name and two timespecs (or NULL) of ours.
            done(unsafe {
                libc::syscall(
                    libc::SYS_utimensat,
                    raw(&spot.dir),
                    name.as_ptr(),
                    stamps,
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })
        }
        Asked::SetXattr {
            path,
            name,
            value,
            size,
            flags,
            follow,
        } => {
            if size > XATTR_SIZE_MAX {
                return Err(Verdict::Continue);
            }
            let attribute = CString::new(j.path(name)?).map_err(|_| Verdict::Continue)?;
            let mut bytes = vec![0u8; size];
            notify::read_exact(j.call.pid, value, &mut bytes).map_err(|_| Verdict::Continue)?;
            let spot = j.locate(libc::AT_FDCWD, &j.path(path)?, follow)?;
            unchanged_elsewhere(&spot)?;
            let (_held, target) = by_descriptor(&spot)?;
            j.confirm()?;
            // SAFETY: NUL-terminated strings and a buffer of `size` bytes of ours.
            done(
                unsafe {
                    libc::setxattr(
                        target.as_ptr(),
                        attribute.as_ptr(),
                        bytes.as_ptr().cast(),
                        size,
                        flags,
                    )
                }
                .into(),
            )
        }
        Asked::RemoveXattr { path, name, follow } => {
            let attribute = CString::new(j.path(name)?).map_err(|_| Verdict::Continue)?;
            let spot = j.locate(libc::AT_FDCWD, &j.path(path)?, follow)?;
            unchanged_elsewhere(&spot)?;
            let (_held, target) = by_descriptor(&spot)?;
            j.confirm()?;
            // SAFETY: NUL-terminated strings of ours.
            done(unsafe { libc::removexattr(target.as_ptr(), attribute.as_ptr()) }.into())
        }
        Asked::Access {
            dirfd,
            path,
            mode,
            flags,
        } => {
            let follow = by_path(flags & !libc::AT_EACCESS)?;
            // A refused place is read-only to the tool, which the kernel tells it.
            let spot = j
                .locate(dirfd, &j.path(path)?, follow)
                .map_err(|_| Verdict::Continue)?;
            unchanged_elsewhere(&spot)?;
            let name = spot.name_as_given()?;
            j.confirm()?;
            // SAFETY: a descriptor and a NUL-terminated name of ours.
            done(unsafe {
                libc::syscall(
                    libc::SYS_faccessat2,
                    raw(&spot.dir),
                    name.as_ptr(),
                    mode,
                    (flags & libc::AT_EACCESS) | libc::AT_SYMLINK_NOFOLLOW,
                )
            })
        }
    }
}

/// The most an extended attribute's value may hold (`XATTR_SIZE_MAX`).
const XATTR_SIZE_MAX: usize = 65536;

/// The spot's name in the writable copy as a path pid 1 can give a call with no `*at` form:
/// `/proc/self/fd/N` of a descriptor (`O_PATH`) opened there through no link. The name must be
/// no link itself: such a path leads to what the descriptor holds.
fn by_descriptor(spot: &Spot<'_>) -> Result<(OwnedFd, CString), Verdict> {
    if spot.kind() == Some(FileType::Symlink) {
        return Err(Verdict::Continue);
    }
    let name = spot.name()?;
    let held = rustix::fs::openat(
        &spot.dir,
        name.as_c_str(),
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(Verdict::Refuse)?;
    let path = CString::new(format!("/proc/self/fd/{}", held.as_raw_fd()))
        .map_err(|_| Verdict::Continue)?;
    Ok((held, path))
}

/// Whether a call on a path with `flags` (`AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`) follows a
/// link as its last name; a descriptor's own file (`AT_EMPTY_PATH`) is the kernel's.
fn by_path(flags: i32) -> Result<bool, Verdict> {
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Verdict::Continue);
    }
    if flags & libc::AT_EMPTY_PATH != 0 {
        // An empty path then means the descriptor itself; pid 1 handles named paths only.
        return Err(Verdict::Continue);
    }
    Ok(flags & libc::AT_SYMLINK_NOFOLLOW == 0)
}

/// A name another mount covers in the run is that mount's (a hidden file, a part kept
/// read-only): the kernel answers the tool about it.
fn unchanged_elsewhere(spot: &Spot<'_>) -> Result<(), Verdict> {
    if spot.covered() {
        Err(Verdict::Continue)
    } else {
        Ok(())
    }
}

/// The two places of a rename or a link, both in the same written folder, or the kernel's
/// (across folders the kernel refuses it: EXDEV, or the read-only view).
fn both<'j>(
    j: &'j Judged<'_>,
    (from_dir, from, follow): (i32, u64, bool),
    (to_dir, to): (i32, u64),
) -> Result<(Spot<'j>, Spot<'j>), Verdict> {
    let from = j.locate(from_dir, &j.path(from)?, follow);
    let to = j.locate(to_dir, &j.path(to)?, false);
    match (from, to) {
        (Err(Verdict::Refuse(e)), _) | (_, Err(Verdict::Refuse(e))) => Err(Verdict::Refuse(e)),
        (Ok(from), Ok(to)) if std::ptr::eq(from.folder, to.folder) => Ok((from, to)),
        _ => Err(Verdict::Continue),
    }
}

/// Opens the spot's name in the writable copy with `flags` (never through a link: links were
/// followed while locating it, and a pipe never makes pid 1 wait).
fn open_in(spot: &Spot<'_>, flags: i32, mode: u32) -> Result<OwnedFd, Verdict> {
    let name = spot.name()?;
    let flags = (flags & !libc::O_CLOEXEC)
        | libc::O_NOFOLLOW
        | libc::O_NONBLOCK
        | libc::O_NOCTTY
        | libc::O_CLOEXEC;
    // SAFETY: a descriptor and a NUL-terminated name of ours; the result is a new descriptor.
    let fd = unsafe { libc::openat(raw(&spot.dir), name.as_ptr(), flags, mode) };
    if fd < 0 {
        return Err(Verdict::Refuse(last_errno()));
    }
    // SAFETY: a descriptor just made, owned by nothing else.
    let file = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let regular = rustix::fs::fstat(&file)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile);
    if regular {
        Ok(file)
    } else {
        // Something else took the name meanwhile: the kernel opens it for the tool.
        Err(Verdict::Continue)
    }
}

fn open(j: &Judged<'_>, dirfd: i32, path: u64, flags: i32, mode: u32) -> Result<Reply, Verdict> {
    // An unnamed file could only be linked into the folder through the read-only view: in a
    // written folder it is "not supported", which programs fall back from to a named one.
    if flags & TMPFILE_BIT != 0 {
        return match j.folders.holds_folder(j.call.pid, dirfd, &j.path(path)?) {
            true => Err(Verdict::Refuse(Errno::OPNOTSUPP)),
            false => Err(Verdict::Continue),
        };
    }
    // A descriptor that is no file's (O_PATH) or a folder's are the kernel's: neither writes
    // a name, and in a written folder the read-only view refuses the rest.
    if flags & (libc::O_PATH | libc::O_DIRECTORY) != 0 {
        return Err(Verdict::Continue);
    }
    let creates = flags & libc::O_CREAT != 0;
    let follow = flags & libc::O_NOFOLLOW == 0 && !(creates && flags & libc::O_EXCL != 0);
    let spot = j.locate(dirfd, &j.path(path)?, follow)?;
    if spot.slash {
        return Err(Verdict::Continue);
    }
    unchanged_elsewhere(&spot)?;
    match spot.kind() {
        // A pipe, a device, a folder, or a link not to be followed: the kernel's.
        Some(kind) if kind != FileType::RegularFile => return Err(Verdict::Continue),
        None if !creates => return Err(Verdict::Refuse(Errno::NOENT)),
        _ => {}
    }
    if creates {
        j.take_umask()?;
    }
    j.confirm()?;
    let file = open_in(&spot, flags, mode)?;
    if flags & libc::O_NONBLOCK == 0 {
        let status = rustix::fs::fcntl_getfl(file.as_fd()).map_err(Verdict::Refuse)?;
        rustix::fs::fcntl_setfl(file.as_fd(), status - rustix::fs::OFlags::NONBLOCK)
            .map_err(Verdict::Refuse)?;
    }
    Ok(Reply::File(file, flags & libc::O_CLOEXEC != 0))
}
