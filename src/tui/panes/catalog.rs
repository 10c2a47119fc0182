//! The Catalog pane: every tool, filtered and sorted, with the `/` filter line at its foot.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use std::collections::HashMap;
use std::time::Duration;

use super::{Framing, empty_state, pane_block};
use crate::model::quality::ToolStats;
use crate::model::services::{InstanceRow, InstanceState};
use crate::model::{Catalog, SortOrder};
use crate::model::{CostTier, RunStatus, ToolEntry};
use crate::tui::action::Action;
use crate::tui::cursor::ListCursor;
use crate::tui::keymap::Keymap;
use crate::tui::layout::{Pane, column_width};
use crate::tui::text_fit::{fit, tier_badge};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanState {
    /// Showing the cached index; the first scan has not reported yet.
    Starting,
    Running {
        done: usize,
        total: usize,
    },
    Done {
        tools: usize,
        elapsed: Duration,
    },
}

impl ScanState {
    /// `scanning…` or `scanning 40/100` while a scan runs, as the status bar and the empty
    /// panes say it; `None` once it is done.
    pub(crate) fn progress(&self) -> Option<String> {
        match self {
            ScanState::Starting => Some("scanning…".to_string()),
            ScanState::Running { done, total } => Some(format!("scanning {done}/{total}")),
            ScanState::Done { .. } => None,
        }
    }
}

/// The `/` filter: its query and whether keys currently type into it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub(crate) query: String,
    pub(crate) editing: bool,
    /// The query and matches of the previous search, to narrow instead of searching anew.
    pub(crate) previous: Option<(String, Vec<usize>)>,
}

/// The instances of `tool` that are not stopped, by name.
pub(crate) fn live_instances<'a>(
    instances: &'a [InstanceRow],
    tool: &'a str,
) -> impl Iterator<Item = &'a InstanceRow> {
    instances
        .iter()
        .filter(move |r| r.tool == tool && r.state != InstanceState::Stopped)
}

/// What the Catalog pane shows, borrowed from the shown.
pub(crate) struct CatalogView<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) keymap: &'a Keymap,
    pub(crate) framing: Framing,
    pub(crate) catalog: &'a Catalog,
    /// How many tools the catalog holds (the whole index's while only its first rows are
    /// loaded).
    pub(crate) total: usize,
    /// Positions in the catalog of the tools the filter and the sort show, in order.
    pub(crate) view: &'a [usize],
    pub(crate) sort: SortOrder,
    pub(crate) filter: &'a Filter,
    pub(crate) catalog_cursor: &'a ListCursor,
    pub(crate) scan: &'a ScanState,
    pub(crate) stats: &'a HashMap<String, ToolStats>,
    pub(crate) instances: &'a [InstanceRow],
}

pub(crate) fn draw(frame: &mut Frame, shown: &CatalogView, area: Rect) {
    let title = if shown.filter.query.is_empty() {
        format!("Catalog ({}) · {}", shown.total, shown.sort.label())
    } else {
        format!("Catalog ({}/{})", shown.view.len(), shown.total)
    };
    let block = pane_block(shown.theme, Pane::Catalog, shown.framing, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list_area, filter_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    draw_filter_line(frame, shown, filter_area);

    if shown.view.is_empty() {
        frame.render_widget(empty_state(shown.theme, empty_text(shown)), list_area);
        return;
    }
    let height = list_area.height as usize;
    let visible: Vec<(usize, &ToolEntry)> = shown
        .catalog_cursor
        .window(shown.view.len(), height)
        .map(|pos| (pos, &shown.catalog.entries()[shown.view[pos]]))
        .collect();
    let columns = Columns::fitted(
        visible.iter().map(|(_, entry)| *entry),
        list_area.width as usize,
    );
    let rows: Vec<Line> = visible
        .into_iter()
        .map(|(pos, entry)| row(shown, entry, &columns, pos == shown.catalog_cursor.selected))
        .collect();
    frame.render_widget(Paragraph::new(rows), list_area);
}

pub(crate) fn empty_text(shown: &CatalogView) -> Vec<Line<'static>> {
    if !shown.filter.query.is_empty() {
        return vec![
            Line::from(""),
            Line::from(format!("No tool matches \"{}\".", shown.filter.query)),
            Line::from("Backspace edits the filter, Esc clears it."),
        ];
    }
    if let Some(progress) = shown.scan.progress() {
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
            shown.keymap.hint(Action::Rescan)
        )),
    ]
}

/// ` 0.82✓ `: quality and the status of the last run, when the tool has run; `✓ ` alone
/// without the figure. The figures are the name's runs in use: an active version's, never a
/// candidate's or an archived one's, which show none.
fn quality_span(shown: &CatalogView, entry: &ToolEntry, figure: bool) -> Span<'static> {
    let theme = shown.theme;
    let in_use = entry.tier.is_active().then(|| shown.stats.get(&entry.name));
    match in_use.flatten().filter(|s| s.runs > 0) {
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
fn service_span(shown: &CatalogView, entry: &ToolEntry) -> Option<Span<'static>> {
    entry.manifest.as_ref()?.service.as_ref()?;
    let theme = shown.theme;
    let live: Vec<&InstanceRow> = live_instances(shown.instances, &entry.name).collect();
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
        // Names whole first: the cost column and the quality figure are given up for them
        // (below), as the description is down to its least.
        let name = column_width(
            name,
            width,
            Self::MIN_NAME.min(name).min(width / 3),
            fixed + Self::MARK + Self::MIN_DESCRIPTION,
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

fn row(shown: &CatalogView, entry: &ToolEntry, columns: &Columns, selected: bool) -> Line<'static> {
    let theme = shown.theme;
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
    spans.push(quality_span(shown, entry, columns.quality));
    spans.extend(service_span(shown, entry));
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
        (None, None) => match entry.signature.as_deref() {
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

fn draw_filter_line(frame: &mut Frame, shown: &CatalogView, area: Rect) {
    let theme = shown.theme;
    let line = if shown.filter.editing {
        Line::from(vec![
            Span::styled("/", theme.filter),
            Span::styled(shown.filter.query.clone(), theme.filter),
            Span::styled("▏", theme.filter),
            Span::styled("  enter keep (one match: open) · esc clear", theme.dim),
        ])
    } else if !shown.filter.query.is_empty() {
        Line::from(vec![
            Span::styled(format!("/{}", shown.filter.query), theme.filter),
            Span::styled(
                format!("  {} edit · esc clear", shown.keymap.hint(Action::Filter)),
                theme.dim,
            ),
        ])
    } else {
        Line::from(Span::styled(
            format!(
                "{} run · {} details · {} filter · {} sort",
                shown.keymap.hint(Action::Launch),
                shown.keymap.hint(Action::Details),
                shown.keymap.hint(Action::Filter),
                shown.keymap.hint(Action::Sort)
            ),
            theme.dim,
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}
