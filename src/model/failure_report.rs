//! A failure a person or an agent reports by hand (CLI `mark-failure`, the workbench, MCP's
//! `toolbench_mark_failure`), the limits on its text, and why one is refused: the noun a
//! `Command::MarkFailure` carries. `model::quality::score` weighs the failures; the command checks an
//! agent's report against its own runs.

use crate::model::{FailureRecord, RunOrigin, Severity};
use crate::text::bounded::{self, TooLong};

/// The most a failure's scenario, and its error, may hold: a stack trace's end fits, and the
/// failures list and the evolver's input stay small however many failures a tool has.
pub(crate) const MAX_FAILURE_TEXT_BYTES: usize = 4096;

/// The longest negative tag (`^[a-z0-9][a-z0-9-]{0,40}$`).
const MAX_TAG_BYTES: usize = 41;

/// Why a hand-reported failure was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FailureReportError {
    #[error(transparent)]
    TooLong(#[from] TooLong),
    #[error("the failure needs a scenario (what was the tool asked to do?)")]
    EmptyScenario,
    #[error("the failure needs an error (what went wrong?)")]
    EmptyError,
    #[error(
        "tag {0:?} is not a valid negative tag (lowercase letters, digits and '-', starting with a letter or digit, at most 41 characters, e.g. not-for-json)"
    )]
    BadTag(String),
    #[error(
        "run_id: {client} made no run of {tool} over MCP in the last {AGENT_REPORT_HOURS} hours; an agent reports a failure of a run it made (call the tool, then report)"
    )]
    NoRunToReport { tool: String, client: String },
    #[error("run_id: run #{run} {problem}")]
    NotItsRun { run: i64, problem: String },
    #[error("run_id: run #{run} is already reported; an agent reports each of its runs once")]
    AlreadyReported { run: i64 },
}

/// How long after its run an agent may report a failure of it.
pub(crate) const AGENT_REPORT_HOURS: u64 = 24;

/// A failure reported by a person or an agent (CLI `mark-failure`, the TUI, MCP).
#[derive(Debug, Clone, PartialEq)]
pub struct FailureReport {
    pub(crate) scenario: String,
    pub(crate) error: String,
    pub(crate) severity: Severity,
    pub(crate) tag: Option<String>,
}

impl FailureReport {
    /// What is wrong with the report, if anything: a scenario and an error are required, each
    /// of at most `MAX_FAILURE_TEXT_BYTES`, and a tag must be a negative one.
    pub(crate) fn check(&self) -> Result<(), FailureReportError> {
        bounded::check("scenario", &self.scenario, MAX_FAILURE_TEXT_BYTES)?;
        bounded::check("error", &self.error, MAX_FAILURE_TEXT_BYTES)?;
        if self.scenario.trim().is_empty() {
            return Err(FailureReportError::EmptyScenario);
        }
        if self.error.trim().is_empty() {
            return Err(FailureReportError::EmptyError);
        }
        match &self.tag {
            Some(tag) => check_negative_tag(tag),
            None => Ok(()),
        }
    }

    /// Checks the report and turns it into a record of `tool@version` (not yet stored).
    pub(crate) fn into_record(
        self,
        tool: &str,
        version: &str,
        origin: RunOrigin,
        at: String,
    ) -> Result<FailureRecord, FailureReportError> {
        self.check()?;
        Ok(FailureRecord {
            id: 0,
            tool: tool.to_string(),
            version: version.to_string(),
            severity: self.severity,
            scenario: self.scenario.trim().to_string(),
            error: self.error.trim().to_string(),
            origin,
            at,
            run_id: None,
            tag: self.tag,
        })
    }
}

/// A negative tag matches `^[a-z0-9][a-z0-9-]{0,40}$`, e.g. `not-for-json`.
pub(crate) fn check_negative_tag(tag: &str) -> Result<(), FailureReportError> {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if first_ok && rest_ok && tag.len() <= MAX_TAG_BYTES {
        Ok(())
    } else {
        // Named by its start only: a tag of any length is refused in one short line.
        let mut shown: String = tag.chars().take(MAX_TAG_BYTES).collect();
        if shown.len() < tag.len() {
            shown.push('…');
        }
        Err(FailureReportError::BadTag(shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_report_is_trimmed_and_checked() {
        let report = FailureReport {
            scenario: "  a BOM file ".into(),
            error: "wrong key\n".into(),
            severity: Severity::High,
            tag: Some("not-for-bom".into()),
        };
        let record = report
            .clone()
            .into_record("csv_to_json", "1.2.0", RunOrigin::Cli, "t".into())
            .expect("valid");
        assert_eq!(
            (
                record.scenario.as_str(),
                record.error.as_str(),
                record.run_id
            ),
            ("a BOM file", "wrong key", None)
        );
        let refused = |r: FailureReport| {
            r.into_record("x", "1.0.0", RunOrigin::Cli, "t".into())
                .expect_err("refused")
        };
        assert_eq!(
            refused(FailureReport {
                scenario: " ".into(),
                ..report.clone()
            }),
            FailureReportError::EmptyScenario
        );
        assert_eq!(
            refused(FailureReport {
                error: String::new(),
                ..report.clone()
            }),
            FailureReportError::EmptyError
        );
        assert_eq!(
            refused(FailureReport {
                tag: Some("Not-For-Json".into()),
                ..report.clone()
            }),
            FailureReportError::BadTag("Not-For-Json".into())
        );
        // Texts over their bounds are refused by their size, never echoed.
        for (report, says) in [
            (
                FailureReport {
                    scenario: "s".repeat(MAX_FAILURE_TEXT_BYTES + 1),
                    ..report.clone()
                },
                "scenario: 4097 bytes long; at most 4 KiB are accepted",
            ),
            (
                FailureReport {
                    error: "e".repeat(20 << 20),
                    ..report.clone()
                },
                "error: 20 MiB long; at most 4 KiB are accepted",
            ),
            (
                FailureReport {
                    tag: Some("t".repeat(1 << 20)),
                    ..report.clone()
                },
                "tag \"ttttttttttttttttttttttttttttttttttttttttt…\" is not a valid negative tag (lowercase letters, digits and '-', starting with a letter or digit, at most 41 characters, e.g. not-for-json)",
            ),
        ] {
            assert_eq!(refused(report).to_string(), says);
        }
    }

    #[test]
    fn negative_tags_follow_the_pattern() {
        for good in ["not-for-json", "a", "0", "x-", &"a".repeat(41)] {
            assert_eq!(check_negative_tag(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "-x",
            "Upper",
            "with space",
            "under_score",
            "é",
            &"a".repeat(42),
        ] {
            assert!(check_negative_tag(bad).is_err(), "{bad}");
        }
    }
}
