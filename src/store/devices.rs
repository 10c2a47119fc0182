//! The review page's pairing codes and the sessions of paired devices. Codes and session
//! secrets are kept only as hashes; a code is used once, by one conditional UPDATE, so two
//! devices presenting it at once cannot both pair.

use rusqlite::{Connection, OptionalExtension, Row, params};

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

/// Why a device name takes no new pairing code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameTaken {
    /// A device of that name is paired.
    Paired,
    /// A code made for that name waits to be redeemed, until then.
    Waiting { until: String },
}

/// What redeeming a code came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Redeemed {
    /// The device of that name is paired with the session.
    Paired(String),
    /// The code pairs nothing: unknown, used or expired.
    Refused,
    /// The code was for a name a device paired meanwhile (two codes made for one name): it
    /// is used up and pairs nothing.
    NameTaken(String),
}

/// Whether a device of this name holds a session that was not revoked.
fn paired(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM web_devices WHERE name = ?1 AND revoked_at IS NULL")?
        .exists([name])
}

/// Whether `name` takes no new code at `now`: a device of that name is paired, or a code made
/// for it may still be redeemed (two codes for one name would pair it twice).
fn name_taken(conn: &Connection, name: &str, now: &str) -> rusqlite::Result<Option<NameTaken>> {
    if paired(conn, name)? {
        return Ok(Some(NameTaken::Paired));
    }
    let until: Option<String> = conn
        .prepare_cached(
            "SELECT max(expires_at) FROM web_pairing_codes
             WHERE device = ?1 AND used_at IS NULL AND expires_at > ?2",
        )?
        .query_row(params![name, now], |row| row.get(0))?;
    Ok(until.map(|until| NameTaken::Waiting { until }))
}

impl Store {
    /// Keeps a pairing code (its hash) for `device`, good until `expires_at`, unless the name
    /// is taken at `created_at`: then nothing is kept and this says why. Checked and kept in
    /// one transaction, so two processes cannot both make a code for one name.
    pub(crate) fn insert_pairing_code(
        &mut self,
        code_hash: &str,
        device: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<Option<NameTaken>, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        if let Some(taken) = name_taken(&tx, device, created_at).map_err(err)? {
            return Ok(Some(taken));
        }
        tx.execute(
            "INSERT INTO web_pairing_codes (code_hash, device, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![code_hash, device, created_at, expires_at],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(None)
    }

    /// Uses the code whose hash is `code_hash`, if it is unused and not expired at `now`, and
    /// opens `session` for its device, unless a device of that name is paired by now.
    pub(crate) fn redeem_pairing_code(
        &mut self,
        code_hash: &str,
        now: &str,
        session: &NewSession<'_>,
    ) -> Result<Redeemed, StoreError> {
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
            return Ok(Redeemed::Refused);
        };
        if paired(&tx, &device).map_err(err)? {
            // Used up all the same: a link refused once never pairs later.
            tx.commit().map_err(err)?;
            return Ok(Redeemed::NameTaken(device));
        }
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
        Ok(Redeemed::Paired(device))
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

    /// Why `name` takes no new pairing code at `now`, `None` when it is free.
    pub(crate) fn device_name_taken(
        &self,
        name: &str,
        now: &str,
    ) -> Result<Option<NameTaken>, StoreError> {
        name_taken(&self.conn, name, now).map_err(|e| self.error(e))
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
        for (code, device) in [("c1", "phone"), ("c2", "tablet")] {
            let kept = store
                .insert_pairing_code(code, device, made, "2026-11-26T10:10:00.000Z")
                .expect("code");
            assert_eq!(kept, None);
        }
        let late = "2026-11-26T10:10:00.001Z";
        let session = |hash| NewSession {
            session_hash: hash,
            ..SESSION
        };
        assert_eq!(
            store
                .redeem_pairing_code("c2", late, &session("s2"))
                .expect("redeem"),
            Redeemed::Refused,
            "expired"
        );
        let now = "2026-11-26T10:05:00.000Z";
        assert_eq!(
            store
                .redeem_pairing_code("c1", now, &SESSION)
                .expect("redeem"),
            Redeemed::Paired("phone".into())
        );
        assert_eq!(
            store
                .redeem_pairing_code("c1", now, &session("s3"))
                .expect("redeem"),
            Redeemed::Refused,
            "used"
        );
        assert_eq!(
            store.device_of_session("s1", now).expect("read").as_deref(),
            Some("phone")
        );
        assert_eq!(
            store.device_name_taken("phone", now).expect("read"),
            Some(NameTaken::Paired)
        );
        assert!(store.revoke_device("phone", now).expect("revoke"));
        assert!(!store.revoke_device("phone", now).expect("revoke"), "once");
        assert_eq!(store.device_of_session("s1", now).expect("read"), None);
        assert_eq!(store.device_name_taken("phone", now).expect("read"), None);
        assert!(store.devices(false).expect("list").is_empty());
        assert_eq!(store.devices(true).expect("list").len(), 1);
    }

    /// One name, one device: a second code is refused while the first may be redeemed or its
    /// device is paired, and a code that meets a name paired since pairs nothing, cleanly.
    #[test]
    fn a_name_takes_one_code_at_a_time_and_a_second_code_never_pairs_it_twice() {
        let (_dir, mut store) = store();
        let made = "2026-11-26T10:00:00.000Z";
        let until = "2026-11-26T10:10:00.000Z";
        assert_eq!(
            store
                .insert_pairing_code("c1", "phone", made, until)
                .expect("code"),
            None
        );
        assert_eq!(
            store
                .insert_pairing_code("c2", "phone", made, until)
                .expect("code"),
            Some(NameTaken::Waiting {
                until: until.into()
            })
        );
        // Once the first code expired, the name takes a code again.
        let later = "2026-11-26T10:10:00.001Z";
        assert_eq!(store.device_name_taken("phone", later).expect("read"), None);
        // Two codes for one name, as an older build made them.
        store
            .conn
            .execute(
                "INSERT INTO web_pairing_codes (code_hash, device, created_at, expires_at)
                 VALUES ('c2', 'phone', ?1, ?2)",
                params![made, until],
            )
            .expect("a second code");
        let now = "2026-11-26T10:05:00.000Z";
        assert_eq!(
            store
                .redeem_pairing_code("c1", now, &SESSION)
                .expect("redeem"),
            Redeemed::Paired("phone".into())
        );
        let second = NewSession {
            session_hash: "s2",
            ..SESSION
        };
        assert_eq!(
            store
                .redeem_pairing_code("c2", now, &second)
                .expect("no store error"),
            Redeemed::NameTaken("phone".into())
        );
        assert_eq!(store.devices(true).expect("list").len(), 1);
        assert!(store.revoke_device("phone", now).expect("revoke"));
        assert_eq!(
            store
                .redeem_pairing_code("c2", now, &second)
                .expect("redeem"),
            Redeemed::Refused,
            "used up when it was refused"
        );
    }
}
