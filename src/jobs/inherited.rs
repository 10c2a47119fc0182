//! The poller of runs started by other toolbench processes (a CLI run in another terminal,
//! an MCP call): found through their in-flight files, their output followed from their logs,
//! and their end told once it is recorded. A front end shows them read-only. Validation's
//! runs are not followed: what they found is the validation's report.
//!
//! It tells through a bounded queue and waits for room there: a front end that reads slowly
//! makes it look less often, and nothing it tells is dropped. Never here: a front end.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::{RunOrigin, RunRecord};
use crate::runner::Stream;
use crate::runner::inflight::{self, InFlight};
use crate::store::{SharedStore, Store};

/// How often the running folder and the followed logs are looked at.
const POLL: Duration = Duration::from_millis(250);
/// Keys of inherited runs start here, far from the ones a front end hands out for its own.
pub(crate) const FIRST_KEY: u64 = 1 << 48;
/// Most of a log read in one look, so a flooding run cannot stall the poller.
const MAX_READ: u64 = 256 * 1024;

/// Who started a run that this process only follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Starter {
    pub(crate) pid: u32,
    pub(crate) origin: RunOrigin,
    /// The MCP client that asked for it.
    pub(crate) client: Option<String>,
}

/// What the poller tells about runs of other processes, each under the key it gave the run.
#[derive(Debug)]
pub(crate) enum InheritedEvent {
    /// A run started elsewhere is live.
    Started {
        key: u64,
        tool: String,
        version: String,
        starter: Starter,
    },
    /// What its logs gained since the last look.
    Output {
        key: u64,
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// Its record is stored; `summary` is its sandbox's.
    Finished {
        key: u64,
        record: Box<RunRecord>,
        summary: String,
    },
}

/// One inherited run being followed: its Output key and how far its stdout and stderr logs
/// were read.
struct Followed {
    key: u64,
    offsets: [u64; 2],
}

/// Follows inherited runs on a blocking thread of the current runtime until `tx`'s receiver
/// is gone. Runs whose starter died are recorded through `writer`, the process's one write
/// connection.
pub(crate) fn spawn(
    root: PathBuf,
    writer: SharedStore,
    tx: mpsc::Sender<InheritedEvent>,
) -> JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let mut reader = None;
        let me = std::process::id();
        let mut followed: HashMap<String, Followed> = HashMap::new();
        let mut next_key = FIRST_KEY;
        while !tx.is_closed() {
            // Validation's runs are its checks, told in its report (the review overlay), not
            // runs a person started: they are not followed, only recorded when abandoned.
            let runs: Vec<InFlight> = inflight::list(&root)
                .into_iter()
                .filter(|r| r.starter.pid != me)
                .collect();
            let shown = |r: &&InFlight| r.origin != RunOrigin::Validation;
            for run in runs.iter().filter(shown) {
                if run.is_live() && !followed.contains_key(&run.log_dir) {
                    let key = next_key;
                    next_key += 1;
                    let started = InheritedEvent::Started {
                        key,
                        tool: run.tool.clone(),
                        version: run.version.clone(),
                        starter: Starter {
                            pid: run.starter.pid,
                            origin: run.origin,
                            client: run.client.clone(),
                        },
                    };
                    if tx.blocking_send(started).is_err() {
                        return;
                    }
                    followed.insert(
                        run.log_dir.clone(),
                        Followed {
                            key,
                            offsets: [0, 0],
                        },
                    );
                }
            }
            for (log_dir, follow) in &mut followed {
                tail(&root.join(log_dir), follow, &tx);
            }
            let ended: Vec<String> = followed
                .keys()
                .filter(|dir| !runs.iter().any(|r| &r.log_dir == *dir && r.is_live()))
                .cloned()
                .collect();
            if !ended.is_empty() || runs.iter().any(|r| !r.is_live()) {
                // A starter that died, or handed its record off (`toolbench run`), leaves its
                // run to whoever looks next: that is us.
                let _ = inflight::close_abandoned(&root, &mut writer.lock());
            }
            for log_dir in ended {
                // Not recorded yet: its starter is writing the record; look again next time.
                let Some(record) = recorded(&root, &mut reader, &log_dir) else {
                    continue;
                };
                if let Some(mut follow) = followed.remove(&log_dir) {
                    tail(&root.join(&log_dir), &mut follow, &tx);
                    let summary = record.sandbox.clone();
                    let finished = InheritedEvent::Finished {
                        key: follow.key,
                        record: Box::new(record),
                        summary,
                    };
                    if tx.blocking_send(finished).is_err() {
                        return;
                    }
                }
            }
            std::thread::sleep(POLL);
        }
    })
}

/// Sends what the run's logs gained since the last look, waiting for room.
fn tail(dir: &Path, follow: &mut Followed, tx: &mpsc::Sender<InheritedEvent>) {
    for (slot, (name, stream)) in [
        ("stdout.log", Stream::Stdout),
        ("stderr.log", Stream::Stderr),
    ]
    .into_iter()
    .enumerate()
    {
        let Ok(mut file) = std::fs::File::open(dir.join(name)) else {
            continue;
        };
        if file.seek(SeekFrom::Start(follow.offsets[slot])).is_err() {
            continue;
        }
        let mut bytes = Vec::new();
        if file.take(MAX_READ).read_to_end(&mut bytes).is_ok() && !bytes.is_empty() {
            follow.offsets[slot] += bytes.len() as u64;
            let _ = tx.blocking_send(InheritedEvent::Output {
                key: follow.key,
                stream,
                bytes,
            });
        }
    }
}

/// The run recorded for `log_dir`, read through a read-only connection opened on first use.
fn recorded(root: &Path, reader: &mut Option<Store>, log_dir: &str) -> Option<RunRecord> {
    if reader.is_none() {
        *reader = Store::open_reader(root).ok();
    }
    reader.as_ref()?.run_by_log_dir(log_dir).ok()?
}
