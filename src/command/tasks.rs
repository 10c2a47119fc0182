//! MCP tasks as they change: opened by the server that runs them, told what the work does,
//! ended, asked to cancel by a client of any process, and forgotten once expired.

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use crate::model::tasks::TaskChange;

pub(super) async fn change(ctx: &Context, change: TaskChange) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let store = &mut store.lock();
        let at = crate::clock::now_rfc3339();
        let changed = match change {
            TaskChange::Open(task) => store.insert_task(&task).map(|()| true)?,
            TaskChange::Report { id, state, message } => {
                store.update_task(&id, state, Some(&message), &at)?
            }
            TaskChange::End { id, state, outcome } => {
                store.finish_task(&id, state, outcome.as_ref(), &at)?
            }
            TaskChange::AskCancel { id } => store.request_task_cancel(&id)?,
            TaskChange::ForgetExpired { now_ms } => store.forget_expired_tasks(now_ms)? > 0,
        };
        Ok(Applied::TaskChanged(changed))
    })
    .await
}
