//! No store lock is held across a process spawn or a copy: while an approve's git commit
//! (`[git] auto_commit`) is in progress, another toolbench process, and another thread of the
//! approving process, read the store and get their answer, the decision already in it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{sample_workspace, stderr, stdout, toolbench_command, validate};
use toolbench::model::ToolId;
use toolbench::model::review_command::ReviewCommand;
use toolbench::workbench::Workbench;

/// How long anything here may wait before the test gives up instead of hanging.
const PATIENCE: Duration = Duration::from_secs(20);

fn append(path: &Path, text: &str) {
    let mut current = std::fs::read_to_string(path).unwrap_or_default();
    current.push_str(text);
    std::fs::write(path, current).expect("write");
}

/// The PATH this test process started with: the other test of this file sets its own PATH on
/// the process, so each reads this one, taken before that.
fn original_path() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| std::env::var("PATH").unwrap_or_default())
}

fn real_git() -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", "command -v git"])
        .env("PATH", original_path())
        .output()
        .expect("sh");
    assert!(out.status.success(), "git is needed for this test");
    PathBuf::from(stdout(&out).trim())
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new(real_git())
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// A `git` that passes everything to the real one, except that a commit (the verb anywhere
/// among its words, after the settings toolbench gives every git) first leaves `marker` and
/// then waits (at most `PATIENCE`) for `release` to appear.
fn blocking_git(bin: &Path, marker: &Path, release: &Path) {
    std::fs::create_dir_all(bin).expect("mkdir");
    let script = format!(
        "#!/bin/sh\n\
         case \" $* \" in *\" commit \"*)\n\
         \x20 : > '{marker}'\n\
         \x20 i=0\n\
         \x20 while [ ! -e '{release}' ] && [ $i -lt {tries} ]; do sleep 0.05; i=$((i+1)); done;;\n\
         esac\n\
         exec '{git}' \"$@\"\n",
        marker = marker.display(),
        release = release.display(),
        tries = PATIENCE.as_millis() / 50,
        git = real_git().display(),
    );
    let path = bin.join("git");
    std::fs::write(&path, script).expect("fake git");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
}

fn wait_for(path: &Path, approve: &mut Child) {
    let deadline = Instant::now() + PATIENCE;
    while !path.exists() {
        if let Some(status) = approve.try_wait().expect("try_wait") {
            panic!("the approve ended ({status}) before its git commit started");
        }
        assert!(
            Instant::now() < deadline,
            "no git commit within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `command` to its end, or kills it after `PATIENCE` and says so.
fn finish_within(mut command: Command, what: &str) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("output")
}

/// The sample workspace as a git repository that commits each decision, with the candidate
/// csv_to_json@1.3.0 validated and ready to approve.
fn committing_workspace() -> tempfile::TempDir {
    let ws = sample_workspace();
    let root = ws.path();
    append(
        &root.join("toolbench.toml"),
        "\n[git]\nauto_commit = true\n",
    );
    git(root, &["init", "-q"]);
    git(root, &["config", "user.name", "Test"]);
    git(root, &["config", "user.email", "test@example.com"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "sample"]);
    validate(root, "csv_to_json@1.3.0");
    ws
}

/// True when `decisions` (`history --json` objects, or their fields as the library names
/// them) hold ana's approval of csv_to_json@1.3.0.
fn holds_the_approval(decisions: &[serde_json::Value]) -> bool {
    decisions
        .iter()
        .any(|d| d["action"] == "approve" && d["to_version"] == "1.3.0" && d["who"] == "ana")
}

#[test]
fn another_process_reads_the_store_while_an_approve_waits_on_its_git_commit() {
    let ws = committing_workspace();
    let root = ws.path();

    let outside = tempfile::tempdir().expect("tempdir");
    let (marker, release) = (
        outside.path().join("committing"),
        outside.path().join("release"),
    );
    let bin = outside.path().join("bin");
    blocking_git(&bin, &marker, &release);
    let path = format!("{}:{}", bin.display(), original_path());
    let config = tempfile::tempdir().expect("config");
    let mut approve = toolbench_command(root, config.path(), &["approve", "csv_to_json"])
        .env("PATH", path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("approve");
    wait_for(&marker, &mut approve);

    let read = finish_within(
        toolbench_command(root, config.path(), &["history", "csv_to_json", "--json"]),
        "history, while the approve commits",
    );
    // The read finished with the commit still held up: it did not wait for the approve.
    assert!(!release.exists());
    assert!(
        approve.try_wait().expect("try_wait").is_none(),
        "the approve must still be committing"
    );
    assert!(read.status.success(), "history: {}", stderr(&read));
    let history: serde_json::Value = serde_json::from_slice(&read.stdout).expect("json");
    assert!(
        holds_the_approval(history.as_array().expect("an array")),
        "the decision is recorded before git: {history}"
    );

    std::fs::write(&release, "").expect("release");
    let deadline = Instant::now() + PATIENCE;
    while approve.try_wait().expect("try_wait").is_none() {
        if Instant::now() >= deadline {
            let _ = approve.kill();
            panic!("the approve did not finish after its commit was released");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let approved = approve.wait_with_output().expect("approve output");
    assert!(approved.status.success(), "approve: {}", stderr(&approved));
    let line = stdout(&approved);
    assert!(
        line.starts_with("approved csv_to_json@1.3.0 (experimental → approved; superseded 1.2.0")
            && line.contains("; committed "),
        "{line}{}",
        stderr(&approved)
    );
    assert!(root.join("approved/csv_to_json/tool.toml").is_file());
}

/// The workbench and MCP decide on a pool thread while other threads of the same process
/// record runs and read through the same connection: a decision's git commit must not keep
/// them waiting. A pre-commit hook holds the commit up here.
#[test]
fn another_thread_reads_the_store_while_a_decision_waits_on_its_git_commit() {
    let ws = committing_workspace();
    let root = ws.path().to_path_buf();
    let outside = tempfile::tempdir().expect("tempdir");
    let (marker, release) = (
        outside.path().join("committing"),
        outside.path().join("release"),
    );
    // toolbench's git runs no hook: the git it finds first on PATH waits instead.
    let bin = outside.path().join("bin");
    blocking_git(&bin, &marker, &release);
    let path = format!("{}:{}", bin.display(), original_path());
    // SAFETY: the other test of this file reads `original_path()`, taken before this, never
    // the process's PATH, and starts its toolbench with its own USER (`user_dirs`).
    unsafe {
        std::env::set_var("PATH", path);
        std::env::set_var("USER", "ana");
    }

    let workbench = Workbench::at(&root, None).expect("opened");
    let store = workbench.store().expect("store");
    // Ana decides ($USER, as no user config names a reviewer); each decision is committed.
    let ctx = workbench.review();
    assert_eq!(ctx.who, "ana");
    let deciding = {
        let store = store.clone();
        std::thread::spawn(move || {
            toolbench::review::apply(
                &ctx,
                &store,
                &ToolId::named("csv_to_json"),
                &ReviewCommand::Approve {
                    reason: None,
                    accepted: Default::default(),
                },
            )
        })
    };
    let deadline = Instant::now() + PATIENCE;
    while !marker.exists() {
        assert!(
            !deciding.is_finished(),
            "the approve ended before its git commit started"
        );
        assert!(
            Instant::now() < deadline,
            "no git commit within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    let (answer, answered) = std::sync::mpsc::channel();
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            let history = toolbench::review::lifecycle::history(&store.lock(), "csv_to_json");
            let _ = answer.send(history.map(|h| serde_json::to_value(h.decisions)));
        })
    };
    let read = answered.recv_timeout(Duration::from_secs(5));
    // Whatever the read did, the commit goes on, so nothing is left waiting.
    let still_committing = !release.exists() && !deciding.is_finished();
    std::fs::write(&release, "").expect("release");
    let decisions = read
        .expect("the store was held through the git commit")
        .expect("history")
        .expect("json");
    assert!(still_committing, "the read must happen during the commit");
    assert!(
        holds_the_approval(decisions.as_array().expect("an array")),
        "the decision is recorded before git: {decisions}"
    );
    reader.join().expect("reader");
    let decision = deciding.join().expect("decider").expect("approved");
    assert!(
        decision.summary().contains("; committed "),
        "{}",
        decision.summary()
    );
}
