//! What runs is what a human approved (issue 33, DESIGN §10 rule 1): the bad inputs of the
//! issue, each tried on a temp workspace with the real binary, and each judged on the host:
//! the files and modes in `approved/`, what the runs the store recorded printed (their
//! `stdout.log`, written by toolbench, not by the tool), and the decisions and calls the
//! store holds. An error line alone proves nothing here.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::{bin, stderr, stdout, text_of, toolbench_command};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;

/// The reason the one cost rule gives for a high-cost tool under the default preset.
const HIGH_COST: &str = "cost tier high needs a confirmation with the default preset";

/// A workspace with the four tiers and a config folder that every front end of a test shares.
struct Bench {
    ws: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let ws = tempfile::tempdir().expect("workspace");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(ws.path().join(tier)).expect("tier");
        }
        Bench {
            ws,
            config: tempfile::tempdir().expect("config"),
        }
    }

    fn root(&self) -> &Path {
        self.ws.path()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn tb(&self, args: &[&str]) -> Output {
        toolbench_command(self.root(), self.config.path(), args)
            .output()
            .expect("run toolbench")
    }

    /// A command that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.tb(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// A command that must be refused: exit 1 and one line on stderr, returned.
    fn refused(&self, args: &[&str]) -> String {
        let out = self.tb(args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} must be refused: {}{err}",
            stdout(&out)
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        err.trim().to_string()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON")
    }

    /// Writes a candidate `experimental/<folder>/`: low cost, `sh run.sh` with `script`, no
    /// input.
    fn candidate(&self, folder: &str, name: &str, version: &str, script: &str) -> PathBuf {
        self.candidate_with(folder, name, version, script, "cost_tier = \"low\"\n")
    }

    /// `candidate` with `extra` (its cost tier at least) at the manifest's top level.
    fn candidate_with(
        &self,
        folder: &str,
        name: &str,
        version: &str,
        script: &str,
        extra: &str,
    ) -> PathBuf {
        let dir = self.path("experimental").join(folder);
        std::fs::create_dir_all(&dir).expect("candidate folder");
        std::fs::write(
            dir.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"{version}\"\ndescription = \"issue 33\"\n{extra}\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\ntimeout_secs = 20\n"
            ),
        )
        .expect("manifest");
        std::fs::write(dir.join("run.sh"), script).expect("run.sh");
        dir
    }

    /// `validate SPEC` as a person runs it before approving (a `warn` or `fail` verdict is
    /// still a report).
    fn validate(&self, spec: &str) {
        let out = self.tb(&["validate", spec]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)) && stdout(&out).contains("verdict:"),
            "validate {spec}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }

    /// A candidate validated and approved as a person does, low cost and `extra`.
    fn approved_tool(&self, name: &str, script: &str, extra: &str) {
        self.candidate_with(
            name,
            name,
            "1.0.0",
            script,
            &format!("cost_tier = \"low\"\n{extra}"),
        );
        self.validate(name);
        self.ok(&["approve", name]);
    }

    fn content_hash(&self, spec: &str) -> String {
        self.json(&["show", spec, "--json"])["content_hash"]
            .as_str()
            .expect("content_hash")
            .to_string()
    }

    /// The content hash of the tool in `folder` (relative to the root), as the catalog has it.
    fn hash_at(&self, folder: &str) -> String {
        let path = self.path(folder);
        self.json(&["list", "--json"])
            .as_array()
            .expect("list")
            .iter()
            .find(|t| t["path"].as_str().map(PathBuf::from) == Some(path.clone()))
            .and_then(|t| t["content_hash"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no tool in {folder}"))
    }

    /// The decisions `action` on `name`, newest first.
    fn decisions(&self, name: &str, action: &str) -> Vec<Value> {
        self.json(&["history", name, "--json"])
            .as_array()
            .expect("history")
            .iter()
            .filter(|d| d["action"] == action)
            .cloned()
            .collect()
    }

    fn runs_of(&self, name: &str) -> Vec<Value> {
        self.json(&["runs", "--json", "--limit", "1000"])
            .as_array()
            .expect("runs")
            .iter()
            .filter(|r| r["tool"] == name)
            .cloned()
            .collect()
    }

    /// What each recorded run of `name` printed, from the logs toolbench kept, newest first.
    fn printed(&self, name: &str) -> Vec<String> {
        self.runs_of(name)
            .iter()
            .map(|run| {
                let log = self
                    .root()
                    .join(run["log_dir"].as_str().expect("log_dir"))
                    .join("stdout.log");
                std::fs::read_to_string(log).unwrap_or_default()
            })
            .collect()
    }

    /// The catalog row of `name` in `tier`.
    fn listed(&self, name: &str, tier: &str) -> Option<Value> {
        self.json(&["list", "--json"])
            .as_array()
            .expect("list")
            .iter()
            .find(|t| t["name"] == name && t["tier"] == tier)
            .cloned()
    }

    async fn connect(&self) -> Client {
        let command = common::mcp_server(self.root(), self.config.path());
        let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
        Agent.serve(transport).await.expect("initialize")
    }

    /// One `tools/call` from an agent, on a runtime of its own.
    fn call_over_mcp(&self, tool: &str) -> CallToolResult {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let client = self.connect().await;
            let result = call(&client, tool).await;
            let _ = client.cancel().await;
            result
        })
    }

    /// The call waiting for a human, once there is one.
    fn pending_call(&self) -> Value {
        let start = Instant::now();
        loop {
            if let Some(call) = self
                .json(&["calls", "--json"])
                .as_array()
                .and_then(|c| c.first())
            {
                return call.clone();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no call waited");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The agent: an MCP client that names itself.
#[derive(Clone, Default)]
struct Agent;

impl ClientHandler for Agent {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("issue-33-agent", "1"),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

type Client = RunningService<RoleClient, Agent>;

async fn call(client: &Client, tool: &str) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(Default::default()))
        .await
        .expect("tools/call")
}

/// A folder as the host sees it: each path with its mode and its content (a symlink's target).
type Tree = BTreeMap<String, (u32, String)>;

fn tree(dir: &Path) -> Tree {
    let mut found = Tree::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = path.symlink_metadata().expect("lstat");
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            let content = if meta.is_symlink() {
                format!(
                    "-> {}",
                    std::fs::read_link(&path).expect("readlink").display()
                )
            } else if meta.is_dir() {
                stack.push(path.clone());
                "(folder)".to_string()
            } else {
                String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned()
            };
            found.insert(relative, (meta.permissions().mode() & 0o7777, content));
        }
    }
    found
}

/// The content of a tree, modes left out.
fn contents(tree: &Tree) -> BTreeMap<String, String> {
    tree.iter()
        .map(|(path, (_, content))| (path.clone(), content.clone()))
        .collect()
}

/// Approved content is frozen: no file of it can be written, by anyone, and it is the
/// approving user's.
fn assert_frozen(dir: &Path) {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    for (path, (mode, content)) in tree(dir) {
        let meta = dir.join(&path).symlink_metadata().expect("lstat");
        assert_eq!(meta.uid(), me, "{path} belongs to the approving user");
        if content != "(folder)" && !meta.is_symlink() {
            assert_eq!(mode & 0o222, 0, "{path} is frozen: mode {mode:o}");
        }
    }
}

/// Edits an approved file in place, as its owner can after `chmod u+w` (files are frozen).
fn edit(path: &Path, text: &str) {
    let mode = path.metadata().expect("stat").permissions().mode();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | 0o200)).expect("u+w");
    std::fs::write(path, text).expect("edit");
}

fn chmod(path: &Path, set: u32, clear: u32) {
    let mode = path.symlink_metadata().expect("stat").permissions().mode() & 0o7777;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode((mode | set) & !clear))
        .expect("chmod");
}

/// A word nothing else prints, so finding it in a log means that code ran.
fn marker(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{tag}-{}-{nanos}", std::process::id())
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|read| {
            read.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn short(hash: &str) -> &str {
    &hash[..12]
}

#[test]
fn a_file_swapped_after_validation_is_not_approved_until_validated_again() {
    let bench = Bench::new();
    let folder = bench.candidate("swap", "swap", "1.0.0", "echo validated\n");
    bench.validate("swap");
    let validated = bench.content_hash("swap");

    std::fs::write(folder.join("run.sh"), "echo swapped\n").expect("swap");
    let err = bench.refused(&["approve", "swap"]);
    assert!(
        err.contains(&format!(
            "experimental/swap changed since validation (validated {}",
            short(&validated)
        )) && err.ends_with("validate again"),
        "{err}"
    );
    assert!(listing(&bench.path("approved")).is_empty());
    assert!(bench.decisions("swap", "approve").is_empty());
    assert!(bench.runs_of("swap").is_empty());

    bench.validate("swap");
    let swapped = bench.content_hash("swap");
    let candidate = contents(&tree(&folder));
    bench.ok(&["approve", "swap"]);
    let approved = contents(&tree(&bench.path("approved/swap")));
    assert_eq!(approved, candidate, "exactly the content validated last");
    assert_eq!(approved["run.sh"], "echo swapped\n");
    assert_frozen(&bench.path("approved/swap"));
    assert!(!folder.exists(), "the candidate folder is gone");
    let approvals = bench.decisions("swap", "approve");
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["to_hash"], swapped.as_str());
    assert_eq!(bench.ok(&["run", "swap"]), "swapped\n");
}

#[test]
fn a_symlink_swapped_in_after_validation_is_refused_as_a_change() {
    let bench = Bench::new();
    let folder = bench.candidate("linked", "linked", "1.0.0", "echo validated\n");
    std::fs::write(folder.join("other.sh"), "echo other\n").expect("other.sh");
    bench.validate("linked");

    std::fs::remove_file(folder.join("run.sh")).expect("rm run.sh");
    std::os::unix::fs::symlink("other.sh", folder.join("run.sh")).expect("symlink");
    let err = bench.refused(&["approve", "linked"]);
    assert!(err.contains("changed since validation"), "{err}");
    assert!(listing(&bench.path("approved")).is_empty());
    assert!(bench.decisions("linked", "approve").is_empty());
    assert!(
        folder.join("run.sh").is_symlink(),
        "a refusal leaves the candidate as it is"
    );
}

#[test]
fn a_hard_link_to_a_file_outside_never_makes_the_approved_tool_follow_it() {
    let bench = Bench::new();
    let outside = tempfile::tempdir().expect("the agent's folder");
    let agents_file = outside.path().join("run.sh");
    let evil = marker("EVIL");
    std::fs::write(&agents_file, "echo approved\n").expect("agent's file");
    let folder = bench.candidate("hard", "hard", "1.0.0", "");
    std::fs::remove_file(folder.join("run.sh")).expect("rm run.sh");
    std::fs::hard_link(&agents_file, folder.join("run.sh")).expect("hard link");
    bench.validate("hard");

    // Written through the link after validation: the candidate changed with it.
    std::fs::write(&agents_file, format!("echo {evil}\n")).expect("agent writes");
    let err = bench.refused(&["approve", "hard"]);
    assert!(err.contains("changed since validation"), "{err}");
    assert!(listing(&bench.path("approved")).is_empty());

    std::fs::write(&agents_file, "echo approved\n").expect("agent writes");
    bench.validate("hard");
    bench.ok(&["approve", "hard"]);
    let approved = bench.path("approved/hard/run.sh");
    let outside_meta = agents_file.metadata().expect("stat");
    assert_ne!(
        (approved.metadata().expect("stat").ino()),
        outside_meta.ino(),
        "a copy, not the agent's inode"
    );
    assert_eq!(
        outside_meta.nlink(),
        1,
        "no link to the agent's file is left in the workspace"
    );

    // The agent writes its file again: the approved tool is untouched and runs as approved.
    std::fs::write(&agents_file, format!("echo {evil}\n")).expect("agent writes");
    assert_eq!(
        std::fs::read_to_string(&approved).expect("read"),
        "echo approved\n"
    );
    assert_frozen(&bench.path("approved/hard"));
    assert_eq!(bench.ok(&["run", "hard"]), "approved\n");
    assert!(bench.listed("hard", "approved").expect("listed")["drift"].is_null());
    assert!(!bench.printed("hard").iter().any(|p| p.contains(&evil)));
}

#[test]
fn an_edit_after_approval_never_runs_and_resubmit_puts_the_approved_content_back() {
    let bench = Bench::new();
    let edited = marker("EDITED");
    bench.approved_tool(
        "edited",
        "echo as-approved\n",
        "capabilities = [\"issue33.edit\"]\n",
    );
    let approved_hash = bench.content_hash("edited");
    let before = tree(&bench.path("approved/edited"));
    assert_eq!(bench.ok(&["run", "edited"]), "as-approved\n");

    edit(
        &bench.path("approved/edited/run.sh"),
        &format!("echo {edited}\n"),
    );
    let err = bench.refused(&["run", "edited"]);
    assert!(
        err.contains("approved/edited was modified since approval"),
        "{err}"
    );

    // Every view says so.
    let row = bench.listed("edited", "approved").expect("listed");
    assert_eq!(row["drift"]["state"], "modified", "{row}");
    assert_eq!(row["drift"]["approved_hash"], approved_hash.as_str());
    assert!(
        bench
            .ok(&["show", "edited"])
            .contains("modified since approval")
    );
    let review = bench.json(&["review", "--json"]);
    assert!(
        review
            .as_array()
            .expect("queue")
            .iter()
            .any(|i| i["kind"] == "drift" && i["name"] == "edited"),
        "{review}"
    );

    // An agent's call and a call by capability do not run it either.
    let result = bench.call_over_mcp("edited");
    assert_eq!(result.is_error, Some(true), "{result:?}");
    // The agent is told a person must review it, never how to approve it.
    assert!(
        text_of(&result).contains("changed since a person approved it")
            && !text_of(&result).contains("toolbench approve"),
        "{result:?}"
    );
    let out = bench.tb(&["call", "--capability", "issue33.edit", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("call --json");
    let attempts = report["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1, "{report}");
    assert_eq!(attempts[0]["status"], "skipped", "{report}");
    assert!(attempts[0]["run_id"].is_null(), "{report}");
    assert!(
        attempts[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("modified since approval")),
        "{report}"
    );
    assert_eq!(
        bench.printed("edited"),
        vec!["as-approved\n"],
        "only the approved run is recorded"
    );

    // Sent to review: the change waits as a candidate, the approved content runs again.
    bench.ok(&["resubmit", "edited"]);
    let candidate = bench.listed("edited", "experimental").expect("a candidate");
    assert_eq!(candidate["version"], "1.1.0");
    let candidate_path = PathBuf::from(candidate["path"].as_str().expect("path"));
    assert_eq!(
        std::fs::read_to_string(candidate_path.join("run.sh")).expect("run.sh"),
        format!("echo {edited}\n")
    );
    assert_eq!(tree(&bench.path("approved/edited")), before);
    assert!(bench.listed("edited", "approved").expect("listed")["drift"].is_null());
    assert_eq!(bench.ok(&["run", "edited"]), "as-approved\n");
    assert!(!bench.printed("edited").iter().any(|p| p.contains(&edited)));
}

/// Permissions are content: a manifest widened after approval (the project, then the
/// network) makes the tool refuse to run, and nothing of the project it would now read
/// reaches any output.
/// A kept version whose snapshot was changed behind toolbench's back is never made active
/// again: rolling back to it is refused, and what runs stays the approved content.
#[test]
fn a_snapshot_changed_behind_toolbenchs_back_is_never_made_active() {
    let bench = Bench::new();
    let planted = marker("PLANTED");
    bench.approved_tool("kept", "echo first\n", "");
    bench.candidate("kept-2", "kept", "2.0.0", "echo second\n");
    bench.validate("kept@2.0.0");
    bench.ok(&["approve", "kept@2.0.0"]);
    assert_eq!(bench.ok(&["run", "kept"]), "second\n");
    // The superseded folder gone, the snapshot is all a rollback has to go back to.
    for archived in listing(&bench.path("archived")) {
        if archived.starts_with("kept") {
            let folder = bench.path("archived").join(archived);
            chmod(&folder, 0o200, 0);
            std::fs::remove_dir_all(folder).expect("rm the superseded folder");
        }
    }
    let versions = bench.path(".toolbench/versions/kept");
    let snapshot = listing(&versions)
        .into_iter()
        .find(|v| v.starts_with("1.0.0-"))
        .map(|v| versions.join(v))
        .expect("the snapshot of 1.0.0");
    edit(&snapshot.join("run.sh"), &format!("echo {planted}\n"));
    let before = tree(&bench.path("approved/kept"));

    let err = bench.refused(&["rollback", "kept"]);
    assert!(
        err.contains("no longer holds the content it was kept for"),
        "{err}"
    );
    assert_eq!(tree(&bench.path("approved/kept")), before);
    assert_eq!(bench.ok(&["run", "kept"]), "second\n");
    assert!(
        bench
            .printed("kept")
            .iter()
            .all(|out| !out.contains(&planted)),
        "the changed snapshot ran"
    );
}

#[test]
fn permissions_widened_after_approval_are_never_granted() {
    let bench = Bench::new();
    let project = tempfile::tempdir().expect("project");
    let secret = marker("PROJECT");
    std::fs::write(project.path().join(&secret), "x").expect("project file");
    bench.approved_tool("widen", "ls\n", "");
    let project_arg = project.path().to_str().expect("utf-8 path");
    let listed = bench.ok(&["--project", project_arg, "run", "widen"]);
    assert!(!listed.contains(&secret), "no project declared: {listed}");

    let manifest = bench.path("approved/widen/tool.toml");
    let approved = std::fs::read_to_string(&manifest).expect("manifest");
    for widened in [
        "[permissions]\nproject = \"read\"\n",
        "[permissions]\nnetwork = [\"*\"]\n",
    ] {
        edit(&manifest, &format!("{approved}\n{widened}"));
        let err = bench.refused(&["--project", project_arg, "run", "widen"]);
        assert!(
            err.contains("approved/widen was modified since approval"),
            "{widened}: {err}"
        );
    }
    assert!(
        !bench.printed("widen").iter().any(|p| p.contains(&secret)),
        "the widened manifest never ran"
    );
}

#[test]
fn a_file_added_in_a_dot_folder_or_pycache_after_approval_is_drift_and_never_runs() {
    let bench = Bench::new();
    bench.approved_tool("cached", "echo cached\n", "");
    let folder = bench.path("approved/cached");
    chmod(&folder, 0o200, 0);
    for added in ["__pycache__/x.cpython-312.pyc", ".hidden/x"] {
        let path = folder.join(added);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, "import os\n").expect("write");
        let err = bench.refused(&["run", "cached"]);
        assert!(
            err.contains("approved/cached was modified since approval"),
            "{added}: {err}"
        );
        let row = bench.listed("cached", "approved").expect("listed");
        assert_eq!(row["drift"]["state"], "modified", "{added}: {row}");
        assert!(bench.runs_of("cached").is_empty(), "{added}");

        std::fs::remove_dir_all(path.parent().expect("parent")).expect("rm");
        assert!(bench.listed("cached", "approved").expect("listed")["drift"].is_null());
    }
    assert_eq!(bench.ok(&["run", "cached"]), "cached\n");
}

#[test]
fn a_validated_folder_renamed_and_replaced_under_its_name_is_ambiguous_until_named_by_hash() {
    let bench = Bench::new();
    bench.candidate("x", "x", "1.0.0", "echo validated\n");
    bench.validate("x");
    let validated = bench.content_hash("x");

    std::fs::rename(
        bench.path("experimental/x"),
        bench.path("experimental/x-old"),
    )
    .expect("mv");
    bench.candidate("x", "x", "1.0.0", "echo replaced\n");
    // Straight to the decision, as a person who validated x goes: no listing in between
    // that would show toolbench the new folder first.
    let err = bench.refused(&["approve", "x@1.0.0"]);
    let replaced = bench.hash_at("experimental/x");
    for folder in [
        format!("experimental/x-old {}", short(&validated)),
        format!("experimental/x {}", short(&replaced)),
    ] {
        assert!(err.contains(&folder), "names {folder}: {err}");
    }
    assert!(listing(&bench.path("approved")).is_empty());
    assert!(bench.decisions("x", "approve").is_empty());

    bench.ok(&["approve", "x@1.0.0", "--hash", short(&validated)]);
    assert_eq!(
        contents(&tree(&bench.path("approved/x")))["run.sh"],
        "echo validated\n"
    );
    assert_eq!(
        bench.decisions("x", "approve")[0]["to_hash"],
        validated.as_str()
    );
    assert_eq!(
        std::fs::read_to_string(bench.path("experimental/x/run.sh")).expect("left alone"),
        "echo replaced\n"
    );
}

#[test]
fn a_folder_name_that_lies_about_the_version_decides_nothing() {
    let bench = Bench::new();
    bench.candidate("liar-2.0.0", "liar", "1.0.0", "echo one\n");
    bench.validate("liar");
    let hash = bench.content_hash("liar");

    let err = bench.refused(&["approve", "liar@2.0.0"]);
    assert!(err.contains("has no version 2.0.0"), "{err}");
    assert!(listing(&bench.path("approved")).is_empty());
    assert!(bench.decisions("liar", "approve").is_empty());

    bench.ok(&["approve", "liar@1.0.0"]);
    assert_eq!(
        contents(&tree(&bench.path("approved/liar")))["run.sh"],
        "echo one\n"
    );
    let approvals = bench.decisions("liar", "approve");
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["to_version"], "1.0.0");
    assert_eq!(approvals[0]["to_hash"], hash.as_str());
    assert!(listing(&bench.path("experimental")).is_empty());
}

#[test]
fn two_processes_approving_at_once_make_one_approval_of_the_validated_content() {
    let bench = Bench::new();
    for round in 0..4 {
        let name = format!("race{round}");
        let script = format!("echo round {round}\n");
        let folder = bench.candidate(&name, &name, "1.0.0", &script);
        let candidate = contents(&tree(&folder));
        bench.validate(&name);
        let hash = bench.content_hash(&name);

        let racers: Vec<_> = (0..2)
            .map(|_| {
                toolbench_command(bench.root(), bench.config.path(), &["approve", &name])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn approve")
            })
            .collect();
        let outs: Vec<Output> = racers
            .into_iter()
            .map(|c| c.wait_with_output().expect("approve"))
            .collect();
        let won = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(
            won,
            1,
            "round {round}: {:?}",
            outs.iter()
                .map(|o| format!("{}{}", stdout(o), stderr(o)))
                .collect::<Vec<_>>()
        );
        let lost = outs.iter().find(|o| !o.status.success()).expect("a loser");
        assert_eq!(lost.status.code(), Some(1), "{}", stderr(lost));
        assert_eq!(stderr(lost).lines().count(), 1, "{}", stderr(lost));

        assert_eq!(
            contents(&tree(&bench.path("approved").join(&name))),
            candidate
        );
        assert_frozen(&bench.path("approved").join(&name));
        let approvals = bench.decisions(&name, "approve");
        assert_eq!(approvals.len(), 1, "round {round}: {approvals:?}");
        assert_eq!(approvals[0]["to_hash"], hash.as_str());
        assert!(!folder.exists());
        assert!(
            listing(&bench.path(".toolbench/staging")).is_empty(),
            "round {round}: staging left {:?}",
            listing(&bench.path(".toolbench/staging"))
        );
    }
}

#[test]
fn an_approved_tool_that_others_can_write_never_runs_until_they_cannot() {
    let bench = Bench::new();
    bench.approved_tool("shared", "echo shared\n", "");
    let folder = bench.path("approved/shared");
    let file = folder.join("run.sh");

    chmod(&file, 0o002, 0);
    let err = bench.refused(&["run", "shared"]);
    assert!(
        err.contains("approved/shared/run.sh can be changed by other users (mode 0446)"),
        "{err}"
    );
    chmod(&file, 0, 0o002);

    chmod(&folder, 0o002, 0);
    let err = bench.refused(&["run", "shared"]);
    let mode = folder.metadata().expect("stat").permissions().mode() & 0o7777;
    assert!(
        err.contains(&format!(
            "approved/shared can be changed by other users (mode {mode:04o})"
        )),
        "{err}"
    );
    let result = bench.call_over_mcp("shared");
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(
        text_of(&result).contains("can be changed by other users"),
        "{result:?}"
    );
    assert!(bench.runs_of("shared").is_empty(), "nothing ran");

    chmod(&folder, 0, 0o002);
    assert_eq!(bench.ok(&["run", "shared"]), "shared\n");
    assert_eq!(bench.printed("shared"), vec!["shared\n"]);
}

/// Spawns an agent's call of `tool`, which waits for a human.
fn spawn_call(client: &Client, tool: &str) -> tokio::task::JoinHandle<CallToolResult> {
    let peer = client.peer().clone();
    let tool = tool.to_string();
    tokio::spawn(async move {
        peer.call_tool(CallToolRequestParams::new(tool).with_arguments(Default::default()))
            .await
            .expect("tools/call")
    })
}

/// Runs blocking work (the CLI) off the runtime's workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_approved_for_other_code_is_refused_and_the_agent_is_told() {
    let bench = std::sync::Arc::new(Bench::new());
    let (first, second) = (marker("CHANGED"), marker("APPROVED-AS-A-TOOL"));
    blocking({
        let bench = bench.clone();
        move || bench.approved_tool("deploy", "echo asked\n", "[mcp]\nask = true\n")
    })
    .await;
    let client = bench.connect().await;

    // Changed behind toolbench's back while the call waits.
    let waiting = spawn_call(&client, "deploy");
    let (human, change) = (bench.clone(), first.clone());
    let (answer, call) = blocking(move || {
        let call = human.pending_call();
        edit(
            &human.path("approved/deploy/run.sh"),
            &format!("echo {change}\n"),
        );
        (
            human.tb(&["calls", "approve", &call["id"].to_string()]),
            call,
        )
    })
    .await;
    assert_eq!(answer.status.code(), Some(1), "{}", stdout(&answer));
    assert!(
        stderr(&answer).contains("changed while the call waited"),
        "{}",
        stderr(&answer)
    );
    let result = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("answered")
        .expect("join");
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(
        text_of(&result).contains("changed while the call waited"),
        "{result:?}"
    );
    let closed = blocking({
        let bench = bench.clone();
        move || bench.json(&["calls", "--json", "--all"])
    })
    .await;
    let closed = closed
        .as_array()
        .and_then(|calls| calls.iter().find(|c| c["id"] == call["id"]).cloned())
        .expect("the call");
    assert_eq!(closed["state"], "rejected", "{closed}");

    // Changed and approved as a tool while the call waits: the call was still asked for
    // other content, so it is refused all the same.
    blocking({
        let bench = bench.clone();
        move || {
            bench.validate("deploy");
            let hash = bench.content_hash("deploy");
            bench.ok(&["approve", "deploy", "--hash", short(&hash)]);
        }
    })
    .await;
    let waiting = spawn_call(&client, "deploy");
    let (human, change) = (bench.clone(), second.clone());
    let answer = blocking(move || {
        let call = human.pending_call();
        edit(
            &human.path("approved/deploy/run.sh"),
            &format!("echo {change}\n"),
        );
        human.validate("deploy");
        let hash = human.content_hash("deploy");
        human.ok(&["approve", "deploy", "--hash", short(&hash)]);
        human.tb(&["calls", "approve", &call["id"].to_string()])
    })
    .await;
    assert_eq!(answer.status.code(), Some(1), "{}", stdout(&answer));
    assert!(
        stderr(&answer).contains("changed while the call waited"),
        "{}",
        stderr(&answer)
    );
    let result = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("answered")
        .expect("join");
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(
        text_of(&result).contains("changed while the call waited"),
        "{result:?}"
    );
    let _ = client.cancel().await;

    let printed = blocking({
        let bench = bench.clone();
        move || bench.printed("deploy")
    })
    .await;
    assert!(
        printed.is_empty(),
        "no refused call ran anything: {printed:?}"
    );
}

#[test]
fn a_high_cost_tool_asks_a_person_first_from_the_cli_an_agent_and_the_workbench_alike() {
    let bench = Bench::new();
    bench.candidate_with(
        "costly",
        "costly",
        "1.0.0",
        "echo costly\n",
        "cost_tier = \"high\"\n",
    );
    bench.validate("costly");
    bench.ok(&["approve", "costly"]);

    let err = bench.refused(&["run", "costly"]);
    assert!(err.contains(HIGH_COST), "{err}");
    assert!(bench.runs_of("costly").is_empty());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        let client = bench.connect().await;
        let waiting = spawn_call(&client, "costly");
        let call = tokio::task::block_in_place(|| bench.pending_call());
        assert_eq!(call["why"], HIGH_COST, "{call}");
        assert!(
            bench.runs_of("costly").is_empty(),
            "nothing runs while it waits"
        );
        let id = call["id"].to_string();
        tokio::task::block_in_place(|| bench.ok(&["calls", "reject", &id, "--reason", "not now"]));
        let result = tokio::time::timeout(Duration::from_secs(20), waiting)
            .await
            .expect("answered")
            .expect("join");
        let _ = client.cancel().await;
        result
    });
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(bench.runs_of("costly").is_empty());

    // The workbench opens the launch dialog asking for the name; running without it is
    // refused, and runs nothing.
    let mut workbench = Workbench::start(&bench);
    workbench.open("costly");
    let screen = workbench.wait_for("type costly to confirm");
    assert!(screen.contains("cost tier high"), "{screen}");
    workbench.keys("\r\x13");
    workbench.wait_for("type costly to confirm this high cost run");
    assert!(
        bench.runs_of("costly").is_empty(),
        "nothing ran unconfirmed"
    );
    workbench.keys("\tcostly\x13");
    workbench.wait_for_run(&bench, "costly");
    workbench.keys("q");

    assert_eq!(bench.ok(&["run", "costly", "--yes"]), "costly\n");
    assert_eq!(bench.printed("costly"), vec!["costly\n", "costly\n"]);
    let origins: Vec<Value> = bench
        .runs_of("costly")
        .iter()
        .map(|r| r["origin"].clone())
        .collect();
    assert_eq!(origins, vec![Value::from("cli"), Value::from("tui")]);
}

/// The workbench in a pseudo-terminal, with the bench's workspace and config.
struct Workbench {
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
    writer: Box<dyn std::io::Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Kept open for the session: closing it hangs up the terminal.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Workbench {
    fn start(bench: &Bench) -> Workbench {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let size = PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system().openpty(size).expect("open pty");
        let mut command = CommandBuilder::new(bin());
        command.arg("--root");
        command.arg(bench.root());
        for (key, value) in common::user_dirs(bench.config.path()) {
            command.env(key, value);
        }
        command.env_remove("TOOLBENCH_ROOT");
        command.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(command).expect("spawn workbench");
        drop(pair.slave);
        let screen = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(30, 120, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = std::sync::Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if let Ok(mut parser) = sink.lock() {
                    parser.process(&buf[..n]);
                }
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        let workbench = Workbench {
            screen,
            writer,
            child,
            _master: pair.master,
        };
        workbench.wait_for("costly");
        workbench
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.contents();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "no {needle:?} on the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the store has a finished run of `name` started here.
    fn wait_for_run(&self, bench: &Bench, name: &str) {
        let start = Instant::now();
        while !bench.runs_of(name).iter().any(|r| r["origin"] == "tui") {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the confirmed run never ended:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens `name` as a person does: filter, Enter (once more when the filter only closed).
    fn open(&mut self, name: &str) {
        self.keys(&format!("/{name}\r"));
        let start = Instant::now();
        while !self.contents().contains(&format!("Run {name} ")) {
            if start.elapsed() > Duration::from_millis(300) {
                self.keys("\r");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("keys");
        self.writer.flush().expect("flush");
    }
}

impl Drop for Workbench {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A workspace whose active tools were never sealed (a fresh clone): the MCP server accepts
/// nothing by itself, so the agent's call runs nothing; once a person accepts the tools, an
/// edit made while the server serves is refused to the agent, not taken for accepted.
#[test]
fn an_mcp_server_never_accepts_a_new_workspace_by_itself() {
    let ws = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let folder = common::write_tool(
        ws.path(),
        "approved",
        "keeper",
        &format!("{}input = \"none\"\n", common::minimal_manifest("keeper")),
    );
    std::fs::write(folder.join("run.sh"), "echo original\n").expect("script");
    let mut agent = common::mcp_session::Session::open(ws.path(), config.path(), "agent", false);
    let waiting = agent.call("keeper", serde_json::json!({})).to_string();
    assert!(
        waiting.contains("a person must accept its tools") && !waiting.contains("original"),
        "{waiting}"
    );
    assert!(
        !ws.path().join(".toolbench/seals").exists(),
        "the server sealed nothing"
    );
    common::accept(ws.path());
    std::fs::write(folder.join("run.sh"), "echo CHANGED\n").expect("edit");
    let answer = agent.call("keeper", serde_json::json!({}));
    let text = answer.to_string();
    assert!(!text.contains("CHANGED"), "the edited tool ran: {text}");
    assert!(
        text.contains("changed since a person approved it") && !text.contains("--hash"),
        "{text}"
    );
    let runs = common::toolbench(ws.path(), &["runs", "keeper", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).expect("runs");
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "{runs}");
}

/// An agent that can write into `approved/` of a never-sealed workspace plants a tool whose
/// folder links to a file outside the workspace and holds a FIFO, hoping a person's `accept`
/// copies the outside file into toolbench's state (where a later restore would hand it to a
/// tool) or blocks on the FIFO, holding every decision and call behind it.
#[test]
fn acceptance_copies_nothing_from_outside_and_never_blocks() {
    let ws = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret");
    let marker = "OUTSIDE-SECRET-5c1f";
    std::fs::write(&secret, marker).expect("secret");
    let before = std::fs::metadata(&secret)
        .expect("meta")
        .modified()
        .expect("mtime");
    let manifest = format!("{}input = \"none\"\n", common::minimal_manifest("planted"));
    let planted = common::write_tool(ws.path(), "approved", "planted", &manifest);
    std::os::unix::fs::symlink(&secret, planted.join("data")).expect("link out");
    let fifo = std::ffi::CString::new(planted.join("pipe").into_os_string().into_encoded_bytes())
        .expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path this test owns.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    let plain = common::write_tool(
        ws.path(),
        "approved",
        "plain",
        &format!("{}input = \"none\"\n", common::minimal_manifest("plain")),
    );
    std::fs::write(plain.join("run.sh"), "echo plain-ran\n").expect("script");

    let mut agent = common::mcp_session::Session::open(ws.path(), config.path(), "agent", false);
    let mut accepting = common::toolbench_command(ws.path(), config.path(), &["accept"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("toolbench accept");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = accepting.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = accepting.kill();
            let _ = accepting.wait();
            panic!("the acceptance did not finish: a FIFO or a link held it");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "accept: {status}");
    assert!(
        ws.path().join(".toolbench/seals/plain.json").is_file(),
        "the acceptance did not finish"
    );
    // Calls are not held behind it: the other tool answers.
    let answer = agent.call("plain", serde_json::json!({})).to_string();
    assert!(answer.contains("plain-ran"), "{answer}");
    agent.call("planted", serde_json::json!({}));

    // Nothing of the outside file reached toolbench's state, and the file is as it was.
    let mut found = Vec::new();
    let mut pending = vec![ws.path().join(".toolbench")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let meta = entry.path().symlink_metadata().expect("meta");
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file()
                && std::fs::read(entry.path())
                    .is_ok_and(|bytes| bytes.windows(marker.len()).any(|w| w == marker.as_bytes()))
            {
                found.push(entry.path());
            }
        }
    }
    assert!(found.is_empty(), "the outside file was copied: {found:?}");
    assert_eq!(std::fs::read_to_string(&secret).expect("secret"), marker);
    assert_eq!(
        std::fs::metadata(&secret)
            .expect("meta")
            .modified()
            .expect("mtime"),
        before
    );
}
