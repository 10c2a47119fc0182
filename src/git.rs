//! git run so that nothing it reads runs a program.
//!
//! git runs programs named by configuration (hooks, fsmonitor, filters, pagers, credential
//! helpers) and reads a repository found by walking up from the workspace, which a tool
//! might have planted: so every git here runs with a cleared environment and every such
//! program switched off on its command line, whatever the system's, the user's or the
//! repository's configuration says (DESIGN §11 rule 5); a repository whose own
//! configuration names a program is reported and not used.

use std::path::Path;
use std::process::{Command, Output};

/// Given on every git command line, over every configuration file: no hook (`/dev/null`
/// holds none), no fsmonitor, no pager, no credential helper, no external diff, no
/// attributes file of the user's, no bare repository found by walking up, no transport.
const SWITCHED_OFF: [&str; 9] = [
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.pager=cat",
    "credential.helper=",
    "diff.external=",
    "core.attributesFile=/dev/null",
    "safe.bareRepository=explicit",
    "protocol.allow=never",
    "core.sshCommand=false",
];

/// What a driver named by `.gitattributes` runs; each driver the configuration defines is
/// given these empty (git then passes content through unchanged); a hook configured by name
/// (`hook.NAME.command`) the same.
const DRIVER_PROGRAMS: [(&str, &[&str]); 3] = [
    ("filter", &["clean", "smudge", "process"]),
    ("diff", &["textconv", "command"]),
    ("hook", &["command"]),
];

/// The environment git gets: the caller's `GIT_DIR`, `GIT_CONFIG_*`, `GIT_EXEC_PATH` and
/// the like never reach it; the home folder and `PATH` do, so the user's name and email are
/// found.
const KEPT_ENV: [&str; 4] = ["PATH", "HOME", "XDG_CONFIG_HOME", "USER"];
/// One setting as git reads it for `root` (its repository's, the user's, the system's), with
/// every program git could run switched off; `None` when unset or git cannot say.
pub(crate) fn config_value(root: &Path, key: &str) -> Option<String> {
    let output = Git::plain(root).output(&["config", "--get", key]).ok()?;
    output
        .status
        .success()
        .then(|| stdout(&output))
        .filter(|v| !v.is_empty())
}
/// git in one work tree, with the settings of every call.
pub(crate) struct Git<'r> {
    root: &'r Path,
    settings: Vec<String>,
}

impl<'r> Git<'r> {
    /// Every program git could run switched off, drivers not yet known.
    pub(crate) fn plain(root: &'r Path) -> Self {
        Git {
            root,
            settings: SWITCHED_OFF.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Refuses a repository whose own configuration names a program; switches off every
    /// driver any configuration defines.
    pub(crate) fn hardened(mut self) -> Result<Self, GitError> {
        let listing = self.run(&["config", "--list", "--show-scope", "-z"])?;
        let entries = config_entries(&listing.stdout);
        let named: Vec<String> = entries
            .iter()
            .filter(|(scope, _, _)| matches!(*scope, "local" | "worktree"))
            .filter(|(_, key, value)| runs_a_program(key, value))
            .map(|(_, key, _)| key.clone())
            .collect();
        if !named.is_empty() {
            let repository = self
                .run(&["rev-parse", "--absolute-git-dir"])
                .map(|o| stdout(&o))
                .unwrap_or_else(|_| self.root.display().to_string());
            return Err(GitError::RunsPrograms {
                repository,
                keys: named.join(", "),
            });
        }
        for (_, key, _) in &entries {
            let Some((section, driver, _)) = split_key(key) else {
                continue;
            };
            for (kind, programs) in DRIVER_PROGRAMS {
                if section == kind {
                    for program in programs {
                        let setting = format!("{kind}.{driver}.{program}=");
                        if !self.settings.contains(&setting) {
                            self.settings.push(setting);
                        }
                    }
                }
            }
        }
        Ok(self)
    }

    pub(crate) fn output(&self, args: &[&str]) -> std::io::Result<Output> {
        let mut command = Command::new("git");
        command.env_clear();
        for name in KEPT_ENV {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .arg("--no-pager");
        for setting in &self.settings {
            command.arg("-c").arg(setting);
        }
        command
            .arg("-C")
            .arg(self.root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
    }

    pub(crate) fn run(&self, args: &[&str]) -> Result<Output, GitError> {
        let verb = args.first().copied().unwrap_or_default().to_string();
        match self.output(args) {
            Ok(output) if output.status.success() => Ok(output),
            Ok(output) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message");
                Err(GitError::Failed {
                    verb,
                    message: last.trim().to_string(),
                })
            }
            Err(error) => Err(GitError::NotRun { verb, error }),
        }
    }
}

/// `git config --list --show-scope -z`: `scope NUL key LF value NUL`, a value-less key
/// without its `LF`. Keys come lowercased but for their middle part (`filter.Name.clean`).
fn config_entries(listing: &[u8]) -> Vec<(&str, String, String)> {
    let text = String::from_utf8_lossy(listing);
    let fields: Vec<&str> = text.split('\0').collect();
    fields
        .chunks(2)
        .filter_map(|pair| {
            let [scope, entry] = pair else { return None };
            let (key, value) = entry.split_once('\n').unwrap_or((entry, ""));
            let scope = ["system", "global", "local", "worktree", "command"]
                .into_iter()
                .find(|known| known == scope)?;
            Some((scope, key.to_string(), value.to_string()))
        })
        .collect()
}

/// `section.middle.last` of a three-part key.
fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    let (section, rest) = key.split_once('.')?;
    let (middle, last) = rest.rsplit_once('.')?;
    Some((section, middle, last))
}

/// True for a setting that names a program git or its helpers would run.
fn runs_a_program(key: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let boolean = |v: &str| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "" | "true" | "false" | "yes" | "no" | "on" | "off" | "1" | "0"
        )
    };
    match key.as_str() {
        "core.fsmonitor" => !boolean(value),
        "core.hookspath"
        | "core.sshcommand"
        | "core.pager"
        | "core.editor"
        | "core.askpass"
        | "core.gitproxy"
        | "diff.external"
        | "sequence.editor"
        | "gpg.program"
        | "credential.helper"
        | "uploadpack.packobjectshook"
        | "gpg.ssh.defaultkeycommand" => !value.is_empty(),
        _ => match split_key(&key) {
            Some(("filter", _, "clean" | "smudge" | "process"))
            | Some(("diff", _, "textconv" | "command"))
            | Some(("merge", _, "driver"))
            | Some(("gpg", _, "program"))
            | Some(("hook", _, "command"))
            | Some(("credential", _, "helper")) => !value.is_empty(),
            _ => false,
        },
    }
}

/// Why git did not commit a decision; the decision stands.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    #[error("git {verb} failed, the decision stands uncommitted: {message}")]
    Failed { verb: String, message: String },
    #[error("git {verb} could not run, the decision stands uncommitted: {error}")]
    NotRun { verb: String, error: std::io::Error },
    #[error(
        "the repository {repository} names programs git would run ({keys}): toolbench does \
         not commit there; the decision stands uncommitted"
    )]
    RunsPrograms { repository: String, keys: String },
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_read_as_scope_key_and_value() {
        let listing = b"global\0user.name\nAna\0local\0core.bare\nfalse\0local\0filter.Evil.clean\nrm -rf /\0command\0flag\0";
        let entries = config_entries(listing);
        assert_eq!(
            entries,
            [
                ("global", "user.name".to_string(), "Ana".to_string()),
                ("local", "core.bare".to_string(), "false".to_string()),
                (
                    "local",
                    "filter.Evil.clean".to_string(),
                    "rm -rf /".to_string()
                ),
                ("command", "flag".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn settings_that_name_programs_are_told_from_the_rest() {
        for (key, value) in [
            ("core.fsmonitor", "/tmp/payload"),
            ("core.hooksPath", ".githooks"),
            ("core.sshCommand", "sh -c x"),
            ("filter.lfs.process", "git-lfs filter-process"),
            ("diff.pdf.textconv", "pdftotext"),
            ("merge.ours.driver", "true"),
            ("gpg.ssh.program", "x"),
            ("credential.https://example.com.helper", "store"),
        ] {
            assert!(runs_a_program(key, value), "{key}");
        }
        for (key, value) in [
            ("core.fsmonitor", "false"),
            ("core.fsmonitor", "true"),
            ("user.name", "Ana"),
            ("core.bare", "false"),
            ("filter.lfs.required", "true"),
            ("credential.helper", ""),
        ] {
            assert!(!runs_a_program(key, value), "{key}");
        }
    }
}
