//! One decision per tool at a time, across processes: an exclusive `flock` on
//! `<root>/.toolbench/locks/<name>.lock`, held for the whole decision.
//!
//! The kernel drops the lock when the holder exits, crashed or not, so a lock is never stale.
//! The file holds the holder's pid, only to name it in the error.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{FlockOperation, flock};

use super::ReviewError;
use crate::catalog::manifest::is_valid_name;
use crate::workspace::state_dir;

/// An exclusive lock on one tool name; released on drop.
#[derive(Debug)]
pub struct ToolLock {
    _file: File,
    name: String,
}

impl ToolLock {
    /// Takes the lock, or says which process holds it.
    pub fn acquire(root: &Path, name: &str) -> Result<ToolLock, ReviewError> {
        Self::try_acquire(root, name)?.map_or_else(
            |(pid, _)| {
                Err(ReviewError::Locked {
                    tool: name.to_string(),
                    pid,
                })
            },
            Ok,
        )
    }

    /// Takes the lock, waiting up to `patience` for its holder to let go: for work that is
    /// short and would rather wait than fail (a proposal behind another of the same name).
    pub(crate) fn acquire_within(
        root: &Path,
        name: &str,
        patience: Duration,
    ) -> Result<ToolLock, ReviewError> {
        let deadline = Instant::now() + patience;
        loop {
            match Self::try_acquire(root, name)? {
                Ok(lock) => return Ok(lock),
                Err((pid, _)) if Instant::now() >= deadline => {
                    return Err(ReviewError::Locked {
                        tool: name.to_string(),
                        pid,
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Takes the lock if it is free; otherwise the holder's pid (as text, "unknown" when it
    /// has not written it yet).
    pub(crate) fn try_acquire(
        root: &Path,
        name: &str,
    ) -> Result<Result<ToolLock, (String, PathBuf)>, ReviewError> {
        let dir = state_dir(root).join("locks");
        crate::workspace::private::create_dirs(&dir).map_err(|e| ReviewError::io(&dir, &e))?;
        let path = dir.join(format!("{}.lock", lock_file_stem(name)));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(crate::workspace::private::FILE_MODE)
            .open(&path)
            .map_err(|e| ReviewError::io(&path, &e))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let pid = text.trim();
                let pid = if pid.is_empty() { "unknown" } else { pid };
                return Ok(Err((pid.to_string(), path)));
            }
            Err(e) => {
                return Err(ReviewError::io(&path, &std::io::Error::from(e)));
            }
        }
        // Only the holder writes, so the pid shown to a loser is always the holder's.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()));
        written.map_err(|e| ReviewError::io(&path, &e))?;
        Ok(Ok(ToolLock {
            _file: file,
            name: name.to_string(),
        }))
    }

    /// The tool name this lock is for.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

/// Tool names are safe file names; anything else (a broken tool's folder name) is hashed.
fn lock_file_stem(name: &str) -> String {
    if is_valid_name(name) {
        name.to_string()
    } else {
        let hash = blake3::hash(name.as_bytes()).to_hex();
        format!("_{}", &hash.as_str()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_a_tool_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = ToolLock::acquire(dir.path(), "csv_to_json").expect("first");
        let err = ToolLock::acquire(dir.path(), "csv_to_json")
            .expect_err("second")
            .to_string();
        assert_eq!(
            err,
            format!(
                "csv_to_json is being changed by another toolbench process (pid {}); try again",
                std::process::id()
            )
        );
        ToolLock::acquire(dir.path(), "slugify").expect("other tools are free");
        drop(held);
        ToolLock::acquire(dir.path(), "csv_to_json").expect("released on drop");
        ToolLock::acquire(dir.path(), "odd name/..").expect("odd names get a hashed file");
    }

    #[test]
    fn a_patient_taker_gets_the_lock_once_its_holder_lets_go_and_gives_up_at_its_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = ToolLock::acquire(dir.path(), "greet").expect("first");
        let err = ToolLock::acquire_within(dir.path(), "greet", Duration::from_millis(50))
            .expect_err("held throughout");
        assert!(matches!(err, ReviewError::Locked { .. }), "{err}");
        let holder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
        });
        let started = Instant::now();
        ToolLock::acquire_within(dir.path(), "greet", Duration::from_secs(10))
            .expect("taken once released");
        assert!(started.elapsed() >= Duration::from_millis(150));
        holder.join().expect("holder");
    }
}
