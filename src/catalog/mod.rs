//! The catalog: every tool of every tier, searchable and sortable.
//!
//! Owns manifest parsing (`manifest`), bare-script inference (`infer`), scanning (`scan`) and
//! fuzzy search (`search`). Never touches the terminal or the state store.

pub mod infer;
pub mod links;
pub mod manifest;
pub mod scan;
pub mod search;

use std::sync::{Arc, OnceLock};

use crate::model::{Tier, ToolEntry, ToolId};
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
    pub fn next(self) -> Self {
        match self {
            SortOrder::Name => SortOrder::Tier,
            SortOrder::Tier => SortOrder::Quality,
            SortOrder::Quality => SortOrder::Name,
        }
    }

    pub fn label(self) -> &'static str {
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
        "{tool}: the content you asked for ({wanted}) is not there any more ({found}); it changed since it was shown: look at it again"
    )]
    ContentChanged {
        tool: String,
        wanted: String,
        /// What is there now: `folder hash12` each.
        found: String,
    },
}

impl LookupError {
    /// The error for `id`, whose name and version are there but not its content.
    pub fn content_changed<'e>(
        id: &ToolId,
        there: impl IntoIterator<Item = &'e ToolEntry>,
    ) -> Self {
        let found: Vec<String> = there.into_iter().map(content_label).collect();
        LookupError::ContentChanged {
            tool: id.to_string(),
            wanted: id
                .hash
                .as_deref()
                .map(short_hash)
                .unwrap_or("?")
                .to_string(),
            found: found.join(", "),
        }
    }
}

/// Hex digits of a content hash shown to people: enough to tell versions apart and to pass
/// back as `--hash`.
pub const SHOWN_HASH_LEN: usize = 12;

/// The first [`SHOWN_HASH_LEN`] digits of a content hash.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..SHOWN_HASH_LEN).unwrap_or(hash)
}

/// `experimental/x 3fa2c1d04e1b`: a tool's folder (tier and folder name) and its content,
/// as errors list them.
pub fn content_label(entry: &ToolEntry) -> String {
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

pub struct Catalog {
    /// Shared, so a snapshot for the state store or a validation costs a pointer, not a copy.
    entries: Arc<Vec<ToolEntry>>,
    /// Built on the first search: the first frame and every scan result never wait for it.
    search: OnceLock<SearchIndex>,
}

impl Catalog {
    pub fn new(entries: Vec<ToolEntry>) -> Self {
        Self::from_shared(Arc::new(entries))
    }

    pub fn from_shared(entries: Arc<Vec<ToolEntry>>) -> Self {
        Self {
            entries,
            search: OnceLock::new(),
        }
    }

    /// The entries, shared with this catalog.
    pub fn shared_entries(&self) -> Arc<Vec<ToolEntry>> {
        Arc::clone(&self.entries)
    }

    pub fn entries(&self) -> &[ToolEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn search(&self) -> &SearchIndex {
        self.search
            .get_or_init(|| SearchIndex::build(&self.entries))
    }

    /// Number of tools in each tier, in tier order.
    pub fn counts_per_tier(&self) -> [(Tier, usize); 4] {
        let mut counts = [
            (Tier::Core, 0),
            (Tier::Approved, 0),
            (Tier::Experimental, 0),
            (Tier::Archived, 0),
        ];
        for entry in self.entries.iter() {
            if let Some(slot) = counts.iter_mut().find(|(t, _)| *t == entry.tier) {
                slot.1 += 1;
            }
        }
        counts
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
    pub fn ordered(&self, order: SortOrder, quality: impl Fn(&str) -> f64) -> Vec<usize> {
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
    pub fn find(&self, id: &ToolId) -> Result<&ToolEntry, LookupError> {
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
        if let Some(found) = versioned.iter().find(|e| id.accepts_hash(&e.content_hash)) {
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
