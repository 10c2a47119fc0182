//! The diffs read for the preview beside the queue, kept per content hash: moving back and
//! forth over the queue reads nothing again, and a few diffs are all it keeps.

use std::collections::VecDeque;

use ratatui::text::Line;

/// Diffs kept, newest last.
const KEPT: usize = 8;

/// The diffs read for the preview, by content hash; `None` while one is read.
#[derive(Debug, Default)]
pub(crate) struct PreviewCache {
    diffs: VecDeque<(String, Option<Vec<Line<'static>>>)>,
}

impl PreviewCache {
    pub(crate) fn get(&self, hash: &str) -> Option<&Option<Vec<Line<'static>>>> {
        self.diffs.iter().find(|(h, _)| h == hash).map(|(_, d)| d)
    }

    /// A read of `hash` starts: the oldest diff kept gives way.
    pub(crate) fn start(&mut self, hash: &str) {
        if self.diffs.len() >= KEPT {
            self.diffs.pop_front();
        }
        self.diffs.push_back((hash.to_string(), None));
    }

    pub(crate) fn fill(&mut self, hash: &str, lines: Vec<Line<'static>>) {
        if let Some((_, diff)) = self.diffs.iter_mut().find(|(h, _)| h == hash) {
            *diff = Some(lines);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_kept_by_its_hash_and_the_oldest_gives_way() {
        let mut cache = PreviewCache::default();
        cache.start("a");
        assert_eq!(cache.get("a"), Some(&None), "being read");
        cache.fill("a", vec![Line::from("@@ -1,1 +1,1 @@")]);
        assert_eq!(cache.get("a").map(Option::is_some), Some(true));
        // A read that ends after its slot gave way is dropped.
        for hash in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            cache.start(hash);
        }
        assert_eq!(cache.get("a"), None);
        cache.fill("a", vec![Line::from("late")]);
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get("i"), Some(&None));
    }
}
