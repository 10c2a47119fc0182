//! The preview beside the queue (yazi's habit): where the Review pane is wide enough, the
//! selected candidate's verdict, failing checks and the first lines of its diff against the
//! parent, without opening the overlay. The diff is read in the background and kept per
//! content hash, so the draw never waits and moving back and forth reads nothing again.

use super::{App, Effect};
use crate::model::ToolEntry;
use crate::tui::layout::PREVIEW_WIDTH;
use crate::tui::panes::review::{Preview, PreviewDiff};

/// Lines of a diff the preview keeps: more than any pane is tall.
pub(crate) const PREVIEW_LINES: usize = 200;

impl App {
    /// Whether the Review pane has room for the preview beside its queue.
    pub(crate) fn shows_preview(&self) -> bool {
        let review = self.areas().review;
        !review.is_empty() && review.width.saturating_sub(2) >= PREVIEW_WIDTH
    }

    /// What the preview shows for the row selected in the Review pane.
    pub(crate) fn preview(&self) -> Preview<'_> {
        let Some(entry) = self.review_entry() else {
            return Preview::default();
        };
        let diff = match (
            self.parent_of(entry),
            self.previews.get(&entry.content_hash),
        ) {
            (None, _) => PreviewDiff::NoParent,
            (Some(_), Some(Some(lines))) => PreviewDiff::Lines(lines),
            (Some(_), _) => PreviewDiff::Loading,
        };
        Preview {
            entry: Some(entry),
            report: self.validations.get(&entry.path),
            diff,
        }
    }

    /// Asks for the selected candidate's diff when the preview shows and it was never read.
    pub(super) fn want_preview(&mut self) {
        if !self.shows_preview() {
            return;
        }
        let Some(entry) = self.review_entry() else {
            return;
        };
        if self.previews.get(&entry.content_hash).is_some() {
            return;
        }
        let Some(parent) = self.parent_of(entry) else {
            return;
        };
        let (entry, parent) = (Box::new(entry.clone()), Box::new(parent.clone()));
        self.previews.start(&entry.content_hash);
        self.effects.push(Effect::LoadPreview { entry, parent });
    }

    /// The tool a review overlay compares `entry` with: a candidate, the active version of
    /// its name, whatever it claims; an active tool, the earlier version it names as parent.
    pub(super) fn parent_of(&self, entry: &ToolEntry) -> Option<&ToolEntry> {
        if entry.tier.is_active() {
            entry
                .manifest
                .as_ref()
                .and_then(|m| m.provenance.parent.as_ref())
                .filter(|parent| parent.name == entry.name)
                .and_then(|parent| self.catalog.find(parent).ok())
        } else {
            crate::workbench::reads::active_version(entry, &self.catalog)
        }
    }
}
