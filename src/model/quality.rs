//! What the run history says of tools and the workspace, as the stats views show it: plain
//! nouns, and the score they are computed with (`score`, from runs and failures).

pub(crate) mod score;

use serde::Serialize;

use crate::model::RunStatus;

/// A tool's record over all its runs and failures (every version of one name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolStats {
    pub(crate) name: String,
    pub(crate) runs: u64,
    pub(crate) ok: u64,
    /// `ok / runs`; 0 when the tool never ran.
    pub(crate) success_rate: f64,
    /// Median run duration; `None` when the tool never ran.
    pub(crate) median_ms: Option<u64>,
    pub(crate) quality: f64,
    pub(crate) last_status: Option<RunStatus>,
    /// `started_at` of the newest run.
    pub(crate) last_run_at: Option<String>,
}

/// An active tool's stats now, and its quality at an earlier time (a week ago in the
/// workbench's stats overlay).
#[derive(Debug, Clone, PartialEq)]
pub struct QualityTrend {
    pub(crate) stats: ToolStats,
    pub(crate) earlier: f64,
}

impl QualityTrend {
    /// How much quality rose (positive) or fell since `earlier`.
    pub(crate) fn change(&self) -> f64 {
        self.stats.quality - self.earlier
    }
}

/// One day's runs (UTC): how many, and how many ended ok. Validation runs are not counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayRuns {
    /// `YYYY-MM-DD`.
    pub(crate) day: String,
    pub(crate) runs: u64,
    pub(crate) ok: u64,
}

/// A day on which a tool ran: that day's runs, and the tool's quality as it stood at the end
/// of the day (every run and failure up to then).
#[derive(Debug, Clone, PartialEq)]
pub struct DayQuality {
    pub(crate) day: DayRuns,
    pub(crate) quality: f64,
}

/// The workspace at a glance: its runs on each of the last days, and the active tools ranked
/// by quality, as `toolbench stats` ranks them, with their quality some time earlier.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceStats {
    /// Oldest first, ending today; a day without runs counts zero.
    pub(crate) days: Vec<DayRuns>,
    pub ranking: Vec<QualityTrend>,
}
