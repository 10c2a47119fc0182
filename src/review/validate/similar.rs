//! The similar check: which other tools of the catalog this one resembles, to catch
//! duplicates before they are approved.
//!
//! The score is the Jaccard index of the word sets (name, description, keywords,
//! capabilities), raised towards 1 by shared capabilities:
//! `score = words + (1 − words) · capabilities / 2`, both Jaccard indices in 0..1.

use std::collections::HashMap;
use std::hash::BuildHasher;

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
    // One profile refilled for every other tool: ranking a whole catalog allocates nothing
    // per tool but the scores.
    let mut theirs = Profile::default();
    let mut best: HashMap<&str, (f64, &ToolEntry)> = HashMap::new();
    for other in others.iter().filter(|o| o.name != entry.name) {
        theirs.fill(other);
        let score = mine.score(&theirs);
        if score <= 0.0 {
            continue;
        }
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

/// A tool's words and capabilities, each kept as the sorted, distinct 64-bit hashes of its
/// terms, so comparing two tools is a merge of two short arrays. Two different terms share a
/// hash with odds near one in 10^19 a pair; such a pair would only raise a score a little.
#[derive(Default)]
struct Profile {
    words: Vec<u64>,
    capabilities: Vec<u64>,
    /// The lowercased term being hashed, kept between terms and tools.
    term: String,
}

impl Profile {
    fn of(entry: &ToolEntry) -> Self {
        let mut profile = Self::default();
        profile.fill(entry);
        profile
    }

    /// Makes this the profile of `entry`, reusing what it holds.
    fn fill(&mut self, entry: &ToolEntry) {
        self.words.clear();
        self.capabilities.clear();
        for text in [&*entry.name, &*entry.description]
            .into_iter()
            .chain(entry.keywords.iter())
            .chain(entry.capabilities.iter())
        {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                if let Some(word) = significant(word, &mut self.term) {
                    self.words.push(term_hash(word));
                }
            }
        }
        for capability in entry.capabilities.iter() {
            lowercase_into(capability.trim(), &mut self.term);
            self.capabilities.push(term_hash(&self.term));
        }
        for terms in [&mut self.words, &mut self.capabilities] {
            terms.sort_unstable();
            terms.dedup();
        }
    }

    fn score(&self, other: &Profile) -> f64 {
        let words = jaccard(&self.words, &other.words);
        let capabilities = jaccard(&self.capabilities, &other.capabilities);
        (words + (1.0 - words) * capabilities / 2.0).clamp(0.0, 1.0)
    }
}

/// `word` as the similar check counts it, lowercased into `buffer`: words of one letter and
/// stop words are `None`, a plural `s` is dropped.
fn significant<'b>(word: &str, buffer: &'b mut String) -> Option<&'b str> {
    if word.len() <= 1 {
        return None;
    }
    lowercase_into(word, buffer);
    if STOP_WORDS.contains(&buffer.as_str()) {
        return None;
    }
    let plural = buffer.len() > 3 && buffer.ends_with('s') && !buffer.ends_with("ss");
    Some(if plural {
        &buffer[..buffer.len() - 1]
    } else {
        buffer.as_str()
    })
}

/// `text` lowercased into `buffer`, as `str::to_lowercase` gives it.
fn lowercase_into(text: &str, buffer: &mut String) {
    buffer.clear();
    if text.is_ascii() {
        buffer.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        buffer.push_str(&text.to_lowercase());
    }
}

fn term_hash(term: &str) -> u64 {
    // A fixed seed: the same term hashes alike in every profile.
    const TERMS: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0);
    TERMS.hash_one(term)
}

/// The Jaccard index of two sorted, distinct lists.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 {
        return 0.0;
    }
    shared as f64 / union as f64
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
        let mut buffer = String::new();
        let words: Vec<String> = "Convert the rows into JSON objects; class a Über"
            .split(|c: char| !c.is_alphanumeric())
            .filter_map(|w| significant(w, &mut buffer).map(str::to_string))
            .collect();
        assert_eq!(words, ["convert", "row", "json", "object", "class", "über"]);
    }

    /// The score as the similar check defines it, on sets of words rather than hashes.
    fn reference_score(a: &ToolEntry, b: &ToolEntry) -> f64 {
        use std::collections::BTreeSet;
        let sets = |e: &ToolEntry| {
            let mut buffer = String::new();
            let words: BTreeSet<String> = [&*e.name, &*e.description]
                .into_iter()
                .chain(e.keywords.iter())
                .chain(e.capabilities.iter())
                .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
                .filter_map(|w| significant(w, &mut buffer).map(str::to_string))
                .collect();
            let capabilities: BTreeSet<String> = e
                .capabilities
                .iter()
                .map(|c| c.trim().to_lowercase())
                .collect();
            (words, capabilities)
        };
        let jaccard = |x: &BTreeSet<String>, y: &BTreeSet<String>| {
            let union = x.union(y).count();
            if union == 0 {
                0.0
            } else {
                x.intersection(y).count() as f64 / union as f64
            }
        };
        let ((wa, ca), (wb, cb)) = (sets(a), sets(b));
        let words = jaccard(&wa, &wb);
        (words + (1.0 - words) * jaccard(&ca, &cb) / 2.0).clamp(0.0, 1.0)
    }

    #[test]
    fn hashed_terms_score_as_the_word_sets_do() {
        let tools = [
            tool(
                "csv_to_json",
                "Convert CSV text to JSON rows",
                &["csv"],
                &["csv.parse"],
            ),
            tool(
                "csv2json",
                "Convert the CSV text; into JSON!",
                &["CSV", "json"],
                &["Csv.Parse"],
            ),
            tool(
                "Ünïcode_names",
                "Names of ÜNÏCODE characters",
                &["unicode"],
                &[],
            ),
            tool(
                "http_status",
                "Explain an HTTP status code",
                &["http"],
                &["web.lookup", "x"],
            ),
            tool("x", "", &[], &[]),
        ];
        for a in &tools {
            for b in &tools {
                let (fast, reference) = (similarity(a, b), reference_score(a, b));
                assert!(
                    (fast - reference).abs() < 1e-12,
                    "{} against {}: {fast} but {reference}",
                    a.name,
                    b.name
                );
            }
        }
    }

    #[test]
    fn a_reused_profile_scores_as_a_fresh_one() {
        let a = tool("csv_reader", "Read CSV tables", &["csv"], &["csv.parse"]);
        let b = tool(
            "sheets",
            "Load many SHEETS of tables",
            &["xls"],
            &["XLS.parse "],
        );
        let c = tool("csv_rows", "Count CSV rows", &[], &["csv.parse"]);
        let mut reused = Profile::default();
        for other in [&b, &c, &b] {
            reused.fill(other);
            let fresh = Profile::of(other);
            assert_eq!(reused.words, fresh.words);
            assert_eq!(reused.capabilities, fresh.capabilities);
        }
        assert_eq!(Profile::of(&b).capabilities, [term_hash("xls.parse")]);
        assert!(Profile::of(&a).score(&Profile::of(&c)) > Profile::of(&a).score(&Profile::of(&b)));
    }
}
