//! Service instances as they are kept, and what a service was asked and how it answered.

use serde::Serialize;

use crate::model::run_output::Stream;
use crate::model::{StoreError, string_enum};

/// One message and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ExchangeRow {
    pub(crate) id: i64,
    pub(crate) instance: String,
    pub(crate) at: String,
    pub(crate) message: String,
    /// JSON text.
    pub(crate) context: String,
    /// The answer as the adapter read it (`response`, `content` or the whole line).
    pub(crate) response: Option<String>,
    /// The line the service sent.
    pub(crate) raw: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) duration_ms: u64,
    /// Where the instance's stdout and stderr logs stood once it was answered (positions among
    /// everything each stream wrote); `None` for exchanges stored before they were kept.
    pub(crate) logs_at: Option<[u64; 2]>,
}

string_enum! {
    /// Where an instance is in its life.
    InstanceState {
        Starting => "starting", Healthy => "healthy", Unhealthy => "unhealthy", Stopped => "stopped",
    }
}

/// One instance as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceRow {
    pub name: String,
    pub tool: String,
    pub version: String,
    pub port: u16,
    /// The sandbox helper (the instance's process-group leader), once spawned.
    pub pid: Option<u32>,
    /// Its start time in clock ticks after boot: a pid with another start time is not it.
    pub start_ticks: Option<u64>,
    pub state: InstanceState,
    /// RFC 3339 UTC of the latest launch.
    pub started_at: String,
    pub stopped_at: Option<String>,
    pub last_exchange_at: Option<String>,
    /// Its folder (logs, scratch), relative to the workspace root.
    pub log_dir: String,
    /// The sandbox protections, as `Protections::summary` text.
    pub sandbox: String,
    /// Why it stopped or is unhealthy, in one line.
    pub error: Option<String>,
}

/// One launch of an instance: where its output starts in the logs, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LaunchRow {
    pub(crate) id: i64,
    pub(crate) instance: String,
    pub(crate) at: String,
    pub(crate) port: u16,
    /// Positions in the stdout and stderr logs where this launch's output starts.
    pub(crate) logs_from: [u64; 2],
    pub(crate) error: Option<String>,
}

/// The instance a launch names when nobody named one: the service's own name. An instance
/// name stays its first tool's for good, so one name shared by every service (`default`)
/// would let only the first service launched use it.
pub(crate) fn default_instance(service: &str) -> &str {
    service
}

/// How a stop went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It was not running (or its pid belongs to another program now): nothing signalled.
    NotRunning,
    Terminated,
    Killed,
    /// Still there after SIGKILL (stuck in the kernel).
    Stuck,
}

/// One piece of an instance's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FeedItem {
    /// Output of one stream; `dropped`: bytes rotated away right before it, never read.
    Output {
        stream: Stream,
        bytes: Vec<u8>,
        dropped: u64,
    },
    Launch(LaunchRow),
    Exchange(ExchangeRow),
}

/// The line that marks a launch: when, on which port, and why it failed when it did.
pub(crate) fn launch_line(launch: &LaunchRow) -> String {
    match &launch.error {
        Some(error) => format!(
            "── launch at {} on port {} failed: {error} ──",
            launch.at, launch.port
        ),
        None => format!("── launch at {} on port {} ──", launch.at, launch.port),
    }
}

/// How a front end follows an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Follow {
    /// What its history is told under (the key of the front end's view).
    pub(crate) key: u64,
    pub(crate) from: FeedStart,
}

/// Where a followed history starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedStart {
    /// Near its end: the last 16 KiB of each log and the last 20 exchanges.
    Recent,
    /// Its beginning: everything its logs still hold.
    Beginning,
}

/// What the poller of service instances tells.
#[derive(Debug)]
pub(crate) enum InstanceEvent {
    /// The instances, when they changed.
    Instances(Vec<InstanceRow>),
    /// What a followed instance's history gained, in order, under the key it is followed
    /// with.
    Feed { key: u64, item: FeedItem },
    /// A followed instance is stopped (or gone), and what its history held by then is told.
    /// Told again if it is launched and stops again.
    Stopped { key: u64 },
    /// The store could not be opened: the poller stopped.
    Unreadable(StoreError),
}
