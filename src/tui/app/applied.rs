//! What the library did with a command the app asked for: the one way a change of state
//! leaves the app (`Effect::Apply`) and the one way its result comes back
//! (`AppEvent::Applied`), shown here as the status bar's line and the views it changes.

use super::{App, Counting, Effect, Level, Overlay, touched_by};
use crate::command::{Applied, Command, CommandError};
use crate::error_chain::one_line;
use crate::model::FailureRecord;
use crate::model::decided::Outcome;
use crate::model::suggestions::SuggestionState;
use crate::tui::overlays::pair::{PairState, Pairing};
use crate::tui::overlays::suggestions;

impl App {
    /// Asks the library for `command`; its result comes back as `AppEvent::Applied`.
    pub(super) fn apply(&mut self, command: Command) {
        self.effects.push(Effect::Apply(Box::new(command)));
    }

    pub(super) fn on_applied(&mut self, command: Command, result: Result<Applied, CommandError>) {
        if matches!(
            command,
            Command::Launch { .. } | Command::Stop { .. } | Command::Send { .. }
        ) {
            return self.on_service_applied(command, result);
        }
        if matches!(command, Command::RefreshSuggestions) {
            return self.on_suggestions(result);
        }
        if matches!(command, Command::PairingCode { .. }) {
            return self.on_pairing_code(result);
        }
        let error = match result {
            Ok(applied) => return self.on_done(applied),
            Err(error) => error,
        };
        let line = match command {
            Command::MarkFailure { .. } => format!("failure not recorded: {}", one_line(&error)),
            _ => one_line(&error),
        };
        self.notify(line, Level::Error);
    }

    /// A pairing code and its link, shown with its QR code in the overlay that asked for it
    /// (closed meanwhile: nothing to show); a refusal says why there.
    fn on_pairing_code(&mut self, result: Result<Applied, CommandError>) {
        let Some(Overlay::Pair(state)) = &mut self.overlay else {
            return;
        };
        **state = match result {
            Ok(Applied::PairingCode(code)) => PairState::Ready(Box::new(Pairing {
                qr: crate::qr::drawn(&code.link),
                link: code.link,
                device: code.device,
                expires_at: code.expires_at,
                served_here: self.serves_page,
            })),
            Ok(other) => PairState::Failed(format!("pairing: the library answered {other:?}")),
            Err(error) => PairState::Failed(format!("pairing: {}", one_line(&error))),
        };
        self.dirty = true;
    }

    /// The detectors' rows: the status bar counts the new ones and the suggestions overlay,
    /// when open, lists them; a count asked for meanwhile starts now.
    fn on_suggestions(&mut self, result: Result<Applied, CommandError>) {
        let rows = match result {
            Ok(Applied::SuggestionsRefreshed(rows)) => Ok(rows),
            Ok(other) => Err(CommandError::Stopped(format!(
                "the suggestions' refresh answered {other:?}"
            ))),
            Err(error) => Err(error),
        };
        let listed = matches!(self.overlay, Some(Overlay::Suggestions(_)));
        match &rows {
            Ok(rows) => {
                self.new_suggestions = rows
                    .iter()
                    .filter(|r| r.state == SuggestionState::New)
                    .count();
            }
            // Told where the rows are listed, else on the status line.
            Err(error) if !listed => {
                self.new_suggestions = 0;
                self.notify(
                    format!("suggestions not read: {}", one_line(error)),
                    Level::Error,
                );
            }
            Err(_) => {}
        }
        if let Some(Overlay::Suggestions(state)) = &mut self.overlay {
            let len = rows.as_ref().map_or(0, Vec::len);
            state.rows = Some(rows);
            state.cursor.keep_visible(len, suggestions::page(self.size));
        }
        self.dirty = true;
        if std::mem::replace(&mut self.suggestions_counting, Counting::Idle) == Counting::Again {
            self.count_suggestions();
        }
    }

    /// Each command of an `Effect::ApplyEach` ended (the decisions on marked candidates): one
    /// line for all of them, naming each that was refused and why.
    pub(super) fn on_applied_each(
        &mut self,
        results: Vec<(String, Result<Applied, CommandError>)>,
    ) {
        let total = results.len();
        let mut done = Vec::new();
        let mut refused = Vec::new();
        let mut touched = Vec::new();
        for (label, result) in results {
            match result {
                Ok(Applied::Decided(outcome)) => {
                    self.note_outcome(&outcome);
                    touched.extend(touched_by(&outcome));
                    // Named with what was done: "reject tmp_cleaner@0.1.0".
                    done.push(match &outcome {
                        Outcome::Tool(decision) => {
                            format!("{} {label}", decision.action.as_str().replace('_', " "))
                        }
                        Outcome::Request(_) => label,
                    });
                }
                Ok(_) => done.push(label),
                Err(error) => refused.push(format!("{label}: {}", one_line(&error))),
            }
        }
        let line = if refused.is_empty() {
            format!("decided {total}: {}", done.join(", "))
        } else {
            format!(
                "decided {} of {total}; refused {}",
                done.len(),
                refused.join("; ")
            )
        };
        let level = if refused.is_empty() {
            Level::Info
        } else {
            Level::Error
        };
        self.notify(line, level);
        self.effects.push(Effect::Reload(touched));
    }

    fn on_done(&mut self, applied: Applied) {
        match applied {
            Applied::Decided(outcome) => {
                self.note_outcome(&outcome);
                self.notify(outcome.summary(), Level::Info);
                self.effects.push(Effect::Reload(touched_by(&outcome)));
            }
            Applied::FailureMarked { failure, .. } => self.failure_recorded(failure),
            Applied::SuggestionAnswered(answered) => {
                self.notify(answered.said, Level::Info);
                if matches!(self.overlay, Some(Overlay::Suggestions(_))) {
                    self.apply(Command::RefreshSuggestions);
                }
            }
            Applied::CallAnswered(call) => self.notify(
                format!("call #{} ({}) {}", call.id, call.tool, call.state),
                Level::Info,
            ),
            Applied::RuleRevoked(rule) => self.notify(
                format!("rule #{} ({}@{}) revoked", rule.id, rule.tool, rule.version),
                Level::Info,
            ),
            Applied::Accepted { tools, .. } => {
                let accepted = match tools.len() {
                    1 => "accepted 1 active tool as it is".to_string(),
                    n => format!("accepted {n} active tools as they are"),
                };
                self.notify(
                    format!("{accepted}; a later change needs a review"),
                    Level::Info,
                );
                self.scan_workspace();
            }
            // Asked through their own effects, which show them.
            Applied::Validated(_)
            | Applied::Run(_)
            | Applied::Called(_)
            | Applied::Collected(_)
            | Applied::Launched(_)
            | Applied::Stopped(_)
            | Applied::Proposed(_)
            | Applied::Requested(_)
            | Applied::ServiceDefined { .. }
            | Applied::Sent(_)
            | Applied::CallHeld { .. }
            | Applied::CallEnded(_)
            | Applied::TaskChanged(_)
            | Applied::SuggestionsRefreshed(_)
            | Applied::PairingCode(_)
            | Applied::Paired(_)
            | Applied::DeviceRevoked(_)
            | Applied::SignerAdded { .. }
            | Applied::SignersAccepted { .. }
            | Applied::ProjectAccepted(_) => {}
        }
    }

    fn failure_recorded(&mut self, failure: FailureRecord) {
        self.notify(
            format!(
                "recorded failure #{} for {}@{}",
                failure.id, failure.tool, failure.version
            ),
            Level::Info,
        );
        self.failures.insert(0, failure);
        self.effects.push(Effect::LoadHistory);
    }
}
