//! What the Review pane shows, measured as the layout needs it and drawn by
//! `panes::review`.

use std::ops::Range;

use ratatui::text::{Line, Span};

use super::{App, ReviewRow};
use crate::model::ToolEntry;
use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::model::requests::RequestRow;
use crate::review::health::HealthAlert;
use crate::tui::layout::column_width;
use crate::tui::ui::{fit, widest};

pub(crate) fn empty_text(app: &App) -> Vec<Line<'static>> {
    // The Catalog says how far the scan is; here, that the queue may still fill.
    let nothing = match app.scan.progress() {
        Some(_) => "Nothing to review yet.",
        None => "Nothing to review.",
    };
    vec![
        Line::from(""),
        Line::from(nothing),
        // Lines of at most 32 columns: whole in the pane at the smallest screen, 80 wide.
        Line::from("New and evolved tools that"),
        Line::from("agents write into experimental/"),
        Line::from("wait here."),
    ]
}

/// Columns the rows in `window` would fill, up to `cap`: what the pane asks of the layout.
pub(crate) fn wanted_width(app: &App, window: Range<usize>, cap: usize) -> usize {
    if app.review_rows() == 0 {
        return widest(&empty_text(app));
    }
    widest(&lines(app, window, cap))
}

/// The rows at `window`, `width` columns wide, the selected one highlighted.
pub(crate) fn lines(app: &App, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
    let visible: Vec<(usize, Option<ReviewRow>)> =
        window.map(|pos| (pos, app.review_row(pos))).collect();
    // Names line up across candidates and requests: whole when there is room, giving way
    // to the badge, which is the point of this pane, down to 8 columns.
    let longest = visible
        .iter()
        .filter_map(|(_, row)| match row {
            Some(ReviewRow::Candidate(entry)) => Some(entry.name.chars().count()),
            Some(ReviewRow::Request(request)) => Some(request.name.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let name_width = column_width(longest, width, 8, BADGE_WIDTH + 10);
    visible
        .into_iter()
        .map(|(pos, review_row)| {
            let line = match review_row {
                Some(ReviewRow::Call(call)) => call_row(app, call, width),
                Some(ReviewRow::Alert(alert)) => alert_row(app, alert, width),
                Some(ReviewRow::Request(request)) => request_row(app, request, width, name_width),
                Some(ReviewRow::Candidate(entry)) => row(app, entry, width, name_width),
                Some(ReviewRow::Rule(rule)) => rule_row(app, rule, width),
                None => Line::from(""),
            };
            if pos == app.review_cursor.selected {
                line.style(app.theme.selected)
            } else {
                line
            }
        })
        .collect()
}

/// An agent's call waiting for an answer: `a` once, `A` always, `e` edit, `r` reject.
fn call_row(app: &App, call: &CallRow, width: usize) -> Line<'static> {
    let theme = &app.theme;
    // The MCP task the call holds up, by the start of its id, as `toolbench calls` names it.
    let task = call
        .task
        .as_deref()
        .map(|id| format!("· task {} ", crate::bounded::truncated(id.to_string(), 8)))
        .unwrap_or_default();
    let head = format!(
        "#{} {}@{} · {} {task}",
        call.id, call.tool, call.version, call.client
    );
    let rest = width.saturating_sub(head.chars().count() + 2);
    Line::from(vec![
        Span::styled("⏸ ", theme.warning),
        Span::styled(fit(&head, width.saturating_sub(2)), theme.warning),
        Span::styled(fit(&call.arguments.to_string(), rest), theme.text),
    ])
}

/// A tool an agent asked for, before any code: `a` write it, `r` reject, `R` feedback.
fn request_row(app: &App, request: &RequestRow, width: usize, name_width: usize) -> Line<'static> {
    let theme = &app.theme;
    let head = format!("{} ", fit(&request.name, name_width));
    let who = format!(
        " · {} · {}",
        crate::text::visible(&request.client),
        crate::text::visible(&request.description)
    );
    let rest = width.saturating_sub(head.chars().count() + "request".len() + 2);
    Line::from(vec![
        Span::styled("? ", theme.tier_experimental),
        Span::styled(head, theme.text),
        Span::styled("request", theme.tier_experimental),
        Span::styled(fit(&who, rest), theme.dim),
    ])
}

/// An "approve always" rule in force: `x` revokes it.
fn rule_row(app: &App, rule: &RuleRow, width: usize) -> Line<'static> {
    let theme = &app.theme;
    let pattern = rule
        .pattern
        .as_ref()
        .map(|p| format!(" when {p}"))
        .unwrap_or_default();
    let text = format!(
        "rule #{} always {}@{}{pattern}",
        rule.id, rule.tool, rule.version
    );
    Line::from(vec![
        Span::styled("≡ ", theme.dim),
        Span::styled(fit(&text, width.saturating_sub(2)), theme.dim),
    ])
}

/// A health alert waiting for a human: `u` rolls back, `x` archives.
fn alert_row(app: &App, alert: &HealthAlert, width: usize) -> Line<'static> {
    let (mark, style) = match alert {
        HealthAlert::RollbackProposed { .. } => ("↩ ", app.theme.error),
        HealthAlert::Degraded { .. } => ("⚠ ", app.theme.warning),
    };
    Line::from(vec![
        Span::styled(mark, style),
        Span::styled(fit(&alert.describe(), width.saturating_sub(2)), style),
    ])
}

/// What an active tool's row says when it will not run as it is.
fn drift_badge(drift: &crate::model::Drift) -> &'static str {
    match drift {
        crate::model::Drift::Modified { .. } => "modified",
        crate::model::Drift::Unapproved => "not approved",
        crate::model::Drift::NotAccepted => "not accepted",
    }
}

/// Room for the longest common badge, `evolves 1.2.0`.
const BADGE_WIDTH: usize = 13;

/// `name version  badge`, where the badge says what kind of proposal this is.
fn row(app: &App, entry: &ToolEntry, width: usize, name_width: usize) -> Line<'static> {
    let theme = &app.theme;
    let (badge, style) = if let Some(drift) = &entry.drift {
        (
            format!("{} · {}", entry.tier, drift_badge(drift)),
            theme.error,
        )
    } else if entry.is_broken() {
        ("broken".to_string(), theme.error)
    } else if app.changes_requested.contains(&entry.content_hash) {
        // Unchanged since a person asked for changes: it waits for its author, not a review.
        ("changes requested".to_string(), theme.warning)
    } else if entry.inferred {
        ("inferred".to_string(), theme.warning)
    } else if let Some(parent) = entry
        .manifest
        .as_ref()
        .and_then(|m| m.provenance.parent.clone())
    {
        // Same name: the version says it all and fits narrow panes.
        let from = match &parent.version {
            Some(version) if parent.name == entry.name => version.to_string(),
            _ => parent.to_string(),
        };
        (format!("evolves {from}"), theme.tier_approved)
    } else {
        ("new".to_string(), theme.ok)
    };
    // An agent's proposal says whose it is: the reviewer weighs the source.
    let proposer = app
        .proposers
        .iter()
        .find(|(folder, _)| entry.path.ends_with(folder));
    let badge = match proposer {
        Some((_, client)) => format!("{badge} · {client}"),
        None => badge,
    };
    // The verdict of the automatic validation leads: ✓ pass, ! warn, ✗ fail, … pending.
    let (mark, mark_style) = match app
        .validations
        .get(&entry.path)
        .map(|r| r.verdict.to_string())
    {
        Some(v) if v == "pass" => ("✓ ", theme.ok),
        Some(v) if v == "warn" => ("! ", theme.warning),
        Some(_) => ("✗ ", theme.error),
        None => ("… ", theme.dim),
    };
    let head = format!(
        "{} {} ",
        fit(&entry.name, name_width),
        fit(&entry.version, 6)
    );
    // While candidates are marked, each row says whether it is one of them.
    let gutter = match (app.marks.is_empty(), app.marks.get(&entry.path)) {
        (true, _) => None,
        (false, Some(_)) => Some(Span::styled("● ", theme.filter)),
        (false, None) => Some(Span::raw("  ")),
    };
    let gutter_width = gutter.as_ref().map_or(0, Span::width);
    let rest = width.saturating_sub(head.chars().count() + 2 + gutter_width);
    let mut spans: Vec<Span> = gutter.into_iter().collect();
    spans.extend([
        Span::styled(mark, mark_style),
        Span::styled(head, theme.text),
        Span::styled(fit(&badge, rest), style),
    ]);
    Line::from(spans)
}
