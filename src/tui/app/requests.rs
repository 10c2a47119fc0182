//! The Review pane's tool requests: agents asking for a tool before writing it. The same keys
//! as on a candidate answer them (`a` write it, `r` reject, `R` feedback), through the same
//! review vocabulary.

use super::{Action, App, Level, Overlay, Pane, ReviewRow};
use crate::model::Tier;
use crate::model::requests::RequestRow;
use crate::tui::overlays::decision::{DecisionState, Subject};

impl App {
    pub(super) fn on_requests_polled(&mut self, requests: Vec<RequestRow>) {
        // A request answered elsewhere (another terminal, the CLI) closes its dialog.
        if let Some(Overlay::Decision(open)) = &self.overlay
            && let Subject::Request(request) = &open.subject
            && !requests.iter().any(|r| r.name == request.name)
        {
            let name = request.name.clone();
            self.overlay = None;
            self.notify(
                format!("the request for {name} was answered elsewhere"),
                Level::Info,
            );
        }
        self.tell_new_requests(&requests);
        self.requests = requests;
        self.clamp_cursors();
        self.dirty = true;
    }

    /// Keys on a selected request; false when the action is not theirs.
    pub(super) fn request_action(&mut self, action: Action) -> bool {
        if self.focus != Pane::Review || self.overlay.is_some() {
            return false;
        }
        let Some(ReviewRow::Request(request)) = self.review_row(self.review_cursor.selected) else {
            return false;
        };
        let kind = match action.decision() {
            // The kinds the decision table says answer a request.
            Some(kind) if kind.spec().request.is_some() => kind,
            // A request has no code yet: nothing to promote, archive, run or evolve.
            Some(_) => return true,
            None if matches!(
                action,
                Action::ApproveAlways | Action::Evolve | Action::Validate | Action::Launch
            ) =>
            {
                return true;
            }
            None => return false,
        };
        // A decision by name goes to a candidate when one waits: say so rather than decide
        // on the tool while the human looks at the request.
        let name = request.name.clone();
        let candidate = self
            .catalog
            .entries()
            .iter()
            .any(|e| e.tier == Tier::Experimental && e.name == name);
        if candidate {
            self.notify(
                format!("{name} already has a candidate in experimental/; decide on it"),
                Level::Error,
            );
            return true;
        }
        let subject = Subject::Request(request.clone());
        self.overlay = Some(Overlay::Decision(Box::new(DecisionState::new(
            kind, subject,
        ))));
        true
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::command::Command;
    use crate::model::SortOrder;
    use crate::model::requests::RequestState;
    use crate::model::review_command::ReviewCommand;
    use crate::model::{ToolEntry, ToolId};
    use crate::tui::app::{AppEvent, Effect};
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;

    fn request(name: &str) -> RequestRow {
        RequestRow {
            id: 3,
            name: name.into(),
            description: "Count the lines of a text".into(),
            inputs: json!({"type": "object"}),
            outputs: None,
            rationale: "I count lines by hand".into(),
            client: "claude-code".into(),
            requested_at: "2026-11-22T10:00:00Z".into(),
            state: RequestState::Pending,
            answered_by: None,
            answered_at: None,
            reason: None,
        }
    }

    /// A workbench whose Review pane holds one request and has the focus.
    fn app_with_request(cached: Vec<ToolEntry>) -> App {
        let mut app = App::new(
            "/ws".into(),
            cached,
            SortOrder::Name,
            Keymap::defaults(),
            Theme::builtin(),
        );
        app.update(AppEvent::Terminal(Event::Resize(100, 30)));
        app.update(AppEvent::RequestsPolled(vec![request("line_count")]));
        press(&mut app, KeyCode::Char('4'));
        app.take_effects();
        app
    }

    fn press(app: &mut App, code: KeyCode) {
        app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))));
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    fn render(app: &App) -> String {
        crate::tui::app::tests::render(app, 100, 30)
    }

    #[test]
    fn a_request_row_shows_its_badge_and_a_then_enter_approves_it() {
        let mut app = app_with_request(Vec::new());
        let screen = render(&app);
        assert!(screen.contains("? line_count"), "{screen}");
        assert!(screen.contains("request · claude-co"), "{screen}");

        press(&mut app, KeyCode::Char('a'));
        let screen = render(&app);
        assert!(
            screen.contains("Approve the request for line_count?"),
            "{screen}"
        );
        // What was asked is in the dialog, which is all the human judges by.
        assert!(screen.contains("I count lines by hand"), "{screen}");
        assert!(screen.contains("the agent may write it"), "{screen}");
        press(&mut app, KeyCode::Enter);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::Decide {
                tool: ToolId::named("line_count"),
                decision: ReviewCommand::Approve {
                    reason: None,
                    accepted: Default::default(),
                },
            }))]
        );
    }

    #[test]
    fn r_needs_a_reason_and_shift_r_sends_feedback() {
        let mut app = app_with_request(Vec::new());
        press(&mut app, KeyCode::Char('r'));
        press(&mut app, KeyCode::Enter);
        assert!(app.take_effects().is_empty(), "a rejection needs a reason");
        type_text(&mut app, "word_count does it");
        press(&mut app, KeyCode::Enter);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::Decide {
                tool: ToolId::named("line_count"),
                decision: ReviewCommand::Reject {
                    reason: "word_count does it".into()
                },
            }))]
        );
        app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
            KeyCode::Char('R'),
            KeyModifiers::SHIFT,
        ))));
        type_text(&mut app, "take a path");
        press(&mut app, KeyCode::Enter);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::Decide {
                tool: ToolId::named("line_count"),
                decision: ReviewCommand::RequestChanges {
                    feedback: "take a path".into()
                },
            }))]
        );
    }

    #[test]
    fn a_request_answered_elsewhere_closes_its_dialog() {
        let mut app = app_with_request(Vec::new());
        press(&mut app, KeyCode::Char('r'));
        app.update(AppEvent::RequestsPolled(Vec::new()));
        assert!(app.overlay.is_none());
        assert!(render(&app).contains("the request for line_count was answered elsewhere"));
    }

    #[test]
    fn a_request_whose_name_has_a_candidate_is_not_answered_from_its_row() {
        let candidate = ToolEntry::fixture(Tier::Experimental, "line_count");
        let mut app = app_with_request(vec![candidate]);
        assert!(matches!(
            app.review_row(0),
            Some(ReviewRow::Request(r)) if r.name == "line_count"
        ));
        press(&mut app, KeyCode::Char('a'));
        assert!(app.overlay.is_none());
        assert!(render(&app).contains("line_count already has a candidate in experimental/"));
        assert!(app.take_effects().is_empty());
    }
}
