//! The decision log: every human decision, call answer and rule change, appended to
//! `.toolbench/log/decisions.jsonl` before the store commits it, so a damaged `state.db` never
//! takes with it the only copy of what a person decided (`toolbench doctor` rebuilds from it).
//!
//! One JSON object a line. Each entry carries the rows it wrote (table and columns, as stored)
//! and two hashes: `hash`, the SHA-256 of the entry's own text up to that field, and `prev`,
//! the previous entry's `hash`. An entry changed by hand fails its own hash; one replaced with
//! a recomputed hash breaks the next entry's `prev`; a line cut short has no hash; entries cut
//! off the end are told by the head file (`decisions.head`, the last sequence number and
//! hash). This module only appends and reads: it never rewrites or removes an entry.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::audit::{LogEntry, LoggedRow};

/// The log's folder, beside `state.db`.
pub(crate) const LOG_DIR: &str = "log";
pub(crate) const LOG_FILE: &str = "decisions.jsonl";
const HEAD_FILE: &str = "decisions.head";
/// `prev` of the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Where an entry's own hash starts: always its last field.
const HASH_FIELD: &str = ",\"hash\":\"";

/// What an entry says, before it is chained.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub at: String,
    pub who: String,
    /// `approve`, `reject`, … for review decisions; `call_approved`, `rule_revoked`, … else.
    pub action: String,
    /// The tool (`name@version`), call or rule the entry is about.
    pub subject: String,
    pub rows: Vec<LoggedRow>,
}

/// The entry's text before its hash, in this field order.
#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    at: &'a str,
    who: &'a str,
    action: &'a str,
    subject: &'a str,
    rows: &'a [LoggedRow],
    prev: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{path}: cannot append to the decision log: {reason}")]
    Append { path: PathBuf, reason: String },
    #[error("{path}: cannot read the decision log: {reason}")]
    Read { path: PathBuf, reason: String },
}

/// Why the chain does not hold, naming the first entry (line) where it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("{path}: entry {line}: {what}")]
    Entry {
        path: PathBuf,
        line: u64,
        what: String,
    },
    #[error(
        "{path}: {}: the head file says the log reached entry {head}",
        missing_after(*last)
    )]
    CutOff { path: PathBuf, last: u64, head: u64 },
    /// The log could not be read at all (`LogError`'s words).
    #[error("{0}")]
    Unreadable(String),
}

fn missing_after(last: u64) -> String {
    match last {
        0 => "every entry is missing (the log was emptied or removed)".into(),
        _ => format!("entries after {last} are missing"),
    }
}

impl ChainBreak {
    /// The line of the entry named, if one is.
    #[cfg(test)]
    pub(crate) fn line(&self) -> Option<u64> {
        match self {
            ChainBreak::Entry { line, .. } => Some(*line),
            ChainBreak::CutOff { .. } | ChainBreak::Unreadable(_) => None,
        }
    }
}

/// What a whole chain holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChainSummary {
    pub entries: u64,
}

/// The decision log of one workspace.
#[derive(Debug, Clone)]
pub struct DecisionLog {
    path: PathBuf,
}

impl DecisionLog {
    /// The log beside the store file `state_file` (`.toolbench/log/decisions.jsonl`).
    pub(crate) fn beside(state_file: &Path) -> Self {
        let dir = state_file.parent().unwrap_or(Path::new("."));
        Self::in_state_dir(dir)
    }

    /// The log of the state folder `.toolbench/`.
    pub fn in_state_dir(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(LOG_DIR).join(LOG_FILE),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn head_path(&self) -> PathBuf {
        self.path.with_file_name(HEAD_FILE)
    }

    /// Whether anything was ever appended: the log holds a byte, or its head names an entry.
    pub(crate) fn holds_entries(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| m.len() > 0) || self.head().is_some()
    }

    /// The last entry the head file names: its sequence number and hash.
    fn head(&self) -> Option<(u64, String)> {
        let text = std::fs::read_to_string(self.head_path()).ok()?;
        let mut words = text.split_whitespace();
        let seq = words.next()?.parse().ok()?;
        Some((seq, words.next()?.to_string()))
    }

    /// Appends `entry`, chained to the last one, and syncs it to disk; returns its sequence
    /// number. Writers in other processes wait for one another on the file's lock.
    pub fn append(&self, entry: &NewEntry) -> Result<u64, LogError> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Appends `entries` in order with one write and one sync (a log of a given size for a
    /// measurement, a bulk import); returns the last sequence number.
    pub fn append_all(&self, entries: &[NewEntry]) -> Result<u64, LogError> {
        let fail = |e: std::io::Error| LogError::Append {
            path: self.path.clone(),
            reason: crate::io_text::io_reason(&e),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let new_dir = !dir.is_dir();
        if new_dir {
            crate::workspace::private::create_dirs(dir).map_err(fail)?;
        }
        let mut file = File::options()
            .read(true)
            .append(true)
            .create(true)
            .mode(crate::workspace::private::FILE_MODE)
            .open(&self.path)
            .map_err(fail)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| fail(e.into()))?;
        let (last, ends_with_newline) = last_entry(&mut file).map_err(fail)?;
        let (mut seq, mut prev) = last
            .map(|e| (e.seq, e.hash))
            .unwrap_or((0, GENESIS.to_string()));
        // Entries cut off the end (or the whole log removed) are numbered past: the next entry
        // follows the head, so the gap stays a break in the chain instead of a new head that
        // would hide it.
        if let Some((head, _)) = self.head() {
            seq = seq.max(head);
        }
        let mut line = Vec::with_capacity(512 * entries.len());
        // A line cut short by a crash stays as it is, named by `verify`; the next one starts
        // on a line of its own.
        if !ends_with_newline {
            line.push(b'\n');
        }
        for entry in entries {
            seq += 1;
            let (text, hash) = chained_line(seq, &prev, entry);
            line.extend_from_slice(text.as_bytes());
            line.push(b'\n');
            prev = hash;
        }
        let hash = prev;
        file.write_all(&line).map_err(fail)?;
        file.sync_data().map_err(fail)?;
        if new_dir {
            File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
        }
        // The head lags at most one entry behind after a crash, which `verify` allows for.
        let head = self.head_path();
        let tmp = head.with_extension("head.tmp");
        crate::workspace::private::write(&tmp, format!("{seq} {hash}\n"))
            .and_then(|()| std::fs::rename(&tmp, &head))
            .map_err(fail)?;
        Ok(seq)
    }

    /// Every entry that can be read and was not altered, in order, and the first break of
    /// the chain if there is one; a missing log is an empty one. Entries past a break are
    /// still returned (what a repair may take back).
    pub(crate) fn read(&self) -> Result<(Vec<LogEntry>, Option<ChainBreak>), LogError> {
        self.read_entries(true)
    }

    /// `read` up to the first break: the entries the chain vouches for, as `audit` shows them.
    pub(crate) fn read_to_break(&self) -> Result<(Vec<LogEntry>, Option<ChainBreak>), LogError> {
        self.read_entries(false)
    }

    fn read_entries(
        &self,
        past_break: bool,
    ) -> Result<(Vec<LogEntry>, Option<ChainBreak>), LogError> {
        let mut entries = Vec::new();
        let mut first_break = None;
        self.walk(|entry, problem| {
            if first_break.is_some() && !past_break {
                return;
            }
            if let Some(problem) = problem {
                first_break.get_or_insert(problem);
            }
            if let Some(entry) = entry.filter(|_| past_break || first_break.is_none()) {
                entries.push(entry);
            }
        })?;
        Ok((entries, first_break))
    }

    /// Checks the whole chain without keeping the entries.
    pub fn verify(&self) -> Result<Result<ChainSummary, ChainBreak>, LogError> {
        let mut first_break = None;
        let mut entries = 0;
        self.walk(|entry, problem| {
            if let Some(problem) = problem {
                first_break.get_or_insert(problem);
            }
            entries += u64::from(entry.is_some());
        })?;
        Ok(match first_break {
            Some(problem) => Err(problem),
            None => Ok(ChainSummary { entries }),
        })
    }

    fn walk(
        &self,
        mut each: impl FnMut(Option<LogEntry>, Option<ChainBreak>),
    ) -> Result<(), LogError> {
        let read_fail = |e: std::io::Error| LogError::Read {
            path: self.path.clone(),
            reason: crate::io_text::io_reason(&e),
        };
        let file = match File::open(&self.path) {
            Ok(file) => file,
            // No log is an empty one: whole, unless the head says entries were written.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(problem) = self.check_head(0, &[]) {
                    each(None, Some(problem));
                }
                return Ok(());
            }
            Err(e) => return Err(read_fail(e)),
        };
        let broken = |line: u64, what: String| ChainBreak::Entry {
            path: self.path.clone(),
            line,
            what,
        };
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut buf = Vec::with_capacity(1024);
        let mut line_no = 0u64;
        let mut prev = GENESIS.to_string();
        let mut last_seq = 0u64;
        let mut hashes: Vec<(u64, String)> = Vec::new();
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf).map_err(read_fail)? == 0 {
                break;
            }
            line_no += 1;
            let whole = buf.last() == Some(&b'\n');
            if whole {
                buf.pop();
            }
            let text = match std::str::from_utf8(&buf) {
                Ok(text) => text,
                Err(_) => {
                    each(None, Some(broken(line_no, "not UTF-8 text".into())));
                    continue;
                }
            };
            match check_line(text, &prev, last_seq) {
                Ok(entry) => {
                    prev = entry.hash.clone();
                    last_seq = entry.seq;
                    // Only the last two are needed for the head check.
                    if hashes.len() == 2 {
                        hashes.remove(0);
                    }
                    hashes.push((entry.seq, entry.hash.clone()));
                    each(Some(entry), None);
                }
                Err(LineProblem::Unreadable(what)) => {
                    let what = if whole {
                        what
                    } else {
                        format!("cut short ({what})")
                    };
                    each(None, Some(broken(line_no, what)));
                }
                // The chain goes on from the hash it carries, but what it says is not trusted.
                Err(LineProblem::Altered(entry)) => {
                    prev = entry.hash.clone();
                    last_seq = entry.seq;
                    let what = "its content does not match its hash (altered after it was \
                                written)";
                    each(None, Some(broken(line_no, what.to_string())));
                }
                Err(LineProblem::Chain(entry, what)) => {
                    prev = entry.hash.clone();
                    last_seq = entry.seq;
                    each(Some(*entry), Some(broken(line_no, what)));
                }
            }
        }
        if let Some(problem) = self.check_head(last_seq, &hashes) {
            each(None, Some(problem));
        }
        Ok(())
    }

    /// The head file names the last entry written: a log that ends before it lost entries.
    /// It may lag one entry (a crash between the append and the head's rename).
    fn check_head(&self, last: u64, tail: &[(u64, String)]) -> Option<ChainBreak> {
        let (head, hash) = self.head()?;
        if head > last {
            return Some(ChainBreak::CutOff {
                path: self.path.clone(),
                last,
                head,
            });
        }
        match tail.iter().find(|(seq, _)| *seq == head) {
            Some((_, logged)) if *logged != hash => Some(ChainBreak::Entry {
                path: self.path.clone(),
                line: head,
                what: "differs from the entry the head file recorded (replaced)".into(),
            }),
            _ => None,
        }
    }
}

/// The text of entry `seq` chained to `prev`, and its hash.
fn chained_line(seq: u64, prev: &str, entry: &NewEntry) -> (String, String) {
    let body = Body {
        seq,
        at: &entry.at,
        who: &entry.who,
        action: &entry.action,
        subject: &entry.subject,
        rows: &entry.rows,
        prev,
    };
    // Serializing plain strings and maps cannot fail.
    let mut text = serde_json::to_string(&body).unwrap_or_default();
    text.pop();
    let hash = crate::text::hex(&Sha256::digest(text.as_bytes()));
    text.push_str(HASH_FIELD);
    text.push_str(&hash);
    text.push_str("\"}");
    (text, hash)
}

enum LineProblem {
    /// Not an entry at all.
    Unreadable(String),
    /// An entry whose text is not what was hashed.
    Altered(Box<LogEntry>),
    /// An entry, but not the one the chain expects.
    Chain(Box<LogEntry>, String),
}

fn check_line(text: &str, prev: &str, last_seq: u64) -> Result<LogEntry, LineProblem> {
    let entry: LogEntry = serde_json::from_str(text)
        .map_err(|e| LineProblem::Unreadable(format!("not a log entry: {e}")))?;
    let Some(at) = text.rfind(HASH_FIELD) else {
        return Err(LineProblem::Unreadable("no hash field".into()));
    };
    let own = crate::text::hex(&Sha256::digest(&text.as_bytes()[..at]));
    let chain = |what: &str| LineProblem::Chain(Box::new(entry.clone()), what.to_string());
    if own != entry.hash || !text.ends_with("\"}") {
        return Err(LineProblem::Altered(Box::new(entry)));
    }
    if entry.prev != prev {
        return Err(chain(
            "not chained to the entry before it (that one or this one was replaced, or entries \
             were removed)",
        ));
    }
    if entry.seq != last_seq + 1 {
        return Err(chain(&format!(
            "numbered {} where {} was expected",
            entry.seq,
            last_seq + 1
        )));
    }
    Ok(entry)
}

/// The last whole entry of the log (read from its tail), and whether the file ends a line.
fn last_entry(file: &mut File) -> std::io::Result<(Option<LogEntry>, bool)> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, true));
    }
    let mut window = 64 * 1024u64;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut tail)?;
        let ends_with_newline = tail.last() == Some(&b'\n');
        // Newest first: the last line that is a readable entry (a cut one is skipped).
        let mut lines: Vec<&[u8]> = tail.split(|b| *b == b'\n').collect();
        if start > 0 {
            // The first piece may be the end of a longer line.
            lines.remove(0);
        }
        for line in lines.iter().rev() {
            if let Ok(entry) = serde_json::from_slice::<LogEntry>(line)
                && !entry.hash.is_empty()
            {
                return Ok((Some(entry), ends_with_newline));
            }
        }
        if start == 0 {
            return Ok((None, ends_with_newline));
        }
        window *= 4;
    }
}

/// The columns of one row, as JSON: what an entry carries of each row it wrote.
pub(crate) fn row_json(
    conn: &rusqlite::Connection,
    table: &str,
    rowid: i64,
) -> rusqlite::Result<LoggedRow> {
    let sql = format!("SELECT * FROM {table} WHERE rowid = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let row = stmt.query_row([rowid], |r| {
        let mut row = Map::new();
        for (i, name) in names.iter().enumerate() {
            row.insert(name.clone(), sql_to_json(r.get_ref(i)?));
        }
        Ok(row)
    })?;
    Ok(LoggedRow {
        table: table.to_string(),
        row,
    })
}

pub(crate) fn sql_to_json(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(crate::text::hex(b)),
    }
}

pub(crate) fn json_to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(n: u64) -> NewEntry {
        let mut row = Map::new();
        row.insert("id".into(), json!(n));
        row.insert("tool".into(), json!("fmt"));
        NewEntry {
            at: "2026-11-24T10:00:00Z".into(),
            who: "ana".into(),
            action: "approve".into(),
            subject: "fmt@1.0.0".into(),
            rows: vec![LoggedRow {
                table: "decisions".into(),
                row,
            }],
        }
    }

    fn log_with(n: u64) -> (tempfile::TempDir, DecisionLog) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = DecisionLog::in_state_dir(dir.path());
        for i in 1..=n {
            assert_eq!(log.append(&entry(i)).expect("append"), i);
        }
        (dir, log)
    }

    fn rewrite_line(log: &DecisionLog, line: usize, edit: impl Fn(&str) -> String) {
        let text = std::fs::read_to_string(log.path()).expect("read");
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line {
                    edit(l)
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(log.path(), lines.join("\n") + "\n").expect("write");
    }

    #[test]
    fn appended_entries_chain_and_read_back_in_order() {
        let (_dir, log) = log_with(3);
        let (entries, problem) = log.read().expect("read");
        assert_eq!(problem, None);
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(entries[0].prev, GENESIS);
        assert_eq!(entries[1].prev, entries[0].hash);
        assert_eq!(entries[2].rows[0].row["id"], json!(3));
        assert_eq!(
            log.verify().expect("verify"),
            Ok(ChainSummary { entries: 3 })
        );
    }

    #[test]
    fn an_altered_entry_is_named_by_its_line() {
        let (_dir, log) = log_with(4);
        rewrite_line(&log, 2, |l| l.replace("\"ana\"", "\"bob\""));
        let problem = log.verify().expect("verify").expect_err("altered");
        assert_eq!(problem.line(), Some(2), "{problem}");
        assert!(problem.to_string().contains("altered"), "{problem}");
    }

    /// What `audit` shows stops at the break: an entry after it is not vouched for by the
    /// chain; a repair still reads every entry it can.
    #[test]
    fn entries_are_shown_up_to_the_break_and_read_past_it_for_a_repair() {
        let (_dir, log) = log_with(4);
        rewrite_line(&log, 2, |l| l.replace("\"ana\"", "\"bob\""));
        let (shown, problem) = log.read_to_break().expect("read");
        assert_eq!(shown.iter().map(|e| e.seq).collect::<Vec<_>>(), [1]);
        assert_eq!(problem.and_then(|p| p.line()), Some(2));
        let (all, _) = log.read().expect("read");
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3, 4]);
    }

    #[test]
    fn an_entry_replaced_with_a_fresh_hash_breaks_the_next_link() {
        let (_dir, log) = log_with(3);
        let mut forged = entry(2);
        forged.who = "mallory".into();
        let (text, _) = chained_line(2, GENESIS, &forged);
        rewrite_line(&log, 2, |_| text.clone());
        let problem = log.verify().expect("verify").expect_err("replaced");
        assert_eq!(problem.line(), Some(2), "{problem}");
    }

    #[test]
    fn a_removed_entry_and_a_cut_tail_are_told() {
        let (_dir, log) = log_with(4);
        rewrite_line(&log, 3, |_| String::new());
        let text = std::fs::read_to_string(log.path()).expect("read");
        std::fs::write(log.path(), text.replace("\n\n", "\n")).expect("write");
        let problem = log.verify().expect("verify").expect_err("removed");
        assert_eq!(problem.line(), Some(3), "{problem}");

        let (_dir, log) = log_with(4);
        let text = std::fs::read_to_string(log.path()).expect("read");
        let kept: Vec<&str> = text.lines().take(2).collect();
        std::fs::write(log.path(), kept.join("\n") + "\n").expect("write");
        let problem = log.verify().expect("verify").expect_err("cut");
        assert!(
            matches!(
                problem,
                ChainBreak::CutOff {
                    last: 2,
                    head: 4,
                    ..
                }
            ),
            "{problem}"
        );
    }

    #[test]
    fn a_line_cut_short_is_named_and_the_next_append_starts_a_new_line() {
        let (_dir, log) = log_with(2);
        let text = std::fs::read_to_string(log.path()).expect("read");
        std::fs::write(log.path(), &text[..text.len() - 20]).expect("cut");
        // As a crash in the append leaves it: the head still names the entry before.
        let (entries, _) = log.read().expect("read");
        std::fs::write(log.head_path(), format!("1 {}\n", entries[0].hash)).expect("head");
        let problem = log.verify().expect("verify").expect_err("cut");
        assert_eq!(problem.line(), Some(2), "{problem}");
        assert!(problem.to_string().contains("cut short"), "{problem}");
        // The next entry chains on from the last whole one.
        assert_eq!(log.append(&entry(3)).expect("append"), 2);
        let (entries, _) = log.read().expect("read");
        assert_eq!(entries.last().map(|e| e.seq), Some(2));
    }

    /// Removing the log, or cutting its tail, and then deciding again never makes a whole
    /// chain: the head says what was written, and the next entry is numbered after it.
    #[test]
    fn a_removed_log_or_cut_tail_stays_told_after_the_next_append() {
        let (_dir, log) = log_with(3);
        std::fs::remove_file(log.path()).expect("remove");
        let problem = log.verify().expect("verify").expect_err("removed");
        assert!(
            problem.to_string().ends_with(
                "every entry is missing (the log was emptied or removed): the head file says \
                 the log reached entry 3"
            ),
            "{problem}"
        );
        assert_eq!(log.append(&entry(4)).expect("append"), 4);
        let problem = log.verify().expect("verify").expect_err("still told");
        assert_eq!(problem.line(), Some(1), "{problem}");
        assert!(
            problem
                .to_string()
                .contains("numbered 4 where 1 was expected"),
            "{problem}"
        );

        let (_dir, log) = log_with(4);
        let text = std::fs::read_to_string(log.path()).expect("read");
        let kept: Vec<&str> = text.lines().take(2).collect();
        std::fs::write(log.path(), kept.join("\n") + "\n").expect("write");
        assert_eq!(log.append(&entry(5)).expect("append"), 5);
        let problem = log.verify().expect("verify").expect_err("still told");
        assert_eq!(problem.line(), Some(3), "{problem}");
        // What the chain vouches for is kept, and the entry past the gap is read for a repair.
        let (entries, _) = log.read().expect("read");
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 5]);
    }

    #[test]
    fn a_missing_log_is_an_empty_whole_chain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = DecisionLog::in_state_dir(dir.path());
        assert_eq!(
            log.verify().expect("verify"),
            Ok(ChainSummary { entries: 0 })
        );
    }
}
