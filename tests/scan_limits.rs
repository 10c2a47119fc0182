//! What a tool folder can hold without slowing or blocking the scan: sizes and file counts
//! over the `[catalog]` limits, deep nesting, FIFOs, sockets, links to devices and files that
//! grow while they are hashed. Every command runs the real binary with a deadline.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{accept, bin, minimal_manifest, write_tool};

/// Far above what a scan of a few tools takes, far below a hash of 4 GiB in a debug build.
const DEADLINE: Duration = Duration::from_secs(20);

/// Runs toolbench on `root`, killing it and failing the test if it outlives `DEADLINE`.
fn bounded(root: &Path, args: &[&str]) -> Output {
    let config = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempfile().expect("stdout file");
    let err = tempfile::tempfile().expect("stderr file");
    let mut child = Command::new(bin())
        .arg("--root")
        .arg(root)
        .args(args)
        .envs(common::user_dirs(config.path()))
        .env_remove("TOOLBENCH_ROOT")
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("clone"))
        .stderr(err.try_clone().expect("clone"))
        .spawn()
        .expect("spawn toolbench");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("toolbench {args:?} did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |mut file: std::fs::File| {
        use std::io::{Read, Seek};
        let mut bytes = Vec::new();
        file.rewind().expect("rewind");
        file.read_to_end(&mut bytes).expect("read");
        bytes
    };
    Output {
        status,
        stdout: read(out),
        stderr: read(err),
    }
}

fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench::workspace::init_workspace(ws.path()).expect("init");
    write_tool(ws.path(), "core", "fine", &minimal_manifest("fine"));
    accept(ws.path());
    ws
}

/// `list --json`, which must succeed: the entry of `name`.
fn listed(root: &Path, name: &str) -> serde_json::Value {
    let out = bounded(root, &["list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tools: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        tools.iter().any(|t| t["name"] == "fine"),
        "others still listed"
    );
    tools
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed"))
}

fn error_of(tool: &serde_json::Value) -> String {
    tool["error"].as_str().unwrap_or_default().to_string()
}

/// approve, run and validate each fail with one line naming the action and the limit.
fn assert_refused(root: &Path, name: &str, reason: &str) {
    for (action, args) in [
        ("approve", vec!["approve", name]),
        ("run", vec!["run", name, "--yes"]),
        ("validate", vec!["validate", name]),
    ] {
        let out = bounded(root, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{action} succeeded");
        let expected = format!("cannot {action} {name}: experimental/{name}: {reason}");
        assert!(stderr.contains(&expected), "{action}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{action}: {stderr}");
    }
}

#[test]
fn a_4_gib_sparse_file_puts_its_folder_over_the_size_limit() {
    let ws = workspace();
    let folder = write_tool(ws.path(), "experimental", "x", &minimal_manifest("x"));
    let file = std::fs::File::create(folder.join("model.bin")).expect("create");
    file.set_len(4 << 30).expect("sparse 4 GiB");
    let error = error_of(&listed(ws.path(), "x"));
    assert!(
        error.starts_with("experimental/x: tool folder is at least 4")
            && error.ends_with(" GiB, over the 64 MiB limit"),
        "{error}"
    );
    assert_refused(ws.path(), "x", "tool folder is at least 4");
}

#[test]
fn fifty_thousand_small_files_put_a_folder_over_the_file_limit() {
    let ws = workspace();
    let folder = write_tool(ws.path(), "experimental", "many", &minimal_manifest("many"));
    for batch in 0..50 {
        let dir = folder.join(format!("d{batch}"));
        std::fs::create_dir(&dir).expect("mkdir");
        for i in 0..1000 {
            std::fs::write(dir.join(i.to_string()), "x").expect("write");
        }
    }
    let error = error_of(&listed(ws.path(), "many"));
    assert_eq!(
        error,
        "experimental/many: tool folder holds more than 10000 files, over the 10000 file limit"
    );
    assert_refused(ws.path(), "many", "tool folder holds more than 10000 files");
}

#[test]
fn the_workspace_config_sets_the_limits() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("toolbench.toml"),
        "[catalog]\nmax_tool_mb = 1\n",
    )
    .expect("write config");
    let folder = write_tool(ws.path(), "experimental", "x", &minimal_manifest("x"));
    std::fs::write(folder.join("data"), vec![b'x'; 2 << 20]).expect("write");
    let error = error_of(&listed(ws.path(), "x"));
    assert!(error.ends_with("over the 1 MiB limit"), "{error}");

    std::fs::write(
        ws.path().join("toolbench.toml"),
        "[catalog]\nmax_tool_mb = 0\n",
    )
    .expect("write config");
    let out = bounded(ws.path(), &["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "toolbench.toml:2: field `catalog.max_tool_mb`: expected a whole number from 1 to \
             1048576, found 0"
        ),
        "{stderr}"
    );
}

#[test]
fn a_directory_nested_200_deep_is_scanned() {
    let ws = workspace();
    let folder = write_tool(ws.path(), "experimental", "deep", &minimal_manifest("deep"));
    let mut dir = folder.clone();
    for _ in 0..200 {
        dir = dir.join("d");
    }
    std::fs::create_dir_all(&dir).expect("mkdir 200 deep");
    std::fs::write(dir.join("leaf.txt"), "bottom\n").expect("write");
    let tool = listed(ws.path(), "deep");
    assert_eq!(tool["error"], serde_json::Value::Null, "{tool}");
}

#[test]
fn a_fifo_a_socket_and_a_link_to_dev_zero_do_not_block_the_scan() {
    let ws = workspace();
    let folder = write_tool(ws.path(), "experimental", "odd", &minimal_manifest("odd"));
    let fifo =
        std::ffi::CString::new(folder.join("fifo").as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    let _socket = std::os::unix::net::UnixListener::bind(folder.join("sock")).expect("bind");
    std::os::unix::fs::symlink("/dev/zero", folder.join("zero")).expect("symlink");
    let tool = listed(ws.path(), "odd");
    // Listed and hashed; the link leading out is the links check's to judge, not the scan's.
    assert_eq!(tool["name"], "odd", "{tool}");
    let again = listed(ws.path(), "odd");
    assert_eq!(tool, again, "the same folder lists the same way");
}

#[test]
fn a_file_growing_while_it_is_hashed_does_not_hang_the_scan() {
    let ws = workspace();
    let folder = write_tool(ws.path(), "experimental", "grow", &minimal_manifest("grow"));
    std::fs::write(folder.join("log"), vec![b'x'; 1 << 20]).expect("write");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let path = folder.join("log");
        std::thread::spawn(move || {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .expect("open");
            let chunk = vec![b'y'; 16 << 10];
            // About 16 MiB/s, capped well under the size limit.
            let mut written = 0usize;
            while !stop.load(Ordering::Relaxed) && written < (48 << 20) {
                file.write_all(&chunk).expect("append");
                written += chunk.len();
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    for _ in 0..3 {
        let tool = listed(ws.path(), "grow");
        assert_eq!(tool["name"], "grow", "{tool}");
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer");
}
