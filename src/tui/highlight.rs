//! Source highlighting for any language, with syntect's grammars (bat's curated set).
//!
//! Loading the grammars takes a moment, so a background thread starts on it at launch and the
//! first frame never waits; the detail view shows plain text until they are there. Token scopes
//! map onto the theme's syntax roles, so a user's `theme.toml` colours every language.
//!
//! Tool text is untrusted: every token goes through `visible`, so control characters show as
//! `\u{..}` and no escape sequence reaches the terminal, whatever the grammar made of it.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use super::theme::Theme;
use crate::text::visible;

/// Bytes of a file highlighted; the rest is shown plain (a big file still opens at once).
pub(crate) const HIGHLIGHT_BYTES: usize = 256 * 1024;
/// Longer lines (minified code) are shown plain: regex grammars can crawl on them.
pub(crate) const LONG_LINE_BYTES: usize = 4 * 1024;
/// Highlighting of one file stops after this long, whatever a grammar does on odd input (the
/// first use of a grammar, which compiles its patterns, counts too).
const HIGHLIGHT_TIME: Duration = Duration::from_secs(2);

static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();

/// Starts loading the grammars on their own thread, so the first frame does not wait for them.
pub(crate) fn load_in_background() {
    // Without the thread the grammars load on first use instead, still off the UI thread.
    let _ = std::thread::Builder::new()
        .name("syntaxes".into())
        .spawn(|| {
            syntaxes();
        });
}

/// The grammars if they are loaded by now; never waits (the UI thread's way to them).
pub(crate) fn loaded() -> Option<&'static SyntaxSet> {
    SYNTAXES.get()
}

/// The style of each character of `raw` as `line` (its highlighting, where each character
/// was made visible, a tab as four spaces) draws it; characters past its end get none.
pub(crate) fn char_styles(raw: &str, line: &Line<'_>) -> Vec<Style> {
    let mut drawn = line
        .spans
        .iter()
        .flat_map(|span| span.content.chars().map(move |_| span.style));
    raw.chars()
        .map(|c| {
            let shown = match c {
                '\t' => 4,
                c => visible(c.encode_utf8(&mut [0; 4])).chars().count(),
            };
            let style = drawn.next().unwrap_or_default();
            for _ in 1..shown {
                drawn.next();
            }
            style
        })
        .collect()
}

/// The grammars; blocks until they are loaded, so only call it off the UI thread.
pub fn syntaxes() -> &'static SyntaxSet {
    SYNTAXES.get_or_init(two_face::syntax::extra_newlines)
}

/// The grammar for a file: from its extension (or name, as for `Makefile`), else its shebang
/// or first line, else the interpreter of `command` (the manifest's, for the file it runs).
pub fn find_syntax<'a>(
    set: &'a SyntaxSet,
    name: &str,
    text: &str,
    command: Option<&[String]>,
) -> Option<&'a SyntaxReference> {
    let path = Path::new(name);
    let by_name = path
        .extension()
        .or(path.file_name())
        .and_then(|e| e.to_str())
        .and_then(|e| set.find_syntax_by_extension(e));
    if by_name.is_some() {
        return by_name;
    }
    let first = text.lines().next().unwrap_or("");
    // Shebangs and mode lines sit at the start: a minified file's one line is not searched whole.
    let first = first
        .char_indices()
        .nth(256)
        .map_or(first, |(i, _)| &first[..i]);
    let by_shebang = first
        .strip_prefix("#!")
        .and_then(|line| interpreter(line.split_whitespace()))
        .and_then(|ext| set.find_syntax_by_extension(ext));
    by_shebang
        .or_else(|| set.find_syntax_by_first_line(first))
        .or_else(|| {
            command
                .and_then(|words| interpreter(words.iter().map(String::as_str)))
                .and_then(|ext| set.find_syntax_by_extension(ext))
        })
}

/// The file extension of the language an argv runs (`/usr/bin/env -S python3 -u` → `py`).
fn interpreter<'a>(mut words: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    let mut program = program_name(words.next()?);
    if program == "env" {
        program = program_name(words.find(|w| !w.starts_with('-') && !w.contains('='))?);
    }
    // python3.12 → python, lua5.4 → lua.
    let base = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match base {
        "python" | "pypy" | "uv" => "py",
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" => "sh",
        "node" | "nodejs" => "js",
        "deno" | "bun" | "ts-node" | "tsx" => "ts",
        "ruby" => "rb",
        "perl" => "pl",
        "lua" | "luajit" => "lua",
        "go" => "go",
        "php" => "php",
        "Rscript" => "R",
        "awk" | "gawk" => "awk",
        _ => return None,
    })
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Lines of `text` as they are, with control characters made visible.
pub fn plain(text: &str) -> Vec<Line<'static>> {
    text.lines().map(plain_line).collect()
}

/// Characters of one line kept for the screen: wider than any terminal, and a minified
/// file's megabyte-long line costs nothing to draw.
const SHOWN_LINE_CHARS: usize = 2_000;

/// One line as plain text, control characters made visible, cut at `SHOWN_LINE_CHARS`.
fn plain_line(line: &str) -> Line<'static> {
    match line.char_indices().nth(SHOWN_LINE_CHARS) {
        Some((cut, _)) => Line::from(format!("{}…", visible(&line[..cut]))),
        None => Line::from(visible(line)),
    }
}

/// Highlighted lines, and what was left plain when something was.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlighted {
    pub lines: Vec<Line<'static>>,
    pub(crate) note: Option<String>,
}

/// Highlights `text` with `syntax`, within the byte, line-length and time budgets above.
pub fn highlight(
    set: &SyntaxSet,
    syntax: &SyntaxReference,
    text: &str,
    theme: &Theme,
) -> Highlighted {
    let roles = Roles::new(theme);
    let started = Instant::now();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut lines = Vec::new();
    let mut seen = 0;
    let mut long_lines = 0;
    let mut stopped: Option<String> = None;
    for raw in text.split_inclusive('\n') {
        seen += raw.len();
        let content = raw
            .strip_suffix('\n')
            .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
        if stopped.is_none() {
            if seen > HIGHLIGHT_BYTES {
                stopped = Some(format!(
                    "plain from line {}: highlighting stops after {} KiB",
                    lines.len() + 1,
                    HIGHLIGHT_BYTES / 1024
                ));
            } else if started.elapsed() > HIGHLIGHT_TIME {
                stopped = Some(format!(
                    "plain from line {}: highlighting took too long",
                    lines.len() + 1
                ));
            }
        }
        if stopped.is_some() {
            lines.push(plain_line(content));
            continue;
        }
        if raw.len() > LONG_LINE_BYTES {
            // Skipped, the parse state stays as it was: the next lines are likely right again.
            long_lines += 1;
            lines.push(plain_line(content));
            continue;
        }
        match highlight_line(set, &mut state, &mut stack, raw, content.len(), &roles) {
            Some(line) => lines.push(line),
            None => {
                stopped = Some(format!(
                    "plain from line {}: the grammar failed on it",
                    lines.len() + 1
                ));
                lines.push(plain_line(content));
            }
        }
    }
    let long = (long_lines > 0).then(|| {
        format!(
            "{long_lines} line(s) over {} KiB shown plain",
            LONG_LINE_BYTES / 1024
        )
    });
    let note = match (stopped, long) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    Highlighted { lines, note }
}

/// One line (with its newline, as the grammars expect); `None` when the grammar fails.
fn highlight_line(
    set: &SyntaxSet,
    state: &mut ParseState,
    stack: &mut ScopeStack,
    raw: &str,
    content_len: usize,
    roles: &Roles,
) -> Option<Line<'static>> {
    let ops = state.parse_line(raw, set).ok()?;
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut push = |from: usize, to: usize, stack: &ScopeStack| {
        let to = to.min(content_len);
        if from >= to {
            return;
        }
        let text = visible(raw.get(from..to).unwrap_or(""));
        let style = roles.style(stack);
        match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(&text),
            _ => spans.push(Span::styled(text, style)),
        }
    };
    let mut at = 0;
    for (index, op) in ops {
        push(at, index, stack);
        at = at.max(index);
        stack.apply(&op).ok()?;
    }
    push(at, raw.len(), stack);
    Some(Line::from(spans))
}

/// Scope prefixes and the theme style they take; `None` leaves a scope to the ones around it
/// (an operator is a `keyword` to the grammars, not to a reader).
struct Roles {
    rules: Vec<(Scope, Option<Style>)>,
}

impl Roles {
    fn new(theme: &Theme) -> Self {
        let table = [
            ("comment", Some(theme.syntax_comment)),
            ("string", Some(theme.syntax_string)),
            ("constant.numeric", Some(theme.syntax_number)),
            ("constant.language", Some(theme.syntax_keyword)),
            ("keyword.operator", None),
            ("keyword", Some(theme.syntax_keyword)),
            ("storage", Some(theme.syntax_keyword)),
            ("entity.name.section", Some(theme.syntax_heading)),
            ("entity.name.table", Some(theme.syntax_heading)),
            ("markup.heading", Some(theme.syntax_heading)),
        ];
        let rules = table
            .into_iter()
            .filter_map(|(scope, style)| Scope::new(scope).ok().map(|s| (s, style)))
            .collect();
        Self { rules }
    }

    /// The style of the innermost scope a rule names.
    fn style(&self, stack: &ScopeStack) -> Style {
        stack
            .as_slice()
            .iter()
            .rev()
            .find_map(|scope| {
                self.rules
                    .iter()
                    .find(|(prefix, _)| prefix.is_prefix_of(*scope))
                    .and_then(|(_, style)| *style)
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn language_comes_from_extension_shebang_or_command() {
        let set = syntaxes();
        let cases = [
            ("Ruby", "rb", "#!/usr/bin/env ruby", "ruby"),
            ("Go", "go", "#!/usr/bin/env go", "go"),
            ("TypeScript", "ts", "#!/usr/bin/env -S deno run", "deno"),
            ("Perl", "pl", "#!/usr/bin/perl -w", "perl"),
            ("Rust", "rs", "#!/usr/bin/env rust-script", "rust-script"),
            ("Lua", "lua", "#!/usr/bin/env lua5.4", "lua"),
            ("Python", "py", "#!/usr/bin/env python3", "python3.12"),
            ("Bourne Again Shell (bash)", "sh", "#!/bin/sh", "bash"),
        ];
        let name_of = |s: Option<&SyntaxReference>| s.map(|s| s.name.clone());
        for (language, ext, shebang, program) in cases {
            let by_ext = find_syntax(set, &format!("tool.{ext}"), "", None);
            assert_eq!(name_of(by_ext).as_deref(), Some(language), "{ext}");
            // Rust scripts have no interpreter of their own to name.
            if language != "Rust" {
                let text = format!("{shebang}\nx\n");
                let by_shebang = find_syntax(set, "tool", &text, None);
                assert_eq!(name_of(by_shebang).as_deref(), Some(language), "{shebang}");
                let command = words(&[program, "tool"]);
                let by_command = find_syntax(set, "tool", "x\n", Some(&command));
                assert_eq!(name_of(by_command).as_deref(), Some(language), "{program}");
            }
        }
        assert_eq!(
            name_of(find_syntax(set, "tool.toml", "", None)).as_deref(),
            Some("TOML")
        );
        let env = words(&["/usr/bin/env", "LANG=C", "node", "x"]);
        assert!(find_syntax(set, "x", "", Some(&env)).is_some());
    }

    #[test]
    fn unknown_languages_are_plain() {
        let set = syntaxes();
        assert!(find_syntax(set, "notes.unknownext", "just words\n", None).is_none());
        assert!(find_syntax(set, "tool", "x\n", Some(&words(&["./tool"]))).is_none());
    }

    fn styled(line: &Line<'_>, style: Style) -> String {
        line.spans
            .iter()
            .filter(|s| s.style == style)
            .map(|s| s.content.as_ref())
            .collect()
    }

    fn highlight_as(ext: &str, text: &str) -> Highlighted {
        let set = syntaxes();
        let syntax = find_syntax(set, &format!("x.{ext}"), text, None).expect("known language");
        // Once to compile the grammar's patterns: a debug build may spend the time budget on it.
        highlight(set, syntax, text, &Theme::builtin());
        highlight(set, syntax, text, &Theme::builtin())
    }

    #[test]
    fn a_highlighted_line_carries_the_theme_styles() {
        let theme = Theme::builtin();
        let out = highlight_as("py", "def main():  # entry\n    return \"x#y\"\n");
        assert!(styled(&out.lines[0], theme.syntax_keyword).contains("def"));
        assert_eq!(styled(&out.lines[0], theme.syntax_comment), "# entry");
        assert_eq!(styled(&out.lines[1], theme.syntax_string), "\"x#y\"");
        assert_eq!(out.lines[1].to_string(), "    return \"x#y\"");
        let rb = highlight_as("rb", "def go\n  puts 42 # done\nend\n");
        assert!(styled(&rb.lines[1], theme.syntax_number).contains("42"));
        assert!(styled(&rb.lines[1], theme.syntax_comment).contains("# done"));
        assert_eq!(out.note, None);
    }

    #[test]
    fn escape_sequences_in_source_stay_visible() {
        let text = "s = \"\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\"  # \u{9b}31m\r\nx = 1\r\n";
        let out = highlight_as("py", text);
        let shown: String = out.lines.iter().map(|l| l.to_string() + "\n").collect();
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(
            shown.contains("\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2J"),
            "{shown:?}"
        );
        assert!(shown.contains("\\u{9b}31m"), "{shown:?}");
        assert_eq!(out.lines[1].to_string(), "x = 1");
    }

    #[test]
    fn big_files_and_long_lines_are_cut_and_say_so() {
        let line = "x = [1, 2, 3]\n";
        let text = line.repeat(HIGHLIGHT_BYTES / line.len() + 100);
        let out = highlight_as("py", &text);
        assert_eq!(out.lines.len(), text.lines().count());
        let note = out.note.expect("a note");
        // A debug build may reach the time budget before the byte budget.
        assert!(note.starts_with("plain from line "), "{note}");
        let minified = format!("var a = 1;{}\nvar b = 2;\n", " a+1;".repeat(2000));
        let out = highlight_as("js", &minified);
        assert_eq!(out.lines[0].spans.len(), 1);
        assert!(out.lines[1].spans.len() > 1);
        assert_eq!(
            out.note.as_deref(),
            Some("1 line(s) over 4 KiB shown plain")
        );
    }
}
