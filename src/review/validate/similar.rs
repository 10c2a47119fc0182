//! The similar check: which other tools of the catalog this one resembles, to catch
//! duplicates before they are approved.
//!
//! The score is the Jaccard index of the word sets (name, description, keywords,
//! capabilities), raised towards 1 by shared capabilities:
//! `score = words + (1 − words) · capabilities / 2`, both Jaccard indices in 0..1.

use std::collections::{BTreeMap, BTreeSet};

use super::{Check, CheckKind, CheckStatus, Similar};
use crate::model::ToolEntry;

/// How many similar tools the report lists.
pub(crate) const SHOWN: usize = 3;
/// From this score on, the best match is called a possible duplicate.
pub(crate) const DUPLICATE_SCORE: f64 = 0.6;

/// Words too common in tool descriptions to say anything about what a tool does.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "its", "of", "on", "or", "the", "this", "that", "to", "with", "without", "when", "which",
];

/// The `count` most similar tools with another name, best first (one entry per name), leaving
/// out tools that share nothing.
pub(crate) fn most_similar(entry: &ToolEntry, others: &[ToolEntry], count: usize) -> Vec<Similar> {
    let mine = Profile::of(entry);
    let mut best: BTreeMap<&str, (f64, &ToolEntry)> = BTreeMap::new();
    for other in others.iter().filter(|o| o.name != entry.name) {
        let score = mine.score(&Profile::of(other));
        let slot = best.entry(other.name.as_str()).or_insert((score, other));
        if score > slot.0 {
            *slot = (score, other);
        }
    }
    let mut ranked: Vec<(f64, &ToolEntry)> = best.into_values().collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    ranked
        .into_iter()
        .map(|(score, other)| Similar {
            name: other.name.clone(),
            score: (score * 100.0).round() / 100.0,
            version: other.version.clone(),
            tier: other.tier,
        })
        // Nothing in common is not "similar", however short the list gets.
        .filter(|s| s.score > 0.0)
        .take(count)
        .collect()
}

/// The similarity of two tools in 0..1 (1 for identical descriptions and capabilities).
pub(crate) fn similarity(a: &ToolEntry, b: &ToolEntry) -> f64 {
    Profile::of(a).score(&Profile::of(b))
}

pub(crate) fn check(similar: &[Similar]) -> Check {
    let kind = CheckKind::Similar;
    match similar.first() {
        None => Check::new(kind, CheckStatus::Pass, "no similar tools"),
        Some(best) if best.score >= DUPLICATE_SCORE => Check::new(
            kind,
            CheckStatus::Warn,
            format!("possible duplicate of {} ({:.2})", best.name, best.score),
        ),
        Some(best) => Check::new(
            kind,
            CheckStatus::Pass,
            format!("closest: {} ({:.2})", best.name, best.score),
        ),
    }
}

struct Profile {
    words: BTreeSet<String>,
    capabilities: BTreeSet<String>,
}

impl Profile {
    fn of(entry: &ToolEntry) -> Self {
        let mut words = BTreeSet::new();
        for text in std::iter::once(&entry.name)
            .chain(std::iter::once(&entry.description))
            .chain(&entry.keywords)
            .chain(&entry.capabilities)
        {
            words.extend(words_of(text));
        }
        Self {
            words,
            capabilities: entry
                .capabilities
                .iter()
                .map(|c| c.trim().to_lowercase())
                .collect(),
        }
    }

    fn score(&self, other: &Profile) -> f64 {
        let words = jaccard(&self.words, &other.words);
        let capabilities = jaccard(&self.capabilities, &other.capabilities);
        (words + (1.0 - words) * capabilities / 2.0).clamp(0.0, 1.0)
    }
}

/// Lowercase words of letters and digits, without stop words, plural `s` dropped.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn tool(name: &str, description: &str, keywords: &[&str], capabilities: &[&str]) -> ToolEntry {
        ToolEntry {
            description: description.into(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            capabilities: capabilities.iter().map(|s| s.to_string()).collect(),
            ..ToolEntry::fixture(Tier::Approved, name)
        }
    }

    #[test]
    fn identical_tools_score_one_and_unrelated_tools_near_zero() {
        let a = tool(
            "csv_to_json",
            "Convert CSV text to JSON rows",
            &["csv"],
            &["csv.parse"],
        );
        let b = tool(
            "csv_to_json",
            "Convert CSV text to JSON rows",
            &["csv"],
            &["csv.parse"],
        );
        let c = tool(
            "http_status",
            "Explain an HTTP status code",
            &["http"],
            &["web.lookup"],
        );
        assert!((similarity(&a, &b) - 1.0).abs() < 1e-9);
        assert!(similarity(&a, &c) < 0.05, "{}", similarity(&a, &c));
    }

    #[test]
    fn shared_capabilities_raise_the_score() {
        let a = tool("csv_reader", "Read tables", &[], &["csv.parse"]);
        let same_cap = tool("sheet_loader", "Load sheets", &[], &["csv.parse"]);
        let other_cap = tool("sheet_loader", "Load sheets", &[], &["xls.parse"]);
        assert!(similarity(&a, &same_cap) > similarity(&a, &other_cap));
        assert!(similarity(&a, &same_cap) >= 0.5);
    }

    #[test]
    fn most_similar_ranks_skips_the_same_name_and_warns_on_duplicates() {
        let me = tool(
            "csv_to_json",
            "Convert CSV text into JSON objects",
            &["csv", "json"],
            &["csv.parse"],
        );
        let others = vec![
            tool(
                "csv_to_json",
                "Convert CSV text into JSON objects",
                &[],
                &["csv.parse"],
            ),
            tool(
                "csv2json",
                "Convert CSV text into JSON objects",
                &["csv", "json"],
                &["csv.parse"],
            ),
            tool(
                "old_csv_parser",
                "Naive CSV parser",
                &["csv"],
                &["csv.parse"],
            ),
            tool("slugify", "Make URL slugs", &["url"], &[]),
            tool("word_count", "Count words", &[], &[]),
        ];
        let similar = most_similar(&me, &others, SHOWN);
        let names: Vec<&str> = similar.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["csv2json", "old_csv_parser"],
            "tools sharing nothing are left out"
        );
        assert!(similar.iter().all(|s| (s.score * 100.0).fract() == 0.0));
        let check = check(&similar);
        assert_eq!(check.status, CheckStatus::Warn);
        assert!(
            check.message.contains("possible duplicate of csv2json"),
            "{}",
            check.message
        );
    }

    #[test]
    fn words_drop_stop_words_and_plurals() {
        let words: Vec<String> = words_of("Convert the rows into JSON objects; class").collect();
        assert_eq!(words, ["convert", "row", "json", "object", "class"]);
    }
}
