//! The review queue and a tool's history as every front end shows them: what waits in
//! experimental/ (with the verdict validation gave it), the tool requests, the active tools
//! that drifted, and the decisions and kept versions of a name. `review::queue` reads them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::decisions::{DecisionRecord, VersionRecord};
use crate::model::requests::RequestRow;
use crate::model::{Drift, Tier};

/// The review queue's one order, for every front end: by arrival, as the validation pipeline
/// first saw each candidate; candidates it has not seen yet come after them, by path.
pub(crate) fn arrival_key<'a>(
    arrived_at: Option<&'a str>,
    path: &'a Path,
) -> (bool, &'a str, &'a Path) {
    (arrived_at.is_none(), arrived_at.unwrap_or_default(), path)
}

/// When the candidate at `path` arrived, as its files tell: the last change of its folder
/// (or bare script), never later than now (a clock set forward, or a time set by hand, does
/// not put it ahead of every other). `None` when its folder cannot be read.
pub(crate) fn arrived_at(path: &Path) -> Option<std::time::SystemTime> {
    let changed = path.symlink_metadata().and_then(|m| m.modified()).ok()?;
    Some(changed.min(std::time::SystemTime::now()))
}

/// `arrived_at` as the queue shows it before the validation pipeline saw the candidate, and
/// keeps once it did, so the time does not move when a slow queue reaches it; now when the
/// folder cannot be read.
pub(crate) fn arrival_of(path: &Path) -> String {
    crate::clock::rfc3339(arrived_at(path).unwrap_or_else(std::time::SystemTime::now))
}

/// Everything recorded about one tool name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub(crate) tool: String,
    /// Newest first.
    pub decisions: Vec<DecisionRecord>,
    /// Kept snapshots, most recently activated first.
    pub(crate) versions: Vec<VersionRecord>,
}

impl History {
    /// What is recorded about the version `tool` names (all of it for a bare name): the
    /// decisions that took that version from or to somewhere, and its kept snapshots.
    pub(crate) fn of(mut self, tool: &crate::model::ToolId) -> History {
        if tool.version.is_some() {
            let about = |v: &Option<String>| v.as_deref().is_some_and(|v| tool.accepts(v));
            self.decisions
                .retain(|d| about(&d.from_version) || about(&d.to_version));
            self.versions.retain(|v| tool.accepts(&v.version));
        }
        self
    }
}

/// One experimental tool waiting for review (the `review --json` shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct QueueItem {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) path: PathBuf,
    /// The validation verdict, when the pipeline has judged it.
    pub(crate) verdict: Option<String>,
    /// RFC 3339: when validation first saw it, else the folder's modification time.
    pub(crate) arrived_at: String,
    /// `name@version` it evolved from.
    pub(crate) parent: Option<String>,
    /// The MCP client that proposed it, when an agent did (`toolbench_propose_tool`).
    pub(crate) client: Option<String>,
    /// What a decision on it is bound to (`--hash` takes a prefix of it).
    pub(crate) content_hash: String,
}

/// An active tool whose content is not what was approved: it does not run until a person
/// approves that content where it is, or sends it to review (`resubmit`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DriftItem {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) tier: Tier,
    pub(crate) path: PathBuf,
    pub(crate) content_hash: String,
    pub(crate) drift: Drift,
}

/// One item of the review queue as `review --json` shows it, told apart by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum ReviewItem {
    /// A tool waiting in experimental/.
    Tool(QueueItem),
    /// A tool an agent asked for before writing it.
    Request(RequestRow),
    /// An active tool modified since approval, or never approved here.
    Drift(DriftItem),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// A folder dated ahead (a clock set forward, a time set by hand) arrives now at the
    /// latest, for the queue's order and the time it shows alike; one that cannot be read has
    /// no arrival.
    #[test]
    fn a_folder_dated_ahead_arrives_no_later_than_now() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ahead = SystemTime::now() + Duration::from_secs(365 * 24 * 3600);
        std::fs::File::open(dir.path())
            .and_then(|folder| folder.set_modified(ahead))
            .expect("dated ahead");
        let arrived = arrived_at(dir.path()).expect("readable");
        assert!(arrived <= SystemTime::now(), "{arrived:?}");
        assert!(arrival_of(dir.path()) <= crate::clock::rfc3339(SystemTime::now()));
        assert_eq!(arrived_at(&dir.path().join("gone")), None);
    }
}
