//! A tool's list of hosts against the real binary, its sandbox and its egress proxy.
//!
//! Each test asserts what happened OUTSIDE the sandbox: which of the test's host listeners
//! received what, what the run recorded (`egress.log`, the `egress` layer). What a tool prints
//! about itself is used only for what only the tool can see (the proxy's answer to it).

#[path = "common/hostile.rs"]
mod harness;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::*;
use serde_json::Value;

/// A host listener nobody answers on: what reached it is read after the run.
struct Quiet(TcpListener);

impl Quiet {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        listener.set_nonblocking(true).expect("nonblocking");
        Quiet(listener)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().expect("addr").port()
    }

    /// Every connection that reached it, with what was sent on it.
    fn received(&self) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok((mut stream, _)) = self.0.accept() {
            stream.set_nonblocking(false).expect("blocking");
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            got.push(text);
        }
        got
    }
}

/// A tiny HTTP server on the host: answers every request with `hello`, keeps the request lines.
struct HttpServer {
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (Arc::clone(&lines), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                stream.set_nonblocking(false).expect("blocking");
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                seen.lock()
                    .expect("lines")
                    .push(text.lines().next().unwrap_or("").to_string());
                let _ = stream.write_all(
                    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
                );
            }
        });
        HttpServer {
            port,
            lines,
            stop,
            thread: Some(thread),
        }
    }

    fn request_lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A host listener that never completes a connection: its queue (`listen(fd, 0)`) is full,
/// so the kernel drops the SYNs that come next and a connect waits.
struct Deaf {
    port: u16,
    _listener: std::os::fd::OwnedFd,
    _queued: Vec<TcpStream>,
}

impl Deaf {
    fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let fd = std::os::fd::OwnedFd::from(listener);
        // SAFETY: listen(2) on a socket we own.
        assert_eq!(
            unsafe { libc::listen(std::os::fd::AsRawFd::as_raw_fd(&fd), 0) },
            0
        );
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let queued = (0..2)
            .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok())
            .collect();
        Deaf {
            port,
            _listener: fd,
            _queued: queued,
        }
    }
}

fn network(hosts: &[String]) -> String {
    let list: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    format!("\n[permissions]\nnetwork = [{}]\n", list.join(", "))
}

/// The run's `egress.log`, one JSON value a line.
fn egress_log(bench: &Bench, result: &Value) -> Vec<Value> {
    let dir = bench
        .root()
        .join(result["log_dir"].as_str().expect("log_dir"));
    std::fs::read_to_string(dir.join("egress.log"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn layer(result: &Value, name: &str) -> Value {
    result["sandbox"]
        .as_array()
        .and_then(|layers| layers.iter().find(|l| l["name"] == name))
        .cloned()
        .unwrap_or(Value::Null)
}

const CLIENT: &str = r#"import json, os, socket, sys, urllib.request, urllib.error
A, B, C = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
PROXY = ("127.0.0.1", int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1]))
out = {}
def attempt(name, fn):
    try:
        out[name] = fn()
    except Exception as e:
        out[name] = "error: %r" % (e,)
def direct(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    s.close()
    return "sent"
def connect(host, port, data=b""):
    s = socket.create_connection(PROXY, timeout=5)
    s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port, host.encode(), port))
    answer = s.recv(200).decode("latin-1")
    if answer.startswith("HTTP/1.1 200") and data:
        s.sendall(data)
    s.close()
    return answer.split("\r\n")[0]
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return "%d %s" % (r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        return "%d %s" % (e.code, e.read().decode().strip())
attempt("direct_a", lambda: direct(A, b"direct-A"))
attempt("direct_b", lambda: direct(B, b"direct-B"))
attempt("connect_b", lambda: connect("127.0.0.1", B, b"tunnel-B"))
attempt("connect_a", lambda: connect("127.0.0.1", A, b"tunnel-A"))
attempt("connect_localhost_a", lambda: connect("localhost", A, b"named-A"))
attempt("connect_elsewhere", lambda: connect("example.com", 443))
attempt("get_c", lambda: get("http://127.0.0.1:%d/hello" % C))
attempt("get_b", lambda: get("http://127.0.0.1:%d/hello" % B))
print(json.dumps(out))
"#;

/// Holds: with `network = ["127.0.0.1:A", "localhost:A", "127.0.0.1:C"]`, the tool reaches A
/// directly and through the proxy, C's HTTP server through the proxy, and never B: neither a
/// plain connect nor a `CONNECT` nor a GET through the proxy. Every connection is in the run's
/// `egress.log`, and the proxy leaves no listener behind.
#[test]
fn a_host_list_reaches_the_declared_hosts_only() {
    let bench = Bench::new();
    let (a, b) = (Quiet::new(), Quiet::new());
    let http = HttpServer::start();
    let (pa, pb, pc) = (a.port(), b.port(), http.port);
    let hosts = [
        format!("127.0.0.1:{pa}"),
        format!("localhost:{pa}"),
        format!("127.0.0.1:{pc}"),
    ];
    bench.tool(
        "egress_client",
        &[
            "python3",
            "client.py",
            &pa.to_string(),
            &pb.to_string(),
            &pc.to_string(),
        ],
        &network(&hosts),
        &[("client.py", CLIENT)],
    );
    let (result, out) = bench.run("egress_client");
    assert_eq!(result["status"], "ok", "{}", text(&out.stdout));
    let said: Value =
        serde_json::from_str(result["stdout"].as_str().unwrap_or("").trim()).expect("json");

    // Outside: A got the direct connection and both tunnels, B nothing at all.
    let mut at_a = a.received();
    at_a.sort();
    assert_eq!(at_a, ["direct-A", "named-A", "tunnel-A"], "{said}");
    assert_eq!(b.received(), Vec::<String>::new(), "{said}");
    // The GET reached C's server through the proxy, in origin form; nothing reached B.
    assert_eq!(http.request_lines(), ["GET /hello HTTP/1.1"], "{said}");
    assert_eq!(said["get_c"], "200 hello", "{said}");
    assert!(
        said["direct_b"].as_str().unwrap_or("").starts_with("error"),
        "{said}"
    );
    for refused in ["connect_b", "connect_elsewhere"] {
        assert_eq!(said[refused], "HTTP/1.1 403 Forbidden", "{said}");
    }
    assert!(
        said["get_b"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("403 127.0.0.1:{pb} is not in")),
        "{said}"
    );

    // The run's record: every connection, refusals included.
    let log = egress_log(&bench, &result);
    let refused: Vec<(String, u64)> = log
        .iter()
        .filter(|e| e["allowed"] == false)
        .map(|e| {
            (
                e["host"].as_str().unwrap_or("").to_string(),
                e["port"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("127.0.0.1".to_string(), u64::from(pb)),
            ("example.com".to_string(), 443),
            ("127.0.0.1".to_string(), u64::from(pb)),
        ],
        "{log:?}"
    );
    let tunnel = log
        .iter()
        .find(|e| e["method"] == "CONNECT" && e["port"] == pa && e["host"] == "127.0.0.1")
        .expect("the tunnel to A is logged");
    assert_eq!(tunnel["bytes_sent"], 8, "{tunnel}");
    let forwarded = log
        .iter()
        .find(|e| e["via"] == "forward")
        .expect("the direct connection to A is logged");
    assert_eq!(forwarded["port"], pa, "{forwarded}");
    assert_eq!(log.len(), 7, "{log:?}");
    let egress = layer(&result, "egress");
    assert_eq!(egress["active"], true, "{egress}");
    let detail = egress["detail"].as_str().unwrap_or("");
    assert!(
        detail.ends_with("proxy: 7 connections, 3 refused"),
        "{detail}"
    );
    assert_eq!(layer(&result, "netns")["active"], true);
    // Under the watchdog (no cgroup, as a plain user) seccomp says more after this.
    let seccomp = layer(&result, "seccomp");
    assert!(
        seccomp["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("tcp sockets only"),
        "{seccomp}"
    );

    // The hand-over socket is gone with the run.
    let dir = bench
        .root()
        .join(result["log_dir"].as_str().expect("log_dir"));
    assert!(!dir.join("egress.sock").exists());
}

const BAD_CLIENTS: &str = r#"import json, os, socket, sys, time
PROXY = ("127.0.0.1", int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1]))
out = {}
def ask(data, wait=5):
    s = socket.create_connection(PROXY, timeout=wait)
    s.sendall(data)
    try:
        return s.recv(200).decode("latin-1").split("\r\n")[0]
    except Exception as e:
        return "error: %r" % (e,)
    finally:
        s.close()
out["malformed"] = ask(b"NONSENSE\r\n\r\n")
out["over_long"] = ask(b"GET http://x/ HTTP/1.1\r\nX: " + b"a" * 9000)
# Opens a connection and never sends a thing; the run must still end at once.
idle = socket.create_connection(PROXY, timeout=5)
out["unanswered"] = ask(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % int(sys.argv[1]), wait=30)
print(json.dumps(out))
"#;

/// Holds: a malformed request, an over-long header, a client that sends nothing and a target
/// that never answers are each answered or recorded, and none holds the run past its end.
#[test]
fn bad_requests_are_refused_recorded_and_never_hold_the_run() {
    let bench = Bench::new();
    let deaf = Deaf::new();
    bench.tool(
        "egress_bad",
        &["python3", "bad.py", &deaf.port.to_string()],
        &format!(
            "timeout_secs = 40\n{}",
            network(&[format!("127.0.0.1:{}", deaf.port)])
        ),
        &[("bad.py", BAD_CLIENTS)],
    );
    let started = std::time::Instant::now();
    let (result, out) = bench.run("egress_bad");
    assert_eq!(result["status"], "ok", "{}", text(&out.stdout));
    // The idle client was still connected when the tool ended: the run did not wait for it.
    assert!(
        started.elapsed() < Duration::from_secs(35),
        "{:?}",
        started.elapsed()
    );
    let said: Value =
        serde_json::from_str(result["stdout"].as_str().unwrap_or("").trim()).expect("json");
    assert_eq!(said["malformed"], "HTTP/1.1 400 Bad Request", "{said}");
    assert_eq!(said["over_long"], "HTTP/1.1 400 Bad Request", "{said}");
    let unanswered = said["unanswered"].as_str().unwrap_or("");
    assert_eq!(unanswered, "HTTP/1.1 504 Gateway Timeout", "{said}");
    let log = egress_log(&bench, &result);
    let outcomes: Vec<&str> = log
        .iter()
        .map(|e| e["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        outcomes.contains(&"bad request: malformed request line"),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&"bad request: request header over 8192 bytes"),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| o.starts_with(&format!("connect to 127.0.0.1:{} timed out", deaf.port))),
        "{outcomes:?}"
    );
    // The idle one ended with the run, never read.
    assert!(
        outcomes.contains(&"no request before the run's end")
            || outcomes
                .iter()
                .any(|o| o.starts_with("bad request: no request")),
        "{outcomes:?}"
    );
    let egress = layer(&result, "egress");
    assert!(
        egress["detail"]
            .as_str()
            .unwrap_or("")
            .contains("proxy: 4 connections, 3 refused, 1 failed"),
        "{egress}"
    );
}

/// Holds: `network = ["*"]` keeps the host's network, with no proxy in between.
#[test]
fn network_anywhere_keeps_the_host_network_without_a_proxy() {
    let bench = Bench::new();
    let a = Quiet::new();
    let script = format!(
        "import os, socket\nassert 'HTTP_PROXY' not in os.environ\n\
         s = socket.create_connection(('127.0.0.1', {})); s.sendall(b'anywhere'); s.close()\n",
        a.port()
    );
    bench.tool(
        "egress_anywhere",
        &["python3", "any.py"],
        "\n[permissions]\nnetwork = [\"*\"]\n",
        &[("any.py", &script)],
    );
    let (result, out) = bench.run("egress_anywhere");
    assert_eq!(result["status"], "ok", "{}", text(&out.stdout));
    assert_eq!(a.received(), ["anywhere"]);
    assert!(egress_log(&bench, &result).is_empty());
    assert_eq!(layer(&result, "egress"), Value::Null);
}

const ESCAPES: &str = r#"import json, socket, sys
port, udp_port, address = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = {}
def attempt(name, fn):
    try:
        out[name] = fn()
    except Exception as e:
        out[name] = "error: %r" % (e,)
def tcp(host):
    s = socket.create_connection((host, port), timeout=3)
    s.sendall(b"escaped")
    s.close()
    return "sent"
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"escaped", ("127.0.0.1", udp_port))
    return "sent"
def resolve():
    return socket.getaddrinfo("example.com", 80)[0][4][0]
if address:
    attempt("host_address", lambda: tcp(address))
attempt("udp", udp)
attempt("dns", resolve)
print(json.dumps(out))
"#;

/// The host's first non-loopback IPv4 address, if it has one.
fn host_address() -> Option<std::net::IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks the route and the source.
    probe.connect("192.0.2.1:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// Blocks: with a list of hosts, a tool that ignores the proxy reaches nothing else: not a
/// host listener on the host's own address with a declared port, not a UDP socket, not DNS.
#[test]
fn a_client_ignoring_the_proxy_reaches_nothing_undeclared() {
    let bench = Bench::new();
    let wide = TcpListener::bind("0.0.0.0:0").expect("listen");
    wide.set_nonblocking(true).expect("nonblocking");
    let port = wide.local_addr().expect("addr").port();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    udp.set_nonblocking(true).expect("nonblocking");
    let udp_port = udp.local_addr().expect("addr").port();
    let address = host_address().map(|ip| ip.to_string()).unwrap_or_default();
    // The port is declared, for the loopback address only.
    bench.tool(
        "egress_escapes",
        &[
            "python3",
            "escapes.py",
            &port.to_string(),
            &udp_port.to_string(),
            &address,
        ],
        &network(&[format!("127.0.0.1:{port}")]),
        &[("escapes.py", ESCAPES)],
    );
    let (result, out) = bench.run("egress_escapes");
    assert_eq!(result["status"], "ok", "{}", text(&out.stdout));
    let said = result["stdout"].as_str().unwrap_or("").to_string();
    let quiet = Quiet(wide);
    assert_eq!(quiet.received(), Vec::<String>::new(), "{said}");
    let mut buf = [0u8; 64];
    assert!(
        udp.recv_from(&mut buf).is_err(),
        "a datagram arrived: {said}"
    );
    let said: Value = serde_json::from_str(said.trim()).expect("json");
    assert!(
        said["dns"].as_str().unwrap_or("").starts_with("error"),
        "{said}"
    );
    if address.is_empty() {
        eprintln!("no non-loopback address here: the host-address attempt was skipped");
    }
    eprintln!("the tool saw: {said}");
}

/// Leaks, then waits with the tunnel open: its connection is on record before the kill.
const LEAKER: &str = r#"import os, socket, sys, time
PROXY = ("127.0.0.1", int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1]))
s = socket.create_connection(PROXY, timeout=5)
s.sendall(b"CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n" % sys.argv[1].encode())
s.recv(200)
s.sendall(b"leaked-before-the-kill")
time.sleep(60)
"#;

/// Holds: a run whose starter is killed with SIGKILL while the tool's connection is open
/// keeps the record of what already left. The host listener received the bytes (the leak
/// really happened), `egress.log` in the run's folder names the connection, and the run,
/// collected as abandoned, says in its `sandbox` what its egress log holds.
#[test]
fn what_left_is_on_record_when_the_runner_is_killed() {
    let bench = Bench::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    bench.tool(
        "leaker",
        &["python3", "leak.py", &port.to_string()],
        &format!(
            "timeout_secs = 90\n{}",
            network(&[format!("127.0.0.1:{port}")])
        ),
        &[("leak.py", LEAKER)],
    );
    let mut starter = bench
        .command(&["run", "leaker", "--yes", "--grant", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("toolbench run");
    // Outside: the bytes arrived.
    let (mut peer, _) = listener.accept().expect("the tool connected");
    peer.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut got = vec![0u8; 22];
    peer.read_exact(&mut got).expect("the leak arrived");
    assert_eq!(got, b"leaked-before-the-kill");
    starter.kill().expect("SIGKILL the starter");
    let _ = starter.wait();

    let runs = bench.tb(&["runs", "leaker", "--json"], Duration::from_secs(60));
    let runs: Vec<Value> = serde_json::from_slice(&runs.stdout).expect("runs --json");
    let run = runs.first().expect("the run was collected");
    assert_eq!(run["status"], "abandoned", "{run}");
    let summary = run["sandbox"].to_string();
    assert!(
        summary.contains("egress log: 1 connections (1 allowed, 0 refused)")
            && summary.contains(&format!("to 127.0.0.1:{port}")),
        "{run}"
    );
    let log = egress_log(&bench, run);
    assert!(
        log.iter()
            .any(|line| line["host"] == "127.0.0.1" && line["port"] == port),
        "{log:?}"
    );
}
