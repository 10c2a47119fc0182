//! Launching, stopping and talking to service instances for the workbench: blocking library
//! calls (a launch waits for the health check), run off the UI thread, each reported as one
//! event.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::app::AppEvent;
use crate::config::Config;
use crate::model::ToolEntry;
use crate::services::{ServiceError, Services};
use crate::store::SharedStore;

/// Which job reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceJob {
    Launch,
    Stop,
    Send,
}

/// What a job needs to reach the workspace's services.
#[derive(Clone)]
pub struct Jobs {
    pub root: PathBuf,
    /// The process's one write connection.
    pub store: SharedStore,
    pub config: Config,
    pub exe: PathBuf,
    pub tx: mpsc::Sender<AppEvent>,
}

impl Jobs {
    fn spawn(
        &self,
        instance: String,
        job: impl FnOnce(&Services, &SharedStore) -> Result<String, ServiceError> + Send + 'static,
        kind: ServiceJob,
    ) {
        let jobs = self.clone();
        tokio::task::spawn_blocking(move || {
            let services = Services {
                exe: jobs.exe.clone(),
                ..Services::new(&jobs.root, &jobs.config)
            };
            let result = job(&services, &jobs.store);
            let _ = jobs.tx.blocking_send(AppEvent::ServiceDone {
                instance,
                job: kind,
                result,
            });
        });
    }

    pub fn launch(&self, entry: ToolEntry, instance: String) {
        let name = instance.clone();
        self.spawn(
            instance,
            move |services, store| {
                let launched = services.launch(store, &entry, &name)?;
                Ok(format!(
                    "instance {name} of {} is healthy on port {} ({} ms)",
                    entry.name,
                    launched.row.port,
                    launched.took.as_millis()
                ))
            },
            ServiceJob::Launch,
        );
    }

    pub fn stop(&self, instance: String) {
        let name = instance.clone();
        self.spawn(
            instance,
            move |services, store| {
                services.stop(store, &name)?;
                Ok(format!("instance {name} stopped"))
            },
            ServiceJob::Stop,
        );
    }

    pub fn send(&self, instance: String, message: String) {
        let name = instance.clone();
        self.spawn(
            instance,
            move |services, store| {
                let context = serde_json::json!({});
                Ok(services.send(store, &name, &message, &context)?.answer)
            },
            ServiceJob::Send,
        );
    }
}
