//! Signed reviews across machines (DESIGN §11 rule 6): a reviewer signs approvals with an SSH
//! key, the statements travel through git, and a teammate's clone in another home folder runs
//! exactly what was signed and refuses everything else. Real `ssh-keygen`, real `git`, the
//! real binary; each "machine" is a home folder of its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::machine::Machine;
use common::{bin, stderr, stdout};
use serde_json::{Value, json};

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// A tool that says it ran, and leaves a mark in the project it writes (`ran-NAME`).
fn write_tool(root: &Path, tier: &str, name: &str, version: &str) -> PathBuf {
    write_tool_with(root, tier, name, version, "")
}

/// `write_tool` with `top` (top-level manifest lines) added.
fn write_tool_with(root: &Path, tier: &str, name: &str, version: &str, top: &str) -> PathBuf {
    let folder = root.join(tier).join(name);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("tool.toml"),
        format!(
            "name = \"{name}\"\nversion = \"{version}\"\ndescription = \"says it ran\"\n\
             cost_tier = \"low\"\n{top}\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n\n\
             [permissions]\nproject = \"write\"\n"
        ),
    )
    .expect("manifest");
    std::fs::write(
        folder.join("run.sh"),
        format!("echo RAN {name} {version}\necho ran > ran-{name}\n"),
    )
    .expect("run.sh");
    folder
}

/// Runs `name` and says whether it ran (its output) or was refused (and why). An active tool
/// that ran left its mark in the project; a refused one left none, and printed nothing.
fn run(machine: &Machine, root: &Path, name: &str) -> Result<String, String> {
    machine.forget_run(name);
    let out = machine.toolbench(root, &["run", name]);
    if out.status.success() {
        let said = stdout(&out);
        assert!(said.contains(&format!("RAN {name}")), "{said}");
        let active = ["core", "approved"]
            .iter()
            .any(|tier| root.join(tier).join(name).is_dir());
        // A candidate runs by hand with a stand-in for the project, so its mark stays there.
        assert_eq!(machine.ran(name), active, "{name}: the mark it left");
        Ok(said)
    } else {
        let said = stdout(&out);
        assert!(!said.contains("RAN"), "a refused tool printed {said}");
        assert!(!machine.ran(name), "{name} was refused, yet it ran");
        Err(stderr(&out))
    }
}

fn approve(machine: &Machine, root: &Path, name: &str) -> Output {
    ok(&machine.toolbench(root, &["validate", name]), "validate");
    machine.toolbench(root, &["approve", name])
}

fn statement_of(root: &Path, name: &str) -> (PathBuf, PathBuf) {
    let dir = root.join(".reviews").join(name);
    let json = std::fs::read_dir(&dir)
        .expect(".reviews/NAME")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a statement");
    let mut sig = json.clone().into_os_string();
    sig.push(".sig");
    (json, PathBuf::from(sig))
}

/// Ana's repository: a workspace that requires signatures, her key listed as its reviewer, one
/// tool she approved (signed), committed.
struct Team {
    ana: Machine,
    repo: tempfile::TempDir,
}

impl Team {
    fn new() -> Team {
        Team::with_mode("require")
    }

    /// Ana's repository with `[review] signatures = MODE` committed.
    fn with_mode(mode: &str) -> Team {
        let ana = Machine::new();
        let key = ana.key("id_ed25519");
        ana.set_config(&format!(
            "reviewer = \"ana\"\n[review]\nsigning_key = \"{}\"\n",
            key.display()
        ));
        let repo = tempfile::tempdir().expect("repo");
        ana.git(repo.path(), &["init", "-q"]);
        let root = repo.path().join("tools");
        ok(
            &ana.command(bin())
                .arg("init")
                .arg(&root)
                .output()
                .expect("init"),
            "init",
        );
        std::fs::write(
            root.join("toolbench.toml"),
            format!("[review]\nsignatures = \"{mode}\"\n"),
        )
        .expect("toolbench.toml");
        let pubkey = key.with_extension("pub");
        ok(
            &ana.toolbench(
                &root,
                &[
                    "signers",
                    "add",
                    "ana@example.com",
                    pubkey.to_str().expect("utf8"),
                ],
            ),
            "signers add",
        );
        write_tool(&root, "experimental", "greet", "1.0.0");
        let approved = ok(&approve(&ana, &root, "greet"), "approve");
        assert!(approved.contains("signed by ana@example.com"), "{approved}");
        ana.git(repo.path(), &["add", "-A"]);
        ana.git(repo.path(), &["commit", "-q", "-m", "greet, signed"]);
        Team { ana, repo }
    }

    fn root(&self) -> PathBuf {
        self.repo.path().join("tools")
    }

    /// A teammate's clone of the repository, on a machine of their own.
    fn clone_for(&self, teammate: &Machine) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("clone dir");
        let clone = dir.path().join("repo");
        let out = teammate
            .command("git")
            .arg("clone")
            .arg("-q")
            .arg(self.repo.path())
            .arg(&clone)
            .output()
            .expect("git clone");
        assert!(out.status.success(), "{}", stderr(&out));
        (dir, clone.join("tools"))
    }
}

#[test]
fn a_teammate_s_clone_runs_exactly_what_was_signed_and_refuses_everything_else() {
    let team = Team::new();
    let root = team.root();
    // The statement checks with OpenSSH alone, as a team's CI would.
    let (json, sig) = statement_of(&root, "greet");
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(root.join(".reviews/allowed_signers"))
        .args(["-I", "ana@example.com", "-n", "toolbench-review", "-s"])
        .arg(&sig)
        .stdin(std::fs::File::open(&json).expect("statement"))
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        run(&team.ana, &root, "greet").is_ok(),
        "ana runs what she signed"
    );

    // The same review as an in-toto Statement in a DSSE envelope: the payload is the statement
    // file, the signature its .sig, and OpenSSH checks the one over the other.
    let envelope = ok(
        &team.ana.toolbench(&root, &["verify", "--in-toto", "greet"]),
        "verify --in-toto",
    );
    let envelope: Value = serde_json::from_str(&envelope).expect("envelope");
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 text"))
            .expect("base64")
    };
    let payload = b64(&envelope["payload"]);
    assert_eq!(payload, std::fs::read(&json).expect("statement"));
    let signature = &envelope["signatures"][0];
    assert_eq!(signature["keyid"], "ana@example.com");
    assert_eq!(b64(&signature["sig"]), std::fs::read(&sig).expect("sig"));
    let statement: Value = serde_json::from_slice(&payload).expect("statement json");
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["subject"][0]["name"], "greet@1.0.0");
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"]
            .as_str()
            .map(str::len),
        Some(64)
    );
    let decoded = tempfile::tempdir().expect("decoded");
    let (payload_file, sig_file) = (
        decoded.path().join("payload"),
        decoded.path().join("payload.sig"),
    );
    std::fs::write(&payload_file, &payload).expect("payload");
    std::fs::write(&sig_file, b64(&signature["sig"])).expect("sig");
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(root.join(".reviews/allowed_signers"))
        .args(["-I", "ana@example.com", "-n", "toolbench-review", "-s"])
        .arg(&sig_file)
        .stdin(std::fs::File::open(&payload_file).expect("payload"))
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));

    // A tool put into approved/ by a commit, with no statement.
    write_tool(&root, "approved", "sneaky", "1.0.0");
    team.ana.git(team.repo.path(), &["add", "-A"]);
    team.ana.git(
        team.repo.path(),
        &["commit", "-q", "-m", "sneaky, unsigned"],
    );

    let bob = Machine::new();
    let (_dir, clone) = team.clone_for(&bob);
    // Never opened on bob's machine, and its reviewers not accepted there yet: nothing runs,
    // and the refusal points to `signers accept`.
    let refused = run(&bob, &clone, "greet").expect_err("reviewers not accepted here");
    assert!(refused.contains("toolbench signers accept"), "{refused}");
    let listed = ok(&bob.toolbench(&clone, &["signers", "list"]), "signers list");
    assert!(
        listed.contains("waiting") && listed.contains("ana@example.com"),
        "{listed}"
    );
    ok(
        &bob.toolbench(&clone, &["signers", "accept"]),
        "signers accept",
    );

    // What ana signed runs on bob's machine with no `toolbench accept`; what nobody signed
    // does not, in the CLI and in what MCP would list.
    assert!(run(&bob, &clone, "greet").is_ok());
    let refused = run(&bob, &clone, "sneaky").expect_err("unsigned");
    assert!(refused.contains("has no signed review"), "{refused}");
    let out = bob.toolbench(&clone, &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let state = |name: &str| {
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| (r["state"].clone(), r["runs"].clone()))
            .expect("row")
    };
    assert_eq!(state("greet"), ("signed".into(), true.into()));
    assert_eq!(state("sneaky"), ("unsigned".into(), false.into()));
    let greet = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "greet"))
        .expect("greet");
    assert_eq!(greet["principal"], "ana@example.com");
    assert_eq!(greet["namespace"], "toolbench-review");
    assert!(
        greet["statement"]
            .as_str()
            .is_some_and(|s| s.starts_with(".reviews/greet/"))
    );
    let listed = ok(&bob.toolbench(&clone, &["list", "--json"]), "list");
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let drift = |name: &str| {
        listed
            .as_array()
            .and_then(|l| l.iter().find(|e| e["name"] == name))
            .map(|e| e["drift"].clone())
            .expect("listed")
    };
    assert_eq!(drift("greet"), serde_json::Value::Null);
    assert_eq!(drift("sneaky")["state"], "unsigned");
    let signature = |name: &str| {
        listed
            .as_array()
            .and_then(|l| l.iter().find(|e| e["name"] == name))
            .map(|e| e["signature"].clone())
            .expect("listed")
    };
    assert_eq!(signature("greet")["state"], "signed", "{listed}");
    assert_eq!(signature("greet")["principal"], "ana@example.com");
    assert_eq!(signature("sneaky")["state"], "unsigned");
    let shown = ok(&bob.toolbench(&clone, &["show", "greet", "--json"]), "show");
    let shown: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(shown["signature"]["state"], "signed", "{shown}");
    assert_eq!(shown["signature"]["principal"], "ana@example.com");
    let out = bob.toolbench(&clone, &["verify", "--in-toto", "sneaky"]);
    assert_eq!(out.status.code(), Some(1), "no review to print");
    assert!(
        stderr(&out).contains("has no signed review"),
        "{}",
        stderr(&out)
    );

    // An agent sees what verifies and only that: MCP lists greet, not sneaky; calling sneaky
    // runs nothing, calling greet runs it.
    let mut agent = bob.mcp(&clone);
    let tools = agent.request("tools/list", json!({}));
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"greet"), "{names:?}");
    assert!(!names.contains(&"sneaky"), "{names:?}");
    bob.forget_run("sneaky");
    let answer = agent.call("sneaky", json!({}));
    assert!(
        answer.get("error").is_some() || answer["result"]["isError"] == true,
        "{answer}"
    );
    assert!(
        !bob.ran("sneaky"),
        "an agent's call of an unsigned tool ran it"
    );
    bob.forget_run("greet");
    let answer = agent.call("greet", json!({}));
    assert_ne!(answer["result"]["isError"], true, "{answer}");
    assert!(
        bob.ran("greet"),
        "an agent's call of the signed tool ran it"
    );
    drop(agent);

    // With require, bob (no key) approving a candidate is refused, and nothing becomes
    // runnable.
    write_tool(&clone, "experimental", "bobs", "1.0.0");
    let out = approve(&bob, &clone, "bobs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no key can sign"), "{}", stderr(&out));
    assert!(
        clone.join("experimental/bobs").is_dir(),
        "the candidate stays"
    );
    assert!(!clone.join("approved/bobs").exists());
    assert!(
        run(&bob, &clone, "bobs").is_ok(),
        "a candidate runs by hand, as before"
    );
    // A key named that is not there: refused the same way.
    bob.set_config(&format!(
        "[review]\nsigning_key = \"{}\"\n",
        bob.home.path().join(".ssh/missing").display()
    ));
    let out = bob.toolbench(&clone, &["approve", "bobs"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );
    assert!(!clone.join("approved/bobs").exists());
    assert!(
        run(&bob, &clone, "bobs")
            .expect("by hand")
            .contains("RAN bobs")
    );
    assert!(!bob.ran("bobs"), "as a candidate, with a stand-in project");
    let mcp_visible = bob.toolbench(&clone, &["verify", "bobs"]);
    assert_eq!(mcp_visible.status.code(), Some(1), "not an active tool");
}

#[test]
fn statements_that_do_not_cover_the_content_or_do_not_verify_are_refused() {
    let team = Team::new();
    let ana = &team.ana;
    let root = team.root();
    assert!(run(ana, &root, "greet").is_ok());
    let (json, sig) = statement_of(&root, "greet");
    let good_sig = std::fs::read(&sig).expect("sig");

    // A truncated signature.
    std::fs::write(&sig, &good_sig[..good_sig.len() / 2]).expect("truncate");
    let refused = run(ana, &root, "greet").expect_err("truncated");
    assert!(refused.contains("does not verify"), "{refused}");

    // A signature of another namespace: the same key signing for git (a signed commit's).
    let key = ana.key("id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key)
        .stdin(std::fs::File::open(&json).expect("json"))
        .output()
        .expect("sign");
    assert!(out.status.success());
    std::fs::write(&sig, &out.stdout).expect("git signature");
    let refused = run(ana, &root, "greet").expect_err("other namespace");
    assert!(refused.contains("namespace"), "{refused}");

    // A key that is not allowed, signing as ana.
    let eve = ana.key("eve");
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "toolbench-review", "-f"])
        .arg(&eve)
        .stdin(std::fs::File::open(&json).expect("json"))
        .output()
        .expect("sign");
    std::fs::write(&sig, &out.stdout).expect("eve's signature");
    let refused = run(ana, &root, "greet").expect_err("key not allowed");
    assert!(
        refused.contains("not signed by an allowed reviewer"),
        "{refused}"
    );

    // A huge signature file is refused unread; a symlinked statement is not followed.
    std::fs::write(&sig, vec![b'A'; 1 << 20]).expect("huge");
    let refused = run(ana, &root, "greet").expect_err("huge");
    assert!(refused.contains("byte limit"), "{refused}");
    std::fs::write(&sig, &good_sig).expect("restore");
    assert!(
        run(ana, &root, "greet").is_ok(),
        "the good signature verifies again"
    );
    let moved = root.join("greet-statement.json");
    std::fs::rename(&json, &moved).expect("move");
    std::os::unix::fs::symlink(&moved, &json).expect("symlink");
    let refused = run(ana, &root, "greet").expect_err("symlink");
    assert!(refused.contains("symlink"), "{refused}");
    std::fs::remove_file(&json).expect("unlink");
    std::fs::rename(&moved, &json).expect("back");

    // A statement copied to another tool's place.
    let other = write_tool(&root, "approved", "copycat", "1.0.0");
    let entry = ana.toolbench(&root, &["show", "copycat", "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&entry.stdout).expect("show");
    let hash = shown["content_hash"].as_str().expect("hash").to_string();
    let target = root.join(".reviews/copycat");
    std::fs::create_dir_all(&target).expect("mkdir");
    std::fs::copy(&json, target.join(format!("1.0.0-{hash}.json"))).expect("copy");
    std::fs::copy(&sig, target.join(format!("1.0.0-{hash}.json.sig"))).expect("copy sig");
    let refused = run(ana, &root, "copycat").expect_err("copied statement");
    assert!(refused.contains("not of this tool's content"), "{refused}");
    drop(other);

    // Content changed after signing: the statement is of other content.
    let script = root.join("approved/greet/run.sh");
    let _ = std::fs::remove_file(&script);
    std::fs::write(&script, "echo RAN greet changed\n").expect("change");
    let refused = run(ana, &root, "greet").expect_err("changed");
    assert!(
        refused.contains("signed reviews are of other content"),
        "{refused}"
    );
}

#[test]
fn an_allowed_signers_changed_by_a_commit_is_not_trusted_until_accepted() {
    let team = Team::new();
    let bob = Machine::new();
    let (_dir, clone) = team.clone_for(&bob);
    ok(&bob.toolbench(&clone, &["signers", "accept"]), "accept");
    assert!(run(&bob, &clone, "greet").is_ok());

    // Mallory's key and a tool she signed arrive with a commit; ana's signature of greet is
    // still trusted, mallory's is not until bob accepts the change.
    let mallory = Machine::new();
    let key = mallory.key("id_ed25519");
    mallory.set_config(&format!("[review]\nsigning_key = \"{}\"\n", key.display()));
    let root = team.root();
    ok(
        &mallory.toolbench(
            &root,
            &[
                "signers",
                "add",
                "mallory@example.com",
                key.with_extension("pub").to_str().expect("utf8"),
            ],
        ),
        "mallory adds herself",
    );
    write_tool(&root, "experimental", "backdoor", "1.0.0");
    ok(&approve(&mallory, &root, "backdoor"), "mallory approves");
    team.ana.git(team.repo.path(), &["add", "-A"]);
    team.ana
        .git(team.repo.path(), &["commit", "-q", "-m", "a new reviewer"]);
    bob.git(&clone.join(".."), &["pull", "-q"]);

    let refused = run(&bob, &clone, "backdoor").expect_err("signer not accepted here");
    assert!(refused.contains("toolbench signers accept"), "{refused}");
    assert!(
        run(&bob, &clone, "greet").is_ok(),
        "the accepted reviewer still counts"
    );
    let listed = ok(&bob.toolbench(&clone, &["signers", "list"]), "list");
    assert!(
        listed.contains(
            ".reviews/allowed_signers lists 1 reviewer key(s) not accepted on this machine: \
             `toolbench signers accept` trusts the list as it is"
        ),
        "{listed}"
    );
    ok(
        &bob.toolbench(&clone, &["signers", "accept"]),
        "bob accepts",
    );
    assert!(
        run(&bob, &clone, "backdoor").is_ok(),
        "trusted once accepted"
    );

    // A commit that lowers the workspace's mode does not switch verification off here.
    std::fs::write(
        clone.join("toolbench.toml"),
        "[review]\nsignatures = \"off\"\n",
    )
    .expect("lower");
    write_tool(&clone, "approved", "unsigned", "1.0.0");
    let refused = run(&bob, &clone, "unsigned").expect_err("still required here");
    assert!(refused.contains("has no signed review"), "{refused}");
}

#[test]
fn ten_thousand_statements_of_one_name_cost_a_run_nothing() {
    let team = Team::new();
    let ana = &team.ana;
    let root = team.root();
    let folder = root.join(".reviews/greet");
    for i in 0..10_000 {
        let name = format!("0.{i}.0-{:064x}", i);
        std::fs::write(folder.join(format!("{name}.json")), "{}").expect("flood");
    }
    let started = std::time::Instant::now();
    assert!(run(ana, &root, "greet").is_ok());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    write_tool(&root, "approved", "flooded", "1.0.0");
    let other = root.join(".reviews/flooded");
    std::fs::create_dir_all(&other).expect("mkdir");
    for i in 0..10_000 {
        std::fs::write(other.join(format!("0.{i}.0-{:064x}.json", i)), "{}").expect("flood");
    }
    let refused = run(ana, &root, "flooded").expect_err("none is of its content");
    assert!(refused.contains("other content"), "{refused}");
}

#[test]
fn the_sample_workspace_ships_signed_and_every_statement_checks_with_ssh_keygen() {
    let sample = common::never_opened_sample();
    let root = sample.path();
    let allowed = root.join(".reviews/allowed_signers");
    let mut checked = 0;
    for folder in std::fs::read_dir(root.join(".reviews"))
        .expect("reviews")
        .flatten()
    {
        if !folder.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(folder.path())
            .expect("statements")
            .flatten()
        {
            let json = file.path();
            if json.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let mut sig = json.clone().into_os_string();
            sig.push(".sig");
            let out = Command::new("ssh-keygen")
                .args(["-Y", "verify", "-f"])
                .arg(&allowed)
                .args([
                    "-I",
                    "sample-reviewer@toolbench.example",
                    "-n",
                    "toolbench-review",
                    "-s",
                ])
                .arg(&sig)
                .stdin(std::fs::File::open(&json).expect("statement"))
                .output()
                .expect("ssh-keygen");
            assert!(out.status.success(), "{}: {}", json.display(), stderr(&out));
            checked += 1;
        }
    }
    assert_eq!(checked, 8, "one statement per active sample tool");

    // A newcomer: before the sample's reviewer is trusted here nothing runs; once it is, every
    // signed tool runs without `toolbench accept`, and `verify` says who signed each.
    let newcomer = Machine::new();
    let refused = run_sample(&newcomer, root).expect_err("not accepted");
    assert!(refused.contains("never opened here"), "{refused}");
    ok(
        &newcomer.toolbench(root, &["signers", "accept"]),
        "signers accept",
    );
    run_sample(&newcomer, root).expect("signed, trusted");
    let report = ok(&newcomer.toolbench(root, &["verify"]), "verify");
    assert_eq!(
        report
            .matches("signed by sample-reviewer@toolbench.example")
            .count(),
        8,
        "{report}"
    );

    // With `sign`, an active tool nobody signed is still the workspace's first contact: it
    // waits for `toolbench accept`, while the signed ones run without it.
    write_tool(root, "approved", "homemade", "1.0.0");
    let refused = run(&newcomer, root, "homemade").expect_err("unsigned, not accepted");
    assert!(refused.contains("never opened here"), "{refused}");
    run_sample(&newcomer, root).expect("the signed ones still run");
    ok(&newcomer.toolbench(root, &["accept"]), "accept");
    assert!(
        run(&newcomer, root, "homemade").is_ok(),
        "accepted as it is"
    );
}

fn run_sample(machine: &Machine, root: &Path) -> Result<String, String> {
    let out = machine.toolbench(
        root,
        &["run", "line_sort", "--input", "{\"lines\": [\"b\", \"a\"]}"],
    );
    if out.status.success() {
        Ok(stdout(&out))
    } else {
        Err(stderr(&out))
    }
}

/// The decisions signed for `name`: (version, decision, tier) of each statement of it.
fn signed_decisions(root: &Path, name: &str) -> Vec<(String, String, String)> {
    let mut found: Vec<_> = std::fs::read_dir(root.join(".reviews").join(name))
        .expect(".reviews/NAME")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().contains(".rule-")
        })
        .map(|p| {
            let statement: Value =
                serde_json::from_slice(&std::fs::read(&p).expect("statement")).expect("json");
            let review = &statement["predicate"];
            let text = |v: &Value| v.as_str().expect("text").to_string();
            (
                text(&review["version"]),
                text(&review["decision"]),
                text(&review["tier"]),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn every_decision_that_makes_content_active_is_signed_and_without_a_key_none_is_made() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());

    // A new version approved over the signed one, then rolled back: each is signed.
    write_tool(&root, "experimental", "greet", "1.1.0");
    ok(&approve(ana, &root, "greet@1.1.0"), "approve 1.1.0");
    assert!(
        run(ana, &root, "greet")
            .expect("1.1.0")
            .contains("RAN greet 1.1.0")
    );
    ok(&ana.toolbench(&root, &["rollback", "greet"]), "rollback");
    assert!(
        run(ana, &root, "greet")
            .expect("1.0.0")
            .contains("RAN greet 1.0.0")
    );
    assert_eq!(
        signed_decisions(&root, "greet"),
        [
            ("1.0.0".into(), "rollback".into(), "approved".into()),
            ("1.1.0".into(), "approve".into(), "approved".into()),
        ]
    );

    // Archived, then restored: the restore is signed; promoted to core: signed again.
    ok(&ana.toolbench(&root, &["archive", "greet"]), "archive");
    assert!(!root.join("approved/greet").exists(), "archived");
    ok(
        &ana.toolbench(&root, &["restore", "greet@1.0.0"]),
        "restore",
    );
    assert_eq!(signed_decisions(&root, "greet")[0].1, "restore");
    assert!(run(ana, &root, "greet").is_ok());
    ok(&ana.toolbench(&root, &["promote", "greet"]), "promote");
    assert_eq!(
        signed_decisions(&root, "greet")[0],
        ("1.0.0".into(), "promote".into(), "core".into())
    );
    assert!(
        run(ana, &root, "greet")
            .expect("core")
            .contains("RAN greet 1.0.0")
    );
    // A statement of greet checks with OpenSSH alone.
    let (json, sig) = statement_of(&root, "greet");
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(root.join(".reviews/allowed_signers"))
        .args(["-I", "ana@example.com", "-n", "toolbench-review", "-s"])
        .arg(&sig)
        .stdin(std::fs::File::open(&json).expect("statement"))
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));

    // Without a key (none configured, no agent), restoring an archived tool to approved/ is
    // refused and nothing becomes runnable; with it, the restore is signed.
    write_tool(&root, "experimental", "old", "1.0.0");
    ok(&approve(ana, &root, "old"), "approve old");
    ok(&ana.toolbench(&root, &["archive", "old"]), "archive old");
    let with_key = std::fs::read_to_string(ana.config().join("config.toml")).expect("config");
    ana.set_config("reviewer = \"ana\"\n");
    let out = ana.toolbench(&root, &["restore", "old"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("no key can sign"), "{}", stderr(&out));
    assert!(root.join("archived/old").is_dir(), "still archived");
    assert!(!root.join("approved/old").exists());
    assert_eq!(
        ana.toolbench(&root, &["verify", "old"]).status.code(),
        Some(1)
    );
    ana.set_config(&with_key);
    ok(&ana.toolbench(&root, &["restore", "old"]), "restore old");
    assert_eq!(
        signed_decisions(&root, "old"),
        [("1.0.0".into(), "restore".into(), "approved".into())]
    );
    assert!(run(ana, &root, "old").is_ok());
}

#[test]
fn a_call_by_capability_runs_only_a_tool_whose_review_verifies() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());
    let capability = "capabilities = [\"say.hello\"]\n";
    write_tool_with(&root, "experimental", "hello", "1.0.0", capability);
    ok(&approve(ana, &root, "hello"), "approve hello");
    // The same capability in a tool a commit put into approved/ without a review.
    write_tool_with(&root, "approved", "hello_unsigned", "1.0.0", capability);
    // Twice: after a run the ranking may change, and the unsigned one must never be tried.
    for _ in 0..2 {
        ana.forget_run("hello");
        ana.forget_run("hello_unsigned");
        let out = ana.toolbench(&root, &["call", "--capability", "say.hello", "--yes"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("RAN hello 1.0.0"), "{}", stdout(&out));
        assert!(ana.ran("hello"), "the signed tool ran");
        assert!(!ana.ran("hello_unsigned"), "the unsigned tool never ran");
    }
    // With only the unsigned one left, the call runs nothing.
    ok(&ana.toolbench(&root, &["archive", "hello"]), "archive");
    ana.forget_run("hello_unsigned");
    let out = ana.toolbench(&root, &["call", "--capability", "say.hello", "--yes"]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("RAN"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("has no signed review"),
        "{}",
        stderr(&out)
    );
    assert!(!ana.ran("hello_unsigned"), "the unsigned tool never ran");
}

/// A service that answers each request line with its message, on the port it is given.
const ECHO_SERVICE: &str = r#"
import json, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            req = json.loads(line)
            self.wfile.write((json.dumps({"response": req["message"]}) + "\n").encode())
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

fn write_service(root: &Path, tier: &str, name: &str) {
    let dir = root.join(tier).join(name);
    std::fs::create_dir_all(&dir).expect("tool dir");
    std::fs::write(dir.join("svc.py"), ECHO_SERVICE).expect("script");
    std::fs::write(
        dir.join("tool.toml"),
        format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"test service\"\n\
             cost_tier = \"low\"\n\n[run]\ncommand = [\"python3\", \"svc.py\"]\ninput = \"none\"\n\
             network = true\nenv = {{ PYTHONUNBUFFERED = \"1\" }}\n\n\
             [service]\nport = \"auto\"\nhealth_check = \"tcp\"\nlaunch_args = [\"{{port}}\"]\n"
        ),
    )
    .expect("manifest");
}

/// The instances `tools status --json` lists.
fn instances(machine: &Machine, root: &Path) -> Vec<String> {
    let out = ok(
        &machine.toolbench(root, &["tools", "status", "--json"]),
        "status",
    );
    let list: Value = serde_json::from_str(&out).expect("status --json");
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|i| i["instance"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_service_launches_only_when_its_review_verifies() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());
    write_service(&root, "experimental", "svc");
    ok(&approve(ana, &root, "svc"), "approve svc");
    write_service(&root, "approved", "svc_unsigned");

    // The signed service starts and answers on its port.
    let out = ana.toolbench(&root, &["tools", "launch", "svc", "--instance", "s1"]);
    let answer = ana.toolbench(&root, &["tools", "send", "s1", "hello"]);
    let _ = ana.toolbench(&root, &["tools", "stop", "s1"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&answer).trim(), "hello", "{}", stderr(&answer));

    // The unsigned one is refused with the reason, and no instance of it exists.
    let out = ana.toolbench(
        &root,
        &["tools", "launch", "svc_unsigned", "--instance", "s2"],
    );
    if out.status.success() {
        let _ = ana.toolbench(&root, &["tools", "stop", "s2"]);
    }
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("has no signed review"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        instances(ana, &root),
        ["s1"],
        "no instance of the unsigned one"
    );
}

/// The public key line of `key` (its `.pub`), as an allowed_signers line gives it to
/// `principal`.
fn signer_line(principal: &str, key: &Path) -> String {
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("pub");
    let mut words = public.split_whitespace();
    let (kind, blob) = (words.next().expect("type"), words.next().expect("key"));
    format!("{principal} {kind} {blob}\n")
}

fn skipped_unless_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return false;
    }
    eprintln!("{test}: skipped: only root can name a folder for the machine's list");
    true
}

/// Plants in `root`'s state a remembered verification of the statement at `statement` (its
/// signature at `signature`) against the list `signers`, keyed as toolbench keys them under
/// the user's `secret`, and as builds before that secret keyed them.
fn plant_verification(
    root: &Path,
    statement: &Path,
    signature: &Path,
    signers: &str,
    secret: &[u8; 32],
) {
    let json = std::fs::read(statement).expect("statement");
    let sig = std::fs::read(signature).expect("sig");
    let content_hash =
        serde_json::from_slice::<Value>(&json).expect("json")["predicate"]["content_hash"]
            .as_str()
            .expect("hash")
            .to_string();
    let mut hasher = blake3::Hasher::new();
    for part in [
        json.as_slice(),
        sig.as_slice(),
        signers.as_bytes(),
        content_hash.as_bytes(),
    ] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let key = hasher.finalize().to_hex().to_string();
    let keyed = {
        let mut tagger = blake3::Hasher::new_keyed(secret);
        tagger.update(&("verified".len() as u64).to_le_bytes());
        tagger.update(b"verified");
        tagger.update(key.as_bytes());
        tagger.finalize().to_hex().to_string()
    };
    let dir = root.join(".toolbench/verified");
    std::fs::create_dir_all(&dir).expect("verified");
    // Under the plain key too, as builds without the user's secret named them.
    for name in [key, keyed] {
        std::fs::write(
            dir.join(name),
            "Good \"toolbench-review\" signature for ana@example.com with ED25519 key \
             SHA256:x\n",
        )
        .expect("plant");
    }
}

/// A workspace in `dir` with one tool waiting for review, its folder's parent the repository.
fn workspace_with_candidate(machine: &Machine, dir: &Path, name: &str) -> PathBuf {
    let root = dir.join("tools");
    ok(
        &machine
            .command(bin())
            .arg("init")
            .arg(&root)
            .output()
            .expect("init"),
        "init",
    );
    write_tool(&root, "experimental", name, "1.0.0");
    root
}

#[test]
fn with_the_machine_s_list_an_agent_on_the_account_cannot_make_its_own_tool_runnable() {
    if skipped_unless_root("machine list") {
        return;
    }
    let dir = tempfile::tempdir().expect("workspace");

    // Without the machine's list, an agent with a shell on the account vouches for a key of
    // its own and approves its tool: it runs. This is the attack the list is there to stop.
    let open = Machine::new();
    let root = workspace_with_candidate(&open, dir.path(), "backdoor");
    let agent_key = open.key("agent");
    open.set_config(&format!(
        "[review]\nsignatures = \"require\"\nsigning_key = \"{}\"\n",
        agent_key.display()
    ));
    let pubkey = agent_key.with_extension("pub");
    ok(
        &open.toolbench(
            &root,
            &[
                "signers",
                "add",
                "agent@example.com",
                pubkey.to_str().expect("utf8"),
            ],
        ),
        "the agent adds its own key",
    );
    ok(&approve(&open, &root, "backdoor"), "the agent approves");
    assert!(
        run(&open, &root, "backdoor").is_ok(),
        "the attack works on an account without the machine's list"
    );
    let forged_accepted = std::fs::read(open.accepted_list()).expect("accepted list");

    // The same account on a machine whose administrator lists ana, the person, in root's
    // list. The statement and the workspace's list the agent made are all there.
    let person = Machine::new();
    let machine = Machine::with_system_list(&signer_line("ana@example.com", &person.key("ana")));
    let agent_key = machine.key("agent");
    machine.set_config(&format!(
        "[review]\nsigning_key = \"{}\"\n",
        agent_key.display()
    ));
    let refused = run(&machine, &root, "backdoor").expect_err("not signed by the machine's list");
    assert!(refused.contains("agent@example.com"), "{refused}");

    // The agent vouches for its key here too: refused, and nothing is written.
    let listed_before = std::fs::read(root.join(".reviews/allowed_signers")).expect("list");
    let out = machine.toolbench(
        &root,
        &[
            "signers",
            "add",
            "agent2@example.com",
            pubkey.to_str().expect("utf8"),
        ],
    );
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("only a key of the machine's"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(root.join(".reviews/allowed_signers")).expect("list"),
        listed_before,
        "the workspace's list is unchanged"
    );

    // It writes the accepted list itself, as `signers add` wrote it on the open account:
    // an accepted list no key of the machine's endorsed counts for nothing.
    let accepted_dir = machine.home.path().join(".local/share/toolbench/signers");
    std::fs::create_dir_all(&accepted_dir).expect("signers dir");
    let forged = accepted_dir.join(
        open.accepted_list()
            .file_name()
            .expect("the same workspace, the same file name"),
    );
    std::fs::write(&forged, &forged_accepted).expect("forge");
    let refused = run(&machine, &root, "backdoor").expect_err("unendorsed");
    assert!(refused.contains("count for nothing"), "{refused}");

    // And signs it with its own key as an endorsement, naming ana: it does not verify.
    let mut claimed: Value = serde_json::from_slice(&forged_accepted).expect("json");
    claimed["endorsed_by"] = json!("ana@example.com");
    let claimed = serde_json::to_vec_pretty(&claimed).expect("json");
    std::fs::write(&forged, &claimed).expect("forge");
    let out = machine
        .command("ssh-keygen")
        .args(["-Y", "sign", "-n", "toolbench-trust", "-f"])
        .arg(&agent_key)
        .arg(&forged)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        forged.with_extension("json.sig").is_file(),
        "the forged endorsement"
    );
    let refused = run(&machine, &root, "backdoor").expect_err("endorsed by the agent's key");
    assert!(refused.contains("does not verify"), "{refused}");

    // Approving again with its key is refused too.
    let out = machine.toolbench(&root, &["approve", "backdoor"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(run(&machine, &root, "backdoor").is_err());

    // Last, it rewrites its statement to name ana as the reviewer and plants a remembered
    // verification of it in the workspace's state, keyed as toolbench keys them.
    let (statement, signature) = statement_of(&root, "backdoor");
    let mut claimed: Value =
        serde_json::from_slice(&std::fs::read(&statement).expect("statement")).expect("json");
    claimed["predicate"]["reviewer"] = json!("ana@example.com");
    let claimed = serde_json::to_vec_pretty(&claimed).expect("json");
    std::fs::write(&statement, &claimed).expect("rewrite");
    let ana_line = signer_line("ana@example.com", &person.key("ana"));
    // Where the remembered verifications are believed (an account that trusts ana in its own
    // list, whose secret for them the agent reads), the plant works: the tool runs though
    // ana never signed it.
    let believing = Machine::new();
    std::fs::write(believing.config().join("allowed_signers"), &ana_line).expect("list");
    believing.set_config("[review]\nsignatures = \"require\"\n");
    let secret = [7u8; 32];
    for account in [&believing, &machine] {
        let data = account.home.path().join(".local/share/toolbench");
        std::fs::create_dir_all(&data).expect("data");
        std::fs::write(data.join("state.key"), secret).expect("secret");
    }
    plant_verification(&root, &statement, &signature, &ana_line, &secret);
    assert!(
        run(&believing, &root, "backdoor").is_ok(),
        "the planted verification is what a user-writable memory would believe"
    );
    // With the machine's list, the check is made again and fails.
    let refused = run(&machine, &root, "backdoor").expect_err("a planted verification");
    assert!(refused.contains("backdoor"), "{refused}");
}

#[test]
fn a_key_of_the_machine_s_list_endorses_what_a_person_accepts_and_a_changed_list_counts_for_nothing()
 {
    if skipped_unless_root("machine list") {
        return;
    }
    let team = Team::new();
    // Bob's machine lists bob; he accepts ana, whom the workspace lists, with his own key.
    let keys = Machine::new();
    let bob_key = keys.key("bob");
    let bob = Machine::with_system_list(&signer_line("bob@example.com", &bob_key));
    let (_dir, clone) = team.clone_for(&bob);
    let refused = run(&bob, &clone, "greet").expect_err("ana is not accepted here yet");
    assert!(refused.contains("signers accept"), "{refused}");

    // Without a key of the machine's list, acceptance is refused and trusts nothing.
    let out = bob.toolbench(&clone, &["signers", "accept"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("only a key of the machine's"),
        "{}",
        stderr(&out)
    );
    assert!(run(&bob, &clone, "greet").is_err());

    bob.set_config(&format!(
        "[review]\nsigning_key = \"{}\"\n",
        bob_key.display()
    ));
    ok(
        &bob.toolbench(&clone, &["signers", "accept"]),
        "bob accepts",
    );
    let accepted = bob.accepted_list();
    let endorsement = accepted.with_extension("json.sig");
    assert!(endorsement.is_file(), "endorsed");
    // The endorsement checks with OpenSSH alone against the machine's list.
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(bob.system_list())
        .args(["-I", "bob@example.com", "-n", "toolbench-trust", "-s"])
        .arg(&endorsement)
        .stdin(std::fs::File::open(&accepted).expect("accepted"))
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        run(&bob, &clone, "greet").is_ok(),
        "ana's review counts once bob endorsed her"
    );
    let listed = ok(&bob.toolbench(&clone, &["signers", "list"]), "list");
    assert!(listed.contains("machine"), "{listed}");

    // A key slipped into the accepted list after the endorsement: the whole list stops
    // counting, ana's review with it, until a person accepts again.
    let mut list: Value =
        serde_json::from_slice(&std::fs::read(&accepted).expect("read")).expect("json");
    let mut extra = list["entries"][0].clone();
    extra["principals"] = json!(["mallory@example.com"]);
    list["entries"].as_array_mut().expect("entries").push(extra);
    std::fs::write(&accepted, serde_json::to_vec_pretty(&list).expect("json")).expect("write");
    let refused = run(&bob, &clone, "greet").expect_err("a changed accepted list");
    assert!(refused.contains("does not verify"), "{refused}");
    let listed = ok(&bob.toolbench(&clone, &["signers", "list"]), "list");
    assert!(listed.contains("count for nothing"), "{listed}");
}

#[test]
fn a_machine_list_others_can_write_trusts_nobody_and_lowering_the_mode_changes_nothing() {
    if skipped_unless_root("machine list") {
        return;
    }
    let team = Team::new();
    let ana_line = signer_line("ana@example.com", &team.ana.key("id_ed25519"));
    let machine = Machine::with_system_list(&ana_line);
    machine.set_config("[review]\nsignatures = \"off\"\n");
    let (_dir, clone) = team.clone_for(&machine);
    std::fs::write(
        clone.join("toolbench.toml"),
        "[review]\nsignatures = \"off\"\n",
    )
    .expect("lower");
    assert!(
        run(&machine, &clone, "greet").is_ok(),
        "ana is in the machine's list: her review counts without any acceptance"
    );
    assert_eq!(
        std::fs::read_dir(clone.join(".toolbench/verified"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "with the machine's list, no verification is kept in the user's files"
    );
    write_tool(&clone, "approved", "unsigned", "1.0.0");
    let refused = run(&machine, &clone, "unsigned").expect_err("required by the machine");
    assert!(refused.contains("has no signed review"), "{refused}");

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        machine.system_list(),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("mode");
    let refused = run(&machine, &clone, "greet").expect_err("a list others can write");
    assert!(refused.contains("allowed_signers"), "{refused}");
    assert!(refused.contains("field `mode`"), "{refused}");
    assert_eq!(refused.trim().lines().count(), 1, "{refused}");
    let out = machine.toolbench(&clone, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_remembered_verification_a_commit_carries_is_never_believed() {
    let team = Team::new();
    let root = team.root();
    // Mallory, who may push to the repository, takes ana's statement of greet, makes it the
    // statement of a tool of her own that names ana as its reviewer, and plants a
    // remembered verification of it, keyed under her own secret, force-added past the
    // .gitignore.
    let mallory = Machine::new();
    ok(&mallory.toolbench(&root, &["signers", "accept"]), "accept");
    mallory.set_config("[review]\nsignatures = \"require\"\n");
    write_tool(&root, "approved", "evil", "1.0.0");
    let listed = ok(&mallory.toolbench(&root, &["list", "--json"]), "list");
    let listed: Value = serde_json::from_str(&listed).expect("list json");
    let hash = listed
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["name"] == "evil")
        .and_then(|t| t["content_hash"].as_str())
        .expect("evil's hash")
        .to_string();
    let (greet_json, greet_sig) = statement_of(&root, "greet");
    let mut claimed: Value =
        serde_json::from_slice(&std::fs::read(&greet_json).expect("statement")).expect("json");
    claimed["predicate"]["tool"] = json!("evil");
    claimed["predicate"]["content_hash"] = json!(hash);
    claimed["subject"][0]["name"] = json!("evil@1.0.0");
    let dir = root.join(".reviews/evil");
    std::fs::create_dir_all(&dir).expect("reviews");
    let statement = dir.join(format!("1.0.0-{hash}.json"));
    let signature = dir.join(format!("1.0.0-{hash}.json.sig"));
    std::fs::write(
        &statement,
        serde_json::to_vec_pretty(&claimed).expect("json"),
    )
    .expect("statement");
    std::fs::copy(&greet_sig, &signature).expect("sig");
    let secret = [9u8; 32];
    let data = mallory.home.path().join(".local/share/toolbench");
    std::fs::create_dir_all(&data).expect("data");
    std::fs::write(data.join("state.key"), secret).expect("secret");
    let ana_line = std::fs::read_to_string(root.join(".reviews/allowed_signers")).expect("list");
    plant_verification(&root, &statement, &signature, &ana_line, &secret);
    let ran = run(&mallory, &root, "evil");
    assert!(
        ran.is_ok(),
        "on her own machine the plant stands in for ana's signature: {ran:?}"
    );
    team.ana.git(team.repo.path(), &["add", "-A"]);
    team.ana.git(
        team.repo.path(),
        &["add", "-f", "tools/.toolbench/verified"],
    );
    team.ana.git(
        team.repo.path(),
        &["commit", "-q", "-m", "evil, with a plant"],
    );

    // Bob clones it, accepts ana as the workspace lists her: greet runs, evil does not.
    let bob = Machine::new();
    let (_dir, clone) = team.clone_for(&bob);
    assert!(
        clone.join(".toolbench/verified").is_dir(),
        "the plant came with the clone"
    );
    ok(&bob.toolbench(&clone, &["signers", "accept"]), "accept");
    assert!(run(&bob, &clone, "greet").is_ok());
    let refused = run(&bob, &clone, "evil").expect_err("a planted verification");
    assert!(refused.contains("evil"), "{refused}");
}

#[test]
fn a_candidate_on_a_teammate_s_clone_is_compared_with_what_the_reviewer_signed() {
    let team = Team::new();
    let bob = Machine::new();
    let (_dir, clone) = team.clone_for(&bob);
    ok(&bob.toolbench(&clone, &["signers", "accept"]), "accept");
    assert!(
        run(&bob, &clone, "greet").is_ok(),
        "greet runs by its review"
    );
    // A new version that keeps what greet was granted and adds one host.
    write_tool(&clone, "experimental", "greet", "1.1.0");
    let manifest = clone.join("experimental/greet/tool.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str("network = [\"api.example.com:443\"]\n");
    std::fs::write(&manifest, text).expect("manifest");
    // An escalation is a finding: the verdict asks a person to look, and the exit says so.
    let out = bob.toolbench(&clone, &["validate", "greet@1.1.0", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).expect("report");
    let permissions = &report["permissions"];
    assert_eq!(permissions["parent"], "greet@1.0.0", "{permissions}");
    assert_eq!(
        permissions["escalations"],
        json!(["network: api.example.com:443"]),
        "only what the signed review did not grant: {permissions}"
    );
}

#[test]
fn in_sign_mode_a_teammate_decides_without_accepting_and_unsigned_tools_still_wait() {
    let team = Team::with_mode("sign");
    let root = team.root();
    // A tool a commit put into approved/ without any review.
    write_tool(&root, "approved", "legacy", "1.0.0");
    team.ana.git(team.repo.path(), &["add", "-A"]);
    team.ana.git(
        team.repo.path(),
        &["commit", "-q", "-m", "an unreviewed tool"],
    );

    let bob = Machine::new();
    let (_dir, clone) = team.clone_for(&bob);
    ok(
        &bob.toolbench(&clone, &["signers", "accept"]),
        "accept signers",
    );
    assert!(
        run(&bob, &clone, "greet").is_ok(),
        "signed: runs by its review"
    );
    let refused = run(&bob, &clone, "legacy").expect_err("never accepted here");
    assert!(refused.contains("never opened here"), "{refused}");

    // Bob approves a candidate of his own without accepting the workspace first.
    write_tool(&clone, "experimental", "fresh", "1.0.0");
    ok(&approve(&bob, &clone, "fresh"), "bob approves");
    assert!(run(&bob, &clone, "fresh").is_ok());
    assert!(run(&bob, &clone, "greet").is_ok());
    // The unsigned tool still waits for a person's acceptance, by name.
    assert!(run(&bob, &clone, "legacy").is_err());
    ok(
        &bob.toolbench(&clone, &["accept", "legacy"]),
        "accept legacy",
    );
    assert!(run(&bob, &clone, "legacy").is_ok());
}

/// A key that is not an allowed signer is refused with the `signers add` line that lists it,
/// naming its public half (`KEY.pub`, as ssh-keygen writes it): that line, run as printed,
/// works, and the approval then signs.
#[test]
fn a_signing_key_not_allowed_is_refused_with_a_signers_add_line_that_works() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());
    let other = ana.key("other");
    ana.set_config(&format!(
        "reviewer = \"ana\"\n[review]\nsigning_key = \"{}\"\n",
        other.display()
    ));
    write_tool(&root, "experimental", "fresh", "1.0.0");
    let out = approve(ana, &root, "fresh");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    let public = format!("{}.pub", other.display());
    let line = format!("`toolbench signers add PRINCIPAL {public}` lists it");
    assert!(err.contains(&line), "{err}");
    assert!(root.join("experimental/fresh").is_dir(), "not approved");

    ok(
        &ana.toolbench(&root, &["signers", "add", "ana-other@example.com", &public]),
        "the suggested signers add",
    );
    let approved = ok(&approve(ana, &root, "fresh"), "approve with the added key");
    assert!(
        approved.contains("signed by ana-other@example.com"),
        "{approved}"
    );
}

/// `[review] signing_key` may name a private key with no `.pub` beside it: ssh-keygen derives
/// its public half, without ever asking a passphrase (a key that has one is refused at once,
/// saying how to make its `.pub`); a key that is not there is named as given, not its `.pub`.
#[test]
fn a_private_key_without_its_pub_signs_and_one_that_cannot_is_named() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());
    let key = ana.key("id_ed25519");
    std::fs::remove_file(key.with_extension("pub")).expect("rm .pub");
    write_tool(&root, "experimental", "lonely", "1.0.0");
    let approved = ok(&approve(ana, &root, "lonely"), "approve with the .pub gone");
    assert!(approved.contains("signed by ana@example.com"), "{approved}");

    let locked = ana.home.path().join(".ssh/locked");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "a passphrase", "-f"])
        .arg(&locked)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(locked.with_extension("pub")).expect("rm .pub");
    write_tool(&root, "experimental", "fresh", "1.0.0");
    let refused = |setting: &str| {
        ana.set_config(&format!(
            "reviewer = \"ana\"\n[review]\nsigning_key = \"{setting}\"\n"
        ));
        let started = std::time::Instant::now();
        let out = approve(ana, &root, "fresh");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "asked nobody for a passphrase"
        );
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(root.join("experimental/fresh").is_dir(), "not approved");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    };
    let err = refused(&locked.display().to_string());
    let locked = locked.display();
    assert!(
        err.contains(&format!(
            "[review] signing_key: {locked}: its public key {locked}.pub is not there, and the key has a passphrase"
        )) && err.contains(&format!("`ssh-keygen -y -f {locked} > {locked}.pub` makes it")),
        "{err}"
    );
    let err = refused("~/nokey");
    let nokey = ana.home.path().join("nokey");
    assert!(
        err.contains(&format!(
            "[review] signing_key: {}: No such file or directory",
            nokey.display()
        )),
        "{err}"
    );
    assert!(!err.contains("nokey.pub"), "{err}");
}

/// An allowed_signers that cannot be read as toolbench reads it is said to be unreadable, in
/// one line naming file, line, field and value, by `signers list` (exit 1, claiming no key
/// removed), `verify` and `approve` alike.
#[test]
fn an_unreadable_allowed_signers_is_said_to_be_unreadable_never_emptied() {
    let team = Team::new();
    let (ana, root) = (&team.ana, team.root());
    let signers = root.join(".reviews/allowed_signers");
    let listed = std::fs::read_to_string(&signers).expect("allowed_signers");
    write_tool(&root, "experimental", "fresh", "1.0.0");
    let lines = listed.lines().count();
    for (extra, field, value) in [
        (
            "*@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQjQ6n8Zt3Vt0l9yqCk5mF1Q0iAqYp0o6mJQ5b1l0kH",
            "principals",
            "`*@example.com`",
        ),
        ("garbage line", "keytype", "`line`"),
    ] {
        std::fs::write(&signers, format!("{listed}{extra}\n")).expect("write");
        let said = format!(
            "the reviewers cannot be read: .reviews/allowed_signers:{}: field `{field}`: {value}",
            lines + 1
        );
        let out = ana.toolbench(&root, &["signers", "list"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&said), "{err}");
        assert!(!stdout(&out).contains("removed"), "{}", stdout(&out));
        let out = ana.toolbench(&root, &["signers", "list", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(stderr(&out).contains(&said), "{}", stderr(&out));

        let out = ana.toolbench(&root, &["verify", "greet"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let verified = format!("{}{}", stdout(&out), stderr(&out));
        assert!(verified.contains(&said), "{verified}");

        let out = approve(ana, &root, "fresh");
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(stderr(&out).contains(&said), "{}", stderr(&out));
        assert!(root.join("experimental/fresh").is_dir(), "not approved");
    }
}
