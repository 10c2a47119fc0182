//! A watcher that hands on changes only. The kernel also tells of reads (inotify's `IN_OPEN`,
//! which notify 8 always asks for), and toolbench reads every tool it watches: a first scan of
//! 10,000 tools opens tens of thousands of folders and files. Dropped here, on the watch's own
//! thread, those reads never queue in the debouncer (about 10 MiB of a first scan's peak), and
//! never wake a looker at a folder that its own looks open.

use std::path::Path;

use notify::event::{AccessKind, AccessMode};
use notify::{Config, Event, EventHandler, EventKind, PathsMut, RecursiveMode, WatcherKind};

/// `W`, with every read it tells dropped before its handler hears of it.
pub(crate) struct ChangesOnly<W>(W);

/// Whether `event` tells of a read (a file or folder opened, read, or closed unwritten)
/// rather than a change. A file closed after writing is a change, and errors are always
/// handed on.
fn is_read(event: &notify::Result<Event>) -> bool {
    let written = AccessKind::Close(AccessMode::Write);
    event
        .as_ref()
        .is_ok_and(|event| matches!(event.kind, EventKind::Access(kind) if kind != written))
}

impl<W: notify::Watcher> notify::Watcher for ChangesOnly<W> {
    fn new<F: EventHandler>(mut handler: F, config: Config) -> notify::Result<Self> {
        let changes = move |event: notify::Result<Event>| {
            if !is_read(&event) {
                handler.handle_event(event);
            }
        };
        W::new(changes, config).map(Self)
    }

    fn watch(&mut self, path: &Path, recursive_mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, recursive_mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn paths_mut<'me>(&'me mut self) -> Box<dyn PathsMut + 'me> {
        self.0.paths_mut()
    }

    fn configure(&mut self, option: Config) -> notify::Result<bool> {
        self.0.configure(option)
    }

    fn kind() -> WatcherKind {
        W::kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::Watcher;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Opens and reads a watched file, then writes one: only the write is told, its close
    /// after writing included.
    #[test]
    fn a_read_is_not_told_and_a_write_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("tool.toml");
        std::fs::write(&file, "name = 'x'\n").expect("write");
        let (tx, rx) = mpsc::channel();
        let mut watcher =
            ChangesOnly::<notify::RecommendedWatcher>::new(tx, Config::default()).expect("watcher");
        watcher
            .watch(dir.path(), RecursiveMode::Recursive)
            .expect("watch");
        for _ in 0..3 {
            std::fs::read(&file).expect("read");
            std::fs::read_dir(dir.path()).expect("list").for_each(drop);
        }
        std::fs::write(dir.path().join("run.sh"), "#!/bin/sh\n").expect("write");
        let first = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the write is told")
            .expect("no error");
        let mut told = vec![first.kind];
        while let Ok(event) = rx.recv_timeout(Duration::from_millis(200)) {
            told.push(event.expect("no error").kind);
        }
        let closed_written = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(
            told.contains(&closed_written),
            "the write's close: {told:?}"
        );
        for kind in &told {
            assert!(
                !kind.is_access() || *kind == closed_written,
                "a read was told: {told:?}"
            );
        }
    }

    #[test]
    fn without_it_the_kernel_tells_of_reads() {
        // The premise: were notify ever to stop asking for reads, this wrapper could go.
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("tool.toml");
        std::fs::write(&file, "name = 'x'\n").expect("write");
        let (tx, rx) = mpsc::channel();
        let mut watcher = notify::RecommendedWatcher::new(tx, Config::default()).expect("watcher");
        watcher
            .watch(dir.path(), RecursiveMode::Recursive)
            .expect("watch");
        std::fs::read(&file).expect("read");
        let told = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("told")
            .expect("no error");
        assert!(is_read(&Ok(told.clone())), "told: {told:?}");
    }
}
