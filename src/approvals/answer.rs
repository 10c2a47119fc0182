//! The human's answers to waiting calls, and the rules "approve always" leaves. A key in the
//! workbench and `toolbench calls` end here.

use serde_json::Value;

use crate::runner::inflight::ProcessId;
use crate::store::calls::{Answer, CallRow, CallState, RuleRow};
use crate::store::{Store, StoreError};

/// What the human says to one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Run it this once.
    Once,
    /// Run it, and every later call of this tool version whose arguments hold `pattern`.
    Always { pattern: Option<Value> },
    /// Run it with these arguments instead.
    Edited(Value),
    /// Do not run it; the agent receives the reason.
    Reject(String),
}

/// Why edited arguments were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgumentsRefusal {
    #[error("the arguments must be a JSON object")]
    NotObject,
    #[error(transparent)]
    Schema(crate::runner::schema::SchemaError),
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("no agent call #{0} (`toolbench calls` lists the pending ones)")]
    UnknownCall(i64),
    #[error("call #{id} was already {state}{by}")]
    AlreadyAnswered {
        id: i64,
        state: CallState,
        by: String,
    },
    #[error("call #{id}: the edited arguments do not match the input schema of {tool}: {reason}")]
    Arguments {
        id: i64,
        tool: String,
        reason: ArgumentsRefusal,
    },
    #[error("call #{0}: a rejection needs a reason, which the agent receives")]
    NoReason(i64),
    #[error("no approval rule #{0} (`toolbench calls rules` lists them)")]
    UnknownRule(i64),
    #[error("rule #{id} was already revoked{by}")]
    AlreadyRevoked { id: i64, by: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Answers a pending call as `who`; returns the call as answered. When two answers race,
/// the store takes one and the other gets `AlreadyAnswered`.
pub fn answer(
    store: &mut Store,
    id: i64,
    decision: Decision,
    who: &str,
) -> Result<CallRow, ApprovalError> {
    let call = pending(store, id)?;
    let at = crate::clock::now_rfc3339();
    let mut answer = Answer {
        state: CallState::Approved,
        who: who.to_string(),
        at: at.clone(),
        reason: None,
        arguments: None,
        rule: None,
    };
    let written = match decision {
        Decision::Once => store.answer_call(id, &answer)?,
        Decision::Edited(arguments) => {
            check_arguments(&call, &arguments)?;
            answer.arguments = Some(arguments);
            store.answer_call(id, &answer)?
        }
        Decision::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(ApprovalError::NoReason(id));
            }
            answer.state = CallState::Rejected;
            answer.reason = Some(reason.to_string());
            store.answer_call(id, &answer)?
        }
        Decision::Always { pattern } => {
            let rule = RuleRow {
                id: 0,
                tool: call.tool.clone(),
                version: call.version.clone(),
                content_hash: call.content_hash.clone(),
                pattern,
                from_call: Some(id),
                created_by: who.to_string(),
                created_at: at,
                revoked_by: None,
                revoked_at: None,
            };
            store.approve_with_rule(id, &rule, &answer)?.is_some()
        }
    };
    if !written {
        // Someone else answered between our read and our write.
        pending(store, id)?;
    }
    store.call(id)?.ok_or(ApprovalError::UnknownCall(id))
}

/// The call, if it still waits.
fn pending(store: &Store, id: i64) -> Result<CallRow, ApprovalError> {
    let call = store.call(id)?.ok_or(ApprovalError::UnknownCall(id))?;
    if call.state != CallState::Pending {
        let by = match (&call.answered_by, &call.answered_at) {
            (Some(who), Some(at)) => format!(" by {who} at {at}"),
            _ => String::new(),
        };
        return Err(ApprovalError::AlreadyAnswered {
            id,
            state: call.state,
            by,
        });
    }
    Ok(call)
}

/// Edited arguments must still be what the tool takes.
pub fn check_arguments(call: &CallRow, arguments: &Value) -> Result<(), ApprovalError> {
    let refuse = |reason: ArgumentsRefusal| ApprovalError::Arguments {
        id: call.id,
        tool: call.tool.clone(),
        reason,
    };
    if !arguments.is_object() {
        return Err(refuse(ArgumentsRefusal::NotObject));
    }
    crate::runner::schema::check(&call.input_schema, arguments)
        .map_err(|e| refuse(ArgumentsRefusal::Schema(e)))
}

/// Revokes a rule as `who`; later calls wait again.
pub fn revoke(store: &mut Store, id: i64, who: &str) -> Result<RuleRow, ApprovalError> {
    let rule = store.rule(id)?.ok_or(ApprovalError::UnknownRule(id))?;
    let at = crate::clock::now_rfc3339();
    if rule.revoked_at.is_some() || !store.revoke_rule(id, who, &at)? {
        let rule = store.rule(id)?.ok_or(ApprovalError::UnknownRule(id))?;
        let by = match (rule.revoked_by, rule.revoked_at) {
            (Some(who), Some(at)) => format!(" by {who} at {at}"),
            _ => String::new(),
        };
        return Err(ApprovalError::AlreadyRevoked { id, by });
    }
    store.rule(id)?.ok_or(ApprovalError::UnknownRule(id))
}

/// Marks abandoned the pending calls whose server died: nobody will ever run them. Returns
/// how many.
pub fn abandon_dead(store: &mut Store) -> Result<usize, StoreError> {
    let mut count = 0;
    for call in store.calls(false)? {
        let server = ProcessId {
            pid: call.server_pid,
            start_ticks: call.server_start,
        };
        if server.is_alive() {
            continue;
        }
        let answer = Answer {
            state: CallState::Abandoned,
            who: "toolbench".into(),
            at: crate::clock::now_rfc3339(),
            reason: Some(format!(
                "the server that held it (pid {}) stopped",
                call.server_pid
            )),
            arguments: None,
            rule: None,
        };
        if store.answer_call(call.id, &answer)? {
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::calls::NewCall;
    use serde_json::json;

    fn waiting(store: &mut Store, pid: u32) -> i64 {
        let me = ProcessId::of(pid).unwrap_or(ProcessId {
            pid,
            start_ticks: 0,
        });
        store
            .insert_call(&NewCall {
                tool: "deploy".into(),
                version: "1.0.0".into(),
                content_hash: "h".into(),
                arguments: json!({"env": "staging"}),
                input_schema: json!({
                    "type": "object",
                    "properties": {"env": {"type": "string"}},
                    "required": ["env"],
                    "additionalProperties": false
                }),
                client: "agent".into(),
                why: "test".into(),
                requested_at: "2026-11-22T10:00:00Z".into(),
                server_pid: me.pid,
                server_start: me.start_ticks,
            })
            .expect("insert")
    }

    #[test]
    fn answers_are_checked_and_given_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = waiting(&mut store, std::process::id());
        let bad = answer(&mut store, id, Decision::Edited(json!({"env": 3})), "ana");
        assert!(
            matches!(bad, Err(ApprovalError::Arguments { .. })),
            "{bad:?}"
        );
        let none = answer(&mut store, id, Decision::Reject("  ".into()), "ana");
        assert!(matches!(none, Err(ApprovalError::NoReason(i)) if i == id));
        let done = answer(
            &mut store,
            id,
            Decision::Edited(json!({"env": "dev"})),
            "ana",
        )
        .expect("edited");
        assert_eq!(done.approved_arguments, Some(json!({"env": "dev"})));
        let again = answer(&mut store, id, Decision::Once, "bo").expect_err("twice");
        assert!(
            again
                .to_string()
                .starts_with(&format!("call #{id} was already approved by ana at "))
        );
        assert!(matches!(
            answer(&mut store, 999, Decision::Once, "ana"),
            Err(ApprovalError::UnknownCall(999))
        ));
    }

    #[test]
    fn always_leaves_a_rule_that_can_be_revoked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = waiting(&mut store, std::process::id());
        let pattern = Some(json!({"env": "staging"}));
        let call = answer(&mut store, id, Decision::Always { pattern }, "ana").expect("always");
        let rule = call.rule.expect("a rule");
        assert_eq!(revoke(&mut store, rule, "ana").expect("revoke").id, rule);
        let again = revoke(&mut store, rule, "ana")
            .expect_err("twice")
            .to_string();
        assert!(
            again.starts_with(&format!("rule #{rule} was already revoked by ana")),
            "{again}"
        );
        assert!(matches!(
            revoke(&mut store, 99, "ana"),
            Err(ApprovalError::UnknownRule(99))
        ));
    }

    #[test]
    fn calls_of_dead_servers_are_abandoned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let alive = waiting(&mut store, std::process::id());
        // No process has pid 0's stat file.
        let dead = waiting(&mut store, 0);
        assert_eq!(abandon_dead(&mut store).expect("abandon"), 1);
        let state = |id| store.call(id).expect("read").expect("row").state;
        assert_eq!(state(alive), CallState::Pending);
        assert_eq!(state(dead), CallState::Abandoned);
    }
}
