//! Cached validation reports, kept in the `review_queue` row of each tool path.
//!
//! A report is valid only for the content it judged: a lookup names the content hash, and a
//! row with another hash is a miss. Saving keeps the row's `arrived_at` (when validation first
//! saw the path), so re-validating never moves a candidate in the queue.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A validation report as the review queue row of its tool's path keeps it.
#[derive(Debug, Clone, Copy)]
pub struct ValidationRow<'a> {
    pub path: &'a str,
    pub tool: &'a str,
    pub version: &'a str,
    pub content_hash: &'a str,
    pub verdict: &'a str,
    /// The report, as `validate --json` prints it.
    pub json: &'a str,
    /// When the tool arrived: set by the path's first save, kept by the later ones.
    pub arrived_at: &'a str,
}

impl Store {
    /// The report JSON saved for `path` (relative to the workspace root) when it was made for
    /// exactly `content_hash`.
    pub(crate) fn cached_validation(
        &self,
        path: &str,
        content_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT validation FROM review_queue WHERE path = ?1 AND content_hash = ?2",
                params![path, content_hash],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// The newest report JSON saved for exactly `content_hash` at any path: the same content
    /// after a decision moved it (a candidate approved into `approved/`).
    pub(crate) fn validation_of_content(
        &self,
        content_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT validation FROM review_queue
                 WHERE content_hash = ?1 AND validation IS NOT NULL
                 ORDER BY rowid DESC LIMIT 1",
                params![content_hash],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// True when a saved report judged exactly `content_hash`, at whatever path: a person can
    /// have read it.
    pub(crate) fn has_validation_of(&self, content_hash: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM review_queue
                 WHERE content_hash = ?1 AND validation IS NOT NULL)",
                params![content_hash],
                |row| row.get::<_, bool>(0),
            )
            .map_err(|e| self.error(e))
    }

    /// The content hash the report saved for `path` judged, if it has one.
    pub(crate) fn validated_hash_at(&self, path: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT content_hash FROM review_queue WHERE path = ?1 AND validation IS NOT NULL",
                params![path],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Saves a report for its path, replacing the one before.
    pub fn save_validation(&mut self, row: &ValidationRow<'_>) -> Result<(), StoreError> {
        let ValidationRow {
            path,
            tool,
            version,
            content_hash,
            verdict,
            json,
            arrived_at,
        } = *row;
        self.conn
            .execute(
                "INSERT INTO review_queue (path, tool, version, content_hash, arrived_at, verdict,
                 validation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (path) DO UPDATE SET tool = excluded.tool,
                   version = excluded.version, content_hash = excluded.content_hash,
                   verdict = excluded.verdict, validation = excluded.validation",
                params![path, tool, version, content_hash, arrived_at, verdict, json],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passing report of `content_hash` for `path`, which arrived on 2026-11-21.
    fn row<'a>(path: &'a str, content_hash: &'a str, json: &'a str) -> ValidationRow<'a> {
        ValidationRow {
            path,
            tool: "t",
            version: "1.0.0",
            content_hash,
            verdict: "pass",
            json,
            arrived_at: "2026-11-21T10:00:00.000Z",
        }
    }

    fn arrived_at(store: &Store, path: &str) -> String {
        store
            .conn
            .query_row(
                "SELECT arrived_at FROM review_queue WHERE path = ?1",
                [path],
                |row| row.get(0),
            )
            .expect("row")
    }

    #[test]
    fn a_report_is_served_only_for_the_content_it_judged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let path = "experimental/t";
        assert_eq!(store.cached_validation(path, "h1").expect("read"), None);
        store
            .save_validation(&row(path, "h1", "{\"v\":1}"))
            .expect("save");
        assert_eq!(
            store
                .cached_validation(path, "h1")
                .expect("read")
                .as_deref(),
            Some("{\"v\":1}")
        );
        assert_eq!(store.cached_validation(path, "h2").expect("read"), None);
        assert_eq!(store.cached_validation("other", "h1").expect("read"), None);
    }

    #[test]
    fn saving_again_replaces_the_report_and_keeps_arrival() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let path = "experimental/t";
        store.save_validation(&row(path, "h1", "{}")).expect("save");
        assert_eq!(arrived_at(&store, path), "2026-11-21T10:00:00.000Z");
        store
            .save_validation(&ValidationRow {
                version: "1.1.0",
                verdict: "fail",
                arrived_at: "2026-11-22T08:00:00.000Z",
                ..row(path, "h2", "{\"v\":2}")
            })
            .expect("save again");
        assert_eq!(arrived_at(&store, path), "2026-11-21T10:00:00.000Z");
        assert_eq!(store.cached_validation(path, "h1").expect("read"), None);
        assert_eq!(
            store
                .cached_validation(path, "h2")
                .expect("read")
                .as_deref(),
            Some("{\"v\":2}")
        );
        let rows = store.review_queue_rows().expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].verdict.as_deref(), Some("fail"));
        assert_eq!(rows[0].version, "1.1.0");
    }

    #[test]
    fn a_validation_is_found_by_the_content_it_judged_wherever_it_lies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        assert!(!store.has_validation_of("h1").expect("read"));
        store
            .save_validation(&row("experimental/t", "h1", "{}"))
            .expect("save");
        assert!(store.has_validation_of("h1").expect("read"));
        assert!(!store.has_validation_of("h2").expect("read"));
        assert_eq!(
            store.validated_hash_at("experimental/t").expect("read"),
            Some("h1".to_string())
        );
        assert_eq!(
            store.validated_hash_at("experimental/u").expect("read"),
            None
        );
    }
}
