//! Being told: when an agent's call starts waiting, an agent proposes a tool or asks for one,
//! the Review pane's title flashes, the status bar says so, and the event loop rings the bell
//! (`Effect::Tell`); the status bar counts what waits.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{App, Effect, Level};
use crate::model::calls::CallRow;
use crate::model::requests::RequestRow;

/// How long the Review pane's title flashes.
const FLASH: Duration = Duration::from_secs(2);
/// Its title is lit for one such step, then dark for one.
const FLASH_STEP: Duration = Duration::from_millis(250);

impl App {
    /// Says `line`, flashes the Review pane and asks for the bell.
    fn tell(&mut self, line: String) {
        self.notify(line.clone(), Level::Info);
        self.review_flash = Some(Instant::now());
        self.effects.push(Effect::Tell(line));
    }

    /// Calls in `calls` that were not waiting before.
    pub(super) fn tell_new_calls(&mut self, calls: &[CallRow]) {
        let new: Vec<&CallRow> = calls
            .iter()
            .filter(|c| !self.pending_calls.iter().any(|p| p.id == c.id))
            .collect();
        let line = match new.as_slice() {
            [] => return,
            [call] => format!(
                "{} asks to run {}@{}: call #{} waits for you",
                call.client, call.tool, call.version, call.id
            ),
            more => format!("{} agent calls wait for you", more.len()),
        };
        self.tell(crate::text::visible(&line));
    }

    /// Tool requests in `requests` that were not waiting before.
    pub(super) fn tell_new_requests(&mut self, requests: &[RequestRow]) {
        let new: Vec<&RequestRow> = requests
            .iter()
            .filter(|r| !self.requests.iter().any(|p| p.name == r.name))
            .collect();
        let line = match new.as_slice() {
            [] => return,
            [request] => format!("{} asks for a tool: {}", request.client, request.name),
            more => format!("{} tool requests wait for you", more.len()),
        };
        self.tell(crate::text::visible(&line));
    }

    /// Proposals in `proposers` not known before; the first history read of the session
    /// only learns which there are.
    pub(super) fn tell_new_proposals(&mut self, proposers: &HashMap<String, String>) {
        if !std::mem::replace(&mut self.proposals_known, true) {
            return;
        }
        let new: Vec<(&String, &String)> = proposers
            .iter()
            .filter(|(folder, _)| !self.proposers.contains_key(*folder))
            .collect();
        let line = match new.as_slice() {
            [] => return,
            [(folder, client)] => format!("{client} proposed {folder}: it waits for review"),
            more => format!("agents proposed {} tools: they wait for review", more.len()),
        };
        self.tell(crate::text::visible(&line));
    }

    /// Agents' proposals in the review queue, counted again as the queue changes.
    pub(super) fn count_proposed(&mut self) {
        let entries = self.catalog.entries();
        self.proposed_waiting = self
            .review
            .iter()
            .filter(|i| {
                let entry = &entries[**i];
                entry.path.file_name().is_some_and(|name| {
                    let folder = format!("{}/{}", entry.tier.dir_name(), name.to_string_lossy());
                    self.proposers.contains_key(&folder)
                })
            })
            .count();
    }

    /// What waits for a person: agents' calls, tool requests and proposals.
    pub(crate) fn waiting(&self) -> usize {
        self.pending_calls.len() + self.requests.len() + self.proposed_waiting
    }

    /// Whether the Review pane's title is lit now, while it flashes.
    pub(crate) fn review_lit(&self) -> bool {
        self.review_flash.is_some_and(|at| {
            let elapsed = at.elapsed();
            elapsed < FLASH && (elapsed.as_millis() / FLASH_STEP.as_millis()).is_multiple_of(2)
        })
    }

    /// On the tick: the flash goes on being drawn until it ends.
    pub(super) fn flash_tick(&mut self) {
        if let Some(at) = self.review_flash {
            self.dirty = true;
            if at.elapsed() >= FLASH {
                self.review_flash = None;
            }
        }
    }
}
