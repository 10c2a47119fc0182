//! Runs as the Output pane shows them: a header and a bounded buffer of sanitized lines.
//!
//! Bytes from tools are untrusted: escape sequences and invalid UTF-8 become visible text
//! here, once, so drawing never sends a tool's bytes to the terminal.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::model::run_output::Progress;
use crate::model::run_output::Stream;
use crate::model::{RunOrigin, RunRecord, ToolEntry};
use crate::text::visible;

/// Lines kept per run in memory; the full log is on disk.
pub(crate) const MAX_LINES: usize = 5_000;
/// A line longer than this is cut where it is displayed (the log keeps it whole).
const MAX_LINE_CHARS: usize = 2_000;
/// The largest room of a line pushed out that the next line takes over.
const REUSED_ROOM: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunState {
    Running,
    Finished(Box<RunRecord>),
    /// Refused before it started (input, gate, sandbox setup).
    Refused(String),
}

/// Who started a run that this process only follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedElsewhere {
    pub(crate) pid: u32,
    pub(crate) origin: RunOrigin,
    /// The MCP client that asked for it.
    pub(crate) client: Option<String>,
}

impl StartedElsewhere {
    /// `mcp (claude-code), pid 4242`: where the run came from, then the process.
    pub(crate) fn label(&self) -> String {
        match &self.client {
            Some(client) => format!("{} ({client}), pid {}", self.origin, self.pid),
            None => format!("{}, pid {}", self.origin, self.pid),
        }
    }
}

/// A service instance the Output pane follows instead of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceView {
    pub(crate) instance: String,
    /// RFC 3339 when following began: a stop recorded after it ends the view.
    pub(crate) since: String,
}

#[derive(Debug)]
pub(crate) struct RunView {
    /// Identifies the run between the app and the event loop.
    pub(crate) key: u64,
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) started: Instant,
    pub(crate) ended: Option<Duration>,
    pub(crate) state: RunState,
    pub(crate) protections: Option<String>,
    /// Started by another toolbench process: shown, never cancelled from here.
    pub(crate) inherited_from: Option<StartedElsewhere>,
    pub(crate) instance: Option<InstanceView>,
    lines: VecDeque<(Stream, String)>,
    partial: [Vec<u8>; 2],
    /// Lines dropped from the front to stay within `MAX_LINES`.
    pub(crate) dropped: u64,
    /// Output never shown because the app fell behind a flood.
    pub(crate) skipped_bytes: u64,
    /// Bytes each stream (stdout, stderr) sent, shown or not: whether its log holds them all.
    received: [u64; 2],
    /// The tool's newest progress report; kept once the run ended, as where it stopped.
    pub(crate) progress: Option<Progress>,
    /// A run of a tool outside core/ and approved/: code no person approved.
    unreviewed: bool,
}

impl RunView {
    pub(crate) fn new(key: u64, entry: &ToolEntry) -> Self {
        Self {
            unreviewed: !entry.tier.is_active(),
            ..Self::running(key, entry.name.clone(), entry.version.clone(), None)
        }
    }

    /// True for a run of code no person approved, as its header says.
    pub(crate) fn is_unreviewed(&self) -> bool {
        match &self.state {
            RunState::Finished(record) => !record.tier.is_active(),
            _ => self.unreviewed,
        }
    }

    /// A run another toolbench process started.
    pub(crate) fn inherited(
        key: u64,
        tool: String,
        version: String,
        starter: StartedElsewhere,
    ) -> Self {
        Self::running(key, tool, version, Some(starter))
    }

    /// A service instance's log and exchanges.
    pub(crate) fn instance(key: u64, tool: String, version: String, instance: String) -> Self {
        Self {
            instance: Some(InstanceView {
                instance,
                since: crate::clock::now_rfc3339(),
            }),
            ..Self::running(key, tool, version, None)
        }
    }

    fn running(
        key: u64,
        tool: String,
        version: String,
        inherited_from: Option<StartedElsewhere>,
    ) -> Self {
        Self {
            key,
            tool,
            version,
            started: Instant::now(),
            ended: None,
            state: RunState::Running,
            protections: None,
            inherited_from,
            instance: None,
            lines: VecDeque::new(),
            partial: [Vec::new(), Vec::new()],
            dropped: 0,
            skipped_bytes: 0,
            received: [0, 0],
            progress: None,
            unreviewed: false,
        }
    }

    /// `skipped` bytes of `stream` that were never shown (a flood the app fell behind).
    pub(crate) fn skip(&mut self, stream: Stream, skipped: u64) {
        self.skipped_bytes += skipped;
        self.received[stream_slot(stream)] += skipped;
    }

    /// Whether the run's logs hold every byte it sent: a stream keeps its first
    /// `HEAD_BYTES` and last `TAIL_BYTES` on disk, and only counts what lies between.
    pub(crate) fn log_is_whole(&self) -> bool {
        let kept =
            (crate::model::run_output::HEAD_BYTES + crate::model::run_output::TAIL_BYTES) as u64;
        self.received.iter().all(|sent| *sent <= kept)
    }

    pub(crate) fn push(&mut self, stream: Stream, bytes: &[u8]) {
        let slot = stream_slot(stream);
        self.received[slot] += bytes.len() as u64;
        let mut rest = bytes;
        // A flood's chunk (up to 1 MiB: tens of thousands of short lines) ends with more
        // complete lines than are kept, and its last `MAX_LINES` push out all before them.
        // Those are dropped at once, uncounted as text: making each visible first held the
        // UI thread, and a key, for tens of ms per chunk.
        // A chunk of at most `MAX_LINES` bytes cannot hold more lines: it is not counted.
        let complete = match rest.len() > MAX_LINES {
            true => memchr::memchr_iter(b'\n', rest).count(),
            false => 0,
        };
        if complete > MAX_LINES {
            let skip = complete - MAX_LINES;
            if let Some(cut) = memchr::memchr_iter(b'\n', rest).nth(skip - 1) {
                rest = &rest[cut + 1..];
                self.partial[slot].clear();
                self.dropped += (self.lines.len() + skip) as u64;
                self.lines.clear();
            }
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            let piece = &rest[start..end];
            match self.partial[slot].is_empty() {
                true => self.push_line(stream, piece),
                false => {
                    let mut line = std::mem::take(&mut self.partial[slot]);
                    line.extend_from_slice(piece);
                    self.push_line(stream, &line);
                }
            }
            start = end + 1;
        }
        rest = &rest[start..];
        self.partial[slot].extend_from_slice(rest);
        if self.partial[slot].len() > MAX_LINE_CHARS * 4 {
            let line = std::mem::take(&mut self.partial[slot]);
            self.push_line(stream, &line);
        }
    }

    /// Keeps one line, made visible. A flood's lines are most of what the screen's thread
    /// does then, so a printable line is copied as sent, with no look at each character, into
    /// the room of the line it pushes out.
    fn push_line(&mut self, stream: Stream, raw: &[u8]) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let pushed_out = match self.lines.len() == MAX_LINES {
            true => {
                self.dropped += 1;
                self.lines.pop_front().map(|(_, line)| line)
            }
            false => None,
        };
        let line = match std::str::from_utf8(raw) {
            Ok(text) if text.bytes().all(|b| matches!(b, b' '..=b'~')) => {
                // A room no larger than a short line's: one long line once must not keep
                // its room in every line after it.
                let mut line = pushed_out
                    .filter(|room| room.capacity() <= REUSED_ROOM)
                    .unwrap_or_default();
                line.clear();
                match text.get(..MAX_LINE_CHARS) {
                    Some(head) if text.len() > MAX_LINE_CHARS => {
                        line.push_str(head);
                        line.push('…');
                    }
                    _ => line.push_str(text),
                }
                line
            }
            _ => {
                let mut line = visible(&String::from_utf8_lossy(raw));
                if line.chars().count() > MAX_LINE_CHARS {
                    line = line.chars().take(MAX_LINE_CHARS).collect::<String>() + "…";
                }
                line
            }
        };
        self.lines.push_back((stream, line));
    }

    /// Flushes unterminated last lines and records how the run ended.
    pub(crate) fn finish(&mut self, state: RunState) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let slot = stream_slot(stream);
            if !self.partial[slot].is_empty() {
                let line = std::mem::take(&mut self.partial[slot]);
                self.push_line(stream, &line);
            }
        }
        self.ended = Some(self.started.elapsed());
        self.state = state;
    }

    pub(crate) fn lines(&self) -> &VecDeque<(Stream, String)> {
        &self.lines
    }

    pub(crate) fn is_running(&self) -> bool {
        self.state == RunState::Running
    }

    /// The run's duration as measured by the runner once known, else the time so far.
    pub(crate) fn elapsed(&self) -> Duration {
        match &self.state {
            RunState::Finished(record) => Duration::from_millis(record.duration_ms),
            _ => self.ended.unwrap_or_else(|| self.started.elapsed()),
        }
    }
}

fn stream_slot(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn entry() -> ToolEntry {
        ToolEntry::fixture(Tier::Core, "t")
    }

    #[test]
    fn lines_split_across_chunks_and_escapes_become_visible() {
        let mut run = RunView::new(1, &entry());
        run.push(Stream::Stdout, b"hel");
        run.push(Stream::Stdout, b"lo\n\x1b]0;pwned\x07ti\xfftle\r\nlast");
        run.finish(RunState::Running);
        let lines: Vec<&str> = run.lines().iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            lines,
            ["hello", "\\u{1b}]0;pwned\\u{7}ti\u{fffd}tle", "last"]
        );
    }

    #[test]
    fn buffer_stays_bounded() {
        let mut run = RunView::new(1, &entry());
        let chunk = "x\n".repeat(MAX_LINES + 10);
        run.push(Stream::Stderr, chunk.as_bytes());
        assert_eq!(run.lines().len(), MAX_LINES);
        assert_eq!(run.dropped, 10);
    }

    #[test]
    fn a_chunk_of_more_lines_than_kept_keeps_what_line_by_line_would() {
        let chunk: String = (0..MAX_LINES + 7).map(|i| format!("{i}\n")).collect();
        let mut whole = RunView::new(1, &entry());
        let mut by_line = RunView::new(1, &entry());
        for run in [&mut whole, &mut by_line] {
            run.push(Stream::Stderr, b"e\n");
            run.push(Stream::Stdout, b"a\nb\npart");
        }
        whole.push(Stream::Stdout, chunk.as_bytes());
        for line in chunk.split_inclusive('\n') {
            by_line.push(Stream::Stdout, line.as_bytes());
        }
        assert_eq!(whole.lines(), by_line.lines());
        assert_eq!(whole.dropped, by_line.dropped);
        assert_eq!(whole.lines().back().map(|(_, l)| l.as_str()), Some("5006"));
    }

    /// A printable line is kept as sent and any other is made visible, each cut at the
    /// same number of characters.
    #[test]
    fn printable_and_other_lines_are_cut_alike() {
        let mut run = RunView::new(1, &entry());
        let long = "a".repeat(MAX_LINE_CHARS + 5);
        let long_tabbed = format!("\t{}", "é".repeat(MAX_LINE_CHARS));
        for line in [
            "plain text ~",
            "crlf\r",
            &long,
            &long_tabbed,
            "bell\x07",
            "del\x7f",
        ] {
            run.push(Stream::Stdout, format!("{line}\n").as_bytes());
        }
        let lines: Vec<&str> = run.lines().iter().map(|(_, l)| l.as_str()).collect();
        let cut_long = format!("{}…", "a".repeat(MAX_LINE_CHARS));
        let cut_tabbed = format!("    {}…", "é".repeat(MAX_LINE_CHARS - 4));
        assert_eq!(
            lines,
            [
                "plain text ~",
                "crlf",
                cut_long.as_str(),
                cut_tabbed.as_str(),
                "bell\\u{7}",
                "del\\u{7f}"
            ]
        );
    }
}
