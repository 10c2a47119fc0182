//! The cached catalog index: listing fields only, so loading 10,000 rows stays in milliseconds.
//! Manifests are re-read by the background scan, which then replaces the cache.

use std::path::{Path, PathBuf};

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::{ToolEntry, Words, words};

impl Store {
    /// Replaces the cached index with `entries` in one transaction, in the catalog's name
    /// order: the next start then sorts an already sorted list, a few milliseconds less
    /// before its first frame at 10,000 tools.
    pub fn save_index(&mut self, entries: &[ToolEntry]) -> Result<(), StoreError> {
        self.save_listing(Some(entries), &[], &[])
    }

    /// What a listing found, in one transaction: the rows (`save_index`) when `entries` is
    /// given, and the changes to the tool folders' shapes: shapes to write, folders to forget.
    pub(crate) fn save_listing(
        &mut self,
        entries: Option<&[ToolEntry]>,
        write: &[(PathBuf, Vec<u8>)],
        forget: &[PathBuf],
    ) -> Result<(), StoreError> {
        use std::os::unix::ffi::OsStrExt;
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        if let Some(entries) = entries {
            let mut ordered: Vec<&ToolEntry> = entries.iter().collect();
            ordered.sort_by(|a, b| a.name_order(b));
            tx.execute("DELETE FROM catalog_index", []).map_err(err)?;
            let mut insert = tx.prepare(INSERT_ROW).map_err(err)?;
            for e in ordered {
                insert_row(&mut insert, e).map_err(err)?;
            }
        }
        if !forget.is_empty() {
            let mut delete = tx
                .prepare("DELETE FROM catalog_folders WHERE path = ?1")
                .map_err(err)?;
            for folder in forget {
                delete
                    .execute([folder.as_os_str().as_bytes()])
                    .map_err(err)?;
            }
        }
        if !write.is_empty() {
            let mut insert = tx
                .prepare("INSERT OR REPLACE INTO catalog_folders (path, shape) VALUES (?1, ?2)")
                .map_err(err)?;
            for (folder, shape) in write {
                insert
                    .execute(params![folder.as_os_str().as_bytes(), shape])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The tool folders' shapes a listing left (`catalog::scan::FolderShapes`), by folder (as
    /// bytes, hashed fast: nothing here comes from a stranger who could aim for collisions).
    /// The folders' shapes, each encoded shape made into what the scan keeps of it (`T`)
    /// as it is read: a map of encoded shapes made into another was a second table of
    /// 10,000 entries.
    pub fn load_folder_shapes<T: From<Vec<u8>>>(
        &self,
    ) -> Result<foldhash::HashMap<std::ffi::OsString, T>, StoreError> {
        use std::os::unix::ffi::OsStringExt;
        let mut stmt = self
            .conn
            .prepare("SELECT path, shape FROM catalog_folders")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                let folder = std::ffi::OsString::from_vec(row.get(0)?);
                Ok((folder, T::from(row.get::<_, Vec<u8>>(1)?)))
            })
            .map_err(|e| self.error(e))?;
        // Sized at once: 10,000 shapes grown by doubling move every one again.
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM catalog_folders", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        let mut shapes = foldhash::HashMap::default();
        shapes.reserve(usize::try_from(count).unwrap_or(0));
        // A row that does not read as one is only a folder listed again.
        shapes.extend(rows.filter_map(Result::ok));
        Ok(shapes)
    }

    /// The seals a listing kept (`seal::known`), as it wrote them; none when it kept none.
    pub(crate) fn load_known_seals(&self) -> Result<Vec<u8>, StoreError> {
        self.conn
            .query_row("SELECT seals FROM catalog_seals WHERE id = 1", [], |row| {
                row.get(0)
            })
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(Vec::new()),
                e => Err(e),
            })
            .map_err(|e| self.error(e))
    }

    /// Keeps the seals a listing read, for the next (`seal::known`).
    pub(crate) fn save_known_seals(&mut self, seals: &[u8]) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO catalog_seals (id, seals) VALUES (1, ?1)",
                [seals],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The cached index, in name order (as saved; rows corrected since come last). Rows that no longer parse are skipped: the
    /// scan that follows rebuilds them.
    pub fn load_index(&self) -> Result<Vec<ToolEntry>, StoreError> {
        self.index_rows(ALL_COLUMNS, "", params![])
    }

    /// `load_index`, each row put straight into what `wrap` makes of it, in a list sized
    /// for every row at once: at 10,000 rows of about 450 bytes, a list grown by doubling
    /// (or moved into another) copies megabytes and touches twice their pages.
    pub(crate) fn load_index_as<T>(
        &self,
        wrap: impl FnMut(ToolEntry) -> T,
    ) -> Result<Vec<T>, StoreError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM catalog_index", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        let count = usize::try_from(count).unwrap_or(0);
        self.index_rows_as(ALL_COLUMNS, "", params![], count, wrap)
    }

    /// The cached index with only what tells tools apart and ranks them alike: path, tier,
    /// name, version, description, keywords and capabilities; every other field is left
    /// empty (no hash, no cost tier, no warnings). For comparing one tool with all others,
    /// where the whole rows of 10,000 tools cost a third more to read.
    pub(crate) fn load_listing(&self) -> Result<Vec<ToolEntry>, StoreError> {
        self.index_rows(LISTING_COLUMNS, "", params![])
    }

    /// What a first frame shows of the cached index of the workspace at `root`, without
    /// reading all of it: the first `rows` tools in the Catalog pane's `order` (name or
    /// tier; quality sorts by name until the statistics come), the first `rows` candidates in
    /// the Review pane's order of a start (by path: nothing has arrived yet and nothing
    /// cached drifts), and how many tools each tier holds. `None` when the index holds no
    /// more than the rows read: those are the whole of it (`load_index`).
    ///
    /// Nothing here reads the table whole. The Catalog's rows come through the name index and
    /// stop at `rows`; the tiers are counted from the tier index. A tool's row lies under its
    /// tier's folder (`ROOT/TIER/…`, as the scan and the watch read it), so the candidates are
    /// read within the experimental folder's range of the path index; when some row lies
    /// outside the four folders' ranges (an index written under another spelling of the
    /// root) they are read in path order from the tier column, as the app would. The orders
    /// are the app's (`ToolEntry::name_order`, tier then name and version, `PathBuf`'s):
    /// names and versions compare as bytes in both, and a candidate's path differs from
    /// another's only in its last component.
    pub(crate) fn index_head(
        &self,
        root: &Path,
        order: crate::model::SortOrder,
        rows: usize,
    ) -> Result<Option<crate::model::IndexHead>, StoreError> {
        use crate::model::SortOrder;
        use crate::model::Tier;
        let err = |e| self.error(e);
        // Counted from the tier index alone (`catalog_index_tier`): about 50 pages at 10,000
        // tools, where counting ranges of the path index read 200, each a fresh page of cache.
        // The whole index is counted from its pages' cell counts, the tiers but experimental
        // by their ranges, and experimental (the largest, agents' tier) is what is left:
        // every row's tier is one of the four, as the index is written from `Tier` alone. A
        // third of the time of counting every tier's rows (`GROUP BY tier`).
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        let total = self
            .conn
            .query_row("SELECT COUNT(*) FROM catalog_index", [], |row| row.get(0))
            .map(count)
            .map_err(err)?;
        let mut by_tier = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM catalog_index WHERE tier = ?1")
            .map_err(err)?;
        let mut grouped = Vec::new();
        for tier in Tier::ALL.iter().filter(|t| **t != Tier::Experimental) {
            let n = by_tier
                .query_row([tier.as_str()], |row| row.get(0))
                .map(count)
                .map_err(err)?;
            grouped.push((*tier, n));
        }
        let others: usize = grouped.iter().map(|(_, n)| n).sum();
        grouped.push((Tier::Experimental, total.saturating_sub(others)));
        let counts = Tier::tally(grouped);
        if total <= rows {
            return Ok(None);
        }
        let range = |tier: Tier| {
            let folder = root.join(tier.dir_name()).to_string_lossy().into_owned();
            (format!("{folder}/"), format!("{folder}0"))
        };
        // Every row under its tier's folder: nothing lies in the gaps before, between and
        // after the four folders' ranges of the path index (a seek each).
        let by_folder = {
            let mut ranges: Vec<_> = Tier::ALL.iter().map(|tier| range(*tier)).collect();
            ranges.sort();
            let mut bounded = self
                .conn
                .prepare(
                    "SELECT EXISTS (SELECT 1 FROM catalog_index WHERE path >= ?1 AND path < ?2)",
                )
                .map_err(err)?;
            let mut outside = false;
            // The end of the range before the gap: every path sorts at or after "".
            let mut after = "";
            for (from, to) in &ranges {
                outside |= bounded
                    .query_row(params![after, from], |row| row.get::<_, bool>(0))
                    .map_err(err)?;
                after = to;
            }
            outside |= self
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM catalog_index WHERE path >= ?1)",
                    params![after],
                    |row| row.get::<_, bool>(0),
                )
                .map_err(err)?;
            !outside
        };
        let limit = i64::try_from(rows).unwrap_or(i64::MAX);
        // Named: SQLite 3.50's planner, with no statistics, otherwise sorts the whole table
        // for the first rows by name (1,188 pages read at 10,000 tools instead of a few; the
        // index comes from migration 6 on). Sorted by tier, the whole table is read and
        // sorted: no index has that order.
        let by = match order {
            SortOrder::Name | SortOrder::Quality => {
                format!("INDEXED BY catalog_index_name ORDER BY name, {TIER_RANK}, version")
            }
            SortOrder::Tier => format!("ORDER BY {TIER_RANK}, name, version"),
        };
        let mut entries =
            self.index_rows(ALL_COLUMNS, &format!("{by} LIMIT ?1"), params![limit])?;
        // `+tier` keeps the planner off the tier index, whose equality it would otherwise
        // prefer: every candidate's row read and sorted by path (1,004 pages at 10,000 tools)
        // where the path index gives the first ones in order.
        let candidates = match by_folder {
            true => {
                let (from, to) = range(Tier::Experimental);
                self.index_rows(
                    ALL_COLUMNS,
                    "WHERE path >= ?2 AND path < ?3 AND +tier = 'experimental' \
                     ORDER BY path LIMIT ?1",
                    params![limit, from, to],
                )?
            }
            false => self.index_rows(
                ALL_COLUMNS,
                "WHERE +tier = 'experimental' ORDER BY path LIMIT ?1",
                params![limit],
            )?,
        };
        let shown: std::collections::HashSet<PathBuf> =
            entries.iter().map(|e| e.path.clone()).collect();
        entries.extend(candidates.into_iter().filter(|e| !shown.contains(&e.path)));
        Ok(Some(crate::model::IndexHead { entries, counts }))
    }

    /// The cached rows of the tools named `name` (every tier and version): where to look, not
    /// what is there; the caller reads those folders.
    pub fn index_named(&self, name: &str) -> Result<Vec<ToolEntry>, StoreError> {
        self.index_rows(ALL_COLUMNS, "WHERE name = ?1", params![name])
    }

    /// The cached rows whose content hash starts with `prefix` (lowercase hex): which tools a
    /// hash a person gave may name. A scan of the table, for a refusal's sake only.
    pub(crate) fn index_with_content(&self, prefix: &str) -> Result<Vec<ToolEntry>, StoreError> {
        self.index_rows(
            ALL_COLUMNS,
            "WHERE substr(content_hash, 1, length(?1)) = ?1",
            params![prefix],
        )
    }

    /// Corrects the cached index in one transaction: drops the rows of `gone` (folders that
    /// left) and writes `fresh` over the rows at their paths.
    pub(crate) fn refresh_index(
        &mut self,
        gone: &[&Path],
        fresh: &[ToolEntry],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut delete = tx
                .prepare("DELETE FROM catalog_index WHERE path = ?1")
                .map_err(err)?;
            for folder in gone {
                delete.execute([folder.to_string_lossy()]).map_err(err)?;
            }
            let mut insert = tx.prepare(INSERT_ROW).map_err(err)?;
            for e in fresh {
                insert_row(&mut insert, e).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The rows `filter` keeps, in the order it ends with (`ORDER BY rowid` when it has none).
    fn index_rows<P: rusqlite::Params>(
        &self,
        columns: &str,
        filter: &str,
        params: P,
    ) -> Result<Vec<ToolEntry>, StoreError> {
        self.index_rows_as(columns, filter, params, 0, |row| row)
    }

    /// `index_rows`, each row wrapped, into a list with room for `capacity` rows.
    fn index_rows_as<P: rusqlite::Params, T>(
        &self,
        columns: &str,
        filter: &str,
        params: P,
        capacity: usize,
        wrap: impl FnMut(ToolEntry) -> T,
    ) -> Result<Vec<T>, StoreError> {
        let order = match filter.contains("ORDER BY") {
            true => "",
            false => "ORDER BY rowid",
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {columns} FROM catalog_index {filter} {order}"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, |row| {
                let Some(tier) = parsed_column(row, 1) else {
                    return Ok(None);
                };
                Ok(Some(ToolEntry {
                    tier,
                    path: PathBuf::from(row.get::<_, String>(0).unwrap_or_default()),
                    name: row.get(2).unwrap_or_default(),
                    version: row.get(3).unwrap_or_default(),
                    description: row.get(4).unwrap_or_default(),
                    category: parsed_column(row, 5),
                    cost_tier: parsed_column(row, 6),
                    keywords: words_column(row, 7),
                    capabilities: words_column(row, 8),
                    inferred: row.get(9).unwrap_or(false),
                    content_hash: row.get(10).unwrap_or_default(),
                    error: row.get(11).unwrap_or(None),
                    oversized: row.get(14).unwrap_or(false),
                    fingerprint: row.get(13).unwrap_or_default(),
                    warnings: list_column(row, 12),
                    manifest: None,
                    writable_by_others: None,
                    has_lock: false,
                    drift: None,
                    signature: None,
                }))
            })
            .map_err(|e| self.error(e))?;
        let mut out = Vec::with_capacity(capacity);
        out.extend(rows.filter_map(|r| r.ok().flatten()).map(wrap));
        Ok(out)
    }
}

/// A tier's place in `Tier`'s order, for SQL.
const TIER_RANK: &str = "CASE tier WHEN 'core' THEN 0 WHEN 'approved' THEN 1 \
    WHEN 'experimental' THEN 2 ELSE 3 END";

/// The columns `index_rows` reads, in its order.
const ALL_COLUMNS: &str = "path, tier, name, version, description, category, cost_tier,
    keywords, capabilities, inferred, content_hash, error, warnings, fingerprint, oversized";
/// `ALL_COLUMNS` with the fields a listing leaves empty read as nothing, in the same order.
const LISTING_COLUMNS: &str = "path, tier, name, version, description, NULL, NULL,
    keywords, capabilities, 0, NULL, NULL, NULL, NULL, 0";

const INSERT_ROW: &str = "INSERT OR REPLACE INTO catalog_index (path, tier, name, version,
    description, category, cost_tier, keywords, capabilities, inferred, content_hash, error,
    warnings, fingerprint, oversized)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// What the index keeps of one tool, as its row's columns (`ALL_COLUMNS`' order).
#[derive(PartialEq)]
struct IndexRow<'a> {
    path: std::borrow::Cow<'a, str>,
    tier: &'static str,
    name: &'a str,
    version: &'a str,
    description: &'a str,
    category: Option<&'static str>,
    cost_tier: Option<&'static str>,
    keywords: &'a str,
    capabilities: &'a str,
    inferred: bool,
    content_hash: &'a str,
    error: Option<&'a str>,
    warnings: String,
    fingerprint: &'a str,
    oversized: bool,
}

impl<'a> IndexRow<'a> {
    fn of(e: &'a ToolEntry) -> Self {
        IndexRow {
            path: e.path.to_string_lossy(),
            tier: e.tier.as_str(),
            name: &e.name,
            version: &e.version,
            description: &e.description,
            category: e.category.map(|c| c.as_str()),
            cost_tier: e.cost_tier.map(|c| c.as_str()),
            keywords: e.keywords.joined(),
            capabilities: e.capabilities.joined(),
            inferred: e.inferred,
            content_hash: &e.content_hash,
            error: e.error.as_deref(),
            // Kept escaped (`catalog::scan`): no warning holds the words' separator.
            warnings: words::join(&e.warnings),
            fingerprint: &e.fingerprint,
            oversized: e.oversized,
        }
    }
}

/// Whether an index read as `indexed` already holds exactly the rows `entries` would write:
/// a scan that found nothing changed then writes nothing (no transaction, no sync).
pub(crate) fn index_holds(indexed: &[ToolEntry], entries: &[ToolEntry]) -> bool {
    if indexed.len() != entries.len() {
        return false;
    }
    let rows: foldhash::HashMap<&Path, IndexRow<'_>> = indexed
        .iter()
        .map(|e| (e.path.as_path(), IndexRow::of(e)))
        .collect();
    rows.len() == entries.len()
        && entries
            .iter()
            .all(|e| rows.get(e.path.as_path()) == Some(&IndexRow::of(e)))
}

/// Whether the index would keep `a` and `b` as the same row.
pub(crate) fn same_row(a: &ToolEntry, b: &ToolEntry) -> bool {
    a.path == b.path && IndexRow::of(a) == IndexRow::of(b)
}

fn insert_row(insert: &mut rusqlite::Statement<'_>, e: &ToolEntry) -> rusqlite::Result<usize> {
    let row = IndexRow::of(e);
    insert.execute(params![
        row.path,
        row.tier,
        row.name,
        row.version,
        row.description,
        row.category,
        row.cost_tier,
        row.keywords,
        row.capabilities,
        row.inferred,
        row.content_hash,
        row.error,
        row.warnings,
        row.fingerprint,
        row.oversized,
    ])
}

/// A column holding an enum's name, parsed where it lies in SQLite's row; `None` when it is
/// empty or no longer names a value.
fn parsed_column<T: std::str::FromStr>(row: &rusqlite::Row<'_>, column: usize) -> Option<T> {
    column_text(row, column)?.parse().ok()
}

/// A list of plain strings (a tool's warnings), split where it lies in SQLite's row.
fn list_column(row: &rusqlite::Row<'_>, column: usize) -> Vec<String> {
    column_text(row, column)
        .map(|text| Words::split(text).map(String::from).collect())
        .unwrap_or_default()
}

/// A text column where it lies in SQLite's row; `None` when it holds no text.
fn column_text<'row>(row: &'row rusqlite::Row<'_>, column: usize) -> Option<&'row str> {
    row.get_ref(column).ok()?.as_str().ok()
}

/// A list of words, its text as the column holds it: one allocation for the list, and none
/// for an empty one.
fn words_column(row: &rusqlite::Row<'_>, column: usize) -> Words {
    column_text(row, column)
        .map(Words::from_joined)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CostTier, Tier};

    #[test]
    fn lists_read_back_as_written_and_empty_ones_share_one_list() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let with = |path: &str, keywords: &[&str]| ToolEntry {
            tier: Tier::Experimental,
            path: path.into(),
            name: "x".into(),
            version: "1.0.0".into(),
            description: "d".into(),
            category: None,
            cost_tier: None,
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            capabilities: Default::default(),
            inferred: false,
            content_hash: "h".into(),
            error: None,
            oversized: false,
            fingerprint: "f".into(),
            warnings: Vec::new(),
            manifest: None,
            writable_by_others: None,
            has_lock: false,
            drift: None,
            signature: None,
        };
        let entries = [
            with("/w/experimental/a", &[]),
            with("/w/experimental/b", &["one"]),
            with("/w/experimental/c", &["one", "", "three"]),
            with("/w/experimental/d", &[]),
        ];
        store.save_index(&entries).expect("save");
        let mut loaded = store.load_index().expect("load");
        loaded.sort_by(|a, b| a.path.cmp(&b.path));
        let keywords: Vec<Vec<String>> = loaded
            .iter()
            .map(|e| e.keywords.iter().map(String::from).collect())
            .collect();
        assert_eq!(
            keywords,
            vec![
                vec![],
                vec!["one".to_string()],
                vec!["one".to_string(), String::new(), "three".to_string()],
                vec![],
            ]
        );
        assert!(
            std::ptr::eq(loaded[0].keywords.joined(), loaded[3].keywords.joined()),
            "empty lists are one shared list"
        );
        assert!(std::ptr::eq(
            loaded[0].keywords.joined(),
            loaded[1].capabilities.joined()
        ));
    }

    #[test]
    fn index_round_trips_listing_fields() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let entry = ToolEntry {
            tier: Tier::Approved,
            path: "/w/approved/x".into(),
            name: "x".into(),
            version: "1.0.0".into(),
            description: "d".into(),
            category: None,
            cost_tier: Some(CostTier::High),
            keywords: ["a", "b"].into_iter().collect(),
            capabilities: Default::default(),
            inferred: true,
            content_hash: "h".into(),
            error: Some("bad".into()),
            oversized: true,
            fingerprint: "f".into(),
            warnings: vec!["w".into()],
            manifest: None,
            writable_by_others: None,
            has_lock: false,
            drift: None,
            signature: None,
        };
        store
            .save_index(std::slice::from_ref(&entry))
            .expect("save");
        store
            .save_index(std::slice::from_ref(&entry))
            .expect("save again replaces");
        let loaded = Store::open(dir.path())
            .expect("reopen")
            .load_index()
            .expect("load");
        assert_eq!(loaded, vec![entry.clone()]);
        let listed = store.load_listing().expect("listing");
        let expected = ToolEntry {
            cost_tier: None,
            inferred: false,
            content_hash: String::new(),
            error: None,
            oversized: false,
            fingerprint: String::new(),
            warnings: Vec::new(),
            ..entry
        };
        assert_eq!(listed, vec![expected], "the listing fields alone");
    }

    #[test]
    fn the_index_comes_back_in_name_order_whatever_order_it_was_saved_in() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(dir.path()).expect("open");
        let mut archived_b = row("b", "archived/b", "h1");
        archived_b.tier = Tier::Archived;
        let scanned = [
            row("c", "experimental/c", "h2"),
            archived_b,
            row("a", "experimental/a", "h3"),
            row("b", "experimental/b", "h4"),
        ];
        store.save_index(&scanned).expect("save");
        let loaded = store.load_index().expect("load");
        let order: Vec<_> = loaded
            .iter()
            .map(|e| e.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            order,
            [
                "experimental/a",
                "experimental/b",
                "archived/b",
                "experimental/c"
            ]
        );
    }

    fn row(name: &str, path: &str, hash: &str) -> ToolEntry {
        ToolEntry {
            tier: Tier::Experimental,
            path: path.into(),
            name: name.into(),
            version: "1.0.0".into(),
            description: Default::default(),
            category: None,
            cost_tier: None,
            keywords: Default::default(),
            capabilities: Default::default(),
            inferred: false,
            content_hash: hash.into(),
            error: None,
            oversized: false,
            fingerprint: String::new(),
            warnings: vec![],
            manifest: None,
            writable_by_others: None,
            has_lock: false,
            drift: None,
            signature: None,
        }
    }

    /// A scan that finds what the index holds (in any order) writes nothing; a changed field,
    /// a tool more or a tool less does.
    #[test]
    fn an_index_holds_a_scan_only_when_every_row_is_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut scanned = vec![
            row("b", "/w/experimental/b", "1"),
            row("a", "/w/approved/a", "2"),
        ];
        scanned[0].warnings = vec!["no tests".into()];
        scanned[0].fingerprint = "f1".into();
        store.save_index(&scanned).expect("save");
        let indexed = store.load_index().expect("load");
        assert!(index_holds(&indexed, &scanned));

        let mut edited = scanned.clone();
        edited[1].description = "another".into();
        assert!(!index_holds(&indexed, &edited), "a field changed");
        let mut touched = scanned.clone();
        touched[0].fingerprint = "f2".into();
        assert!(
            !index_holds(&indexed, &touched),
            "its files' metadata changed"
        );
        assert!(!index_holds(&indexed, &scanned[..1]), "a tool left");
        let mut more = scanned.clone();
        more.push(row("c", "/w/experimental/c", "3"));
        assert!(!index_holds(&indexed, &more), "a tool came");
    }

    /// The head of an index is its first rows in the catalog's orders (a row corrected since
    /// the save, last by rowid, among them), the first candidates by path, and every tier's
    /// count; an index no bigger than the rows asked for has no head: it is read whole.
    #[test]
    fn the_head_of_the_index_is_its_first_rows_in_each_panes_order_and_every_count() {
        use crate::model::SortOrder;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut saved = Vec::new();
        for i in 0..20 {
            let mut entry = row(
                &format!("t{i:02}"),
                &format!("/w/experimental/z{:02}", 20 - i),
                "h",
            );
            if i % 4 == 0 {
                entry.tier = Tier::Approved;
                entry.path = format!("/w/approved/t{i:02}").into();
            }
            saved.push(entry);
        }
        store.save_index(&saved).expect("save");
        let corrected = row("a_late", "/w/experimental/zz", "h2");
        store
            .refresh_index(&[], std::slice::from_ref(&corrected))
            .expect("corrected");
        let root = Path::new("/w");
        assert!(
            store
                .index_head(root, SortOrder::Name, 21)
                .expect("head")
                .is_none()
        );

        let head = store
            .index_head(root, SortOrder::Name, 3)
            .expect("head")
            .expect("more rows than asked");
        // Under another spelling of the root the ranges find nothing: the same, read slower.
        let elsewhere = store
            .index_head(Path::new("/x/w"), SortOrder::Name, 3)
            .expect("head")
            .expect("more rows than asked");
        assert_eq!(
            (&elsewhere.entries, elsewhere.counts),
            (&head.entries, head.counts)
        );
        assert_eq!(
            head.counts,
            [
                (Tier::Core, 0),
                (Tier::Approved, 5),
                (Tier::Experimental, 16),
                (Tier::Archived, 0)
            ]
        );
        let names: Vec<&str> = head.entries.iter().map(|e| e.name.as_str()).collect();
        // By name: the corrected row first; then the first candidates by path (z01 is t19).
        assert_eq!(names, ["a_late", "t00", "t01", "t19", "t18", "t17"]);
        assert_eq!(head.entries[0], corrected);

        let by_tier = store
            .index_head(root, SortOrder::Tier, 2)
            .expect("head")
            .expect("more rows than asked");
        let names: Vec<&str> = by_tier.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["t00", "t04", "t19", "t18"]);
    }

    /// Each tier is counted, experimental as what the others leave of the whole index.
    #[test]
    fn the_head_counts_every_tier() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let tiers = [
            (Tier::Core, 3),
            (Tier::Approved, 2),
            (Tier::Experimental, 4),
            (Tier::Archived, 1),
        ];
        let saved: Vec<ToolEntry> = tiers
            .iter()
            .flat_map(|(tier, n)| {
                (0..*n).map(move |i| ToolEntry {
                    tier: *tier,
                    ..row(
                        &format!("{}{i}", tier.as_str()),
                        &format!("/w/{}/t{i}", tier.dir_name()),
                        "h",
                    )
                })
            })
            .collect();
        store.save_index(&saved).expect("save");
        let head = store
            .index_head(Path::new("/w"), crate::model::SortOrder::Name, 2)
            .expect("head")
            .expect("more rows than asked");
        assert_eq!(head.counts, tiers);
    }

    /// A row outside the tier folders' ranges of the path index (written under another layout)
    /// is found by the seeks between them: the candidates are then read from the tier column,
    /// and the row is counted and shown with the rest.
    #[test]
    fn a_row_between_the_tier_folders_is_still_counted_and_shown() {
        use crate::model::SortOrder;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut saved: Vec<ToolEntry> = (0..6)
            .map(|i| row(&format!("t{i}"), &format!("/w/experimental/t{i}"), "h"))
            .collect();
        for (name, path) in [("gap", "/w/b-between/gap"), ("last", "/w/zz/last")] {
            saved.push(row(name, path, "h"));
            store.save_index(&saved).expect("save");
            let head = store
                .index_head(Path::new("/w"), SortOrder::Name, 2)
                .expect("head")
                .expect("more rows than asked");
            assert_eq!(head.counts[2], (Tier::Experimental, saved.len()), "{path}");
            let names: Vec<&str> = head.entries.iter().map(|e| e.name.as_str()).collect();
            // By name, then the first candidates in path order (`gap` sorts first of those
            // too): read in the experimental folder's range alone, they would be t0 and t1.
            let expected: &[&str] = match name {
                "gap" => &["gap", "t0"],
                _ => &["gap", "last", "t0"],
            };
            assert_eq!(names, expected, "{path}");
        }
    }

    #[test]
    fn rows_of_one_name_are_looked_up_and_corrected_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let (a1, a2, b) = (
            row("a", "/w/experimental/a", "1"),
            row("a", "/w/experimental/a-2", "2"),
            row("b", "/w/experimental/b", "3"),
        );
        store
            .save_index(&[a1.clone(), b.clone(), a2.clone()])
            .expect("save");
        assert_eq!(
            store.index_named("a").expect("named"),
            vec![a1.clone(), a2.clone()]
        );
        // a-2 left, a changed in place: only those rows change.
        let changed = row("a", "/w/experimental/a", "4");
        store
            .refresh_index(
                &[Path::new("/w/experimental/a-2")],
                std::slice::from_ref(&changed),
            )
            .expect("refresh");
        assert_eq!(store.index_named("a").expect("named"), vec![changed]);
        assert_eq!(store.index_named("b").expect("named"), vec![b]);
        assert!(store.index_named("c").expect("named").is_empty());
    }
}
