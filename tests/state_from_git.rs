//! What a commit carries into `.toolbench/` is never taken as a decision made on this machine.
//!
//! The state folder sits inside the workspace, and `git add -f` puts files into it past the
//! `.gitignore`: into a fresh clone, and into a teammate's own state folder by a pull. A seal
//! so carried made an approved tool nobody reviewed there run; an intent so carried was
//! finished at the next start as if a person had decided it. Each machine here is a home
//! folder of its own; each case first shows the carried file works where it was made, then
//! that the teammate's toolbench does not run the tool (judged by the mark a run leaves in
//! the project, not by what toolbench says).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::machine::Machine;
use common::{bin, stderr, stdout};

/// Runs `name` on `machine`: whether it ran, judged by the mark it leaves in that machine's
/// project.
fn ran(machine: &Machine, root: &Path, name: &str) -> Result<(), String> {
    machine.forget_run(name);
    let out = machine.toolbench(root, &["run", name]);
    match (out.status.success(), machine.ran(name)) {
        (true, true) => Ok(()),
        (false, false) => Err(stderr(&out)),
        (ok, marked) => panic!(
            "{name}: exit ok {ok}, mark {marked}: {}{}",
            stdout(&out),
            stderr(&out)
        ),
    }
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
}

/// A tool that leaves a mark in the project it may write.
fn write_tool(root: &Path, tier: &str, name: &str) {
    let folder = root.join(tier).join(name);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("tool.toml"),
        format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"leaves a mark\"\n\
             cost_tier = \"low\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n\n\
             [permissions]\nproject = \"write\"\n"
        ),
    )
    .expect("manifest");
    std::fs::write(folder.join("run.sh"), format!("echo ran > ran-{name}\n")).expect("run.sh");
}

/// Ana's repository: a workspace she accepted, one reviewed tool, committed (the state folder
/// ignored, as `init` writes it).
struct Repo {
    ana: Machine,
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let ana = Machine::new();
        let dir = tempfile::tempdir().expect("repo");
        ana.git(dir.path(), &["init", "-q"]);
        let repo = Repo { ana, dir };
        ok(
            &repo
                .ana
                .command(bin())
                .arg("init")
                .arg(repo.root())
                .output()
                .expect("init"),
            "init",
        );
        write_tool(&repo.root(), "approved", "greet");
        ok(&repo.ana.toolbench(&repo.root(), &["accept"]), "accept");
        assert!(ran(&repo.ana, &repo.root(), "greet").is_ok());
        repo.commit("greet", &[]);
        repo
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("tools")
    }

    /// Commits everything, and `forced` past the .gitignore.
    fn commit(&self, message: &str, forced: &[&str]) {
        self.ana.git(self.dir.path(), &["add", "-A"]);
        for path in forced {
            self.ana.git(self.dir.path(), &["add", "-f", path]);
        }
        self.ana
            .git(self.dir.path(), &["commit", "-q", "-m", message]);
    }

    fn clone_for(&self, teammate: &Machine) -> PathBuf {
        let clone = teammate.home.path().join("clone");
        let out = teammate
            .command("git")
            .arg("clone")
            .arg("-q")
            .arg(self.dir.path())
            .arg(&clone)
            .output()
            .expect("git clone");
        assert!(out.status.success(), "{}", stderr(&out));
        clone.join("tools")
    }
}

#[test]
fn a_seal_a_commit_carries_never_makes_a_tool_run_on_a_teammate_s_machine() {
    let repo = Repo::new();
    let root = repo.root();
    // Carol cloned earlier and accepted the workspace: her state folder is her own.
    let carol = Machine::new();
    let theirs = repo.clone_for(&carol);
    ok(&carol.toolbench(&theirs, &["accept"]), "carol accepts");
    assert!(ran(&carol, &theirs, "greet").is_ok());

    // Ana reviews and approves `evil` on her machine, and commits its seal past the
    // .gitignore.
    write_tool(&root, "experimental", "evil");
    ok(
        &repo.ana.toolbench(&root, &["validate", "evil"]),
        "validate",
    );
    ok(&repo.ana.toolbench(&root, &["approve", "evil"]), "approve");
    assert!(
        ran(&repo.ana, &root, "evil").is_ok(),
        "where it was made, the seal works"
    );
    repo.commit("evil, sealed", &["tools/.toolbench/seals/evil.json"]);

    // A fresh clone: the seals came with it, and count for nothing. The workspace was never
    // opened here, and waits for a person to accept what it holds.
    let bob = Machine::new();
    let clone = repo.clone_for(&bob);
    assert!(clone.join(".toolbench/seals/evil.json").is_file());
    let refused = ran(&bob, &clone, "evil").expect_err("a carried seal");
    assert!(refused.contains("never opened here"), "{refused}");
    assert!(
        ran(&bob, &clone, "greet").is_err(),
        "nothing is accepted yet"
    );
    // Accepting puts bob's own seals in place, and keeps the carried ones aside.
    ok(&bob.toolbench(&clone, &["accept"]), "bob accepts");
    assert!(ran(&bob, &clone, "greet").is_ok());
    let aside: Vec<_> = std::fs::read_dir(clone.join(".toolbench"))
        .expect("state")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("seals.not-made-here-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the carried seals, kept aside");

    // A pull writes the seal into Carol's own state folder: it counts for nothing either,
    // and her own seals still hold.
    carol.git(&theirs.join(".."), &["pull", "-q"]);
    assert!(
        theirs.join(".toolbench/seals/evil.json").is_file(),
        "pulled in"
    );
    let refused = ran(&carol, &theirs, "evil").expect_err("a seal pulled in");
    assert!(
        refused.contains("not written by toolbench for this user"),
        "{refused}"
    );
    assert!(
        ran(&carol, &theirs, "greet").is_ok(),
        "her own seals still hold"
    );

    // A commit that carries the whole folder of seals overwrites her ignored files with
    // ana's: nothing of it is hers, so the workspace waits for her acceptance again.
    repo.commit("all of ana's seals", &["tools/.toolbench/seals"]);
    carol.git(&theirs.join(".."), &["pull", "-q"]);
    let refused = ran(&carol, &theirs, "greet").expect_err("ana's folder of seals");
    assert!(refused.contains("never opened here"), "{refused}");
    assert!(ran(&carol, &theirs, "evil").is_err());
}

#[test]
fn an_interrupted_decision_a_commit_carries_is_never_finished_on_a_teammate_s_machine() {
    let repo = Repo::new();
    let root = repo.root();
    let carol = Machine::new();
    let theirs = repo.clone_for(&carol);
    ok(&carol.toolbench(&theirs, &["accept"]), "carol accepts");

    // Ana's approval of `evil` stops after its first move (as a crash would), and its intent
    // and what had moved are committed past the .gitignore.
    write_tool(&root, "experimental", "evil");
    ok(
        &repo.ana.toolbench(&root, &["validate", "evil"]),
        "validate",
    );
    let out = repo
        .ana
        .command(bin())
        .arg("--root")
        .arg(&root)
        .args(["approve", "evil"])
        .env("TOOLBENCH_CRASH_AT", "after-first-move")
        .output()
        .expect("approve");
    assert!(!out.status.success(), "the approval was cut short");
    let journal = root.join(".toolbench/journal");
    assert!(
        std::fs::read_dir(&journal).expect("journal").count() > 0,
        "its intent is left"
    );
    repo.commit(
        "an interrupted approval",
        &["tools/.toolbench/journal", "tools/.toolbench/staging"],
    );
    carol.git(&theirs.join(".."), &["pull", "-q"]);
    assert!(
        std::fs::read_dir(theirs.join(".toolbench/journal"))
            .expect("pulled journal")
            .count()
            > 0
    );
    let refused = ran(&carol, &theirs, "evil").expect_err("a carried intent");
    assert!(!refused.is_empty());
    let listed = stdout(&carol.toolbench(&theirs, &["list"]));
    assert!(
        !theirs.join(".toolbench/seals/evil.json").exists(),
        "nothing sealed evil on carol's machine: {listed}"
    );
    assert!(
        ran(&carol, &theirs, "greet").is_ok(),
        "her own seals still hold"
    );

    // Where it was made, the intent is finished at the next start: evil runs for ana.
    assert!(
        ran(&repo.ana, &root, "evil").is_ok(),
        "the carried intent is one that would approve"
    );
}

/// Where the key that marks toolbench's own writes cannot be kept, no workspace opens, in one
/// line saying where it looked: believing every file then would believe what a commit
/// carried. Nothing is written where a key could not be made.
#[test]
fn without_a_key_of_its_own_toolbench_opens_nothing_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("ws");
    std::fs::create_dir_all(root.join("core")).expect("workspace");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").expect("file");
    let short = dir.path().join("short.key");
    std::fs::write(&short, "12345").expect("short key");
    let cases = [
        (
            blocker.join("state.key"),
            "a-file/state.key: Not a directory",
        ),
        (short.clone(), "short.key: holds 5 bytes, not 32"),
        (PathBuf::from("relative.key"), "not an absolute file path"),
    ];
    for (key, why) in cases {
        let out = std::process::Command::new(bin())
            .arg("--root")
            .arg(&root)
            .arg("list")
            .envs(common::user_dirs(dir.path().join("config")))
            .env("TOOLBENCH_STATE_KEY", &key)
            .output()
            .expect("toolbench");
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("cannot keep the key that marks toolbench's own writes")
                && err.contains(why)
                && err.contains("TOOLBENCH_STATE_KEY"),
            "{err}"
        );
        assert!(!root.join(".toolbench").exists(), "nothing written");
    }
    assert_eq!(
        std::fs::read(&short).expect("key"),
        b"12345",
        "left as it was"
    );
}
