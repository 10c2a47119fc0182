//! Shared helpers for the integration tests: temp workspaces and running the real binary.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod binary;
pub mod machine;
pub mod mcp_session;
pub mod qr;
mod visible_base;
pub use binary::bin;
#[allow(unused_imports)] // as dead_code above: the suites that make host folders use it
pub use visible_base::visible_base;

/// The lines `reader` gives (a child's stdout or stderr), read on a thread of their own, so a
/// test can wait for each with a timeout.
pub fn lines_of(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Whether this machine lets a process make a user namespace of its own (`unshare -U -r`);
/// says so when it does not, for the test that is then skipped.
pub fn user_namespaces_work() -> bool {
    let works = Command::new("unshare")
        .args(["-U", "-r", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        eprintln!("skipped: no user namespace can be made here");
    }
    works
}

/// The environment that gives a test's toolbench user folders of its own, in `config`: its
/// configuration, and its data (the list of workspaces whose state every run hides, the
/// default workspace) in `config/data`. Without it, every test workspace would be added to
/// the real user's list, which keeps only the newest 256, so a test run would push the
/// user's own workspaces out of it and leave their state visible to other runs. The person
/// at the keyboard is `ana` (`PERSON`).
pub fn user_dirs(config: impl AsRef<Path>) -> [(&'static str, PathBuf); 4] {
    let config = config.as_ref();
    let [(user, name), (logname, same)] = PERSON;
    [
        ("TOOLBENCH_CONFIG_DIR", config.to_path_buf()),
        ("XDG_DATA_HOME", config.join("data")),
        (user, PathBuf::from(name)),
        (logname, PathBuf::from(same)),
    ]
}

/// A copy of the sample workspace `tools/` in a temp dir, so tests never touch the repo, whose
/// active tools a person accepted (`toolbench accept`), as after its first opening.
pub fn sample_workspace() -> tempfile::TempDir {
    let dir = never_opened_sample();
    accept(dir.path());
    dir
}

/// A workspace of four empty tier folders in a temp dir.
pub fn empty_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
    }
    dir
}

/// A copy of the sample workspace as a clone brings it: never opened here, so none of its
/// active tools runs before a person accepts them.
pub fn never_opened_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample_tools(), dir.path());
    let _ = std::fs::remove_dir_all(dir.path().join(".toolbench"));
    dir
}

/// `toolbench accept`: a person accepts the active tools of the workspace at `root`.
pub fn accept(root: &Path) {
    let out = toolbench(root, &["accept"]);
    assert!(
        out.status.success(),
        "accept: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sample workspace: `TOOLBENCH_SAMPLE_TOOLS` when set (tests/as_unprivileged_user.sh
/// copies it, as a plain user may not reach the repo), else the repo's `tools/`.
fn sample_tools() -> PathBuf {
    std::env::var_os("TOOLBENCH_SAMPLE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tools"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if file_type.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Writes `<root>/<tier>/<dir>/tool.toml` with `manifest`, plus a trivial script.
pub fn write_tool(root: &Path, tier: &str, dir: &str, manifest: &str) -> PathBuf {
    let folder = root.join(tier).join(dir);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("tool.toml"), manifest).expect("write manifest");
    std::fs::write(folder.join("run.sh"), "echo '{}'\n").expect("write script");
    folder
}

pub fn minimal_manifest(name: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"The {name} tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
    )
}

/// An approved tool whose command is `sh run.sh`, with `script` as run.sh and `extra_run`
/// added to its `[run]` section: written into experimental/, validated and approved as a
/// person would, so it runs as the content that was approved.
pub fn shell_tool(root: &Path, name: &str, script: &str, extra_run: &str) {
    let manifest = format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n{extra_run}\n"
    );
    let folder = write_tool(root, "experimental", name, &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    approve(root, name);
}

/// Validates the candidate `spec` and approves it, as a person does; panics on a refusal.
pub fn approve(root: &Path, spec: &str) {
    validate(root, spec);
    let out = toolbench(root, &["approve", spec]);
    assert!(
        out.status.success(),
        "approve {spec}: {}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Runs the binary with an isolated config dir (the workspace's `user_config`, else a fresh
/// one) and no inherited workspace.
pub fn toolbench(root: &Path, args: &[&str]) -> Output {
    let own = root.join(TEST_USER);
    let fresh = tempfile::tempdir().expect("tempdir");
    let config = if own.is_dir() {
        own
    } else {
        fresh.path().to_path_buf()
    };
    toolbench_command(root, &config, args)
        .output()
        .expect("run toolbench")
}

/// `toolbench --root ROOT ARGS`, not started yet: its configuration in `config`, and no
/// `TOOLBENCH_ROOT` from the caller's environment.
pub fn toolbench_command(root: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command
        .arg("--root")
        .arg(root)
        .args(args)
        .envs(user_dirs(config))
        .env_remove("TOOLBENCH_ROOT");
    command
}

/// Who the tests' toolbench records as deciding (the reviewer is `$USER` unless the user
/// config names one): the same name on every machine and for every user the tests run as.
pub const PERSON: [(&str, &str); 2] = [("USER", "ana"), ("LOGNAME", "ana")];

/// The folder of a test's own user config for the workspace at `root` (`user_config`): inside
/// it, hidden, so it goes with the workspace; no scan reads it and no run sees it.
const TEST_USER: &str = ".test-user";

/// Adds `text` to the user config of the workspace at `root`, which `toolbench(root, …)` then
/// runs with: for the settings a workspace's `toolbench.toml` may not loosen or hold.
pub fn user_config(root: &Path, text: &str) {
    let dir = root.join(TEST_USER);
    std::fs::create_dir_all(&dir).expect("user config folder");
    let file = dir.join("config.toml");
    let mut current = std::fs::read_to_string(&file).unwrap_or_default();
    current.push_str(text);
    std::fs::write(&file, current).expect("user config");
}

/// `toolbench --root ROOT mcp` for an MCP client to start, with user folders of its own in
/// `config`. Killed when its handle is dropped: rmcp's transport kills the server from a task
/// that a test's runtime may end before it runs, and a server left to finish its first scan
/// writes into a workspace the test is removing.
pub fn mcp_server(root: &Path, config: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(bin());
    command
        .arg("--root")
        .arg(root)
        .arg("mcp")
        .envs(user_dirs(config))
        .env_remove("TOOLBENCH_ROOT")
        .kill_on_drop(true);
    command
}

/// Replaces a file of a tool behind toolbench's back, frozen (read-only) or not, as a person
/// or another program with write access to the folder would.
pub fn overwrite(path: &Path, text: &str) {
    let _ = std::fs::remove_file(path);
    std::fs::write(path, text).expect("write");
}

/// `toolbench validate SPEC`, as a person does before approving: what the approval will be
/// bound to. A `fail` verdict (exit 1) is still a validation; anything else must not happen.
pub fn validate(root: &Path, spec: &str) {
    let out = toolbench(root, &["validate", spec]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && !stdout(&out).is_empty(),
        "validate {spec}: {}{}",
        stdout(&out),
        stderr(&out)
    );
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The recorded runs of one tool, newest first, as `runs --json` lists them.
pub fn runs_of(root: &Path, tool: &str) -> Vec<serde_json::Value> {
    let out = toolbench(root, &["runs", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("runs --json");
    runs.as_array()
        .expect("runs --json is an array")
        .iter()
        .filter(|r| r["tool"] == tool)
        .cloned()
        .collect()
}

/// The text blocks of an MCP tool result, joined by newlines.
pub fn text_of(result: &rmcp::model::CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A run of `entry` in `root` as the CLI asks for one, confined as the workbench on `root`
/// confines it, for tests that drive the runner or the run job through the library: given
/// what the tool declares, as an active tool is.
pub fn run_request(
    root: &Path,
    entry: &toolbench::model::ToolEntry,
) -> toolbench::runner::RunRequest {
    toolbench::runner::RunRequest {
        workspace: toolbench::workbench::Workbench::at(root, None)
            .expect("opened")
            .with_program(bin())
            .workspace()
            .clone(),
        background: false,
        entry: entry.clone(),
        input: None,
        origin: toolbench::model::RunOrigin::Cli,
        client: None,
        preforked: Default::default(),
        reach: toolbench::runner::Reach::Declared,
        // Set by `RunJob::new` from its recorder; a run driven alone is stored, not handed off.
    }
}

/// Processes whose command line names `needle` (the workspace of this test).
pub fn processes_naming(needle: &Path) -> Vec<String> {
    processes_running(&needle.to_string_lossy())
}

/// Processes whose command line contains `needle`, read from the host's `/proc` (not from
/// `pgrep`, whose absence would look like an empty process table).
pub fn processes_running(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline
                .contains(needle)
                .then(|| format!("{pid}: {cmdline}"))
        })
        .collect()
}

/// The manifest of `deploy`, a high-cost tool taking `{"env": …}` as JSON on stdin: an agent's
/// call to it waits for a person.
pub const DEPLOY: &str = r#"name = "deploy"
version = "1.0.0"
description = "Pretend to deploy: prints its input"
cost_tier = "high"

[run]
command = ["sh", "run.sh"]
input = "stdin-json"
timeout_secs = 30

[input]
type = "object"
required = ["env"]
additionalProperties = false

[input.properties.env]
type = "string"
"#;

/// The check named `name` in a validation report (`validate --json`).
pub fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no check {name} in {report}"))
}
