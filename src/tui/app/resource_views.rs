//! The `:` prompt that opens a resource view, and what `enter` on a view's row leads to.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, DetailSection, Effect, Level, Overlay, Pane};
use crate::model::StoreError;
use crate::model::calls::CallState;
use crate::model::{FailureRecord, RunRecord, RunStatus, ToolId};
use crate::tui::overlays::resources::{self, Resource, ResourceState, Rows, Table};

impl App {
    /// Keys typed at the `:` prompt: enter opens the named view, tab completes, esc cancels.
    pub(super) fn command_key(&mut self, key: KeyEvent) {
        let Some(typed) = self.command.as_mut() else {
            return;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.command = None,
            KeyCode::Char('c') if ctrl => self.command = None,
            KeyCode::Char('u') if ctrl => typed.clear(),
            KeyCode::Char(c) if !ctrl => typed.push(c),
            KeyCode::Backspace => {
                typed.pop();
            }
            // The prompt lists the names that fit what is typed.
            KeyCode::Tab => *typed = Resource::complete(typed).0,
            KeyCode::Enter => {
                let typed = self.command.take().unwrap_or_default();
                match Resource::named(&typed) {
                    Some(resource) => self.open_resource(resource),
                    None if typed.trim().is_empty() => {}
                    None => self.notify(
                        format!("no view named {}: try {}", typed.trim(), Resource::names()),
                        Level::Error,
                    ),
                }
            }
            _ => {}
        }
    }

    /// Reads the validation view's rows again when it is open: the queue moved. Asked once
    /// however many validations answer between two turns of the event loop.
    pub(super) fn refresh_validations_view(&mut self) {
        let load = Effect::LoadResource(Resource::Validations);
        if matches!(&self.overlay, Some(Overlay::Resource(state)) if state.resource == Resource::Validations)
            && !self.effects.contains(&load)
        {
            self.effects.push(load);
        }
    }

    /// A resource view of `resource`, its rows read in the background; it replaces any
    /// overlay, a view open before it included.
    pub(super) fn open_resource(&mut self, resource: Resource) {
        self.effects.push(Effect::LoadResource(resource));
        self.overlay = Some(Overlay::Resource(Box::new(ResourceState::loading(
            resource,
        ))));
    }

    pub(super) fn on_resource_loaded(
        &mut self,
        resource: Resource,
        table: Result<Table, StoreError>,
    ) {
        let page = resources::page(self.size);
        if let Some(Overlay::Resource(state)) = &mut self.overlay
            && state.resource == resource
        {
            state.loaded(table, page);
            self.dirty = true;
        }
    }

    /// Keys typed into a resource view's filter; false when the view is not filtering.
    pub(super) fn resource_filter_key(&mut self, key: &KeyEvent) -> bool {
        let page = resources::page(self.size);
        let Some(Overlay::Resource(state)) = &mut self.overlay else {
            return false;
        };
        if !state.filtering {
            return false;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let mut filter = state.filter.clone();
        match key.code {
            KeyCode::Enter => state.filtering = false,
            KeyCode::Esc => {
                state.filtering = false;
                filter.clear();
            }
            KeyCode::Char('u') if ctrl => filter.clear(),
            KeyCode::Char(c) if !ctrl => filter.push(c),
            KeyCode::Backspace => {
                filter.pop();
            }
            // Moving the selection while typing, as in the Catalog's filter.
            KeyCode::Down | KeyCode::Up => return false,
            _ => return true,
        }
        if filter != state.filter {
            state.set_filter(filter, page);
        }
        true
    }

    /// The failure `enter` on `run`'s row opens: a failed run's, when recorded (the Failures
    /// pane may hold one recorded since the view was read).
    fn failure_of_row<'a>(
        &'a self,
        table: &'a Table,
        run: &RunRecord,
    ) -> Option<&'a FailureRecord> {
        (run.status != RunStatus::Ok)
            .then(|| {
                table
                    .failure_of_run(run.id)
                    .or_else(|| self.failures.iter().find(|f| f.run_id == Some(run.id)))
            })
            .flatten()
    }

    /// What `enter` on the selected row opens, for the view's hint line: the same rule as
    /// `open_resource_row`, so the hint never promises what the key does not do.
    pub(crate) fn resource_enter_hint(&self, state: &ResourceState) -> &'static str {
        if let (Some(Ok(table)), Some(index)) = (&state.table, state.selected_index())
            && let Rows::Runs(runs) = &table.rows
            && let Some(run) = runs.get(index)
            && self.failure_of_row(table, run).is_some()
        {
            return "failure detail";
        }
        state.resource.enter_hint()
    }

    /// `enter` on a row of the view: a failed run's failure, a run's, a decision's or a
    /// validation's tool detail, a waiting call in the Review pane, a followed instance in the
    /// Output pane.
    pub(super) fn open_resource_row(&mut self, index: usize) {
        let Some(Overlay::Resource(state)) = &self.overlay else {
            return;
        };
        let Some(Ok(table)) = &state.table else {
            return;
        };
        match &table.rows {
            Rows::Runs(runs) => {
                let Some(run) = runs.get(index) else {
                    return;
                };
                // A failed run's failure says what went wrong.
                let failure = self.failure_of_row(table, run).cloned();
                let tool = ToolId::known(&run.tool, &run.version);
                match failure {
                    Some(failure) => {
                        let back = self.take_resource_view();
                        self.overlay = Some(Overlay::FailureDetail {
                            failure: Box::new(failure),
                            scroll: 0,
                            back,
                        });
                    }
                    // The version that ran, while the catalog holds it; else its name's.
                    None => match self.catalog.find(&tool) {
                        Ok(entry) => self.show_entry(entry.clone()),
                        Err(_) => self.show_tool(&tool.name),
                    },
                }
            }
            Rows::Validations(rows) => {
                if let Some(path) = rows.get(index).map(|r| r.path.clone()) {
                    self.show_tool_at(&path);
                }
            }
            Rows::History(decisions) => {
                if let Some(tool) = decisions.get(index).map(|d| d.tool.clone()) {
                    self.show_tool(&tool);
                }
            }
            Rows::Calls(calls) => {
                let Some(call) = calls.get(index) else {
                    return;
                };
                let waiting = self.pending_calls.iter().position(|c| c.id == call.id);
                match waiting {
                    // The Review pane lists waiting calls first.
                    Some(pos) => {
                        self.overlay = None;
                        self.focus = Pane::Review;
                        let height = self.pane_height(Pane::Review);
                        self.review_cursor.select(pos, self.review_rows(), height);
                    }
                    None if call.state == CallState::Pending => self.notify(
                        format!("call #{} is not in the Review pane yet", call.id),
                        Level::Info,
                    ),
                    None => self.notify(
                        format!(
                            "call #{} was {}: nothing waits for you",
                            call.id, call.state
                        ),
                        Level::Info,
                    ),
                }
            }
            Rows::Services(instances) => {
                let Some(name) = instances.get(index).map(|i| i.name.clone()) else {
                    return;
                };
                let followed = self
                    .runs
                    .iter()
                    .rposition(|r| r.instance.as_ref().is_some_and(|i| i.instance == name));
                match followed {
                    Some(pos) => {
                        self.overlay = None;
                        self.focus = Pane::Output;
                        self.show_run(pos);
                    }
                    None => self.notify(
                        format!("{name} is not followed in the Output pane"),
                        Level::Info,
                    ),
                }
            }
        }
    }

    /// The tool detail of the catalog's `name`, or a line saying the catalog has no such tool.
    fn show_tool(&mut self, name: &str) {
        match self.catalog.find(&ToolId::named(name)) {
            Ok(entry) => self.show_entry(entry.clone()),
            Err(_) => self.notify(format!("{name} is not in the catalog"), Level::Info),
        }
    }

    /// The tool detail of the tool the catalog has at `path` (a validated folder), or a line
    /// saying it is no longer there.
    fn show_tool_at(&mut self, path: &std::path::Path) {
        match self.catalog.entries().iter().find(|e| e.path == path) {
            Some(entry) => self.show_entry(entry.clone()),
            None => self.notify(
                format!("no tool at {} any more", path.display()),
                Level::Info,
            ),
        }
    }

    /// Closing the detail shows the view again.
    fn show_entry(&mut self, entry: crate::model::ToolEntry) {
        let back = self.take_resource_view();
        self.show_details(entry, DetailSection::Overview);
        if let Some(Overlay::Detail(detail)) = &mut self.overlay {
            detail.back = back;
        }
    }

    /// The open resource view, taken out of the overlay to be shown again later.
    fn take_resource_view(&mut self) -> Option<Box<ResourceState>> {
        match self.overlay.take() {
            Some(Overlay::Resource(state)) => Some(state),
            other => {
                self.overlay = other;
                None
            }
        }
    }
}
