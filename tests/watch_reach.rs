//! What the real binary's workspace watch reaches: the tier folders that hold tools, and
//! nothing a tool's content points at or that lies beside them. Counted from the outside, in
//! the server's own `/proc` entries.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{minimal_manifest, toolbench_command, write_tool};

/// The inotify watches the process `pid` holds.
fn inotify_watches(pid: u32) -> usize {
    let proc = Path::new("/proc").join(pid.to_string());
    let mut watches = 0;
    for fd in std::fs::read_dir(proc.join("fd"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let is_inotify = std::fs::read_link(fd.path())
            .is_ok_and(|target| target.as_os_str() == "anon_inode:inotify");
        if is_inotify {
            let info = std::fs::read_to_string(proc.join("fdinfo").join(fd.file_name()))
                .unwrap_or_default();
            watches += info
                .lines()
                .filter(|l| l.starts_with("inotify wd:"))
                .count();
        }
    }
    watches
}

/// `count` folders, in rows of ten, under `at`.
fn make_folders(at: &Path, count: usize) {
    for i in 0..count {
        std::fs::create_dir_all(at.join(format!("row{}/f{i}", i / 10))).expect("folder");
    }
}

/// The folders under `dir`, itself included, not following symlinks.
fn folders_in(dir: &Path) -> usize {
    1 + std::fs::read_dir(dir)
        .expect("list")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| folders_in(&e.path()))
        .sum::<usize>()
}

#[test]
fn a_tools_symlinks_and_the_folders_beside_the_tiers_are_never_watched() {
    let ws = tempfile::tempdir().expect("workspace");
    let config = tempfile::tempdir().expect("config");
    let root = ws.path();
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(root.join(tier)).expect("tier");
    }
    let tool = write_tool(
        root,
        "experimental",
        "pointer",
        &minimal_manifest("pointer"),
    );
    // A tool pointing at a large folder elsewhere (as it could at `/` or a home folder).
    let elsewhere = tempfile::tempdir().expect("a folder outside the workspace");
    make_folders(elsewhere.path(), 2000);
    std::os::unix::fs::symlink(elsewhere.path(), tool.join("everything")).expect("symlink");
    // A project's folders beside the tiers hold no tools.
    make_folders(&root.join("node_modules"), 500);
    let tier_folders: usize = ["core", "approved", "experimental", "archived"]
        .iter()
        .map(|tier| folders_in(&root.join(tier)))
        .sum();

    let mut server = toolbench_command(root, config.path(), &["mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("toolbench mcp");
    // Set up once the count holds still for a second (the first scan and its seals first).
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut last, mut still_since) = (usize::MAX, Instant::now());
    while Instant::now() < deadline {
        let now = inotify_watches(server.id());
        if now != last {
            (last, still_since) = (now, Instant::now());
        } else if now > 0 && still_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();

    assert!(last > 0 && last != usize::MAX, "the server never watched");
    // The tiers' folders and the root: not the 2,000 behind the symlink nor the 501 beside.
    assert!(
        last <= tier_folders + 1,
        "{last} watches for {tier_folders} tier folders"
    );
}

/// `sh -c SCRIPT BIN ROOT` in a user namespace of its own where this user may hold `limit`
/// inotify watches (the kernel counts them per user namespace), or `None` where no user
/// namespace can be made.
fn with_few_watches(limit: usize, root: &Path, args: &str) -> Option<std::process::Command> {
    if !common::user_namespaces_work() {
        return None;
    }
    let mut command = std::process::Command::new("unshare");
    command
        .args(["-U", "-r", "sh", "-c"])
        .arg(format!(
            "echo {limit} > /proc/sys/user/max_inotify_watches && exec \"$0\" --root \"$1\" {args}"
        ))
        .arg(common::bin())
        .arg(root);
    Some(command)
}

#[test]
fn with_the_watches_spent_the_server_still_serves_and_says_which_setting_to_raise() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("config");
    let Some(mut command) = with_few_watches(10, ws.path(), "mcp") else {
        return;
    };
    let mut server = command
        .envs(common::user_dirs(config.path()))
        .env_remove("TOOLBENCH_ROOT")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("toolbench mcp");
    let rx = common::lines_of(server.stderr.take().expect("stderr"));
    // Among the server's lines (the first contact's too).
    let said = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok())
        .find(|line| line.contains("inotify"))
        .expect("the server says why it polls");
    std::thread::sleep(Duration::from_millis(500));
    let serving = server.try_wait().expect("wait").is_none();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        said,
        "toolbench mcp: the system's inotify watches ran out (fs.inotify.max_user_watches): \
         the tool folders are looked at every 2 s instead of watched; raise \
         fs.inotify.max_user_watches to see changes at once"
    );
    assert!(serving, "the server ended");
}
