//! The Review pane: tools waiting in experimental/ for a human decision, and what else waits
//! for one (agent calls, tool requests, health alerts, rules).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Framing, ListRows, empty_state, pane_block};
use crate::model::ToolEntry;
use crate::model::validation_report::ValidationReport;
use crate::tui::layout::Pane;
use crate::tui::text_view;
use crate::tui::theme::Theme;
use crate::tui::verdict_lines;

/// What the preview beside the queue shows of the selected row (nothing for a row that is no
/// tool: a call, a request, a rule).
#[derive(Debug, Default)]
pub(crate) struct Preview<'a> {
    pub(crate) entry: Option<&'a ToolEntry>,
    pub(crate) report: Option<&'a ValidationReport>,
    pub(crate) diff: PreviewDiff<'a>,
}

/// The diff against the parent, as far as it is known.
#[derive(Debug, Default)]
pub(crate) enum PreviewDiff<'a> {
    /// Numbered lines, the first of the diff.
    Lines(&'a [Line<'static>]),
    /// Being read in the background.
    #[default]
    Loading,
    /// A new tool: nothing to compare with.
    NoParent,
}

/// Columns the queue keeps beside the preview: its names, versions and badges whole.
const QUEUE_WIDTH: u16 = 40;

/// The queue's columns beside the preview, in a pane `inner` columns wide inside.
pub(crate) fn queue_width(inner: u16) -> u16 {
    (inner * 2 / 5).max(QUEUE_WIDTH)
}

/// What waits beside the rows, counted in the pane's title.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiting {
    /// Agent calls waiting for an answer.
    pub(crate) calls: usize,
    /// Rows marked for one decision on all of them.
    pub(crate) marked: usize,
}

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    framing: Framing,
    area: Rect,
    review: &dyn ListRows,
    waiting: Waiting,
    preview: Option<Preview>,
) {
    // Waiting agent calls are counted apart: an agent is blocked on each. The title says it
    // in as many words as the frame has room for.
    let marked = match waiting.marked {
        0 => String::new(),
        n => format!(" · {n} marked"),
    };
    let rows = review.count();
    let titles: Vec<String> = match waiting.calls {
        0 => vec![format!("Review ({rows}){marked}")],
        1 => vec![
            format!("Review ({rows}) · 1 call waiting{marked}"),
            format!("Review ({rows}) · 1 waiting{marked}"),
            format!("Review ({rows}) · ⏸ 1{marked}"),
        ],
        n => vec![
            format!("Review ({rows}) · {n} calls waiting{marked}"),
            format!("Review ({rows}) · {n} waiting{marked}"),
            format!("Review ({rows}) · ⏸ {n}{marked}"),
        ],
    };
    // The frame's corners, the pane's number and the spaces around the title.
    let room = usize::from(area.width).saturating_sub(6);
    let title = titles
        .iter()
        .find(|t| t.chars().count() <= room)
        .or(titles.last())
        .cloned()
        .unwrap_or_default();
    let block = pane_block(theme, Pane::Review, framing, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if review.count() == 0 {
        frame.render_widget(empty_state(theme, review.empty_text()), inner);
        return;
    }
    // Beside the queue, the selected row's preview, after a rule.
    let (queue, beside) = match preview {
        Some(preview) => {
            let queue_width = queue_width(inner.width);
            let queue = Rect {
                width: queue_width,
                ..inner
            };
            let beside = Rect {
                x: inner.x + queue_width + 1,
                width: inner.width.saturating_sub(queue_width + 1),
                ..inner
            };
            let rule = Rect {
                x: inner.x + queue_width,
                width: 1,
                ..inner
            };
            let rule_lines =
                vec![Line::from(Span::styled("│", theme.border)); usize::from(inner.height)];
            frame.render_widget(Paragraph::new(rule_lines), rule);
            (queue, Some((beside, preview)))
        }
        None => (inner, None),
    };
    let window = review.window(queue.height as usize);
    let rows = review.lines(window, queue.width as usize);
    frame.render_widget(Paragraph::new(rows), queue);
    if let Some((area, preview)) = beside {
        let width = usize::from(area.width);
        let lines: Vec<Line> = preview_lines(theme, &preview)
            .iter()
            .take(usize::from(area.height))
            .map(|line| text_view::shift(line, 0, width))
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// The preview's lines: the tool, its verdict and the checks that did not pass, then the first
/// lines of its diff against the parent.
fn preview_lines(theme: &Theme, preview: &Preview) -> Vec<Line<'static>> {
    let Some(entry) = preview.entry else {
        return vec![Line::from(Span::styled("no tool on this row", theme.dim))];
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("{} {}", entry.name, entry.version),
        theme.title.add_modifier(Modifier::BOLD),
    ))];
    match preview.report {
        Some(report) => {
            lines.push(verdict_lines::verdict(theme, report));
            lines.extend(
                report
                    .checks
                    .iter()
                    .filter(|c| verdict_lines::is_failing(c))
                    .map(|c| verdict_lines::check(theme, c)),
            );
        }
        None => lines.push(Line::from(Span::styled("not validated yet", theme.dim))),
    }
    lines.push(Line::from(""));
    match preview.diff {
        PreviewDiff::Lines(diff) => lines.extend(diff.iter().cloned()),
        PreviewDiff::Loading => {
            lines.push(Line::from(Span::styled("reading the diff…", theme.dim)))
        }
        PreviewDiff::NoParent => lines.push(Line::from(Span::styled(
            "a new tool: no parent to compare with",
            theme.dim,
        ))),
    }
    lines
}
