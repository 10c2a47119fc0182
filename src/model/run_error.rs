//! Why a run did not start or was not kept, as nouns every front end may name: the refusal
//! before anything is spawned (`RunError`) and what it carries (a link that leads out of its
//! tool, a grant refused here, an input that is not arguments, the config), and why a run the
//! store refused could not be kept for the next process. Deciding them is the runner's and the
//! catalog's.

use std::fmt;
use std::path::PathBuf;

use crate::model::input_schema::SchemaError;
use crate::model::settings::ConfigError;

/// Why a run could not start. Nothing was spawned.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RunError {
    #[error("{tool} never runs: its manifest is broken: {reason}")]
    Broken { tool: String, reason: String },
    /// Over the `[catalog]` limits: the scan did not read it, so nothing vouches for it.
    #[error("cannot run {tool}: {reason}")]
    Oversized { tool: String, reason: String },
    #[error(transparent)]
    LinksOut(LinksOut),
    #[error("{tool} never runs: {why}")]
    NeverRuns { tool: String, why: &'static str },
    #[error("{tool}: input is not valid JSON: {reason}")]
    InputNotJson { tool: String, reason: String },
    #[error("{tool}: input does not match the input schema: {reason}")]
    InputSchema { tool: String, reason: SchemaError },
    #[error("{tool}: {reason}")]
    Input { tool: String, reason: SchemaError },
    #[error("{tool}: {reason}")]
    ArgsInput { tool: String, reason: NotArgs },
    /// What the tool declared cannot be granted here (no project, a path that is missing or
    /// leads out).
    #[error("cannot run {tool}: {}: {reason}", .manifest.display())]
    Permissions {
        tool: String,
        manifest: PathBuf,
        reason: GrantError,
    },
    #[error("{path}: cannot prepare the run folder: {reason}")]
    RunDir { path: PathBuf, reason: String },
    /// It declares packages whose environment is not built (or not locked): it never runs
    /// half-installed.
    #[error("{tool} never runs without its packages: {why}")]
    NoEnvironment { tool: String, why: String },
    /// The process is stopping (`stop`): it starts no new run.
    #[error("{tool} was not started: toolbench is stopping")]
    Stopping { tool: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl RunError {
    /// The caller's input was refused before the run (not JSON, or not what the schema or
    /// the arguments take): the caller's to fix, as a tool's own refusal (`bad_input`) is.
    pub(crate) fn is_bad_input(&self) -> bool {
        matches!(
            self,
            RunError::InputNotJson { .. }
                | RunError::InputSchema { .. }
                | RunError::Input { .. }
                | RunError::ArgsInput { .. }
        )
    }
}

/// A symlink that leads out of its tool folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkOut {
    /// Relative to the tool folder; empty when the tool folder itself is the symlink.
    pub(crate) link: PathBuf,
    pub(crate) target: PathBuf,
}

impl fmt::Display for LinkOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.link.as_os_str().is_empty() {
            write!(
                f,
                "the folder is a symlink to {}; move the real folder in instead",
                self.target.display()
            )
        } else {
            write!(
                f,
                "{} -> {} leads out of the tool folder",
                self.link.display(),
                self.target.display()
            )
        }
    }
}

/// The rule broken, on one line: `experimental/x: data -> /etc leads out of the tool folder`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{folder}: {}{}", links[0], more(links.len()))]
pub struct LinksOut {
    /// `<tier>/<folder>`.
    pub(crate) folder: String,
    /// Never empty.
    pub(crate) links: Vec<LinkOut>,
}

fn more(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    }
}

/// Why a tool cannot run with what it declared, here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error(
        "permissions.project: the tool works on a project, and none is given (run it from \
         the project folder, or give --project DIR)"
    )]
    NoProject,
    #[error("permissions.project: the project {} does not exist or is not a folder", .0.display())]
    ProjectMissing(PathBuf),
    #[error(
        "permissions.project: \"write\" is refused for {}: the project must be a folder \
         below the home folder or elsewhere, never /, the home folder itself, a folder above \
         it or a system folder (give --project DIR)",
        .0.display()
    )]
    ProjectTooWide(PathBuf),
    #[error(
        "permissions.project: {} is refused as a project: it is /, the home folder or a \
         folder above it, which hold every credential of yours (give --project DIR naming \
         the project's folder)",
        .0.display()
    )]
    ProjectHoldsHome(PathBuf),
    #[error(
        "permissions.write: {path} ({}) is refused: never /, the home folder itself, a folder \
         above it or a system folder",
        .real.display()
    )]
    WriteTooWide { path: String, real: PathBuf },
    #[error("permissions.{field}: {path} does not exist")]
    Missing { field: &'static str, path: String },
    #[error("permissions.{field}: {path} leads to {}, outside the project", .real.display())]
    LeadsOutOfProject {
        field: &'static str,
        path: String,
        real: PathBuf,
    },
    #[error("permissions.{field}: {path} needs the home folder, and HOME is not set")]
    NoHome { field: &'static str, path: String },
    #[error("permissions.{field}: {0}", field = .1)]
    Declared(String, &'static str),
}

/// An input for an `input = "args"` tool that is neither an array nor an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input for an args tool must be a JSON array or object, not {0}")]
pub struct NotArgs(pub(crate) String);

/// Why a run the store refused could not be kept for the next process either. Cloned with
/// the run's error to every observer of the run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeepError {
    #[error("{}: the run's file is gone", .0.display())]
    Gone(std::path::PathBuf),
    #[error("{0}")]
    Write(std::sync::Arc<std::io::Error>),
}
