//! What every toolbench process does as it starts: look at the instances the store says are
//! running. A live one (same pid, same start time) is reconnected as it is; a dead one is
//! marked stopped and keeps its history; a pid now held by another program is left alone.

use std::time::{Duration, SystemTime};

use crate::model::services::{InstanceRow, InstanceState};
use crate::proc_stat::ProcessId;
use crate::store::Store;

/// A launch that never named its process within this long was abandoned by its launcher.
const LAUNCH_GRACE: Duration = Duration::from_secs(600);

/// Marks stopped the instances `store` records as running whose process is gone. Returns
/// how many.
pub(crate) fn reconcile_store(store: &mut Store) -> Result<usize, crate::store::StoreError> {
    let mut stopped = 0;
    for row in store.instances(true)? {
        if let Some(reason) = why_dead(&row) {
            store.set_instance_state(&row.name, InstanceState::Stopped, None, Some(&reason))?;
            stopped += 1;
        }
    }
    Ok(stopped)
}

/// `None` while the instance's process lives (or its launch is still under way).
pub(crate) fn why_dead(row: &InstanceRow) -> Option<String> {
    let (Some(pid), Some(start_ticks)) = (row.pid, row.start_ticks) else {
        let started = crate::clock::parse_rfc3339(&row.started_at)?;
        let age = SystemTime::now()
            .duration_since(started)
            .unwrap_or_default();
        return (age > LAUNCH_GRACE).then(|| "its launch never finished".to_string());
    };
    let id = ProcessId { pid, start_ticks };
    if id.is_alive() {
        return None;
    }
    Some(match ProcessId::of(pid) {
        Some(other) if other.start_ticks != start_ticks => {
            format!("its process ended; pid {pid} now belongs to another program (left alone)")
        }
        _ => "its process ended".to_string(),
    })
}
