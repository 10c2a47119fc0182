//! Where an agent's tool requests stand, for `toolbench_review_status`: the human's answer
//! and words, and the proposals that later arrived for them.

use serde::Serialize;

use crate::model::requests::RequestRow;
use crate::store::{Store, StoreError};

/// A proposal that answered a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LinkedProposal {
    pub(crate) version: String,
    pub(crate) folder: String,
    pub(crate) client: String,
    pub(crate) proposed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RequestStatus {
    pub(crate) request_id: i64,
    pub(crate) name: String,
    /// `request_pending`, `request_approved`, `request_rejected` or `changes_requested`.
    pub(crate) state: &'static str,
    /// The human's reason (approve, reject) or feedback (request changes).
    pub(crate) reason: Option<String>,
    pub(crate) reviewer: Option<String>,
    /// When the state was reached: the answer's time, else the request's.
    pub(crate) at: String,
    pub(crate) requested_at: String,
    /// Proposals of this name that arrived after the request, oldest first.
    pub(crate) proposals: Vec<LinkedProposal>,
}

pub(crate) fn statuses(
    store: &Store,
    rows: &[RequestRow],
) -> Result<Vec<RequestStatus>, StoreError> {
    rows.iter()
        .map(|row| {
            let proposals = store
                .proposals_for_request(row.id)?
                .into_iter()
                .map(|p| LinkedProposal {
                    version: p.version,
                    folder: p.path,
                    client: p.client,
                    proposed_at: p.proposed_at,
                })
                .collect();
            Ok(RequestStatus {
                request_id: row.id,
                name: row.name.clone(),
                state: row.state.agent_name(),
                reason: row.reason.clone(),
                reviewer: row.answered_by.clone(),
                at: row
                    .answered_at
                    .clone()
                    .unwrap_or_else(|| row.requested_at.clone()),
                requested_at: row.requested_at.clone(),
                proposals,
            })
        })
        .collect()
}
