//! Review decisions, the versions index and the review queue (DESIGN §4).
//!
//! Rows only: which folder moved where, and which snapshot exists, is decided and done by
//! `review`. A decision and the snapshots it activated are written in one transaction.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};
use crate::model::Tier;
use crate::model::decisions::{DecisionAction, DecisionRecord, VersionRecord};

/// One row of `review_queue`, as the validation pipeline left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub(crate) path: String,
    pub tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    pub(crate) arrived_at: String,
    pub verdict: Option<String>,
}

const DECISION_COLUMNS: &str = "id, tool, action, who, at, reason, from_version, to_version, \
     from_tier, to_tier, from_hash, to_hash";

impl Store {
    /// The content hashes that changes were asked of: a candidate still holding one has not
    /// changed since (the REVIEW.md the request wrote is not part of the content).
    pub(crate) fn changes_requested_of(
        &self,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT to_hash FROM decisions
                 WHERE action = 'request_changes' AND to_hash IS NOT NULL",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))
    }

    /// Records decisions and the snapshots they touched, all in one transaction, and returns
    /// the decisions with their ids. `activated` versions became active now (an existing row
    /// gets its `activated_at` renewed); `kept` versions were active before and are only
    /// indexed if they were not yet.
    pub fn record_decisions(
        &mut self,
        decisions: &[DecisionRecord],
        activated: &[VersionRecord],
        kept: &[VersionRecord],
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut stored = Vec::with_capacity(decisions.len());
        for d in decisions {
            tx.execute(
                "INSERT INTO decisions (tool, action, who, at, reason, from_version, to_version,
                 from_tier, to_tier, from_hash, to_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    d.tool,
                    d.action.as_str(),
                    d.who,
                    d.at,
                    d.reason,
                    d.from_version,
                    d.to_version,
                    d.from_tier.map(Tier::as_str),
                    d.to_tier.map(Tier::as_str),
                    d.from_hash,
                    d.to_hash,
                ],
            )
            .map_err(err)?;
            let mut d = d.clone();
            d.id = tx.last_insert_rowid();
            stored.push(d);
        }
        let upsert = "INSERT INTO versions (tool, version, content_hash, snapshot, activated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tool, version, content_hash)
             DO UPDATE SET activated_at = excluded.activated_at, snapshot = excluded.snapshot";
        let keep =
            "INSERT OR IGNORE INTO versions (tool, version, content_hash, snapshot, activated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)";
        let rows = kept.iter().map(|v| (keep, v));
        for (sql, v) in rows.chain(activated.iter().map(|v| (upsert, v))) {
            tx.execute(
                sql,
                params![
                    v.tool,
                    v.version,
                    v.content_hash,
                    v.snapshot,
                    v.activated_at
                ],
            )
            .map_err(err)?;
        }
        if let Some(first) = stored.first() {
            let mut rows: Vec<(&str, i64)> = stored.iter().map(|d| ("decisions", d.id)).collect();
            for v in activated.iter().chain(kept) {
                let rowid: i64 = tx
                    .query_row(
                        "SELECT rowid FROM versions
                         WHERE tool = ?1 AND version = ?2 AND content_hash = ?3",
                        params![v.tool, v.version, v.content_hash],
                        |row| row.get(0),
                    )
                    .map_err(err)?;
                rows.push(("versions", rowid));
            }
            // The decision a person asked for heads the entry: a supersede (recorded before
            // the approve, promote or rollback that caused it) is only its consequence.
            let head = stored
                .iter()
                .find(|d| d.action != DecisionAction::Supersede)
                .unwrap_or(first);
            let version = head.to_version.as_ref().or(head.from_version.as_ref());
            // One act over many tools (a person accepting a workspace's) is named by its count;
            // one over several versions of one tool (an undo puts one back, another away) by
            // the tool.
            let same_act = stored.len() > 1 && stored.iter().all(|d| d.action == head.action);
            let one_tool = stored.iter().all(|d| d.tool == head.tool);
            let entry = super::decision_log::NewEntry {
                at: head.at.clone(),
                who: head.who.clone(),
                action: head.action.as_str().to_string(),
                subject: match version {
                    _ if same_act && !one_tool => format!("{} tools", stored.len()),
                    _ if same_act => head.tool.clone(),
                    Some(v) => format!("{}@{v}", head.tool),
                    None => head.tool.clone(),
                },
                rows: Vec::new(),
            };
            super::log_decision(&path, &tx, entry, &rows)?;
        }
        tx.commit().map_err(err)?;
        Ok(stored)
    }

    /// True when this exact decision (tool, action, who, at, versions) is already recorded:
    /// how recovery tells a decision it must replay from one that made it to the store.
    pub(crate) fn has_decision(&self, d: &DecisionRecord) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM decisions WHERE tool = ?1 AND action = ?2 AND who = ?3 AND at = ?4
                 AND from_version IS ?5 AND to_version IS ?6 LIMIT 1",
                params![
                    d.tool,
                    d.action.as_str(),
                    d.who,
                    d.at,
                    d.from_version,
                    d.to_version
                ],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.error(e))
    }

    /// Every decision about `tool`, newest first.
    pub(crate) fn decisions_of(&self, tool: &str) -> Result<Vec<DecisionRecord>, StoreError> {
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE tool = ?1 ORDER BY at DESC, id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([tool], decision_from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The newest `limit` decisions about any tool, newest first. Ids are given in the order
    /// decisions are recorded, so the primary key orders them without reading the table.
    pub(crate) fn recent_decisions(&self, limit: usize) -> Result<Vec<DecisionRecord>, StoreError> {
        let sql = format!("SELECT {DECISION_COLUMNS} FROM decisions ORDER BY id DESC LIMIT ?1");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([limit], decision_from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The tier a version of `tool` was in before it was last moved to `archived/`: the one
    /// decision with this content hash if there is one, else the newest with this version.
    pub(crate) fn tier_before_archive(
        &self,
        tool: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<Option<Tier>, StoreError> {
        let tier: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT from_tier FROM decisions
                 WHERE tool = ?1 AND to_tier = 'archived' AND to_version = ?2
                 ORDER BY (to_hash IS ?3) DESC, at DESC, id DESC LIMIT 1",
                params![tool, version, content_hash],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        Ok(tier.flatten().and_then(|t| t.parse().ok()))
    }

    /// The snapshots of `tool`, most recently activated first.
    pub(crate) fn versions_of(&self, tool: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT tool, version, content_hash, snapshot, activated_at FROM versions
                 WHERE tool = ?1 ORDER BY activated_at DESC, rowid DESC",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([tool], |row| {
                Ok(VersionRecord {
                    tool: row.get(0)?,
                    version: row.get(1)?,
                    content_hash: row.get(2)?,
                    snapshot: row.get(3)?,
                    activated_at: row.get(4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Every row of the review queue the validation pipeline keeps.
    pub fn review_queue_rows(&self) -> Result<Vec<QueueRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT path, tool, version, content_hash, arrived_at, verdict FROM review_queue
                 ORDER BY arrived_at",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok(QueueRow {
                    path: row.get(0)?,
                    tool: row.get(1)?,
                    version: row.get(2)?,
                    content_hash: row.get(3)?,
                    arrived_at: row.get(4)?,
                    verdict: row.get(5)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

fn decision_from_row(row: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    let action: String = row.get(2)?;
    let tier = |i: usize| -> rusqlite::Result<Option<Tier>> {
        let text: Option<String> = row.get(i)?;
        Ok(text.and_then(|t| t.parse().ok()))
    };
    Ok(DecisionRecord {
        id: row.get(0)?,
        tool: row.get(1)?,
        // A newer toolbench may know more actions: shown as unknown rather than failing the
        // whole history, and never taken for one this toolbench knows.
        action: action.parse().unwrap_or(DecisionAction::Unknown),
        who: row.get(3)?,
        at: row.get(4)?,
        reason: row.get(5)?,
        from_version: row.get(6)?,
        to_version: row.get(7)?,
        from_tier: tier(8)?,
        to_tier: tier(9)?,
        from_hash: row.get(10)?,
        to_hash: row.get(11)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(action: DecisionAction, at: &str) -> DecisionRecord {
        DecisionRecord {
            id: 0,
            tool: "csv_to_json".into(),
            action,
            who: "ana".into(),
            at: at.into(),
            reason: None,
            from_version: Some("1.2.0".into()),
            to_version: Some("1.2.0".into()),
            from_tier: Some(Tier::Approved),
            to_tier: Some(Tier::Archived),
            from_hash: Some("aa".into()),
            to_hash: Some("aa".into()),
        }
    }

    /// An action a newer toolbench recorded is read as unknown: the history still reads, the
    /// action is not taken for an archive (as it once was), it is not undone, and its content
    /// loses its seal here rather than gaining one.
    #[test]
    fn an_action_this_toolbench_does_not_know_is_read_as_unknown_and_never_undone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let archived = decision(DecisionAction::Archive, "2026-01-01T00:00:00.000Z");
        store
            .record_decisions(std::slice::from_ref(&archived), &[], &[])
            .expect("record");
        store
            .conn
            .execute("UPDATE decisions SET action = 'quarantine'", [])
            .expect("a newer toolbench's action");
        let log = store
            .decisions_of("csv_to_json")
            .expect("the history reads");
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, DecisionAction::Unknown);
        assert_eq!(log[0].action.to_string(), "unknown");
        let refused = log[0].undo_move().expect_err("not undone");
        assert!(refused.contains("does not know"), "{refused}");
        assert_eq!(
            log[0].action.seal(),
            crate::model::decisions::SealEffect::Unseals
        );
        assert!(
            "unknown".parse::<DecisionAction>().is_err(),
            "never read from text"
        );
    }

    #[test]
    fn recent_decisions_are_the_newest_of_every_tool() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = decision(DecisionAction::Approve, "2026-01-01T00:00:00.000Z");
        let mut second = decision(DecisionAction::Reject, "2026-01-02T00:00:00.000Z");
        second.tool = "slugify".into();
        let third = decision(DecisionAction::Archive, "2026-01-03T00:00:00.000Z");
        for d in [first, second, third] {
            store
                .record_decisions(std::slice::from_ref(&d), &[], &[])
                .expect("record");
        }
        let recent = store.recent_decisions(2).expect("recent");
        let seen: Vec<(&str, DecisionAction)> =
            recent.iter().map(|d| (d.tool.as_str(), d.action)).collect();
        assert_eq!(
            seen,
            vec![
                ("csv_to_json", DecisionAction::Archive),
                ("slugify", DecisionAction::Reject)
            ]
        );
        assert_eq!(recent[0].versions_label(), "1.2.0");
    }

    #[test]
    fn a_decision_is_in_the_decision_log_with_its_rows_once_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let approve = decision(DecisionAction::Approve, "2026-01-01T00:00:00.000Z");
        let stored = store
            .record_decisions(std::slice::from_ref(&approve), &[], &[])
            .expect("record");
        let log = super::super::decision_log::DecisionLog::beside(store.path());
        let (entries, problem) = log.read().expect("read");
        assert_eq!(problem, None);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "approve");
        assert_eq!(entries[0].subject, "csv_to_json@1.2.0");
        assert_eq!(entries[0].rows[0].table, "decisions");
        assert_eq!(
            entries[0].rows[0].row["id"],
            serde_json::json!(stored[0].id)
        );
        assert_eq!(entries[0].rows[0].row["who"], serde_json::json!("ana"));
    }

    #[test]
    fn a_decision_the_log_refuses_is_not_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        // A file where the log's folder belongs: nothing can be appended.
        std::fs::write(dir.path().join(".toolbench/log"), "").expect("block");
        let approve = decision(DecisionAction::Approve, "2026-01-01T00:00:00.000Z");
        let refused = store.record_decisions(std::slice::from_ref(&approve), &[], &[]);
        assert!(
            matches!(refused, Err(StoreError::DecisionLog { .. })),
            "{refused:?}"
        );
        assert!(store.decisions_of("csv_to_json").expect("read").is_empty());
    }

    #[test]
    fn decisions_round_trip_newest_first_and_are_found_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = decision(DecisionAction::Archive, "2026-01-01T00:00:00.000Z");
        let second = decision(DecisionAction::Restore, "2026-01-02T00:00:00.000Z");
        let version = VersionRecord {
            tool: "csv_to_json".into(),
            version: "1.2.0".into(),
            content_hash: "aa".into(),
            snapshot: ".toolbench/versions/csv_to_json/1.2.0-aa".into(),
            activated_at: "2026-01-01T00:00:00.000Z".into(),
        };
        store
            .record_decisions(
                std::slice::from_ref(&first),
                &[],
                std::slice::from_ref(&version),
            )
            .expect("record");
        let renewed = VersionRecord {
            activated_at: "2026-01-03T00:00:00.000Z".into(),
            ..version.clone()
        };
        store
            .record_decisions(
                std::slice::from_ref(&second),
                std::slice::from_ref(&renewed),
                &[],
            )
            .expect("record");
        // Keeping an already indexed version never changes when it was activated.
        store
            .record_decisions(&[], &[], std::slice::from_ref(&version))
            .expect("keep");
        let history = store.decisions_of("csv_to_json").expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].action, DecisionAction::Restore);
        assert!(store.has_decision(&first).expect("query"));
        assert!(
            !store
                .has_decision(&decision(
                    DecisionAction::Archive,
                    "2027-01-01T00:00:00.000Z"
                ))
                .expect("query")
        );
        assert_eq!(store.versions_of("csv_to_json").expect("v"), vec![renewed]);
        assert_eq!(
            store
                .tier_before_archive("csv_to_json", "1.2.0", "aa")
                .expect("tier"),
            Some(Tier::Approved)
        );
    }
}
