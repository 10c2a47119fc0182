//! Data exchanged between the runner and the helper: the policy going in,
//! the report coming out.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What the sandbox allows one tool run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxPolicy {
    /// The only writable directory (plus `/dev/null`); also the tool's cwd.
    pub scratch_dir: PathBuf,
    /// `RLIMIT_AS`, in MiB.
    pub memory_mb: u64,
    /// `RLIMIT_CPU`, in seconds.
    pub cpu_secs: u64,
    /// `RLIMIT_NOFILE`.
    pub max_open_files: u64,
    /// `RLIMIT_FSIZE`, in MiB.
    pub max_file_size_mb: u64,
    /// `RLIMIT_NPROC` (best effort: the kernel does not enforce it for root).
    pub max_processes: u64,
    /// `false`: no network (net namespace, Landlock TCP rules, seccomp).
    pub network: bool,
    /// Where the helper writes its JSON [`SandboxReport`] before exec.
    pub report_path: PathBuf,
}

/// Which protections were actually put in place for a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Protections {
    /// The tool runs in a new session, without a controlling terminal.
    pub session: bool,
    /// Every resource limit of the policy was set.
    pub rlimits: bool,
    /// `PR_SET_NO_NEW_PRIVS`: setuid binaries cannot raise privileges.
    pub no_new_privs: bool,
    /// A user namespace with our own uid/gid mapped.
    pub user_ns: bool,
    /// The tool's tree lives in a pid namespace that dies with the helper.
    pub pid_ns: bool,
    /// A network namespace with no interface up (only without network).
    pub net_ns: bool,
    /// Landlock ABI and enforcement, e.g. "v7 full" or "v3 partial";
    /// `None` when Landlock is unavailable.
    pub landlock: Option<String>,
    /// The seccomp socket filter (only without network).
    pub seccomp: bool,
}

impl Protections {
    /// Short human text listing the active protections, e.g.
    /// "session rlimits nnp userns pidns netns landlock(v7) seccomp".
    pub fn summary(&self) -> String {
        let flags = [
            (self.session, "session"),
            (self.rlimits, "rlimits"),
            (self.no_new_privs, "nnp"),
            (self.user_ns, "userns"),
            (self.pid_ns, "pidns"),
            (self.net_ns, "netns"),
        ];
        let mut parts: Vec<String> = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| (*name).to_string())
            .collect();
        if let Some(landlock) = &self.landlock {
            // "v7 full" is the normal case, so it reads as plain "landlock(v7)".
            let shown = landlock.strip_suffix(" full").unwrap_or(landlock);
            parts.push(format!("landlock({shown})"));
        }
        if self.seccomp {
            parts.push("seccomp".to_string());
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// What the helper tells the runner, written to `report_path` before exec
/// (and rewritten with `error` set when exec fails).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxReport {
    pub protections: Protections,
    /// Why the command could not be started, e.g. "command not found: x".
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_everything_when_all_protections_are_on() {
        let p = Protections {
            session: true,
            rlimits: true,
            no_new_privs: true,
            user_ns: true,
            pid_ns: true,
            net_ns: true,
            landlock: Some("v7 full".into()),
            seccomp: true,
        };
        assert_eq!(
            p.summary(),
            "session rlimits nnp userns pidns netns landlock(v7) seccomp"
        );
    }

    #[test]
    fn summary_shows_partial_landlock_and_omits_missing_layers() {
        let p = Protections {
            rlimits: true,
            landlock: Some("v3 partial".into()),
            ..Protections::default()
        };
        assert_eq!(p.summary(), "rlimits landlock(v3 partial)");
        assert_eq!(Protections::default().summary(), "none");
    }
}

/// Resource usage of a finished tool, written by the helper next to the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ToolUsage {
    pub max_rss_kb: u64,
    pub user_ms: u64,
    pub system_ms: u64,
}
