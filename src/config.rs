//! Configuration: built-in defaults (`assets/config.toml`), then the user config file, then the
//! workspace's `toolbench.toml`, each layer overriding the one before.
//!
//! Every error names the file, the line and the field.

use std::path::{Path, PathBuf};

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Unexpected, Visitor};

use crate::catalog::manifest::key_line;
use crate::catalog::scan::ScanLimits;
use crate::io_text::read_text_capped;
use crate::model::SortOrder;
use crate::model::admission::{Preset, RunPolicy};
use crate::model::settings::ConfigError;
use crate::model::settings::{
    ApprovalSettings, DependencySettings, ReviewSettings, RunLimits, ServiceSettings,
    SessionLimits, Signatures, TaskSettings, TlsFiles, ValidateSettings, WebSettings, web_host,
};
use crate::notify::webhook::Webhook;
use crate::text::located;
use crate::user_dirs::config_dir;

/// A workspace's own settings, at its root.
pub(crate) const WORKSPACE_CONFIG: &str = "toolbench.toml";

const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub(crate) preset: Preset,
    /// Who decides in reviews; `$USER` when unset.
    pub(crate) reviewer: String,
    pub(crate) sort: SortOrder,
    /// `[ui] mouse`: the workbench takes the mouse (click, wheel, double-click).
    pub(crate) mouse: bool,
    /// `[ui] bell`: the terminal bell rings when something new waits for a person.
    pub(crate) bell: bool,
    /// `[evolve] command`: the evolver argv (DESIGN §4); empty means evolve makes a plain copy.
    pub(crate) evolve_command: Vec<String>,
    /// `[git] auto_commit`: each review decision becomes a commit when the root is in git.
    pub(crate) git_auto_commit: bool,
    /// `[evolve] network`: the evolver may reach the network (LLM clients need it).
    pub(crate) evolve_network: bool,
    /// `[evolve] pass_env`: names of variables the evolver gets from toolbench's environment.
    pub(crate) evolve_pass_env: Vec<String>,
    /// `[run]` limits every sandboxed run shares.
    pub(crate) run: RunLimits,
    /// `[sandbox] hide`: more paths a run sees empty, on top of the built-in list.
    pub(crate) sandbox_hide: Vec<PathBuf>,
    /// `[catalog]`: how large a tool folder the scan reads.
    pub(crate) catalog: ScanLimits,
    /// `[mcp] max_proposal_kb`: the most an agent's proposal may hold, manifest and files.
    pub(crate) max_proposal_kb: u64,
    /// `[mcp]` sessions of `toolbench mcp --http`: how many, and how long one may sit idle.
    pub(crate) mcp_sessions: SessionLimits,
    /// `[mcp]` tasks: which calls answer with a task, and how long a task is kept.
    pub(crate) mcp_tasks: TaskSettings,
    /// `[services]`: ports and waits of long-running tools.
    pub(crate) services: ServiceSettings,
    /// `[review]`: signed reviews.
    pub(crate) review: ReviewSettings,
    /// `[approvals]`: which agent calls wait for a human, and for how long.
    pub(crate) approvals: ApprovalSettings,
    /// `[validate]`: how many inputs validation makes and replays, and the time it may take.
    pub(crate) validate: ValidateSettings,
    /// `[web]`: where `toolbench web` serves the review page, how, and where its links point.
    pub(crate) web: WebSettings,
    /// `[notify] webhook`: told when something starts waiting for a person (user config only).
    pub(crate) notify_webhook: Option<Webhook>,
    /// `[dependencies]`: where tools' packages come from and what builds them.
    pub(crate) dependencies: DependencySettings,
    /// `[project] path` of the workspace's toolbench.toml, made absolute: the project its tools
    /// work on, once a person accepted it on this machine (`workspace::project`).
    pub(crate) project_path: Option<PathBuf>,
}

/// One file's worth of settings; absent fields leave the lower layer alone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigLayer {
    preset: Option<Preset>,
    reviewer: Option<String>,
    ui: Option<UiLayer>,
    evolve: Option<EvolveLayer>,
    git: Option<GitLayer>,
    run: Option<RunLayer>,
    sandbox: Option<SandboxLayer>,
    catalog: Option<CatalogLayer>,
    mcp: Option<McpLayer>,
    services: Option<ServicesLayer>,
    approvals: Option<ApprovalsLayer>,
    validate: Option<ValidateLayer>,
    review: Option<ReviewLayer>,
    web: Option<WebLayer>,
    notify: Option<NotifyLayer>,
    dependencies: Option<DependenciesLayer>,
    project: Option<ProjectLayer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectLayer {
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyLayer {
    webhook: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DependenciesLayer {
    index: Option<String>,
    find_links: Option<List<String>>,
    allow_direct: Option<bool>,
    uv: Option<PathBuf>,
    max_env_mb: Option<Bounded<1, 1_048_576>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebLayer {
    listen: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    host: Option<String>,
    with_workbench: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewLayer {
    signatures: Option<Signatures>,
    signing_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateLayer {
    generated_cases: Option<Bounded<0, 10_000>>,
    replay_cases: Option<Bounded<0, 10_000>>,
    budget_secs: Option<Bounded<1, 3600>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesLayer {
    port_range: Option<String>,
    health_timeout_secs: Option<Bounded<1, 3600>>,
    send_timeout_secs: Option<Bounded<1, 86_400>>,
    stop_grace_secs: Option<Bounded<0, 600>>,
    // From 1 MiB (a quarter per file still holds many lines) to 64 GiB.
    log_mb: Option<Bounded<1, 65_536>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalsLayer {
    timeout_secs: Option<Bounded<1, 604_800>>,
    ask: Option<Vec<AskLayer>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AskLayer {
    tool: AskedTool,
}

/// `[[approvals.ask]] tool`, trimmed, checked as it is read so its error names its line.
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
struct AskedTool(String);

impl TryFrom<String> for AskedTool {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        match name.trim() {
            "" => Err("the tool name is empty"),
            name => Ok(AskedTool(name.to_string())),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct McpLayer {
    max_proposal_kb: Option<Bounded<1, 1_048_576>>,
    max_sessions: Option<Bounded<1, 65_536>>,
    session_idle_secs: Option<Bounded<1, 604_800>>,
    task_after_secs: Option<Bounded<1, 86_400>>,
    task_ttl_secs: Option<Bounded<1, 604_800>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogLayer {
    // Up to 1 TiB and 10 million files: past that a limit protects nothing.
    max_tool_mb: Option<Bounded<1, 1_048_576>>,
    max_tool_files: Option<Bounded<1, 10_000_000>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunLayer {
    max_processes: Option<Bounded<1, 65_536>>,
    disk_mb: Option<Bounded<1, 1_048_576>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SandboxLayer {
    hide: Option<List<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvolveLayer {
    command: Option<List<String>>,
    network: Option<bool>,
    pass_env: Option<List<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitLayer {
    auto_commit: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiLayer {
    sort: Option<SortSetting>,
    mouse: Option<bool>,
    bell: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SortSetting {
    Name,
    Tier,
    Quality,
}

/// A whole number from `MIN` to `MAX`, checked as it is read, so a value out of range is
/// named at its line in the words a value of the wrong kind is.
#[derive(Debug, Clone, Copy)]
struct Bounded<const MIN: u64, const MAX: u64>(u64);

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Range<const MIN: u64, const MAX: u64>;
        impl<const MIN: u64, const MAX: u64> Visitor<'_> for Range<MIN, MAX> {
            type Value = u64;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a whole number from {MIN} to {MAX}")
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<u64, E> {
                if (MIN..=MAX).contains(&n) {
                    Ok(n)
                } else {
                    Err(E::invalid_value(Unexpected::Unsigned(n), &self))
                }
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<u64, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(n), &self)),
                }
            }
        }
        deserializer.deserialize_u64(Range::<MIN, MAX>).map(Bounded)
    }
}

/// A list whose errors say what its items are: serde says only "a sequence".
#[derive(Debug)]
struct List<T>(Vec<T>);

/// What the items of a `List` are, in its errors.
trait Items {
    const NAME: &'static str;
}

impl Items for String {
    const NAME: &'static str = "strings";
}

impl Items for PathBuf {
    const NAME: &'static str = "paths";
}

impl<'de, T: Deserialize<'de> + Items> Deserialize<'de> for List<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Seq<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Items> Visitor<'de> for Seq<T> {
            type Value = Vec<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of {}", T::NAME)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(items)
            }
        }
        deserializer.deserialize_seq(Seq(PhantomData)).map(List)
    }
}

/// A settings file being applied: its text, for the line of a field its errors name, and
/// whether it is a workspace's (which travels with the tools).
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    workspace: bool,
}

impl Source<'_> {
    /// `why` about `field` (`table.key`), at the line that sets it, else that of its table.
    fn error(&self, field: &str, why: impl fmt::Display) -> ConfigError {
        let keys: Vec<&str> = field.split('.').collect();
        let line = (1..=keys.len())
            .rev()
            .find_map(|n| key_line(self.text, &keys[..n]));
        ConfigError(located(self.path, line, Some(field), &why.to_string()))
    }

    /// Refuses `field` in a workspace's toolbench.toml: agents write the workspace and it
    /// travels with the tools, so what would let them `what` is the user config's alone.
    fn user_only(&self, field: &str, what: &str) -> Result<(), ConfigError> {
        if !self.workspace {
            return Ok(());
        }
        Err(self.error(
            field,
            format_args!(
                "a workspace file cannot {what} (it travels with the tools); set it in the \
                 user config"
            ),
        ))
    }
}

impl Config {
    /// Loads defaults, the user config and the workspace config of `root`.
    pub fn load(root: &Path) -> Result<Self, ConfigError> {
        let mut config = Self::defaults()?;
        if let Some(dir) = config_dir() {
            config.apply_file(&dir.join("config.toml"))?;
        }
        config.apply_layer(&root.join(WORKSPACE_CONFIG), true)?;
        Ok(config)
    }

    pub(crate) fn defaults() -> Result<Self, ConfigError> {
        let mut config = Config {
            preset: Preset::Default,
            reviewer: String::new(),
            sort: SortOrder::Name,
            mouse: true,
            bell: true,
            evolve_command: Vec::new(),
            git_auto_commit: false,
            evolve_network: false,
            evolve_pass_env: Vec::new(),
            run: RunLimits {
                max_processes: 256,
                disk_mb: 1024,
            },
            sandbox_hide: Vec::new(),
            catalog: ScanLimits::default(),
            max_proposal_kb: 1024,
            mcp_sessions: SessionLimits {
                max_sessions: 64,
                idle_secs: 600,
            },
            mcp_tasks: TaskSettings {
                after_secs: 30,
                ttl_secs: 3600,
            },
            services: ServiceSettings {
                port_range: (50000, 60000),
                health_timeout_secs: 10,
                send_timeout_secs: 30,
                stop_grace_secs: 5,
                log_mb: 16,
            },
            approvals: ApprovalSettings {
                timeout_secs: 600,
                ask_tools: Vec::new(),
            },
            validate: ValidateSettings::DEFAULT,
            review: ReviewSettings::default(),
            web: WebSettings {
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 7878)),
                tls: None,
                host: None,
                with_workbench: false,
            },
            notify_webhook: None,
            project_path: None,
            dependencies: DependencySettings {
                max_env_mb: 1024,
                ..DependencySettings::default()
            },
        };
        config.apply_text(DEFAULT_CONFIG, Path::new("assets/config.toml"), false)?;
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        self.apply_layer(path, false)
    }

    fn apply_layer(&mut self, path: &Path, workspace: bool) -> Result<(), ConfigError> {
        if !path.exists() {
            return Ok(());
        }
        let text = read_text_capped(path, MAX_CONFIG_BYTES)
            .map_err(|reason| ConfigError(format!("{}: {reason}", path.display())))?;
        self.apply_text(&text, path, workspace)
    }

    /// Applies one file's settings; `workspace`: the workspace's toolbench.toml, which travels
    /// with the tools (agents write it), and so may make a setting stricter, never looser: it
    /// may not lower `[review] signatures`, the preset, the validation's cases or budget, nor
    /// raise a limit, and may not name who decides, the evolver or a signing key.
    fn apply_text(&mut self, text: &str, path: &Path, workspace: bool) -> Result<(), ConfigError> {
        let layer: ConfigLayer = toml::from_str(text)
            .map_err(|e| ConfigError(crate::text::describe_toml_error(path, text, &e)))?;
        let source = Source {
            path,
            text,
            workspace,
        };
        if let Some(review) = layer.review {
            if let Some(mode) = review.signatures {
                if workspace {
                    self.review.workspace_signatures = Some(mode);
                    self.review.signatures = self.review.signatures.max(mode);
                } else {
                    self.review.signatures = mode;
                }
            }
            if let Some(key) = review.signing_key {
                source.user_only("review.signing_key", "name the signing key")?;
                self.review.signing_key = Some(key).filter(|k| !k.trim().is_empty());
            }
        }
        // A limit from the workspace only lowers the user's; a validation's cases and budget
        // only rise.
        let limit = |current: u64, value: u64| if workspace { current.min(value) } else { value };
        let thorough =
            |current: u64, value: u64| if workspace { current.max(value) } else { value };
        if let Some(preset) = layer.preset {
            self.preset = if workspace {
                self.preset.min(preset)
            } else {
                preset
            };
        }
        if let Some(reviewer) = layer.reviewer {
            let what = "name who decides (the history and the audit log record it)";
            source.user_only("reviewer", what)?;
            self.reviewer = reviewer;
        }
        if let Some(evolve) = layer.evolve {
            if evolve.command.is_some() || evolve.network.is_some() || evolve.pass_env.is_some() {
                let what = "choose the evolver, its network or its environment";
                source.user_only("evolve", what)?;
            }
            if let Some(List(command)) = evolve.command {
                self.evolve_command = command;
            }
            if let Some(network) = evolve.network {
                self.evolve_network = network;
            }
            if let Some(List(names)) = evolve.pass_env {
                self.evolve_pass_env = names;
            }
        }
        if let Some(run) = layer.run {
            if let Some(Bounded(n)) = run.max_processes {
                self.run.max_processes = limit(self.run.max_processes, n);
            }
            if let Some(Bounded(mb)) = run.disk_mb {
                self.run.disk_mb = limit(self.run.disk_mb, mb);
            }
        }
        if let Some(catalog) = layer.catalog {
            if let Some(Bounded(mb)) = catalog.max_tool_mb {
                self.catalog.max_tool_bytes = limit(self.catalog.max_tool_bytes, mb * 1024 * 1024);
            }
            if let Some(Bounded(n)) = catalog.max_tool_files {
                self.catalog.max_tool_files = limit(self.catalog.max_tool_files, n);
            }
        }
        if let Some(validate) = layer.validate {
            let v = &mut self.validate;
            if let Some(Bounded(n)) = validate.generated_cases {
                v.generated_cases = thorough(v.generated_cases, n);
            }
            if let Some(Bounded(n)) = validate.replay_cases {
                v.replay_cases = thorough(v.replay_cases, n);
            }
            if let Some(Bounded(secs)) = validate.budget_secs {
                v.budget_secs = thorough(v.budget_secs, secs);
            }
        }
        if let Some(mcp) = layer.mcp {
            if let Some(Bounded(kb)) = mcp.max_proposal_kb {
                self.max_proposal_kb = limit(self.max_proposal_kb, kb);
            }
            if let Some(Bounded(n)) = mcp.max_sessions {
                self.mcp_sessions.max_sessions = n;
            }
            if let Some(Bounded(secs)) = mcp.session_idle_secs {
                self.mcp_sessions.idle_secs = secs;
            }
            if let Some(Bounded(secs)) = mcp.task_after_secs {
                self.mcp_tasks.after_secs = secs;
            }
            if let Some(Bounded(secs)) = mcp.task_ttl_secs {
                self.mcp_tasks.ttl_secs = secs;
            }
        }
        if let Some(deps) = layer.dependencies {
            if let Some(Bounded(mb)) = deps.max_env_mb {
                self.dependencies.max_env_mb = limit(self.dependencies.max_env_mb, mb);
            }
            self.apply_dependencies(deps, &source)?;
        }
        if let Some(url) = layer.notify.and_then(|notify| notify.webhook) {
            source.user_only("notify.webhook", "name the webhook told of what waits")?;
            let webhook =
                Webhook::parse(&url).map_err(|why| source.error("notify.webhook", why))?;
            self.notify_webhook = Some(webhook);
        }
        if let Some(web) = layer.web {
            self.apply_web(web, &source)?;
        }
        if let Some(project) = layer.project.and_then(|project| project.path) {
            self.project_path = Some(project_path(&source, &project)?);
        }
        if let Some(services) = layer.services {
            if let Some(range) = services.port_range {
                self.services.port_range = parse_port_range(&range).ok_or_else(|| {
                    source.error(
                        "services.port_range",
                        format_args!(
                            "{range:?} is not of the form \"50000-60000\" (two ports from 1 to \
                             65535, low first)"
                        ),
                    )
                })?;
            }
            let s = &mut self.services;
            if let Some(Bounded(mb)) = services.log_mb {
                s.log_mb = limit(s.log_mb, mb);
            }
            if let Some(Bounded(secs)) = services.health_timeout_secs {
                s.health_timeout_secs = secs;
            }
            if let Some(Bounded(secs)) = services.send_timeout_secs {
                s.send_timeout_secs = secs;
            }
            if let Some(Bounded(secs)) = services.stop_grace_secs {
                s.stop_grace_secs = secs;
            }
        }
        if let Some(approvals) = layer.approvals {
            if let Some(Bounded(secs)) = approvals.timeout_secs {
                self.approvals.timeout_secs = secs;
            }
            for ask in approvals.ask.unwrap_or_default() {
                self.approvals.ask_tools.push(ask.tool.0);
            }
        }
        if let Some(List(hide)) = layer.sandbox.and_then(|s| s.hide) {
            if let Some(bad) = hide.iter().find(|p| !p.is_absolute()) {
                let why = format_args!("{} is not an absolute path", bad.display());
                return Err(source.error("sandbox.hide", why));
            }
            self.sandbox_hide.extend(hide);
        }
        if let Some(auto_commit) = layer.git.and_then(|g| g.auto_commit) {
            self.git_auto_commit = auto_commit;
        }
        let ui = layer.ui.unwrap_or_default();
        if let Some(sort) = ui.sort {
            self.sort = match sort {
                SortSetting::Name => SortOrder::Name,
                SortSetting::Tier => SortOrder::Tier,
                SortSetting::Quality => SortOrder::Quality,
            };
        }
        if let Some(mouse) = ui.mouse {
            self.mouse = mouse;
        }
        if let Some(bell) = ui.bell {
            self.bell = bell;
        }
        Ok(())
    }

    /// What the admission rule (`model::admission`) reads from this configuration.
    pub(crate) fn run_policy(&self) -> RunPolicy {
        RunPolicy {
            preset: self.preset,
            ask_tools: self.approvals.ask_tools.clone(),
        }
    }

    /// Who decides: `reviewer` from the config, else the login name (`$USER`, `$LOGNAME`),
    /// else the name of this process's user in the user database, else `uid N`.
    pub(crate) fn reviewer_name(&self) -> String {
        if !self.reviewer.trim().is_empty() {
            return self.reviewer.trim().to_string();
        }
        ["USER", "LOGNAME"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|name| !name.trim().is_empty())
            .or_else(user_name)
            .unwrap_or_else(|| format!("uid {}", rustix::process::getuid().as_raw()))
    }
}

/// The name of this process's user in the user database, when it has one.
impl Config {
    fn apply_web(&mut self, web: WebLayer, source: &Source<'_>) -> Result<(), ConfigError> {
        let field = |name: &str, why: String| source.error(&format!("web.{name}"), why);
        let named = [
            ("web.listen", web.listen.is_some()),
            ("web.tls_cert", web.tls_cert.is_some()),
            ("web.tls_key", web.tls_key.is_some()),
            ("web.host", web.host.is_some()),
            ("web.with_workbench", web.with_workbench.is_some()),
        ];
        for (name, _) in named.iter().filter(|(_, set)| *set) {
            source.user_only(
                name,
                "set where the review page is served or where its pairing links lead",
            )?;
        }
        if let Some(listen) = web.listen {
            self.web.listen = listen.parse().map_err(|_| {
                field(
                    "listen",
                    format!("{listen:?} is not an address and port (e.g. \"127.0.0.1:7878\")"),
                )
            })?;
        }
        let non_empty = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
        match (non_empty(web.tls_cert), non_empty(web.tls_key)) {
            (Some(cert), Some(key)) => {
                self.web.tls = Some(TlsFiles {
                    cert: expand_home(&cert),
                    key: expand_home(&key),
                });
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(field("tls_key", "missing: tls_cert needs its key".into()));
            }
            (None, Some(_)) => {
                return Err(field(
                    "tls_cert",
                    "missing: tls_key needs its certificate".into(),
                ));
            }
        }
        if let Some(host) = non_empty(web.host) {
            self.web.host = Some(web_host(&host).map_err(|why| field("host", why))?);
        }
        if let Some(with_workbench) = web.with_workbench {
            self.web.with_workbench = with_workbench;
        }
        Ok(())
    }
}

/// `path` with a leading `~/` taken as the home folder.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn user_name() -> Option<String> {
    user_record(|record| {
        (!record.pw_name.is_null())
            // SAFETY: `pw_name` points to a NUL-terminated string inside the record's buffer,
            // alive while this closure runs.
            .then(|| unsafe { std::ffi::CStr::from_ptr(record.pw_name) })
            .and_then(|name| name.to_str().ok().map(str::to_string))
    })
}

/// The home folder of this process's user in the user database, whatever `HOME` says (a
/// snap or a test may set another).
pub(crate) fn user_home() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    user_record(|record| {
        (!record.pw_dir.is_null())
            // SAFETY: `pw_dir` points to a NUL-terminated string inside the record's buffer,
            // alive while this closure runs.
            .then(|| unsafe { std::ffi::CStr::from_ptr(record.pw_dir) })
            .map(|dir| PathBuf::from(std::ffi::OsStr::from_bytes(dir.to_bytes())))
            .filter(|dir| dir.is_absolute())
    })
}

/// Reads this process's user's record of the user database with `read`, while its strings
/// are alive.
fn user_record<T>(read: impl FnOnce(&libc::passwd) -> Option<T>) -> Option<T> {
    let uid = rustix::process::getuid().as_raw();
    // SAFETY: `passwd` is plain data (integers and pointers); all-zero is a valid value,
    // which getpwuid_r overwrites.
    let mut record: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 4096];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `record` and `buffer`, both ours and sized as given, and
    // sets `found` to `&mut record` or null.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &mut record,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return None;
    }
    read(&record)
}

/// `"LOW-HIGH"`, both ports from 1 to 65535, `LOW <= HIGH`.
fn parse_port_range(text: &str) -> Option<(u16, u16)> {
    let (low, high) = text.split_once('-')?;
    let low: u16 = low.trim().parse().ok()?;
    let high: u16 = high.trim().parse().ok()?;
    (low > 0 && low <= high).then_some((low, high))
}

/// `[project] path` of the file at `path`, against the workspace it lies in. Only a workspace's
/// file names one: the user config is every workspace's.
fn project_path(source: &Source<'_>, project: &Path) -> Result<PathBuf, ConfigError> {
    let field_error = |why: &str| source.error("project.path", why);
    if !source.workspace {
        return Err(field_error(
            "the user config is every workspace's; name a workspace's project in its toolbench.toml",
        ));
    }
    if project.as_os_str().is_empty() {
        return Err(field_error("is empty; name the project's folder"));
    }
    let workspace_root = source.path.parent().unwrap_or(Path::new("/"));
    Ok(workspace_root.join(project))
}

impl Config {
    /// `[dependencies]`; `workspace`: a file that travels with the tools, which may name an
    /// index or links but never loosen what is resolved (`allow_direct`) or choose the
    /// program that resolves (`uv`).
    fn apply_dependencies(
        &mut self,
        deps: DependenciesLayer,
        source: &Source<'_>,
    ) -> Result<(), ConfigError> {
        let field_error =
            |field: &str, why: &str| source.error(&format!("dependencies.{field}"), why);
        if deps.allow_direct.is_some() {
            let what = "allow direct URL or path requirements";
            source.user_only("dependencies.allow_direct", what)?;
        }
        if deps.uv.is_some() {
            let what = "choose the program that resolves packages";
            source.user_only("dependencies.uv", what)?;
        }
        if let Some(index) = deps.index {
            crate::model::deps::check_index(&index).map_err(|why| field_error("index", &why))?;
            self.dependencies.index = Some(index);
        }
        if let Some(List(links)) = deps.find_links {
            for link in &links {
                crate::model::deps::check_find_links(link, source.workspace)
                    .map_err(|why| field_error("find_links", &why))?;
            }
            self.dependencies.find_links = links;
        }
        if let Some(allow) = deps.allow_direct {
            self.dependencies.allow_direct = allow;
        }
        if let Some(uv) = deps.uv {
            if !uv.is_absolute() {
                return Err(field_error(
                    "uv",
                    "must be an absolute path to the uv program",
                ));
            }
            self.dependencies.uv = Some(uv);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::settings::pairing_link;

    #[test]
    fn the_page_is_reached_by_its_host_else_its_address_and_over_https_with_tls() {
        let mut web = WebSettings {
            listen: "127.0.0.1:7878".parse().expect("address"),
            tls: None,
            host: None,
            with_workbench: false,
        };
        assert_eq!(web.page_address().as_deref(), Some("http://127.0.0.1:7878"));
        web.listen = "0.0.0.0:7443".parse().expect("address");
        assert_eq!(web.page_address(), None, "every address names no page");
        web.host = Some("box.example.net".into());
        web.tls = Some(TlsFiles {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        });
        let page = web.page_address().expect("named");
        assert_eq!(page, "https://box.example.net:7443");
        assert_eq!(
            pairing_link(&page, "c0de"),
            "https://box.example.net:7443/pair?code=c0de"
        );
    }

    #[test]
    fn defaults_come_from_assets() {
        let config = Config::defaults().expect("defaults parse");
        assert_eq!(config.preset, Preset::Default);
        assert_eq!(config.sort, SortOrder::Name);
        assert_eq!(config.catalog, ScanLimits::default());
    }

    #[test]
    fn catalog_limits_are_bounded_and_named_in_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        std::fs::write(&path, "[catalog]\nmax_tool_mb = 2\nmax_tool_files = 50\n").expect("write");
        let mut config = Config::defaults().expect("defaults");
        config.apply_file(&path).expect("valid");
        assert_eq!(
            config.catalog,
            ScanLimits {
                max_tool_bytes: 2 * 1024 * 1024,
                max_tool_files: 50
            }
        );
        std::fs::write(&path, "[catalog]\nmax_tool_files = 0\n").expect("write");
        let err = config.apply_file(&path).expect_err("zero").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `catalog.max_tool_files`: expected a whole number from 1 \
                 to 10000000, found 0"
            ),
            "{err}"
        );
    }

    #[test]
    fn service_settings_are_checked_and_named_in_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.services.port_range, (50000, 60000));
        assert_eq!(config.services.health_timeout_secs, 10);
        std::fs::write(
            &path,
            "[services]\nport_range = \"4000-4010\"\nsend_timeout_secs = 2\n",
        )
        .expect("write");
        config.apply_file(&path).expect("valid");
        assert_eq!(config.services.port_range, (4000, 4010));
        assert_eq!(config.services.send_timeout_secs, 2);
        std::fs::write(&path, "[services]\nport_range = \"9000-80\"\n").expect("write");
        let err = config.apply_file(&path).expect_err("reversed").to_string();
        assert!(
            err.contains("field `services.port_range`: \"9000-80\""),
            "{err}"
        );
    }

    #[test]
    fn service_log_budget_defaults_to_16_mib_and_bad_values_name_file_and_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.services.log_mb, 16);
        std::fs::write(&path, "[services]\nlog_mb = 4\n").expect("write");
        config.apply_file(&path).expect("valid");
        assert_eq!(config.services.log_mb, 4);
        std::fs::write(&path, "[services]\nlog_mb = 0\n").expect("write");
        let err = config.apply_file(&path).expect_err("zero").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `services.log_mb`: expected a whole number from 1 to \
                 65536, found 0"
            ),
            "{err}"
        );
        std::fs::write(&path, "[services]\nlog_mb = \"big\"\n").expect("write");
        let err = config.apply_file(&path).expect_err("text").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `services.log_mb`: expected a whole number from 1 to \
                 65536, found \"big\""
            ),
            "{err}"
        );
    }

    #[test]
    fn workspace_file_overrides_and_errors_name_file_line_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        std::fs::write(&path, "preset = \"full\"\n[ui]\nsort = \"tier\"\n").expect("write");
        let mut config = Config::defaults().expect("defaults");
        config.apply_file(&path).expect("valid");
        assert_eq!(
            (config.preset, config.sort),
            (Preset::Full, SortOrder::Tier)
        );

        std::fs::write(&path, "[ui]\nmouse = false\nbell = false\n").expect("write");
        config.apply_file(&path).expect("valid");
        assert!(!config.mouse && !config.bell);
        std::fs::write(&path, "[ui]\nmouse = \"off\"\n").expect("write");
        let err = config
            .apply_file(&path)
            .expect_err("not a bool")
            .to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `ui.mouse`: expected true or false, found \"off\""
            ),
            "{err}"
        );

        std::fs::write(&path, "reviewer = \"ana\"\npreset = \"fast\"\n").expect("write");
        let err = config
            .apply_file(&path)
            .expect_err("bad preset")
            .to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `preset`: expected one of: minimal, default, full, found \
                 \"fast\""
            ),
            "{err}"
        );

        std::fs::write(&path, "prest = \"full\"\n").expect("write");
        let err = config
            .apply_file(&path)
            .expect_err("unknown field")
            .to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:1: field `prest`: unknown field; expected one of: preset, \
                 reviewer, ui, evolve, git, run, sandbox, catalog, mcp, services, approvals, \
                 validate, review, web, notify, dependencies, project"
            ),
            "{err}"
        );
    }

    /// Each mistake is named at its line, with its table, in the words a person reads: what
    /// is expected and what was given, the same in the user config as in a workspace's file.
    #[test]
    fn every_mistake_names_its_line_field_and_what_is_expected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let workspace = dir.path().join(WORKSPACE_CONFIG);
        let user = dir.path().join("config.toml");
        let processes = "field `run.max_processes`: expected a whole number from 1 to 65536";
        for (text, said) in [
            (
                "preset = 5\n",
                "1: field `preset`: expected a string or a table, found 5".to_string(),
            ),
            (
                "\npreset = \"turbo\"\n",
                "2: field `preset`: expected one of: minimal, default, full, found \"turbo\""
                    .to_string(),
            ),
            (
                "[run]\nmax_processes = \"many\"\n",
                format!("2: {processes}, found \"many\""),
            ),
            (
                "[run]\nmax_processes = -1\n",
                format!("2: {processes}, found -1"),
            ),
            (
                "[run]\nmax_processes = 1e3\n",
                format!("2: {processes}, found 1e3"),
            ),
            (
                "[run]\n\nmax_processes = 0\n",
                format!("3: {processes}, found 0"),
            ),
            (
                "[sandbox]\nhide = \"/srv\"\n",
                "2: field `sandbox.hide`: expected a list of paths, found \"/srv\"".to_string(),
            ),
            (
                "[sandbox]\nhide = [\"/srv\", 7]\n",
                "2: field `sandbox.hide`: expected a path, found 7".to_string(),
            ),
            (
                "[sandbox]\nhide = [\n  \"srv\",\n]\n",
                "2: field `sandbox.hide`: srv is not an absolute path".to_string(),
            ),
            (
                "[dependencies]\nfind_links = \"https://example.com/w\"\n",
                "2: field `dependencies.find_links`: expected a list of strings, found \
                 \"https://example.com/w\""
                    .to_string(),
            ),
            (
                "[services]\nport_range = \"9000-80\"\n",
                "2: field `services.port_range`: \"9000-80\" is not of the form \"50000-60000\" \
                 (two ports from 1 to 65535, low first)"
                    .to_string(),
            ),
        ] {
            for path in [&workspace, &user] {
                std::fs::write(path, text).expect("write");
                let mut config = Config::defaults().expect("defaults");
                let err = config
                    .apply_layer(path, path == &workspace)
                    .expect_err(text)
                    .to_string();
                assert_eq!(err, format!("{}:{said}", path.display()), "{text}");
            }
        }
        let lists = "[evolve]\nnetwork = false\ncommand = \"python3 ev.py\"\n";
        std::fs::write(&user, lists).expect("write");
        let err = Config::defaults()
            .expect("defaults")
            .apply_file(&user)
            .expect_err("a string")
            .to_string();
        assert!(
            err.ends_with(
                "config.toml:3: field `evolve.command`: expected a list of strings, found \
                 \"python3 ev.py\""
            ),
            "{err}"
        );
    }

    #[test]
    fn mcp_task_settings_default_and_are_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(
            config.mcp_tasks,
            TaskSettings {
                after_secs: 30,
                ttl_secs: 3600
            }
        );
        std::fs::write(&path, "[mcp]\ntask_after_secs = 5\ntask_ttl_secs = 60\n").expect("write");
        config.apply_file(&path).expect("valid");
        assert_eq!(
            config.mcp_tasks,
            TaskSettings {
                after_secs: 5,
                ttl_secs: 60
            }
        );
        std::fs::write(&path, "[mcp]\ntask_ttl_secs = 0\n").expect("write");
        let err = config.apply_file(&path).expect_err("zero").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `mcp.task_ttl_secs`: expected a whole number from 1 to \
                 604800, found 0"
            ),
            "{err}"
        );
    }

    #[test]
    fn mcp_session_limits_default_and_are_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(
            config.mcp_sessions,
            SessionLimits {
                max_sessions: 64,
                idle_secs: 600
            }
        );
        std::fs::write(&path, "[mcp]\nmax_sessions = 3\nsession_idle_secs = 2\n").expect("write");
        config.apply_file(&path).expect("valid");
        assert_eq!(
            config.mcp_sessions,
            SessionLimits {
                max_sessions: 3,
                idle_secs: 2
            }
        );
        std::fs::write(&path, "[mcp]\nmax_sessions = 0\n").expect("write");
        let err = config.apply_file(&path).expect_err("zero").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `mcp.max_sessions`: expected a whole number from 1 to \
                 65536, found 0"
            ),
            "{err}"
        );
    }

    #[test]
    fn the_review_page_listens_where_web_listen_says_and_a_bad_address_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.web.listen.to_string(), "127.0.0.1:7878");
        std::fs::write(&path, "[web]\nlisten = \"[::1]:9000\"\n").expect("write");
        config.apply_file(&path).expect("valid");
        assert_eq!(config.web.listen.to_string(), "[::1]:9000");
        std::fs::write(&path, "[web]\nlisten = \"localhost\"\n").expect("write");
        let err = config.apply_file(&path).expect_err("no port").to_string();
        assert!(
            err.ends_with("toolbench.toml:2: field `web.listen`: \"localhost\" is not an address and port (e.g. \"127.0.0.1:7878\")"),
            "{err}"
        );
    }

    #[test]
    fn web_settings_come_from_the_user_config_only_and_tls_takes_both_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let user = dir.path().join("config.toml");
        let workspace = dir.path().join(WORKSPACE_CONFIG);
        let mut config = Config::defaults().expect("defaults");
        std::fs::write(
            &user,
            "[web]\nlisten = \"0.0.0.0:7443\"\ntls_cert = \"/etc/tb/cert.pem\"\ntls_key = \"/etc/tb/key.pem\"\nhost = \"box.example.net\"\n",
        )
        .expect("write");
        config.apply_file(&user).expect("user");
        assert_eq!(config.web.listen.to_string(), "0.0.0.0:7443");
        assert_eq!(
            config.web.tls,
            Some(TlsFiles {
                cert: "/etc/tb/cert.pem".into(),
                key: "/etc/tb/key.pem".into()
            })
        );
        assert_eq!(config.web.host.as_deref(), Some("box.example.net"));
        for (text, field) in [
            ("listen = \"127.0.0.1:9999\"", "web.listen"),
            ("tls_cert = \"/tmp/c\"", "web.tls_cert"),
            ("tls_key = \"/tmp/k\"", "web.tls_key"),
            ("host = \"evil.example\"", "web.host"),
            ("with_workbench = true", "web.with_workbench"),
        ] {
            std::fs::write(&workspace, format!("[web]\n{text}\n")).expect("write");
            let err = config
                .apply_layer(&workspace, true)
                .expect_err("a workspace's [web] is refused")
                .to_string();
            assert!(
                err.contains(&format!(
                    "toolbench.toml:2: field `{field}`: a workspace file cannot"
                )),
                "{err}"
            );
        }
        assert_eq!(config.web.host.as_deref(), Some("box.example.net"));
        for (text, needle) in [
            ("tls_cert = \"/c.pem\"", "field `web.tls_key`: missing"),
            ("tls_key = \"/k.pem\"", "field `web.tls_cert`: missing"),
            (
                "host = \"https://box:1\"",
                "field `web.host`: \"https://box:1\" is not a host name",
            ),
        ] {
            let mut config = Config::defaults().expect("defaults");
            std::fs::write(&user, format!("[web]\n{text}\n")).expect("write");
            let err = config.apply_file(&user).expect_err("refused").to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn approvals_list_asked_tools_and_name_bad_fields() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(WORKSPACE_CONFIG);
        let text = "[approvals]\ntimeout_secs = 30\n\n[[approvals.ask]]\ntool = \"deploy\"\n";
        std::fs::write(&path, text).expect("write");
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.approvals.timeout_secs, 600);
        config.apply_file(&path).expect("valid");
        assert_eq!(config.approvals.timeout_secs, 30);
        assert_eq!(config.approvals.ask_tools, ["deploy"]);

        std::fs::write(&path, "[[approvals.ask]]\ntool = \" \"\n").expect("write");
        let err = config.apply_file(&path).expect_err("empty").to_string();
        assert!(
            err.ends_with("toolbench.toml:2: field `approvals.ask.tool`: the tool name is empty"),
            "{err}"
        );
        std::fs::write(&path, "[[approvals.ask]]\nname = \"x\"\n").expect("write");
        let err = config.apply_file(&path).expect_err("unknown").to_string();
        assert!(
            err.ends_with(
                "toolbench.toml:2: field `approvals.ask.name`: unknown field; expected tool"
            ),
            "{err}"
        );
    }

    /// The workspace's file travels with the tools (agents write it): it makes what it sets
    /// stricter or is refused, never looser than the user config.
    #[test]
    fn a_workspace_file_only_makes_settings_stricter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let user = dir.path().join("config.toml");
        let workspace = dir.path().join("toolbench.toml");
        let mut config = Config::defaults().expect("defaults");
        std::fs::write(
            &user,
            "preset = \"default\"\n[validate]\ngenerated_cases = 5\n[run]\ndisk_mb = 512\n",
        )
        .expect("write");
        config.apply_file(&user).expect("user");
        let loose = "preset = \"full\"\n[validate]\ngenerated_cases = 0\nreplay_cases = 0\n\
                     budget_secs = 1\n[run]\ndisk_mb = 4096\nmax_processes = 60000\n\
                     [catalog]\nmax_tool_mb = 100000\nmax_tool_files = 9000000\n\
                     [mcp]\nmax_proposal_kb = 1000000\n[dependencies]\nmax_env_mb = 100000\n\
                     [services]\nlog_mb = 60000\n";
        std::fs::write(&workspace, loose).expect("write");
        let settings = |c: &Config| {
            (
                c.preset,
                c.validate,
                c.run,
                c.catalog,
                c.max_proposal_kb,
                c.dependencies.max_env_mb,
                c.services.log_mb,
            )
        };
        let before = settings(&config);
        config.apply_layer(&workspace, true).expect("workspace");
        let after = settings(&config);
        assert_eq!(after, before, "nothing loosened");
        let strict = "preset = \"minimal\"\n[validate]\ngenerated_cases = 9\n[run]\ndisk_mb = 64\n";
        std::fs::write(&workspace, strict).expect("write");
        config.apply_layer(&workspace, true).expect("workspace");
        assert_eq!(config.preset, Preset::Minimal);
        assert_eq!(config.validate.generated_cases, 9);
        assert_eq!(config.run.disk_mb, 64);
        for (text, field) in [
            ("reviewer = \"alice (security lead)\"\n", "reviewer"),
            ("[evolve]\ncommand = [\"python3\", \"ev.py\"]\n", "evolve"),
            ("[evolve]\nnetwork = true\n", "evolve"),
            (
                "[evolve]\npass_env = [\"AWS_SECRET_ACCESS_KEY\"]\n",
                "evolve",
            ),
        ] {
            std::fs::write(&workspace, text).expect("write");
            let err = config
                .apply_layer(&workspace, true)
                .expect_err(text)
                .to_string();
            assert!(
                err.contains(&format!(
                    "toolbench.toml:1: field `{field}`: a workspace file cannot"
                )),
                "{err}"
            );
            std::fs::write(&user, text).expect("write");
            config.apply_file(&user).expect("the user's own config may");
        }
    }

    #[test]
    fn a_workspace_file_may_raise_signatures_but_never_lower_them_or_name_a_key() {
        use Signatures as Mode;
        let dir = tempfile::tempdir().expect("tempdir");
        let user = dir.path().join("config.toml");
        let workspace = dir.path().join("toolbench.toml");
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.review.signatures, Mode::Off);
        std::fs::write(
            &user,
            "[review]\nsignatures = \"sign\"\nsigning_key = \"~/.ssh/k\"\n",
        )
        .expect("write");
        config.apply_file(&user).expect("user");
        std::fs::write(&workspace, "[review]\nsignatures = \"off\"\n").expect("write");
        config.apply_layer(&workspace, true).expect("workspace");
        assert_eq!(config.review.signatures, Mode::Sign, "not lowered");
        assert_eq!(config.review.workspace_signatures, Some(Mode::Off));
        std::fs::write(&workspace, "[review]\nsignatures = \"require\"\n").expect("write");
        config.apply_layer(&workspace, true).expect("workspace");
        assert_eq!(config.review.signatures, Mode::Require, "raised");
        assert_eq!(config.review.signing_key.as_deref(), Some("~/.ssh/k"));
        std::fs::write(&workspace, "[review]\nsigning_key = \"/tmp/evil\"\n").expect("write");
        let err = config
            .apply_layer(&workspace, true)
            .expect_err("a key")
            .to_string();
        assert!(
            err.ends_with("toolbench.toml:2: field `review.signing_key`: a workspace file cannot name the signing key (it travels with the tools); set it in the user config"),
            "{err}"
        );
        std::fs::write(&workspace, "[review]\nsignatures = \"maybe\"\n").expect("write");
        let err = config
            .apply_layer(&workspace, true)
            .expect_err("bad mode")
            .to_string();
        assert!(err.contains("toolbench.toml:2"), "{err}");
    }

    #[test]
    fn only_the_user_config_names_the_webhook_and_only_an_http_url() {
        let dir = tempfile::tempdir().expect("tempdir");
        let user = dir.path().join("config.toml");
        let workspace = dir.path().join("toolbench.toml");
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(config.notify_webhook, None, "none unless configured");
        std::fs::write(&user, "[notify]\nwebhook = \"http://127.0.0.1:8080/tb\"\n").expect("write");
        config.apply_file(&user).expect("user");
        let hook = config.notify_webhook.clone().expect("a webhook");
        assert_eq!(hook.url(), "http://127.0.0.1:8080/tb");

        std::fs::write(&workspace, "[notify]\nwebhook = \"http://10.0.0.1/x\"\n").expect("write");
        let err = config
            .apply_layer(&workspace, true)
            .expect_err("a workspace's webhook")
            .to_string();
        assert!(
            err.ends_with("toolbench.toml:2: field `notify.webhook`: a workspace file cannot name the webhook told of what waits (it travels with the tools); set it in the user config"),
            "{err}"
        );
        assert_eq!(config.notify_webhook, Some(hook), "left as the user set it");

        for (url, why) in [
            ("ftp://example.com/x", "is not an http:// URL"),
            ("http://exa mple.com/", "is not a URL"),
            ("https://ntfy.sh/toolbench", "https is not supported"),
        ] {
            std::fs::write(&user, format!("[notify]\nwebhook = \"{url}\"\n")).expect("write");
            let err = config.apply_file(&user).expect_err(url).to_string();
            assert!(
                err.contains("config.toml:2: field `notify.webhook`: "),
                "{err}"
            );
            assert!(err.contains(why) && !err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn the_user_database_names_this_process_s_user() {
        let id = std::process::Command::new("id").arg("-un").output();
        let Ok(id) = id else {
            return;
        };
        let expected = String::from_utf8_lossy(&id.stdout).trim().to_string();
        if id.status.success() && !expected.is_empty() {
            assert_eq!(user_name().as_deref(), Some(expected.as_str()));
        }
    }
}
