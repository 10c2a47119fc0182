//! Tools agents proposed over MCP: who proposed what, and when, so an agent can ask how its
//! proposals fared.

use std::collections::HashMap;

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::proposals::ProposalRow;

impl Store {
    pub(crate) fn record_proposal(&mut self, row: &ProposalRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO proposals (tool, version, path, client, proposed_at, request_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    row.tool,
                    row.version,
                    row.path,
                    row.client,
                    row.proposed_at,
                    row.request_id
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Whether `row` is stored: the same folder, client and time of proposal.
    pub(crate) fn has_proposal(&self, row: &ProposalRow) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM proposals WHERE path = ?1 AND client = ?2 AND proposed_at = ?3",
            )
            .map_err(|e| self.error(e))?;
        stmt.exists(params![row.path, row.client, row.proposed_at])
            .map_err(|e| self.error(e))
    }

    /// The proposals of `client` (of one tool when `tool` is given), oldest first.
    pub(crate) fn proposals_of(
        &self,
        client: &str,
        tool: Option<&str>,
    ) -> Result<Vec<ProposalRow>, StoreError> {
        self.proposal_rows(
            "SELECT tool, version, path, client, proposed_at, request_id FROM proposals
             WHERE client = ?1 AND (?2 IS NULL OR tool = ?2) ORDER BY id",
            params![client, tool],
        )
    }

    /// The proposals that answered request `id`, oldest first.
    pub(crate) fn proposals_for_request(&self, id: i64) -> Result<Vec<ProposalRow>, StoreError> {
        self.proposal_rows(
            "SELECT tool, version, path, client, proposed_at, request_id FROM proposals
             WHERE request_id = ?1 ORDER BY id",
            params![id],
        )
    }

    fn proposal_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<ProposalRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, |row| {
                Ok(ProposalRow {
                    tool: row.get(0)?,
                    version: row.get(1)?,
                    path: row.get(2)?,
                    client: row.get(3)?,
                    proposed_at: row.get(4)?,
                    request_id: row.get(5)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The client that proposed each tool folder (relative path), the newest proposal winning.
    pub(crate) fn proposers(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path, client FROM proposals ORDER BY id")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Which client proposed the tool in `path`, if an agent did.
    #[cfg(test)]
    pub(crate) fn proposer_of(&self, path: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT client FROM proposals WHERE path = ?1 ORDER BY id DESC LIMIT 1")
            .map_err(|e| self.error(e))?;
        let mut rows = stmt.query([path]).map_err(|e| self.error(e))?;
        match rows.next().map_err(|e| self.error(e))? {
            Some(row) => row.get(0).map(Some).map_err(|e| self.error(e)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_are_kept_per_client() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let row = |tool: &str, client: &str| ProposalRow {
            tool: tool.into(),
            version: "1.0.0".into(),
            path: format!("experimental/{tool}"),
            client: client.into(),
            proposed_at: "2026-11-22T10:00:00Z".into(),
            request_id: (tool == "c").then_some(4),
        };
        store.record_proposal(&row("a", "agent-1")).expect("a");
        store.record_proposal(&row("b", "agent-1")).expect("b");
        store.record_proposal(&row("c", "agent-2")).expect("c");
        let mine = store.proposals_of("agent-1", None).expect("list");
        assert_eq!(mine, [row("a", "agent-1"), row("b", "agent-1")]);
        assert_eq!(
            store.proposals_of("agent-1", Some("b")).expect("one"),
            [row("b", "agent-1")]
        );
        assert_eq!(
            store.proposer_of("experimental/c").expect("who"),
            Some("agent-2".into())
        );
        assert_eq!(store.proposer_of("experimental/x").expect("none"), None);
        let all = store.proposers().expect("all");
        assert_eq!(
            all.get("experimental/a").map(String::as_str),
            Some("agent-1")
        );
        assert_eq!(all.len(), 3);
        assert_eq!(
            store.proposals_for_request(4).expect("linked"),
            [row("c", "agent-2")]
        );
    }
}
