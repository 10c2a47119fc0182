//! The library's jobs as the app's events: what a run, a scan, a validation, the watch or an
//! evolve tells becomes an `AppEvent`, and nothing more; the state changes they cause stay in
//! `App::update`.

use tokio::sync::mpsc;

use super::app::{AppEvent, DecisionError};
use crate::jobs::run::{RunJobEvent, RunObserver, UnstoredRun};
use crate::jobs::scan::ScanEvent;
use crate::jobs::validation::ValidationEvent;
use crate::jobs::watch::WatchObserver;

/// Output events waiting for the app at once, over all runs. While a run's event waits for
/// room here, its observer keeps gathering (the newest MiB of each stream).
pub const OUTPUT_QUEUE: usize = 32;

/// Follows run `key` until its job ends: output into the bounded output queue, the rest
/// into the app's event queue.
pub async fn follow_run(
    key: u64,
    mut run: RunObserver,
    events: mpsc::UnboundedSender<AppEvent>,
    output: mpsc::Sender<AppEvent>,
) {
    while let Some(event) = run.next().await {
        let event = match event {
            RunJobEvent::Output {
                stream,
                bytes,
                skipped,
            } => {
                let output_event = AppEvent::RunOutput {
                    key,
                    stream,
                    bytes,
                    skipped,
                };
                if output.send(output_event).await.is_err() {
                    return;
                }
                continue;
            }
            RunJobEvent::NotStarted(reason) => AppEvent::RunFinished {
                key,
                result: Err(reason),
            },
            RunJobEvent::Finished(outcome) => AppEvent::RunFinished {
                key,
                result: Ok((
                    Box::new(outcome.record.clone()),
                    outcome.protections.summary(),
                )),
            },
            RunJobEvent::Recorded { run, failure } => AppEvent::RunRecorded { key, run, failure },
            RunJobEvent::Unstored(lost) => unstored(&lost),
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Follows the workspace watch until it stops or the app is gone.
pub async fn follow_watch(mut watch: WatchObserver, events: mpsc::UnboundedSender<AppEvent>) {
    while let Some(update) = watch.next().await {
        if events.send(AppEvent::Watched(update)).is_err() {
            return;
        }
    }
}

pub fn from_scan(event: ScanEvent) -> AppEvent {
    match event {
        ScanEvent::Progress { done, total } => AppEvent::ScanProgress { done, total },
        ScanEvent::Finished { entries, elapsed } => AppEvent::ScanFinished { entries, elapsed },
    }
}

/// A run the store refused, for the status bar.
fn unstored(lost: &UnstoredRun) -> AppEvent {
    AppEvent::StoreRefused(match &lost.kept {
        Ok(()) => format!(
            "run of {} not stored: {}; kept in .toolbench/running/ for the next start",
            lost.record.tool, lost.reason
        ),
        Err(why) => format!(
            "run of {} not stored: {}; and not kept either: {why}",
            lost.record.tool, lost.reason
        ),
    })
}

/// A validation's result, then each of its test cases' runs the store refused.
pub fn from_validation(event: ValidationEvent) -> Vec<AppEvent> {
    match event {
        ValidationEvent::Validated {
            path,
            report,
            unstored: lost,
        } => std::iter::once(AppEvent::Validated { path, report })
            .chain(lost.iter().map(unstored))
            .collect(),
        ValidationEvent::Refused { tool, error } => {
            vec![AppEvent::Decided(Err(DecisionError::Validation {
                tool,
                error,
            }))]
        }
    }
}
