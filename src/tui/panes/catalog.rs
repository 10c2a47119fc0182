//! The Catalog pane: every tool, filtered and sorted, with the `/` filter line at its foot.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{empty_state, pane_block};
use crate::model::services::{InstanceRow, InstanceState};
use crate::model::{CostTier, RunStatus, Tier, ToolEntry};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::layout::{Pane, column_width};
use crate::tui::ui::fit;

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let title = if app.filter.query.is_empty() {
        format!("Catalog ({}) · {}", app.catalog.len(), app.sort.label())
    } else {
        format!("Catalog ({}/{})", app.view.len(), app.catalog.len())
    };
    let block = pane_block(app, Pane::Catalog, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list_area, filter_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    draw_filter_line(frame, app, filter_area);

    if app.view.is_empty() {
        frame.render_widget(empty_state(app, empty_text(app)), list_area);
        return;
    }
    let height = list_area.height as usize;
    let visible: Vec<(usize, &ToolEntry)> = app
        .catalog_cursor
        .window(app.view.len(), height)
        .map(|pos| (pos, &app.catalog.entries()[app.view[pos]]))
        .collect();
    let columns = Columns::fitted(
        visible.iter().map(|(_, entry)| *entry),
        list_area.width as usize,
    );
    let rows: Vec<Line> = visible
        .into_iter()
        .map(|(pos, entry)| row(app, entry, &columns, pos == app.catalog_cursor.selected))
        .collect();
    frame.render_widget(Paragraph::new(rows), list_area);
}

pub(crate) fn empty_text(app: &App) -> Vec<Line<'static>> {
    if !app.filter.query.is_empty() {
        return vec![
            Line::from(""),
            Line::from(format!("No tool matches \"{}\".", app.filter.query)),
            Line::from("Backspace edits the filter, Esc clears it."),
        ];
    }
    if let Some(progress) = app.scan.progress() {
        // A fresh workspace has no cached index: say the scan is on its way, not that
        // there is nothing.
        return vec![
            Line::from(""),
            Line::from(format!("Reading the workspace ({progress})")),
            Line::from("Tools show here when it is done."),
        ];
    }
    vec![
        Line::from(""),
        // Lines of at most 43 columns: whole in the pane at the smallest screen, 80 wide.
        Line::from("No tools in this workspace yet."),
        Line::from("Agents write tools into experimental/,"),
        Line::from("each a folder with a tool.toml (README)."),
        Line::from(format!(
            "Press {} to scan again.",
            app.keymap.hint(Action::Rescan)
        )),
    ]
}

pub(crate) fn tier_badge(tier: Tier) -> &'static str {
    match tier {
        Tier::Core => "core",
        Tier::Approved => "appr",
        Tier::Experimental => "exp ",
        Tier::Archived => "arch",
    }
}

/// ` 0.82✓ `: quality and the status of the last run, when the tool has run; `✓ ` alone
/// without the figure.
fn quality_span(app: &App, entry: &ToolEntry, figure: bool) -> Span<'static> {
    let theme = &app.theme;
    match app.stats.get(&entry.name).filter(|s| s.runs > 0) {
        None if figure => Span::styled("  -    ", theme.dim),
        None => Span::styled("- ", theme.dim),
        Some(stats) => {
            let (mark, style) = match stats.last_status {
                Some(RunStatus::Ok) => ("✓", theme.ok),
                Some(RunStatus::Cancelled) => ("·", theme.dim),
                Some(_) => ("✗", theme.error),
                None => (" ", theme.dim),
            };
            if figure {
                Span::styled(format!(" {:.2}{mark} ", stats.quality), style)
            } else {
                Span::styled(format!("{mark} "), style)
            }
        }
    }
}

/// `● 2 running :50123 ` on a service: its live instances and the first one's port.
fn service_span(app: &App, entry: &ToolEntry) -> Option<Span<'static>> {
    entry.manifest.as_ref()?.service.as_ref()?;
    let theme = &app.theme;
    let live: Vec<&InstanceRow> = app.live_instances(&entry.name).collect();
    let Some(first) = live.first() else {
        return Some(Span::styled("○ service ", theme.dim));
    };
    let (state, style) = match live.iter().find(|r| r.state != InstanceState::Healthy) {
        Some(other) => (other.state.as_str(), theme.warning),
        None => ("running", theme.ok),
    };
    let text = format!("● {} {state} :{} ", live.len(), first.port);
    Some(Span::styled(text, style))
}

/// Four columns wide, so the description column lines up.
fn cost_label(cost: CostTier) -> &'static str {
    match cost {
        CostTier::Low => "low ",
        CostTier::Medium => "med ",
        CostTier::High => "high",
        CostTier::Prohibited => "proh",
    }
}

/// Column widths for the rows on screen: names and versions whole when there is room, the
/// description takes the rest. A narrow pane (the Catalog at 80×24) gives up the cost column,
/// then the quality figure (keeping the last run's mark), before the description goes below
/// [`Columns::READABLE`]: both stay in the tool detail and in the zoomed pane.
struct Columns {
    width: usize,
    name: usize,
    version: usize,
    cost: bool,
    quality: bool,
}

impl Columns {
    /// Tier badge with its space, and the spaces around the version.
    const FIXED: usize = 5 + 2;
    const COST: usize = 4;
    /// ` 0.82✓ `, or only the mark and a space.
    const QUALITY: usize = 7;
    const MARK: usize = 2;
    /// A name keeps this much (or all of it, when shorter) before the description gets any.
    const MIN_NAME: usize = 16;
    const MIN_DESCRIPTION: usize = 8;
    /// Enough of a description to tell what a tool does.
    const READABLE: usize = 20;

    fn fitted<'a>(rows: impl Iterator<Item = &'a ToolEntry>, width: usize) -> Columns {
        let (mut name, mut version) = (0, 0);
        for entry in rows {
            name = name.max(entry.name.chars().count());
            version = version.max(entry.version.chars().count());
        }
        let version = version.clamp(5, 14);
        let fixed = Self::FIXED + version;
        let name = column_width(
            name,
            width,
            Self::MIN_NAME.min(name).min(width / 3),
            fixed + Self::COST + Self::QUALITY + Self::MIN_DESCRIPTION,
        );
        let room = |cost: bool, quality: bool| {
            let cost = if cost { Self::COST } else { 0 };
            let quality = if quality { Self::QUALITY } else { Self::MARK };
            width.saturating_sub(fixed + name + cost + quality)
        };
        let cost = room(true, true) >= Self::READABLE;
        let quality = room(cost, true) >= Self::READABLE;
        Columns {
            width,
            name,
            version,
            cost,
            quality,
        }
    }
}

fn row(app: &App, entry: &ToolEntry, columns: &Columns, selected: bool) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = vec![
        Span::styled(
            format!("{} ", tier_badge(entry.tier)),
            theme.tier(entry.tier),
        ),
        Span::styled(
            fit(&entry.name, columns.name),
            if entry.is_broken() || entry.drift.is_some() {
                theme.error
            } else {
                theme.text
            },
        ),
        Span::styled(
            format!(" {} ", fit(&entry.version, columns.version)),
            theme.dim,
        ),
    ];
    let cost = entry
        .cost_tier
        .map(|c| (cost_label(c).to_string(), theme.cost(c)))
        .unwrap_or_else(|| ("-   ".to_string(), theme.dim));
    if columns.cost {
        spans.push(Span::styled(cost.0, cost.1));
    }
    spans.push(quality_span(app, entry, columns.quality));
    spans.extend(service_span(app, entry));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let rest = columns.width.saturating_sub(used);
    let description = match (&entry.error, &entry.drift) {
        (Some(error), _) => Span::styled(fit(&format!("✗ {error}"), rest), theme.error),
        // It will not run: say so before what it would do.
        (None, Some(drift)) => Span::styled(
            fit(&format!("✗ {}: {}", drift.label(), entry.description), rest),
            theme.error,
        ),
        (None, None) if entry.inferred => Span::styled(
            fit(&format!("(inferred) {}", entry.description), rest),
            theme.warning,
        ),
        // A review an allowed reviewer signed: who, before what it does.
        (None, None) => match &entry.signature {
            Some(crate::model::Signature::Signed { principal, .. }) => Span::styled(
                fit(&format!("✓ {principal} · {}", entry.description), rest),
                theme.dim,
            ),
            _ => Span::styled(fit(&entry.description, rest), theme.dim),
        },
    };
    spans.push(description);
    let line = Line::from(spans);
    if selected {
        line.style(theme.selected)
    } else {
        line
    }
}

fn draw_filter_line(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let line = if app.filter.editing {
        Line::from(vec![
            Span::styled("/", theme.filter),
            Span::styled(app.filter.query.clone(), theme.filter),
            Span::styled("▏", theme.filter),
            Span::styled("  enter keep (one match: open) · esc clear", theme.dim),
        ])
    } else if !app.filter.query.is_empty() {
        Line::from(vec![
            Span::styled(format!("/{}", app.filter.query), theme.filter),
            Span::styled(
                format!("  {} edit · esc clear", app.keymap.hint(Action::Filter)),
                theme.dim,
            ),
        ])
    } else {
        Line::from(Span::styled(
            format!(
                "{} run · {} details · {} filter · {} sort",
                app.keymap.hint(Action::Launch),
                app.keymap.hint(Action::Details),
                app.keymap.hint(Action::Filter),
                app.keymap.hint(Action::Sort)
            ),
            theme.dim,
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}
