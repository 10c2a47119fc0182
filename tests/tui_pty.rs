//! The real binary in a pseudo-terminal: a person's keystrokes, the screen they would see.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for what the screen does not show (OSC 52).
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Kept for the session's lifetime: closing it hangs up the terminal.
    master: Box<dyn MasterPty + Send>,
    /// The workspace, when a test needs to find the workbench's process by it.
    root: std::path::PathBuf,
}

/// Whether the Catalog's title counts a match of its filter (`Catalog (2/19)`).
fn matches_some(screen: &str) -> bool {
    screen
        .split_once("Catalog (")
        .and_then(|(_, title)| title.split_once('/')?.0.parse::<usize>().ok())
        .is_some_and(|matched| matched > 0)
}

/// The runs the Output pane's title counts (`2 Output · 1 of 3`), 0 when it shows none.
fn runs_shown(screen: &str) -> usize {
    screen
        .split_once("2 Output · ")
        .and_then(|(_, title)| title.split_once(" of ")?.1.split(' ').next()?.parse().ok())
        .unwrap_or(0)
}

impl Session {
    /// `start`, once a person accepted the tools the test placed in `core/` or `approved/`.
    fn start_accepted(root: &std::path::Path, config: &std::path::Path) -> Session {
        common::accept(root);
        Session::start(root, config)
    }

    fn start(root: &std::path::Path, config: &std::path::Path) -> Session {
        let mut cmd = CommandBuilder::new(common::bin());
        cmd.arg("--root");
        cmd.arg(root);
        Session::spawn(cmd, config)
    }

    /// `cmd` (the workbench, or what starts it) in a terminal, with user folders in `config`.
    fn spawn(mut cmd: CommandBuilder, config: &std::path::Path) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open pty");
        for (key, value) in common::user_dirs(config) {
            cmd.env(key, value);
        }

        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let sink = Arc::clone(&screen);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = sink.lock() {
                    parser.process(&buf[..n]);
                }
                if let Ok(mut raw) = raw_sink.lock() {
                    raw.extend_from_slice(&buf[..n]);
                }
            }
        });
        let writer = pair.master.take_writer().expect("writer");
        Session {
            screen,
            raw,
            writer,
            child,
            master: pair.master,
            root: std::path::PathBuf::new(),
        }
    }

    /// Resizes the terminal as a window manager would: the program gets SIGWINCH.
    fn resize(&mut self, cols: u16, rows: u16) {
        if let Ok(mut parser) = self.screen.lock() {
            parser.screen_mut().set_size(rows, cols);
        }
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen no longer shows `needle`.
    fn wait_until_gone(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.contents().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?} to go; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.contents();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `name` (a tool without input) from the catalog as a person would: filter, Enter.
    /// One match runs at once; with several, the best one is selected and Enter runs it.
    fn launch(&mut self, name: &str) {
        let runs = runs_shown(&self.contents());
        // The filter matches the tool before Enter: an Enter typed while the catalog's rows
        // are still coming matches nothing and starts nothing. (Its row may lie below the
        // pane's end, so the title's count says it, not the row.)
        self.type_keys(&format!("/{name}"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while !matches_some(&self.contents()) {
            assert!(
                Instant::now() < deadline,
                "the filter /{name} never matched; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.type_keys("\r");
        // The filter's Enter acts on a single match (the title counts `(1/N)`); with several,
        // the best one is selected and one more Enter runs it. The focus stays in the
        // Catalog, so an Enter too many would start a second run.
        let screen = self.wait_for(&format!("/{name}  "));
        if !screen.contains("Catalog (1/") {
            self.type_keys("\r");
        }
        // Started: the Output pane counts one run more.
        self.wait_for(&format!(" of {} ", runs + 1));
    }

    /// Types `q` and waits for the workbench to end, within ten seconds.
    fn quit(&mut self) -> portable_pty::ExitStatus {
        self.type_keys("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "toolbench did not quit on q");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush");
    }
}

impl Drop for Session {
    /// The workbench ends before the test's workspace is removed: one still writing (a
    /// validation's runs, an adoption) would leave the temporary folder behind, half removed.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An approved tool without input whose command is `command` (TOML array items).
/// `toolbench --root ROOT ARGS…` run to its end beside the workbench, as another terminal
/// would, with the session's user directories and no input.
fn cli(root: &std::path::Path, config: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::bin())
        .arg("--root")
        .arg(root)
        .args(args)
        .envs(common::user_dirs(config))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("toolbench")
}

fn command_tool(root: &std::path::Path, name: &str, command: &str, timeout_secs: u32) {
    common::write_tool(
        root,
        "approved",
        name,
        &format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"{name}\"\ncost_tier = \"low\"\n\
             [run]\ncommand = [{command}]\ninput = \"none\"\ntimeout_secs = {timeout_secs}\n"
        ),
    );
}

#[test]
fn filter_help_and_quit_in_a_real_terminal() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());

    let screen = session.wait_for("Review (9)");
    assert!(
        screen.contains("csv_to_json") && screen.contains("Failures") && screen.contains("Output"),
        "{screen}"
    );

    session.type_keys("/");
    session.wait_for("enter keep");
    session.type_keys("slug");
    let screen = session.wait_for("/slug");
    assert!(screen.contains("slugify"), "{screen}");
    assert!(!screen.contains("word_count"), "filtered out:\n{screen}");

    // One match: Enter opens it (slugify takes input, so its launch dialog).
    session.type_keys("\r");
    session.wait_for("Run slugify 1.0.0");
    session.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(200));
    session.type_keys("?");
    let screen = session.wait_for("Keys");
    assert!(screen.contains("Show or hide this help"), "{screen}");
    // Typing narrows the help; `?` on an empty query closes it.
    session.type_keys("copy");
    session.wait_for("Keys · copy");
    session.type_keys("\x7f\x7f\x7f\x7f?");
    std::thread::sleep(Duration::from_millis(200));

    let status = session.quit();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    let parser = session.screen.lock().expect("screen");
    assert!(
        !parser.screen().alternate_screen(),
        "terminal left in the alternate screen"
    );
}

/// `y` puts the selected tool's content hash on the clipboard through the terminal: the
/// OSC 52 sequence reaches the terminal, and the status bar says what was copied.
#[test]
fn y_writes_the_content_hash_to_the_terminal_as_osc_52() {
    use base64::Engine;
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.type_keys("y");
    session.wait_for("copied the content hash of");
    let raw = session.raw.lock().expect("raw").clone();
    let raw = String::from_utf8_lossy(&raw);
    let start = raw.find("\x1b]52;c;").expect("an OSC 52 sequence") + "\x1b]52;c;".len();
    let end = start + raw[start..].find('\x07').expect("ended by BEL");
    let copied = base64::engine::general_purpose::STANDARD
        .decode(&raw[start..end])
        .expect("base64");
    let hash = String::from_utf8(copied).expect("text");
    assert!(
        hash.len() >= 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{hash:?}"
    );
    session.type_keys("q");
}

/// The workbench asks the terminal to bracket pastes, and a pasted text is typed, never
/// obeyed: its line break neither ends the filter nor opens the one match, a pasted `q` does
/// not quit, and the terminal is given back with bracketed paste off.
#[test]
fn a_paste_is_typed_into_the_filter_and_never_obeyed_as_keys() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    let bracketed = |session: &Session| {
        session
            .screen
            .lock()
            .map(|p| p.screen().bracketed_paste())
            .unwrap_or(false)
    };
    assert!(bracketed(&session), "bracketed paste asked for");

    session.type_keys("/");
    session.wait_for("enter keep");
    session.type_keys("\x1b[200~slug\r\x1b[201~");
    let screen = session.wait_for("/slug ");
    assert!(screen.contains("slugify"), "{screen}");
    // Typed, the same Enter would open slugify's dialog: give it the time it would take.
    std::thread::sleep(Duration::from_millis(500));
    let screen = session.contents();
    assert!(
        !screen.contains("Run slugify"),
        "the break opened it:\n{screen}"
    );

    session.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(200));
    session.type_keys("\x1b[200~q\x1b[201~");
    session.wait_for("nothing here takes it");
    assert!(
        session.child.try_wait().expect("wait").is_none(),
        "a pasted q quit the workbench"
    );

    session.quit();
    std::thread::sleep(Duration::from_millis(100));
    assert!(!bracketed(&session), "bracketed paste left on");
}

/// The launch dialog offers the inputs the store holds for the tool (a run from the command
/// line here), `ctrl-p` brings one back, and `.` runs the workbench's last run again.
#[test]
fn past_inputs_come_from_the_store_and_dot_runs_the_last_run_again() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let ran = common::toolbench(
        ws.path(),
        &[
            "run",
            "slugify",
            "--input",
            r#"{"text":"Hello From The Past"}"#,
        ],
    );
    assert!(ran.status.success(), "{ran:?}");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.type_keys("/slugify\r");
    session.wait_for("ctrl-p: 1 past input");
    session.type_keys("\x10");
    session.wait_for("past input 1/1");
    session.type_keys("\x13");
    session.wait_for("hello-from-the-past");
    session.wait_for("slugify 1.0.0 ok");
    session.type_keys(".");
    // The run again shows as the Output's second run (its "running … again" message may be
    // gone by the time the screen is read: the run takes milliseconds).
    session.wait_for("Output · 2 of 2");
    let deadline = Instant::now() + Duration::from_secs(15);
    while common::runs_of(ws.path(), "slugify").len() < 3 {
        assert!(Instant::now() < deadline, "the run again was not recorded");
        std::thread::sleep(Duration::from_millis(100));
    }
    let from_here = common::runs_of(ws.path(), "slugify")
        .iter()
        .filter(|r| r["origin"] == "tui" && r["status"] == "ok")
        .count();
    assert_eq!(from_here, 2, "the dialog's run and the one again");
    session.type_keys("q");
}

/// The workbench takes the mouse by default: a double click on a Review row (SGR mouse
/// reports, as xterm sends them) opens its review overlay. With `[ui] mouse = false` it never
/// asks the terminal for mouse reports, so the terminal keeps its own selection.
#[test]
fn the_mouse_is_taken_unless_the_config_turns_it_off() {
    const MOUSE_ON: &str = "\x1b[?1000h";
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    let raw = String::from_utf8_lossy(&session.raw.lock().expect("raw")).into_owned();
    assert!(raw.contains(MOUSE_ON), "mouse reports asked for");
    // The Review pane's first row, 1-based column and row: press and release, twice.
    let click = "\x1b[<0;50;2M\x1b[<0;50;2m";
    session.type_keys(&format!("{click}{click}"));
    session.wait_for("Overview Checks Diff");
    session.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(200));
    session.type_keys("q");
    drop(session);

    let settings = ws.path().join("toolbench.toml");
    let mut text = std::fs::read_to_string(&settings).expect("toolbench.toml");
    text.push_str("\n[ui]\nmouse = false\n");
    std::fs::write(&settings, text).expect("write toolbench.toml");
    let session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    let raw = String::from_utf8_lossy(&session.raw.lock().expect("raw")).into_owned();
    assert!(!raw.contains(MOUSE_ON), "no mouse reports asked for");
}

/// An agent's call that starts waiting for a person rings the terminal bell, says so and is
/// counted on the status bar.
#[test]
fn a_call_that_starts_waiting_rings_the_bell_and_is_counted() {
    use std::io::Write;
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    common::write_tool(
        ws.path(),
        "approved",
        "deploy",
        &common::minimal_manifest("deploy").replace("\"low\"", "\"high\""),
    );
    let session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    let bells = || {
        let raw = session.raw.lock().expect("raw");
        raw.iter().filter(|b| **b == 0x07).count()
    };
    assert_eq!(bells(), 0, "nothing waits yet");
    let mut server = std::process::Command::new(common::bin())
        .args(["--root", &ws.path().display().to_string(), "mcp"])
        .envs(common::user_dirs(config.path()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mcp server");
    let mut stdin = server.stdin.take().expect("stdin");
    let messages = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pty-agent","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"deploy","arguments":{}}}"#,
    ];
    for message in messages {
        writeln!(stdin, "{message}").expect("send");
    }
    let screen = session.wait_for("pty-agent asks to run deploy@1.0.0");
    assert!(screen.contains("1 waiting (4)"), "{screen}");
    assert_eq!(bells(), 1, "the bell rang once");
    drop(stdin);
    let _ = server.kill();
    let _ = server.wait();
}

/// Opening a workspace never opened here (a fresh clone) asks, before anything of it runs,
/// whether to accept its active tools as they are, listing them; the typed word accepts them
/// (each sealed), every tool is still listed once the watch has seen the seals, and opening
/// it again asks nothing.
#[test]
fn the_first_opening_asks_to_accept_the_active_tools_and_accepts_on_the_typed_word() {
    let ws = common::never_opened_sample();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Accept this workspace's 8 active tools?");
    assert!(
        !ws.path().join(".toolbench/seals").exists(),
        "nothing sealed yet"
    );
    session.type_keys("accept\r");
    session.wait_for("accepted 8 active tools");
    assert!(ws.path().join(".toolbench/seals/word_count.json").is_file());
    // A workspace without seals is looked at once a second until it has them; the watch then
    // marks the live catalog again, which must hold the first scan's tools (it once held none
    // and emptied the panes).
    std::thread::sleep(Duration::from_millis(2500));
    let screen = session.contents();
    assert!(
        screen.contains("Catalog (18)") && screen.contains("Review (9)"),
        "every tool still listed: {screen}"
    );
    assert!(!screen.contains("✗ workspace"), "marked accepted: {screen}");
    session.type_keys("q");
    drop(session);

    let session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    std::thread::sleep(Duration::from_secs(1));
    let screen = session.contents();
    assert!(!screen.contains("Accept this workspace"), "{screen}");
}

/// With the kernel's inotify watches spent (a limit of 10 in a user namespace of its own: the
/// kernel counts them per user namespace), the workbench polls the tool folders, says so,
/// and a tool written meanwhile still reaches the catalog.
#[test]
fn with_the_watches_spent_the_workbench_polls_and_a_new_tool_still_arrives() {
    if !common::user_namespaces_work() {
        return;
    }
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut cmd = CommandBuilder::new("unshare");
    cmd.args(["-U", "-r", "sh", "-c"]);
    cmd.arg("echo 10 > /proc/sys/user/max_inotify_watches && exec \"$0\" --root \"$1\"");
    cmd.arg(common::bin());
    cmd.arg(ws.path());
    let session = Session::spawn(cmd, config.path());
    session.wait_for("the system's inotify");
    session.wait_for("│ polling");
    common::write_tool(
        ws.path(),
        "experimental",
        "late_arrival",
        &common::minimal_manifest("late_arrival"),
    );
    session.wait_for("late_arrival");
}

/// A catalog larger than the first frame reads (128 rows): the frame counts every tool, and a
/// filter typed before the rest of the cached index arrived searches every tool.
#[test]
fn a_filter_typed_as_the_workbench_starts_searches_the_whole_cached_catalog() {
    let ws = tempfile::tempdir().expect("tempdir");
    for i in 0..300 {
        let name = format!("tool_{i:03}");
        common::write_tool(
            ws.path(),
            "approved",
            &name,
            &common::minimal_manifest(&name),
        );
    }
    common::write_tool(
        ws.path(),
        "approved",
        "zz_last",
        &common::minimal_manifest("zz_last"),
    );
    common::accept(ws.path());
    // Cached: the next start draws its first frame from the index.
    assert!(common::toolbench(ws.path(), &["list"]).status.success());
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.type_keys("/zz_l");
    let screen = session.wait_for("Catalog (1/301)");
    assert!(screen.contains("zz_last"), "{screen}");
    // Every tool again, the one found still selected.
    session.type_keys("\x1b");
    let screen = session.wait_for("Catalog (301)");
    assert!(screen.contains("zz_last"), "{screen}");
    assert!(screen.contains("tool_299"), "{screen}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    let pid = session.child.process_id().expect("pid");
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while session.child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "toolbench ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let parser = session.screen.lock().expect("screen");
    assert!(
        !parser.screen().alternate_screen(),
        "terminal left in the alternate screen"
    );
}

#[test]
fn a_run_started_elsewhere_shows_in_the_output_pane_to_its_end() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "ticker",
        r#""sh", "-c", "for i in 1 2 3 4 5 6; do echo tick-$i; sleep 0.5; done""#,
        30,
    );
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Output");
    // Another process, as a CLI run in another terminal would be.
    let mut other = std::process::Command::new(common::bin())
        .args(["--root", &ws.path().display().to_string(), "run", "ticker"])
        .envs(common::user_dirs(config.path()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cli run");
    let starter = other.id();
    let screen = session.wait_for(&format!("started by cli, pid {starter}"));
    assert!(screen.contains("running"), "shown as running:\n{screen}");
    session.wait_for("tick-2");
    // Read-only: cancelling it from here is refused and says whose run it is.
    session.type_keys("2");
    session.wait_for("2 Output");
    session.type_keys("c");
    session.wait_for("read-only: pid");
    assert!(other.wait().expect("cli run ends").success());
    let screen = session.wait_for("ticker 1.0.0 ok");
    assert!(screen.contains("tick-6"), "{screen}");
    session.type_keys("q");
}

/// Runs another process starts and ends within a few milliseconds, each between two of
/// the workbench's looks at the running folder, show all the same, one by one.
#[test]
fn quick_runs_started_elsewhere_each_show_in_the_output_pane() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(ws.path(), "quick", r#""sh", "-c", "echo quick-out""#, 30);
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Output");
    for _ in 0..4 {
        let out = cli(ws.path(), config.path(), &["run", "quick"]);
        assert!(out.status.success(), "{}", common::stderr(&out));
    }
    // Each run is one of the Output pane's runs, `[` and `]` walk through them.
    let screen = session.wait_for(" of 4");
    assert!(screen.contains("Output · "), "{screen}");
    assert!(screen.contains("quick-out"), "{screen}");
    session.type_keys("q");
}

/// A failure another process records (a person's `mark-failure` beside the workbench, no run
/// of it anywhere) shows in the Failures pane without a restart.
#[test]
fn a_failure_recorded_elsewhere_shows_in_the_failures_pane() {
    let ws = common::sample_workspace();
    // No candidate: nothing the workbench validates reads the history again by the way.
    let candidates = ws.path().join("experimental");
    std::fs::remove_dir_all(&candidates).expect("candidates");
    std::fs::create_dir(&candidates).expect("experimental/");
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start_accepted(ws.path(), config.path());
    let screen = session.wait_for("Output");
    assert!(!screen.contains("Failures (1)"), "{screen}");
    let out = cli(
        ws.path(),
        config.path(),
        &[
            "mark-failure",
            "slugify",
            "--scenario",
            "umlauts",
            "--error",
            "dropped-the-umlaut",
            "--severity",
            "high",
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let screen = session.wait_for("Failures (1)");
    assert!(screen.contains("dropped-the-umlaut"), "{screen}");
    session.type_keys("q");
}

/// A verdict the store keeps shows within moments of a start, not after a validation of
/// another candidate that takes long (its folder the newest, which the background takes
/// first among what it validates from scratch).
#[test]
fn kept_verdicts_show_before_a_slow_validation_ends() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    let out = cli(root, config.path(), &["validate", "tmp_cleaner"]);
    assert!(
        common::stdout(&out).contains("fail"),
        "the kept verdict: {}",
        common::stdout(&out)
    );
    std::thread::sleep(Duration::from_millis(20));
    // Named to come first among the candidates without a verdict, so the Review pane shows it
    // whatever else gets a verdict meanwhile (a broken manifest's comes at once too).
    let slow = common::write_tool(
        root,
        "experimental",
        "a_slowpoke",
        "name = \"a_slowpoke\"\nversion = \"0.1.0\"\ndescription = \"slow\"\ncost_tier = \"low\"\n\
         [run]\ncommand = [\"sh\", \"-c\", \"sleep 40\"]\ninput = \"none\"\ntimeout_secs = 60\n",
    );
    std::fs::create_dir_all(slow.join("tests")).expect("tests");
    std::fs::write(slow.join("tests/slow.toml"), "input = '{}'\n").expect("case");
    let mut session = Session::start(root, config.path());
    let screen = session.wait_for("✗ tmp_cleaner");
    assert!(
        screen.contains("… a_slowpoke"),
        "still validating: {screen}"
    );
    session.type_keys("q");
}

#[test]
fn an_agents_call_over_mcp_shows_in_the_output_pane_with_its_client() {
    use std::io::Write;
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "ticker",
        r#""sh", "-c", "for i in 1 2 3 4; do echo tick-$i; sleep 0.5; done""#,
        30,
    );
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Output");
    let mut server = std::process::Command::new(common::bin())
        .args(["--root", &ws.path().display().to_string(), "mcp"])
        .envs(common::user_dirs(config.path()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mcp server");
    let mut stdin = server.stdin.take().expect("stdin");
    let messages = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pty-agent","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ticker","arguments":{}}}"#,
    ];
    for message in messages {
        writeln!(stdin, "{message}").expect("send");
    }
    let screen = session.wait_for(&format!("started by mcp (pty-agent), pid {}", server.id()));
    assert!(screen.contains("running"), "shown as running:\n{screen}");
    let screen = session.wait_for("ticker 1.0.0 ok");
    assert!(screen.contains("tick-4"), "{screen}");
    drop(stdin);
    assert!(server.wait().expect("server ends").success());
    session.type_keys("q");
}

#[test]
fn killing_one_front_end_leaves_the_run_of_another_untouched() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(ws.path(), "slow", r#""sh", "-c", "sleep 2; echo done""#, 30);
    let session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    let root = ws.path().display().to_string();
    let other = std::process::Command::new(common::bin())
        .args(["--root", &root, "run", "slow"])
        .envs(common::user_dirs(config.path()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cli run");
    session.wait_for("started by cli, pid");
    // The workbench dies hard while the CLI's run goes on; a third front end starts meanwhile.
    let pid = session.child.process_id().expect("pid");
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let listed = common::toolbench(ws.path(), &["list"]);
    assert!(listed.status.success());
    let out = other.wait_with_output().expect("cli run ends");
    assert!(out.status.success(), "the run was disturbed");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n");
    // The workbench's own validation runs, cut short with it, are closed as abandoned; the
    // CLI's run is recorded once, as it ended.
    let slow = common::runs_of(ws.path(), "slow");
    assert_eq!(slow.len(), 1, "{slow:?}");
    assert_eq!(slow[0]["status"], "ok", "{slow:?}");
}

#[test]
fn a_run_of_a_workbench_killed_hard_ends_within_a_second_and_is_abandoned() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let tag = format!("731.{}", std::process::id());
    command_tool(ws.path(), "sleeper", &format!(r#""sleep", "{tag}""#), 900);
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.launch("sleeper");
    session.wait_for("1 running");
    let wanted = format!("sleep\0{tag}\0").into_bytes();
    let sleeping = || {
        std::fs::read_dir("/proc")
            .expect("/proc")
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while sleeping() == 0 {
        assert!(Instant::now() < deadline, "the tool never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = session.child.process_id().expect("pid");
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(sleeping(), 0, "the run outlived the workbench by a second");
    let sleeper = common::runs_of(ws.path(), "sleeper");
    assert_eq!(sleeper.len(), 1, "{sleeper:?}");
    assert_eq!(sleeper[0]["status"], "abandoned", "{sleeper:?}");
}

#[test]
fn keys_are_served_while_a_tool_floods_its_output() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "flood",
        r#""sh", "-c", "yes 0123456789abcdef | head -c 68719476736""#,
        600,
    );
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.launch("flood");
    session.wait_for("0123456789abcdef");
    // Help opens and closes, and cancel ends the flood, while the output keeps pouring in.
    session.type_keys("?");
    session.wait_for("Keys");
    // `?` again closes it (an Esc followed at once by more keys would read as Alt).
    session.type_keys("?");
    session.type_keys("2c");
    let screen = session.wait_for("flood 1.0.0 cancelled");
    assert!(!screen.contains("1 running"), "{screen}");
    session.type_keys("q");
}

/// A running tool's progress report shows as a bar in the Output pane, on the real screen.
#[test]
fn a_running_tools_progress_shows_as_a_bar_in_the_output_pane() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(ws.path(), "reporter", r#""sh", "run.sh""#, 600);
    std::fs::write(
        ws.path().join("approved/reporter/run.sh"),
        "echo started\n\
         printf '{\"progress\": 7, \"total\": 10, \"message\": \"seventy\"}\\n' >&3\n\
         exec sleep 60\n",
    )
    .expect("script");
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.launch("reporter");
    let screen = session.wait_for("70% · 7/10 · seventy");
    assert!(screen.contains("█░"), "{screen}");
    session.type_keys("2c");
    session.wait_for("reporter 1.0.0 cancelled");
    session.type_keys("q");
}

/// A decision taken with keys ends in the library's decision: the folder moves on disk and
/// the history records the reviewer and the reason typed in the dialog.
#[test]
fn approving_from_the_review_pane_moves_the_tool_and_records_the_reason() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    common::write_tool(
        ws.path(),
        "experimental",
        "greet",
        &common::minimal_manifest("greet"),
    );
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    // An approval is of content validation judged: wait for the verdict, as a person would.
    session.wait_for("! greet");
    session.type_keys("4");
    session.type_keys("a");
    session.wait_for("Approve greet@1.0.0?");
    session.type_keys("says hello\r");
    session.wait_for("approved greet@1.0.0");
    assert!(ws.path().join("approved/greet/tool.toml").is_file());
    assert!(!ws.path().join("experimental/greet").exists());
    let out = common::toolbench(ws.path(), &["history", "greet", "--json"]);
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("history");
    let approve = history
        .as_array()
        .expect("decisions")
        .iter()
        .find(|d| d["action"] == "approve")
        .expect("the approval is in the history");
    assert_eq!(approve["who"], "ana");
    assert_eq!(approve["reason"], "says hello");
    // One writer per process (DESIGN §9): the batching writer, the decision and the pollers
    // share one write connection; the pollers read through read-only ones.
    let pid = session.child.process_id().expect("the workbench's pid");
    let state = ws.path().join(".toolbench/state.db");
    assert_eq!(descriptors_on(pid, &state, Access::Write), 1);
    assert!(
        descriptors_on(pid, &state, Access::Read) >= 1,
        "the pollers read"
    );
    session.type_keys("q");
}

/// `z` in the real terminal: the approval just taken is undone after the question, the tool is
/// a candidate again and the undo is in the decision log; a second `z` says an undo is not
/// undone.
#[test]
fn z_undoes_the_approval_just_taken_after_asking() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    common::write_tool(
        ws.path(),
        "experimental",
        "greet",
        &common::minimal_manifest("greet"),
    );
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("watching");
    session.wait_for("! greet");
    session.type_keys("z");
    session.wait_for("nothing to undo: no decision was taken in this session");
    session.type_keys("4");
    session.type_keys("a");
    session.wait_for("Approve greet@1.0.0?");
    session.type_keys("\r");
    session.wait_for("approved greet@1.0.0");
    assert!(ws.path().join("approved/greet/tool.toml").is_file());
    session.type_keys("z");
    let asked = session.wait_for("Undo approve of greet 1.0.0?");
    assert!(
        asked.contains("Send 1.0.0 back to review; no version of greet stays active."),
        "{asked}"
    );
    session.type_keys("y");
    session.wait_for("back to review as a candidate");
    assert!(!ws.path().join("approved/greet").exists());
    assert!(ws.path().join("experimental/greet/tool.toml").is_file());
    let out = common::toolbench(ws.path(), &["history", "greet", "--json"]);
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("history");
    let newest = &history.as_array().expect("decisions")[0];
    assert_eq!(newest["action"], "undo");
    assert_eq!(newest["who"], "ana");
    assert_eq!(newest["to_tier"], "experimental");
    session.type_keys("z");
    session.wait_for("an undo is not undone");
    session.type_keys("q");
}

/// A workspace whose active tools were never sealed (a fresh clone): the workbench seals
/// nothing by itself (esc leaves the question), `W` asks again and the typed word seals the
/// tools as the person saw them, so an edit made afterwards is refused, not taken for accepted.
#[test]
fn opening_the_workbench_seals_nothing_until_the_person_accepts() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    let folder = common::write_tool(
        ws.path(),
        "approved",
        "keeper",
        &common::minimal_manifest("keeper"),
    );
    std::fs::write(folder.join("run.sh"), "echo original\n").expect("script");
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Accept this workspace's active tool?");
    session.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !ws.path().join(".toolbench/seals").exists(),
        "esc sealed nothing"
    );
    session.type_keys("W");
    session.wait_for("Accept this workspace's active tool?");
    session.type_keys("accept\r");
    session.wait_for("accepted 1 active tool");
    let seal = ws.path().join(".toolbench/seals/keeper.json");
    assert!(seal.is_file(), "sealed as the person saw it");
    std::fs::write(folder.join("run.sh"), "echo CHANGED\n").expect("edit");
    session.quit();

    let out = common::toolbench(ws.path(), &["run", "keeper"]);
    assert!(!out.status.success(), "the edited tool ran");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("CHANGED"));
    assert!(
        common::stderr(&out).contains("was modified since approval"),
        "{}",
        common::stderr(&out)
    );
    let runs = common::toolbench(ws.path(), &["runs", "keeper", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).expect("runs");
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "{runs}");
}

#[test]
fn the_history_view_lists_a_decision_taken_from_the_command_line() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    common::write_tool(
        ws.path(),
        "experimental",
        "greet",
        &common::minimal_manifest("greet"),
    );
    for args in [
        &["validate", "greet"][..],
        &["approve", "greet", "--reason", "says hello"],
    ] {
        let out = common::toolbench(ws.path(), args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("greet");
    // A beginning only one view's name has is enough.
    session.type_keys(":hist\r");
    let screen = session.wait_for("History (");
    let row = screen
        .lines()
        .find(|l| l.contains("greet") && l.contains("approve"))
        .unwrap_or_else(|| panic!("no decision row:\n{screen}"));
    assert!(row.contains("ana"), "{row}");
    assert!(row.contains("says hello"), "{row}");
    session.type_keys("\x1b");
    session.type_keys("q");
}

#[derive(Clone, Copy, PartialEq)]
enum Access {
    Read,
    Write,
}

/// How many descriptors process `pid` holds on `file` with `access` (from /proc: a SQLite
/// connection keeps its database file open for its whole life).
fn descriptors_on(pid: u32, file: &std::path::Path, access: Access) -> usize {
    let file = std::fs::canonicalize(file).expect("the state file");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the workbench's fds");
    fds.flatten()
        .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == file))
        .filter_map(|fd| {
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .ok()?;
            let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
            u32::from_str_radix(flags.trim(), 8).ok()
        })
        .filter(|flags| {
            let writes = flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32;
            writes == (access == Access::Write)
        })
        .count()
}

/// A copy of the sample workspace with a tool `sleeper` running in the workbench: its
/// workspace, config folder, session, and the sleep's argument, long and odd enough (`base`
/// plus this process's pid) to tell its process from any other by its argv.
fn sleeper_running(base: u32) -> (tempfile::TempDir, tempfile::TempDir, Session, String) {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let marker = format!("{}", base + std::process::id());
    command_tool(
        ws.path(),
        "sleeper",
        &format!(r#""sh", "-c", "echo started; exec sleep {marker}""#),
        600,
    );
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.launch("sleeper");
    session.wait_for("started");
    (ws, config, session, marker)
}

/// `c` on a live run kills its process tree and the run is recorded as cancelled.
#[test]
fn cancelling_a_live_run_kills_it_and_records_it_cancelled() {
    let (ws, _config, mut session, marker) = sleeper_running(900_000);
    session.type_keys("2c");
    session.wait_for("sleeper 1.0.0 cancelled");
    let deadline = Instant::now() + Duration::from_secs(10);
    let runs = loop {
        let runs = common::runs_of(ws.path(), "sleeper");
        if !runs.is_empty() || Instant::now() > deadline {
            break runs;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "cancelled");
    assert_eq!(runs[0]["origin"], "tui");
    assert!(
        !process_with(&marker),
        "the tool's process outlived its cancelled run"
    );
    session.type_keys("q");
}

/// Quitting with a run in flight asks first; the second q cancels the run, and the run is
/// recorded `cancelled` by the workbench itself before it ends, not found abandoned later.
#[test]
fn quitting_with_a_run_in_flight_asks_and_records_it_cancelled() {
    let (ws, _config, mut session, marker) = sleeper_running(800_000);
    session.type_keys("q");
    // The status bar may cut the line at 80 columns.
    session.wait_for("q again to cancel");
    assert!(
        session.child.try_wait().expect("try_wait").is_none(),
        "one q with a run in flight must not quit"
    );
    session.quit();
    // Read through the CLI, which stores nothing left behind before it lists: what it shows
    // is what the workbench recorded itself.
    let store = ws.path().join(".toolbench/state.db");
    let conn =
        rusqlite::Connection::open_with_flags(&store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("store");
    let status: String = conn
        .query_row(
            "SELECT status FROM runs WHERE tool = 'sleeper'",
            [],
            |row| row.get(0),
        )
        .expect("the run was recorded before the workbench ended");
    assert_eq!(status, "cancelled");
    assert!(
        !process_with(&marker),
        "the tool's process outlived the workbench"
    );
}

/// A key typed as the window is resized is read at once, not when the next key comes: the
/// terminal's input and the resize's signal, ready together, are both taken.
#[test]
fn a_key_typed_during_a_resize_is_read_at_once() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut session = Session::start(ws.path(), config.path());
    session.wait_for("Review (9)");
    for round in 0..40 {
        let (cols, rows) = if round % 2 == 0 { (120, 40) } else { (100, 30) };
        session.resize(cols, rows);
        session.type_keys("?");
        session.wait_for(" Keys · type to find one ");
        session.type_keys("\x1b");
        session.wait_until_gone(" Keys · type to find one ");
    }
}

/// A terminal shrunk to 40×12 while a run streams says it is too small, and back at 80×24
/// the run is still there, its output still arriving.
#[test]
fn resizing_to_40x12_and_back_during_a_run_keeps_the_run() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "ticker",
        r#""sh", "-c", "i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo tick $i; sleep 0.05; done""#,
        60,
    );
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Review (9)");
    session.launch("ticker");
    session.wait_for("tick 3");
    session.resize(40, 12);
    session.wait_for("Terminal too small");
    std::thread::sleep(Duration::from_millis(300));
    session.resize(80, 24);
    let screen = session.wait_for("ticker 1.0.0 running");
    let last_tick = |screen: &str| {
        screen
            .lines()
            .filter_map(|l| {
                let after = l.split("tick ").nth(1)?;
                after
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
    };
    let before = last_tick(&screen);
    std::thread::sleep(Duration::from_millis(500));
    let after = last_tick(&session.contents());
    assert!(
        after > before,
        "output stopped at tick {before}:\n{}",
        session.contents()
    );
    session.type_keys("2c");
    session.wait_for("ticker 1.0.0 cancelled");
    session.type_keys("q");
}

fn toolbench_init(root: &std::path::Path) {
    let out = common::toolbench(root, &["init", &root.display().to_string()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// Whether a process whose command line contains `marker` is alive.
fn process_with(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries.filter_map(|e| e.ok()).any(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).contains(marker))
                    .unwrap_or(false)
            })
        })
        .unwrap_or(false)
}

/// Quitting cancels every run the workbench started, its background validation's included,
/// and records each before it ends: the runs that had ended as they ended, the one in flight
/// `cancelled`, nothing left abandoned in running/ (issue 57, item 5).
#[test]
fn quitting_during_a_validation_records_its_runs_cancelled_not_abandoned() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    let config = tempfile::tempdir().expect("tempdir");
    let marker = format!("{}.5", 810_000 + std::process::id());
    let folder = common::write_tool(
        ws.path(),
        "experimental",
        "halfway",
        "name = \"halfway\"\nversion = \"0.1.0\"\ndescription = \"halfway\"\ncost_tier = \"low\"\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ntimeout_secs = 900\n",
    );
    std::fs::write(
        folder.join("run.sh"),
        format!("case \"$(cat)\" in *quick*) echo '{{}}' ;; *) exec sleep {marker} ;; esac\n"),
    )
    .expect("script");
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    for (case, which) in [("quick", "quick"), ("slow", "slow")] {
        std::fs::write(
            folder.join(format!("tests/{case}.toml")),
            format!("input = '{{\"which\": \"{which}\"}}'\n"),
        )
        .expect("case");
    }
    let statuses = || -> Vec<String> {
        let Ok(db) = rusqlite::Connection::open_with_flags(
            ws.path().join(".toolbench/state.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        ) else {
            return Vec::new();
        };
        db.prepare("SELECT status FROM runs WHERE tool = 'halfway' ORDER BY status")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .unwrap_or_default()
    };
    let mut session = Session::start(ws.path(), config.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(process_with(&marker) && statuses() == ["ok"]) {
        assert!(
            Instant::now() < deadline,
            "the validation never got halfway: {:?}\n{}",
            statuses(),
            session.contents()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    session.type_keys("q");
    let asked = Instant::now();
    while session.child.try_wait().expect("try_wait").is_none() {
        if session.contents().contains("q again") {
            session.type_keys("q");
        }
        assert!(
            asked.elapsed() < toolbench::runner::stop::STOP_WITHIN,
            "the workbench did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!process_with(&marker), "the run outlived it");
    assert_eq!(statuses(), ["cancelled", "ok"], "recorded before it ended");
    let running: Vec<_> = std::fs::read_dir(ws.path().join(".toolbench/running"))
        .expect("running")
        .flatten()
        .map(|e| {
            (
                e.file_name(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    assert!(running.is_empty(), "left in running/: {running:?}");
}

/// Validation's runs belong to its report, not to the places meant for the user: a
/// validation another process runs (`toolbench validate`, an MCP server's after a proposal)
/// never shows in the Output pane or the status bar, while a run a person started there does.
#[test]
fn validation_runs_of_another_process_stay_out_of_the_output_pane_and_the_status_bar() {
    let ws = tempfile::tempdir().expect("tempdir");
    toolbench_init(ws.path());
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "ticker",
        r#""sh", "-c", "echo tick-1; sleep 1""#,
        30,
    );
    let folder = common::write_tool(
        ws.path(),
        "experimental",
        "checked",
        "name = \"checked\"\nversion = \"0.1.0\"\ndescription = \"checked\"\ncost_tier = \"low\"\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ntimeout_secs = 30\n",
    );
    std::fs::write(
        folder.join("run.sh"),
        "cat > /dev/null\nsleep 1\necho '{}'\n",
    )
    .expect("run.sh");
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    for case in ["one", "two"] {
        std::fs::write(
            folder.join(format!("tests/{case}.toml")),
            format!("input = '{{\"case\": \"{case}\"}}'\n"),
        )
        .expect("case");
    }
    let mut session = Session::start_accepted(ws.path(), config.path());
    session.wait_for("Output");
    let mut validate = std::process::Command::new(common::bin())
        .args(["--root", &ws.path().display().to_string()])
        .args(["validate", "checked", "--force"])
        .envs(common::user_dirs(config.path()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cli validate");
    let mut seen = Vec::new();
    while validate.try_wait().expect("try_wait").is_none() {
        seen.push(session.contents());
        std::thread::sleep(Duration::from_millis(50));
    }
    // The poller looks every 250 ms: a finished run would be told within a second.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        seen.push(session.contents());
        std::thread::sleep(Duration::from_millis(50));
    }
    for screen in &seen {
        assert!(
            !screen.contains("started by validation")
                && !screen.contains("checked 0.1.0 running")
                && !screen.contains("checked 0.1.0 ok")
                && !screen.contains("checked@0.1.0 ok"),
            "a validation run was shown:\n{screen}"
        );
    }
    // A run a person started elsewhere still shows.
    let out = cli(ws.path(), config.path(), &["run", "ticker"]);
    assert!(out.status.success());
    session.wait_for("ticker 1.0.0 ok");
    session.type_keys("q");
}

/// `[web] with_workbench`: the review page is served while the workbench runs, says where in
/// the message log, and ends with it (no listener, no process left).
#[test]
fn the_review_page_is_served_alongside_and_ends_with_the_workbench() {
    page_alongside(|session, _| {
        session.type_keys("q");
    });
}

/// `D` shows a one-time link to the page served alongside, and its QR code: the code read back
/// from the screen is the link's, and the link pairs a device with the page (a session cookie).
#[test]
fn the_workbench_shows_a_pairing_link_and_its_qr_code_that_pair_a_device() {
    page_alongside(|session, port| {
        session.resize(120, 40);
        session.type_keys("D");
        let prefix = format!("http://127.0.0.1:{port}/pair?code=");
        let screen = session.wait_for(&prefix);
        let link = screen
            .lines()
            .find_map(|line| line.find(&prefix).map(|at| &line[at..]))
            .and_then(|rest| rest.split([' ', '│']).next())
            .expect("the link")
            .to_string();
        assert!(screen.contains("served beside this workbench"), "{screen}");
        // The status bar says where the project came from.
        assert!(screen.contains("(current folder)"), "{screen}");
        // The code's lines, inside the overlay's left border.
        let border = screen
            .lines()
            .find_map(|line| {
                let at = line.find("╭ Pair a device")?;
                Some(line[..at].chars().count())
            })
            .expect("the overlay");
        let inside: Vec<String> = screen
            .lines()
            .map(|line| {
                let inner: String = line
                    .chars()
                    .skip(border + 1)
                    .take_while(|&c| c != '│')
                    .collect();
                inner.trim_end().to_string()
            })
            .collect();
        let drawn: Vec<&str> = inside
            .iter()
            .map(String::as_str)
            .filter(|inner| !inner.is_empty() && inner.chars().all(|c| " ▀▄█".contains(c)))
            .collect();
        common::qr::assert_draws(&drawn, &link);

        let code = link.strip_prefix(&prefix).expect("a code");
        let body = format!("code={code}");
        let host = format!("127.0.0.1:{port}");
        let request = format!(
            "POST /pair HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.write_all(request.as_bytes()).expect("ask");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("set-cookie: toolbench_session="),
            "a session: {answer}"
        );
        // Apart, or the terminal reads alt-q.
        session.type_keys("\x1b");
        std::thread::sleep(Duration::from_millis(200));
        session.type_keys("q");
    });
}

/// The page ends with a workbench killed hard too: nothing is left serving. The workbench runs
/// under a shell, as in a terminal's tab, so that the terminal's hangup, which reaches the
/// session's leader's group, does not end the page for it.
#[test]
fn the_review_page_ends_with_a_workbench_killed_hard() {
    page_alongside(|session, _| {
        let same = pids_of(&[
            common::bin().display().to_string(),
            "--root".into(),
            session.root.display().to_string(),
        ]);
        // A helper the workbench forked ahead for a run carries its command line too.
        let workbench: Vec<libc::pid_t> = same
            .iter()
            .copied()
            .filter(|pid| parent_of(*pid).is_none_or(|parent| !same.contains(&parent)))
            .collect();
        assert_eq!(
            workbench.len(),
            1,
            "one workbench: {workbench:?} of {same:?}"
        );
        // SAFETY: a signal to a process of the test's own.
        unsafe { libc::kill(workbench[0], libc::SIGKILL) };
    });
}

/// The parent of process `pid`, from `/proc/PID/stat` (after the command's closing parenthesis:
/// state, then the parent).
fn parent_of(pid: libc::pid_t) -> Option<libc::pid_t> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    after.split_whitespace().nth(1)?.parse().ok()
}

/// The processes whose command line is exactly `argv`.
fn pids_of(argv: &[String]) -> Vec<libc::pid_t> {
    let wanted: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == wanted))
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The workbench under a shell, with the page served alongside on a port of its own, shown
/// answering, then ended by `end` (given the port).
fn page_alongside(end: impl FnOnce(&mut Session, u16)) {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    std::fs::write(
        config.path().join("config.toml"),
        format!("[web]\nlisten = \"127.0.0.1:{port}\"\nwith_workbench = true\n"),
    )
    .expect("config");
    let mut shell = CommandBuilder::new("sh");
    shell.args(["-c", "\"$0\" --root \"$1\"; sleep 15"]);
    shell.arg(common::bin());
    shell.arg(ws.path());
    let mut session = Session::spawn(shell, config.path());
    session.root = ws.path().to_path_buf();
    session.wait_for("Review (9)");
    let ask = || -> Option<String> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let request =
            format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        if let Some(answer) = ask() {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "the page never answered on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    session.type_keys("@");
    // The log open first: the status bar may show the same line before `@` is read, and an
    // escape typed then would come with the next key, as alt-key.
    session.wait_for(" Messages (");
    session.wait_for(&format!("serving http://127.0.0.1:{port}/"));
    session.type_keys("\x1b");
    // Closed before `end` types: a key that came with the escape would be read as alt-key.
    session.wait_until_gone(" Messages (");
    end(&mut session, port);
    let marker = format!("{}\0web", ws.path().display());
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_with(&marker) || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the review page outlived the workbench"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A workspace whose one tool, alpha, is approved and accepted: `sh run.sh` printing alpha.
fn alpha_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(ws.path().join(tier)).expect("tier");
    }
    command_tool(ws.path(), "alpha", "\"sh\", \"run.sh\"", 10);
    std::fs::write(ws.path().join("approved/alpha/run.sh"), "echo alpha\n").expect("script");
    common::accept(ws.path());
    ws
}

/// `E` evolves in the person's own editor: the workbench steps aside while `$EDITOR` edits
/// the tool's files, takes back what it saved, and the new candidate on disk holds it.
#[test]
fn e_evolves_in_the_editor_named_by_editor_and_the_candidate_holds_its_edit() {
    let ws = alpha_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    // The editor appends a line to each file, and to a file of its own to say it ran here.
    let editor = config.path().join("editor.sh");
    let ran = config.path().join("editor-ran");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nfor f; do echo '# edited in my editor' >> \"$f\"; done\necho yes > '{}'\n",
            ran.display()
        ),
    )
    .expect("editor");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).expect("mode");
    let mut cmd = CommandBuilder::new(common::bin());
    cmd.arg("--root");
    cmd.arg(ws.path());
    cmd.env("EDITOR", &editor);
    cmd.env_remove("VISUAL");
    let mut session = Session::spawn(cmd, config.path());
    // Once it watches the workspace, the catalog is scanned and keys are read.
    session.wait_for("watching");
    session.type_keys("E");
    session.wait_for("2 file(s) changed in your editor");
    assert!(ran.exists(), "the editor ran");
    // Again from the dialog (ctrl-o), on the files as edited so far.
    session.type_keys("\x0f");
    let deadline = Instant::now() + Duration::from_secs(15);
    while session.contents().matches("# edited in my editor").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "the second round did not come back:\n{}",
            session.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    session.type_keys("say where it was edited");
    session.type_keys("\x13");
    // An evolved version lands beside any other of its name, in a folder named by its version.
    let candidate = ws.path().join("experimental/alpha-1.1.0/run.sh");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !candidate.exists() {
        assert!(
            Instant::now() < deadline,
            "no candidate; screen:\n{}",
            session.contents()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&candidate).expect("candidate script");
    assert_eq!(
        text, "echo alpha\n# edited in my editor\n# edited in my editor\n",
        "both rounds"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("approved/alpha/run.sh")).expect("active"),
        "echo alpha\n",
        "the active version is untouched"
    );
    session.type_keys("q");
}

/// Without `$VISUAL` or `$EDITOR`, `E` says how to name an editor and keeps the built-in one;
/// an editor that fails leaves the files as they were.
#[test]
fn e_without_an_editor_says_so_and_a_failing_editor_changes_nothing() {
    let ws = alpha_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    for (editor, says) in [
        (None, "set $VISUAL or $EDITOR"),
        (Some("false"), "the editor (false) exited with"),
    ] {
        let mut cmd = CommandBuilder::new(common::bin());
        cmd.arg("--root");
        cmd.arg(ws.path());
        cmd.env_remove("VISUAL");
        match editor {
            Some(editor) => cmd.env("EDITOR", editor),
            None => cmd.env_remove("EDITOR"),
        }
        let mut session = Session::spawn(cmd, config.path());
        session.wait_for("watching");
        session.type_keys("E");
        session.wait_for(says);
        session.wait_for("echo alpha");
        assert!(!session.contents().contains("changed in your editor"));
        session.type_keys("\x1b");
        session.type_keys("q");
    }
}

/// `o` in the Output pane opens the run's whole log in `$PAGER`: the workbench steps aside,
/// the pager gets every line the run printed (more than the pane keeps), and the workbench
/// comes back usable.
#[test]
fn o_opens_the_runs_whole_log_in_the_pager_named_by_pager() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(
        ws.path(),
        "chatty",
        r#""sh", "-c", "seq 1 6000; echo last-on-stderr >&2""#,
        60,
    );
    let pager = config.path().join("pager.sh");
    let copy = config.path().join("paged.log");
    std::fs::write(
        &pager,
        format!(
            "#!/bin/sh\n[ \"$LESSSECURE\" = 1 ] || exit 7\ncp \"$1\" '{}'\n",
            copy.display()
        ),
    )
    .expect("pager");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pager, std::fs::Permissions::from_mode(0o755)).expect("mode");
    common::accept(ws.path());
    let mut cmd = CommandBuilder::new(common::bin());
    cmd.arg("--root");
    cmd.arg(ws.path());
    cmd.env("PAGER", &pager);
    let mut session = Session::spawn(cmd, config.path());
    session.wait_for("watching");
    session.launch("chatty");
    session.wait_for("chatty 1.0.0 ok");
    session.type_keys("2o");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !copy.exists() {
        assert!(
            Instant::now() < deadline,
            "the pager got nothing; screen:\n{}",
            session.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&copy).expect("paged log");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"──── stdout (28893 bytes) ────"));
    assert_eq!(
        lines.get(1),
        Some(&"1"),
        "the first line, which the pane dropped"
    );
    assert!(text.contains("\n6000\n──── stderr (15 bytes) ────\nlast-on-stderr\n"));
    assert_eq!(
        lines.len(),
        6003,
        "every line: 6000 of stdout, 1 of stderr, 2 headings"
    );
    // Back in the workbench, which reads keys again.
    session.type_keys("?");
    session.wait_for("Keys");
    session.type_keys("?");
    session.type_keys("q");
}

/// Without `$PAGER`, `o` says so and zooms the Output pane; a pager that fails is named with
/// its error in one line, and the workbench stays usable.
#[test]
fn o_without_a_pager_zooms_and_a_failing_pager_is_named() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(ws.path(), "short", r#""echo", "hi""#, 60);
    common::accept(ws.path());
    for (pager, says) in [
        (None, "set $PAGER to read the whole log"),
        (Some("false"), "$PAGER (false) exited with"),
        (
            Some("no-such-pager-here"),
            "$PAGER (no-such-pager-here) was not found",
        ),
    ] {
        let mut cmd = CommandBuilder::new(common::bin());
        cmd.arg("--root");
        cmd.arg(ws.path());
        match pager {
            Some(pager) => cmd.env("PAGER", pager),
            None => cmd.env_remove("PAGER"),
        }
        let mut session = Session::spawn(cmd, config.path());
        session.wait_for("watching");
        session.launch("short");
        session.wait_for("short 1.0.0 ok");
        session.type_keys("2o");
        session.wait_for(says);
        session.type_keys("?");
        session.wait_for("Keys");
        session.type_keys("?");
        session.type_keys("q");
    }
}

/// `.` survives a restart: the run the workbench started before it quit is in the store, and
/// `.` in a new workbench runs it again.
#[test]
fn dot_after_a_restart_runs_the_last_run_of_the_workbench_before() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    command_tool(ws.path(), "greeter", r#""echo", "hello again""#, 60);
    common::accept(ws.path());
    let mut first = Session::start(ws.path(), config.path());
    first.wait_for("watching");
    first.launch("greeter");
    first.wait_for("greeter 1.0.0 ok");
    first.type_keys("q");
    let deadline = Instant::now() + Duration::from_secs(15);
    while first.child.try_wait().ok().flatten().is_none() {
        assert!(
            Instant::now() < deadline,
            "the first workbench did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(first);
    assert_eq!(common::runs_of(ws.path(), "greeter").len(), 1);

    let mut second = Session::start(ws.path(), config.path());
    second.wait_for("watching");
    second.type_keys(".");
    second.wait_for("greeter 1.0.0 ok");
    second.wait_for("hello again");
    let deadline = Instant::now() + Duration::from_secs(15);
    while common::runs_of(ws.path(), "greeter").len() < 2 {
        assert!(Instant::now() < deadline, "the run again was not recorded");
        std::thread::sleep(Duration::from_millis(100));
    }
    let from_here = common::runs_of(ws.path(), "greeter")
        .iter()
        .filter(|r| r["origin"] == "tui" && r["status"] == "ok")
        .count();
    assert_eq!(from_here, 2, "the first session's run and the one again");
    second.type_keys("q");
}

/// The descriptors process `pid` holds, as their targets (`/proc/PID/fd`).
fn descriptor_targets(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("the host reads /proc/{pid}/fd: {e}"))
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .collect()
}

/// A tool run from the workbench reaches nothing the workbench holds to serve the person: not
/// its terminal (whose keys it could read or fake), not the watch of the store and the
/// catalog, the wakers of its loop and its terminal input, nor anything of the state folder
/// or its sockets. Read from the host's `/proc`, after showing the workbench holds them.
/// Every file under `dir`, read whole, that holds `needle`.
fn files_holding(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => folders.push(path),
                Ok(kind) if kind.is_file() => {
                    let bytes = std::fs::read(&path).unwrap_or_default();
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        found.push(path);
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The workbench holds more of the store since its validations go through an intake thread
/// with a reader of its own, and its lookers follow every write: a tool it runs tries to
/// write through every descriptor it has, every descriptor /proc shows it of any process,
/// and the state's files by path. Nothing of the workspace (its state included) holds what
/// it wrote, and the workbench goes on.
#[test]
fn a_tool_run_beside_the_validation_intake_writes_nothing_into_the_state() {
    let ws = common::sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    let tag = format!(
        "{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let state = root.join(".toolbench");
    let folder = common::write_tool(
        root,
        "approved",
        "prober",
        "name = \"prober\"\nversion = \"1.0.0\"\ndescription = \"probes\"\ncost_tier = \"low\"\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\ntimeout_secs = 30\n",
    );
    // The mark is put together as it runs: the script itself does not hold it.
    let head = format!("m=\"PRO\"\"BE-{tag}\"\nexec >/dev/null 2>/dev/null\n");
    let by_path = |state: &std::path::Path| {
        format!(
            "for f in {state}/state.db {state}/state.db-wal {state}/state.db-shm; do \
             echo \"$m\" >> \"$f\"; done\nexit 7\n",
            state = state.display()
        )
    };
    // Through descriptors: only ever inside the sandbox (on the host, every process's).
    let through_descriptors = "for fd in /proc/self/fd/*; do n=${fd##*/}; \
         [ \"$n\" -gt 2 ] && echo \"$m\" >> \"$fd\"; done\n\
         for fd in /proc/[0-9]*/fd/*; do echo \"$m\" >> \"$fd\"; done\n";
    let mark = format!("PROBE-{tag}");
    // Its writes by path, outside any sandbox, on a stand-in state: they do write the mark.
    let stand_in = tempfile::tempdir().expect("tempdir");
    std::fs::write(stand_in.path().join("state.db"), b"").expect("stand-in");
    let ran = std::process::Command::new("sh")
        .args(["-c", &format!("{head}{}", by_path(stand_in.path()))])
        .status()
        .expect("sh");
    assert_eq!(ran.code(), Some(7));
    assert_eq!(
        files_holding(stand_in.path(), mark.as_bytes()).len(),
        3,
        "the script writes where it can"
    );
    let script = format!("{head}{through_descriptors}{}", by_path(&state));
    std::fs::write(folder.join("run.sh"), script).expect("run.sh");
    let out = cli(root, config.path(), &["validate", "tmp_cleaner"]);
    assert!(
        common::stdout(&out).contains("fail"),
        "{}",
        common::stdout(&out)
    );
    let mut session = Session::start_accepted(root, config.path());
    // A kept verdict shown: the intake asked its reader of the store.
    session.wait_for("✗ tmp_cleaner");
    let workbench = session.child.process_id().expect("the workbench's pid");
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{workbench}/task"))
        .expect("tasks")
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .collect();
    assert!(
        threads.iter().any(|t| t.starts_with("validation-int")),
        "the intake runs: {threads:?}"
    );
    // One match, no input: Enter runs it.
    session.type_keys("/prober\r");
    // It ran to its end (exit 7 after every try), and the workbench still serves.
    session.wait_for("prober 1.0.0 failed");
    assert_eq!(
        files_holding(root, mark.as_bytes()),
        Vec::<std::path::PathBuf>::new(),
        "what the tool wrote reached the workspace"
    );
    assert_eq!(
        files_holding(config.path(), mark.as_bytes()),
        Vec::<std::path::PathBuf>::new()
    );
    session.type_keys("q");
}

#[test]
fn a_tool_run_from_the_workbench_holds_nothing_of_the_workbench() {
    let (ws, _config, mut session, marker) = sleeper_running(700_000);
    let workbench = session.child.process_id().expect("the workbench's pid");
    let held = descriptor_targets(workbench);
    assert!(
        held.iter().any(|t| t == "anon_inode:inotify"),
        "the workbench watches: {held:?}"
    );
    assert!(
        held.iter().any(|t| t.starts_with("/dev/pts/")),
        "the workbench holds its terminal: {held:?}"
    );
    // Its terminal input hears a resize and is woken through socket pairs of its own: a
    // tool holding one could fake a resize or keep the input's wait from ending.
    assert!(
        held.iter().filter(|t| t.starts_with("socket:")).count() >= 2,
        "the workbench's terminal input holds its sockets: {held:?}"
    );
    let sleep = format!("sleep {marker}");
    let tool = pids_of(&["sleep".to_string(), marker.clone()])
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the tool's {sleep} runs"));
    let tool_fds = descriptor_targets(tool as u32);
    assert!(!tool_fds.is_empty(), "its standard descriptors at least");
    let state = std::fs::canonicalize(ws.path().join(".toolbench")).expect("the state folder");
    for target in &tool_fds {
        assert!(
            !target.starts_with("anon_inode:"),
            "{sleep} holds {target}: {tool_fds:?}"
        );
        assert!(
            !target.starts_with("/dev/pts/") && !target.starts_with("/dev/tty"),
            "{sleep} holds the workbench's terminal {target}: {tool_fds:?}"
        );
        assert!(
            !target.starts_with(&*state.to_string_lossy()),
            "{sleep} holds {target} of the state folder: {tool_fds:?}"
        );
        assert!(
            !(target.starts_with("socket:") && held.contains(target)),
            "{sleep} shares the workbench's socket {target}: {tool_fds:?}"
        );
    }
    session.type_keys("2c");
    session.wait_for("sleeper 1.0.0 cancelled");
    session.type_keys("q");
}
