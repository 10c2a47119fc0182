//! The catalog CLI (`init`, `list`, `show`, `completions`) driven through the real binary.

mod common;

use common::*;

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

#[test]
fn empty_workspace_lists_nothing_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
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

#[test]
fn bad_workspace_config_names_file_line_and_field() {
    let ws = tempfile::tempdir().expect("tempdir");
    std::fs::write(ws.path().join("toolbench.toml"), "preset = \"turbo\"\n").expect("write");
    let out = toolbench(ws.path(), &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("toolbench.toml:1: field `preset`: unknown variant `turbo`"),
        "{}",
        stderr(&out)
    );
}
