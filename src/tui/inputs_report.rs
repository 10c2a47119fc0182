//! What validation's own inputs found, as lines of the review overlay: the generated inputs'
//! failures in the Checks tab, and the parent's real inputs that parent and candidate answer
//! differently in the Diff tab, both answers side by side.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::model::validation_report::{Answered, DifferentialReport, GeneratedReport};
use crate::text::visible;
use crate::tui::theme::Theme;

/// Lines of one answer's stdout shown in the Diff tab.
const ANSWER_LINES: usize = 8;
/// The widest a parent column grows before the candidate's starts (`>` scrolls to it).
const MAX_COLUMN: usize = 60;

/// The generated inputs' failures, one row each (`selected` is highlighted), with the
/// message under it. Returns the lines and the line of the selected row.
pub(crate) fn generated_lines(
    theme: &Theme,
    report: &GeneratedReport,
    selected: Option<usize>,
) -> (Vec<Line<'static>>, Option<usize>) {
    let mut lines = vec![Line::from(vec![
        Span::styled("generated inputs", theme.syntax_heading),
        Span::styled(
            format!(" · {} run · seed {}", report.tried, report.seed),
            theme.dim,
        ),
    ])];
    let mut selected_line = None;
    for (i, failure) in report.failures.iter().enumerate() {
        let row = Line::from(vec![
            Span::styled(
                format!("  ✗ {} ×{} ", failure.kind, failure.seen),
                theme.warning,
            ),
            Span::raw(visible(&failure.input)),
        ]);
        if Some(i) == selected {
            selected_line = Some(lines.len());
            lines.push(row.style(theme.selected));
        } else {
            lines.push(row);
        }
        lines.push(Line::from(Span::styled(
            format!("      {}", visible(&failure.message)),
            theme.dim,
        )));
    }
    (lines, selected_line)
}

/// The Diff tab's part on behaviour: every input the two answer differently, with where it
/// came from, what differs, and both answers side by side.
pub(crate) fn behaviour_lines(theme: &Theme, report: &DifferentialReport) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(
            format!(
                "── behaviour on {}'s real inputs: {} of {} answered differently ──",
                report.parent,
                report.differences.len(),
                report.replayed
            ),
            theme.syntax_heading,
        )),
    ];
    if report.not_deterministic > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "{} input(s) answered two ways when asked twice: not compared",
                report.not_deterministic
            ),
            theme.dim,
        )));
    }
    for difference in &report.differences {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled(
                format!("input ({}) ", visible(&difference.source)),
                theme.dim,
            ),
            Span::raw(visible(&difference.input)),
        ]));
        lines.push(Line::from(Span::styled(
            format!("differs: {}", difference.what.join(", ")),
            theme.warning,
        )));
        let parent = answer_rows(&difference.parent);
        let candidate = answer_rows(&difference.candidate);
        let width = parent
            .iter()
            .map(|r| r.width())
            .chain([report.parent.width(), "parent".len()])
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN);
        lines.push(side_by_side(
            ("parent", theme.syntax_heading),
            ("candidate", theme.syntax_heading),
            width,
        ));
        for i in 0..parent.len().max(candidate.len()) {
            let cell = |rows: &[String]| rows.get(i).cloned().unwrap_or_default();
            lines.push(side_by_side(
                (&cell(&parent), theme.error),
                (&cell(&candidate), theme.ok),
                width,
            ));
        }
    }
    lines
}

/// `left │ right`, the left padded to `width` columns (cut with `…` past it).
fn side_by_side(left: (&str, Style), right: (&str, Style), width: usize) -> Line<'static> {
    Line::from(vec![
        Span::styled(crate::tui::text_fit::fit(left.0, width), left.1),
        Span::raw(" │ "),
        Span::styled(right.0.to_string(), right.1),
    ])
}

/// One answer as rows: how it ended, then its stdout's first lines.
fn answer_rows(answer: &Answered) -> Vec<String> {
    let mut rows = vec![visible(&answer.ending())];
    let stdout: Vec<&str> = answer.stdout.lines().collect();
    rows.extend(stdout.iter().take(ANSWER_LINES).map(|l| visible(l)));
    if stdout.len() > ANSWER_LINES {
        rows.push(format!("… {} more line(s)", stdout.len() - ANSWER_LINES));
    }
    rows
}
