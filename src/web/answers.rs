//! A person's answers on the page, read from the forms they sent and turned into the
//! library's commands, bound to what the page showed: the tool, version and content hash,
//! and for a call the digest of its arguments. The library refuses an answer to anything
//! else; this module only refuses what is not an answer at all.

use serde_json::Value;

use super::waiting::arguments_digest;
use crate::command::Command;
use crate::model::ToolId;
use crate::model::calls::CallRow;
use crate::model::calls::decision::{CallDecision, SeenCall};
use crate::model::calls::pattern;
use crate::model::review_command::Accepted;
use crate::model::review_command::ReviewCommand;

/// The fields of an `application/x-www-form-urlencoded` body.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(body: &[u8]) -> Self {
        let fields = body
            .split(|b| *b == b'&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let mut parts = pair.splitn(2, |b| *b == b'=');
                let name = decode(parts.next().unwrap_or_default());
                let value = decode(parts.next().unwrap_or_default());
                (name, value)
            })
            .collect();
        Form(fields)
    }

    /// The first value of `name`.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of `name`, or why the form is no answer.
    fn field(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("the form has no field {name:?}"))
    }
}

/// Percent-decoding, `+` as a space; bytes that are not UTF-8 become U+FFFD.
fn decode(raw: &[u8]) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex(raw[i + 1]), hex(raw[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The command answering call `id` as the form says, bound to the call as the page showed it;
/// `now` is the call as the store holds it, if it does.
pub(super) fn call_answer(form: &Form, id: i64, now: Option<&CallRow>) -> Result<Command, String> {
    let decision = match form.field("answer")? {
        "once" => CallDecision::Once,
        "always" => CallDecision::Always {
            pattern: match form.get("pattern").map(str::trim) {
                Some(text) if !text.is_empty() => Some(
                    pattern::parse(text).map_err(|e| format!("call #{id}: the pattern: {e}"))?,
                ),
                _ => None,
            },
        },
        "reject" => CallDecision::Reject(form.get("reason").unwrap_or_default().to_string()),
        other => return Err(format!("{other:?} is no answer to a call")),
    };
    let arguments = match now {
        Some(call) => {
            if arguments_digest(&call.arguments) != form.field("arguments_digest")? {
                return Err(format!(
                    "call #{id}: its arguments are not the ones the page showed"
                ));
            }
            call.arguments.clone()
        }
        // The library names an unknown call.
        None => Value::Null,
    };
    let seen = SeenCall {
        tool: form.field("tool")?.to_string(),
        version: form.field("version")?.to_string(),
        content_hash: form.field("content_hash")?.to_string(),
        arguments,
    };
    Ok(Command::AnswerCall {
        id,
        decision,
        seen: Some(seen),
    })
}

/// The command deciding on the candidate the form names, bound to the content the page
/// showed.
pub(super) fn candidate_decision(form: &Form) -> Result<Command, String> {
    let tool = ToolId::known(form.field("name")?, form.field("version")?)
        .with_hash(form.field("content_hash")?)
        .map_err(|e| e.to_string())?;
    let decision = review_decision(form, "a candidate")?;
    Ok(Command::Decide { tool, decision })
}

/// The command answering tool request `id`, which the library binds to that request.
pub(super) fn request_answer(form: &Form, id: i64) -> Result<Command, String> {
    let decision = review_decision(form, "a tool request")?;
    Ok(Command::AnswerRequest { id, decision })
}

/// The decision a candidate's or a request's form gives: approve, reject or request changes,
/// the last two with the form's words.
fn review_decision(form: &Form, what: &str) -> Result<ReviewCommand, String> {
    Ok(match form.field("decision")? {
        "approve" => ReviewCommand::Approve {
            reason: None,
            accepted: Accepted {
                failures: form.get("accept_failures") == Some("yes"),
                escalation: false,
            },
        },
        "reject" => ReviewCommand::Reject {
            reason: form.get("reason").unwrap_or_default().trim().to_string(),
        },
        "request_changes" => ReviewCommand::RequestChanges {
            feedback: form.get("reason").unwrap_or_default().trim().to_string(),
        },
        other => return Err(format!("{other:?} is no decision on {what}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_decodes_percent_and_plus() {
        let form = Form::parse(b"reason=not+on+a%20Friday&x=%3Cb%3E&bad=%zz&end=%4");
        assert_eq!(form.get("reason"), Some("not on a Friday"));
        assert_eq!(form.get("x"), Some("<b>"));
        assert_eq!(form.get("bad"), Some("%zz"));
        assert_eq!(form.get("end"), Some("%4"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn an_answer_whose_arguments_changed_is_refused_before_the_library() {
        let call = CallRow::fixture(7);
        let digest = arguments_digest(&call.arguments);
        let body = format!(
            "answer=once&tool=deploy&version=1.0.0&content_hash=h&arguments_digest={digest}"
        );
        let command = call_answer(&Form::parse(body.as_bytes()), 7, Some(&call)).expect("answer");
        assert!(matches!(command, Command::AnswerCall { seen: Some(_), .. }));
        let changed = CallRow {
            arguments: serde_json::json!({"env": "prod"}),
            ..CallRow::fixture(7)
        };
        let refused = call_answer(&Form::parse(body.as_bytes()), 7, Some(&changed));
        assert!(refused.is_err());
    }
}
