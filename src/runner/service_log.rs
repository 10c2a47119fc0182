//! A service's output on disk, bounded by `[services] log_mb`.
//!
//! In the instance's folder, `stdout.log` and `stderr.log` hold the newest output of each
//! stream. Once one has its share (a quarter of the budget: two streams, each its current file
//! and one rotated file), it is renamed `stdout.<N>.log`, where N is how many bytes the stream
//! wrote before it, a new `stdout.log` is started and the rotated file before it removed. So
//! the folder never holds more than the budget, and a name says where its bytes sit among
//! everything the stream ever wrote: what lies before the oldest file kept was dropped.
//!
//! The service's helper writes the logs (`RotatingLog`): it reads the service's pipes for as
//! long as the service runs, whatever happens to the toolbench process that launched it, so a
//! crash of toolbench neither stops the draining nor blocks the service on a full pipe.
//! `tools logs`, the workbench's Output pane and launch read them by position
//! (`read_from`), which a rotation never moves, and learn how much was dropped.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags, openat, renameat, statat, unlinkat};
use rustix::io::Errno;

use crate::model::run_output::Stream;

/// A stream's name in its files' names: `stdout`.
fn name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// The file of a stream's newest output: `stdout.log`.
pub(crate) fn file_name(stream: Stream) -> String {
    format!("{}.log", name(stream))
}

/// The rotated file whose first byte is byte `start` of the stream: `stdout.<start>.log`.
fn rotated_name(stream: Stream, start: u64) -> String {
    format!("{}.{start}.log", name(stream))
}

/// Where a rotated file of `stream` starts, read from its name.
fn rotated_start(stream: Stream, file_name: &str) -> Option<u64> {
    let digits = file_name
        .strip_prefix(name(stream))?
        .strip_prefix('.')?
        .strip_suffix(".log")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The most one file of a stream holds before it is rotated, for an instance whose logs
/// may hold `budget` bytes.
fn rotate_after(budget: u64) -> u64 {
    (budget / 4).max(1)
}

/// The helper's side of one stream: appends what the service wrote to the current file and
/// rotates it once it has its share. The helper's own stdout or stderr (`fd`) is kept on the
/// current file, so what the helper prints lands there too and no descriptor holds a removed
/// file (whose space the disk would not get back while the service runs).
pub(crate) struct RotatingLog {
    dir: OwnedFd,
    stream: Stream,
    fd: RawFd,
    /// `None` while the current file cannot be opened: output is dropped meanwhile.
    file: Option<File>,
    /// Where the current file starts among everything the stream wrote, and its length.
    start: u64,
    len: u64,
    /// The start of the rotated file kept.
    rotated: Option<u64>,
    rotate_after: u64,
}

impl RotatingLog {
    /// Takes over `stream`'s log in `dir` (the instance's folder) where an earlier launch of
    /// the instance left it, and points the helper's `fd` at it.
    pub(crate) fn resume(dir: OwnedFd, stream: Stream, fd: RawFd, budget: u64) -> io::Result<Self> {
        let mut starts: Vec<u64> = rustix::fs::Dir::read_from(&dir)?
            .filter_map(Result::ok)
            .filter_map(|entry| rotated_start(stream, entry.file_name().to_str().ok()?))
            .collect();
        starts.sort_unstable();
        let rotated = starts.pop();
        // Left by a helper that died in the middle of a rotation.
        for start in starts {
            let _ = unlinkat(&dir, rotated_name(stream, start), AtFlags::empty());
        }
        let start = match rotated {
            Some(first) => {
                let stat = statat(&dir, rotated_name(stream, first), AtFlags::SYMLINK_NOFOLLOW)?;
                first + u64::try_from(stat.st_size).unwrap_or(0)
            }
            None => 0,
        };
        let file = open_current(&dir, stream, fd)?;
        let len = file.metadata()?.len();
        Ok(RotatingLog {
            dir,
            stream,
            fd,
            file: Some(file),
            start,
            len,
            rotated,
            rotate_after: rotate_after(budget),
        })
    }

    /// Appends `bytes`, rotating first when they would take the current file past its share.
    /// Nothing here fails the service: what cannot be written is dropped.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        let size = bytes.len() as u64;
        if self.len > 0 && self.len.saturating_add(size) > self.rotate_after {
            self.rotate();
        }
        if self.file.is_none() {
            self.file = open_current(&self.dir, self.stream, self.fd).ok();
        }
        let Some(file) = &mut self.file else {
            return;
        };
        if file.write_all(bytes).is_ok() {
            self.len += size;
        } else if let Ok(meta) = file.metadata() {
            self.len = meta.len();
        }
    }

    /// Renames the current file after where it starts and drops the rotated file before it;
    /// the next write starts a new current file.
    fn rotate(&mut self) {
        // Its real length: the helper's own messages went into it too.
        let len = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(self.len, |m| m.len());
        let current = file_name(self.stream);
        match renameat(
            &self.dir,
            &current,
            &self.dir,
            rotated_name(self.stream, self.start),
        ) {
            Ok(()) => {
                if let Some(old) = self
                    .rotated
                    .replace(self.start)
                    .filter(|o| *o != self.start)
                {
                    let _ = unlinkat(&self.dir, rotated_name(self.stream, old), AtFlags::empty());
                }
                self.file = None;
            }
            // Removed by hand: there is nothing to keep.
            Err(Errno::NOENT) => self.file = None,
            Err(_) => {
                // The folder refuses the rename: start the file over in place, which keeps the
                // bound (positions read afterwards may then be off by what was dropped).
                if let Some(file) = &self.file {
                    let _ = file.set_len(0);
                }
            }
        }
        self.start += len;
        self.len = 0;
    }
}

/// Opens the current file of `stream` in `dir` for appending (never through a symlink) and
/// makes the helper's `fd` the same file.
fn open_current(dir: &OwnedFd, stream: Stream, fd: RawFd) -> io::Result<File> {
    let flags =
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let file = File::from(openat(
        dir,
        file_name(stream),
        flags,
        Mode::from_raw_mode(0o666),
    )?);
    // SAFETY: dup2 onto the helper's own stdout or stderr from a descriptor we own.
    if unsafe { libc::dup2(file.as_raw_fd(), fd) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

/// What a look at a stream's log found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogRead {
    /// Bytes asked for that were rotated away: they are gone.
    pub(crate) dropped: u64,
    /// Where `bytes` start among everything the stream wrote.
    pub(crate) from: u64,
    pub(crate) bytes: Vec<u8>,
}

impl LogRead {
    /// The position right after `bytes`.
    pub(crate) fn next(&self) -> u64 {
        self.from + self.bytes.len() as u64
    }
}

/// Up to `max` bytes of `stream` from position `from` (among everything the stream wrote,
/// across launches), in the instance folder `dir`. Bytes rotated away are counted in
/// `dropped`; a position past the end (the logs were removed and started anew) reads from the
/// oldest byte kept.
pub(crate) fn read_from(dir: &Path, stream: Stream, from: u64, max: u64) -> LogRead {
    let files = LogFiles::open(dir, stream);
    let first = files.first();
    let from = if from > files.end() { first } else { from };
    let mut read = LogRead {
        dropped: first.saturating_sub(from),
        from: from.max(first),
        bytes: Vec::new(),
    };
    let mut at = read.from;
    for (start, len, file) in files.parts() {
        let left = max.saturating_sub(read.bytes.len() as u64);
        if left == 0 || at >= start + len {
            continue;
        }
        let Some(mut file) = file else {
            continue;
        };
        let wanted = left.min(start + len - at);
        let before = read.bytes.len();
        let read_ok = file
            .seek(SeekFrom::Start(at - start))
            .and_then(|_| file.take(wanted).read_to_end(&mut read.bytes));
        if read_ok.is_err() {
            read.bytes.truncate(before);
            break;
        }
        at += (read.bytes.len() - before) as u64;
    }
    read
}

/// The position right after the last byte of `stream` written so far.
pub(crate) fn end(dir: &Path, stream: Stream) -> u64 {
    LogFiles::open(dir, stream).end()
}

/// The files of one stream as one consistent look at them: the rotated file kept (if any),
/// then the current one.
struct LogFiles {
    rotated: Option<(u64, u64, File)>,
    current: Option<(u64, File)>,
    current_start: u64,
}

impl LogFiles {
    /// Opens both files. A rotation between the two opens would pair a current file with the
    /// wrong rotated one, so the look is taken again when the names changed meanwhile.
    fn open(dir: &Path, stream: Stream) -> Self {
        let current_path = dir.join(file_name(stream));
        let mut attempts = 0;
        loop {
            attempts += 1;
            let current = File::open(&current_path).ok();
            let newest = newest_rotated(dir, stream);
            let rotated = newest.and_then(|start| {
                let file = File::open(dir.join(rotated_name(stream, start))).ok()?;
                Some((start, file.metadata().ok()?.len(), file))
            });
            let still_current = match (&current, std::fs::metadata(&current_path)) {
                (Some(file), Ok(now)) => file
                    .metadata()
                    .is_ok_and(|m| (m.dev(), m.ino()) == (now.dev(), now.ino())),
                (None, Err(_)) => true,
                _ => false,
            };
            let settled = still_current && newest_rotated(dir, stream) == newest;
            if settled || attempts == 3 {
                let current_start = rotated.as_ref().map_or(0, |(start, len, _)| start + len);
                let current = current.and_then(|f| Some((f.metadata().ok()?.len(), f)));
                return LogFiles {
                    rotated,
                    current,
                    current_start,
                };
            }
        }
    }

    /// The oldest byte kept.
    fn first(&self) -> u64 {
        self.rotated
            .as_ref()
            .map_or(self.current_start, |(start, _, _)| *start)
    }

    fn end(&self) -> u64 {
        self.current_start + self.current.as_ref().map_or(0, |(len, _)| *len)
    }

    /// (start, length, file) of each file, oldest first.
    fn parts(self) -> impl Iterator<Item = (u64, u64, Option<File>)> {
        let current_start = self.current_start;
        let rotated = self
            .rotated
            .map(|(start, len, file)| (start, len, Some(file)));
        let current = self
            .current
            .map(|(len, file)| (current_start, len, Some(file)));
        rotated.into_iter().chain(current)
    }
}

/// The start of the newest rotated file of `stream` in `dir`.
fn newest_rotated(dir: &Path, stream: Stream) -> Option<u64> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| rotated_start(stream, entry.file_name().to_str()?))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log of `stream` in `dir` with room for `budget` bytes, written through a scratch
    /// descriptor standing in for the helper's stdout.
    fn log(dir: &Path, budget: u64) -> (RotatingLog, File) {
        let stand_in = tempfile::tempfile().expect("stand-in");
        let folder = rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
            .expect("folder");
        let log = RotatingLog::resume(folder, Stream::Stdout, stand_in.as_raw_fd(), budget)
            .expect("resume");
        (log, stand_in)
    }

    fn files(dir: &Path) -> Vec<(String, u64)> {
        let mut names: Vec<(String, u64)> = std::fs::read_dir(dir)
            .expect("read_dir")
            .flatten()
            .map(|e| {
                let len = e.metadata().expect("metadata").len();
                (e.file_name().to_string_lossy().into_owned(), len)
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_stream_keeps_at_most_two_files_of_its_share_and_the_newest_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut log, _fd) = log(dir.path(), 400);
        for i in 0..50u8 {
            log.write(&[b'a' + i % 26; 10]);
        }
        // Rotated at 100, 200, 300 and 400 bytes: the last two files are kept.
        assert_eq!(
            files(dir.path()),
            [
                ("stdout.300.log".to_string(), 100),
                ("stdout.log".to_string(), 100)
            ]
        );
        let read = read_from(dir.path(), Stream::Stdout, 0, u64::MAX);
        assert_eq!((read.dropped, read.from, read.bytes.len()), (300, 300, 200));
        assert_eq!(read.bytes[190..], [b'a' + 49 % 26; 10]);
        assert_eq!(end(dir.path(), Stream::Stdout), 500);
    }

    #[test]
    fn positions_carry_across_a_relaunch_and_leftovers_of_a_crash_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (mut log, _fd) = log(dir.path(), 400);
            for _ in 0..25 {
                log.write(b"0123456789");
            }
        }
        let before = end(dir.path(), Stream::Stdout);
        assert_eq!(before, 250);
        std::fs::write(dir.path().join("stdout.7.log"), "crash").expect("leftover");
        let (mut log, _fd) = log(dir.path(), 400);
        log.write(b"later\n");
        assert!(!dir.path().join("stdout.7.log").exists());
        let read = read_from(dir.path(), Stream::Stdout, before, u64::MAX);
        assert_eq!((read.dropped, read.bytes), (0, b"later\n".to_vec()));
    }

    #[test]
    fn reads_are_bounded_and_cross_from_the_rotated_file_to_the_current_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut log, _fd) = log(dir.path(), 40);
        for chunk in [b"abcdefgh", b"ijklmnop"] {
            log.write(chunk);
        }
        assert_eq!(
            files(dir.path()),
            [
                ("stdout.0.log".to_string(), 8),
                ("stdout.log".to_string(), 8)
            ]
        );
        let read = read_from(dir.path(), Stream::Stdout, 6, 4);
        assert_eq!((read.from, read.bytes.as_slice()), (6, &b"ghij"[..]));
        assert_eq!(read.next(), 10);
        let past = read_from(dir.path(), Stream::Stdout, 99, 3);
        assert_eq!(
            (past.dropped, past.from, past.bytes.as_slice()),
            (0, 0, &b"abc"[..])
        );
    }

    #[test]
    fn what_the_helper_prints_lands_in_the_current_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut log, stand_in) = log(dir.path(), 40);
        log.write(b"service\n");
        (&stand_in).write_all(b"helper\n").expect("helper write");
        let read = read_from(dir.path(), Stream::Stdout, 0, u64::MAX);
        assert_eq!(read.bytes, b"service\nhelper\n");
    }

    #[test]
    fn a_missing_log_reads_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            read_from(dir.path(), Stream::Stderr, 0, 10),
            LogRead::default()
        );
        assert_eq!(end(dir.path(), Stream::Stderr), 0);
    }

    #[test]
    fn only_this_streams_numbered_files_are_rotated_ones() {
        let s = Stream::Stdout;
        assert_eq!(rotated_start(s, "stdout.123.log"), Some(123));
        for name in [
            "stdout.log",
            "stderr.5.log",
            "stdout.-1.log",
            "stdout..log",
            "stdout.1x.log",
        ] {
            assert_eq!(rotated_start(s, name), None, "{name}");
        }
    }
}
