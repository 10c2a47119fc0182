//! A desktop notification for what waits for a person: freedesktop notifications through
//! `notify-send`, only where a session bus exists; silent without one or without the program.

use std::process::{Command, Stdio};

/// Shows `line` as a notification, off the event loop (the bus may be slow to answer).
pub(crate) fn notify(line: String) {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return;
    }
    tokio::task::spawn_blocking(move || {
        // Arguments, not a shell: the line may hold an agent's words.
        let _ = Command::new("notify-send")
            .args(["--app-name=toolbench", "toolbench", &line])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    });
}
