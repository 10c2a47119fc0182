//! What a service was asked and how it answered.

use serde::Serialize;

/// One message and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRow {
    pub id: i64,
    pub instance: String,
    pub at: String,
    pub message: String,
    /// JSON text.
    pub context: String,
    /// The answer as the adapter read it (`response`, `content` or the whole line).
    pub response: Option<String>,
    /// The line the service sent.
    pub raw: Option<String>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// Where the instance's stdout and stderr logs stood once it was answered (positions among
    /// everything each stream wrote); `None` for exchanges stored before they were kept.
    pub logs_at: Option<[u64; 2]>,
}
