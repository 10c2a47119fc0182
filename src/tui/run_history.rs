//! A tool's recent runs at a glance: a sparkline of their durations, a strip of their
//! outcomes, and the numbers behind them, for the tool detail.

use ratatui::style::Style;
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};

use crate::model::{RunRecord, RunStatus};
use crate::tui::theme::Theme;

/// How many runs the picture shows, newest on the right.
pub(crate) const RECENT_RUNS: usize = 50;

const LEVELS: [&str; 8] = [
    bar::ONE_EIGHTH,
    bar::ONE_QUARTER,
    bar::THREE_EIGHTHS,
    bar::HALF,
    bar::FIVE_EIGHTHS,
    bar::THREE_QUARTERS,
    bar::SEVEN_EIGHTHS,
    bar::FULL,
];

/// The picture of `runs` (newest first, as the store lists them); nothing for a tool that
/// never ran.
pub(crate) fn lines(theme: &Theme, runs: &[RunRecord]) -> Vec<Line<'static>> {
    if runs.is_empty() {
        return Vec::new();
    }
    let shown: Vec<&RunRecord> = runs.iter().take(RECENT_RUNS).rev().collect();
    let slowest = shown
        .iter()
        .map(|r| r.duration_ms)
        .max()
        .unwrap_or(0)
        .max(1);
    let sparkline: String = shown
        .iter()
        .map(|r| {
            let level = (r.duration_ms * (LEVELS.len() as u64 - 1)).div_ceil(slowest) as usize;
            LEVELS[level.min(LEVELS.len() - 1)]
        })
        .collect();
    let outcomes: Vec<Span<'static>> = shown
        .iter()
        .map(|r| {
            let (mark, style) = outcome(theme, r.status);
            Span::styled(mark, style)
        })
        .collect();
    let ok = shown.iter().filter(|r| r.status == RunStatus::Ok).count();
    let mut durations: Vec<u64> = shown.iter().map(|r| r.duration_ms).collect();
    durations.sort_unstable();
    let median = durations[durations.len() / 2];
    let label = |text: &str| Span::styled(format!("{text:<13}"), theme.dim);
    vec![
        Line::from(vec![
            label("durations"),
            Span::styled(sparkline, theme.text),
        ]),
        Line::from([vec![label("outcomes")], outcomes].concat()),
        Line::from(vec![
            label(""),
            Span::styled(
                format!(
                    "{} · {}% ok · median {median} ms · slowest {slowest} ms",
                    match shown.len() {
                        1 => "the last run".to_string(),
                        n => format!("last {n} runs"),
                    },
                    ok * 100 / shown.len()
                ),
                theme.dim,
            ),
        ]),
    ]
}

/// One mark per run: a shape as well as a colour, so it reads without colour too.
fn outcome(theme: &Theme, status: RunStatus) -> (&'static str, Style) {
    match status {
        RunStatus::Ok => ("●", theme.ok),
        RunStatus::Failed | RunStatus::SchemaViolation | RunStatus::Limit => ("✗", theme.error),
        RunStatus::Timeout => ("◷", theme.warning),
        RunStatus::BadInput => ("?", theme.warning),
        RunStatus::SandboxError
        | RunStatus::Cancelled
        | RunStatus::Abandoned
        | RunStatus::Unavailable => ("·", theme.dim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RunOrigin, Tier};

    fn run(ms: u64, status: RunStatus) -> RunRecord {
        RunRecord {
            id: 1,
            tool: "t".into(),
            version: "1.0.0".into(),
            tier: Tier::Core,
            input: String::new(),
            started_at: "2026-11-22T10:00:00.000Z".into(),
            duration_ms: ms,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: None,
            bytes_out: 0,
            status,
            origin: RunOrigin::Cli,
            client: None,
            project: None,
            log_dir: None,
            sandbox: String::new(),
            error: None,
        }
    }

    fn text(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn newest_runs_are_on_the_right_scaled_to_the_slowest() {
        let theme = Theme::builtin();
        // Newest first, as the store lists them.
        let runs = [
            run(800, RunStatus::Timeout),
            run(100, RunStatus::Failed),
            run(400, RunStatus::Ok),
        ];
        let lines = lines(&theme, &runs);
        // Oldest left: 400 ms, 100 ms, then the slowest, 800 ms.
        assert!(text(&lines[0]).ends_with(" ▅▂█"), "{:?}", text(&lines[0]));
        assert_eq!(text(&lines[1]).split_whitespace().last(), Some("●✗◷"));
        assert!(text(&lines[2]).contains("last 3 runs · 33% ok · median 400 ms · slowest 800 ms"));
    }

    #[test]
    fn ten_thousand_runs_show_the_last_fifty_and_no_runs_show_nothing() {
        let theme = Theme::builtin();
        let runs: Vec<RunRecord> = (0..10_000).map(|i| run(i, RunStatus::Ok)).collect();
        let lines = lines(&theme, &runs);
        assert_eq!(text(&lines[1]).matches('●').count(), RECENT_RUNS);
        assert!(text(&lines[2]).contains("last 50 runs · 100% ok"));
        assert!(super::lines(&theme, &[]).is_empty());
    }

    #[test]
    fn one_run_is_the_last_run_and_bad_input_has_a_mark_of_its_own() {
        let theme = Theme::builtin();
        let lines = lines(&theme, &[run(5, RunStatus::BadInput)]);
        assert_eq!(text(&lines[1]).split_whitespace().last(), Some("?"));
        assert!(
            text(&lines[2]).contains("the last run · 0% ok"),
            "{:?}",
            text(&lines[2])
        );
    }
}
