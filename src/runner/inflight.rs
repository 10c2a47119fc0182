//! Runs in flight, on disk: one small file per run under `.toolbench/running/`, written before
//! the tool starts and moved into the run's folder once the run's record is stored. A
//! toolbench process killed in between (kill -9, OOM, a closed terminal) takes its run with it
//! (the helper dies with its starter), and the file is how the next toolbench process learns
//! the run ever happened: it closes such runs as `abandoned`, with their logs.
//!
//! The file is also how a finished run reaches the store without its starter opening it
//! (`hand_off`): the run's record is appended as a second line, synced, and the file renamed
//! `<run>.ended` (its name made durable while the run ran, `Marker::sync_name_meanwhile`);
//! the next process that opens the store stores it (`close_abandoned`). That is
//! how `toolbench run` records its runs (opening SQLite cost a run about 0.7 ms of CPU, a
//! fifth of what toolbench adds to a run; docs/benchmarks/runs.md), and how any run the store
//! refused is kept.
//!
//! A process is named by its pid and its start time, so a pid the kernel handed to another
//! program since is never taken for the run's.
//!
//! Each run is stored once (the store holds a run folder once), with the end its starter wrote
//! whenever it wrote one: a collector reads a run's file again once its processes are gone
//! (`as_ended`). Files are written aside and moved into place whole, and a collection removes
//! what a writer killed midway left. The process also counts the runs it owes a record
//! (`Marker::owe_record`), which a stopping front end waits for (`all_recorded`).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::model::run_error::KeepError;
use crate::model::{RunOrigin, RunRecord, RunStatus, Tier};
use crate::pause_point::pause_point;
use crate::proc_stat::ProcessId;
use crate::store::{Store, StoreError};

/// How often a run's starter marks its in-flight file as still alive: an abandoned run's
/// duration is known to within this.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(1);

/// What a finished run's in-flight file is called in the run's folder.
const FINISHED_NAME: &str = "run.json";
/// The in-flight file of a run in flight, and of one handed off with its record.
const IN_FLIGHT_EXT: &str = "json";
const ENDED_EXT: &str = "ended";
/// A handed-off file that cannot be read, moved aside by `list`.
const UNREADABLE_EXT: &str = "unreadable";
/// A run's file being written aside before it moves into place (`Marker::temporary`).
const TEMPORARY_EXT: &str = "tmp";

/// The runs this process owes a record (started, not recorded or handed off yet), by folder:
/// what a stopping front end waits for (`all_recorded`); and whether it still starts runs.
#[derive(Default)]
struct Owed {
    runs: BTreeSet<String>,
    refusing: bool,
}

static OWED: LazyLock<tokio::sync::watch::Sender<Owed>> =
    LazyLock::new(|| tokio::sync::watch::Sender::new(Owed::default()));

/// From now on no run of this process starts (`Marker::owe_record` says no), so that once
/// the runs owed are recorded, none is left.
pub(crate) fn refuse_new_runs() {
    OWED.send_modify(|owed| owed.refusing = true);
}

/// The run of `log_dir` is recorded, handed off or forgotten (any process's: a run of another
/// is simply not there).
fn closed(log_dir: &str) {
    OWED.send_if_modified(|owed| owed.runs.remove(log_dir));
    name_syncs().remove(log_dir);
}

/// The folder syncs that make runs' in-flight file names durable while the runs run
/// (`Marker::sync_name_meanwhile`), by run folder; each says whether it succeeded.
static NAME_SYNCS: LazyLock<std::sync::Mutex<NameSyncs>> = LazyLock::new(Default::default);
type NameSyncs = HashMap<String, std::thread::JoinHandle<bool>>;

fn name_syncs() -> std::sync::MutexGuard<'static, NameSyncs> {
    NAME_SYNCS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether the name of the in-flight file of `log_dir` was made durable while its run ran:
/// waits for that sync when one was started.
fn name_synced(log_dir: &str) -> bool {
    let sync = name_syncs().remove(log_dir);
    sync.is_some_and(|sync| sync.join().unwrap_or(false))
}

/// Waits until every run this process owes a record is recorded or handed off, at most
/// `within`; returns how many are not.
pub async fn all_recorded(within: Duration) -> usize {
    let mut owed = OWED.subscribe();
    let _ = tokio::time::timeout(within, owed.wait_for(|owed| owed.runs.is_empty())).await;
    owed.borrow().runs.len()
}

/// What is known of a run while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    pub tool: String,
    pub version: String,
    pub tier: Tier,
    pub input: String,
    pub started_at: String,
    pub origin: RunOrigin,
    /// The MCP client that asked for the run, for runs from MCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The run's folder, relative to the root; unique per run.
    pub log_dir: String,
    /// The toolbench process that started the run and will record it.
    pub starter: ProcessId,
    /// The sandbox helper, once spawned.
    pub helper: Option<ProcessId>,
    /// The run's record, once its starter handed it off (`hand_off`). On disk it is the
    /// file's second line; the field is read too, as files written before that carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<RunRecord>,
}

impl InFlight {
    /// Not handed off, and either process is still there: the run goes on, or its starter
    /// will record it.
    pub(crate) fn is_live(&self) -> bool {
        self.finished.is_none()
            && (self.starter.is_alive() || self.helper.is_some_and(|h| h.is_alive()))
    }

    /// An in-flight file: the run as it started, then, once handed off, its record on a line
    /// of its own. A record cut short (a crash while it was written) is no record: the run
    /// is closed as abandoned.
    fn parse(bytes: &[u8]) -> Option<Self> {
        let mut lines = bytes.splitn(2, |b| *b == b'\n');
        let mut run: InFlight = serde_json::from_slice(lines.next()?).ok()?;
        if let Some(record) = lines.next().and_then(|l| serde_json::from_slice(l).ok()) {
            run.finished = Some(record);
        }
        Some(run)
    }
}

/// The file of one run in flight; written again when the helper is known.
#[derive(Debug, Clone)]
pub struct Marker {
    path: PathBuf,
    run: InFlight,
}

fn running_dir(root: &Path) -> PathBuf {
    crate::workspace::state_dir(root).join("running")
}

/// The folder of the in-flight files, made when the state folder is there but it is not yet:
/// what a follower of other processes' runs watches.
pub(crate) fn running_folder(root: &Path) -> std::io::Result<PathBuf> {
    let running = running_dir(root);
    crate::workspace::private::create_dir(&running)?;
    Ok(running)
}

fn runs_dir(root: &Path) -> PathBuf {
    crate::workspace::state_dir(root).join("runs")
}

/// The folder of the run with `log_dir`, made when something is first written into it.
pub(crate) fn run_folder(root: &Path, log_dir: &str) -> PathBuf {
    root.join(log_dir)
}

fn marker_path(root: &Path, log_dir: &str) -> PathBuf {
    let name = Path::new(log_dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    running_dir(root).join(format!("{name}.{IN_FLIGHT_EXT}"))
}

fn ended_path(root: &Path, log_dir: &str) -> PathBuf {
    marker_path(root, log_dir).with_extension(ENDED_EXT)
}

impl Marker {
    /// Writes the run's file under the first name `<time>-<tool>-<n>` that no other run holds,
    /// in flight or finished, with `run` made for that name's run folder (see
    /// `run_folder`): a run is never started unrecorded. The folder itself is made by the
    /// first thing written into it (a log, the report, this file once the run is stored),
    /// not here: a creation is on the run's path, and on some disks it costs a fraction of
    /// a millisecond (docs/benchmarks/runs.md).
    pub fn reserve(
        root: &Path,
        tool: &str,
        run: impl Fn(String) -> InFlight,
    ) -> std::io::Result<Self> {
        // `toolbench run` may never open the store: the run that makes the state folder
        // lists the workspace, so other workspaces' runs hide it (see `workspace::registry`).
        crate::workspace::make_state_dir(root)?;
        let runs = runs_dir(root);
        crate::workspace::private::create_dirs(&runs)?;
        crate::workspace::private::create_dirs(&running_dir(root))?;
        let stamp = crate::clock::now_rfc3339().replace([':', '.'], "");
        for attempt in 0..1000 {
            let folder = runs.join(format!("{stamp}-{tool}-{attempt}"));
            let log_dir = folder
                .strip_prefix(root)
                .unwrap_or(&folder)
                .display()
                .to_string();
            let marker = Marker {
                path: marker_path(root, &log_dir),
                run: run(log_dir),
            };
            if marker.claim(&folder)? {
                return Ok(marker);
            }
        }
        Err(std::io::Error::other(
            "too many runs started in the same millisecond",
        ))
    }

    /// Places the file, whole, under its name only if no other file holds that name, so that
    /// of two runs taking the same name one moves on; false when the name is taken, by a run
    /// in flight, a run handed off (its file renamed `.ended`, its folder maybe not made) or a
    /// stored one, whose file has moved into its folder. Written aside first and moved into
    /// place: a starter killed at any moment leaves a whole file or a temporary one naming
    /// it, which a collection removes (`list`), never an empty file nobody can read.
    fn claim(&self, folder: &Path) -> std::io::Result<bool> {
        let text = serde_json::to_vec(&self.run).map_err(std::io::Error::other)?;
        let temporary = self.temporary();
        crate::workspace::private::write(&temporary, &text)?;
        if !place_new(&temporary, &self.path)? {
            return Ok(false);
        }
        let ended = self.path.with_extension(ENDED_EXT);
        if std::fs::symlink_metadata(folder).is_ok() || std::fs::symlink_metadata(ended).is_ok() {
            std::fs::remove_file(&self.path)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// A name beside the run's file for writing it whole before it moves into place:
    /// `<run>.<pid>-<start>-<n>.tmp`, naming the process that writes it, so one left by a
    /// process killed meanwhile is told from one being written (`stale_temporary`).
    fn temporary(&self) -> PathBuf {
        static WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ProcessId { pid, start_ticks } = self.run.starter;
        self.path
            .with_extension(format!("{pid}-{start_ticks}-{n}.{TEMPORARY_EXT}"))
    }

    /// The run's folder, relative to the root.
    pub fn log_dir(&self) -> &str {
        &self.run.log_dir
    }

    /// Names the helper, so a reader can tell it from a later process with its pid; kept as
    /// is when the file already names it.
    pub(crate) fn set_helper(&mut self, pid: u32) {
        if self.run.helper.is_some_and(|helper| helper.pid == pid) {
            return;
        }
        self.run.helper = ProcessId::of(pid);
        // Best effort: the starter is already named, and the helper dies with it.
        let _ = self.save();
    }

    /// The run is still going: the file's modification time says so.
    pub(crate) fn touch(&self) {
        if let Ok(file) = std::fs::File::options().append(true).open(&self.path) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Counts the run among those this process owes a record, unless the process refuses new
    /// runs (`refuse_new_runs`): false then, and the run must not start. One lock for both, so
    /// a stop either finds this run to wait for, or this run finds the stop.
    pub(crate) fn owe_record(&self) -> bool {
        let mut counted = false;
        OWED.send_if_modified(|owed| {
            counted = !owed.refusing;
            counted && owed.runs.insert(self.run.log_dir.clone())
        });
        counted
    }

    /// Makes the name of the run's file durable (its folder synced) on a thread of its own
    /// while the tool runs, so that handing the run off syncs only the record: a flush of the
    /// disk off the run's path. The folder is opened here: the thread allocates nothing.
    pub(crate) fn sync_name_meanwhile(&self) {
        let Some(folder) = self.path.parent() else {
            return;
        };
        let Ok(folder) = std::fs::File::open(folder) else {
            return;
        };
        let sync = std::thread::Builder::new()
            .name("name-sync".into())
            .spawn(move || folder.sync_all().is_ok());
        if let Ok(sync) = sync {
            name_syncs().insert(self.run.log_dir.clone(), sync);
        }
    }

    /// Forgets a run that never started (nothing was spawned): no record is owed.
    pub(crate) fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
        closed(self.log_dir());
    }

    fn save(&self) -> std::io::Result<()> {
        let text = serde_json::to_vec(&self.run).map_err(std::io::Error::other)?;
        let temporary = self.temporary();
        // Renamed into place whole; not fsynced: it must outlive its writer (kill -9, OOM),
        // and a machine that loses power takes the run with it anyway.
        crate::workspace::private::write(&temporary, &text)?;
        std::fs::rename(&temporary, &self.path)
    }
}

/// Moves the file `from` to `to` unless a file holds `to`: `false` then, and `from` is gone
/// either way. One step (`RENAME_NOREPLACE`); a filesystem without it gets a hard link.
fn place_new(from: &Path, to: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    let placed = match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => return Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => std::fs::hard_link(from, to),
        Err(e) => Err(e.into()),
    };
    let _ = std::fs::remove_file(from);
    match placed {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// A temporary file in the running folder whose writer is gone (killed between writing it
/// and moving it into place), which nothing will ever read. One named the older way,
/// `<run>.tmp`, is stale once its run's file is gone.
fn stale_temporary(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut parts = name.split('.');
    let (Some(run), Some(writer)) = (parts.next(), parts.next()) else {
        return false;
    };
    if writer == TEMPORARY_EXT {
        let file = path.with_file_name(format!("{run}.{IN_FLIGHT_EXT}"));
        return std::fs::symlink_metadata(file).is_err();
    }
    let mut numbers = writer.split('-').map(str::parse::<u64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(pid)), Some(Ok(start_ticks))) => {
            !u32::try_from(pid).is_ok_and(|pid| ProcessId { pid, start_ticks }.is_alive())
        }
        _ => false,
    }
}

/// Hands a finished run to the next toolbench process that opens the store: its record is
/// appended to the run's file and synced, and the file renamed `<run>.ended` with its folder
/// synced, so the record survives a power loss as a committed run does. Used for every run
/// of `toolbench run`, and for any run the store refused. When the file's name was made
/// durable while the run ran (`Marker::sync_name_meanwhile`), the rename is not synced: after
/// a power loss the record is found under either name (`as_ended` takes a file that holds
/// one as ended), and it was synced before the rename was made.
pub(crate) fn hand_off(root: &Path, record: &RunRecord) -> Result<(), KeepError> {
    let log_dir = record.log_dir.as_deref().unwrap_or_default();
    let name_durable = name_synced(log_dir);
    let path = marker_path(root, log_dir);
    let write = |e: std::io::Error| KeepError::Write(std::sync::Arc::new(e));
    let mut line = vec![b'\n'];
    serde_json::to_writer(&mut line, record).map_err(|e| write(e.into()))?;
    let mut file = match std::fs::File::options().append(true).open(&path) {
        Ok(file) => file,
        // Renamed by an earlier hand-off of this run whose folder sync failed: the record is
        // in the `.ended` file already.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if ended_path(root, log_dir).is_file() {
                closed(log_dir);
                Ok(())
            } else {
                Err(KeepError::Gone(path))
            };
        }
        Err(e) => return Err(write(e)),
    };
    file.write_all(&line).map_err(write)?;
    file.sync_data().map_err(write)?;
    pause_point("hand-off-appended");
    match std::fs::rename(&path, ended_path(root, log_dir)) {
        // A process collecting runs took the file in the meantime: it read the record, as it
        // takes the file of a run whose starter lives only once the record is in it, and
        // stores the run (or has).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        renamed => {
            renamed.map_err(write)?;
            if !name_durable {
                std::fs::File::open(running_dir(root))
                    .and_then(|dir| dir.sync_all())
                    .map_err(write)?;
            }
        }
    }
    closed(log_dir);
    Ok(())
}

/// Forgets the run of `log_dir` once its record is stored: its file moves into the run's
/// folder as `run.json`, holding the run's `record` too (a handed-off file holds it already),
/// so a store that loses the run can have it back from the folder (`stored_records`). Moved,
/// not removed: on ext4 without a journal every creation skips the inodes freed in the last
/// minutes one by one, so a file removed per run made every later run's files slower to
/// create (docs/benchmarks/runs.md, issue 7).
pub fn finish(root: &Path, log_dir: Option<&str>, record: Option<&RunRecord>) {
    let Some(log_dir) = log_dir else {
        return;
    };
    keep_in_folder(root, log_dir, record);
    // Only now: a process that ends once its runs are recorded leaves no file behind.
    closed(log_dir);
}

/// `finish`'s move of the run's file into its folder.
fn keep_in_folder(root: &Path, log_dir: &str, record: Option<&RunRecord>) {
    let marker = [marker_path(root, log_dir), ended_path(root, log_dir)]
        .into_iter()
        .find(|path| path.exists())
        .unwrap_or_else(|| marker_path(root, log_dir));
    // Not synced: the store holds the run durably; this copy is for rebuilding a lost store.
    if let Some(record) = record
        && marker.extension().is_some_and(|x| x == IN_FLIGHT_EXT)
        && let Ok(mut file) = std::fs::File::options().append(true).open(&marker)
    {
        let mut line = vec![b'\n'];
        if serde_json::to_writer(&mut line, record).is_ok() {
            let _ = file.write_all(&line);
        }
    }
    // Beneath the root, never through a symlink: the run's folder may be made only now.
    let folder = Path::new(log_dir);
    let Ok(from) = marker.strip_prefix(root) else {
        return;
    };
    let moved = crate::safe_fs::Dir::open(root)
        .map_err(std::io::Error::other)
        .and_then(|root| {
            root.create_dirs_with_mode(folder, crate::workspace::private::DIR_MODE)
                .map_err(std::io::Error::other)?;
            root.move_noreplace(from, &folder.join(FINISHED_NAME))
        });
    if moved.is_err() {
        let _ = std::fs::remove_file(marker);
    }
}

/// Every run whose file is there, live or not, in the order they started (so runs stored
/// together get their ids in that order).
/// Leftovers of runs that never started are removed on the way: temporary files whose writer
/// was killed, and empty run files (left so by builds that wrote them in place).
pub fn list(root: &Path) -> Vec<InFlight> {
    let Ok(entries) = std::fs::read_dir(running_dir(root)) else {
        return Vec::new();
    };
    let mut runs = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        let Some(ext) = path.extension() else {
            continue;
        };
        if ext == TEMPORARY_EXT {
            if stale_temporary(&path) {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        if ext != IN_FLIGHT_EXT && ext != ENDED_EXT {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        match InFlight::parse(&bytes) {
            Some(run) => runs.push(run),
            // Nothing a run was: no record is owed, and nothing to keep.
            None if bytes.is_empty() => {
                let _ = std::fs::remove_file(&path);
            }
            // Whole by construction (moved into place whole; a hand-off renamed once
            // synced): what cannot be read never will be. Moved aside, for a person to look
            // at, so it does not make every later start open the store for nothing.
            None => {
                let _ = std::fs::rename(&path, path.with_extension(UNREADABLE_EXT));
            }
        }
    }
    runs.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    runs
}

/// What waits in the running folder for a process with the store: runs whose starter and
/// helper died before recording them, runs handed off with their record, and leftovers of
/// runs that never started (see `list`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backlog {
    pub(crate) abandoned: usize,
    pub(crate) handed_off: usize,
    pub(crate) leftovers: usize,
}

/// The backlog, read without opening the store: handed-off runs are counted by their names
/// alone, and only the files of runs in flight (a few at most) are read.
pub(crate) fn backlog(root: &Path) -> Backlog {
    let mut backlog = Backlog::default();
    let Ok(entries) = std::fs::read_dir(running_dir(root)) else {
        return backlog;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match path.extension() {
            Some(x) if x == ENDED_EXT => backlog.handed_off += 1,
            Some(x) if x == IN_FLIGHT_EXT => {
                match std::fs::read(&path).ok().and_then(|b| InFlight::parse(&b)) {
                    Some(run) if !run.is_live() => backlog.abandoned += 1,
                    Some(_) => {}
                    None => backlog.leftovers += 1,
                }
            }
            Some(x) if x == TEMPORARY_EXT && stale_temporary(&path) => backlog.leftovers += 1,
            _ => {}
        }
    }
    backlog
}

/// Whether a run's starter and helper are both gone, or a run was handed off, leaving it for
/// `close_abandoned`.
pub(crate) fn any_abandoned(root: &Path) -> bool {
    backlog(root) != Backlog::default()
}

/// What every toolbench front end does when it starts: stores the runs handed off with their
/// record, and closes as `abandoned` the runs whose starter and helper are both gone, all in
/// one transaction through `store`, the process's writer. Returns how many were stored.
pub(crate) fn close_abandoned(root: &Path, store: &mut Store) -> Result<usize, StoreError> {
    let listed = list(root);
    pause_point("collect-listed");
    let ended: Vec<InFlight> = listed
        .into_iter()
        .filter_map(|run| as_ended(root, run))
        .collect();
    let mut records: Vec<_> = ended
        .iter()
        .map(|run| {
            let record = run
                .finished
                .clone()
                .unwrap_or_else(|| abandoned_record(root, run));
            let failure = super::record::automatic_failure(&record);
            (record, failure)
        })
        .collect();
    // A run stored already (a crash before its file moved, another process closing it at
    // the same moment) is not stored twice (the store holds each run folder once); its file is
    // moved all the same.
    let stored = store.record_runs_once(&mut records)?;
    for (run, (record, _)) in ended.iter().zip(&records) {
        // An `abandoned` guess may have met the run's own end, stored by a starter killed
        // before it wrote that end into the file: the folder keeps what the store holds.
        let kept = match run.finished {
            None => store.run_by_log_dir(&run.log_dir)?,
            Some(_) => None,
        };
        finish(
            root,
            Some(&run.log_dir),
            Some(kept.as_ref().unwrap_or(record)),
        );
    }
    // What killed runs' helpers had no time to remove: a scratch folder on the host (a run
    // without a mount namespace of its own), and cgroups, those of helpers forked ahead for a
    // run that was never written down included.
    for run in ended.iter().filter(|r| r.finished.is_none()) {
        super::confinement::remove_scratch(&run_folder(root, &run.log_dir).join("scratch"));
    }
    super::sandbox::remove_stale_cgroups();
    Ok(stored)
}

/// `run` as it ended, when it did: handed off with its record, or in flight with its starter
/// and helper both gone, read again once they are known gone. What the file says then is
/// final: a starter that handed its run off and ended between the first read and the look at
/// its processes wrote the run's end meanwhile (appended, the file maybe renamed `.ended`),
/// and only a file that still holds no end is a run abandoned. A file gone meanwhile was
/// stored by its starter or another process.
fn as_ended(root: &Path, run: InFlight) -> Option<InFlight> {
    if run.finished.is_some() {
        return Some(run);
    }
    if run.is_live() {
        return None;
    }
    [
        marker_path(root, &run.log_dir),
        ended_path(root, &run.log_dir),
    ]
    .iter()
    .find_map(|path| InFlight::parse(&std::fs::read(path).ok()?))
}

/// The record of every finished run whose folder holds it (`finish`), in the order they
/// started: what rebuilds the runs of a lost store. Folders without one are left out.
pub(crate) fn stored_records(root: &Path) -> Vec<RunRecord> {
    let Ok(entries) = std::fs::read_dir(runs_dir(root)) else {
        return Vec::new();
    };
    let mut records: Vec<RunRecord> = entries
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join(FINISHED_NAME)).ok())
        .filter_map(|bytes| InFlight::parse(&bytes)?.finished)
        .collect();
    records.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    records
}

fn abandoned_record(root: &Path, run: &InFlight) -> RunRecord {
    let dir = root.join(&run.log_dir);
    let report = std::fs::read_to_string(dir.join("report.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<super::sandbox::SandboxReport>(&t).ok());
    RunRecord {
        id: 0,
        tool: run.tool.clone(),
        version: run.version.clone(),
        tier: run.tier,
        input: run.input.clone(),
        started_at: run.started_at.clone(),
        duration_ms: last_sign_of_life(&dir, &marker_path(root, &run.log_dir), &run.started_at),
        exit_code: None,
        signal: None,
        peak_memory_kb: None,
        bytes_out: ["stdout.log", "stderr.log"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum(),
        status: RunStatus::Abandoned,
        origin: run.origin,
        client: run.client.clone(),
        project: None,
        log_dir: Some(run.log_dir.clone()),
        sandbox: abandoned_protections(report, &dir),
        error: Some(
            "abandoned: the toolbench process that started it ended before the run did".to_string(),
        ),
    }
}

/// The protections an abandoned run's helper reported, with what left through the egress
/// proxy (written down as it left) in the `egress` layer's detail: kept inside the layer, the
/// one-line summary still reads back as layers.
fn abandoned_protections(report: Option<super::sandbox::SandboxReport>, dir: &Path) -> String {
    let mut protections = report.map(|r| r.protections).unwrap_or_default();
    if let Some(log) = super::egress::logged(dir) {
        let detail = match protections.layer("egress") {
            Some(layer) if !layer.detail.is_empty() => format!("{}; {log}", layer.detail),
            _ => log,
        };
        protections.set_active("egress", detail);
    }
    if protections.layers.is_empty() {
        return String::new();
    }
    protections.summary()
}

/// Milliseconds from the start to the last sign of life: the starter's last heartbeat on the
/// in-flight file, or the last write into the run's folder (its logs, its report).
fn last_sign_of_life(dir: &Path, marker: &Path, started_at: &str) -> u64 {
    let Ok(started) = humantime::parse_rfc3339_weak(started_at) else {
        return 0;
    };
    let heartbeat = std::fs::metadata(marker).and_then(|m| m.modified()).ok();
    let last = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .chain(heartbeat)
        .max()
        .unwrap_or(started);
    last.duration_since(started)
        .or_else(|_| SystemTime::now().duration_since(started))
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// For tests: a run of `tool` in flight at `root`, started by the process `starter` (a
/// child standing in for another toolbench process).
#[cfg(test)]
pub(crate) fn started_elsewhere(root: &Path, tool: &str, starter: u32) -> Marker {
    Marker::reserve(root, tool, |log_dir| InFlight {
        tool: tool.into(),
        version: "1.0.0".into(),
        tier: crate::model::Tier::Approved,
        input: "{}".into(),
        started_at: crate::clock::now_rfc3339(),
        origin: crate::model::RunOrigin::Cli,
        client: None,
        log_dir,
        starter: crate::proc_stat::ProcessId::of(starter).expect("the starter's stat"),
        helper: None,
        finished: None,
    })
    .expect("in flight")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_fs::planted;

    #[test]
    fn our_own_process_is_alive_and_a_changed_start_time_is_not() {
        let me = ProcessId::of(std::process::id()).expect("own stat");
        assert!(me.is_alive());
        let reused = ProcessId {
            start_ticks: me.start_ticks + 1,
            ..me
        };
        assert!(
            !reused.is_alive(),
            "a pid with another start time is another process"
        );
        assert!(
            !ProcessId {
                pid: u32::MAX,
                start_ticks: 0
            }
            .is_alive()
        );
    }

    /// A run started by this process, with `helper` named, for the run folder `log_dir`.
    fn sample_run(helper: Option<ProcessId>, log_dir: String) -> InFlight {
        InFlight {
            tool: "t".into(),
            version: "1.0.0".into(),
            tier: Tier::Core,
            input: "{}".into(),
            started_at: crate::clock::now_rfc3339(),
            origin: RunOrigin::Cli,
            client: None,
            log_dir,
            starter: ProcessId::of(std::process::id()).expect("own stat"),
            helper,
            finished: None,
        }
    }

    #[test]
    fn markers_round_trip_and_finish_moves_them_into_the_made_run_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut marker =
            Marker::reserve(dir.path(), "t", |log_dir| sample_run(None, log_dir)).expect("written");
        let log_dir = marker.run.log_dir.clone();
        assert!(
            !run_folder(dir.path(), &log_dir).exists(),
            "the run folder is made when something is written into it"
        );
        marker.set_helper(std::process::id());
        let listed = list(dir.path());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].tool, "t");
        assert!(listed[0].helper.is_some() && listed[0].is_live());
        finish(dir.path(), Some(&log_dir), None);
        assert!(list(dir.path()).is_empty());
        let kept = std::fs::read(run_folder(dir.path(), &log_dir).join(FINISHED_NAME));
        let kept: InFlight = serde_json::from_slice(&kept.expect("run.json")).expect("JSON");
        assert_eq!(kept.log_dir, log_dir);
    }

    #[test]
    fn a_finished_run_file_never_moves_through_a_link_planted_as_the_run_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker =
            Marker::reserve(dir.path(), "t", |log_dir| sample_run(None, log_dir)).expect("written");
        let elsewhere = planted::link_to_empty_folder(&run_folder(dir.path(), marker.log_dir()));
        finish(dir.path(), Some(marker.log_dir()), None);
        assert!(
            planted::is_empty(&elsewhere),
            "run.json went through the link"
        );
        assert!(list(dir.path()).is_empty(), "the run is still in flight");
    }

    #[test]
    fn a_name_held_by_a_run_in_flight_or_finished_is_not_taken_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reserve = || {
            Marker::reserve(dir.path(), "t", |log_dir| sample_run(None, log_dir))
                .expect("written")
                .run
                .log_dir
        };
        let first = reserve();
        let second = reserve();
        assert_ne!(first, second, "a run in flight holds its name");
        finish(dir.path(), Some(&first), None);
        finish(dir.path(), Some(&second), None);
        // Within the same millisecond the finished runs' folders still hold their names.
        let third = reserve();
        assert!(third != first && third != second, "{third}");
    }

    /// A run reserved by this process and finished with `status`: its record, as the runner
    /// makes it.
    fn finished_run(root: &Path, status: RunStatus) -> RunRecord {
        let marker = Marker::reserve(root, "t", |log_dir| {
            sample_run(ProcessId::of(std::process::id()), log_dir)
        })
        .expect("written");
        RunRecord {
            status,
            exit_code: Some(if status == RunStatus::Ok { 0 } else { 3 }),
            log_dir: Some(marker.log_dir().to_string()),
            ..crate::store::runs::tests::sample_run("t", &marker.run.started_at)
        }
    }

    #[test]
    fn a_handed_off_run_is_stored_with_its_own_record_by_the_next_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let record = finished_run(root, RunStatus::Failed);
        assert_eq!(
            backlog(root),
            Backlog::default(),
            "a run in flight waits for nothing"
        );
        hand_off(root, &record).expect("handed off");
        assert_eq!(
            backlog(root),
            Backlog {
                handed_off: 1,
                ..Backlog::default()
            }
        );
        let listed = list(root);
        assert!(!listed[0].is_live(), "handed off, though its starter lives");
        let mut store = Store::open(root).expect("store");
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 1);
        let log_dir = record.log_dir.as_deref().expect("log dir");
        let stored = store
            .run_by_log_dir(log_dir)
            .expect("read")
            .expect("stored");
        assert_eq!(
            (stored.status, stored.exit_code),
            (RunStatus::Failed, Some(3))
        );
        let failures = store.list_failures(None, 10).expect("failures");
        assert_eq!(failures.len(), 1, "the failed run's automatic failure");
        assert_eq!(failures[0].run_id, Some(stored.id));
        assert_eq!(backlog(root), Backlog::default());
        assert!(run_folder(root, log_dir).join(FINISHED_NAME).is_file());
        assert_eq!(
            close_abandoned(root, &mut store).expect("closed"),
            0,
            "stored once"
        );
    }

    /// A run whose file's name was made durable while it ran is handed off without syncing
    /// its folder again; the file renamed `.ended` or, as a power loss may leave it, not, the
    /// next process stores the run with its record.
    #[test]
    fn a_run_whose_name_was_synced_meanwhile_is_stored_with_its_record_under_either_name() {
        for rename_lost in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path();
            let marker = Marker::reserve(root, "t", |log_dir| {
                sample_run(ProcessId::of(std::process::id()), log_dir)
            })
            .expect("written");
            marker.sync_name_meanwhile();
            let log_dir = marker.log_dir().to_string();
            assert!(name_syncs().contains_key(&log_dir), "a sync under way");
            let record = RunRecord {
                status: RunStatus::Failed,
                exit_code: Some(3),
                log_dir: Some(log_dir.clone()),
                ..crate::store::runs::tests::sample_run("t", &marker.run.started_at)
            };
            hand_off(root, &record).expect("handed off");
            assert!(!name_syncs().contains_key(&log_dir), "the sync joined");
            if rename_lost {
                std::fs::rename(ended_path(root, &log_dir), marker_path(root, &log_dir))
                    .expect("rename back");
            }
            let mut store = Store::open(root).expect("store");
            assert_eq!(close_abandoned(root, &mut store).expect("closed"), 1);
            let stored = store
                .run_by_log_dir(&log_dir)
                .expect("read")
                .expect("stored");
            assert_eq!(
                (stored.status, stored.exit_code),
                (RunStatus::Failed, Some(3)),
                "stored with its own record, the rename lost: {rename_lost}"
            );
        }
    }

    #[test]
    fn a_stored_run_leaves_its_record_in_its_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let mut record = finished_run(root, RunStatus::Ok);
        record.id = 7;
        finish(root, record.log_dir.as_deref(), Some(&record));
        let abandoned = finished_run(root, RunStatus::Ok);
        let mut store = Store::open(root).expect("store");
        // Its starter is this (live) process: make it look gone.
        starter_gone(root, abandoned.log_dir.as_deref().expect("dir"));
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 1);
        let records = stored_records(root);
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(
            records
                .iter()
                .any(|r| r.id == 7 && r.status == RunStatus::Ok)
        );
        assert!(records.iter().any(|r| r.status == RunStatus::Abandoned));
    }

    /// Makes the in-flight run of `log_dir` look as if its starter and helper were gone.
    fn starter_gone(root: &Path, log_dir: &str) {
        let path = marker_path(root, log_dir);
        let mut run: InFlight =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("parse");
        run.starter = ProcessId {
            pid: u32::MAX,
            start_ticks: 0,
        };
        run.helper = None;
        std::fs::write(&path, serde_json::to_vec(&run).expect("json")).expect("write");
    }

    /// A run whose starter stored its end (`ok`), then was killed before appending it to its
    /// file: the run's folder, and the store holding it.
    fn stored_by_a_starter_then_killed(root: &Path) -> (String, Store) {
        let record = finished_run(root, RunStatus::Ok);
        let log_dir = record.log_dir.clone().expect("log dir");
        let mut store = Store::open(root).expect("store");
        store
            .record_runs_once(&mut [(record, None)])
            .expect("stored");
        starter_gone(root, &log_dir);
        (log_dir, store)
    }

    #[test]
    fn a_run_stored_by_a_starter_killed_before_writing_its_end_keeps_that_end_in_its_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let (log_dir, mut store) = stored_by_a_starter_then_killed(root);
        assert_eq!(
            backlog(root).abandoned,
            1,
            "the file holds no end and its processes are gone"
        );
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 0);
        let stored = store.run_by_log_dir(&log_dir).expect("read").expect("row");
        assert_eq!(
            stored.status,
            RunStatus::Ok,
            "the store keeps the run's end"
        );
        let records = stored_records(root);
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(
            (records[0].status, records[0].id),
            (RunStatus::Ok, stored.id),
            "the folder says what the store holds"
        );
        assert_eq!(backlog(root), Backlog::default());
    }

    /// Hostile: the stored end the folder now keeps for a guessed run goes through the same
    /// move as any record, never through a link planted as the run folder.
    #[test]
    fn a_stored_end_kept_for_a_guessed_run_never_goes_through_a_planted_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let (log_dir, mut store) = stored_by_a_starter_then_killed(root);
        let elsewhere = planted::link_to_empty_folder(&run_folder(root, &log_dir));
        // The setup ran: the run waits as abandoned, its end stored.
        assert_eq!(backlog(root).abandoned, 1);
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 0);
        assert!(
            planted::is_empty(&elsewhere),
            "run.json went through the link"
        );
        let stored = store.run_by_log_dir(&log_dir).expect("read").expect("row");
        assert_eq!(
            stored.status,
            RunStatus::Ok,
            "the store keeps the run's end"
        );
    }

    #[test]
    fn a_record_cut_short_by_a_crash_leaves_the_run_abandoned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let record = finished_run(root, RunStatus::Ok);
        let log_dir = record.log_dir.clone().expect("log dir");
        let path = marker_path(root, &log_dir);
        let mut file = std::fs::File::options()
            .append(true)
            .open(&path)
            .expect("open");
        file.write_all(b"\n{\"id\":0,\"tool\":\"t\",\"ver")
            .expect("append");
        let run = InFlight::parse(&std::fs::read(&path).expect("read")).expect("first line");
        assert!(run.finished.is_none(), "half a record is no record");
    }

    #[test]
    fn many_handed_off_runs_are_stored_in_one_transaction() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for _ in 0..5 {
            hand_off(root, &finished_run(root, RunStatus::Ok)).expect("handed off");
        }
        let mut store = Store::open(root).expect("store");
        let probe = rusqlite::Connection::open(store.path()).expect("probe");
        let commits = || {
            probe
                .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
                .expect("data_version")
        };
        let before = commits();
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 5);
        assert_eq!(commits(), before + 1, "one commit for the five runs");
        assert_eq!(store.list_runs(None, 10).expect("runs").len(), 5);
    }

    #[test]
    fn the_name_of_a_run_handed_off_before_its_folder_was_made_is_not_taken_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // Names differ by the millisecond too: many rounds make sure some share one.
        for _ in 0..200 {
            let first = finished_run(root, RunStatus::SandboxError);
            hand_off(root, &first).expect("handed off");
            let second = finished_run(root, RunStatus::Ok);
            assert_ne!(
                first.log_dir, second.log_dir,
                "a handed-off run holds its name"
            );
            hand_off(root, &second).expect("handed off");
        }
    }

    #[test]
    fn an_unreadable_handed_off_file_is_moved_aside_and_waits_no_more() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(running_dir(root)).expect("running");
        let garbage = running_dir(root).join("garbage.ended");
        std::fs::write(&garbage, b"\x00not json\n").expect("garbage");
        assert_eq!(backlog(root).handed_off, 1);
        let mut store = Store::open(root).expect("store");
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 0);
        assert_eq!(backlog(root), Backlog::default());
        assert!(
            garbage.with_extension(UNREADABLE_EXT).is_file(),
            "kept aside"
        );
    }

    #[test]
    fn a_run_handed_off_twice_is_kept_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let record = finished_run(root, RunStatus::Ok);
        hand_off(root, &record).expect("handed off");
        hand_off(root, &record).expect("handed off already");
        assert_eq!(backlog(root).handed_off, 1);
        let listed = list(root);
        assert_eq!(listed[0].finished.as_ref(), Some(&record));
    }

    #[test]
    fn a_run_whose_file_is_gone_cannot_be_handed_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        let record = RunRecord {
            log_dir: Some(".toolbench/runs/never-reserved".into()),
            ..crate::store::runs::tests::sample_run("t", "2026-11-24T00:00:00.000Z")
        };
        assert!(matches!(
            hand_off(dir.path(), &record),
            Err(KeepError::Gone(_))
        ));
    }

    /// What the running folder holds, by name.
    fn running_files(root: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(running_dir(root))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_claimed_name_leaves_one_whole_file_and_a_taken_one_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker =
            Marker::reserve(dir.path(), "t", |log_dir| sample_run(None, log_dir)).expect("written");
        let name = marker.path.file_name().expect("name").to_string_lossy();
        assert_eq!(running_files(dir.path()), [name.to_string()]);
        let parsed = InFlight::parse(&std::fs::read(&marker.path).expect("read"));
        assert_eq!(parsed.as_ref(), Some(&marker.run), "whole from the start");
        // The same name again is refused, and its temporary file goes with the refusal.
        assert!(!marker.claim(&dir.path().join("nowhere")).expect("claimed"));
        assert_eq!(running_files(dir.path()), [name.to_string()]);
    }

    #[test]
    fn leftovers_of_writers_killed_mid_write_are_removed_by_a_collection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let live = Marker::reserve(root, "t", |log_dir| {
            sample_run(ProcessId::of(std::process::id()), log_dir)
        })
        .expect("written");
        let running = running_dir(root);
        // A writer killed before its file moved into place, in this build's naming …
        let dead = format!("{}.{}-7-0.tmp", "2026-t-0", u32::MAX);
        std::fs::write(running.join(&dead), b"{\"tool\"").expect("temporary");
        // … an older build's, whose run's file is gone, and its empty run file.
        std::fs::write(running.join("2026-t-1.tmp"), b"{").expect("old temporary");
        std::fs::write(running.join("2026-t-2.json"), b"").expect("empty");
        // Ours, being written now, stays.
        let writing = live.temporary();
        std::fs::write(&writing, b"{").expect("ours");
        assert_eq!(backlog(root).leftovers, 3, "{:?}", running_files(root));
        let mut store = Store::open(root).expect("store");
        assert_eq!(close_abandoned(root, &mut store).expect("closed"), 0);
        let own = live.path.file_name().expect("name").to_string_lossy();
        let writing = writing.file_name().expect("name").to_string_lossy();
        let mut kept = vec![own.to_string(), writing.to_string()];
        kept.sort();
        assert_eq!(running_files(root), kept);
        assert_eq!(backlog(root), Backlog::default());
    }

    #[test]
    fn a_file_that_already_names_the_helper_is_not_rewritten_for_it() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut marker = Marker::reserve(dir.path(), "t", |log_dir| {
            sample_run(ProcessId::of(std::process::id()), log_dir)
        })
        .expect("written");
        let path = marker_path(dir.path(), &marker.run.log_dir);
        let inode = || std::fs::metadata(&path).expect("marker").ino();
        let first = inode();
        marker.set_helper(std::process::id());
        assert_eq!(inode(), first, "rewritten for the helper it already named");
        let parent = std::os::unix::process::parent_id();
        marker.set_helper(parent);
        assert_ne!(inode(), first, "a different helper is written");
        assert_eq!(list(dir.path())[0].helper.map(|h| h.pid), Some(parent));
    }
}
