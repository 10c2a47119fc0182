//! The generic adapter: one JSON line `{"message", "context"}` to the service's port, one line
//! back. A JSON answer's `response` or `content` field is the answer, else the whole line.
//! A JSON object with `"ok": false`, or with an `error` field that is neither `null` nor
//! `false`, is a failure: its reason is `error` (else `message`, else the answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The longest answer line read; past it the exchange fails rather than grow without end.
const MAX_LINE: u64 = 4 * 1024 * 1024;

/// What went wrong with one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExchangeError {
    /// Nothing listens on the port (the service died or never bound it).
    Refused(String),
    Timeout(Duration),
    /// The service answered that the request failed, with its reason.
    Failed(String),
    Other(String),
}

impl std::fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExchangeError::Refused(reason) => write!(f, "cannot connect: {reason}"),
            ExchangeError::Timeout(t) => write!(f, "no answer within {} s", t.as_secs_f64()),
            ExchangeError::Failed(reason) => {
                write!(f, "the service answered with an error: {reason}")
            }
            ExchangeError::Other(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for ExchangeError {}

/// The line sent for `message` with `context`.
pub(crate) fn request_line(message: &str, context: &Value) -> String {
    json!({ "message": message, "context": context }).to_string()
}

/// The answer in a line the service sent, or the failure it reports (module docs).
pub(crate) fn reply_of(line: &str) -> Result<String, ExchangeError> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
        return Ok(line.to_string());
    };
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let answer = map
        .get("response")
        .or_else(|| map.get("content"))
        .map_or_else(|| line.to_string(), text);
    let error = map
        .get("error")
        .filter(|e| !matches!(e, Value::Null | Value::Bool(false)));
    if error.is_none() && map.get("ok") != Some(&Value::Bool(false)) {
        return Ok(answer);
    }
    let reason = error.or_else(|| map.get("message")).map_or(answer, text);
    Err(ExchangeError::Failed(reason))
}

/// A connection to 127.0.0.1:`port`, within `timeout`. Refused when it is a connection to
/// itself: with nothing listening on a port of the ephemeral range, the kernel may give the
/// connecting socket that very port, and TCP's simultaneous open then connects it to itself,
/// which no service answered.
pub(crate) fn connect(port: u16, timeout: Duration) -> std::io::Result<TcpStream> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    not_itself(TcpStream::connect_timeout(&addr, timeout)?)
}

/// `stream`, unless it is connected to itself.
fn not_itself(stream: TcpStream) -> std::io::Result<TcpStream> {
    if stream.local_addr()? == stream.peer_addr()? {
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "nothing listens (the connection met itself)",
        ));
    }
    Ok(stream)
}

/// Sends `line` to 127.0.0.1:`port` and returns the first line back (without its newline),
/// all within `timeout`.
pub(crate) fn exchange(port: u16, line: &str, timeout: Duration) -> Result<String, ExchangeError> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(port, timeout).map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => ExchangeError::Timeout(timeout),
        _ => ExchangeError::Refused(crate::io_text::io_reason(&e)),
    })?;
    let _ = stream.set_nodelay(true);
    let other = |e: std::io::Error| ExchangeError::Other(crate::io_text::io_reason(&e));
    stream.set_write_timeout(Some(timeout)).map_err(other)?;
    stream
        .write_all(format!("{line}\n").as_bytes())
        .map_err(other)?;
    let mut reader = BufReader::new((&stream).take(MAX_LINE));
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ExchangeError::Timeout(timeout));
        }
        stream.set_read_timeout(Some(left)).map_err(other)?;
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) if bytes.is_empty() => {
                return Err(ExchangeError::Other(
                    "the service closed the connection without answering".to_string(),
                ));
            }
            Ok(_) if bytes.ends_with(b"\n") || bytes.len() as u64 >= MAX_LINE => break,
            // The peer closed after a last line without a newline: that is the answer.
            Ok(0) => break,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(ExchangeError::Timeout(timeout));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(other(e)),
        }
    }
    if bytes.len() as u64 >= MAX_LINE && !bytes.ends_with(b"\n") {
        return Err(ExchangeError::Other(format!(
            "the answer is longer than {} MiB",
            MAX_LINE / 1024 / 1024
        )));
    }
    Ok(String::from_utf8_lossy(&bytes)
        .trim_end_matches(['\n', '\r'])
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket bound to a port and connected to that same port, as the kernel may make one
    /// when it picks the port being connected to as the connecting socket's own.
    fn connected_to_itself() -> TcpStream {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a descriptor this function owns, with a sockaddr_in
        // it fills; the descriptor is handed to TcpStream, which closes it.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket");
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let at = &mut addr as *mut libc::sockaddr_in as *mut libc::sockaddr;
            assert_eq!(libc::bind(fd, at, len), 0, "bind");
            let mut got = len;
            assert_eq!(libc::getsockname(fd, at, &mut got), 0, "getsockname");
            assert_eq!(libc::connect(fd, at, len), 0, "connect to itself");
            TcpStream::from_raw_fd(fd)
        }
    }

    #[test]
    fn a_connection_that_met_itself_is_refused_and_a_real_one_kept() {
        let met = not_itself(connected_to_itself()).expect_err("itself");
        assert_eq!(met.kind(), std::io::ErrorKind::ConnectionRefused);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        assert!(
            connect(port, Duration::from_secs(2)).is_ok(),
            "a listener answers"
        );
    }

    #[test]
    fn answers_come_from_response_then_content_then_the_line() {
        let answer = |line| reply_of(line).expect("an answer");
        assert_eq!(answer(r#"{"response": "hi", "content": "no"}"#), "hi");
        assert_eq!(answer(r#"{"content": {"a": 1}}"#), r#"{"a":1}"#);
        assert_eq!(answer(r#"{"echo": "x"}"#), r#"{"echo": "x"}"#);
        assert_eq!(answer("plain words"), "plain words");
        assert_eq!(
            answer(r#"{"ok": true, "error": null, "response": "y"}"#),
            "y"
        );
        assert_eq!(answer(r#"{"error": false, "response": "y"}"#), "y");
        assert_eq!(
            request_line("hi", &json!({"k": 1})),
            r#"{"context":{"k":1},"message":"hi"}"#
        );
    }

    #[test]
    fn ok_false_or_an_error_field_is_a_failure_with_its_reason() {
        let failed = |line| match reply_of(line) {
            Err(ExchangeError::Failed(reason)) => reason,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            failed(r#"{"ok": false, "error": "no such key"}"#),
            "no such key"
        );
        assert_eq!(failed(r#"{"error": {"code": 4}}"#), r#"{"code":4}"#);
        assert_eq!(failed(r#"{"ok": false, "message": "full"}"#), "full");
        assert_eq!(failed(r#"{"ok": false, "response": "nope"}"#), "nope");
        assert_eq!(failed(r#"{"ok": false}"#), r#"{"ok": false}"#);
    }

    #[test]
    fn a_silent_peer_is_a_timeout_and_a_plain_one_is_text() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut first, _) = listener.accept().expect("accept");
            let mut buf = [0u8; 64];
            let _ = first.read(&mut buf);
            let (mut second, _) = listener.accept().expect("accept");
            let _ = second.read(&mut buf);
            let _ = second.write_all(b"plain\n");
            drop(first);
        });
        let err = exchange(port, "{}", Duration::from_millis(200)).expect_err("silent");
        assert_eq!(err, ExchangeError::Timeout(Duration::from_millis(200)));
        assert_eq!(
            exchange(port, "{}", Duration::from_secs(5)),
            Ok("plain".into())
        );
        server.join().expect("server");
    }
}
