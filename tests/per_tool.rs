//! A command on one tool reads that tool's folders, not the workspace's (issue 36): proven
//! with inotify watches on every other tool folder, which record each folder the command
//! opens or reads. A full scan opens every one of them; a lookup opens none.

mod common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use common::*;
use toolbench::store::Store;

/// Tool folders the command on `good` has no business reading, in every tier.
const DECOYS_PER_TIER: usize = 5;

/// A never-opened workspace (no `.toolbench/`): `good` in its usual folder `approved/good`,
/// `renamed` in a folder named otherwise, and decoys in every tier.
fn workspace() -> (tempfile::TempDir, Vec<PathBuf>) {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    write_tool(root, "approved", "good", &minimal_manifest("good"));
    write_tool(
        root,
        "experimental",
        "not-its-name",
        &minimal_manifest("renamed"),
    );
    let mut decoys = Vec::new();
    for tier in ["core", "approved", "experimental", "archived"] {
        for i in 0..DECOYS_PER_TIER {
            let name = format!("{tier}_decoy_{i}");
            decoys.push(write_tool(root, tier, &name, &minimal_manifest(&name)));
        }
    }
    assert!(!root.join(".toolbench").exists());
    (ws, decoys)
}

/// An inotify instance watching `folders` for opens and reads of themselves or of the files
/// directly in them (a scan lists a tool folder and reads its `tool.toml`).
struct Reads {
    fd: i32,
    watched: Vec<(i32, PathBuf)>,
}

impl Reads {
    fn watch(folders: &[PathBuf]) -> Self {
        // SAFETY: plain syscalls on a descriptor this struct owns; paths are NUL-terminated.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        assert!(fd >= 0, "inotify_init1");
        let watched = folders
            .iter()
            .map(|folder| {
                let path = CString::new(folder.as_os_str().as_bytes()).expect("path");
                let wd = unsafe {
                    libc::inotify_add_watch(fd, path.as_ptr(), libc::IN_OPEN | libc::IN_ACCESS)
                };
                assert!(wd >= 0, "inotify_add_watch {}", folder.display());
                (wd, folder.clone())
            })
            .collect();
        Reads { fd, watched }
    }

    /// The watched folders something opened or read since the watch began.
    fn touched(&self) -> Vec<PathBuf> {
        let mut buffer = [0u8; 64 * 1024];
        let mut touched = Vec::new();
        loop {
            // SAFETY: reads into a buffer of the length given.
            let n = unsafe { libc::read(self.fd, buffer.as_mut_ptr().cast(), buffer.len()) };
            if n <= 0 {
                break;
            }
            let mut at = 0;
            while at < n as usize {
                // SAFETY: the kernel writes whole `inotify_event`s, each followed by `len`
                // bytes of name; read_unaligned copes with the buffer's alignment.
                let event: libc::inotify_event =
                    unsafe { std::ptr::read_unaligned(buffer.as_ptr().add(at).cast()) };
                if let Some((_, folder)) = self.watched.iter().find(|(wd, _)| *wd == event.wd)
                    && !touched.contains(folder)
                {
                    touched.push(folder.clone());
                }
                at += std::mem::size_of::<libc::inotify_event>() + event.len as usize;
            }
        }
        touched
    }
}

impl Drop for Reads {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and closed once.
        unsafe { libc::close(self.fd) };
    }
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn shown(root: &Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&ok(root, &["show", name, "--json"])).expect("show JSON")
}

#[test]
fn show_in_a_never_opened_workspace_reads_only_the_tools_folder() {
    let (ws, decoys) = workspace();
    let root = ws.path();
    let reads = Reads::watch(&decoys);
    let good = shown(root, "good");
    assert_eq!(good["name"], "good");
    assert_eq!(good["tier"], "approved");
    assert_eq!(
        reads.touched(),
        Vec::<PathBuf>::new(),
        "read for `show good`"
    );
    assert!(
        !root.join(".toolbench").exists(),
        "a command that only reads leaves a never-opened workspace without a store"
    );
}

#[test]
fn list_leaves_the_index_that_the_next_command_on_one_tool_reads() {
    let (ws, decoys) = workspace();
    let root = ws.path();
    ok(root, &["list"]);
    let indexed = Store::open(root)
        .expect("list left a store")
        .index_named("renamed")
        .expect("rows");
    assert_eq!(indexed.len(), 1, "{indexed:?}");
    assert!(indexed[0].path.ends_with("experimental/not-its-name"));

    // Only the index knows where `renamed` is: without it, the answer takes a full scan.
    let reads = Reads::watch(&decoys);
    let renamed = shown(root, "renamed");
    assert_eq!(renamed["content_hash"], indexed[0].content_hash.as_str());
    assert_eq!(
        reads.touched(),
        Vec::<PathBuf>::new(),
        "read for `show renamed`"
    );
}

#[test]
fn a_name_the_usual_folders_do_not_hold_is_still_found_by_a_scan() {
    let (ws, _decoys) = workspace();
    let root = ws.path();
    let renamed = shown(root, "renamed");
    assert!(
        renamed["path"]
            .as_str()
            .unwrap_or_default()
            .ends_with("experimental/not-its-name"),
        "{renamed}"
    );
    let out = toolbench(root, &["show", "nobody"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
