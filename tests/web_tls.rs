//! The review page served over TLS, as beyond loopback it must be: a certificate made by
//! `openssl`, and `curl` as the client, checking the certificate and its name as a phone's
//! browser would.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::*;

/// A certificate for `review.test` and its key, made by openssl in `dir`; `(cert, key)`.
fn certificate(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{stem}.pem"));
    let key = dir.join(format!("{stem}.key"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=review.test"])
        .args(["-addext", "subjectAltName=DNS:review.test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::piped())
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(out.status.success(), "openssl: {}", stderr(&out));
    (cert, key)
}

/// A workspace, a user config naming the certificate, and `toolbench web` serving it.
struct Served {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    server: Child,
    port: u16,
    cert: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Served {
    fn start(listen: &str) -> Served {
        let dir = common::empty_workspace();
        let config = tempfile::tempdir().expect("config dir");
        let (cert, key) = certificate(config.path(), "page");
        std::fs::write(
            config.path().join("config.toml"),
            format!(
                "[web]\ntls_cert = \"{}\"\ntls_key = \"{}\"\nhost = \"review.test\"\n",
                cert.display(),
                key.display()
            ),
        )
        .expect("config");
        let mut server = toolbench_command(dir.path(), config.path(), &["web", "--listen", listen])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn toolbench web");
        let log = lines_of(server.stderr.take().expect("stderr"));
        let port = loop {
            let line = log
                .recv_timeout(Duration::from_secs(30))
                .expect("toolbench web says where it serves");
            if let Some(rest) = line.strip_prefix("toolbench web: serving https://") {
                let port = rest.trim_end_matches('/').rsplit(':').next().expect("port");
                break port.parse().expect("a port");
            }
        };
        Served {
            dir,
            config,
            server,
            port,
            cert,
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        toolbench_command(self.dir.path(), self.config.path(), args)
            .output()
            .expect("run toolbench")
    }

    /// `curl` to `url` (on review.test, resolved to loopback), trusting only the page's
    /// certificate; prints the answer's head and body.
    fn curl(&self, url: &str, extra: &[&str]) -> Output {
        Command::new("curl")
            .args(["-sS", "-i", "--max-time", "10", "--cacert"])
            .arg(&self.cert)
            .arg("--resolve")
            .arg(format!("review.test:{}:127.0.0.1", self.port))
            .args(extra)
            .arg(url)
            .output()
            .expect("curl is installed (.ci/run installs it)")
    }

    fn page(&self) -> String {
        format!("https://review.test:{}", self.port)
    }
}

fn status(out: &Output) -> u16 {
    let text = stdout(out);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {text}{}", stderr(out)))
}

#[test]
fn the_page_is_served_over_tls_pairs_with_a_secure_cookie_and_checks_the_name() {
    let served = Served::start("127.0.0.1:0");
    // A request without a session, over TLS the client checked against the certificate.
    let out = served.curl(&format!("{}/", served.page()), &[]);
    assert_eq!(status(&out), 401, "{}", stdout(&out));

    let out = served.cli(&[
        "web",
        "pair",
        "--name",
        "phone",
        "--listen",
        &format!("127.0.0.1:{}", served.port),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let link = stdout(&out).trim().to_string();
    let prefix = format!("{}/pair?code=", served.page());
    let code = link
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("a link on the certificate's name: {link}"));
    let form = format!("code={code}");
    let origin = format!("Origin: {}", served.page());
    let out = served.curl(
        &format!("{}/pair", served.page()),
        &["-H", &origin, "--data", &form],
    );
    let head = stdout(&out);
    assert_eq!(status(&out), 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .unwrap_or_else(|| panic!("a session cookie: {head}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let session = cookie.split(';').next().expect("name=value");
    let out = served.curl(
        &format!("{}/", served.page()),
        &["-H", &format!("Cookie: {session}")],
    );
    assert_eq!(status(&out), 200, "{}", stdout(&out));
    assert!(stdout(&out).contains("phone"), "the page names the device");

    // The session is good, but a name the certificate does not hold is refused (DNS
    // rebinding), and so is a plain-HTTP origin on the same name.
    let out = served.curl(
        &format!("{}/", served.page()),
        &[
            "-H",
            &format!("Cookie: {session}"),
            "-H",
            &format!("Host: rebound.example:{}", served.port),
        ],
    );
    assert_eq!(status(&out), 403, "{}", stdout(&out));
    let out = served.curl(
        &format!("{}/calls/1", served.page()),
        &[
            "-H",
            &format!("Cookie: {session}"),
            "-H",
            &format!("Origin: http://review.test:{}", served.port),
            "--data",
            "answer=once",
        ],
    );
    assert_eq!(status(&out), 403, "{}", stdout(&out));
}

#[test]
fn plain_http_to_the_tls_port_gets_no_page() {
    let served = Served::start("127.0.0.1:0");
    let out = served.curl(&format!("http://review.test:{}/", served.port), &[]);
    assert!(!out.status.success(), "curl fails: {}", stdout(&out));
    assert!(!stdout(&out).contains("HTTP/1.1"), "{}", stdout(&out));
    // The server still serves TLS afterwards.
    let out = served.curl(&format!("{}/", served.page()), &[]);
    assert_eq!(status(&out), 401, "{}", stdout(&out));
}

#[test]
fn beyond_loopback_the_page_is_served_with_a_certificate() {
    let served = Served::start("0.0.0.0:0");
    let out = served.curl(&format!("{}/", served.page()), &[]);
    assert_eq!(status(&out), 401, "{}", stdout(&out));
}

#[test]
fn a_key_of_another_certificate_or_a_missing_file_is_named_in_one_line() {
    let dir = common::empty_workspace();
    let config = tempfile::tempdir().expect("config dir");
    let (cert, _) = certificate(config.path(), "one");
    let (_, other_key) = certificate(config.path(), "two");
    let web = |cert: &Path, key: &Path| {
        toolbench_command(
            dir.path(),
            config.path(),
            &["web", "--listen", "127.0.0.1:0", "--tls-cert"],
        )
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .output()
        .expect("run")
    };
    let out = web(&cert, &other_key);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{} (web.tls_key): not the key of the certificate",
            other_key.display()
        )),
        "{err}"
    );
    let out = web(&config.path().join("absent.pem"), &other_key);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("absent.pem (web.tls_cert):"), "{err}");
    // A certificate alone is refused by the command line itself.
    let out = toolbench_command(dir.path(), config.path(), &["web", "--tls-cert", "x.pem"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
