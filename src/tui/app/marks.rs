//! Several candidates at once: `space` marks candidates in the Review pane, and approve or
//! reject then acts on every marked one. Each is still decided on its own, on the content the
//! person marked, and recorded as its own decision.

use super::{Action, App, Level, Overlay, Pane, ReviewRow};
use crate::model::ToolEntry;
use crate::model::decisions::DecisionKind;
use crate::tui::overlays::decision::{DecisionState, Subject};

impl App {
    /// Marks or unmarks the selected candidate and moves to the next row, so a run of
    /// candidates is marked by holding the key.
    pub(super) fn toggle_mark(&mut self) {
        if self.focus != Pane::Review {
            return;
        }
        let Some(ReviewRow::Candidate(entry)) = self.review_row(self.review_cursor.selected) else {
            self.notify("only candidates can be marked".into(), Level::Error);
            return;
        };
        let (path, hash) = (entry.path.clone(), entry.content_hash.clone());
        if self.marks.remove(&path).is_none() {
            self.marks.insert(path, hash);
        }
        self.perform(Action::Down);
    }

    /// The marked candidates, in the order of the queue.
    pub(crate) fn marked_entries(&self) -> Vec<&ToolEntry> {
        let entries = self.catalog.entries();
        self.review
            .iter()
            .map(|i| &entries[*i])
            .filter(|e| self.marks.get(&e.path) == Some(&e.content_hash))
            .collect()
    }

    /// Drops the marks of candidates that left the queue or whose content changed since they
    /// were marked: a mark stands for the content the person saw.
    pub(super) fn prune_marks(&mut self) {
        if self.marks.is_empty() {
            return;
        }
        let kept: std::collections::BTreeMap<_, _> = self
            .marked_entries()
            .into_iter()
            .map(|e| (e.path.clone(), e.content_hash.clone()))
            .collect();
        // Named by folder: the status line has room for little more at 80 columns.
        let dropped: Vec<String> = self
            .marks
            .keys()
            .filter(|path| !kept.contains_key(*path))
            .filter_map(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        self.marks = kept;
        if !dropped.is_empty() {
            self.notify(
                format!("unmarked {}: changed or gone", dropped.join(", ")),
                Level::Error,
            );
        }
    }

    /// Clears the marks; false when there were none.
    pub(super) fn clear_marks(&mut self) -> bool {
        if self.marks.is_empty() || self.focus != Pane::Review {
            return false;
        }
        self.notify(format!("{} mark(s) cleared", self.marks.len()), Level::Info);
        self.marks.clear();
        true
    }

    /// With candidates marked, approve and reject open one dialog for all of them and the
    /// other decisions say they act on one tool. False when no mark is set.
    pub(super) fn decide_on_marked(&mut self, kind: DecisionKind) -> bool {
        if self.marks.is_empty() || self.focus != Pane::Review {
            return false;
        }
        if !on_marked(kind) {
            let esc = self.keymap.hint(Action::Close);
            self.notify(
                format!("one tool at a time: {esc} clears the marks"),
                Level::Error,
            );
            return true;
        }
        let entries: Vec<ToolEntry> = self.marked_entries().into_iter().cloned().collect();
        // A broken tool is never approved: say which before a reason is typed.
        let broken: Vec<&str> = entries
            .iter()
            .filter(|e| e.error.is_some())
            .map(|e| e.name.as_str())
            .collect();
        if kind == DecisionKind::Approve && !broken.is_empty() {
            self.notify(
                format!(
                    "unmark {}: broken tools are never approved",
                    broken.join(", ")
                ),
                Level::Error,
            );
            return true;
        }
        // Each marked one's caution, named: one typed word accepts them all.
        // Only an approval asks to accept what its checks found.
        let caution: Vec<String> = if kind == DecisionKind::Approve {
            entries
                .iter()
                .flat_map(|e| {
                    self.caution_of(e)
                        .into_iter()
                        .map(move |line| format!("{}: {}", e.name, line.trim_start_matches("✗ ")))
                })
                .map(|line| format!("✗ {line}"))
                .collect()
        } else {
            Vec::new()
        };
        self.overlay = Some(Overlay::Decision(Box::new(
            DecisionState::new(kind, Subject::Tools(entries)).cautioned(caution),
        )));
        true
    }
}

/// Whether `kind` is taken on every marked candidate at once: approve and reject, which decide
/// candidates; the others act on one tool at a time.
fn on_marked(kind: DecisionKind) -> bool {
    match kind {
        DecisionKind::Approve | DecisionKind::Reject => true,
        DecisionKind::RequestChanges
        | DecisionKind::Promote
        | DecisionKind::Archive
        | DecisionKind::Restore
        | DecisionKind::Rollback
        | DecisionKind::Resubmit => false,
    }
}
