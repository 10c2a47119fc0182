//! The sandbox helper of a process that makes one run and ends (`toolbench run`), forked as
//! the process starts (`runner::sandbox::forked`): while the process still looks up the tool,
//! the helper prepares everything of the sandbox the run does not decide.

use crate::runner::helper_process::PreforkedHelper;
use crate::runner::sandbox::ForkedHelper;

/// `toolbench run`'s sandbox helper, forked ahead; empty where none was (every other command,
/// or a fork refused), and the run then starts its helper as a program, as every other front
/// end does.
#[derive(Debug, Default)]
pub struct RunHelper(pub(super) PreforkedHelper);

impl RunHelper {
    /// Forks the helper now. Called as the process's first act: a fork must happen while the
    /// process has one thread, and every page the process writes while the idle helper shares
    /// it is copied, so the earlier the fork, the fewer copies.
    pub fn fork() -> Self {
        let forked = ForkedHelper::fork(crate::runner::confinement::hidden_in_every_workspace);
        RunHelper(forked.map(PreforkedHelper::new).unwrap_or_default())
    }
}
