//! Drawing the whole screen from `App`. Reads state only: no I/O, no mutation.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::action::Action;
use super::app::{App, Level, ScanState};
use super::layout::{self, Pane};
use super::{overlays, panes};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::is_too_small(area) {
        draw_too_small(frame, app, area);
        return;
    }
    let areas = layout::compute(area);
    panes::catalog::draw(frame, app, areas.catalog);
    panes::review::draw(frame, app, areas.review);
    panes::failures::draw(frame, app, areas.failures);
    panes::output::draw(frame, app, areas.output);
    draw_status(frame, app, areas.status);
    overlays::draw(frame, app, area);
}

/// A pane's frame: rounded border, title, focus colour.
pub fn pane_block<'a>(app: &App, pane: Pane, title: String) -> Block<'a> {
    let focused = app.focus == pane && app.overlay.is_none();
    let number = Pane::ALL
        .iter()
        .position(|p| *p == pane)
        .map_or(0, |i| i + 1);
    let (border, title_style) = if focused {
        (app.theme.border_focused, app.theme.title_focused)
    } else {
        (app.theme.border, app.theme.title)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(format!(" {number} {title} "), title_style))
}

/// A centred, dimmed explanation for an empty pane.
pub fn empty_state<'a>(app: &App, lines: Vec<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(lines)
        .style(app.theme.dim)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
}

/// Pads or cuts `text` to exactly `width` columns (by characters).
pub fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:<width$}")
    } else if width == 0 {
        String::new()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled(
        format!(" {} ", app.root_label),
        theme.status_bar.patch(theme.title_focused),
    )];
    // The catalog's short tier names: at 80 columns the bar must leave room for messages,
    // and while one is shown the counts give way to it.
    let counts = app.catalog.counts_per_tier();
    let shown = if app.message.is_some() {
        0
    } else {
        counts.len()
    };
    for (tier, count) in counts.into_iter().take(shown) {
        let label = super::panes::catalog::tier_badge(tier).trim_end();
        spans.push(Span::styled(format!(" {label} {count}"), theme.status_bar));
    }
    let scan = match &app.scan {
        ScanState::Starting => " │ scanning…".to_string(),
        ScanState::Running { done, total } => format!(" │ scanning {done}/{total}"),
        ScanState::Done { .. } => String::new(),
    };
    spans.push(Span::styled(scan, theme.status_bar));
    if app.watching {
        spans.push(Span::styled(" │ watching", theme.status_bar));
    }
    let running = app.runs.iter().filter(|r| r.is_running()).count();
    if running > 0 {
        spans.push(Span::styled(
            format!(" │ {running} running"),
            theme.status_bar,
        ));
    }
    if let Some((text, level, _)) = &app.message {
        let style = match level {
            Level::Info => theme.status_bar,
            Level::Error => theme.status_bar.patch(theme.error),
        };
        let used: usize = spans.iter().map(|s| s.width()).sum();
        // The message gives way to the help hint, never the other way round.
        let room = (area.width as usize).saturating_sub(used + 18);
        spans.push(Span::styled(fit(&format!(" │ {text}"), room), style));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let hint = format!(
        "{} help  {} quit ",
        app.keymap.hint(Action::Help),
        app.keymap.hint(Action::Quit)
    );
    let pad = (area.width as usize).saturating_sub(used + hint.chars().count());
    spans.push(Span::styled(" ".repeat(pad), theme.status_bar));
    spans.push(Span::styled(hint, theme.status_bar));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

fn draw_too_small(frame: &mut Frame, app: &App, area: Rect) {
    let text = vec![
        Line::from("Terminal too small"),
        Line::from(format!(
            "toolbench needs at least {}x{}; this one is {}x{}.",
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            area.width,
            area.height
        )),
        Line::from(format!(
            "Enlarge the window, or press {} to quit.",
            app.keymap.hint(Action::Quit)
        )),
    ];
    let top = area.height.saturating_sub(3) / 2;
    let rect = Rect::new(
        area.x,
        area.y + top,
        area.width,
        area.height.saturating_sub(top),
    );
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .style(Style::default())
            .wrap(Wrap { trim: true }),
        rect,
    );
}
