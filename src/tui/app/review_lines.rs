//! What the Review pane shows, measured as the layout needs it and drawn by
//! `panes::review`.

use std::ops::Range;

use ratatui::text::{Line, Span};

use super::{App, ReviewRow};
use crate::model::ToolEntry;
use crate::model::calls::CallRow;
use crate::model::calls::RuleRow;
use crate::model::health::HealthAlert;
use crate::model::requests::RequestRow;
use crate::tui::layout::column_width;
use crate::tui::panes::ListRows;
use crate::tui::text_fit::{fit, wanted, widest};

/// The Review pane's rows, as the app holds them.
pub(crate) struct ReviewRows<'a>(pub(crate) &'a App);

impl ListRows for ReviewRows<'_> {
    fn count(&self) -> usize {
        self.0.review_total()
    }

    fn window(&self, height: usize) -> Range<usize> {
        self.0.review_cursor.window(self.0.review_rows(), height)
    }

    fn empty_text(&self) -> Vec<Line<'static>> {
        empty_text(self.0)
    }

    fn lines(&self, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
        lines(self.0, window, width)
    }
}

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

/// Columns the rows in `window` would fill, up to `cap`: what the pane asks of the layout. A
/// row's free text (arguments, a request's description) asks for `FREE_TEXT` columns, not all
/// of itself, so the Catalog keeps its room on a wide screen.
pub(crate) fn wanted_width(app: &App, window: Range<usize>, cap: usize) -> usize {
    if app.review_rows() == 0 {
        return widest(&empty_text(app));
    }
    let rows = lines(app, window.clone(), cap);
    window
        .zip(rows)
        .map(|(pos, line)| match app.review_row(pos) {
            // An alert or a rule is one sentence, asked for whole.
            Some(ReviewRow::Call(_) | ReviewRow::Request(_)) => {
                wanted(std::slice::from_ref(&line), FREE_TEXT)
            }
            _ => widest(std::slice::from_ref(&line)),
        })
        .max()
        .unwrap_or(0)
}

/// Columns of a row's free text it asks for when measured.
const FREE_TEXT: usize = 24;
/// What a badge keeps beside a name before the name is cut (`new`, `evolves …`).
const MIN_BADGE: usize = 6;

/// The rows at `window`, `width` columns wide, the selected one highlighted.
pub(crate) fn lines(app: &App, window: Range<usize>, width: usize) -> Vec<Line<'static>> {
    let visible: Vec<(usize, Option<ReviewRow>)> =
        window.map(|pos| (pos, app.review_row(pos))).collect();
    // Names line up across candidates and requests and get the room first: whole when the
    // version and the start of a badge fit beside them, else down to 8 columns. The badge
    // takes what is left.
    let longest = visible
        .iter()
        .filter_map(|(_, row)| match row {
            Some(ReviewRow::Candidate(entry)) => Some(entry.name.chars().count()),
            Some(ReviewRow::Request(request)) => Some(request.name.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let version_width = visible
        .iter()
        .filter_map(|(_, row)| match row {
            Some(ReviewRow::Candidate(entry)) => Some(entry.version.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .clamp(1, 14);
    let columns = Columns {
        name: column_width(longest, width, 8, 2 + 1 + version_width + 1 + MIN_BADGE),
        version: version_width,
    };
    visible
        .into_iter()
        .map(|(pos, review_row)| {
            let line = match review_row {
                Some(ReviewRow::Call(call)) => call_row(app, call, width),
                Some(ReviewRow::Alert(alert)) => alert_row(app, alert, width),
                Some(ReviewRow::Request(request)) => request_row(app, request, width, columns.name),
                Some(ReviewRow::Candidate(entry)) => row(app, entry, width, &columns),
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
        .map(|id| {
            format!(
                "· task {} ",
                crate::text::bounded::truncated(id.to_string(), 8)
            )
        })
        .unwrap_or_default();
    let head = format!(
        "#{} {}@{} · {} {task}",
        call.id, call.tool, call.version, call.client
    );
    // The head as long as it is (the arguments follow it), cut only when it fills the row.
    let head_width = head.chars().count().min(width.saturating_sub(2));
    let rest = width.saturating_sub(head_width + 2);
    Line::from(vec![
        Span::styled("⏸ ", theme.warning),
        Span::styled(fit(&head, head_width), theme.warning),
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
        crate::model::Drift::Unsigned => "unsigned",
        crate::model::Drift::SignedOtherContent { .. } => "signed other content",
        crate::model::Drift::SignatureInvalid { .. } => "signature invalid",
        crate::model::Drift::SignerNotAllowed { .. } => "signer not allowed",
    }
}

/// The widths of the name and version columns of the rows in view.
struct Columns {
    name: usize,
    version: usize,
}

/// `name version badge`, where the badge says what kind of proposal this is.
fn row(app: &App, entry: &ToolEntry, width: usize, columns: &Columns) -> Line<'static> {
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
    // An agent's proposal says whose it is: the reviewer weighs the source. The client
    // shows whole or not at all (the review overlay and `toolbench review` name it too).
    let proposer = app
        .proposers
        .iter()
        .find(|(folder, _)| entry.path.ends_with(folder))
        .map(|(_, client)| format!(" · {}", crate::text::visible(client)));
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
        fit(&entry.name, columns.name),
        fit(&entry.version, columns.version)
    );
    // While candidates are marked, each row says whether it is one of them.
    let gutter = match (app.marks.is_empty(), app.marks.get(&entry.path)) {
        (true, _) => None,
        (false, Some(_)) => Some(Span::styled("● ", theme.filter)),
        (false, None) => Some(Span::raw("  ")),
    };
    let gutter_width = gutter.as_ref().map_or(0, Span::width);
    let rest = width.saturating_sub(head.chars().count() + 2 + gutter_width);
    let badge = match proposer {
        Some(by) if badge.chars().count() + by.chars().count() <= rest => format!("{badge}{by}"),
        _ => badge,
    };
    let mut spans: Vec<Span> = gutter.into_iter().collect();
    spans.extend([
        Span::styled(mark, mark_style),
        Span::styled(head, theme.text),
        Span::styled(fit(&badge, rest), style),
    ]);
    Line::from(spans)
}
