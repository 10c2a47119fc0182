//! The shared nouns: tiers, cost tiers, categories, manifests and catalog entries.
//!
//! Everything here is plain data. Parsing lives in `catalog::manifest`, persistence in `store`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub(crate) mod admission;
pub mod audit;
pub(crate) mod calls;
mod capability;
pub use capability::Capability;
pub mod catalog;
pub use catalog::{Catalog, LookupError, SortOrder};
pub(crate) mod decided;
pub(crate) mod decisions;
pub mod deps;
pub(crate) mod devices;
pub mod failure_report;
pub mod health;
pub(crate) mod input_schema;
pub mod proposals;
pub mod protections;
pub(crate) mod python_version;
pub mod quality;
pub mod requests;
pub mod review_command;
pub(crate) mod review_queue;
pub mod run_error;
pub mod run_job;
pub mod run_output;
pub(crate) mod scan_event;
pub mod seals;
pub(crate) mod store_error;
pub mod validation_report;
pub mod watch_error;
pub use store_error::StoreError;
pub mod service_definition;
pub mod services;
pub mod settings;
pub(crate) mod signers;
pub(crate) mod suggestions;
pub mod words;
pub use words::Words;
pub(crate) mod tasks;
mod tool_id;
pub use tool_id::ToolId;
pub(crate) use tool_id::{MAX_NAME_BYTES, NAME_RULE, ToolIdError, is_valid_name};

/// A word that is none of a string enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {value:?} (expected one of {expected})")]
pub struct UnknownValue {
    pub(crate) value: String,
    /// The accepted spellings, comma-separated.
    pub(crate) expected: String,
}

/// Declares a string-backed enum with its canonical spellings, `FromStr`, `Display` and serde.
/// Used for every enum whose spelling is a contract (manifests, JSON output, the store).
/// The enum is `pub` unless a visibility comes before its name.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $crate::model::string_enum! { $(#[$meta])* pub $name { $($variant => $text),+ } }
    };
    ($(#[$meta:meta])* $vis:vis $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            $vis const ALL: &'static [$name] = &[$($name::$variant),+];

            $vis fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The accepted spellings, for error messages.
            $vis fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::model::UnknownValue {
                        value: other.to_string(),
                        expected: Self::expected(),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

mod permissions;
pub(crate) use permissions::{
    ANYWHERE, DeclaredPermissions, HostPort, Network, PathBase, Permissions, ProjectAccess,
    declared_path,
};

/// Where the workspace came from, for the status bar and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootSource {
    /// `--root` or `TOOLBENCH_ROOT`.
    Flag,
    /// `./tools`, a workspace in the working folder.
    LocalTools,
    /// The workspace in the user data folder.
    UserData,
}

/// What a first frame shows of the cached index (`Store::index_head`): the first rows of the
/// Catalog and Review panes, and every tier's count.
#[derive(Debug)]
pub(crate) struct IndexHead {
    /// The first rows of the Catalog pane and of the Review pane, each once.
    pub(crate) entries: Vec<ToolEntry>,
    /// Tools in each tier, in tier order, all of them.
    pub(crate) counts: [(Tier, usize); 4],
}

string_enum! {
    /// Where a tool lives; the folder name under the workspace root.
    Tier { Core => "core", Approved => "approved", Experimental => "experimental", Archived => "archived" }
}

impl Tier {
    /// `(tier, count)` pairs added up by tier, one sum for each of `Tier::ALL` in its order (a
    /// tier not given counts 0): the one shape of the per-tier counts, from a catalog or from
    /// the index.
    pub(crate) fn tally(counted: impl IntoIterator<Item = (Tier, usize)>) -> [(Tier, usize); 4] {
        let mut counts: [(Tier, usize); 4] = std::array::from_fn(|i| (Tier::ALL[i], 0));
        for (tier, n) in counted {
            if let Some(slot) = counts.iter_mut().find(|(t, _)| *t == tier) {
                slot.1 += n;
            }
        }
        counts
    }
}

string_enum! {
    /// How expensive or dangerous a tool is to run.
    CostTier { Low => "low", Medium => "medium", High => "high", Prohibited => "prohibited" }
}

string_enum! {
    Category {
        Core => "core", Filesystem => "filesystem", Git => "git", Search => "search", Web => "web",
        Database => "database", Docker => "docker", Testing => "testing",
        Refactoring => "refactoring", Data => "data", Custom => "custom",
    }
}

string_enum! {
    /// How a run hands its input to the tool.
    InputMode { StdinJson => "stdin-json", Args => "args", None => "none" }
}

string_enum! {
    Origin { Ai => "ai", Human => "human" }
}

string_enum! {
    /// How a run ended. `BadInput`: the tool refused its input as the contract lets it (exit
    /// code 65, `runner::BAD_INPUT_EXIT`): the caller's mistake, not the tool's failure.
    RunStatus {
        Ok => "ok", Failed => "failed", Timeout => "timeout", Limit => "limit",
        SchemaViolation => "schema_violation", SandboxError => "sandbox_error", Cancelled => "cancelled",
        Abandoned => "abandoned", Unavailable => "unavailable", BadInput => "bad_input",
    }
}

string_enum! {
    /// How bad a failure is; decides how much it lowers quality.
    Severity { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
}

string_enum! {
    /// Who started a run or recorded a failure.
    RunOrigin { Tui => "tui", Cli => "cli", Mcp => "mcp", Validation => "validation" }
}

impl Tier {
    pub fn dir_name(self) -> &'static str {
        self.as_str()
    }

    /// Core and approved: the tiers whose tools a person accepted, which run for agents with
    /// what they declare and carry seals. The rest is unreviewed code.
    pub(crate) fn is_active(self) -> bool {
        matches!(self, Tier::Core | Tier::Approved)
    }
}

/// The `[run]` section: how to execute the tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunSpec {
    pub(crate) command: Vec<String>,
    pub(crate) input: InputMode,
    pub(crate) timeout_secs: u64,
    pub(crate) memory_mb: u64,
    pub(crate) env: BTreeMap<String, String>,
}

impl RunSpec {
    pub(crate) const DEFAULT_TIMEOUT_SECS: u64 = 30;
    pub(crate) const DEFAULT_MEMORY_MB: u64 = 256;
    /// A run is a request, not a daemon: one day at most.
    pub(crate) const TIMEOUT_SECS_RANGE: std::ops::RangeInclusive<u64> = 1..=86_400;
    /// Enough for an interpreter to start; at most 1 TiB, summed over the process tree.
    pub(crate) const MEMORY_MB_RANGE: std::ops::RangeInclusive<u64> = 16..=1_048_576;
}

/// The `[provenance]` section: who made the tool and from what.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Provenance {
    pub(crate) origin: Option<Origin>,
    pub(crate) generator: Option<String>,
    pub(crate) created: Option<String>,
    /// The tool this one evolved from; always with a version.
    pub(crate) parent: Option<ToolId>,
    pub(crate) hint: Option<String>,
}

/// The `[service]` section of a long-running tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ServiceSpec {
    /// The adapter messages go through (`type`); only `generic` exists.
    pub(crate) kind: String,
    /// `"auto"` or a fixed port number, as written.
    pub(crate) port: String,
    pub(crate) health_check: String,
    pub(crate) launch_args: Vec<String>,
    /// Who defined it with `tools define` or `tools import`.
    pub(crate) defined_by: Option<String>,
}

impl ServiceSpec {
    /// The only adapter: one JSON line in, one line out.
    pub(crate) const GENERIC: &'static str = "generic";
}

/// The `[mcp]` section: how agents see the tool, and hints about what a call does. Unset
/// hints are derived from what the manifest declares when the tool is listed over MCP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct McpHints {
    /// The title agents show (`CSV to JSON`); derived from the name when unset.
    #[serde(default)]
    pub(crate) title: Option<String>,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) open_world: Option<bool>,
    /// `ask = true`: every call from an agent waits for a human's answer, whatever its cost.
    #[serde(default)]
    pub(crate) ask: bool,
    /// `task = "required"`: agents' calls are answered only as MCP tasks; `None` is `auto`.
    #[serde(default)]
    pub(crate) task: Option<TaskUse>,
}

string_enum! {
    /// `[mcp] task`: when an agent's call is answered with an MCP task. `auto` when the call
    /// may be long or waits for a human (and the client takes tasks); `required` always, and
    /// a client that does not take tasks is refused.
    TaskUse { Auto => "auto", Required => "required" }
}

/// A JSON Schema, either written inline in `tool.toml` or referenced by `schema_file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum SchemaSource {
    /// The schema as JSON text: parsed when a run or the launch dialog needs it, because a
    /// parsed tree per tool costs kilobytes across a catalog of thousands.
    Inline(String),
    File(String),
}

/// The file name of a tool's manifest in its folder.
pub(crate) const MANIFEST_FILE: &str = "tool.toml";

/// A checked `tool.toml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    /// Shared with the catalog's entry of the tool (as are its keywords and capabilities):
    /// one copy of each across thousands of tools.
    pub(crate) description: Arc<str>,
    pub(crate) category: Category,
    pub cost_tier: CostTier,
    pub(crate) idempotent: bool,
    pub(crate) keywords: Words,
    pub(crate) capabilities: Words,
    pub(crate) use_cases: Vec<String>,
    pub(crate) run: RunSpec,
    pub(crate) input_schema: Option<SchemaSource>,
    pub(crate) output_schema: Option<SchemaSource>,
    pub(crate) provenance: Provenance,
    pub(crate) service: Option<ServiceSpec>,
    pub(crate) mcp: McpHints,
    /// What of the machine it may read, write and reach (`[run] network = true` is read as
    /// `network = ["*"]`).
    pub(crate) permissions: Permissions,
    /// True when toolbench wrote this manifest for a bare script.
    pub(crate) inferred: bool,
    /// `[dependencies]`: where its packages come from (what it needs is in its files).
    #[serde(default)]
    pub(crate) dependencies: deps::ManifestDependencies,
}

/// Hex digits of a content hash shown to people: enough to tell versions apart and to pass
/// back as `--hash`.
pub(crate) const SHOWN_HASH_LEN: usize = 12;

/// The first [`SHOWN_HASH_LEN`] digits of a content hash.
pub(crate) fn short_hash(hash: &str) -> &str {
    hash.get(..SHOWN_HASH_LEN).unwrap_or(hash)
}

/// One tool as the catalog knows it: enough to list, search and sort without touching disk.
///
/// A tool whose manifest is broken still has an entry: `manifest` is `None`, `error` says why,
/// and the listing fields hold whatever could be recovered (at least the folder name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolEntry {
    pub tier: Tier,
    /// The tool folder, or the script file of a bare script with an inferred manifest.
    pub path: PathBuf,
    pub name: String,
    pub version: String,
    /// The manifest's own, shared with it (as are keywords and capabilities), so a catalog
    /// of thousands holds each once.
    pub description: Arc<str>,
    pub category: Option<Category>,
    pub cost_tier: Option<CostTier>,
    pub keywords: Words,
    pub capabilities: Words,
    pub inferred: bool,
    /// blake3 over the tool's relative paths and contents.
    pub content_hash: String,
    pub error: Option<String>,
    /// The folder is over a `[catalog]` limit: it was not read, and stays out of validation
    /// until it shrinks (`error` says by how much).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub oversized: bool,
    /// The folder's metadata fingerprint when `content_hash` was computed (`scan::hash`).
    #[serde(skip)]
    pub fingerprint: String,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub manifest: Option<Arc<Manifest>>,
    /// The first file or folder of the tool (relative to it; `""` is the folder) that other
    /// users may write, as the folder was last read: such content is not frozen.
    #[serde(skip)]
    pub writable_by_others: Option<PathBuf>,
    /// The folder held a package lock (`pylock.toml`) when last listed (a bare script: its
    /// tier folder, which it runs from): only such a tool has an environment for a listing
    /// to look up.
    #[serde(skip)]
    pub has_lock: bool,
    /// For an active tool: how its content stands against what a person accepted (`None`:
    /// as accepted, or not known yet). Filled in by `seal::SealBook::mark`. Boxed, as
    /// `signature` is: most entries have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Box<Drift>>,
    /// For an active tool with signatures on: its signed review. Filled in by
    /// `seal::SealBook::mark`. Boxed: most entries have none, and inline it was a quarter of
    /// every entry (96 of 408 bytes), in each of the lists of 10,000 a listing makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Box<Signature>>,
}

/// How an active tool's content stands against its seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Drift {
    /// Its files changed since a person accepted them.
    Modified {
        approved_version: String,
        approved_hash: String,
    },
    /// No person accepted any content for it here.
    Unapproved,
    /// The workspace was never opened here: no person accepted its active tools yet
    /// (`toolbench accept`, or the workbench's question).
    NotAccepted,
    /// `signatures = "require"` and no statement of its content exists.
    Unsigned,
    /// `signatures = "require"` and the statements of its name are of other content.
    SignedOtherContent {
        version: String,
        content_hash: String,
    },
    /// `signatures = "require"` and the statement of its content does not verify.
    SignatureInvalid { reason: String },
    /// `signatures = "require"` and the statement is signed by nobody allowed here.
    SignerNotAllowed { principal: String, reason: String },
}

/// How an active tool's signed review stands (DESIGN §11 rule 6), with signatures on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Signature {
    /// A statement for exactly its content verifies against an allowed signer.
    Signed {
        principal: String,
        at: String,
        decision: String,
        /// `SHA256:…` of the key that signed.
        key: String,
    },
    /// No statement for its name.
    Unsigned,
    /// Statements exist for its name, none for its content (the newest named).
    OtherContent {
        version: String,
        content_hash: String,
    },
    /// A statement for its content exists but does not verify.
    Invalid { reason: String },
    /// A good signature by someone this machine does not trust for it.
    SignerNotAllowed { principal: String, reason: String },
}

impl Signature {
    pub(crate) fn is_signed(&self) -> bool {
        matches!(self, Signature::Signed { .. })
    }

    /// What it means for a run where signatures are required: `None` when it verifies.
    pub(crate) fn drift(&self) -> Option<Drift> {
        match self {
            Signature::Signed { .. } => None,
            Signature::Unsigned => Some(Drift::Unsigned),
            Signature::OtherContent {
                version,
                content_hash,
            } => Some(Drift::SignedOtherContent {
                version: version.clone(),
                content_hash: content_hash.clone(),
            }),
            Signature::Invalid { reason } => Some(Drift::SignatureInvalid {
                reason: reason.clone(),
            }),
            Signature::SignerNotAllowed { principal, reason } => Some(Drift::SignerNotAllowed {
                principal: principal.clone(),
                reason: reason.clone(),
            }),
        }
    }

    /// A few words: `signed by ana@example.com`, `unsigned`, `signature invalid`.
    pub(crate) fn label(&self) -> String {
        match self {
            Signature::Signed { principal, .. } => {
                format!("signed by {}", crate::text::visible(principal))
            }
            Signature::Unsigned => "unsigned".into(),
            Signature::OtherContent { version, .. } => {
                format!(
                    "signed for other content ({})",
                    crate::text::visible(version)
                )
            }
            Signature::Invalid { .. } => "signature invalid".into(),
            Signature::SignerNotAllowed { principal, .. } => format!(
                "signed by {}, not an allowed signer here",
                crate::text::visible(principal)
            ),
        }
    }

    /// The reason in one line, for a refusal.
    pub(crate) fn reason(&self) -> String {
        match self {
            Signature::Invalid { reason } | Signature::SignerNotAllowed { reason, .. } => {
                reason.clone()
            }
            other => other.label(),
        }
    }
}

/// What a person does about an active tool that will not run until they look at it; each
/// front end names its own way to do it (the CLI its commands, the workbench its keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Awaits {
    /// Its content changed since it was approved: the change is sent to review, or approved
    /// where it is.
    Change,
    /// No approval of it is on record: it is sent to review, or approved where it is.
    Review,
    /// The workspace was never opened here: its active tools are accepted first.
    Acceptance,
    /// Signatures are required and no allowed reviewer's signed review covers its content: a
    /// reviewer looks at it and approves it where it is, which signs it.
    Signature,
}

impl Drift {
    /// What a person does about it.
    pub(crate) fn awaits(&self) -> Awaits {
        match self {
            Drift::Modified { .. } => Awaits::Change,
            Drift::Unapproved => Awaits::Review,
            Drift::NotAccepted => Awaits::Acceptance,
            Drift::Unsigned
            | Drift::SignedOtherContent { .. }
            | Drift::SignatureInvalid { .. }
            | Drift::SignerNotAllowed { .. } => Awaits::Signature,
        }
    }

    /// What an agent is told of a modified tool: that a person must review it, never how to
    /// approve it (agents have shells).
    pub(crate) const MODIFIED_FOR_AGENT: &str = "its content was changed since a person approved it; a person must review the change in toolbench before it runs again";
    /// What an agent is told of a tool nobody approved here.
    pub(crate) const UNAPPROVED_FOR_AGENT: &str = "no person approved it in this workspace; a person must review it in toolbench before it runs";
    /// What an agent is told of a tool of a workspace nobody accepted here yet.
    /// What an agent is told of a tool no allowed reviewer signed, where signatures are
    /// required.
    pub(crate) const UNSIGNED_FOR_AGENT: &str = "no allowed reviewer signed a review of its content; a person must review it in toolbench before it runs";
    pub(crate) const NOT_ACCEPTED_FOR_AGENT: &str = "this workspace was never opened here; a person must accept its tools in toolbench before any of them runs";

    /// A few words for a catalog row: `modified since approval`, `not approved here`.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Drift::Modified { .. } => "modified since approval",
            Drift::Unapproved => "not approved here",
            Drift::NotAccepted => "workspace not accepted yet",
            Drift::Unsigned => "unsigned",
            Drift::SignedOtherContent { .. } => "signed for other content",
            Drift::SignatureInvalid { .. } => "signature invalid",
            Drift::SignerNotAllowed { .. } => "signer not allowed",
        }
    }

    /// The review's signature is what is wrong, not the seal.
    pub(crate) fn is_signature(&self) -> bool {
        matches!(
            self,
            Drift::Unsigned
                | Drift::SignedOtherContent { .. }
                | Drift::SignatureInvalid { .. }
                | Drift::SignerNotAllowed { .. }
        )
    }

    /// A person looks at this tool on its own (resubmits it or approves it where it is): not
    /// so while the whole workspace waits to be accepted, which is one act for every tool.
    pub(crate) fn awaits_its_review(&self) -> bool {
        !matches!(self, Drift::NotAccepted)
    }

    /// Why it does not run, as an agent is told.
    pub(crate) fn for_agent(&self) -> &'static str {
        match self {
            Drift::Modified { .. } => Self::MODIFIED_FOR_AGENT,
            Drift::Unapproved => Self::UNAPPROVED_FOR_AGENT,
            Drift::NotAccepted => Self::NOT_ACCEPTED_FOR_AGENT,
            Drift::Unsigned
            | Drift::SignedOtherContent { .. }
            | Drift::SignatureInvalid { .. }
            | Drift::SignerNotAllowed { .. } => Self::UNSIGNED_FOR_AGENT,
        }
    }
}

impl ToolEntry {
    /// The catalog's order: by name, then tier, then version.
    pub(crate) fn name_order(&self, other: &ToolEntry) -> std::cmp::Ordering {
        (&self.name, self.tier, &self.version).cmp(&(&other.name, other.tier, &other.version))
    }

    /// The folder the tool runs from: its own folder, or the folder of a bare script.
    pub(crate) fn folder(&self) -> PathBuf {
        if self.path.is_file() {
            self.path.parent().map(PathBuf::from).unwrap_or_default()
        } else {
            self.path.clone()
        }
    }

    /// `name@version`, the identity the CLI accepts; a broken tool, whose version is not
    /// known, by its name alone (never `name@?`), as [`ToolId`] spells it.
    pub(crate) fn id(&self) -> String {
        ToolId::of(self).to_string()
    }

    /// The identity as a [`ToolId`], to hand to a lookup or a decision.
    pub(crate) fn tool_id(&self) -> ToolId {
        ToolId::of(self)
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.error.is_some()
    }
}

/// One recorded run (DESIGN §3). `id` is 0 until the store assigns one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub tool: String,
    pub version: String,
    pub tier: Tier,
    /// The input as given (JSON text, or empty for `input = "none"`).
    pub input: String,
    /// RFC 3339 UTC, e.g. `2026-11-21T10:00:00.123Z`.
    pub started_at: String,
    pub duration_ms: u64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub peak_memory_kb: Option<u64>,
    pub bytes_out: u64,
    pub status: RunStatus,
    pub origin: RunOrigin,
    /// The MCP client that asked for the run (its `clientInfo.name`), for runs from MCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The project the tool worked on, for a tool that declares one (`[permissions]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Folder holding `stdout.log` and `stderr.log`, relative to the workspace root.
    pub log_dir: Option<String>,
    /// Active sandbox protections, as `Protections::summary` text.
    pub sandbox: String,
    /// Why the run did not succeed, in one line (stderr tail, timeout, schema error …).
    pub error: Option<String>,
}

impl RunRecord {
    /// The exit code, `sig N` for a run a signal ended, or `-`.
    pub(crate) fn exit_label(&self) -> String {
        match (self.exit_code, self.signal) {
            (Some(code), _) => code.to_string(),
            (None, Some(signal)) => format!("sig {signal}"),
            (None, None) => "-".into(),
        }
    }
}

/// One recorded failure: automatic for a failed run, or marked by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub id: i64,
    pub tool: String,
    pub version: String,
    pub severity: Severity,
    pub scenario: String,
    pub error: String,
    pub origin: RunOrigin,
    /// RFC 3339 UTC.
    pub at: String,
    pub run_id: Option<i64>,
    /// A negative tag such as `not-for-json`, when the reporter gave one.
    pub tag: Option<String>,
}

#[cfg(test)]
impl ToolEntry {
    /// A well-formed entry with empty details, for tests to adjust with `..`.
    pub(crate) fn fixture(tier: Tier, name: &str) -> Self {
        ToolEntry {
            tier,
            path: format!("/ws/{tier}/{name}").into(),
            name: name.into(),
            version: "1.0.0".into(),
            description: Default::default(),
            category: None,
            cost_tier: None,
            keywords: Default::default(),
            capabilities: Default::default(),
            inferred: false,
            content_hash: String::new(),
            error: None,
            oversized: false,
            fingerprint: String::new(),
            warnings: vec![],
            manifest: None,
            writable_by_others: None,
            has_lock: false,
            drift: None,
            signature: None,
        }
    }
}

/// A tool's identity taken from its catalog entry, and whether an entry is the tool an id
/// names: here beside `ToolEntry`, so that `tool_id` needs nothing of this file.
impl ToolId {
    /// The entry's own identity. A broken entry's version (`?`) is not semver: its id has no
    /// version and names the tool by its folder.
    pub(crate) fn of(entry: &ToolEntry) -> Self {
        Self::known(&entry.name, &entry.version)
    }

    /// The entry's identity bound to its content: a lookup with it finds this content or
    /// nothing. A broken entry, which has no hash, is named by its folder as in [`ToolId::of`].
    pub(crate) fn content_of(entry: &ToolEntry) -> Self {
        Self::content(&entry.name, &entry.version, &entry.content_hash)
    }

    /// `content_of` for a tool known by its name, version and content hash as a catalog
    /// entry spells them.
    pub(crate) fn content(name: &str, version: &str, content_hash: &str) -> Self {
        let hash = (!content_hash.is_empty()).then(|| content_hash.to_string());
        ToolId {
            hash,
            ..Self::known(name, version)
        }
    }

    /// The entry is this tool: same name, the version and content asked for.
    pub(crate) fn matches(&self, entry: &ToolEntry) -> bool {
        entry.name == self.name
            && self.accepts(&entry.version)
            && self.accepts_hash(&entry.content_hash)
    }

    /// Whether `entry` is a candidate under review this names: what a review of NAME acts on
    /// before any active version of it (`approve`, `validate`).
    pub(crate) fn matches_candidate(&self, entry: &ToolEntry) -> bool {
        entry.tier == Tier::Experimental && self.matches(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_spellings() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(*tier));
        }
        assert_eq!("stdin-json".parse::<InputMode>(), Ok(InputMode::StdinJson));
        let err = "extreme"
            .parse::<CostTier>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("low, medium, high, prohibited"), "{err}");
    }
}
