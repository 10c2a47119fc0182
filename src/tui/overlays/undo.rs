//! Undoing the last decision taken in this session (`z`): the question, naming what the undo
//! will do, answered with y or n. The library decides again when it is answered
//! (`review::undo`) and refuses what changed since.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::model::Tier;
use crate::model::decisions::{DecisionAction, DecisionRecord, UndoMove};
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

/// The last decision this session took on a tool: its own row in the decision log, and the
/// version it superseded (an approval's), which an undo makes active again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LastDecision {
    pub(crate) record: DecisionRecord,
    pub(crate) superseded: Option<String>,
}

/// The question of an undo.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UndoState {
    pub(crate) tool: String,
    /// The id of the decision's row.
    pub(crate) of: i64,
    /// "Undo approve of greet 1.1.0".
    pub(crate) question: String,
    /// "Send 1.1.0 back to review and make 1.0.0 active again."
    pub(crate) consequence: String,
}

impl UndoState {
    /// The question for undoing `last`, or why it cannot be undone (one line).
    pub(crate) fn of(last: &LastDecision) -> Result<Self, String> {
        let record = &last.record;
        let version = crate::text::visible(record.version());
        let consequence = match record.undo_move()? {
            UndoMove::Unapprove => match &last.superseded {
                Some(old) => format!(
                    "Send {version} back to review and make {} active again.",
                    crate::text::visible(old)
                ),
                None => format!(
                    "Send {version} back to review; no version of {} stays active.",
                    record.tool
                ),
            },
            UndoMove::Restore if record.action == DecisionAction::Reject => {
                "Restore it to review (archived → experimental).".to_string()
            }
            UndoMove::Restore => format!(
                "Restore it (archived → {}).",
                record.from_tier.unwrap_or(Tier::Experimental)
            ),
            UndoMove::Demote => "Demote it (core → approved).".to_string(),
        };
        Ok(UndoState {
            tool: record.tool.clone(),
            of: record.id,
            question: format!("Undo {} of {} {version}", record.action, record.tool),
            consequence,
        })
    }
}

pub(crate) fn draw(frame: &mut Frame, theme: &Theme, area: Rect, state: &UndoState) {
    let rect = centered(area, 72, 7);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {}? ", state.question),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(" y undo · n keep ", theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [what, how] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Span::styled(state.consequence.clone(), theme.text))
            .wrap(Wrap { trim: true }),
        what,
    );
    let recorded = format!(
        "Recorded as a decision of its own (undo of #{}); nothing is deleted from the log.",
        state.of
    );
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(recorded, theme.dim))).wrap(Wrap { trim: true }),
        how,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: DecisionAction, from: Tier, to: Tier) -> DecisionRecord {
        DecisionRecord {
            id: 12,
            tool: "greet".into(),
            action,
            who: "ana".into(),
            at: "2026-01-01T00:00:00Z".into(),
            reason: None,
            from_version: Some("1.1.0".into()),
            to_version: Some("1.1.0".into()),
            from_tier: Some(from),
            to_tier: Some(to),
            from_hash: Some("aaaa".into()),
            to_hash: Some("aaaa".into()),
        }
    }

    #[test]
    fn the_question_names_what_the_undo_will_do() {
        let approve = record(DecisionAction::Approve, Tier::Experimental, Tier::Approved);
        let last = LastDecision {
            record: approve.clone(),
            superseded: Some("1.0.0".into()),
        };
        let state = UndoState::of(&last).expect("undoable");
        assert_eq!(state.question, "Undo approve of greet 1.1.0");
        assert_eq!(
            state.consequence,
            "Send 1.1.0 back to review and make 1.0.0 active again."
        );
        let first = LastDecision {
            record: approve,
            superseded: None,
        };
        assert_eq!(
            UndoState::of(&first).expect("undoable").consequence,
            "Send 1.1.0 back to review; no version of greet stays active."
        );
        let archive = LastDecision {
            record: record(DecisionAction::Archive, Tier::Core, Tier::Archived),
            superseded: None,
        };
        assert_eq!(
            UndoState::of(&archive).expect("undoable").consequence,
            "Restore it (archived → core)."
        );
        let feedback = LastDecision {
            record: record(
                DecisionAction::RequestChanges,
                Tier::Experimental,
                Tier::Experimental,
            ),
            superseded: None,
        };
        let refused = UndoState::of(&feedback).expect_err("not undone");
        assert!(refused.starts_with("its feedback was written"), "{refused}");
    }
}
