//! A tool's keywords or capabilities: a list of one-line words kept as one shared text.

use std::sync::{Arc, LazyLock};

use serde::Serialize;

/// The character between two words: a control character, which no word may hold (the
/// manifest refuses one), so the joined text splits back into the same words.
const SEPARATOR: char = '\u{1f}';

/// The words joined into one text: one allocation for the whole list, shared by a manifest
/// and its catalog entry, and the very text the index keeps as the list's column. At 10,000
/// tools a `String` a word was nearly half the time the index's rows took to read. An empty
/// text is an empty list (so a list of one empty word reads back empty).
#[derive(Clone, PartialEq, Eq)]
pub struct Words(Arc<str>);

/// Every empty list shares one text.
static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

impl Words {
    /// The words of `joined`, a text `joined` gave.
    pub(crate) fn from_joined(joined: &str) -> Self {
        match joined.is_empty() {
            true => Self::default(),
            false => Words(Arc::from(joined)),
        }
    }

    /// The words as one text, `SEPARATOR` between two: what the index keeps.
    pub(crate) fn joined(&self) -> &str {
        &self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        Self::split(&self.0)
    }

    /// The words of a text `joined` gave, for a list kept as plain strings (a tool's
    /// warnings in the index).
    pub(crate) fn split(joined: &str) -> impl Iterator<Item = &str> {
        let mut words = joined.split(SEPARATOR);
        if joined.is_empty() {
            words.next();
        }
        words
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.iter().any(|w| w == word)
    }

    /// The words for people, `separator` between two.
    pub fn join(&self, separator: &str) -> String {
        self.0.replace(SEPARATOR, separator)
    }
}

impl Default for Words {
    fn default() -> Self {
        Words(EMPTY.clone())
    }
}

/// The words of `words` as one text, `SEPARATOR` between two: what `split` takes apart.
pub(crate) fn join<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> String {
    let mut joined = String::new();
    for (at, word) in words.into_iter().enumerate() {
        if at > 0 {
            joined.push(SEPARATOR);
        }
        joined.push_str(word.as_ref());
    }
    joined
}

/// Words made by a program of ours, none holding a control character (a manifest's are
/// checked when it is read).
impl<S: AsRef<str>> FromIterator<S> for Words {
    fn from_iter<I: IntoIterator<Item = S>>(words: I) -> Self {
        Self::from_joined(&join(words))
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Words {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_from_their_joined_text() {
        for list in [
            vec![],
            vec!["csv"],
            vec!["csv", "json", "convert"],
            vec!["a", ""],
        ] {
            let words: Words = list.iter().collect();
            assert_eq!(words.iter().collect::<Vec<_>>(), list);
            assert_eq!(Words::from_joined(words.joined()), words);
            assert_eq!(words.is_empty(), list.is_empty());
        }
    }

    #[test]
    fn one_empty_word_is_an_empty_list() {
        let words: Words = [""].into_iter().collect();
        assert!(words.is_empty());
        assert_eq!(words.iter().count(), 0);
    }

    #[test]
    fn empty_lists_share_one_text() {
        let (a, b) = (Words::from_joined(""), Words::default());
        assert!(Arc::ptr_eq(&a.0, &b.0));
    }

    #[test]
    fn words_are_found_whole_and_shown_with_a_separator() {
        let words: Words = ["csv.parse", "json"].into_iter().collect();
        assert!(words.contains("json"));
        assert!(!words.contains("csv"));
        assert_eq!(words.join(", "), "csv.parse, json");
        assert_eq!(format!("{words:?}"), r#"["csv.parse", "json"]"#);
    }

    #[test]
    fn words_are_a_list_in_json() {
        let words: Words = ["a", "b"].into_iter().collect();
        assert_eq!(serde_json::to_string(&words).expect("json"), r#"["a","b"]"#);
    }
}
