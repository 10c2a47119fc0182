//! Daily copies of the store: `.toolbench/backups/state-YYYY-MM-DD.db`, made consistently
//! (`VACUUM INTO` on a read-only connection) at most once a day and only when the store
//! changed since the newest copy, the last `KEEP` kept. `toolbench doctor` starts a rebuilt
//! store from the newest copy that is whole. Never on a run's path: the CLI makes the day's
//! copy after a command that opened the store, the workbench in the background.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{STATE_FILE, Store, StoreError};

pub(crate) const BACKUP_DIR: &str = "backups";
/// Copies kept: a week of days the store changed on.
pub(crate) const KEEP: usize = 7;
const PREFIX: &str = "state-";
const SUFFIX: &str = ".db";

/// The backups of the state folder `state_dir`, newest first.
pub(crate) fn backups(state_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(state_dir.join(BACKUP_DIR)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    // The date in the name sorts as text.
    found.sort();
    found.reverse();
    found
}

/// Makes today's copy of the store in `state_dir` if none is made yet today and the store
/// changed since the newest copy; returns the copy made. A store that is not whole is never
/// copied: it would push a good copy out.
pub(crate) fn backup_if_due(state_dir: &Path) -> Result<Option<PathBuf>, StoreError> {
    backup_if_due_on(state_dir, &crate::clock::now_rfc3339())
}

fn backup_if_due_on(state_dir: &Path, now: &str) -> Result<Option<PathBuf>, StoreError> {
    let state = state_dir.join(STATE_FILE);
    let day = now.get(..10).unwrap_or(now);
    let dir = state_dir.join(BACKUP_DIR);
    let dest = dir.join(format!("{PREFIX}{day}{SUFFIX}"));
    let newest = backups(state_dir).into_iter().next();
    if newest.as_ref() == Some(&dest) {
        return Ok(None);
    }
    let Some(changed) = last_change(&state) else {
        return Ok(None);
    };
    let copied = newest
        .as_ref()
        .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    if copied.is_some_and(|copied| copied >= changed) {
        return Ok(None);
    }
    let create = |e: std::io::Error| StoreError::CreateDir {
        path: dir.clone(),
        reason: crate::io_text::io_reason(&e),
    };
    crate::workspace::private::create_dirs(&dir).map_err(create)?;
    let store = Store::open_file_reader(&state)?;
    let problems = store.quick_check()?;
    if let Some(first) = problems.first() {
        return Err(StoreError::Damaged {
            path: state,
            reason: first.clone(),
        });
    }
    let partial = dir.join(format!(".{PREFIX}{day}{SUFFIX}.partial"));
    let _ = std::fs::remove_file(&partial);
    if let Err(e) = store.copy_into(&partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &dest).map_err(create)?;
    for old in backups(state_dir).into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(old);
    }
    Ok(Some(dest))
}

/// When the store (or its write-ahead log) last changed.
fn last_change(state: &Path) -> Option<SystemTime> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut wal = state.as_os_str().to_owned();
    wal.push("-wal");
    let main = modified(state)?;
    Some(modified(Path::new(&wal)).map_or(main, |w| w.max(main)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_a_day_only_when_changed_and_seven_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state_dir = dir.path().join(".toolbench");
        drop(Store::open(dir.path()).expect("store"));
        let first = backup_if_due_on(&state_dir, "2026-11-01T10:00:00Z").expect("backup");
        assert!(first.as_ref().is_some_and(|p| p.is_file()), "{first:?}");
        // The same day: no second copy.
        assert_eq!(
            backup_if_due_on(&state_dir, "2026-11-01T18:00:00Z").expect("again"),
            None
        );
        // Another day, the store unchanged: none either.
        assert_eq!(
            backup_if_due_on(&state_dir, "2026-11-02T10:00:00Z").expect("unchanged"),
            None
        );
        let copy = Store::open_file_reader(first.as_ref().expect("copy")).expect("open copy");
        assert!(copy.quick_check().expect("check").is_empty());
        for day in 2..=12 {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let mut store = Store::open(dir.path()).expect("store");
            store
                .record_decisions(
                    &[crate::store::DecisionRecord {
                        id: 0,
                        tool: "fmt".into(),
                        action: crate::store::DecisionAction::Approve,
                        who: "ana".into(),
                        at: format!("2026-11-{day:02}T10:00:00Z"),
                        reason: None,
                        from_version: None,
                        to_version: None,
                        from_tier: None,
                        to_tier: None,
                        from_hash: None,
                        to_hash: None,
                    }],
                    &[],
                    &[],
                )
                .expect("record");
            drop(store);
            let made = backup_if_due_on(&state_dir, &format!("2026-11-{day:02}T12:00:00Z"))
                .expect("backup");
            assert!(made.is_some(), "day {day}");
        }
        let kept = backups(&state_dir);
        assert_eq!(kept.len(), KEEP);
        assert!(kept[0].ends_with("state-2026-11-12.db"), "{kept:?}");
    }
}
