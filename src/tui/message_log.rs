//! Everything the status bar said this session, with its time: what `@` shows again.
//!
//! Bounded: the oldest lines give way once `LOG_LIMIT` are kept. In memory only: it is gone
//! when the workbench ends, and it never writes to the store.

use std::collections::VecDeque;

/// What a message is: news, or something that went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Info,
    Error,
}

/// Lines the log keeps; older ones are dropped and counted.
pub(crate) const LOG_LIMIT: usize = 1_000;

#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    /// `HH:MM:SS`, UTC as every time the workbench shows.
    pub(crate) at: String,
    pub(crate) level: Level,
    pub(crate) text: String,
}

#[derive(Debug, Default)]
pub(crate) struct MessageLog {
    /// Oldest first.
    lines: VecDeque<LogLine>,
    /// Lines dropped to stay within `LOG_LIMIT`.
    pub(crate) dropped: usize,
}

impl MessageLog {
    pub(crate) fn push(&mut self, level: Level, text: String) {
        let now = crate::clock::now_rfc3339();
        let at = now.get(11..19).unwrap_or_default().to_string();
        if self.lines.len() == LOG_LIMIT {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(LogLine { at, level, text });
    }

    /// Oldest first.
    pub(crate) fn lines(&self) -> impl ExactSizeIterator<Item = &LogLine> {
        self.lines.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest_lines_and_counts_what_it_dropped() {
        let mut log = MessageLog::default();
        for i in 0..LOG_LIMIT + 2 {
            log.push(Level::Info, format!("line {i}"));
        }
        assert_eq!(log.lines().len(), LOG_LIMIT);
        assert_eq!(log.dropped, 2);
        assert_eq!(log.lines().next().map(|l| l.text.as_str()), Some("line 2"));
        let last = log.lines().last().expect("a line");
        assert_eq!(last.text, format!("line {}", LOG_LIMIT + 1));
        assert_eq!(last.at.len(), 8, "HH:MM:SS: {}", last.at);
    }
}
