//! The stdio transport's edge: every line from the client either reaches the session whole
//! or gets an answer here, so a client is never left waiting on a request nobody read.
//!
//! rmcp's own line reader drops what it cannot decode: bytes that are not JSON, text that is
//! not UTF-8 (a lone surrogate escape, raw invalid bytes) and lines over its length limit.
//! JSON-RPC asks for a Parse error (-32700) instead, with the request's id whenever it can be
//! told, so this reader checks each line first and answers the undecodable ones itself. One
//! task owns stdout and writes the session's lines and these answers whole, never interleaved.
//!
//! The end of the client's input ends the session only once every request read before it is
//! answered: a client that writes its requests and closes its input (a script's here-doc, the
//! spec's way to shut a stdio server down) reads every answer. One whose reading end is gone
//! too (it went away) ends the session at once, which cancels its calls.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::{Notify, mpsc};

/// Buffer between the edge and the session, each way.
const PIPE_BYTES: usize = 256 * 1024;
/// How much of an oversized line is kept to find its id.
const HEAD_BYTES: usize = 1024;

/// The reader and writer the session uses in place of stdin and stdout.
pub(crate) fn transport(max_line: usize) -> (DuplexStream, DuplexStream) {
    let (session_reads, to_session) = tokio::io::duplex(PIPE_BYTES);
    let (from_session, session_writes) = tokio::io::duplex(PIPE_BYTES);
    let (answers_tx, answers) = mpsc::unbounded_channel();
    let unanswered = Arc::new(Unanswered::default());
    tokio::spawn(read_client(
        tokio::io::stdin(),
        Client {
            session: to_session,
            answers: answers_tx,
            unanswered: Arc::clone(&unanswered),
            gone: stdout_gone,
        },
        max_line,
    ));
    tokio::spawn(write_client(
        from_session,
        answers,
        tokio::io::stdout(),
        unanswered,
    ));
    (session_reads, session_writes)
}

/// The ids of the client's requests the session has not answered yet, as JSON text.
#[derive(Debug, Default)]
struct Unanswered {
    ids: Mutex<HashSet<String>>,
    /// An answer was written, or stdout failed.
    changed: Notify,
}

impl Unanswered {
    fn ids(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes what the client's line `message` asks or withdraws.
    fn read(&self, message: &Value) {
        for message in batch(message) {
            match (
                message.get("method").and_then(Value::as_str),
                message.get("id"),
            ) {
                // A cancelled request may go unanswered (the spec lets the server drop it).
                (Some("notifications/cancelled"), None) => {
                    if let Some(id) = message.pointer("/params/requestId") {
                        self.ids().remove(&id.to_string());
                    }
                }
                (Some(_), Some(id)) => {
                    self.ids().insert(id.to_string());
                }
                _ => {}
            }
        }
    }

    /// Notes the answers the session's line `text` carries.
    fn written(&self, text: &[u8]) {
        let answered: Vec<Value> = match answered_at_start(text) {
            Some(answered) => answered.into_iter().collect(),
            None => match serde_json::from_slice::<Outgoing>(text) {
                Ok(Outgoing::One(head)) => head.answer_id().cloned().into_iter().collect(),
                Ok(Outgoing::Batch(heads)) => {
                    heads.iter().filter_map(Head::answer_id).cloned().collect()
                }
                Err(_) => return,
            },
        };
        if !answered.is_empty() {
            let mut ids = self.ids();
            for id in answered {
                ids.remove(&id.to_string());
            }
            drop(ids);
            self.changed.notify_waiters();
        }
    }
}

/// What a line written as rmcp writes a message to the client answers, read from its opening
/// (`{"jsonrpc":"2.0","id":ID,"result":…`): a tool's result or a listing of megabytes is not
/// read through to tell its id. `Some(None)`: a request of the server's own; `None`: a line
/// that opens otherwise, read whole (`Outgoing`).
fn answered_at_start(line: &[u8]) -> Option<Option<Value>> {
    let head = &line[..line.len().min(HEAD_BYTES)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(cut) => std::str::from_utf8(&head[..cut.valid_up_to()]).ok()?,
    };
    let rest = text.strip_prefix("{\"jsonrpc\":\"2.0\",\"id\":")?;
    let end = rest.find(',')?;
    let id: Value = serde_json::from_str(&rest[..end])
        .ok()
        .filter(|id: &Value| id.is_number() || id.is_string())?;
    let after = &rest[end + 1..];
    if after.starts_with("\"result\":") || after.starts_with("\"error\":") {
        Some(Some(id))
    } else if after.starts_with("\"method\":") {
        Some(None)
    } else {
        None
    }
}

/// One message, or each of a batch.
fn batch(message: &Value) -> Vec<&Value> {
    match message {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    }
}

/// What the session writes, read only as far as telling an answer's id: a tool's result may be
/// megabytes, skipped without being kept.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Outgoing {
    One(Head),
    Batch(Vec<Head>),
}

#[derive(serde::Deserialize)]
struct Head {
    id: Option<Value>,
    method: Option<serde::de::IgnoredAny>,
}

impl Head {
    /// The id this message answers: a response has one and no method.
    fn answer_id(&self) -> Option<&Value> {
        self.id.as_ref().filter(|_| self.method.is_none())
    }
}

/// Whether the client closed its end of stdout (a pipe's reader gone): it can read no answer.
fn stdout_gone() -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    const NOW: Timespec = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(&stdout, PollFlags::empty())];
    poll(&mut fds, Some(&NOW)).is_ok()
        && fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP)
}

/// How often the end of input looks again whether the client can still read its answers.
const GONE_EVERY: Duration = Duration::from_millis(100);

/// Where `read_client` hands the client's lines on.
struct Client<S> {
    session: S,
    answers: mpsc::UnboundedSender<Value>,
    unanswered: Arc<Unanswered>,
    /// Whether the client can no longer read what is written to it.
    gone: fn() -> bool,
}

/// One line from the client, as far as it was read.
enum Line {
    Whole(Vec<u8>),
    /// Over the limit: its first bytes only; the rest was skipped.
    Oversized(Vec<u8>),
}

async fn read_client(
    input: impl AsyncRead + Unpin,
    mut client: Client<impl AsyncWrite + Unpin>,
    max_line: usize,
) {
    let mut input = BufReader::new(input);
    while let Some(line) = next_line(&mut input, max_line).await {
        let verdict = match line {
            Line::Whole(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Whole(bytes) => check(&bytes).map(|message| (bytes, message)),
            Line::Oversized(head) => Err(parse_error(
                id_at_start(&head),
                &format!("the message is longer than {max_line} bytes"),
            )),
        };
        match verdict {
            Ok((mut bytes, message)) => {
                client.unanswered.read(&message);
                bytes.push(b'\n');
                if client.session.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Err(answer) => {
                let _ = client.answers.send(answer);
            }
        }
    }
    // End of input: the session sees it and ends, once what was asked is answered.
    loop {
        let changed = client.unanswered.changed.notified();
        if client.unanswered.ids().is_empty() || (client.gone)() {
            break;
        }
        let _ = tokio::time::timeout(GONE_EVERY, changed).await;
    }
    let _ = client.session.shutdown().await;
}

/// Reads up to and without the next newline, keeping at most `max_line` bytes of it.
async fn next_line(input: &mut (impl AsyncBufReadExt + Unpin), max_line: usize) -> Option<Line> {
    let mut line = Vec::new();
    let mut oversized = false;
    loop {
        let available = input.fill_buf().await.ok()?;
        if available.is_empty() {
            // A last line without a newline is incomplete: nothing to deliver.
            return None;
        }
        let newline = available.iter().position(|b| *b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        let chunk = &available[..newline.unwrap_or(take)];
        if !oversized && line.len() + chunk.len() > max_line {
            oversized = true;
            line.truncate(HEAD_BYTES);
        }
        if !oversized {
            line.extend_from_slice(chunk);
        } else if line.len() < HEAD_BYTES {
            let room = HEAD_BYTES - line.len();
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        input.consume(take);
        if newline.is_some() {
            return Some(if oversized {
                Line::Oversized(line)
            } else {
                Line::Whole(line)
            });
        }
    }
}

/// The message of a line the session can decode; else the answer to send back.
fn check(bytes: &[u8]) -> Result<Value, Value> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            return Err(parse_error(
                recovered_id(&String::from_utf8_lossy(bytes)),
                "the message is not valid UTF-8",
            ));
        }
    };
    match serde_json::from_str::<Value>(text) {
        Ok(message) => Ok(message),
        Err(e) => Err(parse_error(
            recovered_id(text),
            &format!("the message is not valid JSON text ({e})"),
        )),
    }
}

/// The id of a request whose text is broken only inside its strings (a lone surrogate, an
/// invalid byte): with those made U+FFFD, the message parses and its id is known.
fn recovered_id(text: &str) -> Value {
    let repaired = repair_surrogates(text);
    serde_json::from_str::<Value>(&repaired)
        .ok()
        .and_then(|message| {
            message
                .get("method")
                .and(message.get("id"))
                .filter(|id| id.is_string() || id.is_number())
                .cloned()
        })
        .unwrap_or(Value::Null)
}

/// Replaces `\uXXXX` escapes of surrogates that are not part of a pair with `\uFFFD`.
fn repair_surrogates(text: &str) -> String {
    let bytes = text.as_bytes();
    let surrogate_at = |i: usize| -> Option<u16> {
        let escape = bytes.get(i..i + 6)?;
        if escape[0] != b'\\' || escape[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&escape[2..]).ok()?;
        u16::from_str_radix(hex, 16)
            .ok()
            .filter(|n| (0xD800..0xE000).contains(n))
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut backslashes = 0;
    while i < bytes.len() {
        // An escape starts at a backslash that is not itself escaped.
        if backslashes % 2 == 0
            && let Some(unit) = surrogate_at(i)
        {
            let pair = (0xD800..0xDC00).contains(&unit)
                && surrogate_at(i + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low));
            if pair {
                out.push_str(&text[i..i + 12]);
                i += 12;
            } else {
                out.push_str("\\uFFFD");
                i += 6;
            }
            backslashes = 0;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The id of a message cut short, when it opens with it (`{"jsonrpc":"2.0","id":7,…` or
/// `{"id":7,…`): no guessing inside the rest of a message we never read.
fn id_at_start(head: &[u8]) -> Value {
    let text = String::from_utf8_lossy(head);
    let rest = text.trim_start().strip_prefix('{').map(str::trim_start);
    let rest = rest.map(|r| {
        r.strip_prefix("\"jsonrpc\"")
            .and_then(|r| r.trim_start().strip_prefix(':'))
            .and_then(|r| r.trim_start().strip_prefix("\"2.0\""))
            .and_then(|r| r.trim_start().strip_prefix(','))
            .map(str::trim_start)
            .unwrap_or(r)
    });
    let Some(value) = rest
        .and_then(|r| r.strip_prefix("\"id\""))
        .and_then(|r| r.trim_start().strip_prefix(':'))
        .map(str::trim_start)
    else {
        return Value::Null;
    };
    let end = value.find([',', '}']).unwrap_or(value.len());
    serde_json::from_str::<Value>(value[..end].trim())
        .ok()
        .filter(|id| id.is_number() || id.is_string())
        .unwrap_or(Value::Null)
}

fn parse_error(id: Value, reason: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32700, "message": format!("Parse error: {reason}") },
    })
}

/// Writes the session's lines and the edge's answers to the client, each line whole.
async fn write_client(
    session: impl AsyncRead + Unpin,
    mut answers: mpsc::UnboundedReceiver<Value>,
    mut output: impl AsyncWrite + Unpin,
    unanswered: Arc<Unanswered>,
) {
    let mut session = BufReader::new(session);
    let mut line = Vec::new();
    loop {
        // Answers first: one is queued before the session even sees the lines that follow
        // it, so the client hears about its broken line before the replies to later ones.
        // A line half read stays in `line` across turns (read_until keeps what it read).
        tokio::select! {
            biased;
            Some(answer) = answers.recv() => {
                let text = format!("{answer}\n");
                if output.write_all(text.as_bytes()).await.is_err() || output.flush().await.is_err() {
                    return;
                }
            }
            read = session.read_until(b'\n', &mut line) => {
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                            return;
                        }
                        unanswered.written(&line);
                        line.clear();
                    }
                }
            }
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodable_lines_pass_and_the_rest_get_a_parse_error_with_their_id() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        let answer = check(b"garbage{").expect_err("not JSON");
        assert_eq!(answer["error"]["code"], -32700);
        assert!(answer["id"].is_null());
        let lone = br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"x":"\udc80"}}"#;
        assert_eq!(check(lone).expect_err("lone surrogate")["id"], 5);
        let mut raw =
            br#"{"jsonrpc":"2.0","id":"a-6","method":"tools/call","params":{"x":""#.to_vec();
        raw.extend_from_slice(b"\xff\"}}");
        assert_eq!(check(&raw).expect_err("invalid byte")["id"], "a-6");
    }

    #[test]
    fn requests_wait_for_their_answers_and_a_cancelled_one_for_nothing() {
        let unanswered = Unanswered::default();
        unanswered.read(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}));
        unanswered.read(&json!([{"id": "b", "method": "ping"}, {"method": "notifications/x"}]));
        unanswered.read(&json!({"jsonrpc": "2.0", "id": 7, "result": {}}));
        assert_eq!(unanswered.ids().len(), 2);
        // A request of the server's own (its id is the server's) answers nothing.
        unanswered.written(br#"{"jsonrpc":"2.0","id":1,"method":"roots/list"}"#);
        assert_eq!(unanswered.ids().len(), 2);
        unanswered.written(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#);
        assert_eq!(*unanswered.ids(), HashSet::from(["\"b\"".to_string()]));
        unanswered
            .read(&json!({"method": "notifications/cancelled", "params": {"requestId": "b"}}));
        assert!(unanswered.ids().is_empty());
    }

    /// The opening tells what a line answers as reading it whole does, for the lines rmcp
    /// writes; any other opening is left to the whole reading.
    #[test]
    fn an_answer_is_told_by_its_opening_as_by_the_whole_line() {
        let big = format!(
            r#"{{"jsonrpc":"2.0","id":"a,b","result":{{"text":"{}"}}}}"#,
            "x".repeat(5000)
        );
        for line in [
            r#"{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}"#,
            r#"{"jsonrpc":"2.0","id":"c-9","error":{"code":-32602,"message":"no"}}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"roots/list"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#,
            r#"{"id":5,"jsonrpc":"2.0","result":{}}"#,
            big.as_str(),
        ] {
            let whole = match serde_json::from_str::<Outgoing>(line).expect("JSON") {
                Outgoing::One(head) => head.answer_id().cloned(),
                Outgoing::Batch(_) => None,
            };
            if let Some(opening) = answered_at_start(line.as_bytes()) {
                assert_eq!(opening, whole, "{line}");
            }
        }
        let told = |line: &str| answered_at_start(line.as_bytes());
        assert_eq!(
            told(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#),
            Some(Some(json!(3)))
        );
        assert_eq!(
            told(r#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#),
            Some(None)
        );
        // An id holding a comma, or another opening, is read whole.
        assert_eq!(told(&big), None);
        assert_eq!(told(r#"{"id":5,"jsonrpc":"2.0","result":{}}"#), None);
        let unanswered = Unanswered::default();
        unanswered.read(&json!({"jsonrpc": "2.0", "id": "a,b", "method": "tools/call"}));
        unanswered.written(big.as_bytes());
        assert!(unanswered.ids().is_empty());
    }

    #[test]
    fn surrogate_pairs_and_escaped_backslashes_are_left_alone() {
        assert_eq!(repair_surrogates(r#""\ud83d\ude00""#), r#""\ud83d\ude00""#);
        assert_eq!(repair_surrogates(r#""\ud83d""#), r#""\uFFFD""#);
        assert_eq!(repair_surrogates(r#""\\udc80""#), r#""\\udc80""#);
        assert_eq!(repair_surrogates(r#""é\udc80é""#), r#""é\uFFFDé""#);
    }

    #[test]
    fn an_oversized_message_is_answered_when_it_opens_with_its_id() {
        assert_eq!(
            id_at_start(br#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"#),
            42
        );
        assert_eq!(id_at_start(br#"{ "id" : "x-1" , "jsonrpc":"2.0""#), "x-1");
        assert!(id_at_start(br#"{"method":"tools/call","params":{"id":3"#).is_null());
    }

    #[tokio::test]
    async fn lines_reach_the_session_whole_and_oversized_ones_are_skipped() {
        let input: &[u8] = b"{\"a\":1}\n\n{\"id\":9,\"method\":\"x\",\"params\":\"0123456789abcdef\"}\n{\"b\":2}\n";
        let (mut session, to_session) = tokio::io::duplex(1024);
        let (answers_tx, mut answers) = mpsc::unbounded_channel();
        let client = Client {
            session: to_session,
            answers: answers_tx,
            unanswered: Arc::new(Unanswered::default()),
            gone: || false,
        };
        read_client(input, client, 40).await;
        let mut passed = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut session, &mut passed)
            .await
            .expect("read");
        assert_eq!(passed, "{\"a\":1}\n{\"b\":2}\n");
        let answer = answers.recv().await.expect("an answer");
        assert_eq!(answer["id"], 9);
        assert_eq!(answer["error"]["code"], -32700);
    }
}
