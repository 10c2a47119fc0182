//! The decision log's entries as read back: who decided what, and the rows it wrote.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One row an entry wrote: the table and its columns, exactly as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRow {
    pub table: String,
    pub row: Map<String, Value>,
}

/// One entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LogEntry {
    pub(crate) seq: u64,
    pub(crate) at: String,
    pub(crate) who: String,
    pub(crate) action: String,
    pub(crate) subject: String,
    pub(crate) rows: Vec<LoggedRow>,
    pub(crate) prev: String,
    #[serde(default)]
    pub(crate) hash: String,
}
