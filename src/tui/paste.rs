//! What a text field takes, typed or pasted. A paste is text, never a command. The terminal
//! brackets what is pasted (bracketed paste), and the workbench types it whole into the field
//! being edited: a line break is one only in a multi-line editor, a space in a one-line field
//! (where Enter would submit), and no control character of it reaches a field, from which it
//! would be drawn to the terminal. A key that breaks a line is never typed into a one-line
//! field either: there it is the dialog's Enter (`breaks_line`); nor is Tab or shift-Tab,
//! which move between a dialog's fields where it has several, and do nothing where it has one
//! (`moves_between_fields`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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

/// A key the editor would take as a line break: Enter with any modifier, `ctrl-m`, or a `\n`
/// or `\r` a terminal sends as a character (ratatui-textarea breaks the line on each).
pub(crate) fn breaks_line(key: &KeyEvent) -> bool {
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => true,
        KeyCode::Char('m') => ctrl && !alt,
        KeyCode::Char('\n' | '\r') => !ctrl && !alt,
        _ => false,
    }
}

/// A key that moves between a dialog's fields: Tab, shift-Tab (a terminal's back-tab), or a
/// `\t` a terminal sends as a character (ratatui-textarea types a tab for each).
fn moves_between_fields(key: &KeyEvent) -> bool {
    matches!(
        key.code,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('\t')
    )
}

/// Types `key` into `area` as `field` takes it: a one-line field never takes a line break or
/// a tab. False when the key left the text as it was.
pub(crate) fn key_into_area(area: &mut TextArea<'_>, key: KeyEvent, field: Field) -> bool {
    if field == Field::Line && (breaks_line(&key) || moves_between_fields(&key)) {
        return false;
    }
    area.input(key)
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

    #[test]
    fn a_line_takes_no_key_that_breaks_a_line_and_an_editor_does() {
        let breaks = [
            KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT),
            KeyEvent::new(KeyCode::Char('m'), KeyModifiers::CONTROL),
            KeyEvent::new(KeyCode::Char('\n'), KeyModifiers::NONE),
            KeyEvent::new(KeyCode::Char('\r'), KeyModifiers::NONE),
        ];
        for key in breaks {
            assert!(breaks_line(&key), "{key:?}");
            let mut line = TextArea::new(vec!["ab".into()]);
            assert!(!key_into_area(&mut line, key, Field::Line), "{key:?}");
            assert_eq!(line.lines(), ["ab"], "{key:?}");
            let mut editor = TextArea::new(vec!["ab".into()]);
            assert!(key_into_area(&mut editor, key, Field::Lines), "{key:?}");
            assert_eq!(editor.lines().len(), 2, "{key:?}");
        }
        let mut line = TextArea::default();
        assert!(key_into_area(
            &mut line,
            KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE),
            Field::Line
        ));
        assert_eq!(line.lines(), ["m"]);
    }

    #[test]
    fn a_line_takes_no_tab_key_and_an_editor_does() {
        let tabs = [
            KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
            KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            KeyEvent::new(KeyCode::Char('\t'), KeyModifiers::NONE),
        ];
        for key in tabs {
            assert!(moves_between_fields(&key), "{key:?}");
            let mut line = TextArea::new(vec!["ab".into()]);
            assert!(!key_into_area(&mut line, key, Field::Line), "{key:?}");
            assert_eq!(line.lines(), ["ab"], "{key:?}");
        }
        let mut editor = TextArea::new(vec!["ab".into()]);
        assert!(key_into_area(&mut editor, tabs[0], Field::Lines));
        assert_ne!(editor.lines(), ["ab"]);
    }
}
