//! The bearer token every request to `toolbench mcp --http` must carry: any user of the
//! machine can open a loopback port, so the port alone proves nothing about who is asking.
//!
//! The token lives in a file only its owner can read: `--token-file`, or `mcp-token` in the
//! user's config folder, made on first use. A token file is read only when it is a regular
//! file (never through a symbolic link) that belongs to the user and that group and others
//! cannot open; the token itself is never printed.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The token file's name in the user's config folder.
const TOKEN_FILE: &str = "mcp-token";
/// Random bytes in a generated token (written as hex).
const TOKEN_BYTES: usize = 32;
/// A token file larger than this is not a token.
const MAX_TOKEN_FILE_BYTES: u64 = 4096;

/// The bearer token, kept only as its hash: comparing hashes takes the same time whatever
/// the presented token (blake3's `Hash` compares in constant time) and leaks no length.
#[derive(Clone, Copy)]
pub(super) struct Token(blake3::Hash);

impl Token {
    #[cfg(test)]
    pub(super) fn of(text: &[u8]) -> Self {
        Self(blake3::hash(text))
    }

    pub(super) fn matches(&self, presented: &[u8]) -> bool {
        blake3::hash(presented) == self.0
    }
}

/// Why no token could be had; each names the file, in one line.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "no config folder to keep the MCP token in (set $HOME or ${}), or give --token-file",
        crate::user_dirs::CONFIG_DIR_ENV
    )]
    NoConfigDir,
    #[error("MCP token file {}: no such file", .0.display())]
    Missing(PathBuf),
    #[error("MCP token file {}: is a symbolic link; give the file itself", .0.display())]
    Symlink(PathBuf),
    #[error("MCP token file {}: not a regular file", .0.display())]
    NotAFile(PathBuf),
    #[error("MCP token file {}: owned by uid {owner}, not by you (uid {me})", path.display())]
    NotYours { path: PathBuf, owner: u32, me: u32 },
    #[error(
        "MCP token file {}: group or others have access (mode {mode:o}); chmod 600 it",
        path.display()
    )]
    Open { path: PathBuf, mode: u32 },
    #[error("MCP token file {}: holds no token; write one in it", .0.display())]
    Empty(PathBuf),
    #[error("MCP token file {}: larger than {MAX_TOKEN_FILE_BYTES} bytes, not a token", .0.display())]
    TooLarge(PathBuf),
    #[error("MCP token file {}: cannot read it: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("MCP token file {}: cannot create it: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("MCP token file {}: no randomness for a token: {source}", path.display())]
    Random {
        path: PathBuf,
        source: getrandom::Error,
    },
}

/// Where the token is kept when `--token-file` does not say: `mcp-token` in the config folder.
pub(super) fn default_file() -> Result<PathBuf, TokenError> {
    crate::user_dirs::config_dir()
        .map(|dir| dir.join(TOKEN_FILE))
        .ok_or(TokenError::NoConfigDir)
}

/// Reads the token at `path`, making one there first when there is none.
pub(super) fn read_or_create(path: &Path) -> Result<Token, TokenError> {
    match read(path) {
        Err(TokenError::Missing(_)) => {
            create(path)?;
            read(path)
        }
        read => read,
    }
}

/// Reads the token at `path`, refusing a file anyone but its owner could have read.
pub(super) fn read(path: &Path) -> Result<Token, TokenError> {
    let owned = || path.to_path_buf();
    // No following a link at the last step (someone else's link could point anywhere), and no
    // blocking on a FIFO: the checks below then look at what was opened.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|source| match source.kind() {
            ErrorKind::NotFound => TokenError::Missing(owned()),
            _ if source.raw_os_error() == Some(libc::ELOOP) => TokenError::Symlink(owned()),
            _ => TokenError::Read {
                path: owned(),
                source,
            },
        })?;
    let meta = file.metadata().map_err(|source| TokenError::Read {
        path: owned(),
        source,
    })?;
    if !meta.is_file() {
        return Err(TokenError::NotAFile(owned()));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(TokenError::NotYours {
            path: owned(),
            owner: meta.uid(),
            me,
        });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(TokenError::Open {
            path: owned(),
            mode: meta.mode() & 0o7777,
        });
    }
    let mut text = Vec::new();
    file.take(MAX_TOKEN_FILE_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|source| TokenError::Read {
            path: owned(),
            source,
        })?;
    if text.len() as u64 > MAX_TOKEN_FILE_BYTES {
        return Err(TokenError::TooLarge(owned()));
    }
    let token = text.trim_ascii();
    if token.is_empty() {
        return Err(TokenError::Empty(owned()));
    }
    Ok(Token(blake3::hash(token)))
}

/// Writes a fresh token to `path` unless one appears there first. The token is written whole
/// to a new file of mode 0600 beside it, then linked into place: no reader ever sees a partial
/// file, and of two servers starting at once the second uses the first one's token.
fn create(path: &Path) -> Result<(), TokenError> {
    let failed = |source| TokenError::Create {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed)?;
    let mut random = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut random).map_err(|source| TokenError::Random {
        path: path.to_path_buf(),
        source,
    })?;
    let mut text = crate::text::hex(&random);
    text.push('\n');
    let draft = dir.join(format!(".{TOKEN_FILE}.{}.tmp", std::process::id()));
    // A draft named for this process can only be one a crashed process of the same pid left.
    let _ = std::fs::remove_file(&draft);
    let written =
        write_new(&draft, text.as_bytes()).and_then(|()| match std::fs::hard_link(&draft, path) {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        });
    let _ = std::fs::remove_file(&draft);
    written.map_err(failed)?;
    // The link is what makes the token last; without this a crash could lose it.
    File::open(dir).and_then(|d| d.sync_all()).map_err(failed)
}

/// Creates `path` (never an existing file or a link) readable by its owner only, with `bytes`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
    }

    #[test]
    fn a_missing_token_is_created_private_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config").join(TOKEN_FILE);
        let token = read_or_create(&path).expect("created");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("parent")), 0o700);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.trim().len(), TOKEN_BYTES * 2, "{text}");
        assert!(token.matches(text.trim().as_bytes()));
        // The second start reads the same token instead of making another.
        let again = read_or_create(&path).expect("read again");
        assert!(again.matches(text.trim().as_bytes()));
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [TOKEN_FILE], "no draft is left behind");
    }

    #[test]
    fn an_open_or_linked_or_empty_token_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        let set = |text: &str, mode: u32| {
            std::fs::write(&path, text).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        };
        set("s3cret\n", 0o600);
        assert!(read(&path).expect("private").matches(b"s3cret"));
        for open in [0o640, 0o604, 0o620] {
            set("s3cret\n", open);
            let err = read(&path).err().expect("refused").to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        set(" \n", 0o600);
        assert!(matches!(read(&path), Err(TokenError::Empty(_))));

        set("s3cret\n", 0o600);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        let err = read_or_create(&link).err().expect("refused").to_string();
        assert!(
            err.contains("symbolic link") && err.contains("/link"),
            "{err}"
        );
        assert!(matches!(read(dir.path()), Err(TokenError::NotAFile(_))));
        assert!(matches!(
            read(&dir.path().join("absent")),
            Err(TokenError::Missing(_))
        ));
    }

    #[test]
    fn a_dangling_link_is_refused_not_written_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("elsewhere");
        let link = dir.path().join(TOKEN_FILE);
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(matches!(read_or_create(&link), Err(TokenError::Symlink(_))));
        assert!(!target.exists());
    }
}
