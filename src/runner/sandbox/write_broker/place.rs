//! Where a call lands: which written folder holds the name it makes or changes, and whether
//! that place may change at all.
//!
//! A written folder is shown to the tool read-only; pid 1 keeps a writable copy of its mount,
//! detached from every path (`open_tree(OPEN_TREE_CLONE)`), which only pid 1 holds. A path is
//! resolved as the tool would (from its working folder or the descriptor it passed, following
//! links, but no `/proc` magic link, whose meaning is the caller's), up to its last name. The
//! folder holding that name is on a written folder's mount, or the call is none of pid 1's
//! business. Inside one, the place is refused when the name or any folder on the way down from
//! the written folder's top is `.git` (in any case), `toolbench.toml` or `.toolbench`, or when
//! any of those folders is a workspace (it holds `toolbench.toml` or `.toolbench`); else the
//! same folder is opened in the writable copy by walking down those names one by one, through
//! no link, and must be the very folder the tool named.

use std::cell::OnceCell;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, ResolveFlags, StatxFlags};
use rustix::io::Errno;

use super::super::mount_calls;

/// How many links one path may pass through, as the kernel counts (`MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// A folder the tool was granted for writing.
pub(super) struct Written {
    /// Its path, as the run shows it.
    pub(crate) path: PathBuf,
    /// The run's mount at `path` (read-only to the tool).
    pub(crate) mount: u64,
    /// The writable copy of that mount, reachable by no path.
    pub(crate) copy: OwnedFd,
    /// The run's mount points beneath `path`, read the first time a folder is renamed.
    beneath: OnceCell<Vec<PathBuf>>,
}

impl Written {
    pub(super) fn new(path: PathBuf, mount: u64, copy: OwnedFd) -> Self {
        Self {
            path,
            mount,
            copy,
            beneath: OnceCell::new(),
        }
    }
}

/// Why pid 1 does not carry a call out itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not in a written folder, or not a case pid 1 handles: the kernel carries it out with
    /// the tool's own rights, which meet the written folders read-only.
    Continue,
    /// Refused with this errno.
    Refuse(Errno),
}

/// The written folders of a run.
pub(super) struct Folders {
    pub(crate) written: Vec<Written>,
}

/// The place of a name in a written folder.
pub(super) struct Spot<'f> {
    pub(crate) folder: &'f Written,
    /// The folder holding the name, as the tool sees it.
    seen: OwnedFd,
    /// The same folder in the writable copy.
    pub(crate) dir: OwnedFd,
    /// The last name of the path, without a trailing slash.
    pub(crate) name: Vec<u8>,
    /// The path ended in a slash (only a folder is meant).
    pub(crate) slash: bool,
    /// Where the folder holding the name lies, as the run shows it.
    shown: Vec<u8>,
}

/// True for the names a tool never makes or changes in a written folder: a git repository's
/// folder or file (`.git`, in any case, as on case-insensitive file systems and as git itself
/// compares it) and a toolbench workspace's settings and state.
pub(super) fn protected(name: &[u8]) -> bool {
    [&b".git"[..], b"toolbench.toml", b".toolbench"]
        .iter()
        .any(|p| name.eq_ignore_ascii_case(p))
}

/// True when a path (a link's target) names a protected name anywhere.
pub(super) fn names_protected(path: &[u8]) -> bool {
    path.split(|b| *b == b'/').any(protected)
}

impl Folders {
    /// Where `path`, as `pid` passed it relative to `dirfd`, lands. `follow`: a link as its
    /// last name is followed (as `open` without `O_NOFOLLOW` does).
    pub(super) fn locate(
        &self,
        pid: u32,
        dirfd: i32,
        path: &[u8],
        follow: bool,
    ) -> Result<Spot<'_>, Verdict> {
        let mut base = start(pid, dirfd, path)?;
        let mut path = path.to_vec();
        for _ in 0..=MAX_LINKS {
            let (parent, name, slash) = split(&path).ok_or(Verdict::Continue)?;
            let seen = if parent.is_empty() {
                rustix::io::fcntl_dupfd_cloexec(&base, 0).map_err(|_| Verdict::Continue)?
            } else {
                rustix::fs::openat2(
                    &base,
                    parent,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                    ResolveFlags::NO_MAGICLINKS,
                )
                .map_err(|_| Verdict::Continue)?
            };
            if name == b"." || name == b".." || on_proc(&seen) {
                return Err(Verdict::Continue);
            }
            let name = name.to_vec();
            if follow && !slash && is_link(&seen, &name) {
                let target = rustix::fs::readlinkat(&seen, cstring(&name)?, Vec::new())
                    .map_err(|_| Verdict::Continue)?;
                let target = target.into_bytes();
                base = if target.first() == Some(&b'/') {
                    root()?
                } else {
                    seen
                };
                path = target;
                continue;
            }
            return self.place(seen, name, slash);
        }
        Err(Verdict::Refuse(Errno::LOOP))
    }

    /// True when the folder `path` names (from `dirfd` of `pid`) lies in a written folder.
    pub(super) fn holds_folder(&self, pid: u32, dirfd: i32, path: &[u8]) -> bool {
        let Ok(base) = start(pid, dirfd, path) else {
            return false;
        };
        if path.is_empty() {
            return false;
        }
        let folder = rustix::fs::openat2(
            &base,
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::NO_MAGICLINKS,
        );
        folder
            .ok()
            .and_then(|folder| mount_calls::mount_of(&folder))
            .is_some_and(|mount| self.written.iter().any(|w| w.mount == mount))
    }

    /// The spot of `name` in the folder `seen`, if that folder lies in a written folder.
    fn place(&self, seen: OwnedFd, name: Vec<u8>, slash: bool) -> Result<Spot<'_>, Verdict> {
        let mount = mount_calls::mount_of(&seen).ok_or(Verdict::Continue)?;
        let folder = self
            .written
            .iter()
            .find(|w| w.mount == mount)
            .ok_or(Verdict::Continue)?;
        let shown = rustix::fs::readlink(format!("/proc/self/fd/{}", seen.as_raw_fd()), Vec::new())
            .map_err(|_| Verdict::Continue)?
            .into_bytes();
        let top = folder.path.as_os_str().as_bytes();
        let below = if shown == top {
            &[][..]
        } else {
            match shown.strip_prefix(top) {
                Some(rest) if rest.first() == Some(&b'/') || top == b"/" => rest,
                _ => return Err(Verdict::Continue),
            }
        };
        let names: Vec<&[u8]> = below
            .split(|b| *b == b'/')
            .filter(|n| !n.is_empty())
            .collect();
        if protected(&name) || names.iter().any(|n| protected(n)) {
            return Err(Verdict::Refuse(Errno::PERM));
        }
        // Down from the top in the copy: each folder must be no workspace, and the last the
        // very folder the tool named.
        let mut dir =
            rustix::io::fcntl_dupfd_cloexec(&folder.copy, 0).map_err(|_| Verdict::Continue)?;
        refuse_workspace(&dir)?;
        for next in names {
            dir = rustix::fs::openat(
                &dir,
                cstring(next)?.as_c_str(),
                OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|_| Verdict::Continue)?;
            refuse_workspace(&dir)?;
        }
        if !same_file(&dir, &seen) {
            return Err(Verdict::Continue);
        }
        Ok(Spot {
            folder,
            seen,
            dir,
            name,
            slash,
            shown,
        })
    }
}

impl Spot<'_> {
    /// The name as the call gave it, its trailing slash included.
    pub(super) fn name_as_given(&self) -> Result<CString, Verdict> {
        let mut name = self.name.clone();
        if self.slash {
            name.push(b'/');
        }
        cstring(&name)
    }

    pub(super) fn name(&self) -> Result<CString, Verdict> {
        cstring(&self.name)
    }

    /// True when another mount covers the name in the run (a hidden file or folder, a
    /// read-only part, another grant): the call is then about that mount, not the folder's.
    pub(super) fn covered(&self) -> bool {
        let Ok(name) = self.name() else {
            return true;
        };
        match rustix::fs::statx(
            &self.seen,
            name.as_c_str(),
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::MNT_ID,
        ) {
            Ok(stat) => {
                stat.stx_mask & StatxFlags::MNT_ID.bits() == 0
                    || stat.stx_mnt_id != self.folder.mount
            }
            Err(_) => false,
        }
    }

    /// What the name is now in the writable copy (`None`: nothing by that name).
    pub(super) fn kind(&self) -> Option<FileType> {
        let name = self.name().ok()?;
        rustix::fs::statat(&self.dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)
            .ok()
            .map(|st| FileType::from_raw_mode(st.st_mode))
    }

    /// True when the name is a folder that is a workspace.
    pub(super) fn is_workspace(&self) -> bool {
        if self.kind() != Some(FileType::Directory) {
            return false;
        }
        let Ok(name) = self.name() else {
            return true;
        };
        match rustix::fs::openat(
            &self.dir,
            name.as_c_str(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(folder) => refuse_workspace(&folder).is_err(),
            Err(_) => true,
        }
    }

    /// True when the name is a folder holding a mount point of the run (a workspace kept
    /// read-only, a hidden folder, another grant): moving it would move them.
    pub(super) fn holds_mounts(&self) -> bool {
        let beneath = self.folder.beneath.get_or_init(|| {
            super::super::mountinfo::read()
                .map(|mounts| {
                    mounts
                        .into_iter()
                        .map(|m| m.point)
                        .filter(|point| {
                            point.starts_with(&self.folder.path) && *point != self.folder.path
                        })
                        .collect()
                })
                // Unknown: every folder counts as holding one.
                .unwrap_or_else(|_| vec![self.folder.path.clone()])
        });
        let mut path = self.shown.clone();
        path.push(b'/');
        path.extend_from_slice(&self.name);
        let path = Path::new(std::ffi::OsStr::from_bytes(&path));
        beneath
            .iter()
            .any(|point| point.starts_with(path) || path.starts_with(point))
    }
}

/// The folder a path starts from: the run's root for an absolute one, else the tool's working
/// folder or the folder behind the descriptor it passed.
fn start(pid: u32, dirfd: i32, path: &[u8]) -> Result<OwnedFd, Verdict> {
    if path.first() == Some(&b'/') {
        return root();
    }
    let proc_path = if dirfd == libc::AT_FDCWD {
        format!("/proc/{pid}/cwd")
    } else if dirfd >= 0 {
        format!("/proc/{pid}/fd/{dirfd}")
    } else {
        return Err(Verdict::Continue);
    };
    rustix::fs::open(
        proc_path,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|_| Verdict::Continue)
}

/// The run's root, which is the tool's too: it has no capability to change its own.
fn root() -> Result<OwnedFd, Verdict> {
    rustix::fs::openat(
        CWD,
        "/",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|_| Verdict::Continue)
}

/// `path` as the folder part, the last name and whether a slash followed it; `None` for a
/// path with no last name (`/`, empty).
fn split(path: &[u8]) -> Option<(&[u8], &[u8], bool)> {
    let end = path.iter().rposition(|b| *b != b'/')?;
    let trimmed = &path[..=end];
    let slash = end + 1 < path.len();
    Some(match trimmed.iter().rposition(|b| *b == b'/') {
        Some(0) => (&trimmed[..1], &trimmed[1..], slash),
        Some(at) => (&trimmed[..at], &trimmed[at + 1..], slash),
        None => (&[][..], trimmed, slash),
    })
}

fn cstring(bytes: &[u8]) -> Result<CString, Verdict> {
    CString::new(bytes).map_err(|_| Verdict::Refuse(Errno::INVAL))
}

fn on_proc(fd: &OwnedFd) -> bool {
    rustix::fs::fstatfs(fd).map_or(true, |fs| fs.f_type == libc::PROC_SUPER_MAGIC)
}

fn is_link(dir: &OwnedFd, name: &[u8]) -> bool {
    let Ok(name) = CString::new(name) else {
        return false;
    };
    rustix::fs::statat(dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
}

fn same_file(a: &OwnedFd, b: &OwnedFd) -> bool {
    match (rustix::fs::fstat(a), rustix::fs::fstat(b)) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    }
}

/// Refused (EPERM) when `dir` is a toolbench workspace: it holds `toolbench.toml` or
/// `.toolbench`. A folder that cannot be looked into counts as one.
fn refuse_workspace(dir: &OwnedFd) -> Result<(), Verdict> {
    for marker in [c"toolbench.toml", c".toolbench"] {
        match rustix::fs::statat(dir.as_fd(), marker, AtFlags::SYMLINK_NOFOLLOW) {
            Err(Errno::NOENT) => {}
            Ok(_) | Err(_) => return Err(Verdict::Refuse(Errno::PERM)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_splits_into_its_folder_and_last_name() {
        assert_eq!(split(b"a/b/c"), Some((&b"a/b"[..], &b"c"[..], false)));
        assert_eq!(split(b"c"), Some((&b""[..], &b"c"[..], false)));
        assert_eq!(split(b"/c"), Some((&b"/"[..], &b"c"[..], false)));
        assert_eq!(split(b"a/b//"), Some((&b"a"[..], &b"b"[..], true)));
        assert_eq!(split(b"/"), None);
        assert_eq!(split(b"//"), None);
        assert_eq!(split(b""), None);
    }

    #[test]
    fn git_and_workspace_names_are_protected_in_any_case() {
        for name in [
            ".git",
            ".GIT",
            ".Git",
            "toolbench.toml",
            "Toolbench.TOML",
            ".toolbench",
        ] {
            assert!(protected(name.as_bytes()), "{name}");
        }
        for name in [
            ".gitignore",
            ".github",
            "git",
            ".git~",
            "toolbench",
            ".toolbench.bak",
        ] {
            assert!(!protected(name.as_bytes()), "{name}");
        }
        assert!(names_protected(b"../sub/.git/config"));
        assert!(names_protected(b"/abs/.GIT"));
        assert!(!names_protected(b"../sub/.github/x"));
    }
}
