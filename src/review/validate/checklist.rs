//! The lines a validation reports (checks, findings, test cases, similar tools) and where its
//! runs go: a leaf every check of the validation and the report itself take from.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::model::{RunRecord, Tier};

crate::model::string_enum! {
    CheckStatus { Pass => "pass", Warn => "warn", Fail => "fail", Skip => "skip" }
}

crate::model::string_enum! {
    /// The checks, in the order the report lists them: what the tool may reach comes first.
    CheckKind {
        Permissions => "permissions", Manifest => "manifest", Links => "links",
        Dependencies => "dependencies", Syntax => "syntax", Lint => "lint", Security => "security",
        Tests => "tests", OutputSchema => "output_schema", Generated => "generated",
        Differential => "differential", Similar => "similar",
    }
}

crate::model::string_enum! {
    FindingSeverity { Info => "info", Warning => "warning", Error => "error" }
}

crate::model::string_enum! {
    /// `error` means the case could not be judged (broken case file, the run never started).
    CaseStatus { Pass => "pass", Fail => "fail", Error => "error" }
}

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

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Check {
    pub(crate) check: CheckKind,
    pub(crate) status: CheckStatus,
    pub(crate) message: String,
}

impl Check {
    pub(super) fn new(check: CheckKind, status: CheckStatus, message: impl Into<String>) -> Self {
        Self {
            check,
            status,
            message: message.into(),
        }
    }
}

/// Something a check found at a place in the tool's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finding {
    /// Rule id: `pipe-to-shell`, `syntax`, a linter code such as `F401` or `SC2086`, …
    pub(crate) rule: String,
    /// Path relative to the tool folder, `/`-separated.
    pub(crate) file: String,
    pub(crate) line: Option<usize>,
    pub(crate) severity: FindingSeverity,
    pub(crate) message: String,
    /// The check that reported it.
    pub(crate) check: CheckKind,
}

/// The result of one test case (`tests/<case>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The case file's name without `.toml`.
    pub(crate) case: String,
    pub(crate) status: CaseStatus,
    pub(crate) message: String,
    /// The run's own duration (0 when nothing ran).
    pub(crate) duration_ms: u64,
    pub(crate) peak_memory_kb: Option<u64>,
    pub(crate) exit_code: Option<i32>,
}

/// Another tool of the catalog that looks like this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Similar {
    pub(crate) name: String,
    /// 0..1, rounded to two decimals.
    pub(crate) score: f64,
    pub(crate) version: String,
    pub(crate) tier: Tier,
}

/// At most `max` characters of `text` on one line, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let one_line = text.trim().replace(['\n', '\r'], "⏎");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
