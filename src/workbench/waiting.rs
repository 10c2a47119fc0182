//! Telling the `[notify] webhook` that something started waiting for a person: an agent's
//! call held for approval, its proposal or its request for a tool. Told by the served
//! workspace that applied the command (`Serving::apply`), so it is told once, where it
//! started waiting, whether or not a workbench or a review page is open.

use std::sync::OnceLock;

use crate::command::{Applied, Command};
use crate::config::Config;
use crate::model::RunOrigin;
use crate::notify::{Notifier, Waiting, WaitingKind};

/// What a command may leave waiting, read before it is applied (applying takes the command):
/// who asked, and what of it the command alone says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Asked(Waiting);

impl Asked {
    /// What `command` would leave waiting; `None` for a command that never does.
    pub(super) fn by(command: &Command) -> Option<Asked> {
        let waiting = match command {
            Command::HoldCall { call } => Waiting {
                kind: WaitingKind::Call,
                id: None,
                tool: call.tool.clone(),
                version: Some(call.version.clone()),
                content_hash: Some(call.content_hash.clone()),
                client: call.client.clone(),
            },
            Command::Propose { client, .. } => Waiting {
                kind: WaitingKind::Proposal,
                id: None,
                tool: String::new(),
                version: None,
                content_hash: None,
                client: client.clone(),
            },
            Command::RequestTool { client, .. } => Waiting {
                kind: WaitingKind::Request,
                id: None,
                tool: String::new(),
                version: None,
                content_hash: None,
                client: client.clone(),
            },
            _ => return None,
        };
        Some(Asked(waiting))
    }

    /// What waits for a person now that the command answered `applied`: nothing when a
    /// standing rule answered the call, or the proposed content was there already.
    pub(super) fn waiting_after(self, applied: &Applied) -> Option<Waiting> {
        let Asked(asked) = self;
        match (asked.kind, applied) {
            (WaitingKind::Call, Applied::CallHeld { id, by_rule: None }) => Some(Waiting {
                id: Some(*id),
                ..asked
            }),
            (WaitingKind::Proposal, Applied::Proposed(landed)) if landed.already_in.is_none() => {
                Some(Waiting {
                    tool: landed.name.clone(),
                    version: Some(landed.version.clone()),
                    content_hash: Some(landed.content_hash.clone()),
                    ..asked
                })
            }
            (WaitingKind::Request, Applied::Requested(row)) => Some(Waiting {
                id: Some(row.id),
                tool: row.name.clone(),
                ..asked
            }),
            _ => None,
        }
    }
}

/// The webhook's sender, started on the first thing told: a front end that never holds a
/// call or takes a proposal (the workbench UI) never starts one.
#[derive(Default)]
pub(super) struct Teller {
    notifier: OnceLock<Option<Notifier>>,
}

impl Teller {
    /// Tells the webhook of `config`, if one is set, that `waiting` waits; returns at once.
    /// Must be called on a runtime, where the sender starts. What goes wrong with the webhook
    /// is a line on stderr, named for the front end of `origin`.
    pub(super) fn tell(&self, config: &Config, origin: RunOrigin, waiting: Waiting) {
        let notifier = self.notifier.get_or_init(|| {
            let webhook = config.notify_webhook.clone()?;
            let web = &config.web;
            let address = web
                .page_address()
                .unwrap_or_else(|| format!("http://{}", web.listen));
            let runtime = tokio::runtime::Handle::current();
            Some(Notifier::start(
                &runtime,
                webhook,
                format!("{address}/"),
                move |line| {
                    eprintln!("toolbench {origin}: notice: {line}");
                },
            ))
        });
        if let Some(notifier) = notifier {
            notifier.tell(waiting);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use crate::model::calls::NewCall;
    use crate::model::proposals::{Proposal, Proposed};
    use crate::proc_stat::ProcessId;

    fn held_call() -> Command {
        let server = ProcessId {
            pid: 1,
            start_ticks: 0,
        };
        Command::HoldCall {
            call: Box::new(NewCall::fixture("deploy", server)),
        }
    }

    fn proposed(already_in: Option<Tier>) -> Applied {
        Applied::Proposed(Proposed {
            name: "slugify".into(),
            version: "1.2.0".into(),
            folder: "experimental/slugify".into(),
            content_hash: "abc".into(),
            already_in,
            request_id: None,
        })
    }

    #[test]
    fn a_call_held_for_a_person_waits_with_its_number_and_one_a_rule_answered_does_not() {
        let asked = Asked::by(&held_call()).expect("a held call may wait");
        let waiting = asked
            .clone()
            .waiting_after(&Applied::CallHeld {
                id: 7,
                by_rule: None,
            })
            .expect("waits");
        assert_eq!(waiting.kind, WaitingKind::Call);
        assert_eq!(waiting.id, Some(7));
        assert_eq!(waiting.tool, "deploy");
        assert_eq!(waiting.client, "agent");
        assert_eq!(waiting.version.as_deref(), Some("1.0.0"));
        let ruled = Applied::CallHeld {
            id: 8,
            by_rule: Some(3),
        };
        assert_eq!(asked.waiting_after(&ruled), None);
    }

    #[test]
    fn a_proposal_waits_once_it_landed_and_not_when_its_content_was_there() {
        let command = Command::Propose {
            proposal: Proposal {
                manifest: String::new(),
                files: Default::default(),
            },
            client: "claude-code".into(),
        };
        let asked = Asked::by(&command).expect("a proposal may wait");
        let waiting = asked.clone().waiting_after(&proposed(None)).expect("waits");
        assert_eq!(waiting.kind, WaitingKind::Proposal);
        assert_eq!(waiting.tool, "slugify");
        assert_eq!(waiting.content_hash.as_deref(), Some("abc"));
        assert_eq!(waiting.client, "claude-code");
        assert_eq!(asked.waiting_after(&proposed(Some(Tier::Approved))), None);
    }

    #[test]
    fn a_command_that_never_waits_asks_nothing_and_a_mismatched_answer_tells_nothing() {
        assert_eq!(Asked::by(&Command::RefreshSuggestions), None);
        let asked = Asked::by(&held_call()).expect("a held call may wait");
        assert_eq!(asked.waiting_after(&proposed(None)), None);
    }
}
