//! What the config files say, resolved: each section's settings as plain data. Reading and
//! checking the files, and which file may say what, is `crate::config`'s.

use std::path::PathBuf;

use serde::Deserialize;

/// `[dependencies]`: the index tools' packages are resolved from, and the `uv` that does it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependencySettings {
    /// `index`: the simple index URL (PyPI's when unset).
    pub(crate) index: Option<String>,
    /// `find_links`: folders or URLs of distributions, searched besides the index.
    pub(crate) find_links: Vec<String>,
    /// `allow_direct`: requirements naming a URL or a path may be resolved (user config only).
    pub(crate) allow_direct: bool,
    /// `uv`: the `uv` program; found on `PATH` when unset (user config only).
    pub(crate) uv: Option<PathBuf>,
    /// `max_env_mb`: the most one installed environment may take.
    pub(crate) max_env_mb: u64,
}

/// `[review] signatures`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Signatures {
    /// Seals only (a person's acceptance on this machine).
    #[default]
    Off,
    /// Sign when a key is configured; a verified statement stands for a person's acceptance.
    Sign,
    /// Nothing active runs unless a statement for exactly its content verifies.
    Require,
}

impl Signatures {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Signatures::Off => "off",
            Signatures::Sign => "sign",
            Signatures::Require => "require",
        }
    }
}

/// `[review]`: whether reviews are signed and verified, and with which key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReviewSettings {
    /// The higher of the user config's and the workspace's `signatures`: a workspace file may
    /// ask for more than the user, never for less.
    pub(crate) signatures: Signatures,
    /// What the workspace's toolbench.toml says, when it says it.
    pub(crate) workspace_signatures: Option<Signatures>,
    /// `signing_key`: from the user config only.
    pub(crate) signing_key: Option<String>,
}

/// `[web]`, from the user config only: a workspace's file, which an agent may write, could
/// otherwise point the pairing link at a server of its own, which would take the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebSettings {
    /// Where the review page is served.
    pub(crate) listen: std::net::SocketAddr,
    /// The certificate (PEM, its chain after it) and private key the page is served with over
    /// TLS; both or neither.
    pub(crate) tls: Option<TlsFiles>,
    /// The name devices reach the page by, for the links `toolbench web pair` prints; the
    /// listening address when empty.
    pub(crate) host: Option<String>,
    /// The workbench serves the page too while it runs.
    pub(crate) with_workbench: bool,
}

/// The page would be served in the clear beyond loopback, which `toolbench web` refuses: so
/// a pairing link for it is refused too, since no device could pair through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0}: not a loopback address (--listen or [web] listen), and no certificate is set to serve it over TLS: its session cookie and answers would cross the network in the clear; set [web] tls_cert and tls_key (which `web pair` reads too; `toolbench web` also takes --tls-cert and --tls-key), or listen on 127.0.0.1 and reach it through an SSH tunnel (see docs/web.md)"
)]
pub struct NotLoopback(pub std::net::SocketAddr);

impl WebSettings {
    /// Whether the page may be served as these settings say: beyond loopback only over TLS.
    pub(crate) fn check_servable(&self) -> Result<(), NotLoopback> {
        if self.tls.is_none() && !self.listen.ip().is_loopback() {
            return Err(NotLoopback(self.listen));
        }
        Ok(())
    }

    /// Where devices reach the page (`https://box.lan:7443`): by `host` when named, else at
    /// the address it listens on; `None` when that is every address and no host is named.
    pub(crate) fn page_address(&self) -> Option<String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let authority = match &self.host {
            Some(host) => format!("{host}:{}", self.listen.port()),
            None if self.listen.ip().is_unspecified() => return None,
            None => self.listen.to_string(),
        };
        Some(format!("{scheme}://{authority}"))
    }
}

/// `host` as the name devices reach the review page by, or why it is none.
pub(crate) fn web_host(host: &str) -> Result<String, String> {
    if host.is_empty() || host.contains(['/', ':', '?', '#', '@', ' ']) {
        return Err(format!(
            "{host:?} is not a host name (e.g. \"box.example.net\", no scheme or port)"
        ));
    }
    Ok(host.to_string())
}

/// The link that redeems a pairing `code` on the page at `page` (`WebSettings::page_address`).
pub(crate) fn pairing_link(page: &str, code: &str) -> String {
    format!("{page}/pair?code={code}")
}

/// A certificate and its private key, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

/// `[validate]`: the inputs validation tries besides a tool's own test cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateSettings {
    /// Inputs generated from the input schema.
    pub(crate) generated_cases: u64,
    /// Distinct inputs of the parent's run history replayed against parent and candidate.
    pub(crate) replay_cases: u64,
    /// Seconds the generated and replayed runs of one validation may take together.
    pub(crate) budget_secs: u64,
}

impl ValidateSettings {
    /// `assets/config.toml`'s values, for a validation whose config cannot be read (it still
    /// reports why, in its checks).
    pub(crate) const DEFAULT: ValidateSettings = ValidateSettings {
        generated_cases: 50,
        replay_cases: 50,
        budget_secs: 60,
    };
}

/// `[approvals]`: what makes an agent's call wait for a human besides its cost tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApprovalSettings {
    /// An unanswered call is rejected after this many seconds.
    pub(crate) timeout_secs: u64,
    /// `[[approvals.ask]] tool = "name"`: tools whose every call waits.
    pub(crate) ask_tools: Vec<String>,
}

/// `[mcp] max_sessions` and `session_idle_secs`: what one HTTP gateway holds for its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionLimits {
    /// Sessions open at once; an `initialize` over it is refused.
    pub(crate) max_sessions: u64,
    /// A session with no request, answer or open stream for this long is closed.
    pub(crate) idle_secs: u64,
}

/// `[mcp] task_after_secs` and `task_ttl_secs`: MCP calls answered with a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskSettings {
    /// A call of a tool whose timeout is longer than this, or whose median run is longer
    /// than a third of it, is answered with a task (when the client takes tasks).
    pub(crate) after_secs: u64,
    /// How long a task and its result are kept from its creation.
    pub(crate) ttl_secs: u64,
}

/// `[services]`: where `auto` ports come from and how long launch, send and stop wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServiceSettings {
    /// `port_range = "50000-60000"`, inclusive.
    pub(crate) port_range: (u16, u16),
    pub(crate) health_timeout_secs: u64,
    pub(crate) send_timeout_secs: u64,
    /// Between SIGTERM and SIGKILL when stopping.
    pub(crate) stop_grace_secs: u64,
    /// The most an instance's stdout and stderr logs hold on disk together, in MiB.
    pub(crate) log_mb: u64,
}

/// `[run]`: limits for the whole process tree of every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RunLimits {
    /// Processes of one run at once.
    pub(crate) max_processes: u64,
    /// Size of a run's scratch folder (and `/tmp`), in MiB.
    pub(crate) disk_mb: u64,
}

/// A configuration file that cannot be taken, in one line naming the file, the line and the
/// field.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub(crate) String);
