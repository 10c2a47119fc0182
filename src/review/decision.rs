//! The nouns of a review decision, which the decisions (`lifecycle`), the steps they share
//! (`steps`) and what follows them (`git`) all use: who decides where ([`ReviewContext`]) and
//! what a decision did (`model::decided`). It depends on none of them.

use std::path::{Path, PathBuf};

use crate::catalog::scan::ScanLimits;
use crate::config::{Config, ValidateSettings};
use crate::runner::confinement::Confinement;

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
