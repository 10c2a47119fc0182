use super::*;

fn hosts(list: &[&str]) -> Vec<HostPort> {
    list.iter().map(|h| h.parse().expect("host")).collect()
}

#[test]
fn a_connect_line_names_its_host_and_port() {
    let head = b"CONNECT API.GitHub.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n";
    assert_eq!(
        parse_head(head),
        Ok(Request::Connect {
            host: "api.github.com".into(),
            port: 443
        })
    );
    let v6 = parse_head(b"CONNECT [::1]:8080 HTTP/1.1\r\n\r\n");
    assert_eq!(
        v6,
        Ok(Request::Connect {
            host: "::1".into(),
            port: 8080
        })
    );
}

#[test]
fn an_absolute_uri_is_forwarded_in_origin_form_without_proxy_headers() {
    let head = b"GET http://Example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\
                 Proxy-Connection: keep-alive\r\nConnection: keep-alive\r\nAccept: */*\r\n\r\n";
    let Ok(Request::Http {
        method,
        host,
        port,
        head,
    }) = parse_head(head)
    else {
        panic!("not an http request");
    };
    assert_eq!(
        (method.as_str(), host.as_str(), port),
        ("GET", "example.com", 8080)
    );
    assert_eq!(
        String::from_utf8(head).expect("utf-8"),
        "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    let Ok(Request::Http { port, head, .. }) = parse_head(b"HEAD http://h HTTP/1.0\r\n\r\n") else {
        panic!("not an http request");
    };
    assert_eq!(port, 80);
    assert!(head.starts_with(b"HEAD / HTTP/1.0\r\n"));
}

#[test]
fn bad_requests_are_refused_with_their_reason() {
    let bad = |head: &[u8]| parse_head(head).expect_err("refused");
    assert_eq!(bad(b"GET\r\n\r\n"), BadRequest::Line);
    assert_eq!(bad(b"GET / HTTP/1.1 extra\r\n\r\n"), BadRequest::Line);
    assert_eq!(bad(b"G@T http://h/ HTTP/1.1\r\n\r\n"), BadRequest::Line);
    assert_eq!(bad(b"GET http://h/ SPDY/3\r\n\r\n"), BadRequest::Line);
    assert_eq!(bad(b"\xff\xfe / HTTP/1.1\r\n\r\n"), BadRequest::Line);
    // An origin-form request is for a server, not a proxy.
    assert_eq!(
        bad(b"GET /x HTTP/1.1\r\n\r\n"),
        BadRequest::Target("/x".into())
    );
    assert_eq!(
        bad(b"GET https://h/ HTTP/1.1\r\n\r\n"),
        BadRequest::Scheme("https://".into())
    );
    assert!(matches!(
        bad(b"CONNECT h HTTP/1.1\r\n\r\n"),
        BadRequest::Target(_)
    ));
    assert!(matches!(
        bad(b"CONNECT h:0 HTTP/1.1\r\n\r\n"),
        BadRequest::Target(_)
    ));
    assert!(matches!(
        bad(b"CONNECT h:99999 HTTP/1.1\r\n\r\n"),
        BadRequest::Target(_)
    ));
    assert!(matches!(
        bad(b"CONNECT [zz]:1 HTTP/1.1\r\n\r\n"),
        BadRequest::Target(_)
    ));
    assert!(matches!(
        bad(b"GET http://u@h/ HTTP/1.1\r\n\r\n"),
        BadRequest::Target(_)
    ));
}

#[tokio::test]
async fn an_over_long_header_is_refused_not_waited_for() {
    let (mut client, mut server) = tokio::io::duplex(64 * 1024);
    let mut head = b"GET http://h/ HTTP/1.1\r\nX: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', HEAD_LIMIT + 10));
    // The client never ends its head and keeps the connection open.
    client.write_all(&head).await.expect("write");
    let read = read_head(&mut server, Duration::from_secs(5)).await;
    assert_eq!(read, Err(BadRequest::TooLong));
}

#[tokio::test]
async fn a_silent_client_times_out_and_a_closed_one_is_told_apart() {
    let (_client, mut server) = tokio::io::duplex(1024);
    let read = read_head(&mut server, Duration::from_millis(100)).await;
    assert_eq!(read, Err(BadRequest::Idle));
    let (mut client, mut server) = tokio::io::duplex(1024);
    client
        .write_all(b"CONNECT h:1 HTTP/1.1\r\n")
        .await
        .expect("write");
    drop(client);
    let read = read_head(&mut server, Duration::from_secs(5)).await;
    assert_eq!(read, Err(BadRequest::Closed));
}

#[tokio::test]
async fn what_follows_the_head_is_kept_for_the_target() {
    let (mut client, mut server) = tokio::io::duplex(1024);
    client
        .write_all(b"CONNECT h:1 HTTP/1.1\r\n\r\nhello")
        .await
        .expect("write");
    let (head, rest) = read_head(&mut server, Duration::from_secs(5))
        .await
        .expect("head");
    assert_eq!(head, b"CONNECT h:1 HTTP/1.1\r\n\r\n");
    assert_eq!(rest, b"hello");
}

#[test]
fn only_declared_hosts_and_ports_are_permitted() {
    let allowed = AllowList::new(&hosts(&["api.github.com:443", "127.0.0.1:8080", "[::1]:9"]));
    assert!(allowed.permits("api.github.com", 443));
    assert!(allowed.permits("API.GitHub.COM", 443));
    assert!(!allowed.permits("api.github.com", 80));
    assert!(!allowed.permits("github.com", 443));
    assert!(!allowed.permits("evil.api.github.com", 443));
    assert!(!allowed.permits("api.github.com.evil", 443));
    assert!(allowed.permits("127.0.0.1", 8080));
    assert!(!allowed.permits("localhost", 8080));
    assert!(allowed.permits("::1", 9));
    assert!(allowed.permits("[::1]", 9));
    assert!(allowed.permits("0:0:0:0:0:0:0:1", 9));
}

#[test]
fn loopback_hosts_are_forwarded_and_the_proxy_keeps_clear_of_them() {
    let list = hosts(&[
        "api.github.com:443",
        "localhost:8080",
        "127.0.0.1:8080",
        "[::1]:9",
        "10.0.0.1:80",
    ]);
    let forward = forwarded(&list);
    let expected: Vec<SocketAddr> = vec![
        "127.0.0.1:8080".parse().expect("addr"),
        "[::1]:9".parse().expect("addr"),
    ];
    assert_eq!(forward, expected);
    assert_eq!(proxy_port(&forward), PROXY_PORT);
    let taken = forwarded(&hosts(&["127.0.0.1:3128", "localhost:3129"]));
    assert_eq!(proxy_port(&taken), 3130);
}

#[test]
fn the_summary_counts_connections_and_refusals() {
    let summary = Summary {
        connections: 3,
        refused: 1,
        failed: 0,
        problems: Vec::new(),
    };
    assert_eq!(summary.to_string(), "proxy: 3 connections, 1 refused");
}

/// Plays the helper: connects to the proxy's socket and hands over `listeners`.
fn hand_over(socket: &Path, listeners: &[std::net::TcpListener]) {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags, sendmsg};
    use std::os::fd::{AsFd, BorrowedFd};
    let stream = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    let message = HandOver {
        listening: listeners
            .iter()
            .map(|l| l.local_addr().expect("addr"))
            .collect(),
        failed: Vec::new(),
    };
    let bytes = serde_json::to_vec(&message).expect("json");
    let fds: Vec<BorrowedFd<'_>> = listeners.iter().map(AsFd::as_fd).collect();
    let mut space =
        vec![std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(fds.len()))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
    let sent = sendmsg(
        &stream,
        &[std::io::IoSlice::new(&bytes)],
        &mut control,
        SendFlags::empty(),
    )
    .expect("sendmsg");
    assert_eq!(sent, bytes.len());
}

/// A proxy for `declared`, started, its listener (a stand-in for the one the helper makes
/// inside the run's namespace) handed over as the helper does. Returns the proxy, the
/// listener's address and the plan the helper was given.
async fn started_proxy(dir: &Path, declared: &[HostPort]) -> (Proxy, SocketAddr, EgressPlan) {
    let (plan, mut proxy) = Proxy::prepare(dir, declared).expect("prepare");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let addr = listener.local_addr().expect("addr");
    proxy.proxy_addr = addr;
    proxy.start();
    let socket = plan.socket.clone();
    tokio::task::spawn_blocking(move || hand_over(&socket, &[listener]))
        .await
        .expect("hand over");
    (proxy, addr, plan)
}

/// At the run's end every task and socket of the proxy goes: its listener accepts no more,
/// a tunnel still open and a client that never sent a word both see the end, and the log
/// holds them all.
#[tokio::test]
async fn nothing_of_the_proxy_outlives_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = std::net::TcpListener::bind("127.0.0.1:0").expect("target");
    let target_port = target.local_addr().expect("addr").port();
    let declared = hosts(&[&format!("127.0.0.1:{target_port}")]);
    let (proxy, proxy_addr, plan) = started_proxy(dir.path(), &declared).await;
    assert_eq!(plan.forward.len(), 1);

    let mut tunnel = TcpStream::connect(proxy_addr).await.expect("tunnel");
    tunnel
        .write_all(format!("CONNECT 127.0.0.1:{target_port} HTTP/1.1\r\n\r\nhi").as_bytes())
        .await
        .expect("request");
    let mut answer = [0u8; 39];
    tunnel.read_exact(&mut answer).await.expect("answer");
    assert_eq!(&answer, b"HTTP/1.1 200 Connection established\r\n\r\n");
    let mut idle = TcpStream::connect(proxy_addr).await.expect("idle");
    // Both are the proxy's now.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let summary = proxy.finish().await;
    assert_eq!(summary.connections, 2, "{summary}");
    assert_eq!(summary.refused, 1, "the idle one never asked: {summary}");
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(2), tunnel.read_to_end(&mut rest)).await;
    assert!(matches!(ended, Ok(Ok(0)) | Ok(Err(_))), "{ended:?}");
    let ended = tokio::time::timeout(Duration::from_secs(2), idle.read_to_end(&mut rest)).await;
    assert!(matches!(ended, Ok(Ok(0)) | Ok(Err(_))), "{ended:?}");
    assert!(
        TcpStream::connect(proxy_addr).await.is_err(),
        "the proxy's listener still accepts"
    );
    assert!(!plan.socket.exists());
    let log = std::fs::read_to_string(dir.path().join(LOG_FILE)).expect("log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(lines[0]["bytes_sent"], 2, "{log}");
    assert_eq!(lines[0]["outcome"], "open at the run's end", "{log}");
}

/// A run that opens connections without end holds at most `MAX_OPEN` of the runner's: the
/// rest wait in the listener's queue until the run ends.
#[tokio::test]
async fn a_flood_of_connections_is_served_only_so_many_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (proxy, addr, _) = started_proxy(dir.path(), &hosts(&["h.example:1"])).await;
    let mut clients = Vec::new();
    for _ in 0..MAX_OPEN + 40 {
        clients.push(TcpStream::connect(addr).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let summary = proxy.finish().await;
    assert_eq!(summary.connections, MAX_OPEN, "{summary}");
}

/// A run dropped before its end (its caller went away) takes the proxy with it too.
#[tokio::test]
async fn a_dropped_proxy_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (proxy, addr, plan) = started_proxy(dir.path(), &hosts(&["h.example:1"])).await;
    let mut client = TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(proxy);
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(2), client.read_to_end(&mut rest)).await;
    assert!(matches!(ended, Ok(Ok(0)) | Ok(Err(_))), "{ended:?}");
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
    assert!(!plan.socket.exists());
}

/// A tool that sends its request and exits at once: the run's end comes while the proxy is
/// still passing the request on, and the far side gets all of it, not a cut connection.
#[tokio::test]
async fn what_a_tool_sent_just_before_its_end_still_arrives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = std::net::TcpListener::bind("127.0.0.1:0").expect("target");
    let target_port = target.local_addr().expect("addr").port();
    let (accepted, on_accept) = tokio::sync::oneshot::channel();
    let heard = tokio::task::spawn_blocking(move || {
        // Never an accept without an end: a proxy that never dials fails the test in time.
        target.set_nonblocking(true).expect("non-blocking");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut peer = loop {
            match target.accept() {
                Ok((peer, _)) => break peer,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the proxy never dialled"
                    );
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        };
        peer.set_nonblocking(false).expect("blocking");
        let _ = accepted.send(());
        peer.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut peer, &mut bytes);
        bytes
    });
    let declared = hosts(&[&format!("127.0.0.1:{target_port}")]);
    let (proxy, proxy_addr, _) = started_proxy(dir.path(), &declared).await;

    let mut client = TcpStream::connect(proxy_addr).await.expect("client");
    client
        .write_all(format!("CONNECT 127.0.0.1:{target_port} HTTP/1.1\r\n\r\n").as_bytes())
        .await
        .expect("request");
    // Read, so the close below is a close and not a reset that drops what is in flight.
    let mut answer = [0u8; 39];
    client.read_exact(&mut answer).await.expect("answer");
    // More than the sockets' buffers hold: much of it is still in flight at the end.
    let payload = vec![b'x'; 16 * 1024 * 1024];
    client.write_all(&payload).await.expect("payload");
    // The proxy has taken the connection and dialled the target; the tool exits now, and the
    // run ends at once, as the tool's exit would end it.
    tokio::time::timeout(Duration::from_secs(5), on_accept)
        .await
        .expect("the proxy dialled the target")
        .expect("accepted");
    client.shutdown().await.expect("close");
    drop(client);
    let summary = proxy.finish().await;
    let heard = heard.await.expect("target");
    assert_eq!(heard.len(), payload.len(), "{summary}");
}

/// A tool that connects, sends a request and exits before the proxy took the connection: at
/// the run's end it still waits in the listener's queue, and is served all the same.
#[tokio::test(flavor = "current_thread")]
async fn a_connection_still_waiting_to_be_accepted_at_the_end_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = TcpListener::bind("127.0.0.1:0").await.expect("target");
    let target_port = target.local_addr().expect("addr").port();
    let heard = tokio::spawn(async move {
        let heard = async {
            let (mut peer, _) = target.accept().await?;
            let mut bytes = Vec::new();
            peer.read_to_end(&mut bytes).await?;
            io::Result::Ok(bytes)
        };
        tokio::time::timeout(Duration::from_secs(5), heard).await
    });
    let declared = hosts(&[&format!("127.0.0.1:{target_port}")]);
    let (proxy, proxy_addr, _) = started_proxy(dir.path(), &declared).await;
    handed_over(&proxy).await;

    // Blocking calls on the runtime's only thread: no task of the proxy runs before `finish`,
    // so the connection, with all the tool sent, is still in the listener's queue at the end.
    let body = vec![b'x'; 32 * 1024];
    let head = format!(
        "POST http://127.0.0.1:{target_port}/upload HTTP/1.1\r\n\
         Host: 127.0.0.1:{target_port}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut client = std::net::TcpStream::connect(proxy_addr).expect("client");
    std::io::Write::write_all(&mut client, head.as_bytes()).expect("head");
    std::io::Write::write_all(&mut client, &body).expect("body");
    drop(client);
    let summary = proxy.finish().await;

    let heard = heard
        .await
        .expect("target")
        .expect("the far side got a connection within 5 s")
        .expect("read");
    assert!(heard.starts_with(b"POST /upload HTTP/1.1\r\n"), "{summary}");
    assert!(heard.ends_with(&body), "{} bytes: {summary}", heard.len());
    assert_eq!((summary.connections, summary.refused), (1, 0), "{summary}");
    let log = std::fs::read_to_string(dir.path().join(LOG_FILE)).expect("log");
    let line: serde_json::Value = serde_json::from_str(log.trim_end()).expect("one line");
    assert_eq!(line["method"], "POST", "{log}");
    assert_eq!(line["outcome"], "closed", "{log}");
    assert_eq!(line["bytes_sent"], heard.len(), "{log}");
}

/// Waits until the proxy recorded the hand-over, as it spawns its accept loops.
async fn handed_over(proxy: &Proxy) {
    let recorded = async {
        while proxy
            .shared
            .handover
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), recorded)
        .await
        .expect("handed over");
}

/// The agent's way out through the end of a run: a request to an undeclared port, sent as the
/// tool exits, waits in the listener's queue and is taken by the drain at the run's end. The
/// drain applies the same allow list: the undeclared listener hears nothing.
#[tokio::test]
async fn a_connection_taken_at_the_end_is_refused_like_any_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let declared_target = TcpListener::bind("127.0.0.1:0").await.expect("declared");
    let undeclared = TcpListener::bind("127.0.0.1:0").await.expect("undeclared");
    let undeclared_port = undeclared.local_addr().expect("addr").port();
    let declared = hosts(&[&format!(
        "127.0.0.1:{}",
        declared_target.local_addr().expect("addr").port()
    )]);
    let (proxy, proxy_addr, _) = started_proxy(dir.path(), &declared).await;
    handed_over(&proxy).await;

    // As above: on the runtime's only thread, the connection is still queued at the end.
    let secret = b"the user's secret";
    let head = format!(
        "POST http://127.0.0.1:{undeclared_port}/leak HTTP/1.1\r\n\
         Host: 127.0.0.1:{undeclared_port}\r\nContent-Length: {}\r\n\r\n",
        secret.len()
    );
    let mut client = std::net::TcpStream::connect(proxy_addr).expect("client");
    std::io::Write::write_all(&mut client, head.as_bytes()).expect("head");
    std::io::Write::write_all(&mut client, secret).expect("body");
    drop(client);
    let summary = proxy.finish().await;

    let heard = tokio::time::timeout(Duration::from_millis(500), undeclared.accept()).await;
    assert!(heard.is_err(), "the undeclared port was reached: {summary}");
    assert_eq!((summary.connections, summary.refused), (1, 1), "{summary}");
}
