//! The review page's pairing codes and the sessions of paired devices. Codes and session
//! secrets are kept only as hashes; a code is used once, by one conditional UPDATE, so two
//! devices presenting it at once cannot both pair.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};
use crate::model::devices::DeviceRow;

const DEVICE_COLUMNS: &str = "name, paired_at, expires_at, revoked_at";

fn device_row(row: &Row) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        name: row.get(0)?,
        paired_at: row.get(1)?,
        expires_at: row.get(2)?,
        revoked_at: row.get(3)?,
    })
}

/// A session a redeemed code opens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewSession<'a> {
    pub(crate) session_hash: &'a str,
    pub(crate) paired_at: &'a str,
    pub(crate) expires_at: &'a str,
}

impl Store {
    /// Keeps a pairing code (its hash) for `device`, good until `expires_at`.
    pub(crate) fn insert_pairing_code(
        &mut self,
        code_hash: &str,
        device: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO web_pairing_codes (code_hash, device, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, device, created_at, expires_at],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Uses the code whose hash is `code_hash`, if it is unused and not expired at `now`, and
    /// opens `session` for its device; returns the device's name, `None` for a code that
    /// pairs nothing (unknown, used or expired).
    pub(crate) fn redeem_pairing_code(
        &mut self,
        code_hash: &str,
        now: &str,
        session: &NewSession<'_>,
    ) -> Result<Option<String>, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let device: Option<String> = tx
            .query_row(
                "UPDATE web_pairing_codes SET used_at = ?2
                 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                 RETURNING device",
                params![code_hash, now],
                |row| row.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(device) = device else {
            return Ok(None);
        };
        tx.execute(
            "INSERT INTO web_devices (name, session_hash, paired_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                device,
                session.session_hash,
                session.paired_at,
                session.expires_at
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(device))
    }

    /// The device whose session secret hashes to `session_hash`, while the session holds at
    /// `now` (not revoked, not expired).
    pub(crate) fn device_of_session(
        &self,
        session_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name FROM web_devices
                 WHERE session_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_row(params![session_hash, now], |row| row.get(0))
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Whether a device of this name holds a session that was not revoked.
    pub(crate) fn device_is_paired(&self, name: &str) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM web_devices WHERE name = ?1 AND revoked_at IS NULL")
            .map_err(|e| self.error(e))?;
        stmt.exists([name]).map_err(|e| self.error(e))
    }

    /// Devices ever paired (revoked ones too when `all`), newest first.
    pub(crate) fn devices(&self, all: bool) -> Result<Vec<DeviceRow>, StoreError> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM web_devices
             WHERE ?1 OR revoked_at IS NULL ORDER BY id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([all], device_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Ends the session of the device `name`; false when none of that name holds one.
    pub(crate) fn revoke_device(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE web_devices SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, at],
            )
            .map_err(|e| self.error(e))?;
        Ok(changed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        (dir, store)
    }

    const SESSION: NewSession<'static> = NewSession {
        session_hash: "s1",
        paired_at: "2026-11-26T10:00:00.000Z",
        expires_at: "2026-12-26T10:00:00.000Z",
    };

    #[test]
    fn a_code_pairs_once_and_never_after_it_expires() {
        let (_dir, mut store) = store();
        let made = "2026-11-26T10:00:00.000Z";
        store
            .insert_pairing_code("c1", "phone", made, "2026-11-26T10:10:00.000Z")
            .expect("code");
        store
            .insert_pairing_code("c2", "tablet", made, "2026-11-26T10:10:00.000Z")
            .expect("code");
        let late = "2026-11-26T10:10:00.001Z";
        assert_eq!(
            store
                .redeem_pairing_code(
                    "c2",
                    late,
                    &NewSession {
                        session_hash: "s2",
                        ..SESSION
                    }
                )
                .expect("redeem"),
            None,
            "expired"
        );
        let now = "2026-11-26T10:05:00.000Z";
        assert_eq!(
            store
                .redeem_pairing_code("c1", now, &SESSION)
                .expect("redeem")
                .as_deref(),
            Some("phone")
        );
        assert_eq!(
            store
                .redeem_pairing_code(
                    "c1",
                    now,
                    &NewSession {
                        session_hash: "s3",
                        ..SESSION
                    }
                )
                .expect("redeem"),
            None,
            "used"
        );
        assert_eq!(
            store.device_of_session("s1", now).expect("read").as_deref(),
            Some("phone")
        );
        assert!(store.device_is_paired("phone").expect("read"));
        assert!(store.revoke_device("phone", now).expect("revoke"));
        assert!(!store.revoke_device("phone", now).expect("revoke"), "once");
        assert_eq!(store.device_of_session("s1", now).expect("read"), None);
        assert!(store.devices(false).expect("list").is_empty());
        assert_eq!(store.devices(true).expect("list").len(), 1);
    }
}
