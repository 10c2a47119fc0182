//! The Review pane's agent calls and approval rules: which row is which, and the keys that
//! answer a call (`a` once, `A` always, `e` edit, `r` reject) or revoke a rule (`x`).

use super::{Action, App, Level, Overlay, Pane, ReviewRow};
use crate::command::Command;
use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::tui::overlays::call_answer::{CallAnswer, CallAnswerState, Submitted};

impl App {
    pub(crate) fn review_row(&self, pos: usize) -> Option<ReviewRow<'_>> {
        let mut pos = pos;
        if let Some(call) = self.pending_calls.get(pos) {
            return Some(ReviewRow::Call(call));
        }
        pos -= self.pending_calls.len();
        if let Some(alert) = self.alerts.get(pos) {
            return Some(ReviewRow::Alert(alert));
        }
        pos -= self.alerts.len();
        if let Some(request) = self.requests.get(pos) {
            return Some(ReviewRow::Request(request));
        }
        pos -= self.requests.len();
        if let Some(index) = self.review.get(pos) {
            return self.catalog.entries().get(*index).map(ReviewRow::Candidate);
        }
        pos -= self.review.len();
        self.rules.get(pos).map(ReviewRow::Rule)
    }

    pub(super) fn on_calls_polled(&mut self, calls: Vec<CallRow>, rules: Vec<RuleRow>) {
        // A call answered elsewhere (another terminal, the CLI, a timeout) closes its dialog.
        if let Some(Overlay::CallAnswer(open)) = &self.overlay {
            let id = match &open.kind {
                CallAnswer::Once(c)
                | CallAnswer::Always(c)
                | CallAnswer::Edit(c)
                | CallAnswer::Reject(c) => Some(c.id),
                CallAnswer::Revoke(_) => None,
            };
            if let Some(id) = id.filter(|id| !calls.iter().any(|c| c.id == *id)) {
                self.overlay = None;
                self.notify(format!("call #{id} was answered elsewhere"), Level::Info);
            }
        }
        self.tell_new_calls(&calls);
        self.pending_calls = calls;
        self.rules = rules;
        self.clamp_cursors();
        self.dirty = true;
    }

    /// Keys on a selected call or rule; false when the action is not theirs.
    pub(super) fn call_action(&mut self, action: Action) -> bool {
        if self.focus != Pane::Review || self.overlay.is_some() {
            return false;
        }
        let kind = match (self.review_row(self.review_cursor.selected), action) {
            // Enter on a call shows it whole, arguments pretty-printed, ready to approve once.
            (Some(ReviewRow::Call(call)), Action::Approve | Action::Details | Action::Open) => {
                CallAnswer::Once(Box::new(call.clone()))
            }
            (Some(ReviewRow::Call(call)), Action::ApproveAlways) => {
                CallAnswer::Always(Box::new(call.clone()))
            }
            (Some(ReviewRow::Call(call)), Action::Evolve) => {
                CallAnswer::Edit(Box::new(call.clone()))
            }
            (Some(ReviewRow::Call(call)), Action::Reject) => {
                CallAnswer::Reject(Box::new(call.clone()))
            }
            (Some(ReviewRow::Rule(rule)), Action::Archive) => {
                CallAnswer::Revoke(Box::new(rule.clone()))
            }
            // Candidate keys mean nothing on a call or a rule.
            (
                Some(ReviewRow::Call(_) | ReviewRow::Rule(_)),
                Action::RequestChanges
                | Action::Promote
                | Action::Resubmit
                | Action::Archive
                | Action::Rollback
                | Action::Evolve
                | Action::Validate
                | Action::Details
                | Action::Open,
            ) => return true,
            _ => return false,
        };
        self.overlay = Some(Overlay::CallAnswer(Box::new(CallAnswerState::new(kind))));
        true
    }

    pub(super) fn submit_call_answer(&mut self, mut state: Box<CallAnswerState>) {
        match state.submitted() {
            Ok(Submitted::Call { id, decision, seen }) => {
                self.notify(format!("answering call #{id}…"), Level::Info);
                self.apply(Command::AnswerCall {
                    id,
                    decision,
                    seen: Some(*seen),
                });
            }
            Ok(Submitted::Revoke(id)) => {
                self.notify(format!("revoking rule #{id}…"), Level::Info);
                self.apply(Command::RevokeRule { id });
            }
            Err(problem) => {
                state.problem = Some(crate::error_chain::one_line(&problem));
                self.overlay = Some(Overlay::CallAnswer(state));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::model::SortOrder;
    use crate::model::calls::decision::{CallDecision, SeenCall};
    use crate::tui::app::{AppEvent, Effect};
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;

    fn app_with_call() -> App {
        let mut app = App::new(
            "/ws".into(),
            Vec::new(),
            SortOrder::Name,
            Keymap::defaults(),
            Theme::builtin(),
        );
        app.update(AppEvent::Terminal(Event::Resize(100, 30)));
        app.update(AppEvent::CallsPolled {
            calls: vec![CallRow::fixture(7)],
            rules: Vec::new(),
        });
        app.take_effects();
        app
    }

    fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
        app.update(AppEvent::Terminal(Event::Key(KeyEvent::new(
            code, modifiers,
        ))));
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    fn render(app: &App) -> String {
        crate::tui::app::tests::render(app, 100, 30)
    }

    #[test]
    fn a_waiting_call_heads_the_review_pane_and_its_title_counts_it() {
        let app = app_with_call();
        let screen = render(&app);
        assert!(screen.contains("1 call waiting"), "{screen}");
        assert!(screen.contains("#7 deploy@1.0.0 · claude-code"), "{screen}");
    }

    #[test]
    fn a_waiting_call_of_an_mcp_task_names_the_task() {
        let mut app = app_with_call();
        app.update(AppEvent::CallsPolled {
            calls: vec![CallRow {
                task: Some("5f0c2e9a71d34b8c9e0f1a2b3c4d5e6f".into()),
                ..CallRow::fixture(7)
            }],
            rules: Vec::new(),
        });
        // Wide enough for the row's head: a narrow pane cuts it, as every row.
        app.update(AppEvent::Terminal(Event::Resize(220, 30)));
        let screen = crate::tui::app::tests::render(&app, 220, 30);
        assert!(
            screen.contains("#7 deploy@1.0.0 · claude-code · task 5f0c2e9a "),
            "{screen}"
        );
        assert!(
            !screen.contains("5f0c2e9a7"),
            "the id's start only: {screen}"
        );
    }

    #[test]
    fn a_then_enter_approves_once() {
        let mut app = app_with_call();
        press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
        let screen = render(&app);
        assert!(screen.contains("Approve call #7"), "{screen}");
        // The arguments, pretty-printed.
        assert!(screen.contains("\"env\": \"staging\""), "{screen}");
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::AnswerCall {
                id: 7,
                decision: CallDecision::Once,
                seen: Some(SeenCall::of(&CallRow::fixture(7))),
            }))]
        );
    }

    #[test]
    fn edited_arguments_that_break_the_schema_are_refused_in_the_editor() {
        let mut app = app_with_call();
        press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
        let Some(Overlay::CallAnswer(state)) = &mut app.overlay else {
            panic!("the editor opened");
        };
        state.text.select_all();
        state.text.cut();
        type_text(&mut app, r#"{"env": 1}"#);
        let screen = render(&app);
        assert!(
            screen.contains("✗ call #7: the edited arguments do not match"),
            "{screen}"
        );
        press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(app.take_effects().is_empty(), "nothing is answered");
        assert!(matches!(app.overlay, Some(Overlay::CallAnswer(_))));

        let Some(Overlay::CallAnswer(state)) = &mut app.overlay else {
            panic!("still open");
        };
        state.text.select_all();
        state.text.cut();
        type_text(&mut app, r#"{"env": "dev"}"#);
        assert!(render(&app).contains("✓ matches the input schema"));
        press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::AnswerCall {
                id: 7,
                decision: CallDecision::Edited(json!({"env": "dev"})),
                seen: Some(SeenCall::of(&CallRow::fixture(7))),
            }))]
        );
    }

    #[test]
    fn shift_a_approves_always_r_rejects_and_x_revokes_a_rule() {
        let mut app = app_with_call();
        press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Char('A'), KeyModifiers::SHIFT);
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::AnswerCall {
                id: 7,
                decision: CallDecision::Always { pattern: None },
                seen: Some(SeenCall::of(&CallRow::fixture(7))),
            }))]
        );
        press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert!(app.take_effects().is_empty(), "a rejection needs a reason");
        type_text(&mut app, "not today");
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::AnswerCall {
                id: 7,
                decision: CallDecision::Reject("not today".into()),
                seen: Some(SeenCall::of(&CallRow::fixture(7))),
            }))]
        );

        let rule = RuleRow {
            id: 3,
            tool: "deploy".into(),
            version: "1.0.0".into(),
            content_hash: "h".into(),
            pattern: None,
            from_call: Some(7),
            created_by: "ana".into(),
            created_at: "now".into(),
            revoked_by: None,
            revoked_at: None,
        };
        app.update(AppEvent::CallsPolled {
            calls: Vec::new(),
            rules: vec![rule],
        });
        assert!(render(&app).contains("rule #3 always deploy@1.0.0"));
        press(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            app.take_effects(),
            [Effect::Apply(Box::new(Command::RevokeRule { id: 3 }))]
        );
    }

    #[test]
    fn a_call_answered_elsewhere_closes_its_dialog() {
        let mut app = app_with_call();
        press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
        app.update(AppEvent::CallsPolled {
            calls: Vec::new(),
            rules: Vec::new(),
        });
        assert!(app.overlay.is_none());
        assert!(render(&app).contains("call #7 was answered elsewhere"));
    }
}
