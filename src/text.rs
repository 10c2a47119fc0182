//! Text from tools and manifests made safe to show on a terminal.
//!
//! A tool an agent wrote is hostile: its output, stderr and manifest text may carry escape
//! sequences that retitle the window, write the clipboard (OSC 52), clear the screen or
//! overwrite lines with carriage returns. One rule, used by the TUI and the CLI: every
//! control character (C0, DEL and C1, U+0080–U+009F) is shown as `\u{XX}`, and invalid
//! UTF-8 becomes U+FFFD. Without ESC, BEL and C1 no sequence can start, so no sequence
//! survives, however it is split. Characters that draw nothing but change what a reader sees
//! (bidirectional overrides and isolates, zero-width characters: "Trojan Source") are shown
//! the same way, so a line reads on screen as a compiler reads it.

pub(crate) mod bounded;

/// A size for people, in binary units: `4.0 GiB`, `64 MiB`, `512 bytes`; whole numbers stay
/// whole. The one spelling of a size, on every screen and in every message.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// A number for people: `3`, `2.5`, `0.33`; an integral value without decimals.
pub(crate) fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

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

/// The name of a character that draws nothing yet changes what a reader sees: it reorders
/// the text around it (bidirectional controls) or hides between visible ones (zero-width and
/// other invisible characters). `None` for every other character.
pub(crate) fn invisible_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{034F}' => "COMBINING GRAPHEME JOINER",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' => "HANGUL FILLER",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}'..='\u{2064}' => "INVISIBLE OPERATOR",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{FFF9}'..='\u{FFFB}' => "INTERLINEAR ANNOTATION",
        '\u{E0000}'..='\u{E007F}' => "TAG",
        _ => return None,
    })
}

/// Whether `c` is shown as `\u{XX}` rather than as itself: a control character, or one that
/// draws nothing yet changes what a reader sees (`invisible_name`).
pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control() || invisible_name(c).is_some()
}

/// Hex digits of `bytes`, two a byte, lowercase: ids, tokens and digests.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    if is_hidden(c) {
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

/// At most `max` characters of `text` on one line, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let one_line = text.trim().replace(['\n', '\r'], "⏎");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// One line for a TOML error: `file:line: field `table.key`: message`, the key named with
/// the table it is in, as a manifest's errors name theirs, and the message in a reader's words
/// (`plain_toml_message`).
pub(crate) fn describe_toml_error(
    path: &std::path::Path,
    text: &str,
    err: &toml::de::Error,
) -> String {
    let unknown_field = err
        .message()
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    let keys = toml_keys(err);
    let mut field = match (keys, unknown_field) {
        (Some(keys), Some(name)) => Some(format!("{keys}.{name}")),
        (keys, name) => keys.or(name.map(str::to_string)),
    };
    let Some(span) = err.span() else {
        let message = plain_toml_message(err.message(), None);
        return located(path, None, field.as_deref(), &message);
    };
    let line_no = line_at(text, span.start);
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let header = table_header(line);
    // The value as written, when it is one on its line: `1e3`, not serde's `1000.0`.
    let given = text
        .get(span)
        .filter(|given| header.is_none() && !given.is_empty() && !given.contains('\n'))
        .map(|given| shorten(given, 60));
    let message = plain_toml_message(err.message(), given.as_deref());
    // The text did not parse (a key set twice): the key is the one on that line.
    if field.is_none() {
        field = match line.split_once('=') {
            Some((key, _)) if !key.trim().is_empty() && header.is_none() => {
                let table = text
                    .lines()
                    .take(line_no - 1)
                    .filter_map(table_header)
                    .last();
                Some(match table {
                    Some(table) => format!("{table}.{}", key.trim()),
                    None => key.trim().to_string(),
                })
            }
            // A table opened twice, or over a key of that name.
            _ => header.map(str::to_string),
        };
    }
    located(path, Some(line_no), field.as_deref(), &message)
}

/// The dotted key of the value a deserializing error is about (`run.max_processes`), which
/// toml has no accessor for but writes under its message when it has no text to show.
fn toml_keys(err: &toml::de::Error) -> Option<String> {
    let mut bare = err.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    let keys = shown
        .lines()
        .last()?
        .strip_prefix("in `")?
        .strip_suffix('`')?;
    Some(keys.to_string())
}

/// The one shape of a settings file's error: `file:line: field `table.key`: message`, each
/// part when known.
pub(crate) fn located(
    path: &std::path::Path,
    line: Option<usize>,
    field: Option<&str>,
    message: &str,
) -> String {
    let mut out = path.display().to_string();
    if let Some(line) = line {
        out.push_str(&format!(":{line}"));
    }
    if let Some(field) = field {
        out.push_str(&format!(": field `{field}`"));
    }
    out.push_str(&format!(": {message}"));
    out
}

/// The line (from 1) of byte `offset` of `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// serde's and toml's words for a value of the wrong kind, as a reader says them:
/// `invalid type: integer `-1`, expected u64` is `expected a whole number, found -1`, with
/// `given` (the value as written) as what was found. Other messages pass unchanged.
fn plain_toml_message(message: &str, given: Option<&str>) -> String {
    let message = message.trim().replace('\n', " ");
    let found = given
        .map(|given| format!(", found {given}"))
        .unwrap_or_default();
    let wrong_value = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .or_else(|| message.strip_prefix("unknown variant "));
    if let Some((_, expected)) = wrong_value.and_then(|rest| rest.rsplit_once(", expected ")) {
        return format!("expected {}{found}", plain_expected(expected));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return match rest.rsplit_once(", expected ") {
            Some((_, expected)) => format!("unknown field; expected {}", plain_expected(expected)),
            None => "unknown field; this table takes none".to_string(),
        };
    }
    match message.as_str() {
        // toml's refusal of a value for a choice among names, which is neither string nor table.
        "wanted string or table" => format!("expected a string or a table{found}"),
        "integer number overflowed" | "floating-point number overflowed" => {
            "too large a number".to_string()
        }
        _ => message,
    }
}

/// What serde says a value should have been, in a reader's words: `u64` is `a whole number`,
/// `one of `a`, `b`` is `one of: a, b`; a description of our own passes unchanged.
fn plain_expected(expected: &str) -> String {
    let plain = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "path string" => "a path",
        "a sequence" => "a list",
        "a map" => "a table",
        struct_name if struct_name.starts_with("struct ") => "a table",
        // serde's list of the names it takes: "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
        names => {
            let names = names.replace('`', "");
            return match names.strip_prefix("one of ") {
                Some(names) => format!("one of: {names}"),
                None => names,
            };
        }
    };
    plain.to_string()
}

/// The table a TOML header line opens (`[a.b]` or `[[a]]` gives `a.b` or `a`).
fn table_header(line: &str) -> Option<&str> {
    let line = line.trim();
    let inner = line.strip_prefix('[')?;
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let (name, _) = inner.split_once(']')?;
    Some(name.trim())
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_shown_briefly() {
        use super::format_number;
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.33");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }

    #[test]
    fn sizes_read_whole_or_with_one_decimal() {
        assert_eq!(human_size(64 << 20), "64 MiB");
        assert_eq!(human_size((4 << 30) + 1), "4.0 GiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12), "12 bytes");
    }

    use super::*;

    #[test]
    fn a_toml_error_names_the_key_with_its_table() {
        let described = |text: &str| {
            let err = toml::from_str::<toml::Table>(text)
                .err()
                .or_else(|| {
                    #[derive(serde::Deserialize, Debug)]
                    #[allow(dead_code)]
                    struct Strict {
                        n: Option<u64>,
                        a: Option<toml::Table>,
                    }
                    toml::from_str::<Strict>(text).err()
                })
                .expect("an error");
            describe_toml_error(std::path::Path::new("t.toml"), text, &err)
        };
        assert_eq!(
            described("n = 1\n[a]\nmouse = \"yes\"\nn = 1\nn = 2\n"),
            "t.toml:5: field `a.n`: duplicate key"
        );
        assert_eq!(
            described("[[a.b]]\nk = 1\nk = 2\n"),
            "t.toml:3: field `a.b.k`: duplicate key"
        );
        assert_eq!(
            described("n = 1\na = { k = 1 }\n[a]\nk = 2\n"),
            "t.toml:3: field `a`: duplicate key"
        );
    }

    /// serde's wording (`invalid type: …, expected u64`) reads as what is expected and what was
    /// given, at the line of the value, named with its table however the TOML spells it.
    #[test]
    fn a_value_of_the_wrong_kind_is_named_in_plain_words() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "lowercase")]
        enum Choice {
            Red,
            Green,
            Blue,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Inner {
            k: u64,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Settings {
            n: Option<u64>,
            b: Option<bool>,
            p: Option<std::path::PathBuf>,
            l: Option<Vec<String>>,
            c: Option<Choice>,
            t: Option<Inner>,
        }
        let described = |text: &str| {
            let err = toml::from_str::<Settings>(text).expect_err(text);
            describe_toml_error(std::path::Path::new("t.toml"), text, &err)
        };
        let huge = format!("n = 1{}", "0".repeat(40));
        for (text, said) in [
            (
                "n = \"many\"",
                "1: field `n`: expected a whole number, found \"many\"",
            ),
            ("n = -1", "1: field `n`: expected a whole number, found -1"),
            (
                "n = 1e3",
                "1: field `n`: expected a whole number, found 1e3",
            ),
            (huge.as_str(), "1: field `n`: too large a number"),
            (
                "b = \"off\"",
                "1: field `b`: expected true or false, found \"off\"",
            ),
            ("p = 3", "1: field `p`: expected a path, found 3"),
            ("l = \"x\"", "1: field `l`: expected a list, found \"x\""),
            (
                "l = [\n\"a\",\n1]",
                "3: field `l`: expected a string, found 1",
            ),
            (
                "c = 5",
                "1: field `c`: expected a string or a table, found 5",
            ),
            (
                "c = \"pink\"",
                "1: field `c`: expected one of: red, green, blue, found \"pink\"",
            ),
            ("t = 3", "1: field `t`: expected a table, found 3"),
            (
                "t = { k = \"x\" }",
                "1: field `t.k`: expected a whole number, found \"x\"",
            ),
            (
                "[t]\nk = 1\nz = 2",
                "3: field `t.z`: unknown field; expected k",
            ),
            ("[t]", "1: field `t`: missing field `k`"),
            (
                "x = 1",
                "1: field `x`: unknown field; expected one of: n, b, p, l, c, t",
            ),
        ] {
            assert_eq!(described(text), format!("t.toml:{said}"), "{text}");
        }
    }

    #[test]
    fn shorten_cuts_long_text_on_one_line() {
        assert_eq!(shorten("  short ", 10), "short");
        assert_eq!(shorten("a\nb", 10), "a⏎b");
        assert_eq!(shorten("abcdefghijkl", 5), "abcd…");
    }

    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

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
    fn trojan_source_shows_the_characters_that_reorder_or_hide_code() {
        // `if access_level != "user" { // Check if admin` with an override hiding its end.
        let line =
            "if access_level != \"user\u{202E} \u{2066}// Check if admin\u{2069} \u{2066}\" {";
        assert_eq!(
            visible(line),
            "if access_level != \"user\\u{202e} \\u{2066}// Check if admin\\u{2069} \\u{2066}\" {"
        );
        assert_eq!(visible("a\u{200B}b\u{FEFF}"), "a\\u{200b}b\\u{feff}");
        assert_eq!(invisible_name('\u{202E}'), Some("RIGHT-TO-LEFT OVERRIDE"));
        // Letters of any script, emoji and ordinary spaces are text.
        for c in ['é', 'ж', 'ש', '😀', ' ', '\u{00A0}'] {
            assert_eq!(invisible_name(c), None, "{c:?}");
            assert_eq!(visible(&c.to_string()), c.to_string());
        }
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
