//! Service instances and their exchanges: what survives every toolbench process, so the next
//! one can tell a live service (same pid, same start time) from a dead one.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};
use crate::model::services::{ExchangeRow, InstanceRow, InstanceState, LaunchRow};

/// Why an instance could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("instance {instance} is already running (tool {tool}, port {port})")]
    Running {
        instance: String,
        tool: String,
        port: u16,
    },
    #[error("port {port} is already used by instance {instance}")]
    PortTaken { port: u16, instance: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

const COLUMNS: &str = "name, tool, version, port, pid, start_ticks, state, started_at, \
                       stopped_at, last_exchange_at, log_dir, sandbox, error";

fn instance_row(row: &Row<'_>) -> rusqlite::Result<InstanceRow> {
    let state: String = row.get(6)?;
    Ok(InstanceRow {
        name: row.get(0)?,
        tool: row.get(1)?,
        version: row.get(2)?,
        port: row.get(3)?,
        pid: row.get(4)?,
        start_ticks: row.get::<_, Option<i64>>(5)?.map(|t| t.unsigned_abs()),
        state: state.parse().unwrap_or(InstanceState::Stopped),
        started_at: row.get(7)?,
        stopped_at: row.get(8)?,
        last_exchange_at: row.get(9)?,
        log_dir: row.get(10)?,
        sandbox: row.get(11)?,
        error: row.get(12)?,
    })
}

impl Store {
    /// Records `row` as starting, unless its name is live or its port is held by a live
    /// instance. One transaction, so two launches at once cannot both get a port.
    pub fn claim_instance(&mut self, row: &InstanceRow) -> Result<(), ClaimError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let live: Option<(String, u16)> = tx
            .query_row(
                "SELECT tool, port FROM service_instances WHERE name = ?1 AND state != 'stopped'",
                params![row.name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        if let Some((tool, port)) = live {
            return Err(ClaimError::Running {
                instance: row.name.clone(),
                tool,
                port,
            });
        }
        let holder: Option<String> = tx
            .query_row(
                "SELECT name FROM service_instances WHERE port = ?1 AND state != 'stopped'",
                params![row.port],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if let Some(instance) = holder {
            return Err(ClaimError::PortTaken {
                port: row.port,
                instance,
            });
        }
        tx.execute(
            &format!("INSERT OR REPLACE INTO service_instances ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
            params![
                row.name,
                row.tool,
                row.version,
                row.port,
                row.pid,
                row.start_ticks.map(|t| t as i64),
                row.state.as_str(),
                row.started_at,
                row.stopped_at,
                row.last_exchange_at,
                row.log_dir,
                row.sandbox,
                row.error
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err).map_err(ClaimError::from)
    }

    /// Names the instance's process once it is spawned.
    pub fn set_instance_process(
        &mut self,
        name: &str,
        pid: u32,
        start_ticks: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE service_instances SET pid = ?2, start_ticks = ?3 WHERE name = ?1",
                params![name, pid, start_ticks as i64],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Moves the instance to `state`; a stop records when, and `error` says why.
    pub(crate) fn set_instance_state(
        &mut self,
        name: &str,
        state: InstanceState,
        sandbox: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let stopped_at = (state == InstanceState::Stopped).then(crate::clock::now_rfc3339);
        self.conn
            .execute(
                "UPDATE service_instances SET state = ?2, error = ?3,
                     stopped_at = COALESCE(?4, stopped_at), sandbox = COALESCE(?5, sandbox)
                 WHERE name = ?1",
                params![name, state.as_str(), error, stopped_at, sandbox],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    pub(crate) fn instance(&self, name: &str) -> Result<Option<InstanceRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM service_instances WHERE name = ?1"),
                params![name],
                instance_row,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Every instance (only those not stopped with `live_only`), by name.
    pub(crate) fn instances(&self, live_only: bool) -> Result<Vec<InstanceRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM service_instances
                 WHERE ?1 = 0 OR state != 'stopped' ORDER BY name"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![live_only], instance_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Stores one exchange and marks the instance's last exchange.
    pub(crate) fn record_exchange(&mut self, row: &ExchangeRow) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO service_exchanges
                 (instance, at, message, context, response, raw, error, duration_ms, stdout_at,
                  stderr_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                row.instance,
                row.at,
                row.message,
                row.context,
                row.response,
                row.raw,
                row.error,
                row.duration_ms as i64,
                row.logs_at.map(|[out, _]| position(out)),
                row.logs_at.map(|[_, err]| position(err)),
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE service_instances SET last_exchange_at = ?2 WHERE name = ?1",
            params![row.instance, row.at],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The exchanges of `instance` after id `after`, oldest first.
    pub(crate) fn exchanges(
        &self,
        instance: &str,
        after: i64,
    ) -> Result<Vec<ExchangeRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, instance, at, message, context, response, raw, error, duration_ms,
                        stdout_at, stderr_at
                 FROM service_exchanges WHERE instance = ?1 AND id > ?2 ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![instance, after], |r| {
                let out: Option<i64> = r.get(9)?;
                let err: Option<i64> = r.get(10)?;
                Ok(ExchangeRow {
                    id: r.get(0)?,
                    instance: r.get(1)?,
                    at: r.get(2)?,
                    message: r.get(3)?,
                    context: r.get(4)?,
                    response: r.get(5)?,
                    raw: r.get(6)?,
                    error: r.get(7)?,
                    duration_ms: r.get::<_, i64>(8)?.unsigned_abs(),
                    logs_at: out
                        .zip(err)
                        .map(|(o, e)| [o.unsigned_abs(), e.unsigned_abs()]),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Records that `instance` is being launched; returns the launch's id.
    pub(crate) fn record_launch(
        &mut self,
        instance: &str,
        at: &str,
        port: u16,
        logs_from: [u64; 2],
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO service_launches (instance, at, port, stdout_from, stderr_from)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    instance,
                    at,
                    port,
                    position(logs_from[0]),
                    position(logs_from[1])
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records why the launch `id` failed.
    pub(crate) fn set_launch_error(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE service_launches SET error = ?2 WHERE id = ?1",
                params![id, error],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// The launches of `instance` after id `after`, oldest first.
    pub(crate) fn launches(
        &self,
        instance: &str,
        after: i64,
    ) -> Result<Vec<LaunchRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, instance, at, port, stdout_from, stderr_from, error
                 FROM service_launches WHERE instance = ?1 AND id > ?2 ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![instance, after], |r| {
                Ok(LaunchRow {
                    id: r.get(0)?,
                    instance: r.get(1)?,
                    at: r.get(2)?,
                    port: r.get(3)?,
                    logs_from: [
                        r.get::<_, i64>(4)?.unsigned_abs(),
                        r.get::<_, i64>(5)?.unsigned_abs(),
                    ],
                    error: r.get(6)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// A log position as SQLite stores it (a signed 64-bit integer; no log reaches 2^63 bytes).
fn position(at: u64) -> i64 {
    i64::try_from(at).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, port: u16) -> InstanceRow {
        InstanceRow {
            name: name.into(),
            tool: "echo_service".into(),
            version: "0.1.0".into(),
            port,
            pid: None,
            start_ticks: None,
            state: InstanceState::Starting,
            started_at: "2026-01-01T00:00:00Z".into(),
            stopped_at: None,
            last_exchange_at: None,
            log_dir: format!(".toolbench/services/{name}"),
            sandbox: String::new(),
            error: None,
        }
    }

    #[test]
    fn a_live_name_or_port_cannot_be_claimed_twice_until_stopped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.claim_instance(&row("a", 50001)).expect("first");
        let err = store.claim_instance(&row("b", 50001)).expect_err("port");
        assert_eq!(err.to_string(), "port 50001 is already used by instance a");
        assert!(matches!(
            store.claim_instance(&row("a", 50002)),
            Err(ClaimError::Running { .. })
        ));
        store
            .set_instance_state("a", InstanceState::Stopped, None, Some("stopped"))
            .expect("stop");
        store
            .claim_instance(&row("b", 50001))
            .expect("port free again");
        let listed = store.instances(true).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "b");
    }

    #[test]
    fn an_exchange_stored_lightly_is_read_by_the_next_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.sync_lightly().expect("light");
        store.claim_instance(&row("a", 50001)).expect("claim");
        let exchange = ExchangeRow {
            id: 0,
            instance: "a".into(),
            at: "2026-01-01T00:00:01Z".into(),
            message: "hi".into(),
            context: "{}".into(),
            response: Some("hi".into()),
            raw: None,
            error: None,
            duration_ms: 1,
            logs_at: None,
        };
        store.record_exchange(&exchange).expect("record");
        let wal = store.path().with_extension("db-wal");
        drop(store);
        assert!(wal.is_file(), "the log is left for a later checkpoint");
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.exchanges("a", 0).expect("exchanges").len(), 1);
    }

    #[test]
    fn a_light_writer_past_the_limit_leaves_an_empty_log_and_every_exchange() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.sync_lightly().expect("light");
        store.claim_instance(&row("a", 50001)).expect("claim");
        let wal = store.path().with_extension("db-wal");
        let log_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        for i in 0..12 {
            let exchange = ExchangeRow {
                id: 0,
                instance: "a".into(),
                at: "2026-01-01T00:00:01Z".into(),
                message: format!("{i}:{}", "x".repeat(64 * 1024)),
                context: "{}".into(),
                response: None,
                raw: None,
                error: None,
                duration_ms: 1,
                logs_at: None,
            };
            store.record_exchange(&exchange).expect("record");
            if i == 0 {
                store.trim_log();
                assert!(log_len() > 0, "a short log is left for a later checkpoint");
            }
        }
        assert!(log_len() > crate::store::LIGHT_LOG_LIMIT, "{}", log_len());
        store.trim_log();
        assert_eq!(log_len(), 0);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.exchanges("a", 0).expect("exchanges").len(), 12);
    }

    #[test]
    fn exchanges_are_kept_in_order_and_mark_the_instance() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store.claim_instance(&row("a", 50001)).expect("claim");
        for message in ["one", "two"] {
            store
                .record_exchange(&ExchangeRow {
                    id: 0,
                    instance: "a".into(),
                    at: "2026-01-01T00:00:01Z".into(),
                    message: message.into(),
                    context: "{}".into(),
                    response: Some(message.to_uppercase()),
                    raw: None,
                    error: None,
                    duration_ms: 1,
                    logs_at: Some([3, 4]),
                })
                .expect("record");
        }
        let all = store.exchanges("a", 0).expect("exchanges");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].logs_at, Some([3, 4]));
        assert_eq!(
            store.exchanges("a", all[0].id).expect("after")[0].message,
            "two"
        );
        let a = store.instance("a").expect("read").expect("exists");
        assert_eq!(a.last_exchange_at.as_deref(), Some("2026-01-01T00:00:01Z"));
    }
}
