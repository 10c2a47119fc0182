//! Agent calls waiting for a human, their answers, and the "approve always" rules.
//!
//! Every state change of a call is one conditional UPDATE on `state = 'pending'`, so when two
//! processes answer the same call at once exactly one of them changes it.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::{Store, StoreError};
use crate::model::calls::{Answer, CallRow, CallState, NewCall, RuleRow};

const CALL_COLUMNS: &str = "id, tool, version, content_hash, arguments, input_schema, client, why,
    requested_at, state, server_pid, server_start, answered_by, answered_at, reason,
    approved_arguments, rule_id, task_id";
const RULE_COLUMNS: &str = "id, tool, version, content_hash, pattern, from_call, created_by,
    created_at, revoked_by, revoked_at";

fn json_of(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn call_row(row: &Row) -> rusqlite::Result<CallRow> {
    Ok(CallRow {
        id: row.get(0)?,
        tool: row.get(1)?,
        version: row.get(2)?,
        content_hash: row.get(3)?,
        arguments: json_of(row.get(4)?),
        input_schema: json_of(row.get(5)?),
        client: row.get(6)?,
        why: row.get(7)?,
        requested_at: row.get(8)?,
        state: CallState::parse(&row.get::<_, String>(9)?),
        server_pid: row.get(10)?,
        server_start: row.get::<_, i64>(11)? as u64,
        answered_by: row.get(12)?,
        answered_at: row.get(13)?,
        reason: row.get(14)?,
        approved_arguments: row.get::<_, Option<String>>(15)?.map(json_of),
        rule: row.get(16)?,
        task: row.get(17)?,
    })
}

fn rule_row(row: &Row) -> rusqlite::Result<RuleRow> {
    Ok(RuleRow {
        id: row.get(0)?,
        tool: row.get(1)?,
        version: row.get(2)?,
        content_hash: row.get(3)?,
        pattern: row.get::<_, Option<String>>(4)?.map(json_of),
        from_call: row.get(5)?,
        created_by: row.get(6)?,
        created_at: row.get(7)?,
        revoked_by: row.get(8)?,
        revoked_at: row.get(9)?,
    })
}

impl Store {
    /// Writes a waiting call; returns its id.
    pub(crate) fn insert_call(&mut self, call: &NewCall) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO agent_calls (tool, version, content_hash, arguments, input_schema,
                    client, why, requested_at, state, server_pid, server_start, task_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?10, ?11)",
                params![
                    call.tool,
                    call.version,
                    call.content_hash,
                    call.arguments.to_string(),
                    call.input_schema.to_string(),
                    call.client,
                    call.why,
                    call.requested_at,
                    call.server_pid,
                    call.server_start as i64,
                    call.task,
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub(crate) fn call(&self, id: i64) -> Result<Option<CallRow>, StoreError> {
        let sql = format!("SELECT {CALL_COLUMNS} FROM agent_calls WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_row([id], call_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The ids of the calls still waiting, through the state index: what a server waiting on
    /// several of them looks up at once.
    pub(crate) fn pending_call_ids(&self) -> Result<std::collections::HashSet<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM agent_calls WHERE state = 'pending'")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The pending calls, oldest first; with `all`, every call, newest first.
    pub(crate) fn calls(&self, all: bool) -> Result<Vec<CallRow>, StoreError> {
        let sql = if all {
            format!("SELECT {CALL_COLUMNS} FROM agent_calls ORDER BY id DESC")
        } else {
            format!("SELECT {CALL_COLUMNS} FROM agent_calls WHERE state = 'pending' ORDER BY id")
        };
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt.query_map([], call_row).map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Every call still waiting and the newest `limit` calls, newest first: the waiting ones
    /// through the state index, the others through the primary key.
    pub(crate) fn recent_calls(&self, limit: usize) -> Result<Vec<CallRow>, StoreError> {
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM agent_calls WHERE state = 'pending'
             OR id IN (SELECT id FROM agent_calls ORDER BY id DESC LIMIT ?1) ORDER BY id DESC"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([limit], call_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Ends a pending call; false when it was not pending (any more).
    pub(crate) fn answer_call(&mut self, id: i64, answer: &Answer) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        if !answer_in(&tx, id, answer).map_err(err)? {
            return Ok(false);
        }
        let entry = call_entry(id, answer, format!("call_{}", answer.state));
        super::log_decision(&path, &tx, entry, &[("agent_calls", id)])?;
        tx.commit().map_err(err)?;
        Ok(true)
    }

    /// Approves a pending call and leaves a rule for the next ones, both or neither.
    /// Returns the rule's id, or `None` when the call was not pending.
    pub(crate) fn approve_with_rule(
        &mut self,
        id: i64,
        rule: &RuleRow,
        answer: &Answer,
    ) -> Result<Option<i64>, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO approval_rules (tool, version, content_hash, pattern, from_call,
                created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                rule.tool,
                rule.version,
                rule.content_hash,
                rule.pattern.as_ref().map(Value::to_string),
                rule.from_call,
                rule.created_by,
                rule.created_at,
            ],
        )
        .map_err(err)?;
        let rule_id = tx.last_insert_rowid();
        let answer = Answer {
            rule: Some(rule_id),
            ..answer.clone()
        };
        if !answer_in(&tx, id, &answer).map_err(err)? {
            // Dropping the transaction takes the rule back.
            return Ok(None);
        }
        let entry = call_entry(id, &answer, "call_approved_always".to_string());
        let rows = [("agent_calls", id), ("approval_rules", rule_id)];
        super::log_decision(&path, &tx, entry, &rows)?;
        tx.commit().map_err(err)?;
        Ok(Some(rule_id))
    }

    /// The rules, newest first; revoked ones only with `all`.
    pub(crate) fn rules(&self, all: bool) -> Result<Vec<RuleRow>, StoreError> {
        let filter = if all { "" } else { "WHERE revoked_at IS NULL" };
        let sql = format!("SELECT {RULE_COLUMNS} FROM approval_rules {filter} ORDER BY id DESC");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt.query_map([], rule_row).map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The rules in force for one tool at one version and content.
    pub(crate) fn rules_for(
        &self,
        tool: &str,
        version: &str,
        content_hash: &str,
    ) -> Result<Vec<RuleRow>, StoreError> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM approval_rules WHERE tool = ?1 AND version = ?2
             AND content_hash = ?3 AND revoked_at IS NULL ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![tool, version, content_hash], rule_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    pub(crate) fn rule(&self, id: i64) -> Result<Option<RuleRow>, StoreError> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM approval_rules WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_row([id], rule_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Revokes a rule in force; false when there is none by that id or it was revoked.
    pub(crate) fn revoke_rule(&mut self, id: i64, who: &str, at: &str) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let changed = tx
            .execute(
                "UPDATE approval_rules SET revoked_by = ?2, revoked_at = ?3
                 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, who, at],
            )
            .map_err(err)?;
        if changed != 1 {
            return Ok(false);
        }
        let entry = super::decision_log::NewEntry {
            at: at.to_string(),
            who: who.to_string(),
            action: "rule_revoked".to_string(),
            subject: format!("rule {id}"),
            rows: Vec::new(),
        };
        super::log_decision(&path, &tx, entry, &[("approval_rules", id)])?;
        tx.commit().map_err(err)?;
        Ok(true)
    }
}

/// The decision log's entry for an answer to call `id`.
fn call_entry(id: i64, answer: &Answer, action: String) -> super::decision_log::NewEntry {
    super::decision_log::NewEntry {
        at: answer.at.clone(),
        who: answer.who.clone(),
        action,
        subject: format!("call {id}"),
        rows: Vec::new(),
    }
}

fn answer_in(conn: &rusqlite::Connection, id: i64, answer: &Answer) -> rusqlite::Result<bool> {
    conn.execute(
        "UPDATE agent_calls SET state = ?2, answered_by = ?3, answered_at = ?4, reason = ?5,
            approved_arguments = ?6, rule_id = ?7
         WHERE id = ?1 AND state = 'pending'",
        params![
            id,
            answer.state.as_str(),
            answer.who,
            answer.at,
            answer.reason,
            answer.arguments.as_ref().map(Value::to_string),
            answer.rule,
        ],
    )
    .map(|changed| changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_call(tool: &str) -> NewCall {
        let server = crate::proc_stat::ProcessId {
            pid: 1,
            start_ticks: 2,
        };
        NewCall {
            content_hash: "h1".into(),
            arguments: json!({"path": "a"}),
            requested_at: "2026-11-22T10:00:00Z".into(),
            ..NewCall::fixture(tool, server)
        }
    }

    #[test]
    fn pending_ids_are_those_no_one_answered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = store.insert_call(&new_call("a")).expect("first");
        let second = store.insert_call(&new_call("b")).expect("second");
        store
            .answer_call(first, &answer(CallState::Approved))
            .expect("answered");
        let pending = store.pending_call_ids().expect("ids");
        assert_eq!(pending, std::collections::HashSet::from([second]));
    }

    fn answer(state: CallState) -> Answer {
        Answer {
            state,
            who: "ana".into(),
            at: "2026-11-22T10:01:00Z".into(),
            reason: None,
            arguments: None,
            rule: None,
        }
    }

    #[test]
    fn a_call_is_answered_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = store.insert_call(&new_call("deploy")).expect("insert");
        assert_eq!(store.calls(false).expect("pending").len(), 1);
        assert!(
            store
                .answer_call(id, &answer(CallState::Approved))
                .expect("first")
        );
        assert!(
            !store
                .answer_call(id, &answer(CallState::Rejected))
                .expect("second")
        );
        let row = store.call(id).expect("read").expect("exists");
        assert_eq!(row.state, CallState::Approved);
        assert_eq!(row.arguments, json!({"path": "a"}));
        assert!(store.calls(false).expect("pending").is_empty());
        assert_eq!(store.calls(true).expect("all").len(), 1);
    }

    #[test]
    fn recent_calls_keep_every_waiting_one_and_the_newest_answered_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let waiting = store.insert_call(&new_call("deploy")).expect("insert");
        let mut answered = Vec::new();
        for _ in 0..3 {
            let id = store.insert_call(&new_call("backup")).expect("insert");
            store
                .answer_call(id, &answer(CallState::Rejected))
                .expect("answer");
            answered.push(id);
        }
        let ids: Vec<i64> = store
            .recent_calls(2)
            .expect("recent")
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, vec![answered[2], answered[1], waiting]);
    }

    #[test]
    fn a_rule_is_kept_only_with_the_approval_it_came_with() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = store.insert_call(&new_call("deploy")).expect("insert");
        let rule = RuleRow {
            id: 0,
            tool: "deploy".into(),
            version: "1.0.0".into(),
            content_hash: "h1".into(),
            pattern: Some(json!({"path": "a"})),
            from_call: Some(id),
            created_by: "ana".into(),
            created_at: "2026-11-22T10:01:00Z".into(),
            revoked_by: None,
            revoked_at: None,
        };
        let approved = answer(CallState::Approved);
        let first = store
            .approve_with_rule(id, &rule, &approved)
            .expect("first");
        assert!(first.is_some());
        assert_eq!(
            store
                .approve_with_rule(id, &rule, &approved)
                .expect("again"),
            None
        );
        assert_eq!(store.rules(false).expect("rules").len(), 1);
        let found = store.rules_for("deploy", "1.0.0", "h1").expect("for");
        assert_eq!(found[0].pattern, Some(json!({"path": "a"})));
        assert!(
            store
                .rules_for("deploy", "1.1.0", "h1")
                .expect("other")
                .is_empty()
        );
        let rule_id = found[0].id;
        assert!(store.revoke_rule(rule_id, "ana", "now").expect("revoke"));
        assert!(!store.revoke_rule(rule_id, "ana", "now").expect("twice"));
        assert!(store.rules(false).expect("in force").is_empty());
        assert_eq!(store.rules(true).expect("all").len(), 1);
        // The answer with its rule, then the revocation, each logged once: the refused
        // second tries left nothing.
        let log = crate::store::decision_log::DecisionLog::beside(store.path());
        let (entries, problem) = log.read().expect("log");
        assert_eq!(problem, None);
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["call_approved_always", "rule_revoked"]);
        assert_eq!(entries[0].rows[1].table, "approval_rules");
        assert_eq!(entries[1].rows[0].row["revoked_by"], json!("ana"));
    }
}
