//! A validation's verdict and its checks as lines, one way for every view that shows them:
//! the review overlay's checklist and the preview beside the queue.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::model::validation_report::{Check, CheckStatus, ValidationReport};

/// `verdict warn · validated <when>` (`(cached)` for a verdict the store already held).
pub(crate) fn verdict(theme: &Theme, report: &ValidationReport) -> Line<'static> {
    let style = match report.verdict.as_str() {
        "pass" => theme.ok,
        "warn" => theme.warning,
        _ => theme.error,
    };
    let cached = if report.cached { " (cached)" } else { "" };
    Line::from(vec![
        Span::styled(format!("verdict {}", report.verdict), style),
        Span::styled(
            format!(" · validated {}{cached}", report.validated_at),
            theme.dim,
        ),
    ])
}

/// A check with its mark (`✓` `!` `✗` `-`, readable without colour) and what it found.
pub(crate) fn check(theme: &Theme, check: &Check) -> Line<'static> {
    let (mark, style) = match check.status {
        CheckStatus::Pass => ("✓", theme.ok),
        CheckStatus::Warn => ("!", theme.warning),
        CheckStatus::Fail => ("✗", theme.error),
        CheckStatus::Skip => ("-", theme.dim),
    };
    Line::from(vec![
        Span::styled(format!("{mark} {:<14}", check.check.as_str()), style),
        Span::raw(check.message.clone()),
    ])
}

/// Whether a check is one a reviewer must look at: it failed or warned.
pub(crate) fn is_failing(check: &Check) -> bool {
    matches!(check.status, CheckStatus::Fail | CheckStatus::Warn)
}
