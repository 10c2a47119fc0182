//! Tools with dependencies (docs/dependencies.md): declared in the tool's files, resolved and
//! installed by `uv` in the sandbox during validation, locked by hash into the content a person
//! approves. Real binary, real sandbox; packages are made here and served from loopback.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A workspace of its own, with a user config folder holding `config` as its config.toml.
struct Bench {
    root: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Bench {
    fn new(config: &str) -> Self {
        let root = tempfile::tempdir().expect("root");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(root.path().join(tier)).expect("tier");
        }
        let bench = Bench {
            root,
            config: tempfile::tempdir().expect("config"),
        };
        std::fs::write(bench.config.path().join("config.toml"), config).expect("config");
        bench
    }

    fn root(&self) -> &Path {
        self.root.path()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        toolbench_command(self.root(), self.config.path(), args)
            .output()
            .expect("toolbench")
    }

    fn validate(&self, spec: &str) -> Value {
        let out = self.run(&["validate", spec, "--json"]);
        serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)))
    }

    /// A Python candidate `name` whose main.py is `script`.
    fn python_tool(&self, name: &str, script: &str, manifest_extra: &str) -> PathBuf {
        let folder = self.root().join("experimental").join(name);
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(
            folder.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"uses a package\"\n\
                 cost_tier = \"low\"\n\n[run]\ncommand = [\"python3\", \"main.py\"]\n\
                 input = \"none\"\n{manifest_extra}\n"
            ),
        )
        .expect("manifest");
        std::fs::write(folder.join("main.py"), script).expect("script");
        folder
    }
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no check {name} in {report}"))
}

#[test]
fn a_broken_script_block_is_one_line_naming_file_line_and_field() {
    let bench = Bench::new("");
    bench.python_tool(
        "broken_block",
        "# /// script\n# dependencies = \"tinydep\"\n# ///\nprint('{}')\n",
        "",
    );
    let report = bench.validate("broken_block");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert_eq!(
        message,
        "main.py:2: field `dependencies`: must be an array of strings such as [\"requests>=2\"]"
    );
}

#[test]
fn a_requirements_file_with_options_is_refused_by_line() {
    let bench = Bench::new("");
    let folder = bench.python_tool("with_options", "print('{}')\n", "");
    std::fs::write(
        folder.join("requirements.txt"),
        "tinydep\n--extra-index-url https://elsewhere.example/simple\n",
    )
    .expect("requirements");
    let report = bench.validate("with_options");
    let message = check(&report, "dependencies")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.starts_with("requirements.txt:2: field `dependencies`:"),
        "{message}"
    );
}

#[test]
fn a_direct_url_requirement_is_refused_unless_the_config_allows_it() {
    let script = "# /// script\n# dependencies = [\"tinydep @ https://elsewhere.example/tinydep-1.0.0-py3-none-any.whl\"]\n# ///\nprint('{}')\n";
    let bench = Bench::new("");
    bench.python_tool("direct", script, "[dependencies]\nallow_direct = true\n");
    let report = bench.validate("direct");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    assert!(
        deps["message"]
            .as_str()
            .is_some_and(|m| m.contains("allow_direct")),
        "{deps}"
    );
    // The user's config allows it: it is no longer refused for being direct.
    let allowed = Bench::new("[dependencies]\nallow_direct = true\n");
    allowed.python_tool("direct", script, "[dependencies]\nallow_direct = true\n");
    let report = allowed.validate("direct");
    let message = check(&report, "dependencies")["message"].to_string();
    assert!(!message.contains("allow_direct"), "{message}");
}

#[test]
fn bad_dependency_settings_are_one_line_naming_file_and_field() {
    let bench = Bench::new("[dependencies]\nindex = \"ftp://mirror\"\n");
    let out = bench.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml") && err.contains("dependencies.index"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // A workspace file travels with the tools: it may not allow direct requirements.
    let bench = Bench::new("");
    std::fs::write(
        bench.root().join("toolbench.toml"),
        "[dependencies]\nallow_direct = true\n",
    )
    .expect("workspace config");
    let err = stderr(&bench.run(&["list"]));
    assert!(err.contains("dependencies.allow_direct"), "{err}");
    // A manifest's index is checked as the tool is read.
    let bench = Bench::new("");
    bench.python_tool(
        "bad_index",
        "print(1)\n",
        "[dependencies]\nindex = \"not a url\"\n",
    );
    let out = bench.run(&["show", "bad_index"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("tool.toml:10: field `index`: \"not a url\""),
        "{text}"
    );
}
