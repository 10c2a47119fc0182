//! Fuzzy search over name, description, keywords and capabilities.
//!
//! Each tool gets one lowercase haystack built once per catalog change. A byte-level
//! subsequence test rejects most tools before the (slower) skim scorer runs, and a query that
//! extends the previous one only searches the previous matches.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::model::ToolEntry;

/// Bonus that puts tools whose *name* matches above tools that only match elsewhere.
const NAME_MATCH_BONUS: i64 = 1_000;

pub struct SearchIndex {
    haystacks: Vec<Box<str>>,
    /// Byte length of the name at the start of each haystack.
    name_lens: Vec<usize>,
    matcher: SkimMatcherV2,
}

impl SearchIndex {
    pub fn build(entries: &[ToolEntry]) -> Self {
        let mut haystacks = Vec::with_capacity(entries.len());
        let mut name_lens = Vec::with_capacity(entries.len());
        for entry in entries {
            let name = entry.name.to_lowercase();
            name_lens.push(name.len());
            let mut hay = name;
            for part in std::iter::once(&entry.description)
                .chain(&entry.keywords)
                .chain(&entry.capabilities)
            {
                hay.push(' ');
                hay.push_str(&part.to_lowercase());
            }
            haystacks.push(hay.into_boxed_str());
        }
        Self {
            haystacks,
            name_lens,
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }

    pub fn len(&self) -> usize {
        self.haystacks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.haystacks.is_empty()
    }

    /// Indices of the matching tools, best first. `within` narrows the search to earlier
    /// matches (valid when the query only grew). An empty query matches everything in order.
    pub fn filter(&self, query: &str, within: Option<&[usize]>) -> Vec<usize> {
        let query = query.trim().to_lowercase();
        let all: Vec<usize>;
        let candidates = match within {
            Some(c) => c,
            None => {
                all = (0..self.haystacks.len()).collect();
                &all
            }
        };
        if query.is_empty() {
            return candidates.to_vec();
        }
        let needle = query.as_bytes();
        let mut scored: Vec<(i64, usize)> = candidates
            .iter()
            .filter(|&&i| {
                self.haystacks
                    .get(i)
                    .is_some_and(|h| is_subsequence(needle, h.as_bytes()))
            })
            .filter_map(|&i| self.score(i, &query).map(|s| (s, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    fn score(&self, index: usize, query: &str) -> Option<i64> {
        let hay = &self.haystacks[index];
        let name = &hay[..self.name_lens[index]];
        if is_subsequence(query.as_bytes(), name.as_bytes())
            && let Some(score) = self.matcher.fuzzy_match(name, query)
        {
            return Some(score + NAME_MATCH_BONUS);
        }
        self.matcher.fuzzy_match(hay, query)
    }
}

/// True when every byte of `needle` appears in `hay` in order (both already lowercase).
fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut rest = hay;
    for &b in needle {
        if b == b' ' {
            continue;
        }
        match memchr_byte(b, rest) {
            Some(pos) => rest = &rest[pos + 1..],
            None => return false,
        }
    }
    true
}

fn memchr_byte(b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&x| x == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn entry(name: &str, description: &str, keywords: &[&str], capabilities: &[&str]) -> ToolEntry {
        ToolEntry {
            tier: Tier::Core,
            path: name.into(),
            name: name.into(),
            version: "1.0.0".into(),
            description: description.into(),
            category: None,
            cost_tier: None,
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            capabilities: capabilities.iter().map(|s| s.to_string()).collect(),
            inferred: false,
            content_hash: String::new(),
            error: None,
            warnings: vec![],
            manifest: None,
        }
    }

    fn names(index: &SearchIndex, entries: &[ToolEntry], query: &str) -> Vec<String> {
        index
            .filter(query, None)
            .into_iter()
            .map(|i| entries[i].name.clone())
            .collect()
    }

    #[test]
    fn matches_every_searchable_field() {
        let entries = vec![
            entry("csv_to_json", "Convert CSV", &[], &[]),
            entry("slugify", "Make URL slugs", &["url"], &[]),
            entry("http_status", "Explain codes", &[], &["web.lookup"]),
            entry("word_count", "Count words", &[], &[]),
        ];
        let index = SearchIndex::build(&entries);
        assert_eq!(names(&index, &entries, "csv"), ["csv_to_json"]);
        assert_eq!(names(&index, &entries, "slugs"), ["slugify"]);
        assert_eq!(names(&index, &entries, "URL"), ["slugify"]);
        assert_eq!(names(&index, &entries, "web.look"), ["http_status"]);
        assert!(names(&index, &entries, "zzz").is_empty());
    }

    #[test]
    fn name_matches_rank_above_description_matches() {
        let entries = vec![
            entry("formatter", "pretty print json text", &[], &[]),
            entry("json_format", "format", &[], &[]),
        ];
        let index = SearchIndex::build(&entries);
        assert_eq!(
            names(&index, &entries, "json"),
            ["json_format", "formatter"]
        );
    }

    #[test]
    fn fuzzy_subsequences_match_and_narrowing_agrees_with_full_search() {
        let entries: Vec<_> = (0..200)
            .map(|i| entry(&format!("tool_{i}"), &format!("does thing {i}"), &[], &[]))
            .collect();
        let index = SearchIndex::build(&entries);
        let first = index.filter("tl1", None);
        assert!(first.contains(&1));
        let narrowed = index.filter("tl19", Some(&first));
        assert_eq!(narrowed, index.filter("tl19", None));
    }

    #[test]
    fn empty_query_keeps_order() {
        let entries = vec![entry("b", "", &[], &[]), entry("a", "", &[], &[])];
        let index = SearchIndex::build(&entries);
        assert_eq!(index.filter("  ", None), [0, 1]);
    }
}
