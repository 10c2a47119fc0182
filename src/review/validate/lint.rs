//! The lint check: ruff for Python and shellcheck for shell, when they are installed.
//!
//! Linters are advice, so every message is a warning; a linter that is missing or breaks
//! skips its part of the check instead of judging the tool.

use std::path::Path;

use serde_json::Value;

use super::program::{self, Checkers};
use super::sources::{Language, SourceFile};
use super::{Check, CheckKind, CheckStatus, Finding, FindingSeverity};

/// What running the linters came to.
#[derive(Default)]
struct Tally {
    ran: Vec<&'static str>,
    skipped: Vec<String>,
    findings: Vec<Finding>,
}

pub(crate) async fn check(
    checkers: &Checkers<'_>,
    sources: &[SourceFile],
) -> (Check, Vec<Finding>) {
    let code = |wanted: fn(Language) -> bool| -> Vec<&SourceFile> {
        sources
            .iter()
            .filter(|s| wanted(s.language) && !s.is_test_data())
            .collect()
    };
    let python = code(|l| l == Language::Python);
    let sh = code(|l| l == Language::Shell);
    let bash = code(|l| l == Language::Bash);
    if python.is_empty() && sh.is_empty() && bash.is_empty() {
        let check = Check::new(
            CheckKind::Lint,
            CheckStatus::Skip,
            "no Python or shell sources to lint",
        );
        return (check, Vec::new());
    }
    let mut tally = Tally::default();
    if !python.is_empty() {
        ruff(checkers, &python, &mut tally).await;
    }
    if !sh.is_empty() || !bash.is_empty() {
        match program::find_program("shellcheck") {
            None => tally.skipped.push("shellcheck not installed".to_string()),
            Some(shellcheck) => {
                for (dialect, files) in [("sh", &sh), ("bash", &bash)] {
                    if !files.is_empty() {
                        run_shellcheck(&shellcheck, checkers, dialect, files, &mut tally).await;
                    }
                }
            }
        }
    }
    tally.ran.dedup();
    (summarize(&tally), tally.findings)
}

async fn ruff(checkers: &Checkers<'_>, files: &[&SourceFile], tally: &mut Tally) {
    let Some(ruff) = program::find_program("ruff") else {
        tally.skipped.push("ruff not installed".to_string());
        return;
    };
    // --isolated: judge every candidate by the same rules, whatever config sits nearby;
    // --no-cache: never write into the tool folder.
    let paths: Vec<String> = files
        .iter()
        .map(|f| checkers.path_of(&f.relative))
        .collect();
    let mut args = vec![
        "check",
        "--output-format",
        "json",
        "--isolated",
        "--no-cache",
        "--exit-zero",
    ];
    args.extend(paths.iter().map(String::as_str));
    match checkers.run(&ruff, &args).await {
        Ok(output) => {
            match parse_ruff_json(&String::from_utf8_lossy(&output.stdout), checkers.tool_dir) {
                Some(findings) => {
                    tally.ran.push("ruff");
                    tally.findings.extend(findings);
                }
                None => tally.skipped.push(format!(
                    "ruff failed: {}",
                    crate::text::shorten(&String::from_utf8_lossy(&output.stderr), 200)
                )),
            }
        }
        Err(reason) => tally.skipped.push(reason.to_string()),
    }
}

async fn run_shellcheck(
    shellcheck: &Path,
    checkers: &Checkers<'_>,
    dialect: &str,
    files: &[&SourceFile],
    tally: &mut Tally,
) {
    // Absolute paths: a file named like an option is never read as one.
    let paths: Vec<String> = files
        .iter()
        .map(|f| checkers.path_of(&f.relative))
        .collect();
    // --norc: a `.shellcheckrc` in the tool folder must not change the rules.
    let mut args = vec!["--norc", "-f", "gcc", "-s", dialect];
    args.extend(paths.iter().map(String::as_str));
    match checkers.run(shellcheck, &args).await {
        // 0: clean, 1: findings; anything else is shellcheck itself failing.
        Ok(output) if matches!(output.exit_code, Some(0 | 1)) => {
            tally.ran.push("shellcheck");
            let mut findings = parse_shellcheck_gcc(&String::from_utf8_lossy(&output.stdout));
            for finding in &mut findings {
                finding.file = checkers.relative(&finding.file).to_string();
            }
            tally.findings.extend(findings);
        }
        Ok(output) => tally.skipped.push(format!(
            "shellcheck failed: {}",
            crate::text::shorten(&String::from_utf8_lossy(&output.stderr), 200)
        )),
        Err(reason) => tally.skipped.push(reason.to_string()),
    }
}

fn summarize(tally: &Tally) -> Check {
    let kind = CheckKind::Lint;
    let skipped = tally.skipped.join("; ");
    if tally.ran.is_empty() {
        return Check::new(kind, CheckStatus::Skip, skipped);
    }
    let ran = tally.ran.join(" and ");
    let notes = if skipped.is_empty() {
        String::new()
    } else {
        format!(" ({skipped})")
    };
    if tally.findings.is_empty() {
        Check::new(kind, CheckStatus::Pass, format!("{ran}: clean{notes}"))
    } else {
        Check::new(
            kind,
            CheckStatus::Warn,
            format!("{ran}: {} finding(s){notes}", tally.findings.len()),
        )
    }
}

fn lint_finding(rule: &str, file: &str, line: Option<usize>, message: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        file: file.to_string(),
        line,
        severity: FindingSeverity::Warning,
        message: message.to_string(),
        check: CheckKind::Lint,
    }
}

/// ruff's JSON list; `None` when it is not one (ruff broke). Syntax errors (no code) are left
/// to the syntax check.
fn parse_ruff_json(stdout: &str, tool_dir: &Path) -> Option<Vec<Finding>> {
    let items: Vec<Value> = serde_json::from_str(stdout.trim()).ok()?;
    Some(
        items
            .iter()
            .filter_map(|item| {
                let code = item.get("code")?.as_str()?;
                let filename = item.get("filename").and_then(Value::as_str).unwrap_or("");
                let canonical = tool_dir.canonicalize().ok();
                let file = [Some(tool_dir), canonical.as_deref()]
                    .into_iter()
                    .flatten()
                    .find_map(|dir| Path::new(filename).strip_prefix(dir).ok())
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_else(|| filename.to_string());
                let line = item
                    .pointer("/location/row")
                    .and_then(Value::as_u64)
                    .map(|n| n as usize);
                let message = item.get("message").and_then(Value::as_str).unwrap_or("");
                Some(lint_finding(code, &file, line, message))
            })
            .collect(),
    )
}

/// `run.sh:23:5: warning: Double quote to prevent globbing. [SC2086]`
fn parse_shellcheck_gcc(stdout: &str) -> Vec<Finding> {
    stdout
        .lines()
        .filter_map(|line| {
            let (file, rest) = line.split_once(':')?;
            let file = file.strip_prefix("./").unwrap_or(file);
            let (number, rest) = rest.split_once(':')?;
            let (_column, rest) = rest.split_once(':')?;
            let (_level, rest) = rest.trim_start().split_once(": ")?;
            let (message, code) = match rest.rsplit_once(" [") {
                Some((message, code)) => (message, code.trim_end_matches(']')),
                None => (rest, "shellcheck"),
            };
            Some(lint_finding(
                code,
                file,
                number.parse().ok(),
                message.trim(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellcheck_gcc_lines_become_warnings_with_codes() {
        let out = "./run.sh:23:5: warning: Double quote to prevent globbing. [SC2086]\n\
                   run.sh:4:1: note: Not following: x. [SC1091]\n";
        let findings = parse_shellcheck_gcc(out);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].rule, "SC2086");
        assert_eq!(findings[0].file, "run.sh");
        assert_eq!(findings[0].line, Some(23));
        assert_eq!(findings[0].message, "Double quote to prevent globbing.");
        assert_eq!(findings[0].severity, FindingSeverity::Warning);
    }

    #[test]
    fn ruff_json_becomes_warnings_relative_to_the_tool() {
        let json = r#"[{"code": "F401", "filename": "/ws/t/main.py", "location": {"row": 1, "column": 8},
            "message": "`os` imported but unused"},
            {"code": null, "filename": "/ws/t/main.py", "location": {"row": 3, "column": 1},
            "message": "SyntaxError"}]"#;
        let findings = parse_ruff_json(json, Path::new("/ws/t")).expect("parsed");
        assert_eq!(
            findings.len(),
            1,
            "syntax errors belong to the syntax check"
        );
        assert_eq!(
            (
                findings[0].rule.as_str(),
                findings[0].file.as_str(),
                findings[0].line
            ),
            ("F401", "main.py", Some(1))
        );
        assert!(parse_ruff_json("error: bad flag", Path::new("/")).is_none());
    }
}
