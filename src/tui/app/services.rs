//! Service instances in the workbench: `Enter` on a service asks for the instance to launch or
//! attach to, the Output pane follows it, `K` stops it and the send dialog talks to it.

use super::{App, Effect, Level, Overlay};
use crate::command::{Applied, Command, CommandError};
use crate::error_chain::one_line;
use crate::model::services::{InstanceRow, InstanceState};
use crate::model::{ToolEntry, ToolId};
use crate::tui::action::Action;
use crate::tui::layout::Pane;
use crate::tui::overlays::service::{ServiceDialogKind, ServiceDialogState};
use crate::tui::runs::{RunState, RunView};

impl App {
    /// The instances of `tool` that are not stopped, by name.
    pub(crate) fn live_instances<'a>(
        &'a self,
        tool: &'a str,
    ) -> impl Iterator<Item = &'a InstanceRow> {
        crate::tui::panes::catalog::live_instances(&self.instances, tool)
    }

    /// `Enter` on a service: the instance dialog, offering a running one to attach to.
    pub(super) fn open_service(&mut self, entry: ToolEntry) {
        let running = self
            .live_instances(&entry.name)
            .map(|r| r.name.clone())
            .collect();
        let dialog = ServiceDialogState::launch(entry, running);
        self.overlay = Some(Overlay::Service(Box::new(dialog)));
    }

    pub(super) fn submit_service(&mut self, mut dialog: Box<ServiceDialogState>) {
        let value = match dialog.value() {
            Ok(value) => value,
            Err(problem) => {
                dialog.problem = Some(one_line(&problem));
                self.overlay = Some(Overlay::Service(dialog));
                return;
            }
        };
        match &dialog.kind {
            ServiceDialogKind::Launch { entry, running } => {
                if !running.contains(&value) {
                    self.notify(
                        format!("launching instance {value} of {}…", entry.name),
                        Level::Info,
                    );
                    // The workbench asks no confirmation for a service: a cost tier that needs
                    // one is refused by the library's gate (and the dialog says to use the CLI).
                    self.apply(Command::Launch {
                        tool: ToolId::content_of(entry).to_string(),
                        instance: value.clone(),
                        confirmed: false,
                    });
                }
                self.follow_instance(&value, &entry.name, &entry.version);
            }
            ServiceDialogKind::Send { instance } => {
                self.apply(Command::Send {
                    instance: instance.clone(),
                    message: value,
                    context: serde_json::json!({}),
                });
                dialog.waiting = true;
                self.overlay = Some(Overlay::Service(dialog));
            }
        }
    }

    /// Shows `instance` in the Output pane, its log and exchanges followed from now on.
    fn follow_instance(&mut self, instance: &str, tool: &str, version: &str) {
        self.focus = Pane::Output;
        let followed = self.runs.iter().position(|r| {
            r.is_running() && r.instance.as_ref().is_some_and(|v| v.instance == instance)
        });
        if let Some(pos) = followed {
            self.show_run(pos);
            return;
        }
        let key = self.next_run_key;
        self.next_run_key += 1;
        let view = RunView::instance(key, tool.into(), version.into(), instance.into());
        self.runs.push(view);
        self.show_run(self.runs.len() - 1);
        self.effects.push(Effect::FollowInstance {
            key,
            instance: instance.to_string(),
        });
    }

    /// The instance `K` and the send dialog act on: the one the Output pane shows, else the
    /// first running one of the selected service.
    fn selected_instance(&self) -> Option<String> {
        if self.focus == Pane::Output {
            return Some(self.selected_run()?.instance.as_ref()?.instance.clone());
        }
        let entry = self.selected_entry()?;
        self.live_instances(&entry.name)
            .next()
            .map(|r| r.name.clone())
    }

    /// Stops the selected instance once `K` is pressed a second time: whoever talks to it
    /// loses it.
    pub(super) fn stop_instance(&mut self, confirmed: bool) {
        match self.selected_instance() {
            Some(instance) if confirmed => {
                self.notify(format!("stopping instance {instance}…"), Level::Info);
                self.apply(Command::Stop { instance });
            }
            Some(instance) => self.ask_again(
                Action::StopInstance,
                format!("press again to stop instance {instance}"),
            ),
            None => self.no_instance(),
        }
    }

    pub(super) fn open_send(&mut self) {
        match self.selected_instance() {
            Some(instance) => {
                let dialog = ServiceDialogState::send(instance);
                self.overlay = Some(Overlay::Service(Box::new(dialog)));
            }
            None => self.no_instance(),
        }
    }

    fn no_instance(&mut self) {
        self.notify(
            "no service instance selected: Enter on a service launches one".into(),
            Level::Error,
        );
    }

    pub(super) fn on_instances_polled(&mut self, rows: Vec<InstanceRow>) {
        for row in rows.iter().filter(|r| r.state == InstanceState::Stopped) {
            let stopped_at = row.stopped_at.as_deref().unwrap_or_default();
            let reason = row.error.as_deref().unwrap_or("stopped");
            self.end_views(&row.name, reason, |since| stopped_at > since);
        }
        self.instances = rows;
        self.dirty = true;
    }

    /// A launch, stop or send the library finished (`Command::Launch`, `Stop`, `Send`): its
    /// summary or answer, or why not.
    pub(super) fn on_service_applied(
        &mut self,
        command: Command,
        result: Result<Applied, CommandError>,
    ) {
        match command {
            Command::Send { instance, .. } => {
                let result = result.map(|applied| match applied {
                    Applied::Sent(sent) => sent.answer,
                    _ => String::new(),
                });
                if let Some(Overlay::Service(dialog)) = &mut self.overlay
                    && matches!(&dialog.kind, ServiceDialogKind::Send { instance: i } if *i == instance)
                {
                    dialog.waiting = false;
                    dialog.answer = Some(result);
                    self.dirty = true;
                } else {
                    match result {
                        Ok(answer) => self.notify(format!("{instance} ← {answer}"), Level::Info),
                        Err(e) => self.notify(one_line(&e), Level::Error),
                    }
                }
            }
            Command::Stop { instance } => match result {
                Ok(_) => {
                    self.end_views(&instance, "stopped", |_| true);
                    self.notify(format!("instance {instance} stopped"), Level::Info);
                }
                Err(e) => self.notify(one_line(&e), Level::Error),
            },
            Command::Launch { instance, .. } => match result {
                Ok(Applied::Launched(launched)) => self.notify(
                    format!(
                        "instance {instance} of {} is healthy on port {} ({} ms)",
                        launched.row.tool,
                        launched.row.port,
                        launched.took.as_millis()
                    ),
                    Level::Info,
                ),
                Ok(_) => self.notify(format!("instance {instance} launched"), Level::Info),
                Err(e) => {
                    let reason = crate::tui::review_keys::refusal(&e, &self.keymap);
                    self.end_views(&instance, &reason, |_| true);
                    self.notify(reason, Level::Error);
                }
            },
            other => self.notify(format!("{other:?} is no service command"), Level::Error),
        }
    }

    /// Ends the views following `instance` that began at a time `ended` accepts.
    fn end_views(&mut self, instance: &str, reason: &str, ended: impl Fn(&str) -> bool) {
        for view in &mut self.runs {
            let follows = view
                .instance
                .as_ref()
                .is_some_and(|v| v.instance == instance && ended(&v.since));
            if follows && view.is_running() {
                view.finish(RunState::Refused(format!("instance {instance}: {reason}")));
                self.dirty = true;
            }
        }
    }
}
