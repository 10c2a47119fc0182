//! A service's output, kept by its helper. The service writes into pipes and the helper
//! appends what arrives to the instance's logs, which it opens itself and rotates within their
//! budget (`runner::service_log`), so the service never holds a log file: a descriptor to a file
//! can be truncated or rewritten whatever the sandbox says about paths. (A run writes into
//! pipes toolbench reads; it needs none of this.)

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};

use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use rustix::pipe::{PipeFlags, pipe_with};

use crate::model::run_output::Stream;
use crate::runner::service_log::RotatingLog;

/// The two pipes, (read end, write end) for stdout and for stderr, and the instance's folder
/// the logs go to with their budget.
pub(crate) struct OutputPipes {
    out: (OwnedFd, OwnedFd),
    err: (OwnedFd, OwnedFd),
    logs: OwnedFd,
    budget: u64,
}

impl OutputPipes {
    pub(crate) fn new(logs: OwnedFd, budget: u64) -> io::Result<Self> {
        Ok(Self {
            out: pipe_with(PipeFlags::CLOEXEC)?,
            err: pipe_with(PipeFlags::CLOEXEC)?,
            logs,
            budget,
        })
    }

    /// In the child: the write ends become its stdout and stderr; nothing else stays open,
    /// the logs' folder included.
    pub(crate) fn install_in_child(self) -> io::Result<()> {
        for (write, target) in [(&self.out.1, 1), (&self.err.1, 2)] {
            // SAFETY: dup2 onto a standard descriptor; both are valid, nothing else refers to
            // the target in this freshly forked, single-threaded child.
            if unsafe { libc::dup2(write.as_raw_fd(), target) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// In the helper: keeps the read ends and takes over the logs, where the helper's own
    /// stdout and stderr go too. The write ends close here, so the pipes end when the
    /// service's processes do.
    pub(crate) fn into_relay(self) -> io::Result<OutputRelay> {
        let Self {
            out,
            err,
            logs,
            budget,
        } = self;
        let stdout = RotatingLog::resume(logs.try_clone()?, Stream::Stdout, 1, budget)?;
        let stderr = RotatingLog::resume(logs, Stream::Stderr, 2, budget)?;
        let routes = vec![(File::from(out.0), stdout), (File::from(err.0), stderr)];
        Ok(OutputRelay { routes })
    }
}

/// The helper's side: what arrives on each pipe and the log it goes to.
pub(crate) struct OutputRelay {
    routes: Vec<(File, RotatingLog)>,
}

impl OutputRelay {
    /// Copies until every process of the service has closed its output, which is when the
    /// service has ended (pid 1 holds the pipes to the last). On the helper's one thread:
    /// a helper inside a new pid namespace cannot start threads.
    pub(crate) fn copy_until_closed(mut self) {
        let mut buf = vec![0u8; 64 * 1024];
        while !self.routes.is_empty() {
            let mut fds: Vec<PollFd<'_>> = self
                .routes
                .iter()
                .map(|(read, _)| PollFd::new(read, PollFlags::IN))
                .collect();
            if matches!(poll(&mut fds, None), Err(e) if e != Errno::INTR) {
                return;
            }
            let ready: Vec<bool> = fds.iter().map(|fd| !fd.revents().is_empty()).collect();
            drop(fds);
            let mut closed = Vec::new();
            for (i, (read, log)) in self.routes.iter_mut().enumerate() {
                if !ready[i] {
                    continue;
                }
                match read.read(&mut buf) {
                    Ok(0) => closed.push(i),
                    Ok(n) => log.write(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => closed.push(i),
                }
            }
            for i in closed.into_iter().rev() {
                self.routes.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn what_the_child_writes_arrives_through_the_pipes() {
        let folder = tempfile::tempdir().expect("tempdir");
        let logs = OwnedFd::from(File::open(folder.path()).expect("folder"));
        let pipes = OutputPipes::new(logs, 1 << 20).expect("pipes");
        let mut writer = File::from(pipes.out.1.try_clone().expect("clone"));
        let mut reader = File::from(pipes.out.0.try_clone().expect("clone"));
        writer.write_all(b"kept\n").expect("write");
        drop(writer);
        drop(pipes);
        let mut text = String::new();
        reader.read_to_string(&mut text).expect("read");
        assert_eq!(text, "kept\n");
    }
}
