//! Text from tools and manifests made safe to show on a terminal.
//!
//! A tool an agent wrote is hostile: its output, stderr and manifest text may carry escape
//! sequences that retitle the window, write the clipboard (OSC 52), clear the screen or
//! overwrite lines with carriage returns. One rule, used by the TUI and the CLI: every
//! control character (C0, DEL and C1, U+0080–U+009F) is shown as `\u{XX}`, and invalid
//! UTF-8 becomes U+FFFD. Without ESC, BEL and C1 no sequence can start, so no sequence
//! survives, however it is split.

/// A duration for people: `850 ms`, `1.2 s`, `3 m 05 s`.
pub(crate) fn format_ms(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} m {:02} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// One display line for the TUI: tabs become four spaces, every control character is shown.
pub(crate) fn visible(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\t' => out.push_str("    "),
            c => push_visible(&mut out, c),
        }
    }
    out
}

/// Text for a terminal that keeps its layout: newlines and tabs pass, as does a carriage
/// return right before a newline (it moves nothing that could be overwritten).
pub(crate) fn visible_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => out.push(c),
            c => push_visible(&mut out, c),
        }
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    if c.is_control() {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// `visible_text` over a byte stream that arrives in chunks.
///
/// A UTF-8 sequence or a CR-LF pair cut by a chunk boundary is carried to the next chunk,
/// so valid text is never turned into replacement characters by where the pipe split it.
#[derive(Debug, Default)]
pub(crate) struct VisibleStream {
    carry: Vec<u8>,
}

impl VisibleStream {
    pub(crate) fn push(&mut self, bytes: &[u8]) -> String {
        self.carry.extend_from_slice(bytes);
        let keep = unfinished_tail(&self.carry);
        let tail = self.carry.split_off(self.carry.len() - keep);
        let text = visible_text(&String::from_utf8_lossy(&self.carry));
        self.carry = tail;
        text
    }

    /// What is left at the end of the stream, shown as it is.
    pub(crate) fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.carry);
        visible_text(&String::from_utf8_lossy(&rest))
    }
}

/// How many bytes at the end of `buf` may still change meaning with the next chunk: a
/// trailing CR (a CR-LF pair) or the start of a multi-byte UTF-8 sequence.
fn unfinished_tail(buf: &[u8]) -> usize {
    if buf.last() == Some(&b'\r') {
        return 1;
    }
    for back in 1..=buf.len().min(3) {
        let byte = buf[buf.len() - back];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let needed = match byte {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(850), "850 ms");
        assert_eq!(format_ms(1_240), "1.2 s");
        assert_eq!(format_ms(185_000), "3 m 05 s");
    }

    #[test]
    fn tui_lines_show_every_control_and_expand_tabs() {
        assert_eq!(visible("a\u{1b}[31mb\tc\n"), "a\\u{1b}[31mb    c\\u{a}");
    }

    #[test]
    fn terminal_text_keeps_newlines_tabs_and_crlf() {
        assert_eq!(visible_text("a\tb\r\nc\n"), "a\tb\r\nc\n");
    }

    #[test]
    fn escapes_bell_backspace_cr_and_c1_become_visible() {
        let hostile =
            "\u{1b}]0;pwned\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2Jok\rfake\u{8}\u{9b}2J\u{7f}";
        let shown = visible_text(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert_eq!(
            shown,
            "\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2Jok\\u{d}fake\\u{8}\\u{9b}2J\\u{7f}"
        );
    }

    #[test]
    fn stream_neutralises_a_sequence_split_across_chunks() {
        let mut stream = VisibleStream::default();
        let shown = stream.push(b"a\x1b") + &stream.push(b"]0;t\x07b") + &stream.finish();
        assert_eq!(shown, "a\\u{1b}]0;t\\u{7}b");
    }

    #[test]
    fn stream_keeps_utf8_and_crlf_split_across_chunks() {
        let text = "é€😀 ok\r\n".as_bytes();
        for cut in 0..text.len() {
            let mut stream = VisibleStream::default();
            let shown = stream.push(&text[..cut]) + &stream.push(&text[cut..]) + &stream.finish();
            assert_eq!(shown, "é€😀 ok\r\n", "cut at {cut}");
        }
    }

    #[test]
    fn stream_replaces_invalid_utf8() {
        let mut stream = VisibleStream::default();
        let shown = stream.push(b"a\xffb\xe2\x82") + &stream.finish();
        assert_eq!(shown, "a\u{fffd}b\u{fffd}");
    }
}
