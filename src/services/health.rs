//! Health checks: is the service ready for messages yet?

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::adapter;

/// Why one probe failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProbeError {
    #[error(transparent)]
    Exchange(#[from] adapter::ExchangeError),
    #[error("cannot connect to port {port}: {error}")]
    Connect { port: u16, error: std::io::Error },
    #[error("GET {path}: {error}")]
    Get { path: String, error: std::io::Error },
    #[error("GET {path} answered {status:?}")]
    Status { path: String, status: String },
    #[error("unknown health check {0:?}")]
    Unknown(String),
}

/// One probe of `check` against 127.0.0.1:`port`; `Err` says what failed.
pub(crate) fn probe(check: &str, port: u16, timeout: Duration) -> Result<(), ProbeError> {
    match check {
        "none" => Ok(()),
        "tcp" => connect(port, timeout).map(drop),
        "ping" | "version" | "status" => {
            let line = adapter::request_line(check, &serde_json::json!({}));
            Ok(adapter::exchange(port, &line, timeout).map(drop)?)
        }
        http if http.starts_with("http:/") => http_get(port, &http["http:".len()..], timeout),
        other => Err(ProbeError::Unknown(other.to_string())),
    }
}

fn connect(port: u16, timeout: Duration) -> Result<TcpStream, ProbeError> {
    adapter::connect(port, timeout).map_err(|error| ProbeError::Connect { port, error })
}

/// `GET path` over HTTP/1.0; healthy on a 2xx status.
fn http_get(port: u16, path: &str, timeout: Duration) -> Result<(), ProbeError> {
    let mut stream = connect(port, timeout)?;
    let io = |error: std::io::Error| ProbeError::Get {
        path: path.to_string(),
        error,
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(io)?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if status_line.starts_with("HTTP/") && code.starts_with('2') && code.len() == 3 {
        Ok(())
    } else {
        Err(ProbeError::Status {
            path: path.to_string(),
            status: status_line.lines().next().unwrap_or("").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_once(answer: &'static [u8]) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            if let Ok((mut peer, _)) = listener.accept() {
                let mut buf = [0u8; 256];
                let _ = peer.read(&mut buf);
                let _ = peer.write_all(answer);
            }
        });
        port
    }

    #[test]
    fn http_needs_a_2xx_and_tcp_needs_a_listener() {
        let t = Duration::from_secs(2);
        assert!(probe("http:/health", serve_once(b"HTTP/1.0 200 OK\r\n\r\n"), t).is_ok());
        let err = probe("http:/health", serve_once(b"HTTP/1.0 503 Busy\r\n\r\n"), t)
            .map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("GET /health answered \"HTTP/1.0 503 Busy\"".into())
        );
        assert!(probe("ping", serve_once(b"{\"response\": \"pong\"}\n"), t).is_ok());
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        assert!(probe("tcp", port, t).is_err());
    }
}
