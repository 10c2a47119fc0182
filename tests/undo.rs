//! Undo (issue 62) with the real binary on temp workspaces: each kind of decision undone with
//! `toolbench undo`, judged on disk (folders, modes, seals), by what runs (the CLI and an MCP
//! agent, whose runs toolbench recorded) and by the decision log, which keeps every row.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{stderr, stdout, toolbench_command};
use serde_json::Value;

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

    /// Exit 1 and one line on stderr, returned.
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

    /// A low-cost candidate `experimental/<folder>/` of `greet` printing `word`, validated.
    fn candidate(&self, folder: &str, version: &str, word: &str) {
        let dir = self.path("experimental").join(folder);
        std::fs::create_dir_all(&dir).expect("candidate folder");
        std::fs::write(
            dir.join("tool.toml"),
            format!(
                "name = \"greet\"\nversion = \"{version}\"\ndescription = \"issue 62\"\ncost_tier = \"low\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\ntimeout_secs = 20\n"
            ),
        )
        .expect("manifest");
        std::fs::write(dir.join("run.sh"), format!("echo {word}\n")).expect("run.sh");
        let out = self.tb(&["validate", &format!("greet@{version}")]);
        assert!(stdout(&out).contains("verdict:"), "{}", stderr(&out));
    }

    /// The decision log of greet, newest first.
    fn log(&self) -> Vec<Value> {
        self.json(&["history", "greet", "--json"])
            .as_array()
            .expect("history")
            .clone()
    }

    /// The id of the newest row of the log.
    fn newest(&self) -> i64 {
        self.log()[0]["id"].as_i64().expect("id")
    }

    fn seal(&self) -> Option<Value> {
        std::fs::read(self.path(".toolbench/seals/greet.json"))
            .ok()
            .map(|bytes| serde_json::from_slice(&bytes).expect("seal"))
    }

    /// What an agent's call of greet answers, as text.
    fn agent_call(&self) -> String {
        let mut agent =
            common::mcp_session::Session::open(self.root(), self.config.path(), "agent", false);
        let answer = agent.call("greet", serde_json::json!({})).to_string();
        agent.close(std::time::Duration::from_secs(10));
        answer
    }
}

#[test]
fn an_undone_approval_goes_back_to_review_and_the_superseded_version_runs_again() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    bench.candidate("greet-1.1.0", "1.1.0", "two");
    bench.ok(&["approve", "greet@1.1.0"]);
    assert_eq!(bench.ok(&["run", "greet"]).trim(), "two");
    let approval = bench.newest();
    let rows_before = bench.log().len();

    let said = bench.ok(&["undo", "greet"]);
    assert!(
        said.starts_with(&format!(
            "undo of #{approval} (approve of greet@1.1.0): back to review as a candidate; greet@1.0.0, which it superseded, is active again"
        )),
        "{said}"
    );
    // On disk: 1.1.0 is a candidate its author may change again, 1.0.0 is the approved tool.
    let candidate = std::fs::read_to_string(bench.path("experimental/greet/tool.toml"))
        .expect("the candidate's manifest");
    assert!(candidate.contains("version = \"1.1.0\""), "{candidate}");
    let mode = std::fs::metadata(bench.path("experimental/greet/run.sh"))
        .expect("run.sh")
        .permissions()
        .mode();
    assert_ne!(mode & 0o200, 0, "writable again: {mode:o}");
    let approved = std::fs::read_to_string(bench.path("approved/greet/tool.toml"))
        .expect("the approved manifest");
    assert!(approved.contains("version = \"1.0.0\""), "{approved}");
    let seal = bench.seal().expect("a seal for 1.0.0");
    assert_eq!(seal["version"], "1.0.0");
    assert_eq!(seal["how"], "undo");
    // What runs: the superseded version, for the CLI and for an agent.
    assert_eq!(bench.ok(&["run", "greet"]).trim(), "one");
    let answer = bench.agent_call();
    assert!(
        answer.contains("one") && !answer.contains("two"),
        "{answer}"
    );
    // The log kept every row and added the undo's own.
    let log = bench.log();
    assert_eq!(log.len(), rows_before + 2);
    assert_eq!(log[0]["action"], "undo");
    assert_eq!(log[1]["action"], "undo");
    assert!(
        log.iter()
            .any(|d| d["id"] == approval && d["action"] == "approve")
    );
    let text = bench.ok(&["history", "greet"]);
    assert!(
        text.contains(&format!("undo of #{approval} (approve of greet@1.1.0)")),
        "{text}"
    );
    // The candidate is in the review queue, and approving it again is an ordinary approval.
    assert!(bench.ok(&["review"]).contains("greet"));
    // Its approval no longer stands: no rollback brings it back.
    let rollback = bench.refused(&["rollback", "greet", "--to", "1.1.0"]);
    assert!(
        rollback.contains("no kept snapshot of greet@1.1.0"),
        "{rollback}"
    );
    // An undo is not undone.
    let again = bench.refused(&["undo", "greet"]);
    assert!(
        again.ends_with("an undo is not undone; take the decision again"),
        "{again}"
    );
}

#[test]
fn an_undone_first_approval_runs_for_nobody() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    assert_eq!(bench.ok(&["run", "greet"]).trim(), "one");
    bench.ok(&["undo", "greet"]);
    assert!(!bench.path("approved/greet").exists());
    assert!(bench.path("experimental/greet/tool.toml").is_file());
    assert_eq!(bench.seal(), None);
    let answer = bench.agent_call();
    assert!(!answer.contains("\"one"), "an agent ran it: {answer}");
    assert!(
        answer.contains("it is not an approved or core tool"),
        "refused as not approved: {answer}"
    );
}

#[test]
fn an_undone_rejection_is_back_in_review_not_approved() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["reject", "greet", "--reason", "looks wrong"]);
    assert!(bench.path("archived/greet/tool.toml").is_file());
    bench.ok(&["undo", "greet"]);
    assert!(bench.path("experimental/greet/tool.toml").is_file());
    assert!(!bench.path("approved/greet").exists());
    assert_eq!(bench.seal(), None);
    assert_eq!(bench.log()[0]["action"], "undo");
    assert_eq!(bench.log()[0]["to_tier"], "experimental");
}

#[test]
fn an_undone_promote_is_demoted_and_still_runs() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    bench.ok(&["promote", "greet"]);
    bench.ok(&["undo", "greet"]);
    assert!(!bench.path("core/greet").exists());
    assert!(bench.path("approved/greet/tool.toml").is_file());
    assert_eq!(bench.seal().expect("sealed")["tier"], "approved");
    assert_eq!(bench.ok(&["run", "greet"]).trim(), "one");
}

#[test]
fn an_undone_archive_is_restored_where_it_was() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    bench.ok(&["archive", "greet"]);
    bench.ok(&["undo", "greet"]);
    assert!(bench.path("approved/greet/tool.toml").is_file());
    assert_eq!(bench.ok(&["run", "greet"]).trim(), "one");
}

/// A decision whose action this build does not know (a newer toolbench's, or a row someone
/// rewrote) is never taken for an archive: `undo` refuses it, and the tool stays where it is,
/// byte for byte, unsealed, and no agent runs it.
#[test]
fn an_unknown_action_in_the_log_never_brings_a_tool_back() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    bench.ok(&["archive", "greet"]);
    // The setup ran: the archive is the newest decision, and its row now says another action.
    assert_eq!(bench.log()[0]["action"], "archive");
    let db = rusqlite::Connection::open(bench.path(".toolbench/state.db")).expect("db");
    let rewritten = db
        .execute(
            "UPDATE decisions SET action = 'quarantine' WHERE id = ?1",
            [bench.newest()],
        )
        .expect("rewrite");
    assert_eq!(rewritten, 1);
    drop(db);
    assert_eq!(bench.log()[0]["action"], "unknown");
    let archived = bench.path("archived/greet");
    let before = std::fs::read(archived.join("run.sh")).expect("archived run.sh");

    let why = bench.refused(&["undo", "greet"]);
    assert!(why.contains("does not know"), "{why}");
    assert!(!bench.path("approved/greet").exists(), "not brought back");
    assert_eq!(
        std::fs::read(archived.join("run.sh")).expect("still"),
        before
    );
    assert!(bench.seal().is_none(), "no seal came back");
    let answer = bench.agent_call();
    assert!(!answer.contains("\"one"), "an agent ran it: {answer}");
}

#[test]
fn an_undo_is_refused_in_one_line_when_it_cannot_be_taken() {
    let bench = Bench::new();
    // Nothing decided yet.
    bench.candidate("greet", "1.0.0", "one");
    let nothing = bench.refused(&["undo", "greet"]);
    assert_eq!(
        nothing,
        "toolbench: nothing to undo: no decision is recorded for greet"
    );
    // A name no tool has: said so, as every command says it.
    let unknown = bench.refused(&["undo", "gret"]);
    assert_eq!(
        unknown,
        "toolbench: no tool named \"gret\" in the workspace (see `toolbench list`)"
    );
    bench.ok(&["approve", "greet"]);
    let approval = bench.newest();
    bench.ok(&["promote", "greet"]);
    // Not the newest decision on the tool.
    let stale = bench.refused(&["undo", "greet", "--decision", &approval.to_string()]);
    assert!(
        stale.contains(&format!(
            "cannot undo the approve of greet@1.0.0 (#{approval}): greet changed since: promote (#"
        )),
        "{stale}"
    );
    // Other content where the decision left it.
    let script = bench.path("core/greet/run.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o600)).expect("u+w");
    std::fs::write(&script, "echo changed\n").expect("edit");
    let changed = bench.refused(&["undo", "greet"]);
    assert!(
        changed.contains("greet changed since: core/greet holds greet@1.0.0 ("),
        "{changed}"
    );
    assert!(bench.path("core/greet").is_dir(), "nothing moved");
    // Feedback given is not taken back.
    bench.candidate("greet-1.1.0", "1.1.0", "two");
    bench.ok(&["request-changes", "greet@1.1.0", "--feedback", "say more"]);
    let feedback = bench.refused(&["undo", "greet"]);
    assert!(
        feedback.contains("its feedback was written to REVIEW.md"),
        "{feedback}"
    );
    let rows = bench.log().len();
    assert_eq!(rows, 3, "refusals recorded nothing: {:?}", bench.log());
}

/// `undo NAME@VERSION` and `--hash PREFIX` bind the undo to what a person saw, as every
/// decision is bound: a version no folder of the tool holds is refused in the words every
/// command uses, one the decision did not leave (or other content) is refused naming what it
/// left, and nothing is recorded until the undo names the content the decision left.
#[test]
fn an_undo_acts_only_on_the_version_and_content_it_names() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    // Nothing decided yet: a version nobody has is still told apart from a tool with no
    // decision.
    let nowhere = bench.refused(&["undo", "greet@9.9.9"]);
    assert_eq!(
        nowhere,
        "toolbench: tool \"greet\" has no version 9.9.9 (known: 1.0.0)"
    );
    bench.ok(&["approve", "greet"]);
    bench.candidate("greet-1.1.0", "1.1.0", "two");
    bench.ok(&["approve", "greet@1.1.0"]);
    let rows = bench.log().len();
    let hash_of = |tier: &str| -> String {
        let listed = bench.json(&["list", "--json"]);
        let found = listed
            .as_array()
            .expect("list")
            .iter()
            .find(|t| t["name"] == "greet" && t["tier"] == tier);
        found.expect("listed")["content_hash"]
            .as_str()
            .expect("hash")[..12]
            .to_string()
    };
    let (approved, archived) = (hash_of("approved"), hash_of("archived"));

    let missing = bench.refused(&["undo", "greet@9.9.9"]);
    assert!(
        missing.starts_with("toolbench: tool \"greet\" has no version 9.9.9 (known: "),
        "{missing}"
    );
    let other_version = bench.refused(&["undo", "greet@1.0.0"]);
    assert!(
        other_version.ends_with(&format!(
            "it left greet@1.1.0 approved/greet {approved}, not the greet@1.0.0 you named"
        )),
        "{other_version}"
    );
    let other_content = bench.refused(&["undo", "greet", "--hash", &archived]);
    assert!(
        other_content.ends_with(&format!("not the greet --hash {archived} you named")),
        "{other_content}"
    );
    let gone = bench.refused(&["undo", "greet", "--hash", "deadbeefdead"]);
    assert!(
        gone.contains("the content you asked for (deadbeefdead) is not there"),
        "{gone}"
    );
    assert_eq!(bench.log().len(), rows, "refusals recorded nothing");

    bench.ok(&["undo", "greet@1.1.0", "--hash", &approved]);
    assert_eq!(bench.log()[0]["action"], "undo");
}

/// `history NAME@VERSION` shows what was recorded about that version alone; a version no
/// folder of the tool holds and nothing recorded is refused as every command refuses it.
#[test]
fn a_history_of_a_version_shows_that_version_s_decisions() {
    let bench = Bench::new();
    bench.candidate("greet", "1.0.0", "one");
    bench.ok(&["approve", "greet"]);
    bench.candidate("greet-1.1.0", "1.1.0", "two");
    bench.ok(&["approve", "greet@1.1.0"]);
    let actions = |spec: &str| -> Vec<(String, String)> {
        let listed = bench.json(&["history", spec, "--json"]);
        listed
            .as_array()
            .expect("history")
            .iter()
            .map(|d| {
                let version = d["to_version"].as_str().unwrap_or_default().to_string();
                (
                    d["action"].as_str().unwrap_or_default().to_string(),
                    version,
                )
            })
            .collect()
    };
    assert_eq!(actions("greet@1.1.0"), [("approve".into(), "1.1.0".into())]);
    assert_eq!(
        actions("greet@1.0.0"),
        [
            ("supersede".into(), "1.0.0".into()),
            ("approve".into(), "1.0.0".into())
        ]
    );
    assert_eq!(actions("greet").len(), 3);
    let text = bench.ok(&["history", "greet@1.1.0"]);
    assert!(!text.contains("1.0.0"), "{text}");
    let missing = bench.refused(&["history", "greet@9.9.9"]);
    assert!(
        missing.starts_with("toolbench: tool \"greet\" has no version 9.9.9 (known: "),
        "{missing}"
    );
}
