//! The security scan of `[run]` in `tool.toml`: what the sandbox is asked to start.
//!
//! Three rules, all errors, because each one undoes a promise of the manifest: `command` is
//! an argv that never goes through a shell, it runs a program of the tool or of the system,
//! and the environment carries settings, not code.
//!
//! - `manifest-shell-c`: the command is a shell given a command string (`sh -c`, `bash -lc`,
//!   also behind `env`, `/usr/bin/env`, `env -S`, `busybox`).
//! - `manifest-loader-env`: an `env` name that makes a loader or interpreter load code or
//!   look for programs elsewhere (`LD_*`, `PYTHONPATH`, `NODE_OPTIONS`, `BASH_ENV`, `PATH`, …).
//! - `manifest-command-outside`: the program or a path argument lies outside the tool folder
//!   (a relative path climbing out with `..`, `~`) and outside the system's program folders
//!   (an absolute path not under `/usr`, `/bin`, `/sbin` or `/opt`).

use std::path::{Component, Path, PathBuf};

use crate::catalog::manifest::{MANIFEST_FILE, key_line};
use crate::model::Manifest;
use crate::review::validate::{CheckKind, Finding, FindingSeverity};

pub const MANIFEST_SHELL_C: &str = "manifest-shell-c";
pub const MANIFEST_LOADER_ENV: &str = "manifest-loader-env";
pub const MANIFEST_COMMAND_OUTSIDE: &str = "manifest-command-outside";

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "ash", "yash", "posh", "fish", "csh",
    "tcsh", "rbash",
];

/// Programs that start the program named by a later argument.
const LAUNCHERS: &[&str] = &["env", "busybox", "toybox"];

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

/// Scans the manifest's `[run]`; `text` is `tool.toml` as written, for line numbers (absent
/// for an inferred manifest).
pub fn scan_manifest(manifest: &Manifest, text: Option<&str>) -> Vec<Finding> {
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
    let command_line = line(&["run", "command"]);
    let mut findings = Vec::new();
    if let Some(shell) = shell_with_command_string(command) {
        findings.push(finding(
            MANIFEST_SHELL_C,
            command_line,
            format!("command runs `{shell} -c`: a shell command string instead of an argv"),
        ));
    }
    if let Some(path) = command.iter().find(|arg| leaves_tool_and_system(arg)) {
        findings.push(finding(
            MANIFEST_COMMAND_OUTSIDE,
            command_line,
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

/// The shell's name when the command (after launchers) is a shell with `-c`.
fn shell_with_command_string(command: &[String]) -> Option<String> {
    let argv = unwrap_launchers(command.to_vec());
    let (program, args) = argv.split_first()?;
    let name = file_name(program);
    if !SHELLS.contains(&name.as_str()) {
        return None;
    }
    // Options come before the script; `-c` may be clustered (`-ec`, `-lc`) or spelt out.
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if ["-o", "+o", "-O", "+O"].contains(&arg.as_str()) {
            args.next();
            continue;
        }
        let short_c = arg.starts_with('-')
            && !arg.starts_with("--")
            && arg[1..].chars().all(|c| c.is_ascii_alphabetic())
            && arg.contains('c');
        if short_c || arg == "--command" {
            return Some(name);
        }
        if !arg.starts_with('-') && !arg.starts_with('+') {
            break;
        }
    }
    None
}

/// Drops `env` (with its options and assignments; `-S` strings are split as env does),
/// `busybox` and `toybox` from the front of an argv.
fn unwrap_launchers(mut argv: Vec<String>) -> Vec<String> {
    // Bounded: each round removes at least the launcher itself.
    while let Some(program) = argv.first() {
        let name = file_name(program);
        if !LAUNCHERS.contains(&name.as_str()) {
            break;
        }
        let mut rest: Vec<String> = argv[1..].to_vec();
        if name == "env" {
            rest = env_operands(rest);
        }
        argv = rest;
    }
    argv
}

/// What `env` runs: its arguments after options and `NAME=VALUE` assignments.
fn env_operands(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            out.extend(iter);
            break;
        }
        if let Some(split) = arg
            .strip_prefix("--split-string=")
            .or_else(|| arg.strip_prefix("-S").filter(|s| !s.is_empty()))
        {
            out.extend(split.split_whitespace().map(String::from));
            out.extend(iter);
            break;
        }
        if arg == "-S" || arg == "--split-string" {
            let split = iter.next().unwrap_or_default();
            out.extend(split.split_whitespace().map(String::from));
            out.extend(iter);
            break;
        }
        // Options that take a value as the next argument.
        if ["-u", "--unset", "-C", "--chdir"].contains(&arg.as_str()) {
            iter.next();
            continue;
        }
        if arg.starts_with('-') || arg.contains('=') {
            continue;
        }
        out.push(arg);
        out.extend(iter);
        break;
    }
    out
}

fn file_name(program: &str) -> String {
    Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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
