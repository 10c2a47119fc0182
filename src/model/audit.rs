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
pub struct LogEntry {
    pub seq: u64,
    pub at: String,
    pub who: String,
    pub action: String,
    pub subject: String,
    pub rows: Vec<LoggedRow>,
    pub prev: String,
    #[serde(default)]
    pub hash: String,
}
