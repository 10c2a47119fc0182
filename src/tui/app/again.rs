//! `.` runs the last run again with the same input, and the launch dialog walks the tool's
//! past inputs (`ctrl-p` / `ctrl-n`, read from the runs the store holds).

use std::path::Path;

use crossterm::event::KeyEvent;

use super::{Action, App, LastRun, Launching, Level, Overlay};
use crate::model::StoreError;
use crate::tui::action::KeyContext;
use crate::tui::overlays::launch::InputHistory;

impl App {
    /// `.`: the last run again, with its input: at once when the tool is unchanged and asks
    /// nothing a person answers per run (a confirmation, grants), else its launch dialog with
    /// that input in it.
    pub(super) fn run_again(&mut self) {
        let Some(last) = self.last_run.clone() else {
            if let Some(asked) = &mut self.last_run_reading {
                *asked = true;
                self.notify("reading the last run…".into(), Level::Info);
                return;
            }
            let enter = self.keymap.hint(Action::Launch);
            self.notify(
                format!("nothing to run again: no run started here yet ({enter} runs a tool)"),
                Level::Error,
            );
            return;
        };
        let Some(entry) = self.catalog.entries().iter().find(|e| last.is(e)).cloned() else {
            self.notify(
                format!(
                    "cannot run {} again: it is no longer in the catalog",
                    last.id()
                ),
                Level::Error,
            );
            return;
        };
        let unchanged = last.unchanged(&entry);
        if !unchanged {
            self.notify(
                format!(
                    "{} changed since its last run: check the input and run it",
                    last.id()
                ),
                Level::Error,
            );
        }
        let how = Launching::Again {
            input: last.input,
            at_once: unchanged,
        };
        self.launch(entry, how);
    }

    /// The newest run the workbench started before this session, read from the store: what
    /// `.` runs again until a run starts here.
    /// The event loop reads the last run of an earlier session: `.` waits for it meanwhile.
    pub(crate) fn reading_last_run(&mut self) {
        self.last_run_reading = Some(false);
    }

    pub(super) fn on_last_run_read(
        &mut self,
        run: Result<Option<crate::model::RunRecord>, StoreError>,
    ) {
        let asked = self.last_run_reading.take() == Some(true);
        match run {
            Ok(Some(run)) if self.last_run.is_none() => {
                self.last_run = Some(LastRun::recorded(&run));
            }
            Ok(_) => {}
            Err(e) => {
                self.notify(
                    format!(
                        "the last run (for {}) not read: {}",
                        self.keymap.hint(Action::Again),
                        crate::error_chain::one_line(&e)
                    ),
                    Level::Error,
                );
                return;
            }
        }
        // Asked for before the store answered: only while nothing else was opened since.
        if asked && self.overlay.is_none() {
            self.run_again();
        }
    }

    /// The past inputs read for the launch dialog of the tool at `path`, if it is still open.
    pub(super) fn on_input_history(
        &mut self,
        path: &Path,
        inputs: Result<Vec<String>, StoreError>,
    ) {
        match inputs {
            Ok(inputs) => {
                if let Some(Overlay::Launch(launch)) = &mut self.overlay
                    && launch.entry.path == path
                {
                    launch.history = InputHistory::new(inputs);
                    self.dirty = true;
                }
            }
            Err(e) => self.notify(
                format!("past inputs not read: {}", crate::error_chain::one_line(&e)),
                Level::Error,
            ),
        }
    }

    /// `ctrl-p` / `ctrl-n` in the launch dialog: an older or newer past input, or a line
    /// saying there is none. False for other keys and other dialogs.
    pub(super) fn history_key(&mut self, key: &KeyEvent) -> bool {
        let Some(Overlay::Launch(launch)) = &mut self.overlay else {
            return false;
        };
        let older = if self
            .keymap
            .binds(KeyContext::Dialog, Action::OlderInput, key)
        {
            true
        } else if self
            .keymap
            .binds(KeyContext::Dialog, Action::NewerInput, key)
        {
            false
        } else {
            return false;
        };
        if launch.editor.is_none() || launch.walk_history(older) {
            return true;
        }
        let said = match (older, launch.history.len()) {
            (_, 0) => format!("no past input of {}", launch.entry.name),
            (true, n) => format!("that is the oldest of {n} past inputs"),
            (false, _) => "that is what you typed: nothing newer".to_string(),
        };
        self.notify(said, Level::Info);
        true
    }
}
