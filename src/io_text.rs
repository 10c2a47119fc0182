//! Files and their errors as text: a small text file read safely (only a regular file is
//! opened, so a FIFO never hangs a reader; never more than a cap; UTF-8 checked; a tool's own
//! files never through a symlink swapped in a moment ago), and an io error's reason in words.

use std::io::Read;
use std::path::Path;

/// The OS reason without Rust's "(os error N)" suffix.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// Why a small text file could not be read, in words that follow its path.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadTextError {
    /// The OS reason is the message (without Rust's "(os error N)").
    #[error("cannot read: {}", io_reason(.0))]
    Io(std::io::Error),
    #[error("cannot read: not a regular file")]
    NotRegular,
    #[error("file is {len} bytes, larger than the {cap} byte limit")]
    TooLarge { len: u64, cap: u64 },
    /// The file grew past the limit while it was read.
    #[error("file is larger than the {cap} byte limit")]
    Grew { cap: u64 },
    #[error("not valid UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
}

/// Reads a small text file.
///
/// Only regular files are opened, so a FIFO named `tool.toml` can never hang a scan.
pub(crate) fn read_text_capped(path: &Path, cap: u64) -> Result<String, ReadTextError> {
    read_text(path, cap, Follow::Yes)
}

/// [`read_text_capped`] for a file of a tool that goes elsewhere (the evolver, the screen):
/// a symlink, even one swapped in a moment ago, is refused rather than read through.
pub(crate) fn read_tool_text(path: &Path, cap: u64) -> Result<String, ReadTextError> {
    read_text(path, cap, Follow::No)
}

/// The first `cap` bytes of a tool's text file, for a preview of a file too big to show
/// whole, and the file's size. A multi-byte character cut by the limit is dropped; any other
/// invalid UTF-8 means the file is not text. Symlinks are refused as in [`read_tool_text`].
pub(crate) fn read_tool_text_head(path: &Path, cap: u64) -> Result<(String, u64), ReadTextError> {
    let (file, meta) = open_regular(path, Follow::No)?;
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    file.take(cap)
        .read_to_end(&mut bytes)
        .map_err(ReadTextError::Io)?;
    let cut_at_limit = bytes.len() as u64 == cap;
    match std::str::from_utf8(&bytes) {
        Ok(_) => {}
        // An incomplete sequence at the very end: the limit fell inside a character.
        Err(e) if e.error_len().is_none() && cut_at_limit => bytes.truncate(e.valid_up_to()),
        Err(e) => {
            return Err(ReadTextError::NotUtf8 {
                offset: e.valid_up_to(),
            });
        }
    }
    let text = String::from_utf8(bytes).map_err(|e| ReadTextError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    Ok((text, meta.len()))
}

fn read_text(path: &Path, cap: u64, follow: Follow) -> Result<String, ReadTextError> {
    let (file, meta) = open_regular(path, follow)?;
    if meta.len() > cap {
        return Err(ReadTextError::TooLarge {
            len: meta.len(),
            cap,
        });
    }
    read_stream_capped(file, cap, meta.len())
}

/// At most `cap` bytes of UTF-8 text from `reader`, refused whole past it (a pipe has no size
/// to check first; a file may grow while it is read). `expected` sizes the buffer.
pub(crate) fn read_stream_capped(
    reader: impl Read,
    cap: u64,
    expected: u64,
) -> Result<String, ReadTextError> {
    let mut bytes = Vec::with_capacity(expected.min(cap) as usize);
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadTextError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadTextError::Grew { cap });
    }
    String::from_utf8(bytes).map_err(|e| ReadTextError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Whether the last component of a path may be a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    Yes,
    No,
}

/// Opens a regular file to read it, judged by what was opened rather than by a look at the
/// path before: without blocking, so a file swapped for a FIFO in between cannot hang a scan
/// or a validation, and with `Follow::No` refusing a file swapped for a symlink.
pub(crate) fn open_regular(
    path: &Path,
    follow: Follow,
) -> Result<(std::fs::File, std::fs::Metadata), ReadTextError> {
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = ReadTextError::Io;
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if follow == Follow::No {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(ReadTextError::NotRegular);
    }
    Ok((file, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_at_once_not_waited_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tool.toml");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: mkfifo on a NUL-terminated path in our own temp folder.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
        // Without a writer, a blocking open of the FIFO would never return.
        let err = read_text_capped(&path, 1024)
            .expect_err("a FIFO is not a manifest")
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_tool_file_swapped_for_a_symlink_is_not_read_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "key").expect("secret");
        let link = dir.path().join("main.py");
        std::os::unix::fs::symlink(&secret, &link).expect("link");
        let err = read_tool_text(&link, 1024)
            .expect_err("a link is refused")
            .to_string();
        assert!(err.starts_with("cannot read"), "{err}");
        // The manifest reader still follows links (a link inside the tool folder is allowed).
        assert_eq!(read_text_capped(&link, 1024).ok().as_deref(), Some("key"));
    }

    #[test]
    fn the_head_of_a_large_tool_file_is_never_read_through_a_link_nor_from_a_fifo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "key\n".repeat(200_000)).expect("secret");
        let link = dir.path().join("bundle.js");
        std::os::unix::fs::symlink(&secret, &link).expect("link");
        let err = read_tool_text_head(&link, 512 * 1024)
            .expect_err("a link is refused")
            .to_string();
        assert!(err.starts_with("cannot read"), "{err}");
        let fifo = dir.path().join("big.js");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: mkfifo on a NUL-terminated path in our own temp folder.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
        let err = read_tool_text_head(&fifo, 512 * 1024)
            .expect_err("a FIFO is refused")
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        // A file cut by the limit inside a character keeps what is whole.
        let text = dir.path().join("text.js");
        std::fs::write(&text, "é".repeat(10)).expect("text");
        assert_eq!(
            read_tool_text_head(&text, 5).ok(),
            Some(("éé".to_string(), 20))
        );
    }
}
