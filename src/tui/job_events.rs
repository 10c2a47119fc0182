//! The library's jobs as the app's events: what a run, a scan or an evolve tells, and what
//! the workbench's one stream of events tells (the catalog, validations, the pollers), becomes
//! an `AppEvent`, and nothing more; the state changes they cause stay in `App::update`.
//!
//! Every event reaches the app through a bounded queue ([`EVENT_QUEUE`], and the workbench's
//! own stream, bounded the same way), and nothing the person must see is dropped on the way:
//! a producer that can wait for room waits (runs, one-off loads), one that cannot folds what
//! it has not sent yet into its newest (a scan's progress into the next). The app's own loop
//! never sends into the queue it reads.

use tokio::sync::mpsc;

use super::app::AppEvent;
use super::runs::StartedElsewhere;
use crate::command::validations::ValidationEvent;
use crate::model::calls::PendingEvent;
use crate::model::run_job::InheritedEvent;
use crate::model::run_job::{RunJobEvent, UnstoredRun};
use crate::model::run_output::Progress;
use crate::model::run_output::Stream;
use crate::model::scan_event::ScanEvent;
use crate::model::services::InstanceEvent;
use crate::model::services::{FeedItem, launch_line};
use crate::text::human_size;
use crate::workbench::events::WorkbenchEvent;
use crate::workbench::started_run::StartedRun;

/// Events waiting for the app at once, over every source but run output and the workbench's
/// stream (bounded the same way). A flood fills it within a frame or two; past it the
/// producers wait or fold, and the app's memory stays flat.
pub(crate) const EVENT_QUEUE: usize = crate::workbench::events::EVENT_QUEUE;
/// Output events waiting for the app at once, over all runs. While a run's event waits for
/// room here, its observer keeps gathering (the newest MiB of each stream).
pub(crate) const OUTPUT_QUEUE: usize = 32;

/// Follows run `key` until its job ends: output into the bounded output queue, the rest
/// into the app's event queue.
pub(crate) async fn follow_run(
    key: u64,
    run: &mut StartedRun,
    events: mpsc::Sender<AppEvent>,
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
            // At most ten a second per run (the job's bound), so they share the event queue.
            RunJobEvent::Progress {
                progress,
                total,
                message,
            } => AppEvent::RunProgress {
                key,
                progress: Progress {
                    progress,
                    total,
                    message,
                },
            },
            RunJobEvent::NotStarted(reason) => AppEvent::RunFinished {
                key,
                result: Err(crate::error_chain::one_line(&reason)),
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
        if events.send(event).await.is_err() {
            return;
        }
    }
}

/// A scan's event as the app's.
pub(crate) fn scan_event(event: ScanEvent) -> AppEvent {
    match event {
        ScanEvent::Progress { done, total } => AppEvent::ScanProgress { done, total },
        ScanEvent::Rows(entries) => AppEvent::ScanRows(entries),
        ScanEvent::Finished { entries, elapsed } => AppEvent::ScanFinished { entries, elapsed },
        ScanEvent::Told {
            last,
            remark,
            elapsed,
        } => AppEvent::ScanTold {
            last,
            remark,
            elapsed,
        },
    }
}

/// Sends `event` from code that must not wait: at once when there is room, else from a task
/// of the current runtime that waits for it. False once the app is gone.
pub(crate) fn send_soon(events: &mpsc::Sender<AppEvent>, event: AppEvent) -> bool {
    match events.try_send(event) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(event)) => {
            let events = events.clone();
            tokio::spawn(async move {
                let _ = events.send(event).await;
            });
            true
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// What the workbench's stream tells, as the app's event; `None` for what the app does not
/// show.
pub(crate) fn from_workbench(event: WorkbenchEvent) -> Option<AppEvent> {
    Some(match event {
        WorkbenchEvent::ToolsChanged { updated, removed } => AppEvent::Watched { updated, removed },
        WorkbenchEvent::CatalogReplaced(catalog) => AppEvent::CatalogReplaced(catalog),
        WorkbenchEvent::CatalogProblem(problem) => AppEvent::WatchProblem(problem),
        WorkbenchEvent::RunElsewhere(event) => from_inherited(event),
        WorkbenchEvent::Waiting(event) => from_pending(event),
        WorkbenchEvent::Services(event) => return from_instances(event),
        WorkbenchEvent::Validation(event) => from_validation(event),
    })
}

fn from_inherited(event: InheritedEvent) -> AppEvent {
    match event {
        InheritedEvent::Started {
            key,
            tool,
            version,
            starter,
        } => AppEvent::InheritedRun {
            key,
            tool,
            version,
            starter: StartedElsewhere {
                pid: starter.pid,
                origin: starter.origin,
                client: starter.client,
            },
        },
        InheritedEvent::Output { key, stream, bytes } => AppEvent::RunOutput {
            key,
            stream,
            bytes,
            skipped: 0,
        },
        InheritedEvent::Finished {
            key,
            record,
            summary,
        } => AppEvent::RunFinished {
            key,
            result: Ok((record, summary)),
        },
    }
}

fn from_pending(event: PendingEvent) -> AppEvent {
    match event {
        PendingEvent::Calls { calls, rules } => AppEvent::CallsPolled { calls, rules },
        PendingEvent::Requests(requests) => AppEvent::RequestsPolled(requests),
        PendingEvent::HistoryChanged => AppEvent::HistoryChanged,
        PendingEvent::Unreadable(e) => AppEvent::StoreRefused(format!("agent calls: {e}")),
    }
}

fn from_instances(event: InstanceEvent) -> Option<AppEvent> {
    Some(match event {
        InstanceEvent::Instances(rows) => AppEvent::InstancesPolled(rows),
        InstanceEvent::Feed { key, item } => {
            let (stream, bytes) = shown(item);
            AppEvent::RunOutput {
                key,
                stream,
                bytes,
                skipped: 0,
            }
        }
        // The instance's row says so in the Services view.
        InstanceEvent::Stopped { .. } => return None,
        InstanceEvent::Unreadable(e) => AppEvent::StoreRefused(format!("services: {e}")),
    })
}

/// An instance's history in the Output pane: its output (with a line for what was rotated
/// away before it could be read), launches and exchanges as lines of stdout.
fn shown(item: FeedItem) -> (Stream, Vec<u8>) {
    match item {
        FeedItem::Output {
            stream,
            bytes,
            dropped,
        } => {
            let mut shown = Vec::new();
            if dropped > 0 {
                let note = format!("… {} dropped (rotated) …\n", human_size(dropped));
                shown.extend_from_slice(note.as_bytes());
            }
            shown.extend_from_slice(&bytes);
            (stream, shown)
        }
        FeedItem::Launch(launch) => (
            Stream::Stdout,
            format!("{}\n", launch_line(&launch)).into_bytes(),
        ),
        FeedItem::Exchange(exchange) => {
            let answer = match (&exchange.response, &exchange.error) {
                (_, Some(error)) => format!("✗ {error}"),
                (Some(response), None) => format!("← {response}"),
                (None, None) => "← (nothing)".to_string(),
            };
            let lines = format!("→ {}\n{answer}\n", exchange.message);
            (Stream::Stdout, lines.into_bytes())
        }
    }
}

/// A run the store refused, for the status bar.
fn unstored(lost: &UnstoredRun) -> AppEvent {
    AppEvent::StoreRefused(unstored_line(lost))
}

fn unstored_line(lost: &UnstoredRun) -> String {
    match &lost.kept {
        Ok(()) => format!(
            "run of {} not stored: {}; kept in .toolbench/running/ for the next start",
            lost.record.tool, lost.reason
        ),
        Err(why) => format!(
            "run of {} not stored: {}; and not kept either: {why}",
            lost.record.tool, lost.reason
        ),
    }
}

/// A validation's result, with each of its test cases' runs the store refused.
fn from_validation(event: ValidationEvent) -> AppEvent {
    match event {
        ValidationEvent::Validated {
            path,
            report,
            unstored: lost,
        } => AppEvent::Validated {
            path,
            report,
            unstored: lost.iter().map(unstored_line).collect(),
        },
        ValidationEvent::Refused { tool, error } => AppEvent::ValidationRefused { tool, error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_rotated_away_before_it_was_shown_is_said_to_be_dropped() {
        let item = FeedItem::Output {
            stream: Stream::Stdout,
            bytes: b"old\nnew\n".to_vec(),
            dropped: 3 * 1024 * 1024,
        };
        assert_eq!(
            shown(item),
            (
                Stream::Stdout,
                b"\xe2\x80\xa6 3 MiB dropped (rotated) \xe2\x80\xa6\nold\nnew\n".to_vec()
            )
        );
        let item = FeedItem::Output {
            stream: Stream::Stderr,
            bytes: b"err\n".to_vec(),
            dropped: 0,
        };
        assert_eq!(shown(item), (Stream::Stderr, b"err\n".to_vec()));
    }
}
