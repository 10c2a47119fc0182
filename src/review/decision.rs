//! The nouns of a review decision, which the decisions (`lifecycle`), the steps they share
//! (`steps`) and what follows them (`git`) all use: who decides where ([`ReviewContext`]) and
//! what a decision did (`model::decided`). It depends on none of them.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use crate::catalog::scan::ScanLimits;
use crate::config::Config;
use crate::model::{RunOrigin, ToolEntry};
use crate::runner::confinement::Confinement;
use crate::runner::workspace_handle::WorkspaceHandle;
use crate::runner::{Reach, RunRequest};

/// Who decides, in which workspace, and what happens around a decision: the workbench's
/// settings that decisions, validation and the evolver read (never the config file again),
/// borrowed from the one handle on the workspace.
#[derive(Debug, Clone)]
pub struct ReviewContext {
    workspace: Arc<WorkspaceHandle>,
    /// The reviewer's name, recorded with every decision.
    pub who: String,
    /// Its checkers', runs' and evolver's work is work nobody waits for (background
    /// validation): it steps back for what a person runs meanwhile.
    background: bool,
}

impl ReviewContext {
    /// `root`'s context with the built-in settings, deciding as `who`: for tests.
    #[cfg(test)]
    pub(crate) fn new(root: &Path, who: &str) -> Self {
        ReviewContext {
            who: who.to_string(),
            ..Self::for_runs(WorkspaceHandle::for_tests(root))
        }
    }

    /// The context of the workspace's reviewer, named by its settings.
    pub(crate) fn of_reviewer(workspace: Arc<WorkspaceHandle>) -> Self {
        ReviewContext {
            who: workspace.config().reviewer_name(),
            ..Self::for_runs(workspace)
        }
    }

    /// The context of a command that only runs tools (`toolbench run`): it decides nothing,
    /// so the reviewer's name, which may take a look in the user database, is not looked up.
    pub(crate) fn for_runs(workspace: Arc<WorkspaceHandle>) -> Self {
        ReviewContext {
            workspace,
            who: String::new(),
            background: false,
        }
    }

    /// The same context for work nobody waits for: what a person runs meanwhile gets the CPU
    /// and the disk first.
    pub(crate) fn in_background(self) -> Self {
        ReviewContext {
            background: true,
            ..self
        }
    }

    /// The handle on the workspace this context decides in.
    pub(crate) fn workspace(&self) -> &Arc<WorkspaceHandle> {
        &self.workspace
    }

    pub fn root(&self) -> &Path {
        self.workspace.root()
    }

    /// The workspace's settings: `[evolve]`, `[validate]`, `[dependencies]`, `[git]` …
    pub(crate) fn config(&self) -> &Config {
        self.workspace.config()
    }

    /// The toolbench binary, which confines the evolver and validation's runs.
    pub(crate) fn exe(&self) -> &Path {
        self.workspace.program()
    }

    /// `[catalog]` limits of the scans a decision makes.
    pub(crate) fn scan_limits(&self) -> ScanLimits {
        self.workspace.scan_limits()
    }

    /// What validation's checkers and runs and the evolver may see and use: the workspace's
    /// confinement, marked as background work when this context's is.
    pub(crate) fn confinement(&self) -> Cow<'_, Confinement> {
        self.workspace.confinement_of(self.background)
    }

    /// The request to run `entry` on `input` for `origin` in this context's workspace, as
    /// background work when this context's is, given `reach` of what it declares.
    pub(crate) fn run_request(
        &self,
        entry: ToolEntry,
        input: Option<String>,
        origin: RunOrigin,
        reach: Reach,
    ) -> RunRequest {
        RunRequest {
            workspace: self.workspace.clone(),
            background: self.background,
            entry,
            input,
            origin,
            client: None,
            preforked: Default::default(),
            reach,
        }
    }
}
