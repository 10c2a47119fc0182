//! What a run sends back, as every front end shows it: which stream a chunk of output came
//! from, the newest progress report that stood, and what a run that started ended with. The
//! runner makes them.

use crate::model::RunRecord;
use crate::model::protections::Protections;

/// Bytes of each stream kept in memory (and written to the log) from the start …
pub(crate) const HEAD_BYTES: usize = 4 * 1024 * 1024;
/// … and from the end. Output between the two is counted, not kept.
pub(crate) const TAIL_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One report that stood.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Finite, >= 0, never below the previous report's.
    pub(crate) progress: f64,
    /// Finite, > 0, never below `progress`.
    pub(crate) total: Option<f64>,
    /// One line of visible text, at most `runner::progress::MAX_MESSAGE_CHARS` characters.
    pub(crate) message: Option<String>,
}

impl Progress {
    /// `progress / total`, within 0..=1, when a total is known.
    pub(crate) fn fraction(&self) -> Option<f64> {
        self.total
            .map(|total| (self.progress / total).clamp(0.0, 1.0))
    }
}

/// The result of a run that started.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub record: RunRecord,
    /// Head and tail of stdout (all of it when small).
    pub stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) protections: Protections,
}
