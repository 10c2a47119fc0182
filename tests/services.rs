//! Long-running tools through the real binary on temp workspaces: definitions, launch, health,
//! send, stop, persistence, and the bad inputs of each. Every process a test starts is stopped
//! before it ends (`Instances` stops its instances when dropped).

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use common::{stderr, stdout, write_tool};
use serde_json::Value;

/// A workspace with fast timeouts, and the instances launched in it, stopped on drop.
struct Ws {
    /// The first port of this workspace's own range (tests run in parallel).
    base: u16,
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    launched: Vec<String>,
    /// Where this workspace's toolbench keeps the key its own writes are tagged with, when
    /// not the user's own.
    state_key: Option<std::path::PathBuf>,
}

impl Ws {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
        }
        static NEXT: AtomicU16 = AtomicU16::new(0);
        let base = 52000 + NEXT.fetch_add(1, Ordering::SeqCst) * 50;
        std::fs::write(
            dir.path().join("toolbench.toml"),
            format!(
                "[services]\nhealth_timeout_secs = 2\nsend_timeout_secs = 1\nstop_grace_secs = 1\nport_range = \"{base}-{}\"\n",
                base + 49
            ),
        )
        .expect("config");
        Ws {
            base,
            dir,
            config: tempfile::tempdir().expect("config dir"),
            launched: Vec::new(),
            state_key: None,
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.run_with_stdin(args, "")
    }

    /// `toolbench --root ROOT ARGS` in this workspace, not started yet.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = common::toolbench_command(self.root(), self.config.path(), args);
        if let Some(key) = &self.state_key {
            command.env("TOOLBENCH_STATE_KEY", key);
        }
        command
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        self.run_piped(self.command(args), input)
    }

    /// Runs `command` with `input` on its stdin.
    fn run_piped(&self, mut command: Command, input: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn toolbench");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        child.wait_with_output().expect("toolbench output")
    }

    /// `tools launch`, remembering the instance so it is stopped on drop. A candidate of the
    /// service waiting in experimental/ is approved first, as a person would before
    /// launching it: services launch from the active tiers only.
    fn launch(&mut self, tool: &str, instance: &str) -> std::process::Output {
        self.approve_candidate(tool);
        self.launched.push(instance.to_string());
        self.run(&["tools", "launch", tool, "--instance", instance])
    }

    /// Validates and approves experimental/NAME when it holds a candidate, whatever the report
    /// says (the tests are of what a launched service may do, not of its review).
    fn approve_candidate(&self, name: &str) {
        let Ok(manifest) = std::fs::read_to_string(
            self.root()
                .join("experimental")
                .join(name)
                .join("tool.toml"),
        ) else {
            return;
        };
        let version = manifest
            .lines()
            .find_map(|l| l.strip_prefix("version = "))
            .map(|v| v.trim_matches('"'))
            .expect("a version");
        let candidate = format!("{name}@{version}");
        let validated = self.run(&["validate", &candidate]);
        let out = self.run(&[
            "approve",
            &candidate,
            "--accept-failures",
            "--accept-escalation",
        ]);
        assert!(
            out.status.success(),
            "approving {name}: {}{}",
            stdout(&validated),
            stderr(&out)
        );
    }

    /// A service in experimental/NAME running `python3 svc.py` with `script`.
    fn service(&self, name: &str, script: &str, port: &str, check: &str) {
        self.service_at(name, "1.0.0", script, port, check);
    }

    /// `service`, of `version`: a new version of a service approved before.
    fn service_at(&self, name: &str, version: &str, script: &str, port: &str, check: &str) {
        let dir = self.root().join("experimental").join(name);
        std::fs::create_dir_all(&dir).expect("tool dir");
        std::fs::write(dir.join("svc.py"), script).expect("script");
        std::fs::write(
            dir.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"{version}\"\ndescription = \"test service\"\ncost_tier = \"low\"\n\n\
                 [run]\ncommand = [\"python3\", \"svc.py\"]\ninput = \"none\"\nnetwork = true\n\
                 env = {{ PYTHONUNBUFFERED = \"1\" }}\n\n\
                 [service]\nport = {port}\nhealth_check = \"{check}\"\nlaunch_args = [\"{{port}}\"]\n"
            ),
        )
        .expect("manifest");
    }

    /// `tools define echo` of the program `script`, copied into the tool folder, with `extra`.
    fn define_copied(&self, script: &Path, extra: &[&str]) -> std::process::Output {
        let script = script.display().to_string();
        let mut args = vec![
            "tools",
            "define",
            "echo",
            "--executable",
            &script,
            "--copy",
            "--launch-args",
            "{port}",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// The workspace's own file requires signatures, as a team's would.
    fn require_signatures(&self) {
        std::fs::write(
            self.root().join("toolbench.toml"),
            "[review]\nsignatures = \"require\"\n",
        )
        .expect("workspace config");
    }

    fn status(&self) -> Vec<Value> {
        let out = self.run(&["tools", "status", "--json"]);
        let list: Value = serde_json::from_slice(&out.stdout).expect("status --json");
        list.as_array().cloned().unwrap_or_default()
    }

    fn instance(&self, name: &str) -> Value {
        self.status()
            .into_iter()
            .find(|i| i["instance"] == name)
            .unwrap_or(Value::Null)
    }
}

/// An executable `server.py` running `ECHO` in a folder of its own (kept while the folder is).
fn echo_script() -> (tempfile::TempDir, PathBuf) {
    let scripts = tempfile::tempdir().expect("tempdir");
    let script = scripts.path().join("server.py");
    std::fs::write(&script, format!("#!/usr/bin/env python3\n{ECHO}")).expect("script");
    let _ = Command::new("chmod")
        .args(["+x", &script.display().to_string()])
        .status();
    (scripts, script)
}

impl Drop for Ws {
    fn drop(&mut self) {
        for instance in &self.launched {
            let _ = self.run(&["tools", "stop", instance]);
        }
    }
}

/// Answers every request line with its message, as the generic adapter expects.
const ECHO: &str = r#"
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

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

/// The port named right after `before` in `text`. "auto" takes the first free port of the
/// range, and the one at its start may be in use (the host's ephemeral ports share the
/// numbers), so tests read the port toolbench chose instead of assuming it.
fn port_after(text: &str, before: &str) -> u16 {
    text.split(before)
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no port after {before:?} in {text}"))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn launch_send_stop_and_the_exchange_is_kept() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let port = port_after(&stdout(&out), "is healthy on port ");
    assert!(
        (ws.base..ws.base + 50).contains(&port),
        "{port} not in the range"
    );
    let out = ws.run(&["tools", "send", "e1", "hello", "--context", "{\"k\": 1}"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
    // A context the adapter cannot carry as an object is refused before anything is sent.
    let out = ws.run(&["tools", "send", "e1", "not sent", "--context", "[1,2]"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("the context [1,2] is not a JSON object"),
        "{}",
        stderr(&out)
    );
    let out = ws.run(&[
        "tools",
        "send",
        "e1",
        "multi\n[2026-01-01T00:00:00Z] ← forged",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let e1 = ws.instance("e1");
    assert_eq!(e1["state"], "healthy");
    assert!(e1["last_exchange_at"].is_string());
    let pid = e1["pid"].as_u64().expect("pid");
    let out = ws.run(&["tools", "stop", "e1"]);
    assert_eq!(
        stdout(&out).trim(),
        "instance e1 stopped",
        "{}",
        stderr(&out)
    );
    assert!(!alive(pid), "the helper is gone");
    assert_eq!(ws.instance("e1")["state"], "stopped");
    let logs = stdout(&ws.run(&["tools", "logs", "e1"]));
    assert!(
        logs.contains("→ hello") && logs.contains("← hello") && !logs.contains("not sent"),
        "{logs}"
    );
    // A message's line break stays in its line, to a pipe too: no line can pass for another.
    assert!(
        logs.contains("→ multi\\u{a}[2026-01-01T00:00:00Z] ← forged"),
        "{logs}"
    );
    assert!(
        !logs
            .lines()
            .any(|l| l.starts_with("[2026-01-01T00:00:00Z]")),
        "{logs}"
    );
}

/// A launch that names no instance names it after its service: two services each get one of
/// their own (an instance name stays its first tool's, so one shared default could not).
#[test]
fn a_launch_without_an_instance_name_takes_the_services_name() {
    let mut ws = Ws::new();
    for service in ["echo", "echo_two"] {
        ws.service(service, ECHO, "\"auto\"", "tcp");
        ws.approve_candidate(service);
        ws.launched.push(service.to_string());
        let out = ws.run(&["tools", "launch", service]);
        assert!(out.status.success(), "{}", stderr(&out));
        let instance = ws.instance(service);
        assert_eq!(instance["tool"], service, "{instance}");
        assert_eq!(instance["state"], "healthy", "{instance}");
    }
    let out = ws.run(&["tools", "send", "echo_two", "hi"]);
    assert_eq!(stdout(&out).trim(), "hi", "{}", stderr(&out));
}

#[test]
fn a_dead_instance_is_marked_stopped_and_send_relaunches_it_keeping_its_history() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    assert!(ws.launch("echo", "e1").status.success());
    assert!(ws.run(&["tools", "send", "e1", "first"]).status.success());
    let pid = ws.instance("e1")["pid"].as_u64().expect("pid");
    // Killed behind toolbench's back: the next toolbench process notices.
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    for _ in 0..100 {
        if !alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let e1 = ws.instance("e1");
    assert_eq!(e1["state"], "stopped", "{e1}");
    assert_eq!(e1["error"], "its process ended");
    let out = ws.run(&["tools", "send", "e1", "second"]);
    assert_eq!(stdout(&out).trim(), "second", "{}", stderr(&out));
    assert!(
        stderr(&out).contains("instance e1 was stopped: relaunched"),
        "{}",
        stderr(&out)
    );
    let logs = stdout(&ws.run(&["tools", "logs", "e1"]));
    assert!(
        logs.contains("→ first") && logs.contains("→ second"),
        "{logs}"
    );
}

#[test]
fn a_reused_pid_is_never_signalled() {
    let ws = Ws::new();
    assert!(ws.run(&["tools", "status"]).status.success());
    let mut sleeper = Command::new("sleep").arg("300").spawn().expect("sleep");
    let pid = sleeper.id();
    {
        let mut store = toolbench::store::Store::open(ws.root()).expect("store");
        store
            .claim_instance(&toolbench::model::services::InstanceRow {
                name: "ghost".into(),
                tool: "echo".into(),
                version: "1.0.0".into(),
                port: 51999,
                pid: None,
                start_ticks: None,
                state: toolbench::model::services::InstanceState::Healthy,
                started_at: "2026-01-01T00:00:00Z".into(),
                stopped_at: None,
                last_exchange_at: None,
                log_dir: ".toolbench/services/ghost".into(),
                sandbox: String::new(),
                error: None,
            })
            .expect("claim");
        // The sleep's pid with another start time: the service that had it died long ago.
        store.set_instance_process("ghost", pid, 1).expect("pid");
    }
    let ghost = ws.instance("ghost");
    assert_eq!(ghost["state"], "stopped", "{ghost}");
    assert!(
        ghost["error"]
            .as_str()
            .unwrap_or("")
            .contains("now belongs to another program"),
        "{ghost}"
    );
    let out = ws.run(&["tools", "stop", "ghost"]);
    assert_eq!(stdout(&out).trim(), "instance ghost was not running");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        sleeper.try_wait().expect("wait"),
        None,
        "the sleep was left alone"
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

/// A tool that is no service is told so, not asked for the input its schema requires.
#[test]
fn launching_a_tool_that_is_no_service_says_so_whatever_its_input_schema() {
    let mut ws = Ws::new();
    write_tool(
        ws.root(),
        "experimental",
        "words",
        "name = \"words\"\nversion = \"1.0.0\"\ndescription = \"counts words\"\ncost_tier = \"low\"\n\
         [run]\ncommand = [\"sh\", \"-c\", \"cat\"]\ninput = \"stdin-json\"\n\
         [input]\ntype = \"object\"\nrequired = [\"text\"]\n\
         [input.properties.text]\ntype = \"string\"\n",
    );
    let out = ws.launch("words", "w1");
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: words@1.0.0: not a service (its tool.toml has no [service] section)"
    );
}

#[test]
fn a_missing_or_non_executable_executable_is_named() {
    let ws = Ws::new();
    let missing = ws.root().join("nowhere.sh");
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        &missing.display().to_string(),
    ]);
    assert_eq!(
        stderr(&out).trim(),
        format!("toolbench: executable {} does not exist", missing.display())
    );
    let plain = ws.root().join("plain.sh");
    std::fs::write(&plain, "#!/bin/sh\n").expect("write");
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        &plain.display().to_string(),
    ]);
    assert!(
        stderr(&out).contains(&format!("executable {} is not executable", plain.display())),
        "{}",
        stderr(&out)
    );
    assert!(!ws.root().join("core/svc/tool.toml").exists());
}

#[test]
fn the_executable_removed_after_define_fails_the_launch_by_name() {
    let mut ws = Ws::new();
    // Outside /tmp, which the service would see as its own private folder (and the checkout,
    // with its target folder, may itself be under /tmp).
    let scripts = ["/var/tmp".into(), std::env::var("HOME").unwrap_or_default()]
        .iter()
        .filter(|dir| !dir.is_empty() && !dir.starts_with("/tmp"))
        .find_map(|dir| tempfile::tempdir_in(dir).ok())
        .expect("a writable folder outside /tmp: /var/tmp or the home folder");
    let script = scripts.path().join("svc.sh");
    std::fs::write(&script, "#!/bin/sh\nsleep 30\n").expect("write");
    let _ = Command::new("chmod")
        .args(["+x", &script.display().to_string()])
        .status();
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        &script.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(&script).expect("remove");
    let out = ws.launch("svc", "s1");
    assert!(
        stderr(&out).contains(&format!("executable {} does not exist", script.display())),
        "{}",
        stderr(&out)
    );
}

/// A script in /tmp an interpreter is given is refused with advice that works: `--copy`
/// copies the executable only, so the script itself becomes the executable, copied, and the
/// service then launches.
#[test]
fn a_script_in_tmp_is_refused_at_define_time_saying_why() {
    let mut ws = Ws::new();
    let tmp = tempfile::Builder::new()
        .prefix("toolbench-define")
        .tempdir_in("/tmp")
        .expect("tempdir in /tmp");
    let script = tmp.path().join("server.py");
    std::fs::write(&script, format!("#!/usr/bin/env python3{ECHO}")).expect("script");
    let launch_args = format!("{} {{port}}", script.display());
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        "python3",
        "--launch-args",
        &launch_args,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "toolbench: launch argument {0}: the service would not see it in the sandbox \
             (each run gets a private /tmp of its own); move it elsewhere, or make it the \
             executable, copied into the tool folder: `--executable {0} --copy` (it needs a \
             `#!` line)",
            script.display()
        )
    );
    let _ = Command::new("chmod")
        .args(["+x", &script.display().to_string()])
        .status();
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        &script.display().to_string(),
    ]);
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "toolbench: executable {}: the service would not see it in the sandbox \
             (each run gets a private /tmp of its own); move it elsewhere, or define with --copy",
            script.display()
        )
    );
    assert!(!ws.root().join("core/svc").exists(), "nothing defined");
    // `tools import` is told in its own terms, the definition's `files`, not define's flag.
    let shown = script.display().to_string();
    for (json, said) in [
        (
            serde_json::json!({"executable": shown}),
            format!(
                "field `executable`: {shown}: the service would not see it in the sandbox (each \
                 run gets a private /tmp of its own); move it elsewhere, or bring it in the \
                 definition's `files` and name it `./FILE`"
            ),
        ),
        (
            serde_json::json!({"executable": "python3", "launch_args": [shown]}),
            format!(
                "field `launch_args[0]`: {shown}: the service would not see it in the sandbox \
                 (each run gets a private /tmp of its own); move it elsewhere, or make it the \
                 executable, brought in the definition's `files` (it needs a `#!` line)"
            ),
        ),
    ] {
        let out = ws.run_with_stdin(&["tools", "import", "svc"], &json.to_string());
        assert_eq!(
            stderr(&out).trim(),
            format!("toolbench: import svc: {said}")
        );
    }
    assert!(!ws.root().join("core/svc").exists(), "nothing imported");
    // As the import's advice says: brought in `files` as the executable, it is imported.
    let brought = serde_json::json!({
        "executable": "./server.py",
        "launch_args": ["{port}"],
        "files": {"server.py": {"text": std::fs::read_to_string(&script).expect("script"), "executable": true}},
    });
    let out = ws.run_with_stdin(&["tools", "import", "svc2"], &brought.to_string());
    assert!(out.status.success(), "{}", stderr(&out));
    // As the advice says: copied into the tool folder as the executable, it is seen and runs.
    let out = ws.run(&[
        "tools",
        "define",
        "svc",
        "--executable",
        &script.display().to_string(),
        "--copy",
        "--launch-args",
        "{port}",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.launch("svc", "s1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ws.instance("s1")["state"], "healthy");
}

#[test]
fn a_fixed_port_already_taken_is_named() {
    let mut ws = Ws::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    ws.service("echo", ECHO, &port.to_string(), "tcp");
    let out = ws.launch("echo", "e1");
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "toolbench: instance e1: port {port} is already in use on 127.0.0.1 (another program listens there)"
        )
    );
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(
        listener.accept().is_err(),
        "nothing connected to the listener"
    );
}

#[test]
fn two_instances_cannot_share_a_fixed_port() {
    let mut ws = Ws::new();
    let port = free_port();
    ws.service("echo", ECHO, &port.to_string(), "tcp");
    assert!(ws.launch("echo", "a").status.success());
    let out = ws.launch("echo", "b");
    assert_eq!(
        stderr(&out).trim(),
        format!("toolbench: instance b: port {port} is already used by instance a")
    );
    assert_eq!(ws.instance("a")["state"], "healthy");
}

#[test]
fn a_service_exiting_at_start_shows_its_status_and_stderr() {
    let mut ws = Ws::new();
    ws.service(
        "crash",
        "import sys\nprint('config file missing', file=sys.stderr)\nsys.exit(3)\n",
        "\"auto\"",
        "tcp",
    );
    let out = ws.launch("crash", "c1");
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: instance c1 exited at start with exit status 3: config file missing"
    );
    assert_eq!(ws.instance("c1")["state"], "stopped");
}

/// Says on stdout which message it handles, then answers it.
const TALKATIVE: &str = r#"
import json, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            req = json.loads(line)
            print("handled " + req["message"], flush=True)
            self.wfile.write((json.dumps({"response": req["message"]}) + "\n").encode())
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

/// The position of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn logs_mark_each_launch_and_show_exchanges_among_the_output() {
    let mut ws = Ws::new();
    ws.service(
        "svc",
        "import sys\nprint('config file missing', file=sys.stderr)\nsys.exit(3)\n",
        "\"auto\"",
        "tcp",
    );
    assert!(!ws.launch("svc", "s1").status.success());
    // Fixed by a new version, approved like the first.
    ws.service_at("svc", "1.0.1", TALKATIVE, "\"auto\"", "tcp");
    let out = ws.launch("svc", "s1");
    assert!(out.status.success(), "{}", stderr(&out));
    for message in ["one", "two"] {
        let out = ws.run(&["tools", "send", "s1", message]);
        assert!(out.status.success(), "{}", stderr(&out));
        // The service's line about it reaches the log before the next message is sent.
        std::thread::sleep(Duration::from_millis(300));
    }
    let logs = stdout(&ws.run(&["tools", "logs", "s1"]));
    let launches: Vec<usize> = logs
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("── launch at "))
        .map(|(i, _)| i)
        .collect();
    let [failed, healthy] = launches[..] else {
        panic!("two launches marked:\n{logs}");
    };
    let lines: Vec<&str> = logs.lines().collect();
    assert!(
        lines[failed].contains("failed: instance s1 exited at start with exit status 3"),
        "{logs}"
    );
    assert!(!lines[healthy].contains("failed"), "{logs}");
    // The failed launch's complaint sits under its own marker, not the healthy one's.
    let complaint = line_of(&logs, "err | config file missing");
    assert!(failed < complaint && complaint < healthy, "{logs}");
    // Each exchange among the output around it, not after all of it.
    let one = line_of(&logs, "→ one");
    let handled_one = line_of(&logs, "out | handled one");
    let two = line_of(&logs, "→ two");
    let handled_two = line_of(&logs, "out | handled two");
    assert!(healthy < handled_one && handled_one < two, "{logs}");
    assert!(healthy < one && one < handled_two, "{logs}");
    assert!(handled_two > handled_one && two > one, "{logs}");
}

/// Lines a child prints, as they come, on a channel; the channel ends with its stdout.
fn lines_of(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Reads `lines` into `seen` until one contains `needle`; fails after 15 s.
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !seen.iter().any(|l| l.contains(needle)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(e) => panic!("no line with {needle:?} ({e}):\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn logs_follow_prints_the_history_then_each_exchange_as_it_comes_and_ends_with_the_instance() {
    let mut ws = Ws::new();
    ws.service("svc", TALKATIVE, "\"auto\"", "tcp");
    let out = ws.launch("svc", "s1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ws.run(&["tools", "send", "s1", "before"]).status.success());

    let mut follow = ws
        .command(&["tools", "logs", "s1", "--follow"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn toolbench");
    let lines = lines_of(&mut follow);
    let mut seen = Vec::new();
    // The history from its beginning, then what comes while it follows.
    wait_for_line(&lines, &mut seen, "── launch at ");
    wait_for_line(&lines, &mut seen, "→ before");
    assert!(ws.run(&["tools", "send", "s1", "during"]).status.success());
    wait_for_line(&lines, &mut seen, "out | handled during");
    wait_for_line(&lines, &mut seen, "← during");

    // The instance stops: the follow prints what was written before and ends by itself.
    assert!(ws.run(&["tools", "send", "s1", "last"]).status.success());
    let out = ws.run(&["tools", "stop", "s1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = follow.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = follow.kill();
            let _ = follow.wait();
            panic!(
                "the follow went on after the instance stopped:\n{}",
                seen.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    seen.extend(lines.iter());
    let mut err = String::new();
    let _ = follow.stderr.take().map(|mut e| e.read_to_string(&mut err));
    assert!(status.success(), "{err}");
    // Its runtime's end (a timer it left polled) was a panic on stderr, exit 0 all the same.
    assert!(!err.contains("panicked"), "{err}");
    let text = seen.join("\n");
    assert!(text.contains("out | handled last"), "{text}");
    assert!(text.contains("← last"), "{text}");
    assert_eq!(
        text.matches("→ before").count(),
        1,
        "each exchange once: {text}"
    );
}

#[test]
fn logs_follow_of_a_stopped_instance_prints_its_history_and_ends_and_an_unknown_one_is_named() {
    let mut ws = Ws::new();
    ws.service("svc", TALKATIVE, "\"auto\"", "tcp");
    assert!(ws.launch("svc", "s1").status.success());
    assert!(ws.run(&["tools", "send", "s1", "once"]).status.success());
    assert!(ws.run(&["tools", "stop", "s1"]).status.success());
    let out = ws.run(&["tools", "logs", "s1", "--follow"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("→ once"), "{}", stdout(&out));

    let out = ws.run(&["tools", "logs", "nobody", "--follow"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: no instance named nobody (see toolbench tools status)"
    );
}

/// A service that runs but never listens.
const NEVER_LISTENS: &str = "import time\nwhile True: time.sleep(1)\n";

/// `health_check = "none"` waits for nothing: a service that never listens is launched (the
/// check that the port's listener is the service's applies to checks that connect).
#[test]
fn a_service_without_a_health_check_is_launched() {
    let mut ws = Ws::new();
    ws.service("deaf", NEVER_LISTENS, "\"auto\"", "none");
    let out = ws.launch("deaf", "n1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(ws.instance("n1")["state"], "stopped");
}

/// A program that takes the service's port after toolbench chose it (here the test, 300 ms
/// into the launch, while the service never listens) answers the health check: the launch must
/// not take it for the service, whose messages would then go to that program.
#[test]
fn a_port_taken_by_another_program_is_not_taken_for_the_service() {
    let mut ws = Ws::new();
    ws.service("deaf", NEVER_LISTENS, "\"auto\"", "tcp");
    // Before the intruder's clock starts: the launch itself is what it races.
    ws.approve_candidate("deaf");
    let port = ws.base;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let intruder = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("take the port");
        listener.set_nonblocking(true).expect("nonblocking");
        let mut accepted = 0;
        while !stopped.load(Ordering::SeqCst) {
            if listener.accept().is_ok() {
                accepted += 1;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        accepted
    });
    let out = ws.launch("deaf", "d2");
    stop.store(true, Ordering::SeqCst);
    let probes = intruder.join().expect("intruder");
    assert!(
        probes > 0,
        "the health check never reached the other program"
    );
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "toolbench: instance d2: port {port} is answered by another program, not the \
             service (it took the port before the service could); stopped"
        )
    );
    let d2 = ws.instance("d2");
    assert_eq!(d2["state"], "stopped");
    assert!(!alive(d2["pid"].as_u64().expect("pid")), "no process left");
}

#[test]
fn a_health_check_that_never_passes_stops_the_process() {
    let mut ws = Ws::new();
    ws.service("deaf", NEVER_LISTENS, "\"auto\"", "tcp");
    let out = ws.launch("deaf", "d1");
    let said = stderr(&out);
    let port = port_after(&said, "health check tcp on port ");
    assert_eq!(
        said.trim(),
        format!(
            "toolbench: instance d1: unhealthy after 2 s (health check tcp on port {port}); stopped"
        )
    );
    let d1 = ws.instance("d1");
    assert_eq!(d1["state"], "stopped");
    let pid = d1["pid"].as_u64().expect("pid");
    assert!(!alive(pid), "no process left");
    let pattern = format!("svc.py {port}");
    let left = Command::new("pgrep")
        .args(["-f", &pattern])
        .output()
        .expect("pgrep");
    assert!(
        left.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn plain_text_answers_are_text_and_silence_is_a_timeout() {
    let mut ws = Ws::new();
    let plain = r#"
import socketserver, sys, time
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            if b"quiet" in line:
                time.sleep(5)
            else:
                self.wfile.write(b"just words\n"); self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;
    ws.service("plain", plain, "\"auto\"", "tcp");
    assert!(ws.launch("plain", "p1").status.success());
    let out = ws.run(&["tools", "send", "p1", "hi"]);
    assert_eq!(stdout(&out).trim(), "just words");
    let out = ws.run(&["tools", "send", "p1", "quiet"]);
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: instance p1: no answer within 1 s"
    );
    let logs = stdout(&ws.run(&["tools", "logs", "p1"]));
    assert!(logs.contains("✗ no answer within 1 s"), "{logs}");
}

/// `{"ok": false}` or an `error` field: the adapter's way to say a request failed.
const FAILING: &str = r#"
import json, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            req = json.loads(line)
            out = {"ok": True, "error": None, "response": "fine"}
            if req["message"] == "ok-false":
                out = {"ok": False, "error": "no such key"}
            elif req["message"] == "error":
                out = {"error": {"code": 7}}
            self.wfile.write((json.dumps(out) + "\n").encode())
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

#[test]
fn an_answer_saying_ok_false_or_error_fails_the_send() {
    let mut ws = Ws::new();
    ws.service("failing", FAILING, "\"auto\"", "tcp");
    assert!(ws.launch("failing", "f1").status.success());
    let out = ws.run(&["tools", "send", "f1", "fine"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "fine");
    let out = ws.run(&["tools", "send", "f1", "ok-false"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: instance f1: the service answered with an error: no such key"
    );
    let out = ws.run(&["tools", "send", "f1", "error"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).ends_with("the service answered with an error: {\"code\":7}\n"),
        "{}",
        stderr(&out)
    );
    let logs = stdout(&ws.run(&["tools", "logs", "f1"]));
    assert!(
        logs.contains("✗ the service answered with an error: no such key"),
        "{logs}"
    );
}

#[test]
fn send_to_an_unknown_instance_is_refused() {
    let ws = Ws::new();
    let out = ws.run(&["tools", "send", "nobody", "hi"]);
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: no instance named nobody (see toolbench tools status)"
    );
}

#[test]
fn import_names_malformed_json_and_the_wrong_field() {
    let ws = Ws::new();
    let out = ws.run_with_stdin(&["tools", "import", "svc"], "{\"executable\": ");
    assert!(
        stderr(&out).starts_with("toolbench: import svc: not valid JSON"),
        "{}",
        stderr(&out)
    );
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r#"{"executable": "sh", "launch_args": "-c x"}"#,
    );
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: import svc: field `launch_args`: expected an array of strings, got a string"
    );
    // What the definition's own checks refuse is named as a field too.
    for (json, said) in [
        (
            r#"{"executable": "nonexist"}"#,
            "field `executable`: nonexist is not found in /usr/local/bin:/usr/bin:/bin",
        ),
        (
            r#"{"executable": "./server.py"}"#,
            "field `executable`: ./server.py does not exist",
        ),
        (
            r#"{"executable": "sh", "files": {"../x": {"text": "a"}}}"#,
            "field `files`: \"../x\": must stay inside the tool folder (no `..`)",
        ),
        // The definition's fields are the manifest: import takes no `manifest` to give it as.
        (
            r#"{"executable": "sh", "files": {"tool.toml": {"text": "name = 'x'"}}}"#,
            "field `files`: \"tool.toml\" is written from the definition's fields; give them as \
             fields, not as a file",
        ),
        (
            r#"{"executable": "sh", "launch_args": ["-c", "/proc/self/x"]}"#,
            "field `launch_args[1]`: /proc/self/x: the service would not see it in the sandbox",
        ),
    ] {
        let out = ws.run_with_stdin(&["tools", "import", "svc"], json);
        assert_eq!(out.status.code(), Some(1), "{json}");
        let err = stderr(&out);
        assert!(
            err.trim()
                .starts_with(&format!("toolbench: import svc: {said}")),
            "{json}: {err}"
        );
    }
    assert!(!ws.root().join("core/svc").exists());
}

#[test]
fn define_export_import_and_undefine_round_trip() {
    let ws = Ws::new();
    let out = ws.run(&[
        "tools",
        "define",
        "kv",
        "--type",
        "generic",
        "--executable",
        "python3",
        "--description",
        "a cache",
        "--port",
        "auto",
        "--capabilities",
        "cache,kv",
        "--launch-args",
        "kv.py --port {port}",
        "--health-check",
        "ping",
        "--env",
        "MODE=fast",
    ]);
    assert_eq!(
        stdout(&out).trim(),
        "defined service kv (core/kv/tool.toml)",
        "{}",
        stderr(&out)
    );
    let exported = ws.run(&["tools", "export", "kv"]);
    let def: Value = serde_json::from_slice(&exported.stdout).expect("export is JSON");
    assert_eq!(def["type"], "generic");
    assert_eq!(def["capabilities"], serde_json::json!(["cache", "kv"]));
    assert_eq!(
        def["launch_args"],
        serde_json::json!(["kv.py", "--port", "{port}"])
    );
    assert_eq!(def["environment"]["MODE"], "fast");
    let out = ws.run_with_stdin(&["tools", "import", "kv2"], &stdout(&exported));
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value =
        serde_json::from_slice(&ws.run(&["tools", "defined", "--json"]).stdout).expect("defined");
    let names: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["kv", "kv2"]);
    let out = ws.run(&["tools", "define", "kv", "--port", "8405"]);
    assert_eq!(
        stdout(&out).trim(),
        "updated service kv (core/kv/tool.toml)"
    );
    let out = ws.run(&["tools", "undefine", "kv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!ws.root().join("core/kv").exists());
    let archived = std::fs::read_dir(ws.root().join("archived"))
        .expect("archived")
        .count();
    assert_eq!(archived, 1, "archived, not deleted");
}

/// A definition is not archived from under a running instance: `tools undefine` is refused,
/// the folder stays where it was, and once the instance stopped it goes to archived/.
#[test]
fn a_service_with_a_running_instance_is_not_undefined() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ws.instance("e1")["state"], "healthy");
    let status = stdout(&ws.run(&["tools", "status"]));
    let lines: Vec<Vec<&str>> = status
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines.len(), 2, "a header and one instance: {status}");
    assert_eq!(
        lines[0],
        ["INSTANCE", "TOOL", "STATE", "PORT", "PID", "ERROR"]
    );
    assert_eq!(lines[1][..3], ["e1", "echo", "healthy"], "{status}");
    let out = ws.run(&["tools", "undefine", "echo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: cannot archive echo@1.0.0: instance e1 is running; stop it first \
         (toolbench tools stop e1)"
    );
    assert!(ws.root().join("approved/echo/tool.toml").is_file());
    assert_eq!(ws.instance("e1")["state"], "healthy");
    assert!(ws.run(&["tools", "stop", "e1"]).status.success());
    let out = ws.run(&["tools", "undefine", "echo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!ws.root().join("approved/echo").exists());
    let history = ws.run(&["history", "echo"]);
    assert!(
        stdout(&history).contains("undefined with toolbench tools undefine"),
        "{}",
        stdout(&history)
    );
}

/// What `core/` holds, hidden entries (a staging folder left behind) included.
fn core_entries(ws: &Ws) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ws.root().join("core"))
        .expect("core")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Where signatures are required, a definition nobody signed is told at once that it will
/// not launch, and how a reviewer signs it, instead of at its first launch.
#[test]
fn a_definition_that_will_not_launch_unsigned_says_so_when_defined() {
    let mut ws = Ws::new();
    ws.require_signatures();
    let (_scripts, script) = echo_script();
    let out = ws.define_copied(&script, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: echo will not launch as it is (unsigned, and [review] signatures = \
         \"require\"): `toolbench validate echo`, then a reviewer's `toolbench approve echo` \
         signs it"
    );
    ws.launched.push("e1".into());
    let out = ws.run(&["tools", "launch", "echo", "--instance", "e1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("has no signed review"),
        "{}",
        stderr(&out)
    );
}

/// An instance whose code may no longer run because signatures became required (not because
/// its files changed) is refused a message with that reason.
#[test]
fn an_instance_refused_by_a_stricter_policy_is_told_so_not_that_it_changed() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "e1", "hello"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
    ws.require_signatures();
    let out = ws.run(&["tools", "send", "e1", "hello"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains("instance e1 runs echo@1.0.0, which may not run now: ")
            && said.contains("has no signed review"),
        "{said}"
    );
}

#[test]
fn a_copied_service_exports_its_file_and_imports_whole_elsewhere() {
    let ws = Ws::new();
    let (_scripts, script) = echo_script();
    let out = ws.define_copied(&script, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = ws.run(&["tools", "export", "echo"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let def: Value = serde_json::from_slice(&exported.stdout).expect("export is JSON");
    assert_eq!(def["executable"], "./server.py");
    assert_eq!(def["files"]["server.py"]["executable"], true, "{def}");
    assert!(
        def["files"]["server.py"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("socketserver")),
        "{def}"
    );

    // Another workspace, which has never seen the file.
    let mut other = Ws::new();
    let out = other.run_with_stdin(&["tools", "import", "echo"], &stdout(&exported));
    assert!(out.status.success(), "{}", stderr(&out));
    let copied = other.root().join("core/echo/server.py");
    assert_eq!(
        std::fs::read(&copied).expect("the file came along"),
        std::fs::read(&script).expect("the original")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copied)
        .expect("meta")
        .permissions()
        .mode();
    assert_ne!(mode & 0o111, 0, "still executable: {mode:o}");
    let out = other.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = other.run(&["tools", "send", "e1", "hello"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
}

#[test]
fn a_failed_import_leaves_nothing_behind_and_the_old_definition_intact() {
    let ws = Ws::new();
    // The file the definition names is not carried.
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r#"{"executable": "./server.py", "launch_args": ["{port}"]}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("server.py does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(core_entries(&ws).is_empty(), "{:?}", core_entries(&ws));
    // A file the definition brings, but not the one it runs.
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r#"{"executable": "./server.py", "files": {"other.py": {"text": "x"}}}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(core_entries(&ws).is_empty(), "{:?}", core_entries(&ws));
    // A path that would leave the folder.
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r#"{"executable": "sh", "files": {"../evil": {"text": "x"}}}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"../evil\""), "{}", stderr(&out));
    assert!(core_entries(&ws).is_empty(), "{:?}", core_entries(&ws));
    assert!(!ws.root().join("evil").exists());

    // Over an existing definition: a failed update changes nothing.
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r##"{"executable": "./run.sh", "files": {"run.sh": {"text": "#!/bin/sh\nsleep 1\n", "executable": true}}}"##,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read_to_string(ws.root().join("core/svc/tool.toml")).expect("defined");
    let out = ws.run_with_stdin(
        &["tools", "import", "svc"],
        r#"{"executable": "./gone.sh", "port": 8405}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(core_entries(&ws), ["svc"]);
    assert_eq!(
        std::fs::read_to_string(ws.root().join("core/svc/tool.toml")).expect("still there"),
        before
    );
    let out = ws.run(&["tools", "defined", "svc"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_undefined_service_is_no_longer_defined_and_candidates_are_not_listed() {
    let ws = Ws::new();
    ws.service("candidate", ECHO, "\"auto\"", "tcp");
    let out = ws.run(&["tools", "define", "kv", "--executable", "python3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names = |ws: &Ws| -> Vec<String> {
        let out = ws.run(&["tools", "defined", "--json"]);
        let listed: Value = serde_json::from_slice(&out.stdout).expect("defined --json");
        listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["name"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(names(&ws), ["kv"], "an experimental service is not active");
    let out = ws.run(&["tools", "defined", "candidate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("candidate: no active service of that name")
            && stderr(&out).contains("toolbench approve candidate"),
        "{}",
        stderr(&out)
    );
    assert!(ws.run(&["tools", "undefine", "kv"]).status.success());
    for args in [&["tools", "defined", "kv"][..], &["tools", "export", "kv"]] {
        let out = ws.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("kv: no active service of that name")
                && stderr(&out).contains("toolbench restore kv"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(names(&ws).is_empty());
}

/// The name of this process's user as the user database has it (`id -un`), else `uid N`.
fn user_name() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    let name = stdout(&out).trim().to_string();
    if out.status.success() && !name.is_empty() {
        return name;
    }
    let out = Command::new("id").arg("-u").output().expect("id -u");
    format!("uid {}", stdout(&out).trim())
}

#[test]
fn without_user_in_the_environment_definer_and_reviewer_are_the_users_name() {
    let ws = Ws::new();
    let nameless = |args: &[&str]| {
        let mut command = ws.command(args);
        command.env_remove("USER").env_remove("LOGNAME");
        ws.run_piped(command, "")
    };
    let out = nameless(&["tools", "define", "kv", "--executable", "python3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let def: Value =
        serde_json::from_slice(&ws.run(&["tools", "export", "kv"]).stdout).expect("export");
    let expected = user_name();
    assert_eq!(def["defined_by"], expected.as_str());
    let mut command = ws.command(&["tools", "import", "kv2"]);
    command.env_remove("USER").env_remove("LOGNAME");
    let out = ws.run_piped(command, &def.to_string());
    assert!(out.status.success(), "{}", stderr(&out));
    let def2: Value =
        serde_json::from_slice(&ws.run(&["tools", "export", "kv2"]).stdout).expect("export");
    assert_eq!(def2["defined_by"], expected.as_str());
    assert!(nameless(&["tools", "undefine", "kv"]).status.success());
    let history: Value =
        serde_json::from_slice(&ws.run(&["history", "kv", "--json"]).stdout).expect("history");
    let who: Vec<&str> = history
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["who"].as_str())
        .collect();
    assert!(!who.is_empty(), "{history}");
    assert!(who.iter().all(|w| *w == expected), "{who:?}");
}

/// The service tries to connect out and to bind a second port before it listens on its own.
#[test]
fn a_service_may_bind_its_port_and_nothing_else() {
    let mut ws = Ws::new();
    let outside = TcpListener::bind("127.0.0.1:0").expect("bind");
    let outside_port = outside.local_addr().expect("addr").port();
    let other = free_port();
    let probe = format!(
        r#"
import socket, sys
for what, act in (("connect", lambda s: s.connect(("127.0.0.1", {outside_port}))),
                  ("bind", lambda s: s.bind(("127.0.0.1", {other})))):
    s = socket.socket()
    try:
        act(s); print(what, "allowed", file=sys.stderr, flush=True)
    except OSError as e:
        print(what, "refused", e.errno, file=sys.stderr, flush=True)
    s.close()
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("udp allowed", file=sys.stderr, flush=True)
except OSError as e:
    print("udp refused", file=sys.stderr, flush=True)
{ECHO}"#
    );
    ws.service("probe", &probe, "\"auto\"", "tcp");
    let out = ws.launch("probe", "p1");
    assert!(out.status.success(), "{}", stderr(&out));
    let sandbox = stdout(&out);
    let log =
        std::fs::read_to_string(ws.root().join(".toolbench/services/p1/stderr.log")).expect("log");
    assert!(log.contains("udp refused"), "{log}");
    if !sandbox.contains("port(bind tcp/") {
        eprintln!("skipped the TCP assertions: this kernel has no Landlock TCP rules ({sandbox})");
        return;
    }
    assert!(
        log.contains("connect refused") && log.contains("bind refused"),
        "{log}"
    );
    outside.set_nonblocking(true).expect("nonblocking");
    let mut received = Vec::new();
    if let Ok((mut peer, _)) = outside.accept() {
        let _ = peer.read_to_end(&mut received);
        panic!("the outside listener got a connection");
    }
}

/// A service runs outside a run's lifetime, with a port and its logs as descriptors; it still
/// changes no file of the host, not even its own tool folder.
#[test]
fn a_service_changes_no_host_file_nor_its_tool_folder() {
    use std::os::unix::fs::PermissionsExt;
    let mut ws = Ws::new();
    // A host file the user owns, in the workspace (visible to the sandbox, read-only there).
    let target = ws.root().join("notes.txt");
    std::fs::write(&target, "original\n").expect("target");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("mode");
    let before = std::fs::metadata(&target).expect("meta");
    ws.service("scribbler", "", "\"auto\"", "tcp");
    // Where it runs from once approved, as launching it makes it.
    let tool_dir = ws.root().join("approved/scribbler");
    let candidate = ws.root().join("experimental/scribbler");
    let probe = format!(
        r#"
import os, sys
def attempt(what, act):
    try:
        act(); print(what, "allowed", file=sys.stderr, flush=True)
    except OSError as e:
        print(what, "refused", e.errno, file=sys.stderr, flush=True)
attempt("append", lambda: open("{target}", "a").write("escaped\n"))
attempt("chmod", lambda: os.chmod("{target}", 0o777))
attempt("utime", lambda: os.utime("{target}", (0, 0)))
attempt("tool folder", lambda: open("{tool}/planted.txt", "w").write("x"))
{ECHO}"#,
        target = target.display(),
        tool = tool_dir.display(),
    );
    std::fs::write(candidate.join("svc.py"), probe).expect("probe");
    let out = ws.launch("scribbler", "s1");
    assert!(out.status.success(), "{}", stderr(&out));
    let attempts = std::fs::read_to_string(ws.root().join(".toolbench/services/s1/stderr.log"))
        .unwrap_or_default();
    assert!(
        attempts.contains("tool folder"),
        "the probe ran: {attempts}"
    );
    let after = std::fs::metadata(&target).expect("meta");
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "original\n",
        "{attempts}"
    );
    assert_eq!(after.permissions().mode() & 0o7777, 0o644, "{attempts}");
    assert_eq!(
        after.modified().expect("mtime"),
        before.modified().expect("mtime")
    );
    assert!(!tool_dir.join("planted.txt").exists(), "{attempts}");
}

/// A service that answers each message, a path, with that file's bytes in hex, or why it could
/// not.
const FILE_READER: &str = r#"
import json, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            path = json.loads(line)["message"]
            try:
                answer = open(path, "rb").read().hex()
            except OSError as e:
                answer = "refused %d" % e.errno
            self.wfile.write((json.dumps({"response": answer}) + "\n").encode())
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

/// A service reads everything the sandbox does not hide, so it must hide the key that tags
/// toolbench's own writes wherever it is kept: with it, a service could tag a seal of its own.
/// The key sits apart from the data folder here, as with a `HOME` or `XDG_DATA_HOME` other than
/// the user database's; a file beside it shows the service reads that folder and answers.
#[test]
fn a_service_cannot_read_the_key_that_tags_toolbench_s_writes() {
    let keys = tempfile::tempdir_in(common::visible_base()).expect("key dir");
    let key = keys.path().join("state.key");
    let beside = keys.path().join("beside.txt");
    std::fs::write(&beside, "readable").expect("beside");
    let mut ws = Ws::new();
    ws.state_key = Some(key.clone());
    ws.service("reader", FILE_READER, "\"auto\"", "tcp");
    let out = ws.launch("reader", "k1");
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = std::fs::read(&key).expect("approving made the key");
    assert_eq!(secret.len(), 32);
    // Readable by all, so that only the hiding stands between the service and the key: the
    // key's own mode (0600) stops root's services, which run without overriding permissions,
    // but not a plain user's, which run as the key's owner.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("mode");
    let out = ws.run(&["tools", "send", "k1", &beside.to_string_lossy()]);
    assert_eq!(
        stdout(&out).trim(),
        hex(b"readable"),
        "the service reads the key's folder: {}",
        stderr(&out)
    );
    let out = ws.run(&["tools", "send", "k1", &key.to_string_lossy()]);
    let answer = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!answer.contains(&hex(&secret)), "{answer}");
    let logs = stdout(&ws.run(&["tools", "logs", "k1"]));
    assert!(!logs.contains(&hex(&secret)), "{logs}");
    assert_eq!(std::fs::read(&key).expect("key"), secret);
}

/// The review page's TLS private key, named in the user config, is hidden from a service as
/// the key beside it is not: a service that read it could pose as the page.
#[test]
fn a_service_cannot_read_the_review_page_s_tls_key() {
    let keys = tempfile::tempdir_in(common::visible_base()).expect("key dir");
    let key = keys.path().join("page.key");
    let beside = keys.path().join("beside.txt");
    std::fs::write(&key, "PRIVATE-KEY-BYTES").expect("key");
    std::fs::write(&beside, "readable").expect("beside");
    let mut ws = Ws::new();
    std::fs::write(
        ws.config.path().join("config.toml"),
        format!(
            "[web]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            keys.path().join("page.pem").display(),
            key.display()
        ),
    )
    .expect("user config");
    ws.service("reader", FILE_READER, "\"auto\"", "tcp");
    let out = ws.launch("reader", "t1");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "t1", &beside.to_string_lossy()]);
    assert_eq!(stdout(&out).trim(), hex(b"readable"), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "t1", &key.to_string_lossy()]);
    let answer = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!answer.contains(&hex(b"PRIVATE-KEY-BYTES")), "{answer}");
    assert_eq!(std::fs::read(&key).expect("key"), b"PRIVATE-KEY-BYTES");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a service printed stays in its log: it writes into a pipe its helper relays, never
/// holding the log file, so it can neither truncate nor rewrite what is already there.
#[test]
fn a_service_cannot_erase_what_it_printed() {
    let mut ws = Ws::new();
    let probe = format!(
        r#"
import os, sys
print("BEFORE-MARK", flush=True)
def rewind():
    import fcntl
    fcntl.fcntl(1, fcntl.F_SETFL, 0)
    os.lseek(1, 0, os.SEEK_SET)
    os.write(1, b"REWRITTEN\n")
for act in (lambda: open("/proc/self/fd/1", "w").write("reopened\n"), lambda: os.ftruncate(1, 0), rewind):
    try:
        act()
    except OSError:
        pass
{ECHO}"#
    );
    ws.service("eraser", &probe, "\"auto\"", "tcp");
    let out = ws.launch("eraser", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = std::fs::read_to_string(ws.root().join(".toolbench/services/e1/stdout.log"))
        .expect("stdout log");
    assert!(
        printed.starts_with("BEFORE-MARK\n"),
        "the log of what it printed was changed: {printed:?}"
    );
}

/// The sizes of an instance's log files, by name: the current and rotated ones of each stream.
fn log_files(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .expect("instance folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
        .map(|e| {
            let size = e.metadata().expect("metadata").len();
            (e.file_name().to_string_lossy().into_owned(), size)
        })
        .collect();
    files.sort();
    files
}

/// A service printing 40 MiB with `log_mb = 4`: its logs never hold more than 4 MiB (and one
/// read of its pipe) on disk, the newest output is kept, and `tools logs` says how much was
/// dropped where.
#[test]
fn service_logs_stay_within_log_mb_and_tools_logs_says_what_was_dropped() {
    let mut ws = Ws::new();
    let config = ws.root().join("toolbench.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    // The service prints its 40 MiB before it listens: with the suite's other services
    // running on two cores that takes longer than the 2 s health check the other tests use.
    let text = text.replace("health_timeout_secs = 2", "health_timeout_secs = 30") + "log_mb = 4\n";
    std::fs::write(&config, text).expect("config");
    let flood = format!(
        r#"
import sys
line = "x" * 90
for i in range(400000):
    sys.stdout.write(f"line {{i:08d}} {{line}}\n")
print("NEWEST-LINE", flush=True)
print("stderr stays small", file=sys.stderr, flush=True)
{ECHO}"#
    );
    ws.service("flood", &flood, "\"auto\"", "tcp");
    let out = ws.launch("flood", "f1");
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = ws.root().join(".toolbench/services/f1");
    let budget = 4 * 1024 * 1024;
    let chunk = 64 * 1024;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let logs = loop {
        let files = log_files(&dir);
        let held: u64 = files.iter().map(|(_, size)| size).sum();
        assert!(
            held <= budget + chunk,
            "the logs hold {held} bytes, over the 4 MiB budget: {files:?}"
        );
        let logs = ws.run(&["tools", "logs", "f1"]);
        if stdout(&logs).contains("NEWEST-LINE") {
            break stdout(&logs);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the newest line never showed: {files:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let dropped_line = logs
        .lines()
        .find(|l| l.starts_with("out | … ") && l.ends_with(" dropped (rotated) …"))
        .unwrap_or_else(|| panic!("no line says what was dropped:\n{}", &logs[..500]));
    let mib: f64 = dropped_line
        .trim_start_matches("out | … ")
        .trim_end_matches(" MiB dropped (rotated) …")
        .parse()
        .unwrap_or_else(|_| panic!("not a MiB figure: {dropped_line}"));
    // 400,000 lines of 105 bytes, of which at most 2 MiB (stdout's half) are kept.
    assert!((36.0..=40.1).contains(&mib), "{dropped_line}");
    let first_kept = logs
        .lines()
        .skip_while(|l| *l != dropped_line)
        .nth(1)
        .unwrap_or_default();
    assert!(first_kept.starts_with("out | line "), "{first_kept}");
    assert!(
        !logs.contains("line 00000000 "),
        "the oldest output was kept"
    );
    assert!(
        logs.contains("err | stderr stays small"),
        "{}",
        &logs[logs.len() - 300..]
    );
    assert!(
        log_files(&dir)
            .iter()
            .any(|(name, _)| name.starts_with("stdout.") && name != "stdout.log"),
        "no rotated file: {:?}",
        log_files(&dir)
    );
}

#[test]
fn a_service_whose_approved_files_changed_gets_no_message_and_no_relaunch() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    for args in [&["validate", "echo"][..], &["approve", "echo"]] {
        let out = ws.run(args);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            stderr(&out)
        );
    }
    assert!(ws.root().join("approved/echo/svc.py").is_file());
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "e1", "hello"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));

    // The running service's folder changes behind its back: no message reaches it.
    common::overwrite(
        &ws.root().join("approved/echo/svc.py"),
        &format!("{ECHO}\n# changed\n"),
    );
    let exchanges = |ws: &Ws| {
        let out = ws.run(&["tools", "logs", "e1"]);
        stdout(&out).matches("→ ").count()
    };
    let before = exchanges(&ws);
    assert_eq!(before, 1, "the first exchange is in the logs");
    let out = ws.run(&["tools", "send", "e1", "again"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("instance e1 runs echo@1.0.0, which changed since it was launched")
            && err.contains("approved/echo was modified since approval"),
        "{err}"
    );
    assert_eq!(exchanges(&ws), before, "nothing was sent or stored");

    // Stopped, it is not launched again as it is now.
    let out = ws.run(&["tools", "stop", "e1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "e1", "again"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("modified since approval"),
        "{}",
        stderr(&out)
    );
    assert_eq!(ws.instance("e1")["state"], "stopped");
}

/// An instance outlives the decision that takes its version out of use: superseded by a newer
/// version, no message reaches it any more; a running version is archived (or rolled back from)
/// only once its instance stopped; and a service with no active version is not launched again.
#[test]
fn an_instance_of_a_version_taken_out_of_use_gets_no_message() {
    let mut ws = Ws::new();
    // The service writes each message it receives to its stderr, which its logs keep: what
    // reached the process, as it tells it, beside what toolbench recorded as sent.
    let telling = ECHO.replace(
        "req = json.loads(line)",
        "req = json.loads(line); sys.stderr.write('got ' + req['message'] + '\\n'); sys.stderr.flush()",
    );
    ws.service("echo", &telling, "\"auto\"", "tcp");
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "e1", "hello"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
    let exchanges = |ws: &Ws, instance: &str| {
        let out = ws.run(&["tools", "logs", instance]);
        stdout(&out).matches("→ ").count()
    };
    let received = |ws: &Ws, instance: &str| {
        let out = ws.run(&["tools", "logs", instance]);
        stdout(&out).matches("got ").count()
    };
    // Its output reaches the logs through a pipe: waited for, so the counts below are proof.
    let told = std::time::Instant::now();
    while received(&ws, "e1") < 1 && told.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(received(&ws, "e1"), 1, "the service tells what it receives");
    // A send to an instance out of use: refused, nothing recorded as sent, nothing received.
    let refused_send = |ws: &Ws, instance: &str, runs: &str| {
        let out = ws.run(&["tools", "send", instance, "not for it"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let refusal =
            format!("instance {instance} runs {runs}, which is no longer an active service");
        assert!(stderr(&out).contains(&refusal), "{}", stderr(&out));
        assert_eq!(exchanges(ws, instance), 1, "nothing was sent to {instance}");
        assert_eq!(
            received(ws, instance),
            1,
            "{instance} received nothing more"
        );
    };

    // Superseded: version 2.0.0 approved while 1.0.0 runs.
    ws.service_at("echo", "2.0.0", &telling, "\"auto\"", "tcp");
    ws.approve_candidate("echo");
    refused_send(&ws, "e1", "echo@1.0.0");

    // Archived: the new version launched; not taken out of use while it runs, nor while the
    // superseded e1 does (its code would keep its port), then once both stopped.
    let out = ws.launch("echo", "e2");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["tools", "send", "e2", "hello"]);
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
    let out = ws.run(&["archive", "echo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("cannot archive echo@2.0.0: instance e2 is running"),
        "{}",
        stderr(&out)
    );
    assert!(ws.root().join("approved/echo/tool.toml").is_file());
    assert_eq!(ws.instance("e2")["state"], "healthy");
    // A rollback archives the version it leaves: refused as well while that version runs.
    let out = ws.run(&["rollback", "echo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("echo@2.0.0: instance e2 is running; stop it first"),
        "{}",
        stderr(&out)
    );
    let manifest = std::fs::read_to_string(ws.root().join("approved/echo/tool.toml"));
    assert!(
        manifest.is_ok_and(|m| m.contains("version = \"2.0.0\"")),
        "the running version stays active"
    );
    let out = ws.run(&["tools", "stop", "e2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["archive", "echo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: cannot archive echo@2.0.0: instance e1 of its version 1.0.0 is running; \
         stop it first (toolbench tools stop e1)"
    );
    assert!(ws.root().join("approved/echo/tool.toml").is_file());
    let out = ws.run(&["tools", "stop", "e1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.run(&["archive", "echo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing of its name is active any more (both versions archived): not launched again.
    let out = ws.run(&["tools", "send", "e2", "relaunch?"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot be relaunched: echo: no version of it is active")
            && stderr(&out).contains("archived/"),
        "{}",
        stderr(&out)
    );
    assert_eq!(ws.instance("e2")["state"], "stopped");
    assert_eq!(
        exchanges(&ws, "e2"),
        1,
        "nothing was sent after the archive"
    );
}

/// A launch while an archive of its service is under way: the archive paused after it found
/// no instance running, before it moves the folder, and the launch asked for then. The launch
/// waits for the decision and finds its folder gone; no instance of the archived code runs.
#[test]
fn a_launch_during_an_archive_starts_no_instance_of_the_archived_code() {
    let mut ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    ws.approve_candidate("echo");
    let mut archive = ws.command(&["archive", "echo"]);
    archive
        .env("TOOLBENCH_PAUSE_AT", "instances-checked:3000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let archiving = archive.spawn().expect("spawn archive");
    // The archive holds the tool's lock once the lock file names it; its check follows at once.
    let lock = ws.root().join(".toolbench/locks/echo.lock");
    let holder = archiving.id().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_to_string(&lock).ok().as_deref() != Some(holder.as_str()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the archive never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let launch = ws.launch("echo", "e1");
    let archived = archiving.wait_with_output().expect("archive");
    assert!(
        archived.status.success(),
        "the archive ran while nothing of echo was running: {}",
        stderr(&archived)
    );
    assert!(!ws.root().join("approved/echo").exists(), "archived");
    assert_eq!(launch.status.code(), Some(1), "{}", stdout(&launch));
    assert_eq!(
        stderr(&launch).trim(),
        "toolbench: echo@1.0.0 will not launch: approved/echo is no longer there: a decision \
         moved it since it was looked up"
    );
    let instance = ws.instance("e1");
    assert!(
        instance.is_null() || instance["state"] == "stopped",
        "no instance of the archived echo runs: {instance}"
    );
    let services = std::process::Command::new("pgrep")
        .args(["-f", "svc.py"])
        .output()
        .expect("pgrep");
    let owned_here = String::from_utf8_lossy(&services.stdout)
        .lines()
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd"))
                .is_ok_and(|cwd| cwd.starts_with(ws.root()))
        })
        .count();
    assert_eq!(owned_here, 0, "no process of the service is left");
}

/// An update of a definition carries the folder's other files over and seals the result: a
/// file changed since the definition was accepted is never carried, so an update is refused
/// and the changed file stays unsealed (the service still refuses to launch).
#[test]
fn updating_a_definition_whose_files_changed_since_is_refused() {
    let mut ws = Ws::new();
    let (_scripts, script) = echo_script();
    let define = |extra: &[&str]| ws.define_copied(&script, extra);
    assert!(define(&[]).status.success());
    // Someone who can write core/echo changes the copy after it was accepted.
    let copy = ws.root().join("core/echo/server.py");
    let changed = "#!/usr/bin/env python3\nprint('not what was accepted')\n";
    std::fs::write(&copy, changed).expect("change the copy");
    let seal_before = std::fs::read(ws.root().join(".toolbench/seals/echo.json")).expect("seal");

    // An update that gives only a new description keeps the rest, the copy included.
    let out = ws.run(&[
        "tools",
        "define",
        "echo",
        "--description",
        "a new description",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("not what was accepted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(ws.root().join(".toolbench/seals/echo.json")).expect("seal"),
        seal_before,
        "the seal is unchanged"
    );
    assert_eq!(std::fs::read_to_string(&copy).expect("copy"), changed);
    let launch = ws.launch("echo", "e1");
    assert!(!launch.status.success(), "the changed copy must not run");
}

/// A new service named as a candidate or an approved tool would go before it from `core/`,
/// hiding it (a candidate could then never be approved): define refuses, naming it, and
/// writes nothing.
#[test]
fn a_definition_named_as_a_candidate_or_an_approved_tool_is_refused_naming_it() {
    let ws = Ws::new();
    ws.service("echo", ECHO, "\"auto\"", "tcp");
    let (_scripts, script) = echo_script();
    let out = ws.define_copied(&script, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: echo: echo@1.0.0 is waiting for review in experimental/: reject it first, \
         or define the service under another name (a service in core/ would go before it)"
    );
    assert!(core_entries(&ws).is_empty(), "{:?}", core_entries(&ws));
    ws.approve_candidate("echo");
    assert!(ws.root().join("approved/echo/tool.toml").is_file());
    let out = ws.define_copied(&script, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("echo@1.0.0 is active in approved/: archive it first"),
        "{}",
        stderr(&out)
    );
    assert!(core_entries(&ws).is_empty(), "{:?}", core_entries(&ws));
}

/// Defining a service again while an instance of it runs would supersede the code the
/// instance runs and leave it on its port: refused as an archive is, until it is stopped.
#[test]
fn a_service_with_a_running_instance_is_not_redefined() {
    let mut ws = Ws::new();
    let (_scripts, script) = echo_script();
    let out = ws.define_copied(&script, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws.launch("echo", "e1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ws.instance("e1")["state"], "healthy");
    let before = std::fs::read_to_string(ws.root().join("core/echo/tool.toml")).expect("defined");
    let out = ws.run(&["tools", "define", "echo", "--description", "changed"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: cannot update echo@1.0.0: instance e1 is running; stop it first \
         (toolbench tools stop e1)"
    );
    assert_eq!(
        std::fs::read_to_string(ws.root().join("core/echo/tool.toml")).expect("kept"),
        before
    );
    assert_eq!(ws.instance("e1")["state"], "healthy");
    assert!(ws.run(&["tools", "stop", "e1"]).status.success());
    let out = ws.run(&["tools", "define", "echo", "--description", "changed"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
