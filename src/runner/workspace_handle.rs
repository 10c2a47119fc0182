//! The workspace as one process opened it: its root, its settings, this program (the sandbox
//! helper) and what its runs may see and use. Made once by `Workbench::open` and shared, never
//! copied, by everything that decides, validates, runs or launches in it.
//!
//! It lives beside the runs because runs are the lowest floor that needs all four: what sits
//! above (review, services, commands) borrows it from here.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::scan::ScanLimits;
use crate::config::Config;

use super::confinement::Confinement;

/// One opened workspace, shared through an `Arc`.
#[derive(Debug)]
pub struct WorkspaceHandle {
    root: PathBuf,
    config: Config,
    program: PathBuf,
    confinement: Confinement,
}

impl WorkspaceHandle {
    pub(crate) fn new(
        root: PathBuf,
        config: Config,
        program: PathBuf,
        confinement: Confinement,
    ) -> Arc<Self> {
        Arc::new(WorkspaceHandle {
            root,
            config,
            program,
            confinement,
        })
    }

    /// `root`'s handle with the built-in settings and no project, run by this program: for
    /// tests.
    #[cfg(test)]
    pub(crate) fn for_tests(root: &Path) -> Arc<Self> {
        let config = Config::defaults().expect("the built-in settings parse");
        let confinement = Confinement::new(root, &config, None);
        let program = crate::workbench::this_program().expect("this program");
        Self::new(root.to_path_buf(), config, program, confinement)
    }

    /// The same workspace with `program` as the sandbox helper (for tests and benchmarks,
    /// whose own process is not toolbench).
    pub fn with_program(&self, program: PathBuf) -> Arc<Self> {
        Self::new(
            self.root.clone(),
            self.config.clone(),
            program,
            self.confinement.clone(),
        )
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The settings, read once as the workspace was opened.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The toolbench binary, which is also the sandbox helper of every run.
    pub(crate) fn program(&self) -> &Path {
        &self.program
    }

    /// What every sandboxed process of the workspace may see and use.
    pub(crate) fn confinement(&self) -> &Confinement {
        &self.confinement
    }

    /// `confinement`, marked as work nobody waits for when `background` (background
    /// validation): what a person runs meanwhile gets the CPU and the disk first.
    pub(crate) fn confinement_of(&self, background: bool) -> Cow<'_, Confinement> {
        if background {
            Cow::Owned(self.confinement.clone().in_background())
        } else {
            Cow::Borrowed(&self.confinement)
        }
    }

    /// `[catalog]`: the limits every scan of the workspace is held to.
    pub(crate) fn scan_limits(&self) -> ScanLimits {
        self.config.catalog
    }
}
