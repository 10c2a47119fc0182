//! The syntax check: each source file parsed by its language's own tool, nothing executed.
//!
//! Python through `py_compile` in isolated mode (`-I`: nothing on `sys.path` from the tool
//! folder or the environment, no user site; the bytecode goes to the sandbox's private `/tmp`),
//! shell through `sh -n` / `bash -n`, JavaScript through `node --check` when node is installed.
//! Every checker runs in the sandbox with the tool folder read-only.

use super::program::{self, Checkers};
use super::sources::{Language, SourceFile};
use super::{Check, CheckKind, CheckStatus, Finding, FindingSeverity};
use crate::model::Manifest;

/// Where the bytecode goes: the sandbox's own `/tmp`, gone with it.
const PYC_DIR: &str = "/tmp/pyc";

/// Compiles every file given after the pyc folder and prints `file<TAB>line<TAB>message` for
/// each that does not compile. Exit 0 either way: errors are data, not a crash.
const PY_COMPILE: &str = r#"
import os, py_compile, sys
out = sys.argv[1]
for i, src in enumerate(sys.argv[2:]):
    try:
        py_compile.compile(src, cfile=os.path.join(out, "%d.pyc" % i), doraise=True)
    except py_compile.PyCompileError as e:
        v = e.exc_value
        line = getattr(v, "lineno", None) or 0
        msg = "%s: %s" % (e.exc_type_name, getattr(v, "msg", None) or v)
        print("%s\t%d\t%s" % (src, line, " ".join(str(msg).split())))
"#;

/// What checking one language came to.
#[derive(Default)]
struct Tally {
    checked: Vec<&'static str>,
    not_checked: Vec<String>,
    findings: Vec<Finding>,
}

pub(crate) async fn check(
    checkers: &Checkers<'_>,
    sources: &[SourceFile],
    manifest: Option<&Manifest>,
) -> (Check, Vec<Finding>) {
    let mut tally = Tally::default();
    let python: Vec<&SourceFile> = by_language(sources, |l| l == Language::Python);
    let shell: Vec<&SourceFile> = by_language(sources, Language::is_shell);
    let javascript: Vec<&SourceFile> = by_language(sources, |l| l == Language::JavaScript);
    if python.is_empty() && shell.is_empty() && javascript.is_empty() {
        let check = Check::new(
            CheckKind::Syntax,
            CheckStatus::Skip,
            "no Python, shell or JavaScript sources",
        );
        return (check, Vec::new());
    }
    check_python(checkers, &python, &mut tally).await;
    for file in &shell {
        let shell = if runs_with_bash(file, manifest) {
            "bash"
        } else {
            "sh"
        };
        check_one(checkers, file, shell, &["-n"], "shell", &mut tally).await;
    }
    for file in &javascript {
        check_one(
            checkers,
            file,
            "node",
            &["--check"],
            "JavaScript",
            &mut tally,
        )
        .await;
    }
    (summarize(&tally), tally.findings)
}

fn by_language(sources: &[SourceFile], wanted: impl Fn(Language) -> bool) -> Vec<&SourceFile> {
    sources
        .iter()
        .filter(|s| wanted(s.language) && !s.is_test_data())
        .collect()
}

/// Bash when the file says so, or when the manifest runs it with `bash`.
fn runs_with_bash(file: &SourceFile, manifest: Option<&Manifest>) -> bool {
    file.language == Language::Bash
        || manifest.is_some_and(|m| {
            let command = &m.run.command;
            command
                .first()
                .is_some_and(|p| p.rsplit('/').next() == Some("bash"))
                && command.iter().skip(1).any(|arg| arg == &file.relative)
        })
}

async fn check_python(checkers: &Checkers<'_>, files: &[&SourceFile], tally: &mut Tally) {
    if files.is_empty() {
        return;
    }
    let Some(python) = program::find_program("python3") else {
        tally.not_checked.push(format!(
            "python3 not installed: {} Python file(s) not checked",
            files.len()
        ));
        return;
    };
    let mut args = vec![
        "-I".to_string(),
        "-c".to_string(),
        PY_COMPILE.to_string(),
        PYC_DIR.to_string(),
    ];
    args.extend(files.iter().map(|f| checkers.path_of(&f.relative)));
    match checkers.run(&python, &args).await {
        Ok(output) if output.success() => {
            tally.checked.extend(files.iter().map(|_| "Python"));
            let stdout = String::from_utf8_lossy(&output.stdout);
            let mut findings = parse_python_output(&stdout);
            for finding in &mut findings {
                finding.file = checkers.relative(&finding.file).to_string();
            }
            tally.findings.extend(findings);
        }
        Ok(output) => tally.not_checked.push(format!(
            "python3 failed: {}",
            crate::text::shorten(&String::from_utf8_lossy(&output.stderr), 200)
        )),
        Err(reason) => tally.not_checked.push(reason.to_string()),
    }
}

async fn check_one(
    checkers: &Checkers<'_>,
    file: &SourceFile,
    checker: &str,
    flags: &[&str],
    language: &'static str,
    tally: &mut Tally,
) {
    let Some(program) = program::find_program(checker) else {
        tally.not_checked.push(format!(
            "{checker} not installed: {} not checked",
            file.relative
        ));
        return;
    };
    // An absolute path: a file named like an option (`-x.sh`) is never read as one.
    let path = checkers.path_of(&file.relative);
    let mut args: Vec<&str> = flags.to_vec();
    args.push(&path);
    match checkers.run(&program, &args).await {
        Ok(output) => {
            tally.checked.push(language);
            if !output.success() {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let (line, message) = if checker == "node" {
                    parse_node_error(&stderr)
                } else {
                    parse_shell_error(&path, &stderr)
                };
                tally
                    .findings
                    .push(syntax_finding(&file.relative, line, message));
            }
        }
        Err(reason) => tally.not_checked.push(reason.to_string()),
    }
}

fn summarize(tally: &Tally) -> Check {
    let kind = CheckKind::Syntax;
    let mut notes = String::new();
    if !tally.not_checked.is_empty() {
        notes = format!(" ({})", tally.not_checked.join("; "));
    }
    if !tally.findings.is_empty() {
        let first = &tally.findings[0];
        let place = match first.line {
            Some(line) => format!("{}:{line}", first.file),
            None => first.file.clone(),
        };
        let message = format!(
            "{} syntax error(s); first at {place}: {}{notes}",
            tally.findings.len(),
            first.message
        );
        return Check::new(kind, CheckStatus::Fail, message);
    }
    if tally.checked.is_empty() {
        return Check::new(kind, CheckStatus::Skip, tally.not_checked.join("; "));
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for language in &tally.checked {
        match counts.iter_mut().find(|(l, _)| l == language) {
            Some(slot) => slot.1 += 1,
            None => counts.push((language, 1)),
        }
    }
    let what = counts
        .iter()
        .map(|(l, n)| format!("{n} {l}"))
        .collect::<Vec<_>>()
        .join(", ");
    Check::new(
        kind,
        CheckStatus::Pass,
        format!("{} file(s) parse ({what}){notes}", tally.checked.len()),
    )
}

fn syntax_finding(file: &str, line: Option<usize>, message: String) -> Finding {
    Finding {
        rule: "syntax".to_string(),
        file: file.to_string(),
        line,
        severity: FindingSeverity::Error,
        message,
        check: CheckKind::Syntax,
    }
}

/// The lines the `PY_COMPILE` script printed.
fn parse_python_output(stdout: &str) -> Vec<Finding> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let file = parts.next()?;
            let number = parts.next()?.parse::<usize>().ok().filter(|n| *n > 0);
            let message = parts.next().unwrap_or("does not compile").to_string();
            Some(syntax_finding(file, number, message))
        })
        .collect()
}

/// `run.sh: 3: Syntax error: …` (dash) or `run.sh: line 3: syntax error …` (bash).
fn parse_shell_error(file: &str, stderr: &str) -> (Option<usize>, String) {
    let Some(first) = stderr.lines().find(|l| !l.trim().is_empty()) else {
        return (None, "does not parse".to_string());
    };
    let rest = first
        .strip_prefix(file)
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(first);
    let rest = rest.strip_prefix("line ").unwrap_or(rest);
    match rest.split_once(": ") {
        Some((number, message)) if number.parse::<usize>().is_ok() => {
            (number.parse().ok(), message.trim().to_string())
        }
        _ => (None, first.trim().to_string()),
    }
}

/// `file.js:3` on the first line, `SyntaxError: …` further down.
fn parse_node_error(stderr: &str) -> (Option<usize>, String) {
    let line = stderr
        .lines()
        .next()
        .and_then(|l| l.rsplit_once(':'))
        .and_then(|(_, n)| n.trim().parse::<usize>().ok());
    let message = stderr
        .lines()
        .find(|l| l.contains("Error:"))
        .unwrap_or("does not parse")
        .trim()
        .to_string();
    (line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_errors_of_dash_and_bash_give_line_and_message() {
        let dash = "run.sh: 3: Syntax error: end of file unexpected (expecting \"fi\")\n";
        assert_eq!(
            parse_shell_error("run.sh", dash),
            (
                Some(3),
                "Syntax error: end of file unexpected (expecting \"fi\")".to_string()
            )
        );
        let bash =
            "run.sh: line 7: syntax error near unexpected token `fi'\nrun.sh: line 7: `fi'\n";
        assert_eq!(
            parse_shell_error("run.sh", bash),
            (
                Some(7),
                "syntax error near unexpected token `fi'".to_string()
            )
        );
    }

    #[test]
    fn node_errors_give_line_and_message() {
        let stderr = "/t/x.js:4\nfoo(;\n    ^\n\nSyntaxError: Unexpected token ';'\n    at wrap\n";
        assert_eq!(
            parse_node_error(stderr),
            (Some(4), "SyntaxError: Unexpected token ';'".to_string())
        );
    }

    #[test]
    fn python_output_lines_become_findings() {
        let findings = parse_python_output("main.py\t3\tSyntaxError: '(' was never closed\n");
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].file.as_str(), findings[0].line),
            ("main.py", Some(3))
        );
        assert_eq!(findings[0].message, "SyntaxError: '(' was never closed");
    }
}
