//! One doctor at a time per workspace: an exclusive lock on `.toolbench/doctor.lock`, held
//! for the whole repair and let go by the kernel when the process ends, however it ends. A
//! second doctor is refused at once, naming the first one's pid.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "doctor.lock";

#[derive(Debug)]
pub(crate) struct DoctorLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    #[error(
        "another toolbench doctor{} is repairing this workspace ({path}); wait for it to end, \
         then run toolbench doctor again",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Held { path: PathBuf, pid: Option<u32> },
    #[error("{path}: cannot take the doctor's lock: {reason}")]
    Io { path: PathBuf, reason: String },
}

impl DoctorLock {
    /// Takes the lock of the state folder `state_dir`, or says who holds it.
    pub(crate) fn take(state_dir: &Path) -> Result<Self, LockError> {
        let path = state_dir.join(LOCK_FILE);
        let io = |e: std::io::Error| LockError::Io {
            path: path.clone(),
            reason: crate::io_text::io_reason(&e),
        };
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(crate::workspace::private::FILE_MODE)
            .open(&path)
            .map_err(io)?;
        let op = rustix::fs::FlockOperation::NonBlockingLockExclusive;
        match rustix::fs::flock(&file, op) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    path: path.clone(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(e) => return Err(io(e.into())),
        }
        // Who holds it, for the next doctor's message.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_doctor_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DoctorLock::take(dir.path()).expect("first");
        let second = DoctorLock::take(dir.path()).expect_err("second");
        assert!(
            second
                .to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{second}"
        );
        drop(first);
        assert!(DoctorLock::take(dir.path()).is_ok());
    }
}
