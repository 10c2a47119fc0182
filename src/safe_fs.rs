//! Writing beneath a folder without ever following a symlink: a link planted in a tool folder,
//! a tier folder or the state folder must not redirect what toolbench writes or copies.
//!
//! Every path below an open folder is resolved with `openat2(RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS)`, or, on kernels without openat2, component by component with
//! `O_NOFOLLOW | O_DIRECTORY`, which refuses the same paths. A symlink on the way is an error.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{
    AtFlags, FileType, Mode, OFlags, RenameFlags, ResolveFlags, fchmod, mkdirat, openat, openat2,
    readlinkat, renameat, renameat_with, statat, symlinkat, unlinkat,
};
use rustix::io::Errno;

use crate::catalog::links::leads_out;
use crate::catalog::scan::{ContentHasher, collect_files};
use crate::io_text::io_reason;

/// Why a write beneath a folder did not happen: one line naming the path.
#[derive(Debug, thiserror::Error)]
pub enum SafeFsError {
    #[error("{}: not a plain relative path below the folder", .path.display())]
    NotRelative { path: PathBuf },
    #[error("{}: goes through a symlink; toolbench never writes or copies through one", .path.display())]
    Symlink { path: PathBuf },
    #[error("{}: symlink to {} leads out of {}; refused", .link.display(), .target.display(), .folder.display())]
    LinkOut {
        link: PathBuf,
        target: PathBuf,
        folder: PathBuf,
    },
    #[error("{}: {reason}", .path.display())]
    Io { path: PathBuf, reason: String },
}

impl SafeFsError {
    fn from_errno(path: PathBuf, errno: Errno) -> Self {
        match errno {
            Errno::LOOP | Errno::XDEV => SafeFsError::Symlink { path },
            other => SafeFsError::Io {
                path,
                reason: io_reason(&other.into()),
            },
        }
    }
}

/// An open folder that paths are resolved beneath.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

impl Dir {
    /// Opens `path`, a folder the caller trusts (links in `path` itself are followed, as for
    /// the workspace root).
    pub(crate) fn open(path: &Path) -> Result<Dir, SafeFsError> {
        let fd = rustix::fs::open(path, dir_flags(), Mode::empty())
            .map_err(|e| SafeFsError::from_errno(path.to_path_buf(), e))?;
        Ok(Dir {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// A folder the caller opened itself and trusts (with `dir_flags`: read-only, a folder,
    /// close-on-exec), for paths resolved from another root than this process's.
    pub(crate) fn from_open(fd: OwnedFd, path: PathBuf) -> Dir {
        Dir { fd, path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Makes this folder the calling process's working folder.
    pub(crate) fn enter(&self) -> std::io::Result<()> {
        Ok(rustix::process::fchdir(&self.fd)?)
    }

    /// The existing folder `relative` below this one.
    pub(crate) fn open_dir(&self, relative: &Path) -> Result<Dir, SafeFsError> {
        let path = self.path.join(relative);
        let names = names(relative)?;
        let fd = resolve(&self.fd, &names, dir_flags(), Mode::empty())
            .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
        Ok(Dir { fd, path })
    }

    /// The folder `relative` below this one, created (with its parents) when missing.
    pub(crate) fn create_dirs(&self, relative: &Path) -> Result<Dir, SafeFsError> {
        self.create_dirs_with_mode(relative, 0o755)
    }

    /// `create_dirs`, the folders it makes getting `mode`.
    pub(crate) fn create_dirs_with_mode(
        &self,
        relative: &Path,
        mode: u32,
    ) -> Result<Dir, SafeFsError> {
        let mut made: Option<Dir> = None;
        for name in names(relative)? {
            let dir = made.as_ref().unwrap_or(self);
            let path = dir.path.join(&name);
            match mkdirat(&dir.fd, &name, Mode::from_raw_mode(mode)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(SafeFsError::from_errno(path, e)),
            }
            let fd = resolve(
                &dir.fd,
                std::slice::from_ref(&name),
                dir_flags(),
                Mode::empty(),
            )
            .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
            made = Some(Dir { fd, path });
        }
        match made {
            Some(dir) => Ok(dir),
            None => self.open_dir(Path::new("")),
        }
    }

    /// `create_dirs`, each folder it makes getting the mode of the one it is made in: the
    /// state's stay their owner's, a tool's stay readable.
    pub(crate) fn create_dirs_inheriting(&self, relative: &Path) -> Result<Dir, SafeFsError> {
        let mut made: Option<Dir> = None;
        for name in names(relative)? {
            let dir = made.as_ref().unwrap_or(self);
            let mode = rustix::fs::fstat(&dir.fd)
                .map(|s| s.st_mode & 0o7777)
                .map_err(|e| SafeFsError::from_errno(dir.path.clone(), e))?;
            made = Some(dir.create_dirs_with_mode(Path::new(&name), mode)?);
        }
        match made {
            Some(dir) => Ok(dir),
            None => self.open_dir(Path::new("")),
        }
    }

    /// Makes the folder `name` directly below this one, refusing one that exists (whoever
    /// made it): a folder this call alone owns.
    pub(crate) fn create_dir_new(&self, name: &Path, mode: u32) -> Result<Dir, SafeFsError> {
        let path = self.path.join(name);
        let [name] = names(name)?
            .try_into()
            .map_err(|_| SafeFsError::NotRelative { path: path.clone() })?;
        mkdirat(&self.fd, &name, Mode::from_raw_mode(mode))
            .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
        let fd = resolve(&self.fd, &[name], dir_flags(), Mode::empty())
            .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
        Ok(Dir { fd, path })
    }

    /// Writes `content` to `relative` through a temporary file renamed over it, so readers
    /// never see half a file and a symlink there is replaced, never written through. Missing
    /// folders are created. The file gets `mode`, or keeps the mode of the file it replaces.
    pub(crate) fn write(
        &self,
        relative: &Path,
        mut content: impl Read,
        mode: u32,
    ) -> Result<(), SafeFsError> {
        let (parent, name) = self.parent_of(relative)?;
        let path = parent.path.join(&name);
        let mode = match statat(&parent.fd, &name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile => {
                stat.st_mode & 0o7777
            }
            _ => mode,
        };
        let mut tmp = OsString::from(".");
        tmp.push(&name);
        tmp.push(format!(".tmp-{}", std::process::id()));
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW;
        let fd = resolve(
            &parent.fd,
            std::slice::from_ref(&tmp),
            flags | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
        let written = (|| -> std::io::Result<()> {
            let mut file = std::fs::File::from(fd);
            std::io::copy(&mut content, &mut file)?;
            file.flush()?;
            fchmod(&file, Mode::from_raw_mode(mode))?;
            file.sync_all()?;
            renameat(&parent.fd, &tmp, &parent.fd, &name)?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = unlinkat(&parent.fd, &tmp, AtFlags::empty());
            return Err(SafeFsError::Io {
                path,
                reason: io_reason(&e),
            });
        }
        parent.fsync();
        Ok(())
    }

    /// Writes `content` into a new file `relative` (missing folders are created), never over
    /// anything and never through a symlink, and without syncing: for a private folder that
    /// is filled whole, synced once with `sync_filesystem`, and only then moved into place.
    pub(crate) fn write_new(
        &self,
        relative: &Path,
        mut content: impl Read,
        mode: u32,
    ) -> Result<(), SafeFsError> {
        let (parent, name) = self.parent_of(relative)?;
        let path = parent.path.join(&name);
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = resolve(
            &parent.fd,
            std::slice::from_ref(&name),
            flags,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| SafeFsError::from_errno(path.clone(), e))?;
        let mut file = std::fs::File::from(fd);
        std::io::copy(&mut content, &mut file)
            .and_then(|_| Ok(fchmod(&file, Mode::from_raw_mode(mode))?))
            .map_err(|e| SafeFsError::Io {
                path,
                reason: io_reason(&e),
            })
    }

    /// Makes everything written on this folder's file system durable, in one call however many
    /// files were written (what `write_new` left unsynced).
    pub(crate) fn sync_filesystem(&self) -> Result<(), SafeFsError> {
        rustix::fs::syncfs(&self.fd).map_err(|e| SafeFsError::from_errno(self.path.clone(), e))
    }

    /// Creates `relative`, or empties it, for writing as its content comes (a run's logs and
    /// report, which `write`'s whole replacement does not fit), its owner's alone as the rest
    /// of the state; missing folders are created. Never through a symlink, the file itself
    /// included.
    pub(crate) fn create_file(&self, relative: &Path) -> Result<std::fs::File, SafeFsError> {
        let (parent, name) = self.parent_of(relative)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        resolve(
            &parent.fd,
            std::slice::from_ref(&name),
            flags,
            Mode::from_raw_mode(crate::workspace::private::FILE_MODE),
        )
        .map(std::fs::File::from)
        .map_err(|e| SafeFsError::from_errno(parent.path.join(&name), e))
    }

    /// Opens the file `relative` below this folder to read it, never through a symlink (the
    /// file itself included) and without blocking on a FIFO; ELOOP or EXDEV say a link was
    /// met.
    pub(crate) fn open_read(&self, relative: &Path) -> std::io::Result<std::fs::File> {
        let names = names(relative).map_err(|e| std::io::Error::other(e.to_string()))?;
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        resolve(&self.fd, &names, flags, Mode::empty())
            .map(std::fs::File::from)
            .map_err(std::io::Error::from)
    }

    /// Creates the symlink `relative` → `target` (the link is made, never followed).
    pub(crate) fn symlink(&self, relative: &Path, target: &Path) -> Result<(), SafeFsError> {
        let (parent, name) = self.parent_of(relative)?;
        symlinkat(target, &parent.fd, &name)
            .map_err(|e| SafeFsError::from_errno(parent.path.join(&name), e))
    }

    /// Renames `from` to `to` (both below this folder), never over anything at `to`. The last
    /// component may itself be a symlink: it is moved as a link, not followed. Both folders
    /// are fsynced: the move survives a crash.
    pub(crate) fn rename_noreplace(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        let (from_dir, to_dir) = self.move_entry(from, to)?;
        let _ = rustix::fs::fsync(&to_dir);
        let _ = rustix::fs::fsync(&from_dir);
        Ok(())
    }

    /// Swaps the entries `a` and `b` (both below this folder) in one step: a reader finds each
    /// name holding one of the two whole, never neither. Both folders are fsynced.
    pub(crate) fn exchange(&self, a: &Path, b: &Path) -> std::io::Result<()> {
        let (a_dir, a_name) = self.parent_for_rename(a)?;
        let (b_dir, b_name) = self.parent_for_rename(b)?;
        renameat_with(&a_dir, &a_name, &b_dir, &b_name, RenameFlags::EXCHANGE)?;
        let _ = rustix::fs::fsync(&a_dir);
        let _ = rustix::fs::fsync(&b_dir);
        Ok(())
    }

    /// `rename_noreplace` without the fsyncs, for what need not outlive a power loss.
    pub(crate) fn move_noreplace(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.move_entry(from, to).map(drop)
    }

    /// The move of `rename_noreplace`; returns the two folders.
    fn move_entry(&self, from: &Path, to: &Path) -> std::io::Result<(OwnedFd, OwnedFd)> {
        let (from_dir, from_name) = self.parent_for_rename(from)?;
        let (to_dir, to_name) = self.parent_for_rename(to)?;
        match renameat_with(
            &from_dir,
            &from_name,
            &to_dir,
            &to_name,
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {}
            // No RENAME_NOREPLACE here: check, then rename (the tool lock keeps others away).
            Err(Errno::INVAL | Errno::NOSYS) => {
                if statat(&to_dir, &to_name, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
                    return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
                }
                renameat(&from_dir, &from_name, &to_dir, &to_name)?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok((from_dir, to_dir))
    }

    /// The parent folder of `relative` and its last name, with the kernel's own error (the
    /// journal words it), a link on the way named as such.
    fn parent_for_rename(&self, relative: &Path) -> std::io::Result<(OwnedFd, OsString)> {
        let mut names = names(relative).map_err(|e| std::io::Error::other(e.to_string()))?;
        let name = names
            .pop()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        let dir = resolve(&self.fd, &names, dir_flags(), Mode::empty()).map_err(|e| match e {
            Errno::LOOP | Errno::XDEV => std::io::Error::other(
                "a folder on the way is a symlink; toolbench never moves through one",
            ),
            other => other.into(),
        })?;
        Ok((dir, name))
    }

    /// Makes the folder's entries durable. Best effort: some filesystems refuse to fsync folders.
    pub(crate) fn fsync(&self) {
        let _ = rustix::fs::fsync(&self.fd);
    }

    /// The parent folder of `relative` (created when missing) and the last name: this folder
    /// itself for an entry directly in it, not opened again (a copy writes thousands).
    fn parent_of(&self, relative: &Path) -> Result<(Parent<'_>, OsString), SafeFsError> {
        let mut names = names(relative)?;
        let Some(name) = names.pop() else {
            return Err(SafeFsError::NotRelative {
                path: self.path.join(relative),
            });
        };
        if names.is_empty() {
            return Ok((Parent::This(self), name));
        }
        let parent: PathBuf = names.iter().collect();
        Ok((Parent::Below(self.create_dirs_inheriting(&parent)?), name))
    }
}

/// The folder an entry lies in: the one it was named from, or one opened below it.
enum Parent<'a> {
    This(&'a Dir),
    Below(Dir),
}

impl std::ops::Deref for Parent<'_> {
    type Target = Dir;

    fn deref(&self) -> &Dir {
        match self {
            Parent::This(dir) => dir,
            Parent::Below(dir) => dir,
        }
    }
}

/// Creates the file at `path` as `Dir::create_file` does, beneath the folder that holds
/// `path`'s own folder, which `open_base` opens and the caller trusts; `path`'s folder is made
/// when missing. For files in a folder that the first of several writers makes (a run's).
pub(crate) fn create_in_new_folder(
    path: &Path,
    open_base: impl FnOnce(&Path) -> Result<Dir, SafeFsError>,
) -> Result<std::fs::File, SafeFsError> {
    let not_relative = || SafeFsError::NotRelative {
        path: path.to_path_buf(),
    };
    let folder = path.parent().ok_or_else(not_relative)?;
    let (Some(base), Some(folder_name), Some(name)) =
        (folder.parent(), folder.file_name(), path.file_name())
    else {
        return Err(not_relative());
    };
    open_base(base)?.create_file(&Path::new(folder_name).join(name))
}

/// Copies the files `collect_files` sees (what the content hash covers) from `from` into the
/// new, private folder `to`, each file's mode passed through `mode` and each folder made with
/// the mode of `to`, without syncing: the
/// caller syncs the file system once (`sync_filesystem`; not each file: a 200-file tool took
/// 400 fsyncs to approve) before it renames the copy into place, so the copy survives a crash
/// the journal recovers from. Nothing is read or written through a symlink. A symlink that stays inside `from` is copied as a link: the
/// content hash covers links by their text, so a snapshot must keep them to match. One that
/// leads out is refused, since the copy would reach outside wherever it lands.
///
/// Returns the content hash of what it wrote, the bytes and links as they were copied (what
/// `hash_tool_folder` gives for `to`), so a caller checks the copy without reading it again.
pub(crate) fn copy_tree(
    from: &Dir,
    to: &Dir,
    mode: impl Fn(u32) -> u32,
) -> Result<String, SafeFsError> {
    let mut hasher = ContentHasher::default();
    let folder_mode = rustix::fs::fstat(&to.fd)
        .map(|s| s.st_mode & 0o7777)
        .map_err(|e| SafeFsError::from_errno(to.path.clone(), e))?;
    // Files come in path order, those of one folder together: each folder is opened (and made)
    // once on each side, not once per file, and each file then needs one lookup.
    let mut folders: Option<(PathBuf, Dir, Dir)> = None;
    for relative in collect_files(&from.path) {
        let parent = relative.parent().unwrap_or(Path::new("")).to_path_buf();
        let Some(name) = relative.file_name().map(OsString::from) else {
            continue;
        };
        if folders.as_ref().is_none_or(|(open, _, _)| *open != parent) {
            folders = Some((
                parent.clone(),
                from.open_dir(&parent)?,
                to.create_dirs_with_mode(&parent, folder_mode)?,
            ));
        }
        let Some((_, source_dir, target_dir)) = folders.as_ref() else {
            continue;
        };
        let source = from.path.join(&relative);
        let stat = statat(&source_dir.fd, &name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| SafeFsError::from_errno(source.clone(), e))?;
        match FileType::from_raw_mode(stat.st_mode) {
            FileType::Symlink => {
                let target = readlinkat(&source_dir.fd, &name, Vec::new())
                    .map_err(|e| SafeFsError::from_errno(source.clone(), e))?;
                let target = PathBuf::from(OsString::from_vec(target.into_bytes()));
                if leads_out(&from.path, &relative, &target) {
                    return Err(SafeFsError::LinkOut {
                        link: source,
                        target,
                        folder: from.path.clone(),
                    });
                }
                target_dir.symlink(Path::new(&name), &target)?;
                hasher.symlink(&relative, &target);
            }
            FileType::RegularFile => {
                // Non-blocking: a FIFO swapped in since the stat above is not waited on, and is
                // left out like any other, so the copy no longer matches the hash it must.
                let file = resolve(
                    &source_dir.fd,
                    std::slice::from_ref(&name),
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| SafeFsError::from_errno(source.clone(), e))?;
                let still_regular = rustix::fs::fstat(&file)
                    .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::RegularFile);
                if !still_regular {
                    continue;
                }
                hasher.file(&relative, |sink| {
                    let source = Tee {
                        source: std::fs::File::from(file),
                        sink,
                    };
                    target_dir.write_new(Path::new(&name), source, mode(stat.st_mode) & 0o7777)
                })?;
            }
            // Sockets, fifos and devices are not part of a tool.
            _ => {}
        }
    }
    Ok(hasher.finish())
}

/// Reads from `source`, handing every byte read to `sink` as well.
struct Tee<'a, R> {
    source: R,
    sink: &'a mut dyn Write,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.source.read(buf)?;
        self.sink.write_all(&buf[..read])?;
        Ok(read)
    }
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

/// The names of a plain relative path; `..`, absolute paths and the like are refused.
fn names(relative: &Path) -> Result<Vec<OsString>, SafeFsError> {
    let mut out = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => out.push(name.to_os_string()),
            Component::CurDir => {}
            _ => {
                return Err(SafeFsError::NotRelative {
                    path: relative.to_path_buf(),
                });
            }
        }
    }
    Ok(out)
}

/// Opens `names` below `dir` without following any symlink.
fn resolve(
    dir: &impl AsFd,
    names: &[OsString],
    flags: OFlags,
    mode: Mode,
) -> rustix::io::Result<OwnedFd> {
    let path: PathBuf = names.iter().collect();
    let path = if names.is_empty() {
        Path::new(".")
    } else {
        &path
    };
    match openat2(
        dir,
        path,
        flags,
        mode,
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
    ) {
        // Kernels before 5.6 lack openat2; some container filters answer EPERM for it.
        Err(Errno::NOSYS | Errno::PERM) => resolve_by_walking(dir, names, flags, mode),
        other => other,
    }
}

/// `resolve` for kernels without openat2: one component at a time, none of them a link.
fn resolve_by_walking(
    dir: &impl AsFd,
    names: &[OsString],
    flags: OFlags,
    mode: Mode,
) -> rustix::io::Result<OwnedFd> {
    let Some((last, parents)) = names.split_last() else {
        return openat(dir, ".", flags, mode);
    };
    let mut current: Option<OwnedFd> = None;
    for name in parents {
        let next = match &current {
            Some(fd) => open_no_link(fd, name, dir_flags(), Mode::empty())?,
            None => open_no_link(dir, name, dir_flags(), Mode::empty())?,
        };
        current = Some(next);
    }
    match &current {
        Some(fd) => open_no_link(fd, last, flags, mode),
        None => open_no_link(dir, last, flags, mode),
    }
}

/// `openat` with `O_NOFOLLOW`, a link reported as ELOOP the way openat2 reports it (with
/// `O_DIRECTORY` the kernel says ENOTDIR instead).
fn open_no_link(
    dir: &impl AsFd,
    name: &OsString,
    flags: OFlags,
    mode: Mode,
) -> rustix::io::Result<OwnedFd> {
    openat(dir, name, flags | OFlags::NOFOLLOW, mode).map_err(|e| {
        let is_link = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::Symlink);
        if e == Errno::NOTDIR && is_link {
            Errno::LOOP
        } else {
            e
        }
    })
}

/// Renames `from` to `to` (both relative to `root`), refusing to replace anything at `to`.
///
/// Uses `renameat2(RENAME_NOREPLACE)` from folders opened beneath the root without following
/// any symlink, so a link planted as a tier or state folder cannot redirect the move; where
/// the filesystem lacks RENAME_NOREPLACE, `safe_fs` checks then renames. Fsyncs both parents.
pub(crate) fn move_noreplace(root: &Path, from: &str, to: &str) -> std::io::Result<()> {
    let root_dir = Dir::open(root).map_err(|e| std::io::Error::other(e.to_string()))?;
    root_dir.rename_noreplace(Path::new(from), Path::new(to))
}

/// For the tests of every writer that must not follow a link planted in its way.
#[cfg(test)]
pub(crate) mod planted {
    use std::path::{Path, PathBuf};

    /// Plants at `link` a symlink to a new, empty folder beside it, and returns that folder.
    pub(crate) fn link_to_empty_folder(link: &Path) -> PathBuf {
        let elsewhere = link.with_file_name("elsewhere");
        std::fs::create_dir(&elsewhere).expect("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, link).expect("link");
        elsewhere
    }

    pub(crate) fn is_empty(dir: &Path) -> bool {
        std::fs::read_dir(dir).expect("read").next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::planted::is_empty;
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    /// A workspace-like folder with `inside/` and a link `inside/out` to a folder beside it.
    fn setup() -> (tempfile::TempDir, Dir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("inside/real")).expect("mkdir");
        symlink(&outside, dir.path().join("inside/out")).expect("symlink");
        let inside = Dir::open(&dir.path().join("inside")).expect("open");
        (dir, inside, outside)
    }

    #[test]
    fn writes_create_folders_and_keep_the_mode_they_replace() {
        let (_dir, inside, _) = setup();
        inside
            .write(Path::new("a/b/c.txt"), &b"one"[..], 0o644)
            .expect("write");
        let file = inside.path().join("a/b/c.txt");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        inside
            .write(Path::new("a/b/c.txt"), &b"two"[..], 0o644)
            .expect("rewrite");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "two");
        let mode = file.metadata().expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn nothing_is_written_through_a_symlink() {
        let (_dir, inside, outside) = setup();
        for path in ["out/x.txt", "out/deeper/x.txt"] {
            let err = inside
                .write(Path::new(path), &b"evil"[..], 0o644)
                .expect_err("through a link")
                .to_string();
            assert!(
                err.ends_with(
                    "goes through a symlink; toolbench never writes or copies through one"
                ),
                "{err}"
            );
        }
        assert!(inside.create_dirs(Path::new("out/y")).is_err());
        assert!(inside.open_dir(Path::new("out")).is_err());
        assert!(is_empty(&outside));
        for bad in ["../x", "/etc/x"] {
            let err = inside
                .write(Path::new(bad), &b""[..], 0o644)
                .expect_err(bad);
            assert!(matches!(err, SafeFsError::NotRelative { .. }), "{err}");
        }
    }

    #[test]
    fn a_symlink_at_the_destination_is_replaced_not_followed() {
        let (_dir, inside, outside) = setup();
        std::fs::write(outside.join("target.txt"), "kept").expect("write");
        symlink(outside.join("target.txt"), inside.path().join("real/file")).expect("symlink");
        inside
            .write(Path::new("real/file"), &b"new"[..], 0o644)
            .expect("write");
        assert_eq!(
            std::fs::read_to_string(outside.join("target.txt")).expect("read"),
            "kept"
        );
        assert!(!inside.path().join("real/file").is_symlink());
    }

    #[test]
    fn a_new_file_is_written_with_its_mode_and_never_over_or_through_anything() {
        let (_dir, inside, outside) = setup();
        inside
            .write_new(Path::new("new/run.sh"), &b"#!/bin/sh\n"[..], 0o755)
            .expect("write");
        let file = inside.path().join("new/run.sh");
        assert_eq!(std::fs::read(&file).expect("read"), b"#!/bin/sh\n");
        let mode = file.metadata().expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        let again = inside.write_new(Path::new("new/run.sh"), &b"other"[..], 0o644);
        assert!(again.is_err(), "an existing file is kept");
        assert_eq!(std::fs::read(&file).expect("read"), b"#!/bin/sh\n");
        symlink(outside.join("planted"), inside.path().join("link")).expect("symlink");
        for path in ["link", "out/x"] {
            assert!(
                inside
                    .write_new(Path::new(path), &b"evil"[..], 0o644)
                    .is_err()
            );
        }
        assert!(is_empty(&outside));
        inside.sync_filesystem().expect("sync");
    }

    #[test]
    fn a_new_folder_is_never_one_that_exists() {
        let (_dir, inside, _) = setup();
        let made = inside
            .create_dir_new(Path::new("private"), 0o755)
            .expect("made");
        made.write_new(Path::new("x"), &b"x"[..], 0o644)
            .expect("write");
        for taken in ["private", "real", "out"] {
            assert!(
                inside.create_dir_new(Path::new(taken), 0o755).is_err(),
                "{taken}"
            );
        }
        assert!(inside.create_dir_new(Path::new("a/b"), 0o755).is_err());
    }

    #[test]
    fn walking_refuses_what_openat2_refuses() {
        let (_dir, inside, _) = setup();
        let names = |p: &str| super::names(Path::new(p)).expect("names");
        for path in ["out", "out/x"] {
            let walked = resolve_by_walking(&inside.fd, &names(path), dir_flags(), Mode::empty());
            let direct = resolve(&inside.fd, &names(path), dir_flags(), Mode::empty());
            assert_eq!(walked.err(), Some(Errno::LOOP), "{path}");
            assert_eq!(direct.err(), Some(Errno::LOOP), "{path}");
        }
        assert!(resolve_by_walking(&inside.fd, &names("real"), dir_flags(), Mode::empty()).is_ok());
        assert!(resolve_by_walking(&inside.fd, &[], dir_flags(), Mode::empty()).is_ok());
    }

    /// The hash a copy returns is the one the copy has on disk, which is the source's: a
    /// snapshot is checked by it instead of being read again.
    #[test]
    fn copy_tree_returns_the_content_hash_of_what_it_wrote() {
        let (dir, inside, _) = setup();
        let tool = dir.path().join("tool");
        std::fs::create_dir_all(tool.join("tests/deep")).expect("mkdir");
        std::fs::write(tool.join("tool.toml"), "name = \"t\"\n").expect("write");
        std::fs::write(tool.join("tests/deep/a.toml"), "input = '{}'\n").expect("write");
        std::fs::write(tool.join("big.bin"), vec![7u8; 300_000]).expect("write");
        std::fs::write(tool.join("empty"), "").expect("write");
        symlink("tool.toml", tool.join("alias")).expect("symlink");
        let copy = inside.create_dirs(Path::new("real/hashed")).expect("mkdir");
        let returned = copy_tree(&Dir::open(&tool).expect("open"), &copy, |m| m).expect("copy");
        let source = crate::catalog::scan::hash_tool_folder(&tool);
        assert_eq!(returned, source);
        assert_eq!(crate::catalog::scan::hash_tool_folder(copy.path()), source);
    }

    #[test]
    fn copy_tree_keeps_inner_links_and_refuses_links_out() {
        let (dir, inside, outside) = setup();
        let tool = dir.path().join("tool");
        std::fs::create_dir_all(tool.join("sub")).expect("mkdir");
        std::fs::write(tool.join("sub/run.sh"), "echo hi\n").expect("write");
        symlink("sub/run.sh", tool.join("alias")).expect("symlink");
        let copy = inside.create_dirs(Path::new("real/copy")).expect("mkdir");
        copy_tree(&Dir::open(&tool).expect("open"), &copy, |m| m & 0o555).expect("copy");
        assert_eq!(
            std::fs::read_link(copy.path().join("alias")).expect("link"),
            PathBuf::from("sub/run.sh")
        );
        let mode = copy
            .path()
            .join("sub/run.sh")
            .metadata()
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o444);

        symlink("../outside", tool.join("escape")).expect("symlink");
        let again = inside.create_dirs(Path::new("real/again")).expect("mkdir");
        let err = copy_tree(&Dir::open(&tool).expect("open"), &again, |m| m)
            .expect_err("link out")
            .to_string();
        assert!(
            err.contains("escape: symlink to ../outside leads out of"),
            "{err}"
        );
        assert!(is_empty(&outside));
    }
}
