//! The terminal is the user's: the real binary on a pseudo-terminal never passes on a tool's
//! escape sequences, and through a pipe it passes a tool's bytes unchanged.

mod common;

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Title, OSC 52 clipboard write, clear screen, a CR-overwrite fake line, backspace, C1 CSI.
const HOSTILE: &str = r"printf 'out\033]0;pwned\007 clip\033]52;c;aGk=\007 \033[2Jreal\rFAKE\010 c1\302\233 end\n'
printf 'err\033]0;pwned\007\033[2J\rFAKE\n' >&2
printf 'last\033]52;c;aGk=\007\n' >&2
exit 3
";

/// `never_opened_hostile`, its tools accepted by a person.
fn hostile_workspace() -> tempfile::TempDir {
    let ws = never_opened_hostile();
    accept(ws.path());
    ws
}

/// An approved tool whose description and output are escape sequences, and a candidate with
/// the same text, in a workspace never opened here.
fn never_opened_hostile() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"hostile\"\nversion = \"1.0.0\"\ndescription = \"looks \\u001b[2J\\u001b]0;pwned\\u0007 fine\\ncore         fake\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";
    let folder = write_tool(ws.path(), "approved", "hostile", manifest);
    std::fs::write(folder.join("run.sh"), HOSTILE).expect("script");
    // The same text waiting in the review queue.
    let candidate = manifest.replace("\"hostile\"", "\"newcomer\"");
    write_tool(ws.path(), "experimental", "newcomer", &candidate);
    ws
}

/// Every byte the binary writes to a pseudo-terminal (stdout and stderr both).
fn on_terminal(root: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = CommandBuilder::new(bin());
    cmd.arg("--root");
    cmd.arg(root);
    cmd.args(args);
    run_on_terminal(cmd)
}

/// Every byte `cmd` writes to a pseudo-terminal 200 columns wide, with its own
/// configuration folder.
fn run_on_terminal(cmd: CommandBuilder) -> Vec<u8> {
    run_on_terminal_of(cmd, 200)
}

/// `run_on_terminal` on a terminal `cols` wide.
fn run_on_terminal_of(mut cmd: CommandBuilder, cols: u16) -> Vec<u8> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open pty");
    let config = tempfile::tempdir().expect("tempdir");
    for (key, value) in common::user_dirs(config.path()) {
        cmd.env(key, value);
    }
    cmd.env_remove("TOOLBENCH_ROOT");
    let mut child = pair.slave.spawn_command(cmd).expect("spawn");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EOF or EIO once the child and its pty slave are gone.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(all);
    });
    let _ = child.wait();
    let bytes = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the pty output ends");
    drop(pair.master);
    bytes
}

/// On a terminal `list` cuts each row to its width, so a long description does not wrap under
/// the next columns; through a pipe it prints every row whole, for scripts.
#[test]
fn list_fits_its_rows_to_the_terminal_and_gives_a_pipe_them_whole() {
    let ws = sample_workspace();
    let mut cmd = CommandBuilder::new(bin());
    cmd.args(["--root", &ws.path().display().to_string(), "list"]);
    let shown = String::from_utf8_lossy(&run_on_terminal_of(cmd, 80)).into_owned();
    let rows: Vec<&str> = shown.lines().map(|l| l.trim_end_matches('\r')).collect();
    let bulk = rows
        .iter()
        .find(|r| r.contains("bulk_rename"))
        .unwrap_or_else(|| panic!("no bulk_rename row: {shown}"));
    assert!(bulk.ends_with('…'), "{bulk:?}");
    for row in &rows {
        assert!(row.chars().count() <= 80, "{row:?} is wider than 80");
    }
    let piped = stdout(&toolbench(ws.path(), &["list"]));
    assert!(
        piped.contains("dry run by default, printing the plan as JSON"),
        "{piped}"
    );
}

fn assert_neutralised(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    assert!(!bytes.contains(&0x1b), "ESC reached the terminal: {text:?}");
    assert!(!bytes.contains(&0x07), "BEL reached the terminal: {text:?}");
    assert!(
        !bytes.contains(&0x08),
        "backspace reached the terminal: {text:?}"
    );
    assert!(
        !text.contains('\u{9b}'),
        "C1 CSI reached the terminal: {text:?}"
    );
    // The terminal driver turns each newline into CR LF; any other CR came from the tool.
    assert!(
        !text.replace("\r\n", "\n").contains('\r'),
        "a bare CR reached the terminal: {text:?}"
    );
    text
}

#[test]
fn run_output_stderr_and_error_line_are_made_visible_on_a_terminal() {
    let ws = hostile_workspace();
    let text = assert_neutralised(&on_terminal(ws.path(), &["run", "hostile"]));
    assert!(
        text.contains(r"out\u{1b}]0;pwned\u{7} clip\u{1b}]52;c;aGk=\u{7}"),
        "{text:?}"
    );
    assert!(
        text.contains(r"\u{1b}[2Jreal\u{d}FAKE\u{8} c1\u{9b} end"),
        "{text:?}"
    );
    assert!(text.contains(r"err\u{1b}]0;pwned\u{7}"), "{text:?}");
    // The one-line error names the failure with the tool's last stderr line, made visible.
    assert!(
        text.contains(r"toolbench: hostile@1.0.0 failed"),
        "{text:?}"
    );
    assert!(text.contains(r"last\u{1b}]52;c;aGk=\u{7}"), "{text:?}");
}

/// A workspace never opened here runs nothing active and takes no decision until a person
/// accepts its tools: the run is refused in one line naming `toolbench accept`, nothing ran
/// and nothing was sealed; `accept --dry-run` lists the tool (its escapes made visible on a
/// terminal), `accept` seals it, and the run goes.
#[test]
fn a_never_opened_workspace_runs_nothing_until_a_person_accepts_its_tools() {
    let ws = never_opened_hostile();
    let refused = toolbench(ws.path(), &["run", "hostile"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert!(
        err.contains("this workspace was never opened here") && err.contains("`toolbench accept`"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(runs_of(ws.path(), "hostile").is_empty(), "nothing ran");
    let decision = toolbench(ws.path(), &["reject", "newcomer", "--reason", "no"]);
    assert_eq!(decision.status.code(), Some(1), "{}", stderr(&decision));
    assert!(
        ws.path().join("experimental/newcomer").is_dir(),
        "nothing moved"
    );
    assert!(
        !ws.path().join(".toolbench/seals").exists(),
        "nothing sealed"
    );

    let listed = assert_neutralised(&on_terminal(ws.path(), &["accept", "--dry-run"]));
    assert!(listed.contains("approved/hostile 1.0.0"), "{listed:?}");
    assert!(
        !ws.path().join(".toolbench/seals").exists(),
        "a dry run seals nothing"
    );
    let accepted = toolbench(ws.path(), &["accept"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    assert!(ws.path().join(".toolbench/seals/hostile.json").is_file());
    let ran = toolbench(ws.path(), &["run", "hostile"]);
    assert_eq!(ran.status.code(), Some(3), "the tool ran: {}", stderr(&ran));
}

/// `toolbench run tool > file` on a terminal: the file gets the tool's exact bytes while the
/// terminal, which gets stderr, still sees only visible text. (The two streams are printed
/// on different threads then.)
#[test]
fn stdout_to_a_file_stays_exact_while_stderr_on_the_terminal_is_made_visible() {
    let ws = hostile_workspace();
    let file = ws.path().join("out.bin");
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", r#"exec "$0" --root "$1" run hostile > "$2""#]);
    cmd.arg(bin());
    cmd.arg(ws.path());
    cmd.arg(&file);
    let text = assert_neutralised(&run_on_terminal(cmd));
    assert!(text.contains(r"err\u{1b}]0;pwned\u{7}"), "{text:?}");
    assert!(text.contains(r"last\u{1b}]52;c;aGk=\u{7}"), "{text:?}");
    assert!(
        !text.contains("real"),
        "stdout reached the terminal: {text:?}"
    );
    let written = std::fs::read(&file).expect("stdout's file");
    assert_eq!(
        written,
        b"out\x1b]0;pwned\x07 clip\x1b]52;c;aGk=\x07 \x1b[2Jreal\rFAKE\x08 c1\xc2\x9b end\n"
            .to_vec()
    );
}

#[test]
fn list_show_failures_and_runs_make_manifest_and_tool_text_visible() {
    // A newline in a description is shown too: it cannot forge a row of the table.
    let ws = hostile_workspace();
    // Record a failure whose text came from the tool.
    let _ = toolbench(ws.path(), &["run", "hostile"]);
    for args in [
        &["list"][..],
        &["show", "hostile"],
        &["failures"],
        &["runs"],
        &["review"],
    ] {
        let text = assert_neutralised(&on_terminal(ws.path(), args));
        let expected = match args[0] {
            "list" | "show" => r"looks \u{1b}[2J\u{1b}]0;pwned\u{7} fine\u{a}core         fake",
            "failures" => r"last\u{1b}]52;c;aGk=\u{7}",
            "runs" => "hostile@1.0.0 cli        failed",
            _ => "newcomer",
        };
        assert!(text.contains(expected), "{args:?}: {text:?}");
    }
}

/// A failure's scenario and error are any text a person or an agent typed: a newline or a lone
/// CR in them is shown as an escape on a terminal and piped alike, so each failure stays one
/// row and no row is forged.
#[test]
fn a_line_break_in_a_failure_shows_as_an_escape_and_forges_no_row() {
    let ws = sample_workspace();
    let out = toolbench(
        ws.path(),
        &[
            "mark-failure",
            "word_count",
            "--scenario",
            "line1\n2026-01-01T00:00:00.000Z fake row",
            "--error",
            "real\rFAKE",
            "--severity",
            "low",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let row = r"line1\u{a}2026-01-01T00:00:00.000Z fake row: real\u{d}FAKE";
    let shown = assert_neutralised(&on_terminal(ws.path(), &["failures"]));
    let rows: Vec<&str> = shown.lines().collect();
    assert_eq!(rows.len(), 2, "a header and one row: {shown:?}");
    assert!(rows[1].contains(row), "{shown:?}");
    let piped = stdout(&toolbench(ws.path(), &["failures"]));
    let rows: Vec<&str> = piped.lines().collect();
    assert_eq!(rows.len(), 2, "a header and one row: {piped:?}");
    assert!(rows[1].contains(row), "{piped:?}");
}

#[test]
fn piped_run_output_is_byte_identical() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"binary\"\nversion = \"1.0.0\"\ndescription = \"bytes\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";
    let folder = write_tool(ws.path(), "approved", "binary", manifest);
    std::fs::write(
        folder.join("run.sh"),
        r"printf 'a\033[2J\377\376\r\000b\302\233\n\342\202'",
    )
    .expect("script");
    accept(ws.path());
    let out = toolbench(ws.path(), &["run", "binary"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        b"a\x1b[2J\xff\xfe\r\x00b\xc2\x9b\n\xe2\x82".to_vec()
    );
}

/// `toolbench … | head -1`: the reader leaves before the command has printed everything. Its
/// read end is closed before the command starts here, so every write finds it gone.
#[test]
fn every_printing_command_ends_quietly_when_its_reader_left() {
    let ws = sample_workspace();
    let commands: [&[&str]; 16] = [
        &["completions", "bash"],
        &["--help"],
        &["list"],
        &["list", "--json"],
        &["show", "csv_to_json"],
        &["review"],
        &["review", "--json"],
        &["validate", "bulk_rename"],
        &["run", "word_count", "--input", r#"{"text": "a b"}"#],
        &["runs", "--json"],
        &["stats"],
        &["history", "csv_to_json", "--json"],
        &["failures"],
        &["tools", "defined", "--json"],
        &["tools", "status", "--json"],
        &["calls", "--all"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let config = tempfile::tempdir().expect("tempdir");
        let out = toolbench_command(ws.path(), config.path(), args)
            .stdout(writer)
            .output()
            .expect("run toolbench");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !err.to_lowercase().contains("broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A workspace with nothing in it, for commands that need only its store.
fn empty_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(ws.path().join(tier)).expect("tier");
    }
    ws
}

/// On a terminal `web pair` draws its link as a QR code, the link's own: read back from the
/// half blocks, its modules are `qrcode`'s for the link, inside a light quiet zone.
#[test]
fn web_pair_draws_a_qr_code_of_its_link_on_a_terminal() {
    let ws = empty_workspace();
    let bytes = on_terminal(
        ws.path(),
        &[
            "web",
            "pair",
            "--name",
            "phone",
            "--listen",
            "127.0.0.1:7878",
        ],
    );
    let screen = String::from_utf8_lossy(&bytes).replace('\r', "");
    let link = screen
        .lines()
        .find(|l| l.starts_with("http://127.0.0.1:7878/pair?code="))
        .unwrap_or_else(|| panic!("the link: {screen}"));
    let drawn: Vec<&str> = screen
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| " ▀▄█".contains(c)))
        .collect();
    assert!(!drawn.is_empty(), "a QR code: {screen}");

    common::qr::assert_draws(&drawn, link);
}

/// `web pair` with stdout not a terminal (a script), or with `--no-qr`, prints the link alone.
#[test]
fn web_pair_prints_the_link_alone_to_a_pipe_or_with_no_qr() {
    let ws = empty_workspace();
    let out = toolbench(ws.path(), &["web", "pair", "--listen", "127.0.0.1:7878"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let code = printed
        .strip_prefix("http://127.0.0.1:7878/pair?code=")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("the link alone: {printed:?}"));
    assert!(
        !code.is_empty() && !code.contains(char::is_whitespace),
        "{printed:?}"
    );

    let bytes = on_terminal(
        ws.path(),
        &["web", "pair", "--no-qr", "--listen", "127.0.0.1:7878"],
    );
    let screen = String::from_utf8_lossy(&bytes);
    assert!(
        screen.contains("http://127.0.0.1:7878/pair?code="),
        "{screen}"
    );
    assert!(!screen.contains('█') && !screen.contains('▀'), "{screen}");
}
