//! The Output pane's run, read whole in the person's own pager (`$PAGER`): the log as
//! recorded on disk, not the lines the pane keeps. Chooses the run and says what happened;
//! the event loop steps aside for the pager (`Effect::PageRunLog`).

use super::{Action, App, Effect, Level, Overlay, Pane};
use crate::tui::external_editor::Paged;
use crate::tui::overlays::resources::Rows;
use crate::tui::runs::RunState;

impl App {
    /// Asks for the selected run's log in the pager, or says in one line why not.
    pub(super) fn page_run_log(&mut self) {
        let Some(run) = self.selected_run() else {
            self.notify("no run to read: run a tool first".into(), Level::Error);
            return;
        };
        let log_dir = match &run.state {
            _ if run.instance.is_some() => Err(
                "a service instance's log is followed here; its files are under .toolbench/services/"
                    .to_string(),
            ),
            RunState::Running => {
                Err("the run is still going: its whole log opens once it ends".into())
            }
            RunState::Refused(_) => Err("the run was refused before it started: no log".into()),
            RunState::Finished(record) => record
                .log_dir
                .clone()
                .ok_or_else(|| format!("run #{} left no log", record.id)),
        };
        match log_dir {
            Ok(log_dir) => {
                let name = format!("{}-{}", run.tool, run.version);
                self.effects.push(Effect::PageRunLog { log_dir, name });
            }
            Err(why) => self.notify(why, Level::Error),
        }
    }

    /// `o` in a resource view: the selected run's log in the pager (`:runs`), or a line
    /// saying where runs are.
    pub(super) fn page_resource_run(&mut self) {
        let Some(Overlay::Resource(state)) = &self.overlay else {
            return;
        };
        let run = match (&state.table, state.selected_index()) {
            (Some(Ok(table)), Some(index)) => match &table.rows {
                Rows::Runs(runs) => runs.get(index),
                _ => {
                    let key = self.keymap.hint(Action::Pager);
                    self.notify(
                        format!("{key} reads a run's log: in :runs or the Output pane"),
                        Level::Error,
                    );
                    return;
                }
            },
            _ => None,
        };
        let Some(run) = run else {
            self.notify("no run selected".into(), Level::Error);
            return;
        };
        match run.log_dir.clone() {
            Some(log_dir) => {
                let name = format!("{}-{}", run.tool, run.version);
                self.effects.push(Effect::PageRunLog { log_dir, name });
            }
            None => self.notify(format!("run #{} left no log", run.id), Level::Error),
        }
    }

    /// What the pager did: nothing to say when it showed the log; without `$PAGER`, the
    /// built-in view (the Output pane, zoomed) and a line saying so.
    pub(super) fn on_paged(&mut self, paged: Paged) {
        match paged {
            Paged::Shown => self.dirty = true,
            // Over a view the Output pane is hidden: it holds only this session's runs.
            Paged::NoPager if matches!(self.overlay, Some(Overlay::Resource(_))) => self.notify(
                "set $PAGER to read a run's whole log; the Output pane shows this session's runs"
                    .into(),
                Level::Info,
            ),
            Paged::NoPager => {
                self.focus = Pane::Output;
                self.zoomed = true;
                let search = self.keymap.hint(Action::Search);
                self.notify(
                    format!(
                        "set $PAGER to read the whole log there; here, the pane zoomed ({search} searches)"
                    ),
                    Level::Info,
                );
            }
            Paged::Failed(why) => self.notify(why, Level::Error),
        }
    }
}
