//! A small syntax highlighter for the languages tools are written in.
//!
//! Line-based with one bit of state (inside a triple-quoted string), which is all Python,
//! shell, JavaScript, TOML and JSON sources need for a readable view. Control characters in
//! file content are made visible, never sent to the terminal.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::text::visible;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Shell,
    JavaScript,
    Toml,
    Json,
    Plain,
}

impl Language {
    pub fn from_file_name(name: &str) -> Self {
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("py") => Language::Python,
            Some("sh" | "bash") => Language::Shell,
            Some("js" | "mjs" | "ts") => Language::JavaScript,
            Some("toml") => Language::Toml,
            Some("json") => Language::Json,
            _ => Language::Plain,
        }
    }

    /// Refines `Plain` with the shebang line.
    pub fn detect(name: &str, text: &str) -> Self {
        let by_name = Self::from_file_name(name);
        if by_name != Language::Plain {
            return by_name;
        }
        let first = text.lines().next().unwrap_or("");
        if !first.starts_with("#!") {
            Language::Plain
        } else if first.contains("python") {
            Language::Python
        } else if first.contains("node") {
            Language::JavaScript
        } else if first.contains("sh") {
            Language::Shell
        } else {
            Language::Plain
        }
    }

    fn keywords(self) -> &'static [&'static str] {
        match self {
            Language::Python => &[
                "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else",
                "except", "False", "finally", "for", "from", "global", "if", "import", "in", "is",
                "lambda", "None", "not", "or", "pass", "raise", "return", "True", "try", "while",
                "with", "yield",
            ],
            Language::Shell => &[
                "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
                "esac", "in", "function", "return", "exit", "local", "export", "set", "eval",
                "exec", "shift",
            ],
            Language::JavaScript => &[
                "async", "await", "break", "case", "catch", "class", "const", "continue",
                "default", "else", "export", "false", "for", "function", "if", "import", "let",
                "new", "null", "return", "switch", "this", "throw", "true", "try", "typeof", "var",
                "while",
            ],
            Language::Toml | Language::Json => &["true", "false", "null"],
            Language::Plain => &[],
        }
    }

    fn line_comment(self) -> Option<&'static str> {
        match self {
            Language::Python | Language::Shell | Language::Toml => Some("#"),
            Language::JavaScript => Some("//"),
            Language::Json | Language::Plain => None,
        }
    }
}

/// Highlights `text` into owned lines ready to draw.
pub fn highlight(text: &str, language: Language, theme: &Theme) -> Vec<Line<'static>> {
    let mut in_triple: Option<&'static str> = None;
    text.lines()
        .map(|raw| {
            let line = visible(raw);
            highlight_line(&line, language, theme, &mut in_triple)
        })
        .collect()
}

fn highlight_line(
    line: &str,
    lang: Language,
    theme: &Theme,
    in_triple: &mut Option<&'static str>,
) -> Line<'static> {
    if lang == Language::Plain {
        return Line::from(line.to_string());
    }
    if lang == Language::Toml && line.trim_start().starts_with('[') {
        return Line::from(Span::styled(line.to_string(), theme.syntax_heading));
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut rest = line;
    if let Some(delim) = *in_triple {
        match rest.find(delim) {
            Some(end) => {
                let (s, r) = rest.split_at(end + delim.len());
                spans.push(Span::styled(s.to_string(), theme.syntax_string));
                rest = r;
                *in_triple = None;
            }
            None => return Line::from(Span::styled(line.to_string(), theme.syntax_string)),
        }
    }
    let mut plain = String::new();
    while let Some(c) = rest.chars().next() {
        if let Some(comment) = lang.line_comment()
            && rest.starts_with(comment)
            && !(lang == Language::Shell
                && !plain.is_empty()
                && !plain.ends_with(char::is_whitespace))
        {
            flush(&mut plain, &mut spans, lang, theme);
            spans.push(Span::styled(rest.to_string(), theme.syntax_comment));
            return Line::from(spans);
        }
        if lang == Language::Python && (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
            flush(&mut plain, &mut spans, lang, theme);
            let delim: &'static str = if rest.starts_with("\"\"\"") {
                "\"\"\""
            } else {
                "'''"
            };
            match rest[3..].find(delim) {
                Some(end) => {
                    let (s, r) = rest.split_at(3 + end + 3);
                    spans.push(Span::styled(s.to_string(), theme.syntax_string));
                    rest = r;
                }
                None => {
                    spans.push(Span::styled(rest.to_string(), theme.syntax_string));
                    *in_triple = Some(delim);
                    return Line::from(spans);
                }
            }
            continue;
        }
        if c == '"' || c == '\'' || (c == '`' && lang == Language::JavaScript) {
            flush(&mut plain, &mut spans, lang, theme);
            let end = string_end(rest, c);
            let (s, r) = rest.split_at(end);
            spans.push(Span::styled(s.to_string(), theme.syntax_string));
            rest = r;
            continue;
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut plain, &mut spans, lang, theme);
    Line::from(spans)
}

/// Byte index just past the closing quote (or the end of the line when unclosed).
fn string_end(text: &str, quote: char) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return i + c.len_utf8();
        }
    }
    text.len()
}

/// Emits code outside strings and comments, colouring keywords and numbers.
fn flush(plain: &mut String, spans: &mut Vec<Span<'static>>, lang: Language, theme: &Theme) {
    if plain.is_empty() {
        return;
    }
    let mut word = String::new();
    let mut other = String::new();
    let push_word = |word: &mut String, other: &mut String, spans: &mut Vec<Span<'static>>| {
        if word.is_empty() {
            return;
        }
        let style = if lang.keywords().contains(&word.as_str()) {
            Some(theme.syntax_keyword)
        } else if word.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            Some(theme.syntax_number)
        } else {
            None
        };
        match style {
            Some(style) => {
                if !other.is_empty() {
                    spans.push(Span::raw(std::mem::take(other)));
                }
                spans.push(Span::styled(std::mem::take(word), style));
            }
            None => other.push_str(&std::mem::take(word)),
        }
    };
    for c in plain.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            push_word(&mut word, &mut other, spans);
            other.push(c);
        }
    }
    push_word(&mut word, &mut other, spans);
    if !other.is_empty() {
        spans.push(Span::styled(other, Style::default()));
    }
    plain.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styled(line: &Line<'_>, theme_style: Style) -> Vec<String> {
        line.spans
            .iter()
            .filter(|s| s.style == theme_style)
            .map(|s| s.content.to_string())
            .collect()
    }

    #[test]
    fn python_keywords_strings_and_comments_are_coloured() {
        let theme = Theme::builtin();
        let lines = highlight(
            "def main():  # entry\n    return \"x#y\"\n",
            Language::Python,
            &theme,
        );
        assert_eq!(styled(&lines[0], theme.syntax_keyword), ["def"]);
        assert_eq!(styled(&lines[0], theme.syntax_comment), ["# entry"]);
        assert_eq!(styled(&lines[1], theme.syntax_string), ["\"x#y\""]);
    }

    #[test]
    fn triple_quoted_strings_span_lines() {
        let theme = Theme::builtin();
        let lines = highlight(
            "\"\"\"Doc\nmore if\n\"\"\"\nimport sys\n",
            Language::Python,
            &theme,
        );
        assert_eq!(styled(&lines[1], theme.syntax_string), ["more if"]);
        assert_eq!(styled(&lines[3], theme.syntax_keyword), ["import"]);
    }

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(visible("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }

    #[test]
    fn shell_hash_inside_words_is_not_a_comment() {
        let theme = Theme::builtin();
        let lines = highlight("echo ${#x} # real\n", Language::Shell, &theme);
        assert_eq!(styled(&lines[0], theme.syntax_comment), ["# real"]);
    }
}
