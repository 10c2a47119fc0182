//! toolbench's own git runs no program that configuration names (DESIGN §11 rule 5): with
//! `[git] auto_commit`, a decision is committed with every hook, fsmonitor, filter and helper
//! switched off, whatever the repository's, the user's or the caller's environment says, and a
//! repository whose own configuration names a program is reported and not used. Each test
//! first proves its payload would run (the same git, as a person would call it, runs it), then
//! that toolbench's decision never did.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A payload that leaves `marker` behind when any program runs it.
fn payload(dir: &Path, marker: &Path) -> PathBuf {
    let script = dir.join("payload.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho ran >> '{}'\ncat\n", marker.display()),
    )
    .expect("payload");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// git as a person calls it, in `dir`, with the test's own user configuration in `home`.
fn git_in(dir: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git")
}

fn git_ok(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = git_in(dir, home, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// A repository holding the sample workspace in `tools/`, with `[git] auto_commit`, its first
/// commit made, and a home folder of its own (`home`) with the committer's name.
struct Repo {
    _dir: tempfile::TempDir,
    top: PathBuf,
    root: PathBuf,
    home: PathBuf,
    marker: PathBuf,
    payload: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let top = dir.path().join("repo");
        let root = top.join("tools");
        copy_dir(sample_workspace().path(), &root);
        let mut settings = std::fs::read_to_string(root.join("toolbench.toml")).unwrap_or_default();
        settings.push_str("\n[git]\nauto_commit = true\n");
        std::fs::write(root.join("toolbench.toml"), settings).expect("settings");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n",
        )
        .expect("gitconfig");
        let marker = dir.path().join("ran.txt");
        let payload = payload(dir.path(), &marker);
        git_ok(&top, &home, &["init", "-q"]);
        git_ok(&top, &home, &["add", "-A"]);
        git_ok(&top, &home, &["commit", "-q", "-m", "sample"]);
        Repo {
            _dir: dir,
            top,
            root,
            home,
            marker,
            payload,
        }
    }

    fn head(&self) -> String {
        git_ok(&self.top, &self.home, &["rev-parse", "HEAD"])
    }

    fn ran(&self) -> bool {
        self.marker.exists()
    }

    /// Proves the payload runs for git as a person calls it in `dir` (`git status`), then
    /// forgets that it ran.
    fn prove_payload_runs(&self, dir: &Path, args: &[&str]) {
        let _ = git_in(dir, &self.home, args);
        assert!(
            self.ran(),
            "the setup is wrong: git {args:?} did not run the payload"
        );
        std::fs::remove_file(&self.marker).expect("forget");
    }

    /// `toolbench promote slugify` with this repository's home folder and `env`.
    fn promote(&self, env: &[(&str, &str)]) -> std::process::Output {
        let config = tempfile::tempdir().expect("config");
        toolbench_command(&self.root, config.path(), &["promote", "slugify"])
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .envs(env.iter().copied())
            .output()
            .expect("toolbench")
    }
}

fn committed(out: &std::process::Output) -> bool {
    stdout(out).contains("; committed ")
}

/// Blocks: hooks in the repository (`pre-commit`, `prepare-commit-msg`, `commit-msg`,
/// `post-commit`, `post-index-change`) running when toolbench commits a decision. The commit
/// is made; no hook ran.
#[test]
fn no_hook_of_the_repository_runs_when_a_decision_is_committed() {
    let repo = Repo::new();
    let hooks = repo.top.join(".git/hooks");
    for hook in [
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "post-commit",
        "post-index-change",
    ] {
        std::os::unix::fs::symlink(&repo.payload, hooks.join(hook)).expect("hook");
    }
    repo.prove_payload_runs(&repo.top, &["commit", "-q", "--allow-empty", "-m", "probe"]);
    let before = repo.head();
    let out = repo.promote(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(committed(&out), "{}{}", stdout(&out), stderr(&out));
    assert_ne!(repo.head(), before, "a commit was made");
    assert!(!repo.ran(), "a hook ran");
}

/// Blocks: a repository whose `.git/config` names an fsmonitor, a hooks folder or a filter of
/// its own. toolbench does not run git there: the decision stands, the warning names the
/// setting, nothing ran and nothing was committed.
#[test]
fn a_repository_whose_configuration_names_a_program_is_reported_and_not_used() {
    for key in ["core.fsmonitor", "core.hooksPath", "filter.evil.clean"] {
        let repo = Repo::new();
        let payload = repo.payload.display().to_string();
        let proof: &[&str] = match key {
            "core.fsmonitor" => {
                git_ok(&repo.top, &repo.home, &["config", key, &payload]);
                &["status"]
            }
            "core.hooksPath" => {
                let hooks = repo.top.join("hooks");
                std::fs::create_dir_all(&hooks).expect("hooks");
                std::os::unix::fs::symlink(&repo.payload, hooks.join("pre-commit")).expect("hook");
                git_ok(&repo.top, &repo.home, &["config", key, "hooks"]);
                &["commit", "-q", "--allow-empty", "-m", "probe"]
            }
            _ => {
                git_ok(&repo.top, &repo.home, &["config", key, &payload]);
                std::fs::write(repo.top.join(".gitattributes"), "* filter=evil\n").expect("attr");
                &["add", "--dry-run", "-A"]
            }
        };
        repo.prove_payload_runs(&repo.top, proof);
        let before = repo.head();
        let out = repo.promote(&[]);
        assert!(out.status.success(), "{key}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("names programs git would run") && err.contains(&key.to_ascii_lowercase()),
            "{key}: {err}"
        );
        assert!(!committed(&out), "{key}: {}", stdout(&out));
        assert_eq!(repo.head(), before, "{key}: nothing committed");
        assert!(!repo.ran(), "{key}: the payload ran");
        assert_eq!(
            tiers(&repo.root, "slugify"),
            ["core"],
            "{key}: the decision stands"
        );
    }
}

/// Blocks: a `.git` planted between the workspace and the repository's top (a folder of the
/// repository that a tool wrote into), whose configuration names an fsmonitor. toolbench's git
/// would find it first; it reports it and runs nothing.
#[test]
fn a_git_folder_planted_between_the_workspace_and_the_repository_is_not_used() {
    let repo = Repo::new();
    // The workspace one folder deeper, below a planted repository.
    let middle = repo.top.join("middle");
    std::fs::create_dir_all(&middle).expect("middle");
    let root = middle.join("tools");
    std::fs::rename(&repo.root, &root).expect("move the workspace");
    git_ok(&middle, &repo.home, &["init", "-q"]);
    git_ok(
        &middle,
        &repo.home,
        &[
            "config",
            "core.fsmonitor",
            &repo.payload.display().to_string(),
        ],
    );
    repo.prove_payload_runs(&middle, &["status"]);
    let config = tempfile::tempdir().expect("config");
    let out = toolbench_command(&root, config.path(), &["promote", "slugify"])
        .env("HOME", &repo.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("toolbench");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("core.fsmonitor"), "{}", stderr(&out));
    assert!(!repo.ran(), "the planted fsmonitor ran");
}

/// Blocks: the caller's environment steering toolbench's git: `GIT_DIR` naming another
/// repository, and `GIT_CONFIG_COUNT`/`_KEY_0`/`_VALUE_0` setting an fsmonitor. Neither
/// reaches it: the payload never runs and the commit lands in the workspace's repository.
#[test]
fn the_callers_git_environment_never_reaches_toolbenchs_git() {
    let repo = Repo::new();
    let other = repo.top.parent().expect("parent").join("other");
    std::fs::create_dir_all(&other).expect("other");
    git_ok(&other, &repo.home, &["init", "-q"]);
    let other_git = other.join(".git");
    let payload = repo.payload.display().to_string();
    let env = [
        ("GIT_DIR", other_git.to_str().expect("utf-8")),
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", "core.fsmonitor"),
        ("GIT_CONFIG_VALUE_0", payload.as_str()),
    ];
    let probe = Command::new("git")
        .arg("-C")
        .arg(&repo.top)
        .args(["status"])
        .env("HOME", &repo.home)
        .env_remove("GIT_DIR")
        .envs(env[1..].iter().copied())
        .output()
        .expect("git");
    assert!(probe.status.success(), "{}", stderr(&probe));
    assert!(
        repo.ran(),
        "the setup is wrong: the variables do not run the payload"
    );
    std::fs::remove_file(&repo.marker).expect("forget");
    let before = repo.head();
    let out = repo.promote(&env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(committed(&out), "{}{}", stdout(&out), stderr(&out));
    assert_ne!(
        repo.head(),
        before,
        "committed in the workspace's repository"
    );
    assert!(!repo.ran(), "the caller's configuration ran the payload");
}

/// The user's own filter drivers (git-lfs and the like, in `~/.gitconfig`) are switched off
/// too: the tool's files are committed as they are, and the driver never reads them.
#[test]
fn a_filter_of_the_users_own_configuration_is_not_run_on_a_decision() {
    let repo = Repo::new();
    let mut global = std::fs::read_to_string(repo.home.join(".gitconfig")).expect("read");
    global.push_str(&format!(
        "[filter \"mine\"]\n\tclean = {}\n",
        repo.payload.display()
    ));
    std::fs::write(repo.home.join(".gitconfig"), global).expect("gitconfig");
    std::fs::write(repo.top.join(".gitattributes"), "* filter=mine\n").expect("attr");
    git_ok(&repo.top, &repo.home, &["add", ".gitattributes"]);
    repo.prove_payload_runs(&repo.top, &["add", "-A", "--", "tools/toolbench.toml"]);
    git_ok(&repo.top, &repo.home, &["commit", "-q", "-m", "attributes"]);
    // The test's own git may run the filter again as it commits: only toolbench's counts.
    let _ = std::fs::remove_file(&repo.marker);
    let out = repo.promote(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(committed(&out), "{}{}", stdout(&out), stderr(&out));
    assert!(!repo.ran(), "the user's filter ran");
}

fn tiers(root: &Path, name: &str) -> Vec<String> {
    let out = toolbench(root, &["list", "--json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).expect("json");
    listed
        .iter()
        .filter(|t| t["name"] == name)
        .map(|t| t["tier"].as_str().unwrap_or_default().to_string())
        .collect()
}
