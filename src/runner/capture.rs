//! Bounded capture of a stream: the first bytes go to disk as they arrive and stay in memory,
//! the last bytes are kept in a ring; whatever lies between is counted, not kept.
//!
//! This is what keeps memory flat while a tool prints a gigabyte. A stream that prints
//! nothing leaves no log file: every file a run creates costs it (docs/benchmarks/runs.md,
//! issue 7).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) struct CappedCapture {
    head: Vec<u8>,
    head_cap: usize,
    tail: Ring,
    total: u64,
    /// Where the log goes, until its first byte creates it.
    log_path: Option<PathBuf>,
    log: Option<File>,
}

impl CappedCapture {
    /// `log`: where the head is written live and the tail at `finish`, created with the
    /// first byte.
    pub(crate) fn new(head_cap: usize, tail_cap: usize, log: Option<&Path>) -> Self {
        Self {
            head: Vec::new(),
            head_cap,
            tail: Ring::new(tail_cap),
            total: 0,
            log_path: log.map(Path::to_path_buf),
            log: None,
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        if !bytes.is_empty()
            && let Some(path) = self.log_path.take()
        {
            // Beneath the folder holding the run's: a link planted as the run's folder, made
            // by whichever writer comes first, must not redirect the log.
            self.log = crate::safe_fs::create_in_new_folder(&path, crate::safe_fs::Dir::open).ok();
        }
        self.total += bytes.len() as u64;
        let room = self.head_cap - self.head.len();
        if room > 0 {
            let take = room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            if let Some(log) = &mut self.log {
                let _ = log.write_all(&bytes[..take]);
            }
            bytes = &bytes[take..];
        }
        self.tail.push(bytes);
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// True when every byte is in memory (nothing was dropped between head and tail).
    pub(crate) fn is_complete(&self) -> bool {
        self.total == (self.head.len() + self.tail.len()) as u64
    }

    fn omitted(&self) -> u64 {
        self.total - (self.head.len() + self.tail.len()) as u64
    }

    /// Completes the log on disk and returns the kept bytes, with a marker where bytes
    /// were dropped.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let marker = format!("\n[… {} bytes omitted …]\n", self.omitted());
        let tail = self.tail.to_vec();
        if let Some(log) = &mut self.log {
            if self.total > (self.head.len() + tail.len()) as u64 {
                let _ = log.write_all(marker.as_bytes());
            }
            let _ = log.write_all(&tail);
            let _ = log.flush();
        }
        let mut kept = std::mem::take(&mut self.head);
        if self.total > (kept.len() + tail.len()) as u64 {
            kept.extend_from_slice(marker.as_bytes());
        }
        kept.extend_from_slice(&tail);
        kept
    }

    /// The last `n` bytes seen (for error messages), without consuming the capture.
    pub(crate) fn last_bytes(&self, n: usize) -> Vec<u8> {
        let tail = self.tail.to_vec();
        if tail.len() >= n {
            return tail[tail.len() - n..].to_vec();
        }
        let need = n - tail.len();
        let mut out = self.head[self.head.len().saturating_sub(need)..].to_vec();
        out.extend_from_slice(&tail);
        out
    }
}

/// A fixed-size ring of the most recent bytes: two `copy_from_slice` per push at most, so
/// keeping the tail costs next to nothing at gigabytes per second.
struct Ring {
    buf: Vec<u8>,
    /// Index of the oldest byte.
    start: usize,
    len: usize,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Self {
            buf: vec![0; cap],
            start: 0,
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, bytes: &[u8]) {
        let cap = self.buf.len();
        if cap == 0 || bytes.is_empty() {
            return;
        }
        if bytes.len() >= cap {
            self.buf.copy_from_slice(&bytes[bytes.len() - cap..]);
            self.start = 0;
            self.len = cap;
            return;
        }
        let end = (self.start + self.len) % cap;
        let first = bytes.len().min(cap - end);
        self.buf[end..end + first].copy_from_slice(&bytes[..first]);
        self.buf[..bytes.len() - first].copy_from_slice(&bytes[first..]);
        let overflow = (self.len + bytes.len()).saturating_sub(cap);
        self.start = (self.start + overflow) % cap;
        self.len = (self.len + bytes.len()).min(cap);
    }

    fn to_vec(&self) -> Vec<u8> {
        let cap = self.buf.len();
        let first = self.len.min(cap - self.start);
        let mut out = Vec::with_capacity(self.len);
        out.extend_from_slice(&self.buf[self.start..self.start + first]);
        out.extend_from_slice(&self.buf[..self.len - first]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_fs::planted;

    #[test]
    fn keeps_head_and_tail_and_counts_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("out.log");
        let mut capture = CappedCapture::new(4, 3, Some(&log));
        for chunk in [b"abc".as_slice(), b"defgh", b"ij", b"klmno"] {
            capture.push(chunk);
        }
        assert_eq!(capture.total(), 15);
        assert!(!capture.is_complete());
        assert_eq!(capture.last_bytes(2), b"no");
        let kept = capture.finish();
        assert_eq!(
            String::from_utf8_lossy(&kept),
            "abcd\n[… 8 bytes omitted …]\nmno"
        );
        assert_eq!(
            std::fs::read_to_string(&log).expect("log"),
            "abcd\n[… 8 bytes omitted …]\nmno"
        );
    }

    #[test]
    fn the_first_byte_makes_the_logs_folder_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("run").join("stdout.log");
        let mut capture = CappedCapture::new(4, 3, Some(&log));
        capture.push(b"hi");
        capture.finish();
        assert_eq!(std::fs::read_to_string(&log).expect("log"), "hi");
    }

    #[test]
    fn a_log_never_goes_through_a_link_planted_as_its_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let elsewhere = planted::link_to_empty_folder(&dir.path().join("run"));
        let mut capture = CappedCapture::new(4, 3, Some(&dir.path().join("run/stdout.log")));
        capture.push(b"hi");
        capture.finish();
        assert!(
            planted::is_empty(&elsewhere),
            "the log went through the link"
        );
    }

    #[test]
    fn a_stream_that_prints_nothing_leaves_no_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let silent = dir.path().join("silent.log");
        let mut capture = CappedCapture::new(4, 3, Some(&silent));
        capture.push(b"");
        assert!(capture.finish().is_empty());
        assert!(
            !silent.exists(),
            "an empty stream made {}",
            silent.display()
        );
        let spoken = dir.path().join("spoken.log");
        let mut capture = CappedCapture::new(4, 3, Some(&spoken));
        capture.push(b"");
        capture.push(b"x");
        capture.finish();
        assert_eq!(std::fs::read_to_string(&spoken).expect("log"), "x");
    }

    #[test]
    fn ring_keeps_the_last_bytes_across_wraps() {
        let mut ring = Ring::new(5);
        for chunk in [b"ab".as_slice(), b"cd", b"efg", b"h"] {
            ring.push(chunk);
        }
        assert_eq!(ring.to_vec(), b"defgh");
        ring.push(b"0123456789");
        assert_eq!(ring.to_vec(), b"56789");
        ring.push(b"x");
        assert_eq!((ring.to_vec(), ring.len()), (b"6789x".to_vec(), 5));
    }

    #[test]
    fn small_output_is_kept_whole() {
        let mut capture = CappedCapture::new(10, 10, None);
        capture.push(b"hello");
        assert!(capture.is_complete());
        assert_eq!(capture.finish(), b"hello");
    }
}
