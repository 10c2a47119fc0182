//! An instance's history as one sequence, in the order it happened: its output, each launch
//! (the boundary before that launch's output), and each exchange (after the output the
//! service wrote until it answered). `tools logs` and the workbench's Output pane both read
//! it, a look at a time, so neither mixes an earlier launch's output into the next one's nor
//! shows the exchanges apart from the output around them.
//!
//! Launches and exchanges carry their positions in the logs (`store::services`), and a
//! position never moves (`runner::service_log`): the output before an event is read up to its
//! position, then the event is given, then the next.

use std::path::Path;

use crate::model::run_output::Stream;
use crate::model::services::FeedItem;
use crate::runner::service_log as logs;
use crate::store::{Store, StoreError};

/// The streams, in the order their positions are kept.
pub(crate) const STREAMS: [Stream; 2] = [Stream::Stdout, Stream::Stderr];

/// How far one reader of an instance's history has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceFeed {
    instance: String,
    /// Positions in the stdout and stderr logs read up to.
    logs_at: [u64; 2],
    last_launch: i64,
    last_exchange: i64,
}

impl InstanceFeed {
    /// From the beginning of what the instance's folder and the store still hold.
    pub(crate) fn from_start(instance: &str) -> Self {
        InstanceFeed {
            instance: instance.to_string(),
            logs_at: [0, 0],
            last_launch: 0,
            last_exchange: 0,
        }
    }

    /// Near the end: the last `recent_bytes` of each log and the events since the last
    /// `recent_events` exchanges (and the launches among them).
    pub(crate) fn recent(
        dir: &Path,
        store: &Store,
        instance: &str,
        recent_bytes: u64,
        recent_events: usize,
    ) -> Self {
        let logs_at = STREAMS.map(|stream| logs::end(dir, stream).saturating_sub(recent_bytes));
        let exchanges = store.exchanges(instance, 0).unwrap_or_default();
        let skip = exchanges.len().saturating_sub(recent_events + 1);
        let (last_exchange, since) = exchanges
            .get(skip)
            .filter(|_| exchanges.len() > recent_events)
            .map_or((0, ""), |e| (e.id, e.at.as_str()));
        let last_launch = store
            .launches(instance, 0)
            .unwrap_or_default()
            .iter()
            .filter(|l| l.at.as_str() <= since)
            .map(|l| l.id)
            .max()
            .unwrap_or(0);
        InstanceFeed {
            instance: instance.to_string(),
            logs_at,
            last_launch,
            last_exchange,
        }
    }

    /// What happened since the last look, in order. Each stream's output after the last event
    /// is read up to `max_read` bytes (the rest comes with the next look).
    pub(crate) fn poll(
        &mut self,
        dir: &Path,
        store: &Store,
        max_read: u64,
    ) -> Result<Vec<FeedItem>, StoreError> {
        let launches = store.launches(&self.instance, self.last_launch)?;
        let exchanges = store.exchanges(&self.instance, self.last_exchange)?;
        let mut events: Vec<(String, [Option<u64>; 2], FeedItem)> = launches
            .into_iter()
            .map(|l| (l.at.clone(), l.logs_from.map(Some), FeedItem::Launch(l)))
            .chain(exchanges.into_iter().map(|e| {
                let at = e.logs_at.map_or([None, None], |p| p.map(Some));
                (e.at.clone(), at, FeedItem::Exchange(e))
            }))
            .collect();
        // In time; a launch before an exchange of the same instant (it made the answer
        // possible). The sort is stable: each kind keeps its stored order.
        events.sort_by(|a, b| {
            let launch_first = |item: &FeedItem| !matches!(item, FeedItem::Launch(_));
            (a.0.as_str(), launch_first(&a.2)).cmp(&(b.0.as_str(), launch_first(&b.2)))
        });
        let mut items = Vec::new();
        for (_, positions, event) in events {
            for (slot, stream) in STREAMS.into_iter().enumerate() {
                if let Some(to) = positions[slot] {
                    self.read(dir, slot, stream, to, &mut items);
                }
            }
            match &event {
                FeedItem::Launch(l) => self.last_launch = l.id,
                FeedItem::Exchange(e) => self.last_exchange = e.id,
                FeedItem::Output { .. } => {}
            }
            items.push(event);
        }
        for (slot, stream) in STREAMS.into_iter().enumerate() {
            let to = self.logs_at[slot].saturating_add(max_read);
            self.read(dir, slot, stream, to, &mut items);
        }
        Ok(items)
    }

    /// Reads `stream` from where this feed stands up to position `to`.
    fn read(
        &mut self,
        dir: &Path,
        slot: usize,
        stream: Stream,
        to: u64,
        items: &mut Vec<FeedItem>,
    ) {
        let from = self.logs_at[slot];
        if to <= from {
            return;
        }
        let read = logs::read_from(dir, stream, from, to - from);
        self.logs_at[slot] = read.next();
        if read.dropped > 0 || !read.bytes.is_empty() {
            items.push(FeedItem::Output {
                stream,
                bytes: read.bytes,
                dropped: read.dropped,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::services::{ExchangeRow, InstanceRow, InstanceState, launch_line};

    fn exchange(message: &str, at: &str, logs_at: [u64; 2]) -> ExchangeRow {
        ExchangeRow {
            id: 0,
            instance: "a".into(),
            at: at.into(),
            message: message.into(),
            context: "{}".into(),
            response: Some(message.into()),
            raw: None,
            error: None,
            duration_ms: 1,
            logs_at: Some(logs_at),
        }
    }

    /// Items as short text: `out:…`, `err:…`, `launch`, `→ message`.
    fn shown(items: &[FeedItem]) -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                FeedItem::Output { stream, bytes, .. } => format!(
                    "{}:{}",
                    if *stream == Stream::Stdout {
                        "out"
                    } else {
                        "err"
                    },
                    String::from_utf8_lossy(bytes)
                ),
                FeedItem::Launch(l) => launch_line(l),
                FeedItem::Exchange(e) => format!("→ {}", e.message),
            })
            .collect()
    }

    #[test]
    fn launches_and_exchanges_come_between_the_output_they_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        store
            .claim_instance(&InstanceRow {
                name: "a".into(),
                tool: "t".into(),
                version: "1.0.0".into(),
                port: 50001,
                pid: None,
                start_ticks: None,
                state: InstanceState::Starting,
                started_at: "2026-01-01T00:00:00Z".into(),
                stopped_at: None,
                last_exchange_at: None,
                log_dir: String::new(),
                sandbox: String::new(),
                error: None,
            })
            .expect("claim");
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).expect("logs");
        // A failed launch's complaint, then a healthy launch that answered one message.
        std::fs::write(logs.join("stderr.log"), "boom\nready\n").expect("stderr");
        std::fs::write(logs.join("stdout.log"), "got hi\nbye\n").expect("stdout");
        let first = store
            .record_launch("a", "2026-01-01T00:00:01Z", 50001, [0, 0])
            .expect("launch");
        store
            .set_launch_error(first, "exited at start")
            .expect("error");
        store
            .record_launch("a", "2026-01-01T00:00:02Z", 50002, [0, 5])
            .expect("launch");
        store
            .record_exchange(&exchange("hi", "2026-01-01T00:00:03Z", [7, 11]))
            .expect("exchange");
        let mut feed = InstanceFeed::from_start("a");
        let items = feed.poll(&logs, &store, u64::MAX).expect("poll");
        assert_eq!(
            shown(&items),
            [
                "── launch at 2026-01-01T00:00:01Z on port 50001 failed: exited at start ──",
                "err:boom\n",
                "── launch at 2026-01-01T00:00:02Z on port 50002 ──",
                "out:got hi\n",
                "err:ready\n",
                "→ hi",
                "out:bye\n",
            ]
        );
        assert!(feed.poll(&logs, &store, u64::MAX).expect("poll").is_empty());
    }
}
