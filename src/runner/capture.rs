//! Bounded capture of a stream: the first bytes go to disk as they arrive and stay in memory,
//! the last bytes are kept in a ring; whatever lies between is counted, not kept.
//!
//! This is what keeps memory flat while a tool prints a gigabyte.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::Path;

pub struct CappedCapture {
    head: Vec<u8>,
    head_cap: usize,
    tail: VecDeque<u8>,
    tail_cap: usize,
    total: u64,
    log: Option<File>,
}

impl CappedCapture {
    /// `log`: where the head is written live and the tail at `finish`.
    pub fn new(head_cap: usize, tail_cap: usize, log: Option<&Path>) -> Self {
        Self {
            head: Vec::new(),
            head_cap,
            tail: VecDeque::new(),
            tail_cap,
            total: 0,
            log: log.and_then(|p| File::create(p).ok()),
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
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
        if bytes.is_empty() || self.tail_cap == 0 {
            return;
        }
        if bytes.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_cap..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.tail_cap);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// True when every byte is in memory (nothing was dropped between head and tail).
    pub fn is_complete(&self) -> bool {
        self.total == (self.head.len() + self.tail.len()) as u64
    }

    fn omitted(&self) -> u64 {
        self.total - (self.head.len() + self.tail.len()) as u64
    }

    /// Completes the log on disk and returns the kept bytes, with a marker where bytes
    /// were dropped.
    pub fn finish(mut self) -> Vec<u8> {
        let marker = format!("\n[… {} bytes omitted …]\n", self.omitted());
        let tail: Vec<u8> = self.tail.drain(..).collect();
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
    pub fn last_bytes(&self, n: usize) -> Vec<u8> {
        if !self.tail.is_empty() {
            let skip = self.tail.len().saturating_sub(n);
            let mut out: Vec<u8> = self.tail.iter().skip(skip).copied().collect();
            if out.len() < n && self.tail.len() < n {
                let need = n - out.len();
                let start = self.head.len().saturating_sub(need);
                let mut head_part = self.head[start..].to_vec();
                head_part.extend(out);
                out = head_part;
            }
            return out;
        }
        self.head[self.head.len().saturating_sub(n)..].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn small_output_is_kept_whole() {
        let mut capture = CappedCapture::new(10, 10, None);
        capture.push(b"hello");
        assert!(capture.is_complete());
        assert_eq!(capture.finish(), b"hello");
    }
}
