//! The validation queue of the long-lived front ends (the workbench, the MCP server):
//! validations waiting to run, run by a fixed number of workers, each a [`Command::Validate`]
//! through `apply`, as the command line's `validate` is, then told.
//!
//! A request names the folder the front end saw the tool in and the content it saw there:
//! that folder is read again and validated only while it holds that content, so what is
//! validated is what was shown, never what an agent put in its place meanwhile.
//!
//! A scan can ask for thousands at once (every candidate of a large workspace): they wait
//! here as small requests, one of the background's a folder at most, and only the workers'
//! futures exist at any time, so memory stays flat. What a person asked for goes first, then the newest arrivals; a person may pause
//! the queue and resume it where it stopped. The background's validations run on a runtime
//! of their own whose threads step back (`jobs::background`), a person's where they serve
//! the person. The queue never acts on a verdict (moves and decisions are the reviewer's);
//! it only validates, stores and tells.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use tokio::sync::Notify;

use super::{Applied, Command, CommandError, Context, apply};
use crate::jobs::background::BackgroundRuntime;
use crate::model::Catalog;
use crate::model::run_job::UnstoredRun;
use crate::model::validation_report::Validated;
use crate::model::{ToolEntry, ToolId};
use crate::review::validate::ValidationReport;

/// Validations that may run at once in a long-lived front end (the workbench, the MCP
/// server): one, so background validation of a large workspace is one tool's checks and runs
/// at a time, and those step back (niced) for the commands a person runs meanwhile.
pub(crate) const VALIDATION_WORKERS: usize = 1;

/// The tool a validation is asked for, as a front end saw it: its folder, and the content it
/// saw there, are what is validated. Four names, not the whole entry: a scan asks for
/// thousands at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationTarget {
    pub name: String,
    pub version: String,
    pub path: PathBuf,
    pub content_hash: String,
    /// Its manifest could not be read: its validation is a failed manifest check, made at once.
    pub broken: bool,
}

impl ValidationTarget {
    pub fn of(entry: &ToolEntry) -> Self {
        ValidationTarget {
            name: entry.name.clone(),
            version: entry.version.clone(),
            path: entry.path.clone(),
            content_hash: entry.content_hash.clone(),
            broken: entry.is_broken(),
        }
    }

    /// `name@version`, or a broken tool's name alone, as the entry's `id`.
    fn id(&self) -> String {
        crate::model::ToolId::known(&self.name, &self.version).to_string()
    }
}

pub struct ValidationRequest {
    pub tool: ValidationTarget,
    /// Ignore a cached result for the same content. A person asked for it (`v`): it goes
    /// before the background's.
    pub force: bool,
    /// The catalog at the time of asking, for the similarity check. The queue keeps only the
    /// newest one asked with, and validates every request waiting against it.
    pub catalog: Arc<Catalog>,
}

#[derive(Debug)]
pub enum ValidationEvent {
    /// The tool's report, stored; `path` is the tool's path as the request named it.
    /// `unstored` are the test cases' runs the store refused.
    Validated {
        path: PathBuf,
        report: Box<ValidationReport>,
        unstored: Vec<UnstoredRun>,
    },
    /// The tool was not validated at all.
    Refused { tool: String, error: CommandError },
}

/// One request waiting, with what orders it; its catalog is the queue's (`Pending::catalog`).
struct Waiting {
    tool: ValidationTarget,
    force: bool,
    /// When its folder last changed: the newest arrivals are validated first.
    changed: SystemTime,
    /// Answered at once (a report of its content is stored, or its manifest is broken), so it
    /// goes before any the background validates from scratch: a restart's queue shows every
    /// verdict it has, and an agent's broken manifest its failure, within moments, not behind
    /// a validation of minutes.
    at_once: bool,
    /// The order of asking, for ties.
    asked: u64,
}

impl Waiting {
    /// Whether this goes before `other`: what a person asked for (`force`), in the order
    /// asked, then the newest arrival.
    fn goes_before(&self, other: &Waiting) -> std::cmp::Ordering {
        self.force.cmp(&other.force).then_with(|| match self.force {
            true => other.asked.cmp(&self.asked),
            false => self
                .at_once
                .cmp(&other.at_once)
                .then(self.changed.cmp(&other.changed))
                .then(self.asked.cmp(&other.asked)),
        })
    }
}

/// A tool in the queue, as a front end shows it (`ValidationQueue::snapshot`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub name: String,
    pub version: String,
    /// The folder the request named.
    pub path: PathBuf,
    /// A person asked for it (`force`), rather than the background.
    pub asked_by_person: bool,
    /// The content the request named.
    pub content_hash: String,
}

impl Queued {
    fn of(waiting: &Waiting) -> Self {
        let tool = &waiting.tool;
        Queued {
            name: tool.name.clone(),
            version: tool.version.clone(),
            path: tool.path.clone(),
            asked_by_person: waiting.force,
            content_hash: tool.content_hash.clone(),
        }
    }
}

/// What the queue holds at one moment.
#[derive(Debug, Default)]
pub struct QueueSnapshot {
    /// Under way, oldest first.
    pub validating: Vec<Queued>,
    /// Waiting, in the order they will go (while paused, the background's wait for a resume).
    pub waiting: Vec<Queued>,
    pub paused: bool,
}

/// The requests waiting, those under way, and whether the queue is paused. The next is what
/// a person asked for (`force`), oldest first, then the newest arrival: on a large workspace
/// opened for the first time, what agents wrote last is what the reviewer looks at first.
struct Pending {
    waiting: Vec<Waiting>,
    /// Where in `waiting` each folder's background request is: an agent rewriting a thousand
    /// tools pushes a thousand requests, each replacing its folder's, and finding each by
    /// comparing paths with everything waiting held the screen's thread for a million
    /// comparisons a round.
    background: HashMap<PathBuf, usize>,
    /// The newest catalog a request was asked with, which every request validates against:
    /// one catalog for the whole queue. Each request holding its own kept every catalog the
    /// front end had shown since (a first scan's 4,500 candidates wait for minutes, and each
    /// change of the front end's catalog then copied all of it while the queue held the old).
    catalog: Arc<Catalog>,
    /// Taken by a worker and not told yet, by the order of asking.
    validating: Vec<(u64, Queued)>,
    paused: bool,
    asked: u64,
}

impl Default for Pending {
    fn default() -> Self {
        Pending {
            waiting: Vec::new(),
            background: HashMap::new(),
            catalog: Arc::new(Catalog::new(Vec::new())),
            validating: Vec::new(),
            paused: false,
            asked: 0,
        }
    }
}

impl Pending {
    /// Queues `request` once: the background asking again for what waits (a scan, then the
    /// scan once watching, each queue every candidate) adds nothing, and a person asking for
    /// what waits in the background takes its place. What is under way is asked again: the
    /// validation started against the active version of its start, which may have changed
    /// since (an approval is why a front end asks again); the kept report answers the new
    /// request at once when nothing it was compared with moved. A request takes the
    /// place of the background's for the same folder, whatever content that one named:
    /// validating content the folder no longer holds would only be refused. So what waits is
    /// bounded, one background request a folder, however often an agent rewrites a tool.
    fn push(&mut self, request: ValidationRequest, changed: SystemTime, stored: bool) {
        let ValidationRequest {
            tool,
            force,
            catalog,
        } = request;
        self.catalog = catalog;
        // The hash first: it tells two tools apart in a byte or two, where comparing paths
        // walks their components, and a scan pushes thousands against thousands waiting.
        let queued =
            |w: &Waiting| w.tool.content_hash == tool.content_hash && w.tool.path == tool.path;
        if !force && self.waiting.iter().any(queued) {
            return;
        }
        if let Some(at) = self.background.get(&tool.path).copied() {
            self.remove(at);
        }
        self.asked += 1;
        if !force {
            self.background
                .insert(tool.path.clone(), self.waiting.len());
        }
        self.waiting.push(Waiting {
            at_once: stored || tool.broken,
            tool,
            force,
            changed,
            asked: self.asked,
        });
    }

    /// Takes the request at `at` out of `waiting`, the last one moving into its place.
    fn remove(&mut self, at: usize) -> Waiting {
        let removed = self.waiting.swap_remove(at);
        if !removed.force {
            self.background.remove(&removed.tool.path);
        }
        if let Some(moved) = self.waiting.get(at).filter(|w| !w.force) {
            self.background.insert(moved.tool.path.clone(), at);
        }
        removed
    }

    /// The next request `takes` takes, counted as under way until `done` with the number
    /// given; while paused, only what a person asked for.
    fn take(&mut self, takes: Takes) -> Option<(u64, ValidationRequest)> {
        let paused = self.paused;
        let next = self
            .waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| !paused || w.force)
            .filter(|(_, w)| takes == Takes::Any || (w.at_once && !w.force))
            .max_by(|(_, a), (_, b)| a.goes_before(b))
            .map(|(i, _)| i)?;
        let taken = self.remove(next);
        self.validating.push((taken.asked, Queued::of(&taken)));
        // The last one waiting takes the catalog along: an empty queue keeps none.
        let catalog = match self.waiting.is_empty() {
            true => std::mem::replace(&mut self.catalog, Arc::new(Catalog::new(Vec::new()))),
            false => Arc::clone(&self.catalog),
        };
        let request = ValidationRequest {
            tool: taken.tool,
            force: taken.force,
            catalog,
        };
        Some((taken.asked, request))
    }

    /// The request `take` numbered `asked` is told.
    fn done(&mut self, asked: u64) {
        self.validating.retain(|(number, _)| *number != asked);
    }

    fn snapshot(&self) -> QueueSnapshot {
        let mut waiting: Vec<&Waiting> = self.waiting.iter().collect();
        waiting.sort_by(|a, b| b.goes_before(a));
        QueueSnapshot {
            validating: self.validating.iter().map(|(_, q)| q.clone()).collect(),
            waiting: waiting.iter().map(|w| Queued::of(w)).collect(),
            paused: self.paused,
        }
    }
}

/// What a worker takes: anything, or only what is answered at once. One worker of the
/// latter kind means a kept verdict never waits behind a validation from scratch that a
/// worker took before the kept one was queued (the intake queues what arrives together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    Any,
    AtOnce,
}

struct QueueState {
    pending: Mutex<Pending>,
    wake: Notify,
    /// Wakes the worker that takes only what is answered at once.
    wake_at_once: Notify,
    closed: AtomicBool,
    /// Where the background's validations run, apart from what serves a person; `None` when
    /// no thread could be started for it, and they run beside the person's.
    background: Option<BackgroundRuntime>,
}

impl QueueState {
    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What wakes a worker that `takes`.
    fn wake(&self, takes: Takes) -> &Notify {
        match takes {
            Takes::Any => &self.wake,
            Takes::AtOnce => &self.wake_at_once,
        }
    }

    /// Something was queued or may go on: one worker of each kind looks.
    fn tell_workers(&self) {
        self.wake.notify_one();
        self.wake_at_once.notify_one();
    }
}

pub struct ValidationQueue {
    shared: Arc<QueueState>,
    /// Where a request goes first (`take_in`), off the caller's thread.
    intake: Option<std::sync::mpsc::Sender<ValidationRequest>>,
}

impl Drop for ValidationQueue {
    /// The workers stop once they finish what they are doing.
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.wake.notify_waiters();
        self.shared.wake_at_once.notify_waiters();
    }
}

impl ValidationQueue {
    /// Starts `workers` workers on `runtime`, validating as `commands` (whose store is the
    /// process's one write connection). `listener` hears every result and returns `false`
    /// once nobody listens; the workers then stop.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        workers: usize,
        commands: Context,
        listener: impl Fn(ValidationEvent) -> bool + Send + Sync + 'static,
    ) -> Self {
        let shared = Arc::new(QueueState {
            pending: Mutex::new(Pending::default()),
            wake: Notify::new(),
            wake_at_once: Notify::new(),
            closed: AtomicBool::new(false),
            background: BackgroundRuntime::start().ok(),
        });
        let listener = Arc::new(listener);
        let (intake, requests) = std::sync::mpsc::channel();
        let (root, queue) = (commands.review.root().to_path_buf(), Arc::clone(&shared));
        // Without its thread, each request is queued as it comes, not knowing the store.
        let intake = std::thread::Builder::new()
            .name("validation-intake".into())
            .spawn(move || take_in(&root, &requests, &queue))
            .ok()
            .map(|_| intake);
        let takes = std::iter::repeat_n(Takes::Any, workers).chain([Takes::AtOnce]);
        for takes in takes {
            runtime.spawn(work(
                Arc::clone(&shared),
                takes,
                commands.clone(),
                Arc::clone(&listener),
            ));
        }
        Self { shared, intake }
    }

    /// Queues `request`: through the intake, which looks it up in the store off the caller's
    /// thread (a scan pushes thousands), or at once.
    pub fn push(&self, request: ValidationRequest) {
        let request = match &self.intake {
            Some(intake) => match intake.send(request) {
                Ok(()) => return,
                Err(refused) => refused.0,
            },
            None => request,
        };
        let changed = changed_at(&request.tool.path);
        self.shared.pending().push(request, changed, false);
        self.shared.tell_workers();
    }

    /// Stops starting background validations; the one under way finishes, what a person asks
    /// for (`force`) still runs, and what waits stays queued.
    pub fn pause(&self) {
        self.shared.pending().paused = true;
    }

    /// Goes on with what waits, where it stopped.
    pub fn resume(&self) {
        self.shared.pending().paused = false;
        self.shared.tell_workers();
    }

    /// Requests waiting to start.
    pub fn waiting(&self) -> usize {
        self.shared.pending().waiting.len()
    }

    /// What is under way and what waits, in the order it will go.
    pub fn snapshot(&self) -> QueueSnapshot {
        self.shared.pending().snapshot()
    }
}

/// When the tool arrived (`review_queue::arrived_at`); a folder that cannot be read goes last.
fn changed_at(path: &std::path::Path) -> SystemTime {
    crate::model::review_queue::arrived_at(path).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The intake: takes every request waiting at once, learns from the store which have a
/// report of their content already (those go first), and queues them together, so a worker
/// choosing the next sees them all. Ends when the queue is dropped.
fn take_in(
    root: &std::path::Path,
    requests: &std::sync::mpsc::Receiver<ValidationRequest>,
    shared: &QueueState,
) {
    // A store that cannot be read only loses the order: nothing is known stored.
    let mut reader = None;
    while let Ok(first) = requests.recv() {
        let batch: Vec<ValidationRequest> = std::iter::once(first)
            .chain(std::iter::from_fn(|| requests.try_recv().ok()))
            .collect();
        if reader.is_none() {
            reader = crate::store::Store::open_reader(root).ok();
        }
        let arrived: Vec<(ValidationRequest, SystemTime, bool)> = batch
            .into_iter()
            .map(|request| {
                let stored = !request.force
                    && reader.as_ref().is_some_and(|store| {
                        store
                            .has_validation_of(&request.tool.content_hash)
                            .unwrap_or(false)
                    });
                let changed = changed_at(&request.tool.path);
                (request, changed, stored)
            })
            .collect();
        let mut pending = shared.pending();
        for (request, changed, stored) in arrived {
            pending.push(request, changed, stored);
        }
        drop(pending);
        shared.tell_workers();
    }
}

async fn work<L: Fn(ValidationEvent) -> bool>(
    shared: Arc<QueueState>,
    takes: Takes,
    commands: Context,
    listener: Arc<L>,
) {
    loop {
        let request = loop {
            // Listening before looking, so a push or a resume in between is not missed.
            let woken = shared.wake(takes).notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if shared.closed.load(Ordering::SeqCst) {
                return;
            }
            let (next, more) = {
                let mut pending = shared.pending();
                let next = pending.take(takes);
                let more = pending.waiting.iter().any(|w| !pending.paused || w.force);
                (next, more)
            };
            if let Some(taken) = next {
                // Another worker, if any, takes the next one meanwhile.
                if more {
                    shared.wake(takes).notify_one();
                }
                break taken;
            }
            woken.await;
        };
        let (asked, request) = request;
        let event = match (&shared.background, request.force) {
            (Some(background), false) => {
                let tool = request.tool.id();
                background
                    .spawn(validate(commands.clone(), request))
                    .await
                    .unwrap_or_else(|stopped| ValidationEvent::Refused {
                        tool,
                        error: CommandError::Stopped(format!("validation stopped: {stopped}")),
                    })
            }
            _ => validate(commands.clone(), request).await,
        };
        shared.pending().done(asked);
        if !listener(event) {
            return;
        }
    }
}

/// One request, validated as `commands` with the request's catalog.
async fn validate(commands: Context, request: ValidationRequest) -> ValidationEvent {
    let ValidationRequest {
        tool,
        force,
        catalog,
    } = request;
    let mut ctx = Context {
        catalog: Some(catalog),
        ..commands
    };
    // Only what a person asked for is waited for; the rest steps back for whatever a person
    // runs meanwhile.
    if !force {
        ctx.review = ctx.review.in_background();
    }
    let command = Command::Validate {
        tool: ToolId::content(&tool.name, &tool.version, &tool.content_hash),
        folder: Some(tool.path.clone()),
        force,
        seed: None,
    };
    match apply(&ctx, command).await {
        Ok(Applied::Validated(validated)) => {
            let Validated { report, unstored } = *validated;
            ValidationEvent::Validated {
                path: tool.path,
                report: Box::new(report),
                unstored,
            }
        }
        Ok(_) => ValidationEvent::Refused {
            tool: tool.id(),
            error: CommandError::Stopped("validation answered without a report".into()),
        },
        Err(error) => ValidationEvent::Refused {
            tool: tool.id(),
            error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use std::time::Duration;

    fn request(name: &str, force: bool) -> ValidationRequest {
        ValidationRequest {
            tool: ValidationTarget::of(&ToolEntry::fixture(Tier::Experimental, name)),
            force,
            catalog: Arc::new(Catalog::new(Vec::new())),
        }
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn order(pending: &mut Pending) -> Vec<String> {
        std::iter::from_fn(|| pending.take(Takes::Any))
            .map(|(_, r)| r.tool.name)
            .collect()
    }

    fn names(queued: &[Queued]) -> Vec<&str> {
        queued.iter().map(|q| q.name.as_str()).collect()
    }

    /// The background asking again for what waits adds nothing; asking for what is under
    /// way waits once (its validation may compare with an active version gone since); a
    /// person asking for it takes the background's place, and a new content of the same
    /// folder is a request of its own.
    #[test]
    fn the_same_content_is_queued_once_and_a_persons_ask_replaces_the_backgrounds() {
        let mut pending = Pending::default();
        pending.push(request("twice", false), at(10), false);
        pending.push(request("twice", false), at(10), false);
        pending.push(request("under_way", false), at(5), false);
        assert_eq!(pending.waiting.len(), 2);
        let (number, _) = pending.take(Takes::Any).expect("twice, the newest");
        pending.push(request("twice", false), at(10), false);
        pending.push(request("twice", false), at(10), false);
        assert_eq!(
            names(&pending.snapshot().waiting),
            ["twice", "under_way"],
            "under way: asked again once"
        );
        assert_eq!(names(&pending.snapshot().validating), ["twice"]);
        pending.done(number);
        let (again, _) = pending.take(Takes::Any).expect("twice, asked again");
        pending.done(again);

        pending.push(request("under_way", true), at(5), false);
        assert_eq!(names(&pending.snapshot().waiting), ["under_way"]);
        assert!(pending.snapshot().waiting[0].asked_by_person);

        let mut changed = request("under_way", false);
        changed.tool.content_hash = "another".into();
        pending.push(changed, at(6), false);
        assert_eq!(pending.waiting.len(), 2, "a new content waits too");
    }

    /// An agent rewriting a tool again and again leaves one background request for its
    /// folder, the newest content's; a person's request for an older content stays, to be
    /// answered.
    #[test]
    fn one_background_request_waits_a_folder_the_newest_contents() {
        let mut pending = Pending::default();
        let mut asked = request("rewritten", true);
        asked.tool.content_hash = "seen by a person".into();
        pending.push(asked, at(1), false);
        for n in 0..100 {
            let mut rewrite = request("rewritten", false);
            rewrite.tool.content_hash = format!("content {n}");
            pending.push(rewrite, at(2 + n), false);
        }
        pending.push(request("other", false), at(1), false);
        let waiting = pending.snapshot().waiting;
        let hashes: Vec<&str> = waiting.iter().map(|q| q.content_hash.as_str()).collect();
        assert_eq!(waiting.len(), 3, "{hashes:?}");
        assert!(hashes.contains(&"seen by a person") && hashes.contains(&"content 99"));
    }

    /// However requests come and go, each folder's background request is found where the
    /// index says, and only one waits a folder.
    #[test]
    fn the_index_of_background_requests_follows_every_push_and_take() {
        let mut pending = Pending::default();
        let mut state = 7u64;
        for step in 0..2_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let roll = state >> 33;
            if roll.is_multiple_of(5) {
                if let Some((number, _)) = pending.take(Takes::Any) {
                    pending.done(number);
                }
            } else {
                let mut asked = request(&format!("tool{}", roll % 40), roll.is_multiple_of(7));
                asked.tool.content_hash = format!("content {step}");
                pending.push(asked, at(step), false);
            }
            let background: Vec<&Waiting> = pending.waiting.iter().filter(|w| !w.force).collect();
            assert_eq!(background.len(), pending.background.len(), "step {step}");
            for (path, at) in &pending.background {
                let waiting = &pending.waiting[*at];
                assert!(!waiting.force && waiting.tool.path == *path, "step {step}");
            }
        }
    }

    /// A snapshot lists what waits in the order `take` gives it, and what is under way
    /// until it is done.
    #[test]
    fn a_snapshot_shows_what_is_under_way_and_what_waits_in_the_order_it_goes() {
        let mut pending = Pending::default();
        pending.push(request("oldest", false), at(10), false);
        pending.push(request("newest", false), at(30), false);
        pending.push(request("asked", true), at(1), false);
        let snapshot = pending.snapshot();
        assert_eq!(names(&snapshot.waiting), ["asked", "newest", "oldest"]);
        assert!(snapshot.validating.is_empty());
        assert!(snapshot.waiting[0].asked_by_person);

        let (number, _) = pending.take(Takes::Any).expect("asked");
        let snapshot = pending.snapshot();
        assert_eq!(names(&snapshot.validating), ["asked"]);
        assert_eq!(names(&snapshot.waiting), ["newest", "oldest"]);
        pending.done(number);
        assert!(pending.snapshot().validating.is_empty());
    }

    /// What is answered at once (a report of its content is kept, or its manifest is broken)
    /// goes before what the background validates from scratch, newest first among each; a
    /// person's first.
    #[test]
    fn what_is_answered_at_once_goes_before_a_validation_from_scratch() {
        let mut pending = Pending::default();
        let mut broken = request("broken_old", false);
        broken.tool.broken = true;
        pending.push(request("slow_new", false), at(50), false);
        pending.push(broken, at(5), false);
        pending.push(request("kept_old", false), at(10), true);
        pending.push(request("kept_newer", false), at(20), true);
        pending.push(request("asked", true), at(1), false);
        assert_eq!(
            order(&mut pending),
            ["asked", "kept_newer", "kept_old", "broken_old", "slow_new"]
        );
    }

    /// The worker that takes only what is answered at once takes a kept verdict (or a broken
    /// manifest) while a validation from scratch waits or runs, and nothing else: no request
    /// of the background's from scratch, nor a person's, which validates anew.
    #[test]
    fn the_at_once_worker_takes_only_what_is_answered_at_once() {
        let mut pending = Pending::default();
        pending.push(request("slow_new", false), at(50), false);
        pending.push(request("asked", true), at(1), true);
        assert!(pending.take(Takes::AtOnce).is_none());
        let (_, slow) = pending
            .take(Takes::Any)
            .expect("a person's, then the slow one");
        assert_eq!(slow.tool.name, "asked");
        pending.push(request("kept_old", false), at(10), true);
        let (_, kept) = pending.take(Takes::AtOnce).expect("the kept verdict");
        assert_eq!(kept.tool.name, "kept_old");
        assert!(pending.take(Takes::AtOnce).is_none());
        let (_, slow) = pending.take(Takes::Any).expect("the slow one");
        assert_eq!(slow.tool.name, "slow_new");
        pending.push(request("kept_paused", false), at(10), true);
        pending.paused = true;
        assert!(pending.take(Takes::AtOnce).is_none(), "paused");
    }

    /// What a person asked for first, in the order asked; then the newest arrivals. Paused,
    /// only what a person asks for runs, and the rest is still there once resumed.
    #[test]
    fn a_person_first_then_the_newest_and_only_a_person_while_paused() {
        let mut pending = Pending::default();
        pending.push(request("oldest", false), at(10), false);
        pending.push(request("newest", false), at(30), false);
        pending.push(request("asked", true), at(1), false);
        pending.push(request("middle", false), at(20), false);
        pending.push(request("asked_later", true), at(99), false);
        pending.paused = true;
        assert_eq!(order(&mut pending), ["asked", "asked_later"]);
        assert_eq!(pending.waiting.len(), 3);
        pending.paused = false;
        assert_eq!(order(&mut pending), ["newest", "middle", "oldest"]);
    }
}
