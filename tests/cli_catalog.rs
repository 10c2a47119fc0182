//! The catalog CLI (`init`, `list`, `show`, `completions`) driven through the real binary.

mod common;

use common::*;
use std::process::Command;

#[test]
fn list_json_has_the_contract_fields_for_every_sample_tool() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tools: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).expect("JSON array");
    assert!(tools.len() >= 12, "{}", tools.len());
    for tool in &tools {
        for field in [
            "name",
            "version",
            "tier",
            "path",
            "description",
            "category",
            "cost_tier",
            "keywords",
            "capabilities",
            "error",
        ] {
            assert!(tool.get(field).is_some(), "{field} missing in {tool}");
        }
    }
    let broken = tools
        .iter()
        .find(|t| t["name"] == "url_extract")
        .expect("broken tool listed");
    assert!(
        broken["error"]
            .as_str()
            .unwrap_or_default()
            .contains("cost_tier"),
        "{broken}"
    );
    let csv = tools
        .iter()
        .find(|t| t["name"] == "csv_to_json" && t["tier"] == "approved")
        .expect("csv");
    assert_eq!(csv["error"], serde_json::Value::Null);
    assert!(
        csv["path"]
            .as_str()
            .unwrap_or_default()
            .ends_with("approved/csv_to_json")
    );
    let tiers: std::collections::BTreeSet<_> = tools
        .iter()
        .map(|t| t["tier"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(tiers.len(), 4, "{tiers:?}");
}

#[test]
fn list_filters_by_tier_and_prints_a_table() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["list", "--tier", "core"]);
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(text.starts_with("TIER"), "{text}");
    assert!(
        text.lines().skip(1).all(|l| l.starts_with("core")),
        "{text}"
    );
    // An empty tier is named, not the workspace said to be empty.
    std::fs::remove_dir_all(ws.path().join("archived")).expect("archived");
    std::fs::create_dir(ws.path().join("archived")).expect("archived");
    let out = toolbench(ws.path(), &["list", "--tier", "archived"]);
    assert!(out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        format!("no tools in archived/ of {}", ws.path().display())
    );
}

#[test]
fn bad_tier_is_a_usage_error() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["list", "--tier", "gold"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown value \"gold\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_root_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nowhere");
    let out = toolbench(&missing, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("nowhere: workspace root does not exist"),
        "{err}"
    );
}

/// `--root` (or `TOOLBENCH_ROOT`) on a folder that is not a workspace: one line naming
/// `toolbench init`, exit 1, and nothing written, neither into the folder nor into the list of
/// workspaces. `init` makes it one, and then it opens.
#[test]
fn a_root_that_is_not_a_workspace_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let user = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let d = dir.path().display();
    let expected =
        format!("toolbench: not a toolbench workspace: {d} (`toolbench init {d}` makes one)\n");
    for args in [&["list"][..], &["runs", "--json"], &["mcp"], &[]] {
        let out = toolbench_command(dir.path(), user.path(), args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), expected, "{args:?}");
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
    let out = Command::new(bin())
        .arg("list")
        .current_dir(user.path())
        .envs(user_dirs(user.path()))
        .env("TOOLBENCH_ROOT", dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), expected);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    assert!(!user.path().join("data").exists());

    let out = toolbench_command(dir.path(), user.path(), &["init", &d.to_string()])
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = toolbench_command(dir.path(), user.path(), &["list", "--json"])
        .output()
        .expect("list");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn empty_workspace_lists_nothing_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(
        toolbench(dir.path(), &["init", &dir.path().display().to_string()])
            .status
            .success()
    );
    let out = toolbench(dir.path(), &["list", "--json"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), "[]");
    let out = toolbench(dir.path(), &["list"]);
    assert!(stderr(&out).contains("no tools in"), "{}", stderr(&out));
}

#[test]
fn every_bad_manifest_is_reported_and_the_good_tool_still_lists() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    write_tool(root, "approved", "good", &minimal_manifest("good"));
    write_tool(root, "experimental", "empty", "");
    write_tool(root, "experimental", "truncated", "name = \"t\"\n[run\n");
    let folder = write_tool(root, "experimental", "binary", "");
    std::fs::write(folder.join("tool.toml"), b"name = \"\xc3\x28\"\n").expect("write");
    let folder = write_tool(root, "experimental", "huge", "");
    std::fs::write(folder.join("tool.toml"), vec![b'#'; 10 * 1024 * 1024]).expect("write");
    write_tool(
        root,
        "experimental",
        "dupe",
        &format!("name = \"a\"\n{}", minimal_manifest("dupe")),
    );
    write_tool(
        root,
        "experimental",
        "escape",
        &minimal_manifest("good").replace("\"good\"", "\"../x\""),
    );
    write_tool(
        root,
        "experimental",
        "nested",
        &minimal_manifest("good").replace("\"good\"", "\"a/b\""),
    );
    write_tool(
        root,
        "experimental",
        "pricey",
        &minimal_manifest("pricey").replace("\"low\"", "\"extreme\""),
    );
    write_tool(
        root,
        "experimental",
        "semver",
        &minimal_manifest("semver").replace("1.0.0", "1.0"),
    );
    let out = toolbench(root, &["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tools: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).expect("JSON");
    let error_of = |dir: &str| {
        tools
            .iter()
            .find(|t| {
                t["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(&format!("/{dir}")))
            })
            .and_then(|t| t["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("{dir} has no error"))
    };
    assert!(error_of("empty").contains("experimental/empty/tool.toml: file is empty"));
    assert!(error_of("truncated").starts_with("experimental/truncated/tool.toml:2: invalid TOML"));
    assert!(error_of("binary").contains("not valid UTF-8"));
    assert!(error_of("huge").contains("larger than the 1048576 byte limit"));
    assert!(error_of("dupe").contains("duplicate key"));
    assert!(error_of("escape").contains("field `name`: \"../x\" is not a valid tool name"));
    assert!(error_of("nested").contains("field `name`: \"a/b\" is not a valid tool name"));
    assert!(error_of("pricey").contains("field `cost_tier`: unknown value \"extreme\""));
    assert!(error_of("semver").contains("field `version`: \"1.0\" is not a semantic version"));
    let good = tools
        .iter()
        .find(|t| t["name"] == "good")
        .expect("good listed");
    assert_eq!(good["error"], serde_json::Value::Null);
}

#[test]
fn show_prints_manifest_and_accepts_name_at_version() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["show", "csv_to_json@1.3.0", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tool: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(tool["tier"], "experimental");
    assert_eq!(
        tool["manifest"]["provenance"]["parent"],
        "csv_to_json@1.2.0"
    );
    let out = toolbench(ws.path(), &["show", "csv_to_json"]);
    assert!(
        stdout(&out).contains("csv_to_json 1.2.0  [approved]"),
        "{}",
        stdout(&out)
    );
    let out = toolbench(ws.path(), &["show", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no tool named \"nope\""));
    let out = toolbench(ws.path(), &["show", "csv_to_json@9.9.9"]);
    assert!(
        stderr(&out).contains("has no version 9.9.9 (known: 1.2.0, 1.3.0)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_creates_a_workspace_with_gitignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("ws");
    let out = std::process::Command::new(bin())
        .arg("init")
        .arg(&target)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    for tier in ["core", "approved", "experimental", "archived"] {
        assert!(target.join(tier).is_dir(), "{tier}");
    }
    let gitignore = std::fs::read_to_string(target.join(".gitignore")).expect("gitignore");
    assert!(gitignore.contains("experimental/") && gitignore.contains(".toolbench/"));
    let out = toolbench(&target, &["list", "--json"]);
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn completions_are_generated_for_bash() {
    let out = std::process::Command::new(bin())
        .args(["completions", "bash"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(stdout(&out).contains("toolbench"));
}

/// A mistake in the workspace's toolbench.toml or the user config stops toolbench with one
/// line naming the file, the line and the field with its table, and saying what is expected
/// in words (not serde's `expected u64`, nor Rust's `1..=65536`) and what was given.
#[test]
fn bad_config_names_file_line_field_and_what_is_expected() {
    let processes = "field `run.max_processes`: expected a whole number from 1 to 65536, found";
    for (text, said) in [
        (
            "preset = \"turbo\"\n",
            "1: field `preset`: expected one of: minimal, default, full, found \"turbo\""
                .to_string(),
        ),
        (
            "preset = 5\n",
            "1: field `preset`: expected a string or a table, found 5".to_string(),
        ),
        (
            "[run]\nmax_processes = \"many\"\n",
            format!("2: {processes} \"many\""),
        ),
        ("[run]\nmax_processes = -1\n", format!("2: {processes} -1")),
        (
            "[run]\nmax_processes = 1e3\n",
            format!("2: {processes} 1e3"),
        ),
        ("[run]\nmax_processes = 0\n", format!("2: {processes} 0")),
        (
            "[sandbox]\nhide = \"/srv\"\n",
            "2: field `sandbox.hide`: expected a list of paths, found \"/srv\"".to_string(),
        ),
        (
            "[ui]\nsort = \"size\"\n",
            "2: field `ui.sort`: expected one of: name, tier, quality, found \"size\"".to_string(),
        ),
    ] {
        let ws = tempfile::tempdir().expect("tempdir");
        std::fs::write(ws.path().join("toolbench.toml"), text).expect("write");
        let out = toolbench(ws.path(), &["list"]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let file = ws.path().join("toolbench.toml");
        assert_eq!(
            stderr(&out),
            format!("toolbench: {}:{said}\n", file.display()),
            "{text}"
        );

        let ws = empty_workspace();
        user_config(ws.path(), text);
        let out = toolbench(ws.path(), &["list"]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = stderr(&out);
        assert!(
            err.starts_with("toolbench: /") && err.ends_with(&format!("/config.toml:{said}\n")),
            "{text}: {err}"
        );
    }
    // A user config's own setting, as a workspace may not name it.
    let ws = empty_workspace();
    user_config(ws.path(), "[evolve]\ncommand = \"python3 ev.py\"\n");
    let out = toolbench(ws.path(), &["list"]);
    assert!(
        stderr(&out).ends_with(
            "config.toml:2: field `evolve.command`: expected a list of strings, found \"python3 ev.py\"\n"
        ),
        "{}",
        stderr(&out)
    );
}

/// The README's quick start, as a new user runs it: the workbench opens a copy of the sample
/// workspace, so deciding there leaves the tracked `tools/` (and the git checkout) unchanged.
#[test]
fn the_quick_start_opens_a_copy_so_decisions_leave_the_tracked_tools_alone() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let quick_start = readme
        .split("## Quick start")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|block| block.split("```").next())
        .expect("a sh block in the Quick start");
    // Each line a command, or several joined by `&&`, which run in turn as sh would.
    let commands: Vec<&str> = quick_start
        .lines()
        .map(|l| l.split(" #").next().unwrap_or(l))
        .flat_map(|l| l.split("&&"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let opens = commands
        .iter()
        .find(|c| c.starts_with("cargo run"))
        .expect("the quick start opens the workbench");
    let root = opens
        .split_whitespace()
        .skip_while(|w| *w != "--root")
        .nth(1)
        .expect("the workbench is opened on a workspace named with --root, not tools/");

    // Run the lines before it in a checkout of our own, with /tmp moved into a temp dir.
    let checkout = sample_workspace();
    let repo = tempfile::tempdir().expect("repo");
    copy_dir(checkout.path(), &repo.path().join("tools"));
    let tmp = tempfile::tempdir().expect("tmp");
    let ours = |text: &str| text.replace("/tmp/", &format!("{}/", tmp.path().display()));
    let setup: Vec<String> = commands
        .iter()
        .take_while(|c| !c.starts_with("cargo"))
        .map(|c| ours(c))
        .collect();
    let status = std::process::Command::new("sh")
        .arg("-ec")
        .arg(setup.join("\n"))
        .current_dir(repo.path())
        .status()
        .expect("sh");
    assert!(status.success(), "{setup:?}");
    let copy = std::path::PathBuf::from(ours(root));
    let before = listing(&repo.path().join("tools"));
    // Approving the candidate moves it out of experimental/: in the copy.
    approve(&copy, "csv_to_json@1.3.0");
    assert!(!copy.join("experimental/csv_to_json-1.3.0").exists());
    assert!(copy.join(".toolbench").is_dir());
    assert_eq!(
        listing(&repo.path().join("tools")),
        before,
        "the tracked tools/ did not change"
    );
}

/// Every path under `dir` with its size, sorted.
fn listing(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            out.push((relative, if meta.is_dir() { 0 } else { meta.len() }));
        }
    }
    out.sort();
    out
}

/// The sample tools are run by their manifest's command (`python3 main.py`): a file of them
/// that is executable starts with a shebang, so linters (ruff's EXE002) have nothing to say
/// about how it is committed.
#[test]
fn every_executable_sample_file_has_a_shebang() {
    use std::os::unix::fs::PermissionsExt;
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() && entry.file_name() != ".toolbench" {
                walk(&path, found);
            } else if meta.is_dir() {
            } else if meta.permissions().mode() & 0o111 != 0 {
                let bytes = std::fs::read(&path).expect("read");
                if !bytes.starts_with(b"#!") {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools");
    let mut found = Vec::new();
    walk(&tools, &mut found);
    assert!(found.is_empty(), "executable without a shebang: {found:#?}");
}

/// Two folders answering one NAME@VERSION are two tools: `run`, `show` and `validate` refuse
/// to pick one, name both, and say how to choose (their content, as they share a version).
#[test]
fn a_version_two_folders_answer_is_never_resolved_by_picking_one() {
    let ws = sample_workspace();
    let root = ws.path();
    for folder in ["dup_a", "dup_b"] {
        let tool = write_tool(root, "experimental", folder, &minimal_manifest("dupe"));
        std::fs::write(tool.join("run.sh"), format!("echo {folder}\n")).expect("script");
    }
    for args in [
        &["run", "dupe@1.0.0"][..],
        &["show", "dupe@1.0.0"],
        &["validate", "dupe@1.0.0"],
        &["show", "dupe"],
    ] {
        let out = toolbench(root, args);
        assert!(
            !out.status.success(),
            "{args:?} picked one: {}",
            stdout(&out)
        );
        let err = stderr(&out);
        assert!(
            err.contains("dupe@1.0.0 experimental/dup_a ")
                && err.contains("dupe@1.0.0 experimental/dup_b ")
                && err.trim_end().ends_with("; say which with --hash PREFIX"),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
