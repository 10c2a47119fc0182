//! Answering an agent's waiting call: approve once (Enter), approve always (an optional
//! argument pattern), edit the arguments (checked against the tool's schema as you type) or
//! reject with a reason; and revoking an "approve always" rule.

use ratatui_textarea::TextArea;
use serde_json::Value;

use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::model::calls::decision::{CallDecision, SeenCall, check_arguments};
use crate::model::calls::pattern;
use crate::tui::paste::{self, Field};

mod draw;
pub(crate) use draw::draw;

/// Why the dialog's answer cannot be given yet.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AnswerProblem {
    #[error("the pattern: {0}")]
    Pattern(#[from] pattern::PatternError),
    #[error("not valid JSON")]
    NotJson(#[source] serde_json::Error),
    #[error(transparent)]
    Arguments(#[from] crate::model::calls::decision::ApprovalError),
    #[error("rejecting call #{0} needs a reason")]
    NoReason(i64),
}

/// What the dialog asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallAnswer {
    Once(Box<CallRow>),
    Always(Box<CallRow>),
    Edit(Box<CallRow>),
    Reject(Box<CallRow>),
    Revoke(Box<RuleRow>),
}

/// What the dialog submits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Submitted {
    /// The answer, with the call as the person saw it.
    Call {
        id: i64,
        decision: CallDecision,
        seen: Box<SeenCall>,
    },
    Revoke(i64),
}

pub(crate) struct CallAnswerState {
    pub(crate) kind: CallAnswer,
    pub(crate) text: TextArea<'static>,
    /// Why the text cannot be submitted as it stands; kept current as you type.
    pub(crate) problem: Option<String>,
}

impl CallAnswerState {
    pub(crate) fn new(kind: CallAnswer) -> Self {
        let mut text = match &kind {
            CallAnswer::Edit(call) => TextArea::new(
                pretty(&call.arguments)
                    .lines()
                    .map(str::to_string)
                    .collect(),
            ),
            _ => TextArea::default(),
        };
        text.set_cursor_line_style(ratatui::style::Style::default());
        text.set_placeholder_text(match &kind {
            CallAnswer::Always(_) => "argument pattern, a JSON object (optional: empty = any)",
            CallAnswer::Reject(_) => "reason, sent to the agent (required)",
            _ => "",
        });
        Self {
            kind,
            text,
            problem: None,
        }
    }

    /// Edits the arguments in a multi-line editor, where Enter is a new line.
    pub(crate) fn is_editor(&self) -> bool {
        matches!(self.kind, CallAnswer::Edit(_))
    }

    /// How the answer takes text: the arguments' editor its lines, a reason or a pattern one
    /// line (there Enter confirms).
    pub(crate) fn field(&self) -> Field {
        if self.is_editor() {
            Field::Lines
        } else {
            Field::Line
        }
    }

    /// Types a paste into the answer: the arguments' editor takes its lines, a reason one line.
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        let field = self.field();
        paste::into_area(&mut self.text, text, field);
        self.check();
        true
    }

    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        let field = self.field();
        paste::key_into_area(&mut self.text, key, field);
        self.check();
    }

    /// What keeps the arguments typed so far from being given, shown as they are edited.
    fn check(&mut self) {
        self.problem = self
            .submitted()
            .err()
            .filter(|_| self.is_editor())
            .map(|e| crate::error_chain::one_line(&e));
    }

    /// The answer the dialog holds, or why it cannot be given yet.
    pub(crate) fn submitted(&self) -> Result<Submitted, AnswerProblem> {
        let text = self.text.lines().join("\n");
        let trimmed = text.trim();
        let call = |call: &CallRow, decision| Submitted::Call {
            id: call.id,
            decision,
            seen: Box::new(SeenCall::of(call)),
        };
        match &self.kind {
            CallAnswer::Once(c) => Ok(call(c, CallDecision::Once)),
            CallAnswer::Always(c) => {
                let pattern = (!trimmed.is_empty())
                    .then(|| pattern::parse(trimmed))
                    .transpose()?;
                Ok(call(c, CallDecision::Always { pattern }))
            }
            CallAnswer::Edit(c) => {
                let arguments: Value =
                    serde_json::from_str(trimmed).map_err(AnswerProblem::NotJson)?;
                check_arguments(c, &arguments)?;
                Ok(call(c, CallDecision::Edited(arguments)))
            }
            CallAnswer::Reject(c) if trimmed.is_empty() => Err(AnswerProblem::NoReason(c.id)),
            CallAnswer::Reject(c) => Ok(call(c, CallDecision::Reject(trimmed.replace('\n', " ")))),
            CallAnswer::Revoke(rule) => Ok(Submitted::Revoke(rule.id)),
        }
    }

    fn title(&self) -> String {
        match &self.kind {
            CallAnswer::Once(c) => format!(" Approve call #{} ({}@{})? ", c.id, c.tool, c.version),
            CallAnswer::Always(c) => format!(" Always approve {}@{}? ", c.tool, c.version),
            CallAnswer::Edit(c) => format!(" Edit and approve call #{} ({}) ", c.id, c.tool),
            CallAnswer::Reject(c) => format!(" Reject call #{} ({})? ", c.id, c.tool),
            CallAnswer::Revoke(r) => format!(" Revoke rule #{} ({}@{})? ", r.id, r.tool, r.version),
        }
    }

    /// The call being answered: what asks, why it waits for a person, what the tool may
    /// touch (`grants`, from the catalog) and which content runs. `None` for a rule.
    fn facts(&self, grants: &str) -> Option<Vec<(&'static str, String)>> {
        let call = match &self.kind {
            CallAnswer::Once(c)
            | CallAnswer::Always(c)
            | CallAnswer::Edit(c)
            | CallAnswer::Reject(c) => c,
            CallAnswer::Revoke(_) => return None,
        };
        Some(vec![
            ("from", call.client.clone()),
            ("waits", call.why.clone()),
            ("grants", grants.to_string()),
            (
                "content",
                format!(
                    "{}@{} · {}",
                    call.tool,
                    call.version,
                    crate::model::short_hash(&call.content_hash)
                ),
            ),
        ])
    }

    /// The call a dialog answers, if it answers one.
    pub(crate) fn call(&self) -> Option<&CallRow> {
        match &self.kind {
            CallAnswer::Once(c)
            | CallAnswer::Always(c)
            | CallAnswer::Edit(c)
            | CallAnswer::Reject(c) => Some(c),
            CallAnswer::Revoke(_) => None,
        }
    }

    fn consequence(&self) -> String {
        match &self.kind {
            CallAnswer::Once(c) => format!(
                "{} runs this once with the arguments below.\n{}",
                c.tool,
                pretty(&c.arguments)
            ),
            CallAnswer::Always(c) => format!(
                "{} runs now with the arguments below, and later calls of version {} (this content) run without asking when their arguments contain the pattern. A new version asks again.\n{}",
                c.tool,
                c.version,
                pretty(&c.arguments)
            ),
            CallAnswer::Edit(_) => {
                "the tool runs with these arguments instead of the agent's".into()
            }
            CallAnswer::Reject(c) => format!(
                "nothing runs; the agent receives the reason as the tool's error. It asked for:\n{}",
                pretty(&c.arguments)
            ),
            CallAnswer::Revoke(_) => "calls this rule let through wait for a human again".into(),
        }
    }

    fn keys(&self) -> &'static str {
        if self.is_editor() {
            " ctrl-s approve · esc cancel "
        } else {
            " enter confirm · esc cancel "
        }
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    pub(crate) fn call() -> CallRow {
        CallRow {
            client: "agent".into(),
            ..CallRow::fixture(7)
        }
    }

    fn type_text(state: &mut CallAnswerState, text: &str) {
        for c in text.chars() {
            state.input_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn the_editor_refuses_arguments_that_break_the_schema_as_you_type() {
        let mut state = CallAnswerState::new(CallAnswer::Edit(Box::new(call())));
        assert_eq!(
            state.submitted().ok(),
            Some(Submitted::Call {
                id: 7,
                decision: CallDecision::Edited(json!({"env": "staging"})),
                seen: Box::new(SeenCall::of(&call())),
            })
        );
        // Empty the editor, then type arguments the schema refuses.
        state.text.select_all();
        state.text.cut();
        type_text(&mut state, r#"{"env": 5}"#);
        let problem = state.problem.clone().expect("refused while typing");
        assert!(
            problem.contains("do not match the input schema of deploy"),
            "{problem}"
        );
        assert!(state.submitted().is_err());
        state.text.select_all();
        state.text.cut();
        type_text(&mut state, r#"{"env": "dev"}"#);
        assert_eq!(state.problem, None);
        assert_eq!(
            state.submitted().ok(),
            Some(Submitted::Call {
                id: 7,
                decision: CallDecision::Edited(json!({"env": "dev"})),
                seen: Box::new(SeenCall::of(&call())),
            })
        );
    }

    #[test]
    fn always_takes_an_object_pattern_and_reject_a_reason() {
        let mut always = CallAnswerState::new(CallAnswer::Always(Box::new(call())));
        assert_eq!(
            always.submitted().ok(),
            Some(Submitted::Call {
                id: 7,
                decision: CallDecision::Always { pattern: None },
                seen: Box::new(SeenCall::of(&call())),
            })
        );
        type_text(&mut always, "[1]");
        assert!(
            always
                .submitted()
                .expect_err("array")
                .to_string()
                .contains("must be a JSON object")
        );
        let mut reject = CallAnswerState::new(CallAnswer::Reject(Box::new(call())));
        assert!(reject.submitted().is_err());
        type_text(&mut reject, "too risky");
        assert_eq!(
            reject.submitted().ok(),
            Some(Submitted::Call {
                id: 7,
                decision: CallDecision::Reject("too risky".into()),
                seen: Box::new(SeenCall::of(&call())),
            })
        );
    }

    #[test]
    fn reject_and_always_show_the_arguments_they_answer() {
        let mut asked = call();
        asked.arguments = json!({"path": "/srv/data", "force": true});
        for kind in [
            CallAnswer::Reject(Box::new(asked.clone())),
            CallAnswer::Always(Box::new(asked.clone())),
        ] {
            let said = CallAnswerState::new(kind).consequence();
            assert!(said.contains("\"path\": \"/srv/data\""), "{said}");
            assert!(said.contains("\"force\": true"), "{said}");
        }
    }
}
