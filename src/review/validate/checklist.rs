//! Where a validation's runs go, and how a line of its report is shortened: a leaf every
//! check of the validation takes from (the report's nouns are `model::validation_report`).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::model::RunRecord;

/// Where each run of a validation goes as it ends: the validation job records it by the rule
/// of every run, so a validation cut short (a kill, a stop) leaves its finished runs stored.
#[derive(Clone)]
pub(crate) struct RunSink(Arc<dyn Fn(RunRecord) -> BoxFuture<'static, ()> + Send + Sync>);

impl RunSink {
    pub(crate) fn new(
        take: impl Fn(RunRecord) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(take))
    }

    /// A run of the validation ended.
    pub(crate) async fn ended(&self, run: RunRecord) {
        (self.0)(run).await;
    }
}
