//! The egress proxy: how a tool's list of hosts (`network = ["api.github.com:443"]`) is held
//! by host, not only by port.
//!
//! Such a run keeps its own network namespace, where the sandbox helper listens on
//! `127.0.0.1:PROXY_PORT` and on every declared loopback address, and hands those listeners to
//! the runner (`sandbox::egress_listen`) over a Unix socket in the run's folder. The runner
//! lives in the host's network: it accepts on them, speaks HTTP proxy on the first
//! (`CONNECT host:port` for any TCP, absolute-form plain HTTP requests forwarded), lets
//! through only the hosts the tool declared, dials them from here and pipes bytes both ways.
//! Connections to a forwarded loopback address go to the host's same address, unchanged.
//!
//! Every connection is recorded in the run's `egress.log` (JSON lines) as it happens: a line
//! once its target is known, before a byte of it is passed on, and one when it ends, so a
//! runner killed mid-run leaves the record of what already left (`Journal`); every task and
//! socket of the proxy ends with the run (`Proxy::finish`), which leaves one line per
//! connection.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener};
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::model::HostPort;
use crate::runner::sandbox::{EgressPlan, HandOver, MAX_LISTENERS};

/// The proxy's port on the run's own loopback (its namespace is its own: no clash with the
/// host's), unless a forwarded loopback address takes it.
pub(crate) const PROXY_PORT: u16 = 3128;
/// The run's record of its connections, next to its output logs.
pub(crate) const LOG_FILE: &str = "egress.log";
/// The Unix socket the helper hands the listeners over on, in the run's folder.
const SOCKET_FILE: &str = "egress.sock";
/// The most a request's line and headers may take.
pub(crate) const HEAD_LIMIT: usize = 8 * 1024;
/// How long a client has to send its request's head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a target has to answer a connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the helper has to send the listeners once it connected.
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(5);
const COPY_BYTES: usize = 16 * 1024;
/// Connections of one run served at once; the next wait in the listener's queue. Each holds
/// two of the runner's descriptors, and the runner may be serving other runs.
const MAX_OPEN: usize = 256;

/// How long the run's end waits for connections still passing on what the tool sent before
/// it exited (its last request, then the close) before they are cut.
const DRAIN: Duration = Duration::from_millis(500);
/// How long the run's end waits for the accept loops to take the connections still in their
/// queues and stop, and for a hand-over the helper may have sent, before they are cut. Taking
/// them never waits on the network; a run whose helper never handed over waits it all.
const STOP: Duration = Duration::from_millis(100);
/// Connections of one run kept in its log; the rest are only counted.
const MAX_LOGGED: usize = 10_000;

/// The declared hosts, as the proxy matches them: exact names (case-insensitive) and
/// addresses, each with its port; no wildcard.
#[derive(Debug, Clone)]
pub(crate) struct AllowList(Vec<HostPort>);

impl AllowList {
    pub(crate) fn new(hosts: &[HostPort]) -> Self {
        Self(hosts.to_vec())
    }

    pub(crate) fn permits(&self, host: &str, port: u16) -> bool {
        let host = bare_host(host);
        let address = host.parse::<IpAddr>().ok();
        self.0.iter().any(|allowed| {
            allowed.port == port
                && match (address, bare_host(&allowed.host).parse::<IpAddr>()) {
                    (Some(a), Ok(b)) => a == b,
                    _ => bare_host(&allowed.host) == host,
                }
        })
    }
}

/// `[::1]` → `::1`, lowercased.
fn bare_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// The declared loopback hosts, listened on inside the run and forwarded to the host's same
/// address: `localhost` is `127.0.0.1`.
pub(crate) fn forwarded(hosts: &[HostPort]) -> Vec<SocketAddr> {
    let mut addresses: Vec<SocketAddr> = hosts
        .iter()
        .filter_map(|h| {
            let host = bare_host(&h.host);
            let ip = if host == "localhost" {
                IpAddr::from([127, 0, 0, 1])
            } else {
                host.parse::<IpAddr>().ok().filter(IpAddr::is_loopback)?
            };
            Some(SocketAddr::new(ip, h.port))
        })
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    addresses.truncate(MAX_LISTENERS - 1);
    addresses
}

/// `PROXY_PORT`, or the next port no forwarded `127.0.0.1` address uses.
fn proxy_port(forward: &[SocketAddr]) -> u16 {
    let proxy_ip = IpAddr::from([127, 0, 0, 1]);
    (PROXY_PORT..)
        .find(|port| !forward.contains(&SocketAddr::new(proxy_ip, *port)))
        .unwrap_or(PROXY_PORT)
}

/// What a client asked the proxy for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// `CONNECT host:port`: a tunnel.
    Connect { host: String, port: u16 },
    /// An absolute-form plain HTTP request, with its head rewritten for the target
    /// (origin-form line, no proxy headers, `Connection: close`).
    Http {
        method: String,
        host: String,
        port: u16,
        head: Vec<u8>,
    },
}

impl Request {
    fn target(&self) -> (&str, u16) {
        match self {
            Request::Connect { host, port } | Request::Http { host, port, .. } => (host, *port),
        }
    }

    fn method(&self) -> &str {
        match self {
            Request::Connect { .. } => "CONNECT",
            Request::Http { method, .. } => method,
        }
    }
}

/// Why a request was not served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BadRequest {
    #[error("request header over {HEAD_LIMIT} bytes")]
    TooLong,
    #[error("no request within {} s", HEAD_TIMEOUT.as_secs())]
    Idle,
    #[error("the client closed before its request ended")]
    Closed,
    #[error("malformed request line")]
    Line,
    #[error("malformed target {0:?}")]
    Target(String),
    #[error("only http:// is forwarded; use CONNECT for {0}")]
    Scheme(String),
}

/// Parses a request's head (its line and headers, up to the blank line).
pub(crate) fn parse_head(head: &[u8]) -> Result<Request, BadRequest> {
    let text = std::str::from_utf8(head).map_err(|_| BadRequest::Line)?;
    let mut lines = text.split("\r\n");
    let line = lines.next().ok_or(BadRequest::Line)?;
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(BadRequest::Line);
    };
    let token = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !token(method) || !version.starts_with("HTTP/1.") {
        return Err(BadRequest::Line);
    }
    if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = authority(target, None)?;
        return Ok(Request::Connect { host, port });
    }
    let Some((scheme, rest)) = target.split_once("://") else {
        return Err(BadRequest::Target(target.to_string()));
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(BadRequest::Scheme(format!("{scheme}://")));
    }
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth, path) = rest.split_at(split);
    let (host, port) = authority(auth, Some(80))?;
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    let mut out = format!("{method} {path} {version}\r\n");
    for header in lines.filter(|l| !l.is_empty()) {
        let name = header.split(':').next().unwrap_or("").trim();
        let hop = [
            "proxy-connection",
            "proxy-authorization",
            "connection",
            "keep-alive",
        ];
        if hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        out.push_str(header);
        out.push_str("\r\n");
    }
    // One request per connection: a second one on it would skip the check of its host.
    out.push_str("Connection: close\r\n\r\n");
    Ok(Request::Http {
        method: method.to_string(),
        host,
        port,
        head: out.into_bytes(),
    })
}

/// `host:port`, `1.2.3.4:port` or `[::1]:port`; the port may be left out when there is a
/// default.
fn authority(text: &str, default_port: Option<u16>) -> Result<(String, u16), BadRequest> {
    let bad = || BadRequest::Target(text.to_string());
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            host.parse::<std::net::Ipv6Addr>().map_err(|_| bad())?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or_else(bad)?)),
            }
        }
        None => match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
    if !valid {
        return Err(bad());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad)?,
        None => default_port.ok_or_else(bad)?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Reads a request's head, at most `HEAD_LIMIT` bytes: the head, and what came after it.
pub(crate) async fn read_head<R: AsyncRead + Unpin>(
    client: &mut R,
    timeout: Duration,
) -> Result<(Vec<u8>, Vec<u8>), BadRequest> {
    let read = async {
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 2048];
        loop {
            let n = client
                .read(&mut chunk)
                .await
                .map_err(|_| BadRequest::Closed)?;
            if n == 0 {
                return Err(BadRequest::Closed);
            }
            let searched_from = buf.len().saturating_sub(3);
            buf.extend_from_slice(&chunk[..n]);
            if let Some(at) = find(&buf[searched_from..], b"\r\n\r\n") {
                let end = searched_from + at + 4;
                if end > HEAD_LIMIT {
                    return Err(BadRequest::TooLong);
                }
                let rest = buf.split_off(end);
                return Ok((buf, rest));
            }
            if buf.len() > HEAD_LIMIT {
                return Err(BadRequest::TooLong);
            }
        }
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BadRequest::Idle))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The run's `egress.log` while the run lasts: each line written at once (a `write` each, no
/// buffer), so it outlives a runner killed with SIGKILL.
#[derive(Debug, Default)]
struct Journal(Mutex<Option<std::fs::File>>);

impl Journal {
    /// Opens `path` to append to; a log that cannot be made is left out, as `finish` says.
    fn open(path: &Path) -> Self {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(crate::workspace::private::FILE_MODE)
            .open(path)
            .ok();
        Journal(Mutex::new(file))
    }

    fn write(&self, entry: &Entry) {
        let mut line = entry.json().to_string();
        line.push('\n');
        if let Some(file) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            let _ = std::io::Write::write_all(file, line.as_bytes());
        }
    }

    fn close(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// One connection as the log records it.
#[derive(Debug, Default)]
struct Entry {
    /// Its number in the run, which its lines in the log share.
    id: u64,
    journal: Arc<Journal>,
    fields: Mutex<Fields>,
    /// Bytes from the tool to the target.
    sent: AtomicU64,
    /// Bytes from the target to the tool.
    received: AtomicU64,
}

#[derive(Debug, Default, Clone)]
struct Fields {
    at: String,
    via: &'static str,
    method: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    /// `None` until the request was read.
    allowed: Option<bool>,
    outcome: Option<String>,
    failed: bool,
}

impl Entry {
    fn new(via: &'static str, id: u64, journal: &Arc<Journal>) -> Arc<Self> {
        Arc::new(Entry {
            id,
            journal: Arc::clone(journal),
            fields: Mutex::new(Fields {
                at: crate::clock::rfc3339(SystemTime::now()),
                via,
                ..Fields::default()
            }),
            ..Entry::default()
        })
    }

    /// Writes the connection as it stands to the run's log, at once.
    fn log(&self) {
        self.journal.write(self);
    }

    fn update(&self, change: impl FnOnce(&mut Fields)) {
        change(&mut self.fields.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn fields(&self) -> Fields {
        self.fields
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn json(&self) -> serde_json::Value {
        let f = self.fields();
        serde_json::json!({
            "id": self.id,
            "at": f.at,
            "via": f.via,
            "method": f.method,
            "host": f.host,
            "port": f.port,
            "allowed": f.allowed.unwrap_or(false),
            "outcome": f.outcome,
            "bytes_sent": self.sent.load(Ordering::Relaxed),
            "bytes_received": self.received.load(Ordering::Relaxed),
        })
    }
}

/// What the proxy's tasks share.
struct ProxyState {
    entries: Mutex<Vec<Arc<Entry>>>,
    /// Every connection taken, logged or not: the next one's number.
    taken: AtomicU64,
    journal: Arc<Journal>,
    /// Connections past `MAX_LOGGED`.
    unlogged: AtomicU64,
    /// The proxy's own loops: waiting for the listeners, accepting.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// One per connection the tool made, passing bytes on.
    connections: Mutex<Vec<JoinHandle<()>>>,
    handover: Mutex<Option<Result<HandOver, String>>>,
    open: Arc<tokio::sync::Semaphore>,
    /// Set at the run's end: the accept loops take what waits in their queues, then stop.
    closing: CancellationToken,
}

impl Default for ProxyState {
    fn default() -> Self {
        ProxyState {
            entries: Mutex::default(),
            taken: AtomicU64::new(0),
            journal: Arc::default(),
            unlogged: AtomicU64::new(0),
            tasks: Mutex::default(),
            connections: Mutex::default(),
            handover: Mutex::default(),
            open: Arc::new(tokio::sync::Semaphore::new(MAX_OPEN)),
            closing: CancellationToken::new(),
        }
    }
}

impl ProxyState {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        keep_live(&self.tasks, tokio::spawn(task));
    }

    fn spawn_connection(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        keep_live(&self.connections, tokio::spawn(task));
    }

    /// Gives the tasks of `tasks` until `bound` to end on their own (and those they spawned
    /// meanwhile), aborts the rest and waits until all are gone, their sockets with them.
    async fn end_all(tasks: &Mutex<Vec<JoinHandle<()>>>, bound: Duration) {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let taken = std::mem::take(&mut *tasks.lock().unwrap_or_else(PoisonError::into_inner));
            if taken.is_empty() {
                return;
            }
            for mut task in taken {
                if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                    task.abort();
                    let _ = task.await;
                }
            }
        }
    }

    fn record(&self, entry: &Arc<Entry>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() < MAX_LOGGED {
            entries.push(Arc::clone(entry));
        } else {
            self.unlogged.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A run's proxy, from before its helper starts until the run ended.
pub(crate) struct Proxy {
    socket: PathBuf,
    log: PathBuf,
    shared: Arc<ProxyState>,
    allowed: Arc<AllowList>,
    listener: Option<UnixListener>,
    /// The proxy's own listener among those handed over; the others are forwarded.
    proxy_addr: SocketAddr,
}

/// What the `egress.log` in the run folder `dir` says left, for a run whose runner ended before
/// it could sum it up (an abandoned run): `egress log: 3 connections (2 allowed, 1 refused),
/// 1234 bytes sent, to api.example.com:443`. `None` without a log.
pub(crate) fn logged(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(LOG_FILE)).ok()?;
    // The last line of each connection says the most.
    let mut last: std::collections::BTreeMap<u64, serde_json::Value> = Default::default();
    for line in text.lines() {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(line) {
            let id = value["id"].as_u64().unwrap_or(last.len() as u64);
            last.insert(id, value);
        }
    }
    let allowed = last.values().filter(|c| c["allowed"] == true).count();
    let sent: u64 = last.values().filter_map(|c| c["bytes_sent"].as_u64()).sum();
    let mut targets: Vec<String> = last
        .values()
        .filter(|c| c["allowed"] == true)
        .filter_map(|c| Some(format!("{}:{}", c["host"].as_str()?, c["port"].as_u64()?)))
        .collect();
    targets.sort();
    targets.dedup();
    let mut summary = format!(
        "egress log: {} connections ({allowed} allowed, {} refused), {sent} bytes sent",
        last.len(),
        last.len() - allowed
    );
    if !targets.is_empty() {
        summary.push_str(&format!(", to {}", targets.join(", ")));
    }
    Some(summary)
}

/// What went through a run's proxy, for its `egress` layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) connections: usize,
    pub(crate) refused: usize,
    pub(crate) failed: usize,
    /// Why the proxy never got its listeners, or could not listen on some.
    pub(crate) problems: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "proxy: {} connection{}, {} refused",
            self.connections,
            if self.connections == 1 { "" } else { "s" },
            self.refused
        )?;
        if self.failed > 0 {
            write!(f, ", {} failed", self.failed)?;
        }
        for problem in &self.problems {
            write!(f, "; {problem}")?;
        }
        Ok(())
    }
}

impl Proxy {
    /// Binds the hand-over socket in `run_dir` and plans the run's listeners for `hosts`.
    pub(crate) fn prepare(run_dir: &Path, hosts: &[HostPort]) -> io::Result<(EgressPlan, Self)> {
        crate::workspace::private::create_dirs(run_dir)?;
        let socket = run_dir.join(SOCKET_FILE);
        let _ = std::fs::remove_file(&socket);
        // Bound through the folder's descriptor: the run's path may be longer than a Unix
        // socket's address can hold.
        let folder = std::fs::File::open(run_dir)?;
        let short = format!("/proc/self/fd/{}/{SOCKET_FILE}", folder.as_raw_fd());
        let listener = UnixListener::bind(short)?;
        drop(folder);
        let forward = forwarded(hosts);
        let plan = EgressPlan {
            socket: socket.clone(),
            proxy_port: proxy_port(&forward),
            forward,
        };
        let log = run_dir.join(LOG_FILE);
        let shared = ProxyState {
            journal: Arc::new(Journal::open(&log)),
            ..ProxyState::default()
        };
        let proxy = Proxy {
            socket,
            log,
            shared: Arc::new(shared),
            allowed: Arc::new(AllowList::new(hosts)),
            listener: Some(listener),
            proxy_addr: SocketAddr::from(([127, 0, 0, 1], plan.proxy_port)),
        };
        Ok((plan, proxy))
    }

    /// Starts waiting for the helper's listeners, then serving them.
    pub(crate) fn start(&mut self) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        let shared = Arc::clone(&self.shared);
        let allowed = Arc::clone(&self.allowed);
        let proxy_addr = self.proxy_addr;
        self.shared.spawn(async move {
            let received = receive(listener).await;
            let listeners = match received {
                Ok((handover, fds)) => {
                    let pairs: Vec<(SocketAddr, OwnedFd)> =
                        handover.listening.iter().copied().zip(fds).collect();
                    *shared
                        .handover
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(Ok(handover));
                    pairs
                }
                Err(e) => {
                    *shared
                        .handover
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(Err(e.to_string()));
                    return;
                }
            };
            for (addr, fd) in listeners {
                let listener = std::net::TcpListener::from(fd);
                let Ok(listener) = listener
                    .set_nonblocking(true)
                    .and_then(|()| TcpListener::from_std(listener))
                else {
                    continue;
                };
                // One is the proxy's; the others are forwarded as they are.
                let forward_to = (addr != proxy_addr).then_some(addr);
                let (shared2, allowed2) = (Arc::clone(&shared), Arc::clone(&allowed));
                shared.spawn(accept_loop(listener, forward_to, shared2, allowed2));
            }
        });
    }

    /// Ends every task and socket of the proxy, writes the run's `egress.log` and sums it up.
    pub(crate) async fn finish(mut self) -> Summary {
        drop(self.listener.take());
        let _ = std::fs::remove_file(&self.socket);
        // The tool may have connected just before it exited, and the connection still waits
        // in a listener's queue: the accept loops take those, then stop, and no connection
        // is accepted any more.
        self.shared.closing.cancel();
        ProxyState::end_all(&self.shared.tasks, STOP).await;
        // Connections open may still carry what the tool wrote just before it exited: they
        // end on their own once both sides closed, within `DRAIN`, and are cut after it (a
        // tunnel the far side keeps open).
        ProxyState::end_all(&self.shared.connections, DRAIN).await;
        let entries: Vec<Arc<Entry>> = std::mem::take(
            &mut *self
                .shared
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let mut text = String::new();
        let mut summary = Summary {
            connections: entries.len() + self.shared.unlogged.load(Ordering::Relaxed) as usize,
            refused: 0,
            failed: 0,
            problems: Vec::new(),
        };
        for entry in &entries {
            // Cut off by the run's end: a tunnel still open, a request never read.
            entry.update(|f| match f.outcome.as_deref() {
                Some("open") => f.outcome = Some("open at the run's end".to_string()),
                None => f.outcome = Some("no request before the run's end".to_string()),
                _ => {}
            });
            let fields = entry.fields();
            if fields.allowed != Some(true) {
                summary.refused += 1;
            } else if fields.failed {
                summary.failed += 1;
            }
            text.push_str(&entry.json().to_string());
            text.push('\n');
        }
        let unlogged = self.shared.unlogged.load(Ordering::Relaxed);
        if unlogged > 0 {
            summary.problems.push(format!(
                "{unlogged} connections past the first {MAX_LOGGED} not logged"
            ));
        }
        // The lines written as they happened give way to one line a connection, whole.
        self.shared.journal.close();
        let whole = self.log.with_extension("log.new");
        let written = crate::workspace::private::write(&whole, text)
            .and_then(|()| std::fs::rename(&whole, &self.log));
        if let Err(e) = written {
            summary
                .problems
                .push(format!("cannot write {LOG_FILE}: {e}"));
        }
        match self
            .shared
            .handover
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(Ok(handover)) => summary.problems.extend(handover.failed),
            Some(Err(e)) => summary.problems.push(format!("no listeners: {e}")),
            None => summary
                .problems
                .push("no listeners: the sandbox never handed them over".to_string()),
        }
        summary
    }
}

impl Drop for Proxy {
    /// A run dropped before its end (its caller went away) still takes the proxy with it.
    fn drop(&mut self) {
        for tasks in [&self.shared.tasks, &self.shared.connections] {
            for task in std::mem::take(&mut *tasks.lock().unwrap_or_else(PoisonError::into_inner)) {
                task.abort();
            }
        }
        if self.listener.take().is_some() || Path::new(&self.socket).exists() {
            let _ = std::fs::remove_file(&self.socket);
        }
    }
}

/// Waits for the helper, then takes its listeners: the addresses and one descriptor each.
async fn receive(listener: UnixListener) -> io::Result<(HandOver, Vec<OwnedFd>)> {
    let (stream, _) = listener.accept().await?;
    drop(listener);
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(HANDOVER_TIMEOUT))?;
    tokio::task::spawn_blocking(move || read_handover(&stream))
        .await
        .map_err(io::Error::other)?
}

fn read_handover(stream: &std::os::unix::net::UnixStream) -> io::Result<(HandOver, Vec<OwnedFd>)> {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, recvmsg};
    use std::io::Read;
    let mut space =
        vec![std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_LISTENERS))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut bytes = vec![0u8; 64 * 1024];
    let got = recvmsg(
        stream,
        &mut [io::IoSliceMut::new(&mut bytes)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    bytes.truncate(got.bytes);
    let mut rest = Vec::new();
    let reader = stream;
    reader.take(64 * 1024).read_to_end(&mut rest)?;
    bytes.extend(rest);
    let handover: HandOver = serde_json::from_slice(&bytes).map_err(io::Error::other)?;
    Ok((handover, fds))
}

/// Serves `listener` until the run ends, then the connections still waiting in its queue.
async fn accept_loop(
    listener: TcpListener,
    forward_to: Option<SocketAddr>,
    shared: Arc<ProxyState>,
    allowed: Arc<AllowList>,
) {
    loop {
        // Past `MAX_OPEN` at once, the next connection waits in the listener's queue.
        let permit = tokio::select! {
            biased;
            () = shared.closing.cancelled() => break,
            permit = Arc::clone(&shared.open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        // `accept` is cancel-safe: at the run's end a connection not yet taken stays queued
        // for `take_waiting`.
        let accepted = tokio::select! {
            biased;
            () = shared.closing.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((client, _)) => take_connection(client, permit, forward_to, &shared, &allowed),
            Err(_) => {
                // Out of descriptors, or the like: try again in a moment, never spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    take_waiting(&listener, forward_to, &shared, &allowed);
}

/// Takes every connection already in `listener`'s queue, without waiting. Asks the socket,
/// not tokio's readiness: that may not have seen the last ones yet.
fn take_waiting(
    listener: &TcpListener,
    forward_to: Option<SocketAddr>,
    shared: &ProxyState,
    allowed: &Arc<AllowList>,
) {
    use rustix::io::Errno;
    use rustix::net::{SocketFlags, accept_with};
    // Still `MAX_OPEN` at most: past it the rest go with the listener, as a flood's would;
    // waiting for a permit would hold the run's end.
    while let Ok(permit) = Arc::clone(&shared.open).try_acquire_owned() {
        match accept_with(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC) {
            Ok(fd) => {
                if let Ok(client) = TcpStream::from_std(std::net::TcpStream::from(fd)) {
                    take_connection(client, permit, forward_to, shared, allowed);
                }
            }
            // Interrupted, or one reset while it waited: the next may be fine.
            Err(Errno::INTR | Errno::CONNABORTED) => {}
            // `WOULDBLOCK`: none left.
            Err(_) => return,
        }
    }
}

/// Records a connection the tool made and serves it, holding `permit` until it ends.
fn take_connection(
    client: TcpStream,
    permit: OwnedSemaphorePermit,
    forward_to: Option<SocketAddr>,
    shared: &ProxyState,
    allowed: &Arc<AllowList>,
) {
    let id = shared.taken.fetch_add(1, Ordering::Relaxed);
    let via = if forward_to.is_some() {
        "forward"
    } else {
        "proxy"
    };
    let entry = Entry::new(via, id, &shared.journal);
    shared.record(&entry);
    match forward_to {
        Some(addr) => shared.spawn_connection(async move {
            forward(client, addr, entry).await;
            drop(permit);
        }),
        None => {
            let allowed = Arc::clone(allowed);
            shared.spawn_connection(async move {
                serve(client, allowed, entry).await;
                drop(permit);
            });
        }
    }
}

/// A connection to a forwarded loopback address: to the host's same one.
async fn forward(client: TcpStream, addr: SocketAddr, entry: Arc<Entry>) {
    entry.update(|f| {
        f.host = Some(addr.ip().to_string());
        f.port = Some(addr.port());
        f.allowed = Some(true);
        f.outcome = Some("connecting".to_string());
    });
    entry.log();
    match dial(&addr.ip().to_string(), addr.port()).await {
        Ok(target) => {
            entry.update(|f| f.outcome = Some("forwarded".to_string()));
            pipe(client, target, Vec::new(), &entry).await;
            entry.update(|f| f.outcome = Some("forwarded, closed".to_string()));
        }
        Err(e) => entry.update(|f| {
            f.failed = true;
            f.outcome = Some(e);
        }),
    }
    entry.log();
}

/// One client of the proxy: its request, the check, the target, the bytes.
async fn serve(mut client: TcpStream, allowed: Arc<AllowList>, entry: Arc<Entry>) {
    let request = match read_head(&mut client, HEAD_TIMEOUT).await {
        Ok((head, rest)) => parse_head(&head).map(|r| (r, rest)),
        Err(e) => Err(e),
    };
    let (request, rest) = match request {
        Ok(pair) => pair,
        Err(bad) => {
            entry.update(|f| {
                f.allowed = Some(false);
                f.outcome = Some(format!("bad request: {bad}"));
            });
            entry.log();
            if !matches!(bad, BadRequest::Closed | BadRequest::Idle) {
                answer(&mut client, "400 Bad Request", &bad.to_string()).await;
            }
            return;
        }
    };
    let (host, port) = request.target();
    let (host, port) = (host.to_string(), port);
    let permitted = allowed.permits(&host, port);
    entry.update(|f| {
        f.method = Some(request.method().to_string());
        f.host = Some(host.clone());
        f.port = Some(port);
        f.allowed = Some(permitted);
        f.outcome = Some("connecting".to_string());
    });
    if !permitted {
        let reason = format!("{host}:{port} is not in the tool's network list");
        entry.update(|f| f.outcome = Some(format!("refused: {reason}")));
        entry.log();
        answer(&mut client, "403 Forbidden", &reason).await;
        return;
    }
    // Written down before a byte of it leaves.
    entry.log();
    let mut target = match dial(&host, port).await {
        Ok(target) => target,
        Err(e) => {
            let status = if e.contains("timed out") {
                "504 Gateway Timeout"
            } else {
                "502 Bad Gateway"
            };
            entry.update(|f| {
                f.failed = true;
                f.outcome = Some(e.clone());
            });
            entry.log();
            answer(&mut client, status, &e).await;
            return;
        }
    };
    let first = match request {
        Request::Connect { .. } => {
            if client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            rest
        }
        Request::Http { head, .. } => {
            if target.write_all(&head).await.is_err() {
                return;
            }
            entry.sent.fetch_add(head.len() as u64, Ordering::Relaxed);
            rest
        }
    };
    entry.update(|f| f.outcome = Some("open".to_string()));
    pipe(client, target, first, &entry).await;
    entry.update(|f| f.outcome = Some("closed".to_string()));
    entry.log();
}

async fn dial(host: &str, port: u16) -> Result<TcpStream, String> {
    let host = bare_host(host);
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host.as_str(), port))).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(format!("cannot connect to {host}:{port}: {e}")),
        Err(_) => Err(format!(
            "connect to {host}:{port} timed out after {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

async fn answer(client: &mut TcpStream, status: &str, reason: &str) {
    let body = format!("{reason}\n");
    let text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(text.as_bytes()).await;
    let _ = client.shutdown().await;
}

/// Bytes both ways until both sides closed (each close passed on to the other side), or the
/// run ends; `first` goes to the target before anything else.
async fn pipe(client: TcpStream, mut target: TcpStream, first: Vec<u8>, entry: &Entry) {
    if !first.is_empty() {
        if target.write_all(&first).await.is_err() {
            return;
        }
        entry.sent.fetch_add(first.len() as u64, Ordering::Relaxed);
    }
    let (mut client_in, mut client_out) = client.into_split();
    let (mut target_in, mut target_out) = target.into_split();
    tokio::join!(
        copy(&mut client_in, &mut target_out, &entry.sent),
        copy(&mut target_in, &mut client_out, &entry.received),
    );
}

async fn copy<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    from: &mut R,
    to: &mut W,
    counted: &AtomicU64,
) {
    let mut buf = vec![0u8; COPY_BYTES];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                counted.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    let _ = to.shutdown().await;
}

/// Keeps `handle` with the live ones of `tasks`: a run may make many short connections.
fn keep_live(tasks: &Mutex<Vec<JoinHandle<()>>>, handle: JoinHandle<()>) {
    let mut tasks = tasks.lock().unwrap_or_else(PoisonError::into_inner);
    tasks.retain(|task| !task.is_finished());
    tasks.push(handle);
}

#[cfg(test)]
mod tests;
