//! The poller of runs started by other toolbench processes (a CLI run in another terminal,
//! an MCP call): found through their in-flight files, their output followed from their logs,
//! and their end told once it is recorded. A front end shows them read-only. Validation's
//! runs are not followed: what they found is the validation's report.
//!
//! It tells through a bounded queue and waits for room there: a front end that reads slowly
//! makes it look less often, and nothing it tells is dropped. Never here: a front end.
//!
//! While no run of another process is in flight it does not look on a beat: a watch on the
//! running folder wakes it when one starts (with a slow safety beat in case the watch missed
//! it). While one is, it looks every `POLL`: its logs are written with no notification worth
//! following at the rate a flood writes them. Where no watch can be had, it looks every
//! `POLL` throughout.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Job;
use crate::model::run_job::{InheritedEvent, Starter};
use crate::model::{RunOrigin, RunRecord};
use crate::runner::Stream;
use crate::runner::inflight::{self, InFlight};
use crate::store::{SharedStore, Store};
use crate::watch::ChangesOnly;

/// How often the running folder and the followed logs are looked at while runs are in flight,
/// and the least time between two looks.
const POLL: Duration = Duration::from_millis(250);
/// How long it waits, while nothing is in flight, for the watch to tell of a run before it
/// looks anyway.
#[cfg(not(test))]
const QUIET_BEAT: Duration = Duration::from_secs(2);
/// Long in tests: a run told sooner was told by the watch.
#[cfg(test)]
const QUIET_BEAT: Duration = Duration::from_secs(600);
/// Keys of inherited runs start here, far from the ones a front end hands out for its own.
pub(crate) const FIRST_KEY: u64 = 1 << 48;
/// Most of a log read in one look, so a flooding run cannot stall the poller.
const MAX_READ: u64 = 256 * 1024;

/// One inherited run being followed: its Output key and how far its stdout and stderr logs
/// were read.
struct Followed {
    key: u64,
    offsets: [u64; 2],
}

/// The looker: it follows the runs other processes started in the workspace at `root`, and
/// records those whose starter died through `writer`, the process's one write connection.
pub(crate) struct InheritedRuns {
    pub(crate) root: PathBuf,
    pub(crate) writer: SharedStore,
}

impl Job for InheritedRuns {
    type Event = InheritedEvent;

    fn start(self, tx: mpsc::Sender<InheritedEvent>) -> JoinHandle<()> {
        let InheritedRuns { root, writer } = self;
        let wake = Wake::on_arrivals(&root, &tx);
        tokio::task::spawn_blocking(move || {
            let mut reader = None;
            let me = std::process::id();
            let mut followed: HashMap<String, Followed> = HashMap::new();
            // Runs told to their end whose files are still there (one the store refused stays
            // for the next start): never told again.
            let mut told_whole: HashSet<String> = HashSet::new();
            let mut next_key = FIRST_KEY;
            while !tx.is_closed() && !wake.stopped() {
                // Validation's runs are its checks, told in its report (the review overlay), not
                // runs a person started: they are not followed, only recorded when abandoned.
                let runs: Vec<InFlight> = inflight::list(&root)
                    .into_iter()
                    .filter(|r| r.starter.pid != me)
                    .collect();
                let shown = |r: &&InFlight| r.origin != RunOrigin::Validation;
                // A run found already ended (handed off, or abandoned) between two looks is
                // told all the same: started now, and finished below once it is stored.
                for run in runs.iter().filter(shown) {
                    if !followed.contains_key(&run.log_dir) && !told_whole.contains(&run.log_dir) {
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
                        told_whole.insert(log_dir);
                    }
                }
                told_whole.retain(|dir| runs.iter().any(|r| &r.log_dir == dir));
                wake.wait(runs.is_empty() && followed.is_empty());
            }
        })
    }
}

/// What wakes the poller between looks: a change in the running folder, told by a watch, or
/// its queue's reader gone.
struct Wake {
    told: std::sync::mpsc::Receiver<()>,
    /// `None` where no watch could be had: then nothing tells of a new run.
    _watch: Option<ChangesOnly<notify::RecommendedWatcher>>,
    watching: bool,
    /// The queue's reader is gone, or the runtime is ending (which drops the task that waits
    /// for the reader, and waits for this thread in turn): the poller stops.
    stopping: Arc<AtomicBool>,
}

/// Tells the poller to stop when dropped: when the reader is gone, and also when the runtime
/// drops the task before that.
struct StopOnDrop {
    stopping: Arc<AtomicBool>,
    tell: std::sync::mpsc::Sender<()>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.tell.send(());
    }
}

impl Wake {
    /// Starts the watch on `root`'s running folder, and a task on the current runtime that
    /// tells once `tx`'s reader is gone.
    fn on_arrivals(root: &Path, tx: &mpsc::Sender<InheritedEvent>) -> Self {
        let (tell, told) = std::sync::mpsc::channel();
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = StopOnDrop {
            stopping: Arc::clone(&stopping),
            tell: tell.clone(),
        };
        let gone = tx.clone();
        tokio::spawn(async move {
            let _stop = stop;
            gone.closed().await;
        });
        let watch = inflight::running_folder(root).ok().and_then(|folder| {
            // A run's file made or gone, never a look at the folder (`ChangesOnly`): each look
            // of ours opens it, and would wake us again.
            let mut watch = <ChangesOnly<notify::RecommendedWatcher> as notify::Watcher>::new(
                // Nor a temporary written before a run's file moves into place: a look woken
                // by it finds no run yet, and the next one comes `POLL` later.
                move |event: notify::Result<notify::Event>| {
                    let temporary = |p: &PathBuf| p.extension().is_some_and(|x| x == "tmp");
                    let only_temporaries =
                        event.is_ok_and(|e| !e.paths.is_empty() && e.paths.iter().all(temporary));
                    if only_temporaries {
                        return;
                    }
                    let _ = tell.send(());
                },
                notify::Config::default(),
            )
            .ok()?;
            notify::Watcher::watch(&mut watch, &folder, notify::RecursiveMode::NonRecursive)
                .ok()?;
            Some(watch)
        });
        Self {
            told,
            watching: watch.is_some(),
            _watch: watch,
            stopping,
        }
    }

    /// The poller is to stop (`stopping`).
    fn stopped(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Waits before the next look: `POLL`, and while nothing is in flight (`quiet`), until
    /// the watch tells of a change or `QUIET_BEAT` passed. Changes told meanwhile are one look.
    fn wait(&self, quiet: bool) {
        std::thread::sleep(POLL);
        if quiet && self.watching && !self.stopped() {
            let _ = self.told.recv_timeout(QUIET_BEAT);
        }
        while self.told.try_recv().is_ok() {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A runtime that ends while the poller waits on the watch does not wait for it: its
    /// blocking thread ends too (`QUIET_BEAT` is ten minutes here).
    #[test]
    fn a_quiet_poller_ends_with_its_runtime() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let writer = SharedStore::new(Store::open(&root).expect("the store"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = mpsc::channel(16);
        let poller = {
            let _runtime = runtime.enter();
            InheritedRuns { root, writer }.start(tx)
        };
        std::thread::sleep(POLL * 3);
        assert!(!poller.is_finished(), "waiting on the watch");
        let (ended, told) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(runtime);
            let _ = ended.send(());
        });
        assert!(
            told.recv_timeout(Duration::from_secs(60)).is_ok(),
            "the runtime ended within a minute, not the ten of the beat"
        );
        drop(rx);
    }

    /// With nothing in flight the poller waits on the watch, not a beat (`QUIET_BEAT` is ten
    /// minutes here): a run another process starts is still told, and its end once recorded.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_started_while_nothing_is_in_flight_is_told_by_the_watch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let store = Store::open(&root).expect("the store");
        let writer = SharedStore::new(store);
        let (tx, mut rx) = mpsc::channel(16);
        let _poller = InheritedRuns {
            root: root.clone(),
            writer,
        }
        .start(tx);
        // Quiet: its first look found nothing, and it waits on the watch.
        tokio::time::sleep(POLL * 3).await;

        let mut starter = std::process::Command::new("sleep")
            .arg("120")
            .spawn()
            .expect("a starter");
        let _marker = inflight::started_elsewhere(&root, "elsewhere", starter.id());
        let told = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await;
        let _ = starter.kill();
        let _ = starter.wait();
        match told {
            Ok(Some(InheritedEvent::Started { tool, .. })) => assert_eq!(tool, "elsewhere"),
            other => panic!("expected the run told as started, got {other:?}"),
        }
    }
}
