//! What a scan of the workspace tells as it goes (the scan job, `jobs::scan`), for the front
//! end that shows it.

use std::sync::Arc;
use std::time::Duration;

use super::ToolEntry;

#[derive(Debug)]
pub(crate) enum ScanEvent {
    /// Tool folders read so far, of those found so far.
    Progress { done: usize, total: usize },
    /// Tools read since the last rows told, with their drift (a streaming scan only).
    Rows(Vec<ToolEntry>),
    /// Shared: the front end shows the same entries the live catalog keeps, not a copy.
    Finished {
        entries: Arc<Vec<ToolEntry>>,
        elapsed: Duration,
    },
    /// The end of a streaming scan whose result is the rows it told (`Rows`, then `last`):
    /// it kept no list of its own beside them. The rows were marked with the seals as they
    /// stood when the scan started; `remark`, there when the seals as they stand after it
    /// would mark any entry otherwise, marks every row again with those, as a scan marks its
    /// result. Told after every row, in order, to a listener that keeps the order.
    Told {
        last: Vec<ToolEntry>,
        remark: Option<Remark>,
        elapsed: Duration,
    },
}

/// Marks every entry of a scan's result again, with the seals as they stand after the scan.
pub struct Remark(Box<Marking>);

/// What marks every entry of a list.
type Marking = dyn FnOnce(&mut [ToolEntry]) + Send;

impl Remark {
    pub(crate) fn new(mark: impl FnOnce(&mut [ToolEntry]) + Send + 'static) -> Self {
        Self(Box::new(mark))
    }

    pub(crate) fn mark(self, entries: &mut [ToolEntry]) {
        (self.0)(entries);
    }
}

impl std::fmt::Debug for Remark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Remark")
    }
}
