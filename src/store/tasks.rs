//! MCP tasks: one row per long call, its state, its result and a client's request to cancel.
//!
//! A task leaves `working` or `input_required` by one conditional UPDATE, so a finished task
//! never changes again, whichever process writes last.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::{Store, StoreError};
use crate::model::tasks::{NewTask, TaskRow, TaskState};

const TASK_COLUMNS: &str = "id, client, tool, state, message, created_at, updated_at,
    expires_ms, ttl_ms, result, error, cancel_requested, server_pid, server_start";

/// The states a task still changes from.
const OPEN: &str = "state IN ('working', 'input_required')";

fn json_of(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn task_row(row: &Row) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        id: row.get(0)?,
        client: row.get(1)?,
        tool: row.get(2)?,
        state: TaskState::parse(&row.get::<_, String>(3)?),
        message: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        expires_ms: row.get(7)?,
        ttl_ms: row.get::<_, i64>(8)? as u64,
        result: json_of(row.get(9)?),
        error: json_of(row.get(10)?),
        cancel_requested: row.get(11)?,
        server_pid: row.get(12)?,
        server_start: row.get::<_, i64>(13)? as u64,
    })
}

impl Store {
    pub(crate) fn insert_task(&mut self, task: &NewTask) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO mcp_tasks (id, client, tool, state, created_at, updated_at,
                    expires_ms, ttl_ms, server_pid, server_start)
                 VALUES (?1, ?2, ?3, 'working', ?4, ?4, ?5, ?6, ?7, ?8)",
                params![
                    task.id,
                    task.client,
                    task.tool,
                    task.created_at,
                    task.expires_ms,
                    task.ttl_ms as i64,
                    task.server_pid,
                    task.server_start as i64,
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    pub(crate) fn task(&self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM mcp_tasks WHERE id = ?1");
        self.conn
            .query_row(&sql, [id], task_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Tasks still working or waiting, of every server.
    #[cfg(test)]
    pub(crate) fn open_tasks(&self) -> Result<Vec<TaskRow>, StoreError> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM mcp_tasks WHERE {OPEN} ORDER BY created_at");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        stmt.query_map([], task_row)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.error(e))
    }

    /// Where an open task stands now (`working` or `input_required`, and why). False when it
    /// had ended already.
    pub(crate) fn update_task(
        &mut self,
        id: &str,
        state: TaskState,
        message: Option<&str>,
        at: &str,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE mcp_tasks SET state = ?2, message = ?3, updated_at = ?4 WHERE id = ?1 AND {OPEN}"
        );
        let changed = self
            .conn
            .execute(&sql, params![id, state.as_str(), message, at])
            .map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    /// Ends an open task with its result (completed) or its error (failed), or as cancelled.
    /// False when it had ended already.
    pub(crate) fn finish_task(
        &mut self,
        id: &str,
        state: TaskState,
        outcome: Option<&Value>,
        at: &str,
    ) -> Result<bool, StoreError> {
        let (result, error) = match state {
            TaskState::Completed => (outcome.map(Value::to_string), None),
            TaskState::Failed => (None, outcome.map(Value::to_string)),
            _ => (None, None),
        };
        let sql = format!(
            "UPDATE mcp_tasks SET state = ?2, result = ?3, error = ?4, updated_at = ?5,
                message = NULL WHERE id = ?1 AND {OPEN}"
        );
        let changed = self
            .conn
            .execute(&sql, params![id, state.as_str(), result, error, at])
            .map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    /// Asks the server running an open task to cancel it. False when it had ended already.
    pub(crate) fn request_task_cancel(&mut self, id: &str) -> Result<bool, StoreError> {
        let sql = format!("UPDATE mcp_tasks SET cancel_requested = 1 WHERE id = ?1 AND {OPEN}");
        let changed = self.conn.execute(&sql, [id]).map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    /// The open tasks of the server `pid` (started at `start`) that a client asked to cancel.
    pub(crate) fn tasks_to_cancel(&self, pid: u32, start: u64) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT id FROM mcp_tasks WHERE cancel_requested = 1 AND server_pid = ?1
                AND server_start = ?2 AND {OPEN}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_map(params![pid, start as i64], |row| row.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.error(e))
    }

    /// Forgets the ended tasks whose time to live is over; returns how many.
    pub(crate) fn forget_expired_tasks(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        let sql = format!("DELETE FROM mcp_tasks WHERE expires_ms <= ?1 AND NOT ({OPEN})");
        self.conn.execute(&sql, [now_ms]).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_task(id: &str) -> NewTask {
        NewTask {
            id: id.into(),
            client: "claude-code".into(),
            tool: "slow".into(),
            created_at: "2026-11-25T10:00:00Z".into(),
            expires_ms: 1_000,
            ttl_ms: 1_000,
            server_pid: 1,
            server_start: 1,
        }
    }

    #[test]
    fn a_task_ends_once_and_keeps_its_result() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.insert_task(&new_task("t1")).expect("insert");
        let at = "2026-11-25T10:00:01Z";
        assert!(
            store
                .update_task("t1", TaskState::InputRequired, Some("waits"), at)
                .expect("update")
        );
        let result = serde_json::json!({"content": [], "isError": false});
        assert!(
            store
                .finish_task("t1", TaskState::Completed, Some(&result), at)
                .expect("finish")
        );
        // Later writers change nothing: not a cancel, not another end, not progress.
        assert!(!store.request_task_cancel("t1").expect("cancel"));
        assert!(store.tasks_to_cancel(1, 1).expect("to cancel").is_empty());
        assert!(
            !store
                .finish_task("t1", TaskState::Cancelled, None, at)
                .expect("again")
        );
        assert!(
            !store
                .update_task("t1", TaskState::Working, Some("late"), at)
                .expect("late")
        );
        let row = store.task("t1").expect("read").expect("row");
        assert_eq!(row.state, TaskState::Completed);
        assert_eq!(row.result, Some(result));
        assert_eq!(row.message, None);
        assert!(!row.cancel_requested);
    }

    #[test]
    fn only_ended_tasks_past_their_time_are_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.insert_task(&new_task("open")).expect("insert");
        store.insert_task(&new_task("done")).expect("insert");
        store
            .finish_task("done", TaskState::Cancelled, None, "2026-11-25T10:00:01Z")
            .expect("finish");
        assert_eq!(store.forget_expired_tasks(999).expect("early"), 0);
        assert_eq!(store.forget_expired_tasks(1_000).expect("due"), 1);
        assert!(store.task("done").expect("read").is_none());
        assert!(store.task("open").expect("read").is_some());
        assert_eq!(store.open_tasks().expect("open").len(), 1);
        assert!(store.request_task_cancel("open").expect("cancel"));
        assert_eq!(store.tasks_to_cancel(1, 1).expect("mine"), ["open"]);
        assert!(
            store
                .tasks_to_cancel(1, 2)
                .expect("a later process")
                .is_empty()
        );
    }
}
