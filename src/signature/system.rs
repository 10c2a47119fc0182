//! The machine's trust root: `/etc/toolbench/allowed_signers`, which only root can change.
//!
//! Every other list of reviewers (the workspace's, the user's own, what a person accepted
//! here) and every remembered verification is writable by whatever runs on the user's
//! account, coding agents with shells among them. When the machine's list exists it is the
//! anchor: it replaces the user's own list, sets signatures to `require`, and the workspace's
//! reviewers count only while a key of the machine's list endorses what was accepted (a
//! signature made with the person's key: a passphrase or a security key's touch an agent
//! cannot give).
//!
//! Trusted only as root keeps it: the file and every folder above it owned by root and
//! writable by nobody else (a sticky folder, such as `/tmp`, keeps others from replacing what
//! root put there). A list found but not kept so is not ignored: nothing verifies, and the
//! reason names the file.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::signers::parse;
use crate::model::signers::{SignersError, SystemList};

/// Where the machine's list lives.
pub(crate) const SYSTEM_DIR: &str = "/etc/toolbench";
/// Another folder for the machine's list, taken only from root (who could write
/// [`SYSTEM_DIR`] anyway): a user's process could otherwise point it at an empty folder.
pub(crate) const SYSTEM_DIR_ENV: &str = "TOOLBENCH_SYSTEM_DIR";
/// The file's name in that folder.
const FILE_NAME: &str = "allowed_signers";
/// The most the file may hold.
const MAX_BYTES: u64 = 256 * 1024;

impl SystemList {
    /// The list as allowed_signers text for ssh-keygen.
    pub(crate) fn text(&self) -> String {
        self.entries
            .iter()
            .map(|e| format!("{}\n", e.line()))
            .collect()
    }
}

/// The folder a process of `euid` reads the machine's list from, `named` by the environment.
fn folder(euid: u32, named: Option<std::ffi::OsString>) -> PathBuf {
    match named {
        Some(dir) if euid == 0 && !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(SYSTEM_DIR),
    }
}

/// The machine's list: `Ok(None)` when there is none; `Err` when one exists but is not kept
/// as only root can keep it, or cannot be read (then it is in force with nobody in it).
pub(crate) fn load() -> Result<Option<SystemList>, SignersError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    load_from(&folder(euid, std::env::var_os(SYSTEM_DIR_ENV)), 0)
}

/// [`load`] from `dir`, trusting only files and folders owned by `owner`.
fn load_from(dir: &Path, owner: u32) -> Result<Option<SystemList>, SignersError> {
    let file = dir.join(FILE_NAME);
    let broken = |field: &'static str, why: String| SignersError {
        file: file.display().to_string(),
        line: None,
        field,
        why,
    };
    match std::fs::symlink_metadata(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
        Err(e) => return Err(broken("file", crate::io_text::io_reason(&e))),
        Ok(_) => {}
    }
    let real = dir
        .canonicalize()
        .map_err(|e| broken("file", crate::io_text::io_reason(&e)))?;
    for folder in real.ancestors() {
        kept_by(folder, owner, true).map_err(|(field, why)| broken(field, why))?;
    }
    let bytes =
        read_kept(&real.join(FILE_NAME), owner).map_err(|(field, why)| broken(field, why))?;
    let text = String::from_utf8(bytes).map_err(|_| broken("file", "not UTF-8 text".into()))?;
    let entries = parse(&text, &file.display().to_string())?;
    Ok(Some(SystemList { file, entries }))
}

/// Whether `path` is owned by `owner` and writable by nobody else (a sticky folder may be
/// written by others, who cannot replace what its owner put there).
fn kept_by(path: &Path, owner: u32, folder: bool) -> Result<(), (&'static str, String)> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        (
            "file",
            format!("{}: {}", path.display(), crate::io_text::io_reason(&e)),
        )
    })?;
    judge(path, &meta, owner, folder)
}

fn judge(
    path: &Path,
    meta: &std::fs::Metadata,
    owner: u32,
    folder: bool,
) -> Result<(), (&'static str, String)> {
    if meta.uid() != owner {
        return Err((
            "owner",
            format!(
                "{} is owned by uid {}, not root: only a list root keeps is a trust root",
                path.display(),
                meta.uid()
            ),
        ));
    }
    let sticky = folder && meta.mode() & libc::S_ISVTX != 0;
    if meta.mode() & 0o022 != 0 && !sticky {
        return Err((
            "mode",
            format!(
                "{} is writable by others (mode {:o}): only a list root alone can change is a \
                 trust root",
                path.display(),
                meta.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Reads the file without following a link, judged on what was opened.
fn read_kept(path: &Path, owner: u32) -> Result<Vec<u8>, (&'static str, String)> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e: std::io::Error| ("file", crate::io_text::io_reason(&e));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(("file", "not a regular file".into()));
    }
    judge(path, &meta, owner, false)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(("file", format!("larger than {MAX_BYTES} bytes")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIDQjQ6n8Zt3Vt0l9yqCk5mF1Q0iAqYp0o6mJQ5b1l0kH";

    fn me() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    /// A folder of our own, kept as only its owner can change it, holding a list.
    fn kept_folder() -> (tempfile::TempDir, PathBuf) {
        let base = tempfile::tempdir().expect("tempdir");
        let dir = base.path().join("etc");
        std::fs::create_dir(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("mode");
        std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755))
            .expect("mode");
        std::fs::write(
            dir.join(FILE_NAME),
            format!("ana@example.com ssh-ed25519 {KEY}\n"),
        )
        .expect("list");
        std::fs::set_permissions(dir.join(FILE_NAME), std::fs::Permissions::from_mode(0o644))
            .expect("mode");
        (base, dir)
    }

    #[test]
    fn no_folder_or_no_file_is_no_machine_list() {
        let base = tempfile::tempdir().expect("tempdir");
        assert_eq!(load_from(&base.path().join("missing"), me()), Ok(None));
        assert_eq!(load_from(base.path(), me()), Ok(None));
    }

    #[test]
    fn a_list_kept_by_its_owner_is_read_and_one_writable_by_others_trusts_nobody() {
        let (_base, dir) = kept_folder();
        if me() != 0 {
            // Above the temporary folder are root's folders, which a plain user's files can
            // never be kept under as theirs: the positive case is root's to check.
            load_from(&dir, me()).expect_err("root's folders are not ours");
            return;
        }
        let list = load_from(&dir, 0).expect("kept").expect("a list");
        assert_eq!(list.entries.len(), 1);
        assert!(list.text().contains("ana@example.com ssh-ed25519"));

        std::fs::set_permissions(dir.join(FILE_NAME), std::fs::Permissions::from_mode(0o666))
            .expect("mode");
        let err = load_from(&dir, 0).expect_err("writable by others");
        assert_eq!(err.field, "mode");
        assert!(err.to_string().contains("allowed_signers"), "{err}");

        std::fs::set_permissions(dir.join(FILE_NAME), std::fs::Permissions::from_mode(0o644))
            .expect("mode");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("mode");
        let err = load_from(&dir, 0).expect_err("a folder writable by others");
        assert_eq!(err.field, "mode");
    }

    #[test]
    fn a_list_owned_by_anyone_but_root_trusts_nobody() {
        let (_base, dir) = kept_folder();
        let err = load_from(&dir, me().wrapping_add(1)).expect_err("not the owner");
        assert_eq!(err.field, "owner");
        assert!(err.to_string().contains("not root"), "{err}");
    }

    #[test]
    fn a_link_in_the_list_s_place_is_refused() {
        let (_base, dir) = kept_folder();
        let elsewhere = dir.join("elsewhere");
        std::fs::rename(dir.join(FILE_NAME), &elsewhere).expect("move");
        std::os::unix::fs::symlink(&elsewhere, dir.join(FILE_NAME)).expect("link");
        let owner = if me() == 0 { 0 } else { me() };
        let err = load_from(&dir, owner).expect_err("a link");
        assert!(!err.why.is_empty());
    }

    #[test]
    fn the_folder_named_by_the_environment_is_taken_only_from_root() {
        let named = || Some(std::ffi::OsString::from("/nowhere/else"));
        assert_eq!(folder(0, named()), PathBuf::from("/nowhere/else"));
        assert_eq!(folder(1000, named()), PathBuf::from(SYSTEM_DIR));
        assert_eq!(folder(0, None), PathBuf::from(SYSTEM_DIR));
        assert_eq!(folder(0, Some("".into())), PathBuf::from(SYSTEM_DIR));
    }
}
