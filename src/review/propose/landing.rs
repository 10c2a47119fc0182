//! A proposal's record, kept with its landing. Before the proposal's folder is renamed into
//! `experimental/`, what its row will say is written to `.toolbench/proposals/`, naming the
//! process that writes it; once the row is stored, the file goes. A server killed between the
//! rename and the row leaves the file, and the next toolbench start stores the row
//! (`recover`): the agent that proposed the tool is then told of it by
//! `toolbench_review_status` like of any other. A proposal killed before its rename leaves its
//! staging folder, which goes with the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Tier;
use crate::model::proposals::ProposalRow;
use crate::proc_stat::ProcessId;
use crate::store::{Store, StoreError};

/// What a landing's file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Intent {
    row: ProposalRow,
    /// The staging folder, a name in `experimental/`; still there, the rename never happened.
    staging: String,
    /// The process writing the proposal: while it lives, its file is its own.
    writer: ProcessId,
}

/// A proposal about to land, written down.
#[derive(Debug)]
pub(super) struct Landing {
    file: PathBuf,
}

fn folder(root: &Path) -> PathBuf {
    crate::workspace::state_dir(root).join("proposals")
}

impl Landing {
    /// Writes down `row` before the staging folder `staging` (a name in `experimental/`) is
    /// renamed into place: synced, as the rename is.
    pub(super) fn announce(root: &Path, row: &ProposalRow, staging: &str) -> std::io::Result<Self> {
        let writer = ProcessId::of(std::process::id())
            .ok_or_else(|| std::io::Error::other("cannot read this process's start time"))?;
        let intent = Intent {
            row: row.clone(),
            staging: staging.to_string(),
            writer,
        };
        let folder = folder(root);
        crate::workspace::private::create_dirs(&folder)?;
        let file = folder.join(format!("{staging}.json"));
        let temporary = file.with_extension("tmp");
        let mut written = crate::workspace::private::create(&temporary)?;
        written.write_all(&serde_json::to_vec(&intent).map_err(std::io::Error::other)?)?;
        written.sync_all()?;
        std::fs::rename(&temporary, &file)?;
        Ok(Landing { file })
    }

    /// The rename did not happen: nothing landed, nothing is owed.
    pub(super) fn withdraw(self) {
        let _ = std::fs::remove_file(&self.file);
    }

    /// Stores the row of the proposal that landed, with the request it answers, and forgets
    /// the file. A store that refuses leaves the file for the next start.
    pub(super) fn record(
        self,
        store: &mut Store,
        row: ProposalRow,
    ) -> Result<ProposalRow, StoreError> {
        let row = record_once(store, row)?;
        let _ = std::fs::remove_file(&self.file);
        Ok(row)
    }
}

/// Stores `row` unless it is stored already, with the tool request it answers.
fn record_once(store: &mut Store, mut row: ProposalRow) -> Result<ProposalRow, StoreError> {
    if !store.has_proposal(&row)? {
        row.request_id =
            crate::review::requests::answered_by_proposal(store, &row.tool, &row.client)?;
        store.record_proposal(&row)?;
    }
    Ok(row)
}

/// What every toolbench front end does as it starts: the proposals whose writer died between
/// their landing and their row get their row; those that never landed leave nothing. Returns
/// the rows stored. Front ends take its two halves apart (`Workbench::open`): the sweep of
/// `forget_unannounced` may wait for the workbench's first frame.
#[cfg(test)]
fn recover(root: &Path, store: &mut Store) -> Result<Vec<ProposalRow>, StoreError> {
    let recorded = recover_landings(root, store)?;
    forget_unannounced(root);
    Ok(recorded)
}

/// `recover`'s landings alone: the rows stored, the files of proposals that never landed
/// gone; the staging folders no file names are left to `forget_unannounced`.
pub(crate) fn recover_landings(
    root: &Path,
    store: &mut Store,
) -> Result<Vec<ProposalRow>, StoreError> {
    let Ok(entries) = std::fs::read_dir(folder(root)) else {
        return Ok(Vec::new());
    };
    let mut recorded = Vec::new();
    for file in entries.flatten().map(|e| e.path()) {
        if file.extension().is_some_and(|x| x == "tmp") {
            forget_unfinished(root, &file);
            continue;
        }
        if file.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Some(intent) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Intent>(&bytes).ok())
        else {
            continue;
        };
        if intent.writer.is_alive() {
            continue;
        }
        if !remove_staging(root, &intent.staging) {
            let stored = store.has_proposal(&intent.row)?;
            let row = record_once(store, intent.row)?;
            if !stored {
                recorded.push(row);
            }
        }
        let _ = std::fs::remove_file(&file);
    }
    Ok(recorded)
}

/// Removes the staging folder named `staging` in `experimental/` (only ever a staging folder's
/// name, never a path elsewhere); false when there is none, i.e. the proposal landed.
fn remove_staging(root: &Path, staging: &str) -> bool {
    let is_staging = staging.starts_with(".proposal-") && !staging.contains('/');
    let folder = root.join(Tier::Experimental.dir_name()).join(staging);
    if is_staging && std::fs::symlink_metadata(&folder).is_ok() {
        let _ = std::fs::remove_dir_all(&folder);
        return true;
    }
    false
}

/// A landing's file that was never renamed into place: its writer was killed while writing
/// it, before the staging folder's rename, so nothing landed. Once that writer (the pid in
/// the staging folder's name, `.proposal-NAME-PID-NANOS`) is gone, the file and the staging
/// folder go; while a process of that pid lives, it may be writing it now.
fn forget_unfinished(root: &Path, file: &Path) {
    let Some(staging) = file.file_stem().and_then(|s| s.to_str()) else {
        return;
    };
    if writer_may_live(staging) {
        return;
    }
    remove_staging(root, staging);
    let _ = std::fs::remove_file(file);
}

/// Staging folders whose writer was killed before it wrote its landing's file: nothing of
/// them landed or was announced, so they go once their writer is gone. Lists all of
/// `experimental/` (4,500 folders in a 10,000-tool workspace), so the workbench does it after
/// its first frame (`Opening::Workbench`): nothing shown or decided reads a staging folder,
/// as the scan and the watch pass over every name that starts with a dot.
pub(crate) fn forget_unannounced(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root.join(Tier::Experimental.dir_name())) else {
        return;
    };
    for name in entries.flatten().map(|e| e.file_name()) {
        if let Some(staging) = name.to_str()
            && staging.starts_with(".proposal-")
            && !writer_may_live(staging)
        {
            remove_staging(root, staging);
        }
    }
}

/// Whether a process has the pid in the staging folder's name (`.proposal-NAME-PID-NANOS`):
/// it may be the writer, still at work. A name without one is never a writer's.
fn writer_may_live(staging: &str) -> bool {
    staging
        .rsplit('-')
        .nth(1)
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| ProcessId::of(pid).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str) -> ProposalRow {
        ProposalRow {
            tool: "greet".into(),
            version: "1.0.0".into(),
            path: path.into(),
            client: "agent".into(),
            proposed_at: "2026-11-25T10:00:00.000Z".into(),
            request_id: None,
        }
    }

    /// The file a proposing process killed after `Landing::announce` leaves.
    fn left_by_a_dead_writer(root: &Path, row: &ProposalRow, staging: &str) -> PathBuf {
        let landing = Landing::announce(root, row, staging).expect("announced");
        let mut intent: Intent =
            serde_json::from_slice(&std::fs::read(&landing.file).expect("read")).expect("parse");
        intent.writer = ProcessId {
            pid: u32::MAX,
            start_ticks: 0,
        };
        std::fs::write(&landing.file, serde_json::to_vec(&intent).expect("json")).expect("write");
        landing.file
    }

    #[test]
    fn a_proposal_that_landed_as_its_writer_died_gets_its_row_at_the_next_start_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let landed = row("experimental/greet");
        std::fs::create_dir_all(dir.path().join("experimental/greet")).expect("landed");
        let file = left_by_a_dead_writer(dir.path(), &landed, ".proposal-greet-1-2");
        assert_eq!(
            recover(dir.path(), &mut store).expect("recovered"),
            std::slice::from_ref(&landed)
        );
        assert!(!file.exists());
        assert_eq!(store.proposals_of("agent", None).expect("rows"), [landed]);
        assert!(recover(dir.path(), &mut store).expect("again").is_empty());
    }

    #[test]
    fn a_proposal_that_never_landed_leaves_no_row_and_no_staging_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let staging = dir.path().join("experimental/.proposal-greet-1-2");
        std::fs::create_dir_all(&staging).expect("staging");
        std::fs::write(staging.join("run.sh"), "echo half\n").expect("half written");
        let file = left_by_a_dead_writer(
            dir.path(),
            &row("experimental/greet"),
            ".proposal-greet-1-2",
        );
        assert!(
            recover(dir.path(), &mut store)
                .expect("recovered")
                .is_empty()
        );
        assert!(!file.exists() && !staging.exists());
        assert!(store.proposals_of("agent", None).expect("rows").is_empty());
    }

    /// A writer killed while writing its landing's file leaves it half written under its
    /// temporary name, and its staging folder: both go once no process has its pid.
    /// A staging folder named for the writer `pid`, and its landing's file under its temporary
    /// name holding `written`.
    fn unfinished_landing(root: &Path, pid: u32, written: &str) -> (PathBuf, PathBuf) {
        let staging_name = format!(".proposal-greet-{pid}-2");
        let staging = root.join("experimental").join(&staging_name);
        std::fs::create_dir_all(&staging).expect("staging");
        crate::workspace::private::create_dirs(&folder(root)).expect("folder");
        let file = folder(root).join(format!("{staging_name}.tmp"));
        std::fs::write(&file, written).expect("written");
        (staging, file)
    }

    #[test]
    fn a_landing_file_half_written_by_a_dead_writer_goes_with_its_staging_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        // Above the kernel's pid limit: no process has this pid.
        let (staging, file) =
            unfinished_landing(dir.path(), 4_294_967_294, "{\"row\": {\"tool\": \"gr");
        assert!(
            recover(dir.path(), &mut store)
                .expect("recovered")
                .is_empty()
        );
        assert!(!file.exists() && !staging.exists());
        assert!(store.proposals_of("agent", None).expect("rows").is_empty());
    }

    /// A writer killed before it wrote its landing's file leaves only its staging folder.
    #[test]
    fn a_staging_folder_of_a_dead_writer_never_announced_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let dead = dir.path().join("experimental/.proposal-greet-4294967294-2");
        let live = dir.path().join(format!(
            "experimental/.proposal-greet-{}-3",
            std::process::id()
        ));
        for staging in [&dead, &live] {
            std::fs::create_dir_all(staging).expect("staging");
            std::fs::write(staging.join("run.sh"), "echo half\n").expect("half written");
        }
        recover(dir.path(), &mut store).expect("recovered");
        assert!(!dead.exists(), "the dead writer's staging folder stayed");
        assert!(live.exists(), "a live writer's staging folder was removed");
    }

    #[test]
    fn a_landing_file_being_written_by_a_live_writer_is_left_to_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let (staging, file) = unfinished_landing(dir.path(), std::process::id(), "{");
        recover(dir.path(), &mut store).expect("recovered");
        assert!(file.exists() && staging.exists());
    }

    #[test]
    fn a_landing_whose_writer_lives_is_left_to_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let landing = Landing::announce(dir.path(), &row("experimental/greet"), ".proposal-x")
            .expect("announced");
        assert!(
            recover(dir.path(), &mut store)
                .expect("recovered")
                .is_empty()
        );
        assert!(
            landing.file.exists(),
            "its writer, this process, is still at it"
        );
        let landed = landing
            .record(&mut store, row("experimental/greet"))
            .expect("recorded");
        assert_eq!(store.proposals_of("agent", None).expect("rows"), [landed]);
        assert!(
            std::fs::read_dir(folder(dir.path()))
                .expect("dir")
                .next()
                .is_none()
        );
    }
}
