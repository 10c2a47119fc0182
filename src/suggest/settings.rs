//! The thresholds of the detectors: a leaf the detectors and their caller both read.

use std::time::Duration;

/// Thresholds of the detectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How far back the detectors look.
    pub(crate) history_days: u64,
    /// The newest runs of that time read at most.
    pub(crate) max_runs: usize,
    /// How often one client must run A then B before it is a habit.
    pub(crate) repeats: usize,
    /// How long after A's end B must start to follow it.
    pub(crate) gap: Duration,
    /// The newest runs of each tool its failure rate and durations are taken from.
    pub(crate) per_tool: usize,
    /// The fewest of those runs a tool needs before it is judged.
    pub(crate) min_runs: usize,
    /// The failure rate from which a tool should evolve.
    pub(crate) failure_rate: f64,
    /// The 95th percentile duration from which a tool is slow.
    pub(crate) slow_p95: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            history_days: 30,
            max_runs: 50_000,
            repeats: 3,
            gap: Duration::from_secs(120),
            per_tool: 50,
            min_runs: 5,
            failure_rate: 0.3,
            slow_p95: Duration::from_secs(10),
        }
    }
}
