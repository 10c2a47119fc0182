//! The security scan of `[run]` and `[service]` in `tool.toml`: what the sandbox is asked to
//! start. The argv judged is the whole one: `[run] command`, followed for a service by its
//! `[service] launch_args`, read through its wrappers (see `argv`).
//!
//! Four rules, all errors, because each one undoes a promise of the manifest: `command` is
//! an argv that never goes through a shell, it runs a program of the tool or of the system,
//! whose code is in the tool's files, and the environment carries settings, not code.
//!
//! - `manifest-shell-c`: a shell given a command string (`sh -c`, `bash -lc`), or a program
//!   that hands one to a shell (`flock -c`, `watch`, `script -c`, awk's `system()` and
//!   pipes), also behind wrappers (`env`, `env -S`, `timeout`, `nice`, `setsid`, `stdbuf`,
//!   `xargs`, `find -exec`, `busybox`, …), and wrappers nested deeper than the scan follows.
//! - `manifest-inline-code`: an interpreter given its program as text (`python -c`,
//!   `node -e`, `perl -e`, `ruby -e`, …), which the syntax check, the linters and the source
//!   scan never see, since they read the tool's files.
//! - `manifest-loader-env`: an `env` name that makes a loader or interpreter load code or
//!   look for programs elsewhere (`LD_*`, `PYTHONPATH`, `NODE_OPTIONS`, `BASH_ENV`, `PATH`, …).
//! - `manifest-command-outside`: the program or a path argument lies outside the tool folder
//!   (a relative path climbing out with `..`, `~`) and outside the system's program folders
//!   (an absolute path not under `/usr`, `/bin`, `/sbin` or `/opt`).

mod argv;

use std::path::{Component, Path, PathBuf};

use crate::catalog::manifest::key_line;
use crate::model::MANIFEST_FILE;
use crate::model::Manifest;
use crate::review::validate::{CheckKind, Finding, FindingSeverity};
use argv::HazardKind;

pub(crate) const MANIFEST_SHELL_C: &str = "manifest-shell-c";
pub(crate) const MANIFEST_INLINE_CODE: &str = "manifest-inline-code";
pub(crate) const MANIFEST_LOADER_ENV: &str = "manifest-loader-env";
pub(crate) const MANIFEST_COMMAND_OUTSIDE: &str = "manifest-command-outside";

/// Environment names that load code, change how programs are found, or how a shell parses.
const LOADER_ENV: &[&str] = &[
    "GCONV_PATH",
    "GLIBC_TUNABLES",
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_REPL_EXTERNAL_MODULE",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "PATH",
    "PERL5LIB",
    "PERLLIB",
    "PERL5OPT",
    "PERL5DB",
    "RUBYOPT",
    "RUBYLIB",
    "GEM_HOME",
    "GEM_PATH",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "LUA_PATH",
    "LUA_CPATH",
    "LUA_INIT",
    "GIT_EXEC_PATH",
    "GIT_SSH_COMMAND",
    "GIT_CONFIG_PARAMETERS",
];

/// Name prefixes that load code: the dynamic loaders and exported bash functions.
const LOADER_ENV_PREFIXES: &[&str] = &["LD_", "DYLD_", "BASH_FUNC_"];

/// `PYTHON*` variables that only tune output or hashing; every other one may load code
/// (`PYTHONPATH`, `PYTHONSTARTUP`, `PYTHONHOME`, `PYTHONBREAKPOINT`, `PYTHONWARNINGS`, …).
const HARMLESS_PYTHON_ENV: &[&str] = &[
    "PYTHONUNBUFFERED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONHASHSEED",
    "PYTHONSAFEPATH",
    "PYTHONNOUSERSITE",
];

/// Absolute paths a command may use: where the system keeps its programs.
const SYSTEM_PREFIXES: &[&str] = &["/usr", "/bin", "/sbin", "/opt"];

/// Scans the manifest's `[run]` and `[service]`; `text` is `tool.toml` as written, for line
/// numbers (absent for an inferred manifest).
pub(crate) fn scan_manifest(manifest: &Manifest, text: Option<&str>) -> Vec<Finding> {
    let line = |path: &[&str]| text.and_then(|t| key_line(t, path));
    let finding = |rule: &str, line: Option<usize>, message: String| Finding {
        rule: rule.to_string(),
        file: MANIFEST_FILE.to_string(),
        line,
        severity: FindingSeverity::Error,
        message,
        check: CheckKind::Security,
    };
    let command = &manifest.run.command;
    let launch_args = manifest
        .service
        .as_ref()
        .map(|s| s.launch_args.as_slice())
        .unwrap_or_default();
    let argv: Vec<String> = command.iter().chain(launch_args).cloned().collect();
    // A word of the argv is on the line of `[run] command`, or of `[service] launch_args`.
    let line_of = |at: usize| {
        if at < command.len() {
            line(&["run", "command"])
        } else {
            line(&["service", "launch_args"])
        }
    };
    let mut findings = Vec::new();
    for hazard in argv::hazards(&argv) {
        let behind = match hazard.through.as_slice() {
            [] => String::new(),
            through => format!(" behind {}", through.join(", ")),
        };
        let (rule, why) = match hazard.kind {
            HazardKind::ShellString => (
                MANIFEST_SHELL_C,
                "a shell command string instead of an argv",
            ),
            HazardKind::InlineCode => (
                MANIFEST_INLINE_CODE,
                "code written into the manifest, where no syntax check, linter or source scan reads it",
            ),
            HazardKind::TooDeep => (
                MANIFEST_SHELL_C,
                "the scan stops there, unable to tell what runs",
            ),
        };
        let message = format!("command runs {}{behind}: {why}", hazard.what);
        findings.push(finding(rule, line_of(hazard.at), message));
    }
    if let Some((at, path)) = argv
        .iter()
        .enumerate()
        .find(|(_, arg)| leaves_tool_and_system(arg))
    {
        findings.push(finding(
            MANIFEST_COMMAND_OUTSIDE,
            line_of(at),
            format!("command uses {path:?}, outside the tool folder and the system's programs"),
        ));
    }
    for name in manifest.run.env.keys().filter(|n| is_loader_env(n)) {
        findings.push(finding(
            MANIFEST_LOADER_ENV,
            line(&["run", "env", name]),
            format!("env sets {name}, which makes a loader or interpreter load code or find other programs"),
        ));
    }
    findings
}

fn is_loader_env(name: &str) -> bool {
    LOADER_ENV.contains(&name)
        || LOADER_ENV_PREFIXES.iter().any(|p| name.starts_with(p))
        || (name.starts_with("PYTHON") && !HARMLESS_PYTHON_ENV.contains(&name))
}

/// True for an argument that names a path outside the tool folder and the system folders.
/// `--opt=/path` is read as its value; words that are no paths pass.
fn leaves_tool_and_system(arg: &str) -> bool {
    let value = match arg.split_once('=') {
        Some((option, value)) if option.starts_with('-') => value,
        _ => arg,
    };
    if value.starts_with('~') {
        return true;
    }
    let path = Path::new(value);
    if path.is_absolute() {
        let normal = normalise(path);
        return !SYSTEM_PREFIXES.iter().any(|p| normal.starts_with(p));
    }
    climbs_out(path)
}

/// `path` with `.` and `..` resolved by text alone (`/usr/../tmp` is `/tmp`).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A relative path whose `..` reach above the folder it is resolved in.
fn climbs_out(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for component in path.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests;
