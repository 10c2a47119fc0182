//! A run's progress reports: what a tool writes to `$TOOLBENCH_PROGRESS_FD`, read safely.
//!
//! The protocol (docs/workspace.md, "Reporting progress"): one JSON object per line,
//! `{"progress": 3, "total": 10, "message": "parsing file 3"}`. `progress` is required, a
//! finite number, at least 0; `total`, when given, a finite number above 0; `message`, when
//! given, a string. The tool's bytes are hostile, so [`ProgressReader`] takes them in any
//! chunks and keeps only the newest report that stands:
//!
//! - a line longer than [`MAX_LINE_BYTES`] is skipped up to its newline, never held whole;
//! - a line that is not a JSON object of that shape (invalid JSON or UTF-8, NUL bytes,
//!   `NaN`, a number out of range, a field of the wrong type) is ignored;
//! - a report whose `progress` is below the last accepted one, or above its own `total`, is
//!   ignored;
//! - a message keeps its first line only, control characters shown as `\u{..}` (as all
//!   tool text is, `crate::text`), cut to [`MAX_MESSAGE_CHARS`].
//!
//! Nothing here blocks, allocates more than a line's bound, or panics on any input.

use std::time::Duration;

/// The descriptor a tool finds its progress pipe at, named by [`PROGRESS_FD_VAR`].
pub(crate) const PROGRESS_FD: i32 = 3;
/// The variable that names [`PROGRESS_FD`] in a run's environment.
pub(crate) const PROGRESS_FD_VAR: &str = "TOOLBENCH_PROGRESS_FD";
/// The longest line read as a report; a longer one is skipped to its newline.
pub(crate) const MAX_LINE_BYTES: usize = 4096;
/// The most characters of a message kept (an ellipsis marks a cut one).
pub(crate) const MAX_MESSAGE_CHARS: usize = 200;
/// The shortest time between two reports told to a run's observers.
pub(crate) const REPORT_EVERY: Duration = Duration::from_millis(100);

use crate::model::run_output::Progress;

/// Turns the bytes of a progress pipe into the newest report that stood.
#[derive(Debug, Default)]
pub(crate) struct ProgressReader {
    /// The line read so far, at most [`MAX_LINE_BYTES`].
    line: Vec<u8>,
    /// The current line grew past the bound: everything up to its newline is dropped.
    skipping: bool,
    /// The last report accepted.
    last: Option<Progress>,
    /// A report accepted since [`ProgressReader::take_new`] last gave one.
    fresh: bool,
}

impl ProgressReader {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Takes the next bytes read from the pipe.
    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|b| *b == b'\n');
            let (part, rest, ended) = match newline {
                Some(at) => (&bytes[..at], &bytes[at + 1..], true),
                None => (bytes, &[][..], false),
            };
            if !self.skipping {
                if self.line.len() + part.len() > MAX_LINE_BYTES {
                    self.skipping = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(part);
                }
            }
            if ended {
                self.end_line();
            }
            bytes = rest;
        }
    }

    /// The pipe reached its end: a last line without a newline counts too.
    pub(crate) fn finish(&mut self) {
        self.end_line();
    }

    /// The newest report accepted since the last call, if any.
    pub(crate) fn take_new(&mut self) -> Option<Progress> {
        if std::mem::take(&mut self.fresh) {
            self.last.clone()
        } else {
            None
        }
    }

    /// The last report accepted.
    #[cfg(test)]
    pub(crate) fn last(&self) -> Option<&Progress> {
        self.last.as_ref()
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        if std::mem::take(&mut self.skipping) {
            return;
        }
        let Some(report) = parse_line(&line) else {
            return;
        };
        let backwards = self
            .last
            .as_ref()
            .is_some_and(|last| report.progress < last.progress);
        if !backwards {
            self.last = Some(report);
            self.fresh = true;
        }
    }
}

/// One line as a report, when it is one: a JSON object with a finite `progress` >= 0, an
/// optional finite `total` > 0 that `progress` does not exceed, an optional string `message`
/// (`null` counts as absent for both). Anything else, `None`.
pub(crate) fn parse_line(line: &[u8]) -> Option<Progress> {
    if line.len() > MAX_LINE_BYTES {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    let object = value.as_object()?;
    let progress = finite(object.get("progress")?)?;
    if progress < 0.0 {
        return None;
    }
    let total = match object.get("total") {
        None | Some(serde_json::Value::Null) => None,
        Some(total) => Some(finite(total).filter(|total| *total > 0.0)?),
    };
    if total.is_some_and(|total| progress > total) {
        return None;
    }
    let message = match object.get("message") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(one_line(text)),
        Some(_) => return None,
    };
    Some(Progress {
        progress,
        total,
        message,
    })
}

fn finite(value: &serde_json::Value) -> Option<f64> {
    value.as_f64().filter(|v| v.is_finite())
}

/// The message's first line, made visible and cut to [`MAX_MESSAGE_CHARS`].
fn one_line(text: &str) -> String {
    let first = text.split(['\n', '\r']).next().unwrap_or_default();
    let shown = crate::text::visible(first.trim());
    if shown.chars().count() <= MAX_MESSAGE_CHARS {
        return shown;
    }
    let mut cut: String = shown.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Option<Progress> {
        let mut reader = ProgressReader::new();
        reader.push(bytes);
        reader.finish();
        reader.take_new()
    }

    fn report(progress: f64, total: Option<f64>, message: Option<&str>) -> Progress {
        Progress {
            progress,
            total,
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn a_report_is_read_with_its_total_and_message() {
        assert_eq!(
            read(b"{\"progress\": 3, \"total\": 10, \"message\": \"parsing file 3\"}\n"),
            Some(report(3.0, Some(10.0), Some("parsing file 3")))
        );
        assert_eq!(
            read(b"{\"progress\": 0.5}\n"),
            Some(report(0.5, None, None))
        );
        assert_eq!(
            read(b"{\"progress\": 1, \"total\": null, \"message\": null, \"extra\": [1]}\r\n"),
            Some(report(1.0, None, None)),
            "null is absent, unknown fields and a CR are ignored"
        );
    }

    #[test]
    fn only_the_newest_report_is_kept() {
        let mut reader = ProgressReader::new();
        reader.push(b"{\"progress\": 1}\n{\"progress\": 2}\n{\"progress\": 3}\n");
        assert_eq!(reader.take_new(), Some(report(3.0, None, None)));
        assert_eq!(reader.take_new(), None, "nothing new since");
    }

    #[test]
    fn a_line_split_across_reads_is_joined() {
        let mut reader = ProgressReader::new();
        for piece in [&b"{\"prog"[..], b"ress\": 4", b", \"total\": 8}", b"\n"] {
            reader.push(piece);
        }
        assert_eq!(reader.take_new(), Some(report(4.0, Some(8.0), None)));
    }

    #[test]
    fn a_last_line_without_newline_counts_at_the_end() {
        let mut reader = ProgressReader::new();
        reader.push(b"{\"progress\": 9}");
        assert_eq!(reader.take_new(), None, "not a line yet");
        reader.finish();
        assert_eq!(reader.take_new(), Some(report(9.0, None, None)));
    }

    #[test]
    fn lines_that_are_not_json_objects_are_ignored() {
        for bad in [
            &b"garbage\n"[..],
            b"\n",
            b"   \n",
            b"42\n",
            b"[{\"progress\": 1}]\n",
            b"\"progress\"\n",
            b"{\"progress\": 1\n",
            b"{\"progress\": 1} trailing\n",
            b"null\n",
        ] {
            assert_eq!(read(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn nul_bytes_and_invalid_utf8_are_ignored() {
        assert_eq!(read(b"{\"progress\": 1}\0\n"), None);
        assert_eq!(read(b"\0\0\0\0\n"), None);
        assert_eq!(
            read(b"{\"progress\": 1, \"message\": \"\xff\xfe\"}\n"),
            None
        );
        assert_eq!(read(&[0x80, 0xff, b'\n']), None);
        // A NUL escaped in JSON is a character like any other, and shown.
        assert_eq!(
            read(b"{\"progress\": 1, \"message\": \"a\\u0000b\"}\n"),
            Some(report(1.0, None, Some("a\\u{0}b")))
        );
    }

    #[test]
    fn nan_infinity_and_out_of_range_numbers_are_ignored() {
        for bad in [
            &b"{\"progress\": NaN}\n"[..],
            b"{\"progress\": Infinity}\n",
            b"{\"progress\": -Infinity}\n",
            b"{\"progress\": 1e400}\n",
            b"{\"progress\": 1, \"total\": 1e999}\n",
            b"{\"progress\": 1, \"total\": NaN}\n",
        ] {
            assert_eq!(read(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        // Huge but finite numbers are numbers.
        assert_eq!(
            read(b"{\"progress\": 123456789012345678901234567890}\n"),
            Some(report(1.2345678901234568e29, None, None))
        );
    }

    #[test]
    fn fields_of_the_wrong_type_or_range_are_ignored() {
        for bad in [
            &b"{}\n"[..],
            b"{\"total\": 10}\n",
            b"{\"progress\": \"3\"}\n",
            b"{\"progress\": null}\n",
            b"{\"progress\": -1}\n",
            b"{\"progress\": 1, \"total\": 0}\n",
            b"{\"progress\": 0, \"total\": -5}\n",
            b"{\"progress\": 1, \"total\": \"10\"}\n",
            b"{\"progress\": 1, \"message\": 5}\n",
            b"{\"progress\": 1, \"message\": {\"a\": 1}}\n",
        ] {
            assert_eq!(read(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn progress_above_its_total_is_ignored() {
        assert_eq!(read(b"{\"progress\": 11, \"total\": 10}\n"), None);
        assert_eq!(
            read(b"{\"progress\": 10, \"total\": 10}\n"),
            Some(report(10.0, Some(10.0), None))
        );
    }

    #[test]
    fn progress_going_backwards_is_ignored_and_equal_progress_is_not() {
        let mut reader = ProgressReader::new();
        reader.push(b"{\"progress\": 5, \"total\": 10}\n");
        assert!(reader.take_new().is_some());
        reader.push(b"{\"progress\": 4, \"total\": 10, \"message\": \"back\"}\n");
        assert_eq!(reader.take_new(), None);
        assert_eq!(reader.last(), Some(&report(5.0, Some(10.0), None)));
        reader.push(b"{\"progress\": 5, \"total\": 20, \"message\": \"more work\"}\n");
        assert_eq!(
            reader.take_new(),
            Some(report(5.0, Some(20.0), Some("more work")))
        );
    }

    #[test]
    fn a_line_over_the_bound_is_skipped_to_its_newline_and_the_next_one_read() {
        let mut reader = ProgressReader::new();
        let long = format!(
            "{{\"progress\": 1, \"message\": \"{}\"}}",
            "x".repeat(MAX_LINE_BYTES)
        );
        // In pieces, so the bound is crossed in the middle of a read.
        for piece in long.as_bytes().chunks(1000) {
            reader.push(piece);
            assert!(reader.line.len() <= MAX_LINE_BYTES);
        }
        reader.push(b"\n{\"progress\": 2}\n");
        assert_eq!(reader.take_new(), Some(report(2.0, None, None)));
        // A line exactly at the bound is read.
        let padded = format!("{{\"progress\": 3}}{}", " ".repeat(MAX_LINE_BYTES - 15));
        assert_eq!(padded.len(), MAX_LINE_BYTES);
        reader.push(padded.as_bytes());
        reader.push(b"\n");
        assert_eq!(reader.take_new(), Some(report(3.0, None, None)));
    }

    #[test]
    fn a_flood_without_newlines_holds_no_more_than_a_line() {
        let mut reader = ProgressReader::new();
        let chunk = vec![b'7'; 64 * 1024];
        for _ in 0..64 {
            reader.push(&chunk);
        }
        assert!(reader.line.len() <= MAX_LINE_BYTES);
        reader.finish();
        assert_eq!(reader.take_new(), None);
    }

    #[test]
    fn a_message_keeps_one_visible_line_of_at_most_200_characters() {
        let got = read(b"{\"progress\": 1, \"message\": \"first\\nsecond\"}\n");
        assert_eq!(got.and_then(|p| p.message).as_deref(), Some("first"));
        let got = read(b"{\"progress\": 1, \"message\": \"\\u001b]0;pwned\\u0007 title\\tx\"}\n");
        assert_eq!(
            got.and_then(|p| p.message).as_deref(),
            Some("\\u{1b}]0;pwned\\u{7} title    x")
        );
        let long = format!(
            "{{\"progress\": 1, \"message\": \"{}\"}}\n",
            "é".repeat(500)
        );
        let message = read(long.as_bytes())
            .and_then(|p| p.message)
            .expect("message");
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn a_fraction_is_known_only_with_a_total() {
        let fraction = report(3.0, Some(4.0), None).fraction();
        assert_eq!(fraction, Some(0.75));
        assert_eq!(report(3.0, None, None).fraction(), None);
    }
}
