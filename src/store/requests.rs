//! Tools agents ask for before they write them, and the human's answers.
//!
//! A request changes state once, by one conditional UPDATE on `state = 'pending'`, so when
//! two processes answer the same name at once exactly one of them does.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::{Store, StoreError};
use crate::model::requests::{RequestRow, RequestState};

/// A request as the MCP server writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewRequest {
    pub(crate) name: String,
    pub(crate) description: String,
    /// A JSON schema object, or a prose list as a JSON string.
    pub(crate) inputs: Value,
    pub(crate) outputs: Option<Value>,
    pub(crate) rationale: String,
    pub(crate) client: String,
    pub(crate) requested_at: String,
}

/// The end of a request, written only while it is still pending.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RequestAnswer {
    pub(crate) state: RequestState,
    pub(crate) who: String,
    pub(crate) at: String,
    pub(crate) reason: Option<String>,
}

const COLUMNS: &str = "id, name, description, inputs, outputs, rationale, client, requested_at,
    state, answered_by, answered_at, reason";

fn json_of(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn request_row(row: &Row) -> rusqlite::Result<RequestRow> {
    Ok(RequestRow {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        inputs: json_of(row.get(3)?),
        outputs: row.get::<_, Option<String>>(4)?.map(json_of),
        rationale: row.get(5)?,
        client: row.get(6)?,
        requested_at: row.get(7)?,
        state: RequestState::parse(&row.get::<_, String>(8)?),
        answered_by: row.get(9)?,
        answered_at: row.get(10)?,
        reason: row.get(11)?,
    })
}

impl Store {
    /// Writes a pending request; `None` when this client already has one pending for the
    /// name (the unique index decides, so two racing inserts cannot both land).
    pub(crate) fn insert_request(
        &mut self,
        request: &NewRequest,
    ) -> Result<Option<i64>, StoreError> {
        let changed = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO tool_requests (name, description, inputs, outputs,
                    rationale, client, requested_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
                params![
                    request.name,
                    request.description,
                    request.inputs.to_string(),
                    request.outputs.as_ref().map(Value::to_string),
                    request.rationale,
                    request.client,
                    request.requested_at,
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok((changed == 1).then(|| self.conn.last_insert_rowid()))
    }

    /// Request `id`, if there is one.
    pub(crate) fn request(&self, id: i64) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tool_requests WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_row([id], request_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The pending requests, oldest first.
    pub(crate) fn pending_requests(&self) -> Result<Vec<RequestRow>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM tool_requests WHERE state = 'pending' ORDER BY id");
        self.request_rows(&sql, params![])
    }

    /// The requests for one tool name, from every client, oldest first.
    pub fn requests_named(&self, name: &str) -> Result<Vec<RequestRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tool_requests WHERE name = ?1 ORDER BY id");
        self.request_rows(&sql, params![name])
    }

    /// The requests of `client` (for one name when `name` is given), oldest first.
    pub(crate) fn requests_of(
        &self,
        client: &str,
        name: Option<&str>,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tool_requests
             WHERE client = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY id"
        );
        self.request_rows(&sql, params![client, name])
    }

    /// Answers every pending request for `name`; returns their ids, none when nothing was
    /// pending (any more).
    pub(crate) fn answer_requests(
        &mut self,
        name: &str,
        answer: &RequestAnswer,
    ) -> Result<Vec<i64>, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut ids: Vec<i64> = {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE tool_requests SET state = ?2, answered_by = ?3, answered_at = ?4,
                        reason = ?5
                     WHERE name = ?1 AND state = 'pending' RETURNING id",
                )
                .map_err(err)?;
            let ids = stmt
                .query_map(
                    params![
                        name,
                        answer.state.as_str(),
                        answer.who,
                        answer.at,
                        answer.reason
                    ],
                    |row| row.get(0),
                )
                .map_err(err)?;
            ids.collect::<Result<_, _>>().map_err(err)?
        };
        ids.sort_unstable();
        if ids.is_empty() {
            return Ok(ids);
        }
        let entry = super::decision_log::NewEntry {
            at: answer.at.clone(),
            who: answer.who.clone(),
            action: format!("request_{}", answer.state.as_str()),
            subject: name.to_string(),
            rows: Vec::new(),
        };
        let rows: Vec<(&str, i64)> = ids.iter().map(|id| ("tool_requests", *id)).collect();
        super::log_decision(&path, &tx, entry, &rows)?;
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    fn request_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, request_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_request(name: &str, client: &str) -> NewRequest {
        NewRequest {
            name: name.into(),
            description: "Count the lines of a file".into(),
            inputs: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
            outputs: None,
            rationale: "I keep counting lines by hand".into(),
            client: client.into(),
            requested_at: "2026-11-22T10:00:00Z".into(),
        }
    }

    fn answer(state: RequestState) -> RequestAnswer {
        RequestAnswer {
            state,
            who: "ana".into(),
            at: "2026-11-22T10:01:00Z".into(),
            reason: Some("go ahead".into()),
        }
    }

    #[test]
    fn one_pending_request_per_client_and_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = store
            .insert_request(&new_request("line_count", "agent-1"))
            .expect("insert");
        assert!(first.is_some());
        let again = store
            .insert_request(&new_request("line_count", "agent-1"))
            .expect("insert again");
        assert_eq!(again, None, "one pending request per client and name");
        let other = store
            .insert_request(&new_request("line_count", "agent-2"))
            .expect("another client");
        assert!(other.is_some());
        assert_eq!(store.pending_requests().expect("pending").len(), 2);
        let mine = store.requests_of("agent-1", None).expect("mine");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].inputs["properties"]["path"]["type"], "string");
    }

    #[test]
    fn a_name_is_answered_once_and_may_then_be_asked_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let a = store
            .insert_request(&new_request("line_count", "agent-1"))
            .expect("a");
        let b = store
            .insert_request(&new_request("line_count", "agent-2"))
            .expect("b");
        let ids = store
            .answer_requests("line_count", &answer(RequestState::Approved))
            .expect("answer");
        assert_eq!(ids, [a, b].into_iter().flatten().collect::<Vec<_>>());
        let twice = store
            .answer_requests("line_count", &answer(RequestState::Rejected))
            .expect("twice");
        assert!(twice.is_empty(), "an answered request stays answered");
        let row = store.request(ids[0]).expect("read").expect("exists");
        assert_eq!(row.state, RequestState::Approved);
        assert_eq!(row.answered_by.as_deref(), Some("ana"));
        assert_eq!(row.reason.as_deref(), Some("go ahead"));
        assert!(store.pending_requests().expect("none").is_empty());
        let asked_again = store
            .insert_request(&new_request("line_count", "agent-1"))
            .expect("again");
        assert!(asked_again.is_some(), "answered requests do not block");
        assert_eq!(store.requests_named("line_count").expect("named").len(), 3);
    }
}
