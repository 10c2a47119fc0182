//! The read side of the door: what front ends ask about tools beside their catalog entries
//! (an environment, a schema, the review queue and a tool's history, the version a candidate
//! would replace, what approving it would accept, where a decision would take it, health
//! alerts), each answered here whatever module holds the rule, so a screen or a listing asks
//! the workbench and not the review library or the runner. Nothing here changes state; that is `Command`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::Catalog;
use crate::model::audit::LogEntry;
use crate::model::calls::{CallRow, RuleRow};
use crate::model::decisions::{DecisionKind, Destination};
use crate::model::deps::Environment;
use crate::model::input_schema::SchemaError;
use crate::model::quality::ToolStats;
use crate::model::review_command::ReviewCommand;

use crate::model::service_definition::{DefinedFile, Definition};
use crate::model::services::{FeedItem, InstanceRow, InstanceState};
use crate::model::settings::Signatures;
use crate::model::signers::Trust;
use crate::model::tasks::TaskRow;
use crate::model::validation_report::{CheckKind, CheckStatus};
use crate::model::{Drift, SchemaSource, StoreError, Tier, ToolEntry};
use crate::review::propose::ProposalStatus;
use crate::review::request_status::RequestStatus;
use crate::review::{Caution, ReviewError};
use crate::runner::packages::EnvInfo;
use crate::services::ServiceError;
use crate::services::feed::InstanceFeed;
use crate::store::Store;

use crate::store::decision_log::{ChainBreak, ChainSummary, DecisionLog, LogError};
use crate::store::suggestions::WantedTool;

impl super::Workbench {
    /// The agents' calls waiting for a person, oldest first; with `all`, every call, newest
    /// first.
    pub(crate) fn calls(&self, all: bool) -> Result<Vec<CallRow>, StoreError> {
        self.store()?.lock().calls(all)
    }

    /// The agent call `id`, as it stands; `None` when the store no longer holds it.
    pub(crate) fn call(&self, id: i64) -> Result<Option<CallRow>, StoreError> {
        self.store()?.lock().call(id)
    }

    /// The recorded runs of the tool `name` summed up; `None` when it never ran.
    pub(crate) fn stats_of(&self, name: &str) -> Result<Option<ToolStats>, StoreError> {
        self.store()?.lock().stats_for(name)
    }

    /// The MCP task `id`, whichever server runs it; `None` when it is unknown or forgotten.
    pub(crate) fn task(&self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        self.store()?.lock().task(id)
    }

    /// The service instance `name` when it is recorded as running and its process lives;
    /// `None` when it is not (never launched, stopped, or dead since).
    pub(crate) fn live_instance(&self, name: &str) -> Result<Option<InstanceRow>, StoreError> {
        let row = self.store()?.lock().instance(name)?;
        Ok(row.filter(|row| {
            row.state != InstanceState::Stopped
                && crate::services::reconcile::why_dead(row).is_none()
        }))
    }

    /// What the agent `client` asked for and proposed, and the tools people want, each with
    /// where it stands now; only those named `name` when given.
    pub(crate) fn agent_status(
        &self,
        client: &str,
        name: Option<&str>,
    ) -> Result<AgentStatus, StoreError> {
        let store = self.store()?;
        let store = store.lock();
        let asked = store.requests_of(client, name)?;
        let proposed = store.proposals_of(client, name)?;
        let mut wanted = store.wanted_tools()?;
        wanted.retain(|w| name.is_none_or(|n| n == w.name));
        Ok(AgentStatus {
            requests: crate::review::request_status::statuses(&store, &asked)?,
            proposals: crate::review::propose::statuses(self.root(), &store, &proposed)?,
            wanted,
        })
    }

    /// The "approve always" rules, newest first; revoked ones only with `all`.
    pub(crate) fn rules(&self, all: bool) -> Result<Vec<RuleRow>, StoreError> {
        self.store()?.lock().rules(all)
    }

    /// The tool in `folder` of `tier` as it is on disk now, read without the catalog or the
    /// store; `None` when the folder holds no tool.
    pub(crate) fn read_tool(&self, tier: Tier, folder: &Path) -> Option<ToolEntry> {
        crate::catalog::scan::load_path(self.root(), tier, folder, self.config().catalog)
    }

    /// How `entry`'s content stands against what a person accepted, as its seal and its
    /// signed review stand now (`None`: it may run as it is, or it is not active).
    pub(crate) fn drift_now(&self, entry: &ToolEntry) -> Option<Drift> {
        crate::seal::drift_now(self.root(), entry)
    }

    /// The line a front end says on opening this workspace when nobody here accepted its
    /// active tools yet (`scanned`: its catalog), or its signers need a word; `None` else.
    pub(crate) fn waiting_line(&self, scanned: &[ToolEntry]) -> Option<String> {
        crate::seal::waiting_line(self.root(), scanned)
    }

    /// The service definition in `core/NAME`, with its version, when there is one; a core tool
    /// of that name that is not a service is an error.
    pub(crate) fn service_definition(
        &self,
        name: &str,
    ) -> Result<Option<(Definition, semver::Version)>, ServiceError> {
        crate::services::define::existing(self.root(), name)
    }

    /// Everything the service instance `instance` left, in the order it happened: its output,
    /// its launches and its exchanges.
    pub(crate) fn instance_history(&self, instance: &str) -> Result<Vec<FeedItem>, StoreError> {
        let dir = crate::services::instance_dir(self.root(), instance);
        // The logs are bounded by `[services] log_mb`: reading them whole is bounded too.
        InstanceFeed::from_start(instance).poll(&dir, &self.store()?.lock(), u64::MAX)
    }

    /// Whom this machine trusts to sign this workspace's reviews, and how the workspace's
    /// list stands against what a person accepted here: refused, in one line, while any list
    /// cannot be read (`Trust::load_whole`).
    pub(crate) fn signers(&self) -> Result<Trust, String> {
        Trust::load_whole(self.root())
    }

    /// The least `[review] signatures` the workspace's own toolbench.toml asks for.
    pub(crate) fn signatures_asked(&self) -> Signatures {
        crate::signature::asked_by_workspace(self.root())
    }

    /// Where the decision log is kept (`.toolbench/log/decisions.jsonl`).
    pub(crate) fn decision_log_path(&self) -> PathBuf {
        self.decision_log().path().to_path_buf()
    }

    /// The decision log's entries, oldest first, and where its chain breaks when it does
    /// (the entries before the break are read).
    pub(crate) fn decision_log_entries(
        &self,
    ) -> Result<(Vec<LogEntry>, Option<ChainBreak>), LogError> {
        self.decision_log().read_to_break()
    }

    /// The decision log's chain checked: every entry's hash and its link to the one before.
    pub(crate) fn verify_decision_log(&self) -> Result<Result<ChainSummary, ChainBreak>, LogError> {
        self.decision_log().verify()
    }

    fn decision_log(&self) -> DecisionLog {
        DecisionLog::in_state_dir(&crate::workspace::state_dir(self.root()))
    }
}

/// An agent's requests and proposals, and the tools people want (`Workbench::agent_status`).
#[derive(Debug)]
pub(crate) struct AgentStatus {
    pub(crate) requests: Vec<RequestStatus>,
    pub(crate) proposals: Vec<ProposalStatus>,
    pub(crate) wanted: Vec<WantedTool>,
}

/// The files of the service tool folder `dir` besides its `tool.toml`, for an export that
/// carries them (`tools export`).
pub(crate) fn service_files(dir: &Path) -> Result<BTreeMap<String, DefinedFile>, ServiceError> {
    crate::services::define::files_of(dir)
}

/// Every environment built in the workspace at `root` for tools' packages, by digest.
pub(crate) fn environments_built(root: &Path) -> Vec<EnvInfo> {
    crate::runner::packages::list(root)
}

/// The environment `entry`'s packages are installed in, in the workspace at `root`: `None`
/// when it declares none (no lock with packages).
pub(crate) fn environment_of(root: &Path, entry: &ToolEntry) -> Option<Environment> {
    crate::runner::packages::environment_of(root, &entry.folder())
}

/// Why `entry` has no environment (`environment_of` gave none), in words for a person: it
/// declares no packages, declares some with no lock resolved for them, or cannot be read.
pub(crate) fn no_environment(entry: &ToolEntry) -> String {
    let Some(manifest) = entry.manifest.as_deref() else {
        return "its manifest could not be read, so what it declares is not known".to_string();
    };
    match crate::catalog::deps::read_declared(&entry.folder(), manifest) {
        Ok(None) => "declares no packages".to_string(),
        Ok(Some(declared)) => format!(
            "{} declares packages, but no {} is resolved for them yet (validation resolves a \
             candidate's)",
            declared.file,
            crate::model::deps::LOCK_FILE
        ),
        Err(e) => e.to_string(),
    }
}

/// A schema `entry`'s manifest declares (`source`: its input or output schema), inline or
/// read from its folder.
pub(crate) fn schema_of(entry: &ToolEntry, source: &SchemaSource) -> Result<Value, SchemaError> {
    crate::catalog::schema_file::load(source, &entry.folder())
}

/// The version of `entry`'s name a person accepted, as `catalog` holds it: the active one,
/// core before approved (`review::validate`).
pub(crate) fn active_version<'c>(entry: &ToolEntry, catalog: &'c Catalog) -> Option<&'c ToolEntry> {
    crate::review::validate::active_entry(entry, catalog)
}

/// The active version of `entry`'s name (`name@version`) and what `entry` asks for that it
/// was not granted; `None` when nothing of its name is active.
pub(crate) fn escalations(entry: &ToolEntry, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    crate::review::validate::escalations(entry, catalog)
}

/// What approving `entry` over `active`, its validation having judged its checks `checks`,
/// would accept: the person's word is asked for it.
pub(crate) fn caution(
    checks: impl IntoIterator<Item = (CheckKind, CheckStatus)>,
    entry: &ToolEntry,
    active: Option<&ToolEntry>,
) -> Caution {
    Caution::of(checks, entry, active)
}

/// Why a decision of `kind` cannot be taken on `entry` as the catalog lists it, in one line,
/// known without reading anything (`review::lifecycle::refusal_as_listed`); `None` when only
/// the decision can tell.
pub(crate) fn refusal_as_listed(kind: DecisionKind, entry: &ToolEntry) -> Option<String> {
    crate::review::lifecycle::refusal_as_listed(kind, entry)
        .map(|e| crate::error_chain::one_line(&e))
}

/// Where `command` would take `entry` (the tier of a restore, the version of a rollback), read
/// from the store of `root` as the decision reads it; `None` when the catalog alone tells.
/// The error is one line for a dialog.
pub(crate) fn destination(
    root: &Path,
    command: &ReviewCommand,
    entry: &ToolEntry,
) -> Result<Option<Destination>, String> {
    Store::open_reader(root)
        .map_err(ReviewError::from)
        .and_then(|store| crate::review::lifecycle::destination(&store, command, entry))
        .map_err(|e| crate::error_chain::one_line(&e))
}
