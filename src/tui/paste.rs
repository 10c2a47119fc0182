//! A paste is text, never a command. The terminal brackets what is pasted (bracketed paste),
//! and the workbench types it whole into the field being edited: a line break is one only in a
//! multi-line editor, a space in a one-line field (where Enter would submit), and no control
//! character of it reaches a field, from which it would be drawn to the terminal.

use ratatui_textarea::TextArea;

/// How a field takes a paste's line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// One line: a break is a space, as is a tab (which would move to the next field).
    Line,
    /// A multi-line editor: a break (`\n`, `\r\n` or a terminal's `\r`) starts a new line,
    /// a tab stays one.
    Lines,
}

/// `text` as `field` takes it.
pub(crate) fn typed(text: &str, field: Field) -> String {
    let line_break = match field {
        Field::Line => ' ',
        Field::Lines => '\n',
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // `\r\n` is one break.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push(line_break),
            '\t' if field == Field::Lines => out.push('\t'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Types `text` into `area` at its cursor, as `field` takes it. Always taken.
pub(crate) fn into_area(area: &mut TextArea<'_>, text: &str, field: Field) -> bool {
    area.insert_str(typed(text, field));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_takes_breaks_and_tabs_as_spaces_and_drops_control_characters() {
        assert_eq!(typed("ab\r\ncd\ne\rf\tg", Field::Line), "ab cd e f g");
        assert_eq!(typed("x\u{1b}[2Jy\u{7}\u{9b}z", Field::Line), "x[2Jyz");
    }

    #[test]
    fn an_editor_keeps_one_break_per_line_end_and_its_tabs() {
        assert_eq!(
            typed("{\r\n\t\"a\": 1\r}\n", Field::Lines),
            "{\n\t\"a\": 1\n}\n"
        );
        let mut area = TextArea::default();
        into_area(&mut area, "one\r\ntwo", Field::Lines);
        assert_eq!(area.lines(), ["one", "two"]);
        let mut line = TextArea::default();
        into_area(&mut line, "one\r\ntwo", Field::Line);
        assert_eq!(line.lines(), ["one two"]);
    }
}
