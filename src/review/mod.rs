//! Review: what a human decides about a tool, and everything that makes those decisions safe.
//!
//! `decision` holds the nouns every decision shares (who decides, what a decision did);
//! `lifecycle` holds the decisions (approve, reject, request changes, promote, archive,
//! restore, rollback) that the CLI, the TUI keys and MCP all call. Moves between tiers go
//! through `journal` (intent, atomic rename, record, recover), every version that becomes
//! active is kept by `versions`, `lock` keeps two processes from deciding on one tool at once,
//! `evolve` makes new candidates, `gc` retires unused tools and `git` turns decisions into
//! commits; `queue` reads the review queue and a tool's history; `requests` holds the tools
//! agents ask for before writing them. Nothing here draws to a
//! terminal, and nothing outside this module moves a tool folder between tiers.

mod acceptance;
pub(crate) mod add_case;
pub(crate) mod decision;
pub(crate) mod dispatch;
mod error;
pub mod evolve;
pub(crate) mod gc;
pub(crate) mod git;
pub(crate) mod health;
pub mod journal;
pub mod lifecycle;
pub mod lock;
pub(crate) mod propose;
pub(crate) mod queue;
pub(crate) mod request_status;
pub(crate) mod requests;
pub(crate) mod resolve;
mod steps;
pub(crate) mod undo;
pub mod validate;

pub(crate) use acceptance::Caution;
pub use decision::ReviewContext;
pub use dispatch::apply;
pub(crate) use dispatch::apply_reporting;
pub(crate) use error::ReviewError;
pub(crate) use steps::refuse_running;

/// What tests of decisions share.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use crate::store::Store;

    /// Records a validation of what `folder` (relative to `root`) holds now, as the watcher
    /// or `toolbench validate` would, so an approval of that content may go ahead.
    pub(crate) fn mark_validated(root: &Path, store: &mut Store, folder: &str) {
        let hash = crate::catalog::scan::hash_tool_folder(&root.join(folder));
        store
            .save_validation(&crate::store::ValidationRow {
                path: folder,
                tool: "tool",
                version: "0.0.0",
                content_hash: &hash,
                verdict: "pass",
                json: "{}",
                arrived_at: "2026-11-21T10:00:00.000Z",
            })
            .expect("validation recorded");
    }
}
