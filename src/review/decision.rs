//! The nouns of a review decision, which the decisions (`lifecycle`), the steps they share
//! (`steps`) and what follows them (`git`) all use: who decides where ([`ReviewContext`]) and
//! what a decision did ([`Decision`]). It depends on none of them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::scan::ScanLimits;
use crate::config::{Config, ValidateSettings};
use crate::model::Tier;
use crate::runner::confinement::Confinement;
use crate::store::{DecisionAction, DecisionRecord};

/// The file "request changes" writes into the tool folder for the agent to read.
pub(crate) use crate::catalog::scan::REVIEW_FILE;

/// Who decides, in which workspace, and what happens around a decision: the workbench's
/// settings that decisions, validation and the evolver read (never the config file again).
#[derive(Debug, Clone)]
pub struct ReviewContext {
    pub root: PathBuf,
    /// The reviewer's name, recorded with every decision.
    pub who: String,
    /// Commit each decision when the root is inside a git work tree.
    pub git_auto_commit: bool,
    /// The configured evolver argv (empty: evolve makes a plain copy).
    pub evolve_command: Vec<String>,
    /// `[evolve] network`: the evolver may reach the network.
    pub evolve_network: bool,
    /// `[evolve] pass_env`: variables the evolver gets from our environment.
    pub evolve_pass_env: Vec<String>,
    /// The toolbench binary, which confines the evolver and validation's runs.
    pub exe: PathBuf,
    /// `[catalog]` limits of the scans a decision makes.
    pub scan_limits: ScanLimits,
    /// What validation's checkers and runs and the evolver may see and use.
    pub confinement: Confinement,
    /// `[validate]`: the inputs validation tries besides a tool's test cases.
    pub validate: ValidateSettings,
    /// `[dependencies]`: where tools' packages are resolved from, and with which `uv`.
    pub dependencies: crate::config::DependencySettings,
}

impl ReviewContext {
    /// `root`'s context with the built-in settings, deciding as `who`: for tests.
    #[cfg(test)]
    pub(crate) fn new(root: &Path, who: &str) -> Self {
        let config = Config::defaults().expect("the built-in settings parse");
        let exe = crate::workbench::this_program().expect("this program");
        let confinement = Confinement::new(root, &config, None);
        ReviewContext {
            who: who.to_string(),
            ..Self::for_runs(root, &config, &exe, confinement)
        }
    }

    pub(crate) fn from_config(
        root: &Path,
        config: &Config,
        exe: &Path,
        confinement: Confinement,
    ) -> Self {
        ReviewContext {
            who: config.reviewer_name(),
            ..Self::for_runs(root, config, exe, confinement)
        }
    }

    /// The context of a command that only runs tools (`toolbench run`): it decides nothing,
    /// so the reviewer's name, which may take a look in the user database, is not looked up.
    pub(crate) fn for_runs(
        root: &Path,
        config: &Config,
        exe: &Path,
        confinement: Confinement,
    ) -> Self {
        ReviewContext {
            root: root.to_path_buf(),
            who: String::new(),
            git_auto_commit: config.git_auto_commit,
            evolve_command: config.evolve_command.clone(),
            evolve_network: config.evolve_network,
            evolve_pass_env: config.evolve_pass_env.clone(),
            exe: exe.to_path_buf(),
            scan_limits: config.catalog,
            confinement,
            validate: config.validate,
            dependencies: config.dependencies.clone(),
        }
    }
}

/// What a decision did, for the CLI line, the TUI status bar and MCP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub(crate) action: DecisionAction,
    pub(crate) tool: String,
    /// The version the decision was about (for rollback and evolve: the one now in place).
    pub(crate) version: String,
    /// The version before (rollback: the one archived; evolve: the parent).
    pub(crate) from_version: Option<String>,
    pub(crate) from_tier: Tier,
    pub(crate) to_tier: Tier,
    /// Where the tool is now, relative to the root (`approved/csv_to_json`).
    pub(crate) location: String,
    pub(crate) reason: Option<String>,
    /// The active version that made way for this one and went to `archived/`.
    pub(crate) superseded: Option<String>,
    /// The snapshot of the version this decision made active, relative to the root.
    pub(crate) snapshot: Option<String>,
    /// A bare script was wrapped into a folder with its inferred manifest first.
    pub(crate) wrapped: bool,
    /// The rows recorded in `decisions`.
    pub(crate) records: Vec<DecisionRecord>,
    /// Interrupted decisions finished or undone before this one.
    pub(crate) recovered: Vec<String>,
    /// Problems that did not stop the decision (a failed git commit, …).
    pub(crate) warnings: Vec<String>,
    /// The commit made for this decision (`[git] auto_commit`).
    pub(crate) commit: Option<String>,
    /// An approval of an active tool's changed content, where it is.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) in_place: bool,
    /// The signed review written for the content this decision made active: who signed it,
    /// and the statement's path (signatures on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signed: Option<Box<SignedReview>>,
    /// Paths (relative to the root) this decision changed, for git.
    #[serde(skip)]
    pub(crate) affected: Vec<String>,
}

/// A decision's signed review, as its summary and `--json` say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SignedReview {
    pub(crate) principal: String,
    pub(crate) statement: String,
    pub(crate) signature: String,
}

impl Decision {
    /// One line saying what happened, e.g.
    /// `approved csv_to_json@1.3.0 (experimental → approved; superseded 1.2.0, kept as snapshot)`.
    pub(crate) fn summary(&self) -> String {
        // A broken tool has no known version ("?"): name it alone.
        let id = if self.version == "?" {
            self.tool.clone()
        } else {
            format!("{}@{}", self.tool, self.version)
        };
        let moved = format!("{} → {}", self.from_tier, self.to_tier);
        let mut notes = Vec::new();
        if self.wrapped {
            notes.push("wrapped the bare script with its inferred manifest".to_string());
        }
        if self.in_place {
            notes.push("approved where it is".to_string());
        }
        if let Some(old) = &self.superseded
            && !matches!(
                self.action,
                DecisionAction::Rollback | DecisionAction::Resubmit | DecisionAction::Undo
            )
        {
            notes.push(format!("superseded {old}, kept as snapshot"));
        }
        if let Some(signed) = &self.signed {
            notes.push(format!(
                "signed by {} in {}",
                crate::text::visible(&signed.principal),
                signed.statement
            ));
        }
        if let Some(commit) = &self.commit {
            notes.push(format!("committed {commit}"));
        }
        let extra = |notes: &[String]| {
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            }
        };
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        match self.action {
            DecisionAction::Approve => format!("approved {id} ({moved}{}){reason}", extra(&notes)),
            DecisionAction::Reject => format!("rejected {id} ({moved}{}){reason}", extra(&notes)),
            DecisionAction::RequestChanges => format!(
                "requested changes to {id} (feedback in {}/{REVIEW_FILE}; it stays in experimental{})",
                self.location,
                extra(&notes)
            ),
            DecisionAction::Promote => format!("promoted {id} ({moved}{})", extra(&notes)),
            DecisionAction::Archive | DecisionAction::Supersede => {
                format!("archived {id} ({moved}{}){reason}", extra(&notes))
            }
            DecisionAction::Restore => format!("restored {id} ({moved}{})", extra(&notes)),
            DecisionAction::Rollback => format!(
                "rolled back {} to {} ({}; {} archived, kept as snapshot{})",
                self.tool,
                self.version,
                self.to_tier,
                self.from_version.as_deref().unwrap_or("?"),
                extra(&notes)
            ),
            DecisionAction::AddCase => {
                format!("added a test case to {id}{reason}; it is validated again")
            }
            DecisionAction::Accept => format!("accepted {id} as it is ({})", self.to_tier),
            // The reason says which decision it took back and what became of the tool.
            DecisionAction::Undo => format!(
                "{} ({id}: {moved}{})",
                self.reason.as_deref().unwrap_or("undo"),
                extra(&notes)
            ),
            DecisionAction::Resubmit => {
                let active = match &self.superseded {
                    Some(approved) => format!(
                        "{}/{} runs {}@{approved} as approved again",
                        self.from_tier, self.tool, self.tool
                    ),
                    None => format!("it left {}/", self.from_tier),
                };
                format!(
                    "resubmitted the changed {}@{} for review as {id} in {} ({active}{})",
                    self.tool,
                    self.from_version.as_deref().unwrap_or("?"),
                    self.location,
                    extra(&notes)
                )
            }
            DecisionAction::Evolve => format!(
                "evolved {}@{} into {id} ({}{})",
                self.tool,
                self.from_version.as_deref().unwrap_or("?"),
                self.location,
                extra(&notes)
            ),
        }
    }
}
