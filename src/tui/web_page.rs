//! The review page served alongside the workbench (`[web] with_workbench`): `toolbench web` as
//! a child of the workbench, its lines told in the status bar and the message log (`@`),
//! ended with it.
//!
//! A process of its own rather than a task of the workbench's: the page then serves exactly as
//! `toolbench web` does, and its log lines never reach the screen the workbench draws.

use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tokio::sync::mpsc;

use super::app::AppEvent;

/// What the CLI's errors start with: such a line from the page is shown as an error.
const ERROR_PREFIX: &str = "toolbench: ";

/// The page's process while the workbench runs; ended when dropped.
pub(crate) struct WebPage {
    child: Child,
}

impl WebPage {
    /// Starts `toolbench --root ROOT web`, its stderr relayed to `tx` line by line. Must be
    /// called on the thread that lives as long as the workbench: the page is told to end when
    /// that thread does, even if the workbench is killed.
    pub(crate) fn start(root: &Path, tx: mpsc::Sender<AppEvent>) -> Result<Self, String> {
        let program =
            std::env::current_exe().map_err(|e| format!("cannot start the review page: {e}"))?;
        let mut command = Command::new(program);
        command
            .arg("--root")
            .arg(root)
            .arg("web")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the review page: {e}"))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        std::thread::Builder::new()
            .name("web-page-log".into())
            .spawn(move || relay(stderr, &tx))
            .map_err(|e| format!("cannot follow the review page: {e}"))?;
        Ok(WebPage { child })
    }
}

/// Each line the page writes, as a notice or (an error line) as trouble; then that it ended.
fn relay(stderr: impl std::io::Read, tx: &mpsc::Sender<AppEvent>) {
    for line in std::io::BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
    {
        let event = match line.strip_prefix(ERROR_PREFIX) {
            Some(error) => AppEvent::Trouble(format!("review page: {error}")),
            None => AppEvent::Notice(line),
        };
        if tx.blocking_send(event).is_err() {
            return;
        }
    }
    let _ = tx.blocking_send(AppEvent::Trouble(
        "review page: it stopped; restart the workbench to serve it again".into(),
    ));
}

impl Drop for WebPage {
    fn drop(&mut self) {
        // SAFETY: a plain signal to our own child, which is not reaped yet.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}
