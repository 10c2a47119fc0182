//! `ssh-keygen -Y`: every signature is made and checked by OpenSSH's own program, as git
//! does, so ssh-agent, passphrases and FIDO security keys work unchanged and toolbench never
//! reads a private key.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The namespace of every toolbench signature: a signature made for git, or for anything
/// else, never verifies as a review.
pub const NAMESPACE: &str = "toolbench-review";

/// How long a signature may take: a passphrase typed or a security key touched.
const SIGN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a check may take (it reads two small files).
const VERIFY_TIMEOUT: Duration = Duration::from_secs(20);
/// The most ssh-keygen may print on either stream.
const MAX_OUTPUT: u64 = 64 * 1024;

/// The key a signature is made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SigningKey {
    /// A file for `ssh-keygen -f`: a private key, or a public key whose private half
    /// ssh-agent holds.
    pub(crate) file: std::path::PathBuf,
    /// The key is in ssh-agent only (`key::` in git's setting): `-U`.
    pub(crate) agent_only: bool,
    /// The public key, `TYPE BASE64`.
    pub(crate) public: (String, String),
}

/// What ssh-keygen answered.
#[derive(Debug)]
pub(crate) struct KeygenOutput {
    pub(crate) ok: bool,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
}

/// The environment ssh-keygen gets: what finds the agent, a security key or a passphrase
/// prompt, and nothing else of ours.
fn program() -> Command {
    let mut command = Command::new("ssh-keygen");
    command.env_clear();
    for name in [
        "PATH",
        "HOME",
        "USER",
        "LANG",
        "SSH_AUTH_SOCK",
        "SSH_SK_PROVIDER",
        "SSH_ASKPASS",
        "SSH_ASKPASS_REQUIRE",
        "DISPLAY",
    ] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
}

/// Runs `command` with `input` on stdin, within `timeout`. `detached`: in a session of its
/// own, with no terminal to ask a passphrase on (the workbench owns the screen; a command
/// not run from a terminal has nobody to ask).
fn run(
    mut command: Command,
    input: &[u8],
    timeout: Duration,
    detached: bool,
) -> Result<KeygenOutput, String> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if detached {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of ours.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let mut child = command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "ssh-keygen is not installed (apt-get install openssh-client)".to_string()
        } else {
            format!("cannot start ssh-keygen: {}", crate::io_text::io_reason(&e))
        }
    })?;
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&input);
        }
    });
    let read = |stream: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(stream) = stream {
                let _ = stream.take(MAX_OUTPUT).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "ssh-keygen did not answer within {} s",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(crate::io_text::io_reason(&e)),
        }
    };
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    Ok(KeygenOutput {
        ok: status.success(),
        stdout,
        stderr,
    })
}

/// The last meaningful line ssh-keygen said, for one-line errors.
pub(crate) fn last_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(crate::text::visible)
        .unwrap_or_else(|| "no reason given".to_string())
}

/// Signs `message` with `key` in `namespace` (one of toolbench's); the armored signature.
pub(crate) fn sign(
    key: &SigningKey,
    namespace: &str,
    message: &[u8],
    detached: bool,
) -> Result<Vec<u8>, String> {
    let mut command = program();
    command.args(["-Y", "sign", "-n", namespace, "-f"]);
    command.arg(&key.file);
    if key.agent_only {
        command.arg("-U");
    }
    let answer = run(command, message, SIGN_TIMEOUT, detached)?;
    if !answer.ok || !answer.stdout.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
        return Err(format!(
            "ssh-keygen could not sign with {}: {}",
            key.file.display(),
            last_line(&answer.stderr)
        ));
    }
    Ok(answer.stdout)
}

/// The public key (`TYPE BASE64 comment`) of the private key `key`, as `ssh-keygen -y`
/// prints it. Never asks for a passphrase: an empty one is given, so a key that has one is
/// refused at once (ssh-keygen says `incorrect passphrase`), with no terminal to wait on.
pub(crate) fn public_of(key: &Path) -> Result<String, String> {
    let mut command = program();
    command.args(["-y", "-P", "", "-f"]).arg(key);
    let answer = run(command, b"", VERIFY_TIMEOUT, true)?;
    if answer.ok {
        Ok(String::from_utf8_lossy(&answer.stdout).into_owned())
    } else {
        Err(last_line(&answer.stderr))
    }
}

/// `ssh-keygen -Y verify` of `message` against `signature` in `namespace`, for `principal`
/// of the allowed_signers file `allowed`. `Ok` holds ssh-keygen's line (`Good "…" signature
/// for … with ED25519 key SHA256:…`).
pub(crate) fn verify(
    allowed: &Path,
    namespace: &str,
    principal: &str,
    signature: &Path,
    message: &[u8],
) -> Result<String, String> {
    let mut command = program();
    command.args(["-Y", "verify", "-n", namespace, "-f"]);
    command.arg(allowed).arg("-I").arg(principal).arg("-s");
    command.arg(signature);
    let answer = run(command, message, VERIFY_TIMEOUT, true)?;
    let out = String::from_utf8_lossy(&answer.stdout).into_owned();
    if answer.ok && out.starts_with("Good ") {
        Ok(last_line(&out))
    } else {
        Err(last_line(&format!("{}\n{out}", answer.stderr)))
    }
}

/// Whether `signature` is a good signature of `message` in toolbench's namespace by any
/// key (`ssh-keygen -Y check-novalidate`): tells a signature that is wrong from one by a key
/// nobody allowed. `Err` holds ssh-keygen's reason.
pub(crate) fn check_novalidate(signature: &Path, message: &[u8]) -> Result<String, String> {
    let mut command = program();
    command.args(["-Y", "check-novalidate", "-n", NAMESPACE, "-s"]);
    command.arg(signature);
    let answer = run(command, message, VERIFY_TIMEOUT, true)?;
    let out = String::from_utf8_lossy(&answer.stdout).into_owned();
    if answer.ok {
        Ok(last_line(&out))
    } else {
        let said = format!("{}\n{out}", answer.stderr);
        let reason = said
            .lines()
            .map(str::trim)
            .find(|l| {
                l.starts_with("Couldn't")
                    || l.starts_with("Signature verification failed")
                    || l.contains("namespace")
            })
            .map(crate::text::visible)
            .unwrap_or_else(|| last_line(&said));
        Err(reason)
    }
}

/// The `SHA256:…` fingerprint in one of ssh-keygen's `Good … signature` lines.
pub(crate) fn fingerprint_in(line: &str) -> Option<String> {
    line.split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .map(str::to_string)
}
