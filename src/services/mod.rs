//! Long-running tools (DESIGN §7): definitions (`tools define`), instances launched in the
//! sandbox with a port of their own, the generic adapter that exchanges messages with them, and
//! the state store that lets any later toolbench process find them again.
//!
//! An instance is named by the helper's pid *and* its start time: a pid reused by another
//! program is never taken for the service, never signalled.

pub(crate) mod adapter;
pub(crate) mod define;
pub(crate) mod executable;
pub(crate) mod feed;
pub(crate) mod field_refused;
pub(crate) mod health;
mod instances;
mod launch_failure;
mod listener;
pub(crate) mod ports;
pub(crate) mod process;
pub(crate) mod reconcile;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::run_output::Stream;
use crate::model::settings::ServiceSettings;
use crate::runner::service_log;
use crate::runner::workspace_handle::WorkspaceHandle;

pub(crate) use instances::{Launched, Sent};

/// Why a service command failed, in one line that names the instance, port, file or field.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A refusal or failure the service commands word themselves.
    #[error("{0}")]
    Refused(String),
    /// An active service whose content may not run as it is: the facts apart, so each front
    /// end names its own remedy (`SealError::awaiting`).
    #[error("{tool} will not launch: {reason}")]
    Sealed {
        tool: String,
        reason: Box<crate::seal::SealError>,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Executable(#[from] executable::ExecutableError),
    #[error(transparent)]
    Field(#[from] field_refused::FieldRefused),
    #[error(transparent)]
    Manifest(#[from] crate::catalog::manifest::ManifestError),
    #[error("cannot write the service's tool.toml")]
    Toml(#[from] toml::ser::Error),
    #[error(transparent)]
    ToolId(#[from] crate::model::ToolIdError),
    #[error(transparent)]
    Lookup(#[from] crate::model::LookupError),
    #[error(transparent)]
    Run(#[from] crate::model::run_error::RunError),
    #[error(transparent)]
    Launch(#[from] launch_failure::LaunchFailure),
}

impl From<String> for ServiceError {
    fn from(e: String) -> Self {
        ServiceError::Refused(e)
    }
}

/// What launching, stopping and talking to the services of one workspace needs: the handle on
/// that workspace, borrowed.
#[derive(Debug, Clone)]
pub(crate) struct Services {
    workspace: Arc<WorkspaceHandle>,
}

impl Services {
    /// The services of `workspace`, launched by its program (the sandbox helper) within the
    /// confinement each launch is given (its caller's).
    pub(crate) fn new(workspace: Arc<WorkspaceHandle>) -> Self {
        Services { workspace }
    }

    /// The handle on the workspace these services belong to.
    #[cfg(test)]
    pub(crate) fn workspace(&self) -> &Arc<WorkspaceHandle> {
        &self.workspace
    }

    pub(crate) fn root(&self) -> &Path {
        self.workspace.root()
    }

    /// `[services]`: ports, logs and the waits of launches, stops and exchanges.
    fn settings(&self) -> &ServiceSettings {
        &self.workspace.config().services
    }

    /// An instance's folder: its logs, report and scratch.
    pub(crate) fn instance_dir(&self, instance: &str) -> PathBuf {
        instance_dir(self.root(), instance)
    }
}

/// `<root>/.toolbench/services/<instance>`.
pub(crate) fn instance_dir(root: &Path, instance: &str) -> PathBuf {
    crate::workspace::state_dir(root)
        .join("services")
        .join(instance)
}

/// The current output logs of an instance, stdout and stderr (older output is in rotated
/// files beside them, see `logs`).
pub(crate) fn log_paths(root: &Path, instance: &str) -> (PathBuf, PathBuf) {
    let dir = instance_dir(root, instance);
    (
        dir.join(service_log::file_name(Stream::Stdout)),
        dir.join(service_log::file_name(Stream::Stderr)),
    )
}
