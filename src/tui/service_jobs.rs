//! Launching, stopping and talking to service instances for the workbench: the library's
//! service commands (a launch waits for the health check), run off the UI thread, each
//! reported as one event.

use tokio::sync::mpsc;

use super::app::AppEvent;
use crate::command::{Applied, Command, Context};
use crate::model::{ToolEntry, ToolId};

use super::service_job::ServiceJob;

/// What a job needs: the workbench's commands (`command::apply`, which holds the gate).
#[derive(Clone)]
pub(crate) struct Jobs {
    pub(crate) commands: Context,
    pub(crate) tx: mpsc::Sender<AppEvent>,
}

impl Jobs {
    /// Applies `command` and reports it as one event, worded by `summary`.
    fn spawn(
        &self,
        instance: String,
        command: Command,
        kind: ServiceJob,
        summary: impl FnOnce(Applied) -> String + Send + 'static,
    ) {
        let jobs = self.clone();
        tokio::spawn(async move {
            let result = crate::command::apply(&jobs.commands, command)
                .await
                .map(summary);
            let _ = jobs
                .tx
                .send(AppEvent::ServiceDone {
                    instance,
                    job: kind,
                    result,
                })
                .await;
        });
    }

    /// Launches `instance` of `entry`; `confirmed`: the person confirmed its cost tier.
    pub(crate) fn launch(&self, entry: ToolEntry, instance: String, confirmed: bool) {
        let (name, tool) = (instance.clone(), entry.name.clone());
        let command = Command::Launch {
            tool: ToolId::content_of(&entry).to_string(),
            instance: instance.clone(),
            confirmed,
        };
        self.spawn(
            instance,
            command,
            ServiceJob::Launch,
            move |applied| match applied {
                Applied::Launched(launched) => format!(
                    "instance {name} of {tool} is healthy on port {} ({} ms)",
                    launched.row.port,
                    launched.took.as_millis()
                ),
                _ => format!("instance {name} of {tool} launched"),
            },
        );
    }

    pub(crate) fn stop(&self, instance: String) {
        let name = instance.clone();
        let command = Command::Stop {
            instance: instance.clone(),
        };
        self.spawn(instance, command, ServiceJob::Stop, move |_| {
            format!("instance {name} stopped")
        });
    }

    pub(crate) fn send(&self, instance: String, message: String) {
        let command = Command::Send {
            instance: instance.clone(),
            message,
            context: serde_json::json!({}),
        };
        self.spawn(
            instance,
            command,
            ServiceJob::Send,
            |applied| match applied {
                Applied::Sent(sent) => sent.answer,
                _ => String::new(),
            },
        );
    }
}
