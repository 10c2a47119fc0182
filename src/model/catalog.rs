//! The catalog as a front end holds it: every tool of every tier in memory, searchable,
//! sortable and found by name, version or hash. Reading it from disk is `crate::catalog`'s.

pub(crate) mod search;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::model::{Tier, ToolEntry, ToolId, short_hash};
use search::SearchIndex;

/// Ways to order the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Name,
    Tier,
    /// Best quality first; the catalog itself orders by name and the caller re-sorts with
    /// the statistics it holds.
    Quality,
}

impl SortOrder {
    pub(crate) fn next(self) -> Self {
        match self {
            SortOrder::Name => SortOrder::Tier,
            SortOrder::Tier => SortOrder::Quality,
            SortOrder::Quality => SortOrder::Name,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            SortOrder::Name => "name",
            SortOrder::Tier => "tier",
            SortOrder::Quality => "quality",
        }
    }
}

/// Why a NAME or NAME@VERSION did not resolve to one tool.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LookupError {
    #[error("no tool named {0:?} in the workspace (see `toolbench list`)")]
    NotFound(String),
    #[error("tool {name:?} has no version {version} (known: {known})")]
    NoSuchVersion {
        name: String,
        version: String,
        known: String,
    },
    /// Asked for by its content hash (a row a person saw, a call a person cleared), and that
    /// content is no longer there.
    #[error(
        "{tool}: the content you asked for ({wanted}) is not there ({found}): it changed since it was shown, or the hash is not one it had; look at it again"
    )]
    ContentChanged {
        tool: String,
        wanted: String,
        /// What is there now: `folder hash12` each.
        found: String,
    },
    /// Asked for by a content hash that is another tool's (copied from the wrong row).
    #[error(
        "{tool}: the content you asked for ({wanted}) is another tool's: {owners}; name that tool, or give {name}'s own hash (toolbench show {name})"
    )]
    AnotherToolsContent {
        tool: String,
        name: String,
        wanted: String,
        /// `NAME@VERSION tier/folder hash12` each.
        owners: String,
    },
    /// Two folders or more of one tier answer: never resolved by picking one.
    #[error("{tool}: several match ({choices}); say which with {how}")]
    Ambiguous {
        tool: String,
        /// `NAME@VERSION tier/folder hash12` each.
        choices: String,
        how: &'static str,
    },
    /// Asked for in the folder a front end saw it in, and that folder holds no tool of the
    /// workspace any more.
    #[error("{tool}: {folder} holds no tool any more; it changed since it was shown")]
    FolderLeft { tool: String, folder: String },
}

impl LookupError {
    /// The error for `id`, which each of `several` answers: a version tells them apart, or
    /// only their content when they share it.
    pub(crate) fn ambiguous(id: &ToolId, several: &[&ToolEntry]) -> Self {
        let mut choices: Vec<String> = several.iter().map(|e| tool_label(e)).collect();
        choices.sort();
        let one_version = several.windows(2).all(|w| w[0].version == w[1].version);
        let tier = several.first().map_or(Tier::Experimental, |e| e.tier);
        LookupError::Ambiguous {
            tool: format!("{id} in {tier}/"),
            choices: choices.join(", "),
            how: if one_version {
                "--hash PREFIX"
            } else {
                "NAME@VERSION or --hash PREFIX"
            },
        }
    }

    /// The error for `id`, whose content hash is the content of `owners`, other tools.
    pub(crate) fn another_tools_content(id: &ToolId, owners: &[ToolEntry]) -> Self {
        LookupError::AnotherToolsContent {
            tool: id.to_string(),
            name: id.name.clone(),
            wanted: wanted_hash(id),
            owners: owners.iter().map(tool_label).collect::<Vec<_>>().join(", "),
        }
    }

    /// The error for `id`, whose name and version are there but not its content.
    pub(crate) fn content_changed<'e>(
        id: &ToolId,
        there: impl IntoIterator<Item = &'e ToolEntry>,
    ) -> Self {
        let found: Vec<String> = there.into_iter().map(content_label).collect();
        LookupError::ContentChanged {
            tool: id.to_string(),
            wanted: wanted_hash(id),
            found: found.join(", "),
        }
    }
}

/// The content hash `id` asks for, short, as a refusal names it.
fn wanted_hash(id: &ToolId) -> String {
    id.hash
        .as_deref()
        .map(short_hash)
        .unwrap_or("?")
        .to_string()
}

/// `x@1.0.0 experimental/x 3fa2c1d04e1b`: a tool's id, folder and content, as errors name
/// one of several tools.
fn tool_label(entry: &ToolEntry) -> String {
    format!("{} {}", entry.id(), content_label(entry))
}

/// `experimental/x 3fa2c1d04e1b`: a tool's folder (tier and folder name) and its content,
/// as errors list them.
pub(crate) fn content_label(entry: &ToolEntry) -> String {
    let folder = entry
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hash = if entry.content_hash.is_empty() {
        "(no hash)"
    } else {
        short_hash(&entry.content_hash)
    };
    format!("{}/{folder} {hash}", entry.tier)
}

/// More tools than this in one change are folded in by one pass over the catalog (and its
/// search index built again) rather than one by one: each insertion or removal moves the
/// entries after it.
const EDIT_ONE_BY_ONE: usize = 32;

/// A clone shares the entries (a pointer) and copies the search index; changing the clone
/// (`Catalog::update`) then copies the entries once, so a snapshot others hold never changes.
#[derive(Clone)]
pub struct Catalog {
    /// Shared, so a snapshot for the state store or a validation costs a pointer, not a copy.
    entries: Arc<Vec<ToolEntry>>,
    /// Built on the first search: the first frame and every scan result never wait for it.
    search: OnceLock<SearchIndex>,
    /// The entries are known to be in tier and path order (as a scan and `merge`
    /// leave them), so a change finds its places by binary search.
    by_path: bool,
}

/// How many tools, not which: a catalog may hold thousands.
impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("tools", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    pub fn new(entries: Vec<ToolEntry>) -> Self {
        Self::from_shared(Arc::new(entries))
    }

    pub(crate) fn from_shared(entries: Arc<Vec<ToolEntry>>) -> Self {
        Self {
            entries,
            search: OnceLock::new(),
            by_path: false,
        }
    }

    /// Folds in what the watcher (or a decision's reload) read: entries at `removed` or
    /// `updated` paths go, the updated ones come in, in tier and path order, as
    /// [`merge`] leaves them. A change of a few tools costs those tools (a
    /// binary search and one move each, in the entries and in the search index if built),
    /// not a copy of every entry and a new index; only when others still hold these entries
    /// are they copied first.
    pub(crate) fn update(&mut self, updated: Vec<ToolEntry>, removed: &[PathBuf]) {
        let entries = Arc::make_mut(&mut self.entries);
        if !self.by_path {
            self.by_path = entries.is_sorted_by(|a, b| path_order(a, b).is_le());
        }
        if !self.by_path || updated.len() + removed.len() > EDIT_ONE_BY_ONE {
            let all = std::mem::take(entries);
            *entries = merge(all, updated, removed);
            self.search = OnceLock::new();
            self.by_path = true;
            return;
        }
        let mut search = self.search.get_mut();
        let touched = removed
            .iter()
            .map(PathBuf::as_path)
            .chain(updated.iter().map(|e| e.path.as_path()));
        for path in touched {
            while let Some(at) = position_of(entries, path) {
                entries.remove(at);
                if let Some(index) = search.as_deref_mut() {
                    index.remove(at);
                }
            }
        }
        for entry in updated {
            let at = entries
                .binary_search_by(|e| path_order(e, &entry))
                .unwrap_or_else(|at| at);
            if let Some(index) = search.as_deref_mut() {
                index.insert(at, &entry);
            }
            entries.insert(at, entry);
        }
    }

    /// Marks every entry with `mark` (its drift, as `SealBook::mark` sets it), which keeps
    /// each entry's tier, path and searched text: the order and the search index stay.
    pub(crate) fn mark_with(&mut self, mark: impl FnOnce(&mut [ToolEntry])) {
        mark(Arc::make_mut(&mut self.entries).as_mut_slice());
    }

    /// The entries, shared with this catalog.
    pub(crate) fn shared_entries(&self) -> Arc<Vec<ToolEntry>> {
        Arc::clone(&self.entries)
    }

    pub fn entries(&self) -> &[ToolEntry] {
        &self.entries
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn search(&self) -> &SearchIndex {
        self.search
            .get_or_init(|| SearchIndex::build(&self.entries))
    }

    /// Number of tools in each tier, in tier order.
    pub(crate) fn counts_per_tier(&self) -> [(Tier, usize); 4] {
        Tier::tally(self.entries.iter().map(|entry| (entry.tier, 1)))
    }

    /// Entry indices ordered for display.
    pub fn sorted_indices(&self, order: SortOrder) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..self.entries.len()).collect();
        let e = &self.entries;
        // Borrowed keys: sorting 10,000 tools must not clone 20,000 strings per comparison.
        match order {
            SortOrder::Name | SortOrder::Quality => {
                indices.sort_by(|a, b| e[*a].name_order(&e[*b]));
            }
            SortOrder::Tier => indices.sort_by(|a, b| {
                (e[*a].tier, &e[*a].name, &e[*a].version).cmp(&(
                    e[*b].tier,
                    &e[*b].name,
                    &e[*b].version,
                ))
            }),
        }
        indices
    }

    /// Entry indices in `order`; for `Quality`, best first by `quality` of each name (ties
    /// in name order), which the caller computes from the statistics it holds.
    pub(crate) fn ordered(&self, order: SortOrder, quality: impl Fn(&str) -> f64) -> Vec<usize> {
        let mut indices = self.sorted_indices(order);
        if order == SortOrder::Quality {
            let e = &self.entries;
            // Stable: equal qualities keep name order.
            indices.sort_by(|a, b| quality(&e[*b].name).total_cmp(&quality(&e[*a].name)));
        }
        indices
    }

    /// Resolves `name` or `name@version`, and the content when `id` names it. A bare name
    /// prefers the active tool (core, then approved), then a candidate in experimental, then
    /// an archived one.
    pub(crate) fn find(&self, id: &ToolId) -> Result<&ToolEntry, LookupError> {
        let mut matches: Vec<&ToolEntry> =
            self.entries.iter().filter(|e| e.name == id.name).collect();
        if matches.is_empty() {
            return Err(LookupError::NotFound(id.to_string()));
        }
        matches.sort_by_key(|e| e.tier);
        let versioned: Vec<&ToolEntry> = matches
            .iter()
            .copied()
            .filter(|e| id.accepts(&e.version))
            .collect();
        let answering: Vec<&ToolEntry> = versioned
            .iter()
            .copied()
            .filter(|e| id.accepts_hash(&e.content_hash))
            .collect();
        if let Some(found) = answering.first() {
            // The first tier that answers decides; two of its folders are two tools.
            let here: Vec<&ToolEntry> = answering
                .iter()
                .copied()
                .filter(|e| e.tier == found.tier)
                .collect();
            if here.len() > 1 {
                return Err(LookupError::ambiguous(id, &here));
            }
            return Ok(found);
        }
        match &id.version {
            Some(version) if versioned.is_empty() => Err(LookupError::NoSuchVersion {
                name: id.name.clone(),
                version: version.to_string(),
                known: matches
                    .iter()
                    .map(|e| e.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            _ => Err(LookupError::content_changed(id, versioned.iter().copied())),
        }
    }
}

/// The order of a scan and of `merge`: tier, then path.
fn path_order(a: &ToolEntry, b: &ToolEntry) -> std::cmp::Ordering {
    (a.tier, &a.path).cmp(&(b.tier, &b.path))
}

/// Where the entry at `path` is in `entries` (in tier and path order), whichever its tier.
fn position_of(entries: &[ToolEntry], path: &Path) -> Option<usize> {
    Tier::ALL.iter().find_map(|tier| {
        entries
            .binary_search_by(|e| (e.tier, e.path.as_path()).cmp(&(*tier, path)))
            .ok()
    })
}

/// The catalog after an update: entries at `removed` or `updated` paths go, the updated
/// ones come in, ordered by tier and path as a scan orders them.
fn merge(
    mut entries: Vec<ToolEntry>,
    updated: Vec<ToolEntry>,
    removed: &[PathBuf],
) -> Vec<ToolEntry> {
    // Hashed, not ordered: a watcher's batch of a thousand tools against a thousand entries
    // was twenty thousand comparisons of paths, each walking both paths' components.
    let touched: HashSet<&Path> = removed
        .iter()
        .map(PathBuf::as_path)
        .chain(updated.iter().map(|e| e.path.as_path()))
        .collect();
    entries.retain(|e| !touched.contains(e.path.as_path()));
    entries.extend(updated);
    entries.sort_by(|a, b| (a.tier, &a.path).cmp(&(b.tier, &b.path)));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tier: Tier, name: &str, description: &str) -> ToolEntry {
        ToolEntry {
            description: description.into(),
            ..ToolEntry::fixture(tier, name)
        }
    }

    fn large() -> Vec<ToolEntry> {
        let mut entries: Vec<_> = (0..10_000)
            .map(|i| entry(Tier::Approved, &format!("tool_{i:05}"), "a tool"))
            .chain((0..3).map(|i| entry(Tier::Experimental, &format!("cand_{i}"), "new")))
            .collect();
        entries.sort_by(path_order);
        entries
    }

    /// An approval as the watcher reports it: the candidate's folder gone, the tool in
    /// `approved/`. In place, it leaves what `merge` would, and a search index equal
    /// to one built afresh.
    #[test]
    fn a_change_of_one_tool_edits_the_catalog_in_place_as_a_merge_would() {
        let mut catalog = Catalog::new(large());
        catalog.search();
        // The first change learns the order; the second must not copy anything.
        catalog.update(vec![], &[PathBuf::from("/ws/archived/none")]);
        let before = Arc::as_ptr(&catalog.entries);
        let approved = entry(Tier::Approved, "cand_1", "approved now");
        let removed = [PathBuf::from("/ws/experimental/cand_1")];
        let expected = merge(catalog.entries().to_vec(), vec![approved.clone()], &removed);
        catalog.update(vec![approved], &removed);
        assert_eq!(
            Arc::as_ptr(&catalog.entries),
            before,
            "the entries were copied"
        );
        assert!(catalog.entries() == expected.as_slice());
        let fresh = Catalog::new(expected);
        for query in ["cand", "approved now", "tool_0999", "cand_1"] {
            assert_eq!(
                catalog.search().filter(query, None),
                fresh.search().filter(query, None),
                "{query}"
            );
        }
    }

    /// A snapshot someone holds (a validation, the history loader) keeps what it saw.
    #[test]
    fn a_shared_catalog_is_copied_before_it_changes() {
        let mut catalog = Arc::new(Catalog::new(large()));
        let held = Arc::clone(&catalog);
        let gone = [PathBuf::from("/ws/experimental/cand_0")];
        Arc::make_mut(&mut catalog).update(vec![], &gone);
        assert_eq!(held.len(), 10_003);
        assert_eq!(catalog.len(), 10_002);
        assert!(catalog.entries().iter().all(|e| e.path != gone[0]));
    }

    /// Many tools at once (a checkout, a burst from an agent) take one pass, same result.
    #[test]
    fn a_large_change_is_folded_in_by_one_merge() {
        let mut catalog = Catalog::new(large());
        catalog.search();
        let updated: Vec<_> = (0..100)
            .map(|i| entry(Tier::Approved, &format!("tool_{i:05}"), "changed"))
            .collect();
        let removed = [PathBuf::from("/ws/approved/tool_09999")];
        let expected = merge(catalog.entries().to_vec(), updated.clone(), &removed);
        catalog.update(updated, &removed);
        assert!(catalog.entries() == expected.as_slice());
        assert_eq!(catalog.search().filter("changed", None).len(), 100);
    }
}
