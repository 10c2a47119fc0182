//! Fuzzy search over name, description, keywords and capabilities.
//!
//! Each tool gets one lowercase haystack, built once per tool (a watched change of a few tools
//! edits only theirs). Names match fuzzily
//! (skim scoring, behind a byte-level subsequence test that rejects most tools cheaply); the
//! longer description, keywords and capabilities match as plain substrings, which is what a
//! person expects of prose and what keeps one keystroke over 10,000 tools within a few
//! milliseconds. Every word of the query must match. A query that extends the previous one
//! only searches the previous matches.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::model::ToolEntry;

/// Bonus that puts tools whose *name* matches above tools that only match elsewhere.
const NAME_MATCH_BONUS: i64 = 1_000;
/// Score of a substring match at the start of the description; later positions score less.
const SUBSTRING_SCORE: i64 = 200;

pub struct SearchIndex {
    haystacks: Vec<Box<str>>,
    /// Byte length of the name at the start of each haystack.
    name_lens: Vec<usize>,
    matcher: SkimMatcherV2,
}

impl Clone for SearchIndex {
    /// The haystacks copied; the matcher (its caches are per thread) made afresh.
    fn clone(&self) -> Self {
        Self {
            haystacks: self.haystacks.clone(),
            name_lens: self.name_lens.clone(),
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }
}

impl SearchIndex {
    pub(crate) fn build(entries: &[ToolEntry]) -> Self {
        let (haystacks, name_lens) = entries.iter().map(haystack).unzip();
        Self {
            haystacks,
            name_lens,
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }

    /// Drops the haystack of the tool at `index`: the catalog removed that entry.
    pub(crate) fn remove(&mut self, index: usize) {
        if index < self.haystacks.len() {
            self.haystacks.remove(index);
            self.name_lens.remove(index);
        }
    }

    /// Puts the haystack of `entry` at `index`: the catalog inserted it there.
    pub(crate) fn insert(&mut self, index: usize, entry: &ToolEntry) {
        let (hay, name_len) = haystack(entry);
        let index = index.min(self.haystacks.len());
        self.haystacks.insert(index, hay);
        self.name_lens.insert(index, name_len);
    }

    /// Indices of the matching tools, best first. `within` narrows the search to earlier
    /// matches (valid when the query only grew). An empty query matches everything in order.
    pub fn filter(&self, query: &str, within: Option<&[usize]>) -> Vec<usize> {
        let query = query.trim().to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        let mut candidates: Vec<usize> = match within {
            Some(c) => c.to_vec(),
            None => (0..self.haystacks.len()).collect(),
        };
        if words.is_empty() {
            return candidates;
        }
        // Earlier matches arrive in rank order; walking the haystacks in memory order is faster.
        if within.is_some() {
            candidates.sort_unstable();
        }
        let mut scored: Vec<(i64, usize)> = candidates
            .into_iter()
            .filter_map(|i| self.score(i, &words).map(|s| (s, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    /// Sum of the words' scores, or `None` when a word matches neither the name (fuzzily)
    /// nor the rest (as a substring).
    fn score(&self, index: usize, words: &[&str]) -> Option<i64> {
        let hay = self.haystacks.get(index)?;
        let (name, rest) = hay.split_at(self.name_lens[index]);
        let mut total = 0;
        for word in words {
            let name_score = fuzzy_from_a_word(word.as_bytes(), name.as_bytes())
                .then(|| self.matcher.fuzzy_match(name, word))
                .flatten();
            total += match name_score {
                Some(score) => score + NAME_MATCH_BONUS,
                // Earlier in the text ranks higher; any substring match beats no match.
                None => SUBSTRING_SCORE - rest.find(word)?.min(SUBSTRING_SCORE as usize - 1) as i64,
            };
        }
        Some(total)
    }
}

/// One tool's lowercase haystack (name, then description, keywords and capabilities) and the
/// byte length of the name at its start.
fn haystack(entry: &ToolEntry) -> (Box<str>, usize) {
    let parts = || {
        std::iter::once(&*entry.description)
            .chain(entry.keywords.iter())
            .chain(entry.capabilities.iter())
    };
    // One allocation per tool: the haystack is sized before it is filled.
    let mut hay =
        String::with_capacity(entry.name.len() + parts().map(|p| p.len() + 1).sum::<usize>());
    push_lowercase(&mut hay, &entry.name);
    let name_len = hay.len();
    for part in parts() {
        hay.push(' ');
        push_lowercase(&mut hay, part);
    }
    (hay.into_boxed_str(), name_len)
}

/// Appends `text` in lowercase; ASCII, what almost every manifest holds, without a temporary.
fn push_lowercase(hay: &mut String, text: &str) {
    if text.is_ascii() {
        let start = hay.len();
        hay.push_str(text);
        hay[start..].make_ascii_lowercase();
    } else {
        hay.push_str(&text.to_lowercase());
    }
}

/// True when `word` is in `name` as typed, or its letters follow in order from the start of
/// one of the name's words (`cj` in `csv_to_json`, `ser` in `echo_service`): a subsequence
/// scattered from the middle of a word (`csv` in `echo_service`) is noise, not a match.
fn fuzzy_from_a_word(word: &[u8], name: &[u8]) -> bool {
    let Some((&first, rest)) = word.split_first() else {
        return true;
    };
    if name.windows(word.len()).any(|w| w == word) {
        return true;
    }
    (0..name.len()).any(|at| {
        let starts_a_word = at == 0 || matches!(name[at - 1], b'_' | b'-' | b'.' | b' ');
        starts_a_word && name[at] == first && is_subsequence(rest, &name[at + 1..])
    })
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
            description: description.into(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            capabilities: capabilities.iter().map(|s| s.to_string()).collect(),
            ..ToolEntry::fixture(Tier::Core, name)
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

    /// Letters scattered from the middle of a word are not a match; from a word's start, or
    /// as typed, they are.
    #[test]
    fn a_name_matches_from_the_start_of_a_word_not_scattered_inside_one() {
        let entries = vec![
            entry("echo_service", "Long-running TCP echo server", &[], &[]),
            entry("csv_to_json", "Convert CSV", &[], &[]),
        ];
        let index = SearchIndex::build(&entries);
        assert_eq!(names(&index, &entries, "csv"), ["csv_to_json"]);
        assert_eq!(names(&index, &entries, "cj"), ["csv_to_json"]);
        assert_eq!(names(&index, &entries, "ser"), ["echo_service"]);
        assert_eq!(names(&index, &entries, "ice"), ["echo_service"]);
        assert_eq!(names(&index, &entries, "ecsv"), ["echo_service"]);
        assert!(names(&index, &entries, "chsv").is_empty());
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
    fn names_outside_ascii_match_in_lowercase() {
        let entries = vec![
            entry("Überblick", "ZUSAMMENFASSUNG", &["Straße"], &[]),
            entry("plain", "nothing", &[], &[]),
        ];
        let index = SearchIndex::build(&entries);
        assert_eq!(names(&index, &entries, "über"), ["Überblick"]);
        assert_eq!(names(&index, &entries, "zusammen"), ["Überblick"]);
        assert_eq!(names(&index, &entries, "straße"), ["Überblick"]);
    }

    #[test]
    fn an_index_edited_entry_by_entry_matches_one_built_afresh() {
        let mut entries: Vec<_> = (0..20)
            .map(|i| entry(&format!("tool_{i}"), &format!("does thing {i}"), &[], &[]))
            .collect();
        let mut index = SearchIndex::build(&entries);
        entries.remove(3);
        index.remove(3);
        let new = entry("csv_to_json", "Convert CSV", &["json"], &[]);
        entries.insert(7, new.clone());
        index.insert(7, &new);
        let fresh = SearchIndex::build(&entries);
        assert_eq!(index.haystacks, fresh.haystacks);
        assert_eq!(index.name_lens, fresh.name_lens);
        assert_eq!(index.filter("json", None), [7]);
        assert_eq!(
            index.clone().filter("tool_1", None),
            fresh.filter("tool_1", None)
        );
    }

    #[test]
    fn empty_query_keeps_order() {
        let entries = vec![entry("b", "", &[], &[]), entry("a", "", &[], &[])];
        let index = SearchIndex::build(&entries);
        assert_eq!(index.filter("  ", None), [0, 1]);
    }
}
