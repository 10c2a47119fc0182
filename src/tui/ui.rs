//! Drawing the whole screen from `App`: the one place that reads it for the panes and
//! overlays and hands each what it shows. Reads state only: no I/O, no mutation.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::app::failure_lines::FailureRows;
use super::app::output_lines::OutputRows;
use super::app::review_lines::ReviewRows;
use super::layout::{self, Pane};
use super::message_log::Level;
use super::overlays;
use super::panes::catalog::CatalogView;
use super::panes::{self, Framing};

mod overlay;

use super::text_fit::fit;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::is_too_small(area) {
        draw_too_small(frame, app, area);
        return;
    }
    let areas = layout::compute(area, &app.shape(area));
    // A zoomed-out pane has no area and is not drawn.
    if !areas.catalog.is_empty() {
        panes::catalog::draw(frame, &catalog_view(app), areas.catalog);
    }
    if !areas.review.is_empty() {
        let waiting = panes::review::Waiting {
            calls: app.pending_calls.len(),
            marked: app.marks.len(),
        };
        let rows = ReviewRows(app);
        let framing = framing(app, Pane::Review);
        let preview = app.shows_preview().then(|| app.preview());
        panes::review::draw(
            frame,
            &app.theme,
            framing,
            areas.review,
            &rows,
            waiting,
            preview,
        );
    }
    if !areas.failures.is_empty() {
        let framing = framing(app, Pane::Failures);
        let rows = FailureRows(app);
        panes::failures::draw(frame, &app.theme, framing, areas.failures, &rows);
    }
    if !areas.output.is_empty() {
        let rows = OutputRows(app);
        let view = panes::output::OutputView {
            theme: &app.theme,
            keymap: &app.keymap,
            framing: framing(app, Pane::Output),
            runs: &app.runs,
            output_run: app.output_run,
            output_view: &app.output_view,
            selected_run: app.selected_run(),
            rows: &rows,
        };
        panes::output::draw(frame, &view, areas.output);
    }
    draw_status(frame, app, areas.status);
    overlay::draw(frame, app, area);
    if let Some(typed) = &app.command {
        // On the status bar's first row; a message below it stays in view.
        let row = Rect {
            height: 1,
            ..areas.status
        };
        draw_prompt(frame, app, row, typed);
    }
}

/// The `:` prompt in place of the status line, with the names that fit what is typed.
fn draw_prompt(frame: &mut Frame, app: &App, area: Rect, typed: &str) {
    let theme = &app.theme;
    let prompt = format!(" :{typed}█");
    let names = overlays::resources::Resource::complete(typed).1;
    // The names first: the keys' reminders go before them when the row is short.
    let hints = if names.is_empty() {
        vec![format!("no view starts with {} ", typed.trim())]
    } else {
        let names = names.join(", ");
        vec![
            format!("{names} · tab completes · enter opens · esc cancels "),
            format!("{names} · tab completes "),
            format!("{names} "),
        ]
    };
    let width = usize::from(area.width);
    let used = prompt.chars().count().min(width);
    let hint = hints
        .into_iter()
        .find(|hint| used + 2 + hint.chars().count() <= width)
        .unwrap_or_default();
    let pad = width.saturating_sub(used + hint.chars().count());
    let line = Line::from(vec![
        Span::styled(fit(&prompt, used), theme.status_bar.patch(theme.filter)),
        Span::styled(" ".repeat(pad), theme.status_bar),
        Span::styled(hint, theme.status_bar.patch(theme.dim)),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.status_bar), area);
}

/// How `pane`'s frame looks: focused when it has the keys and no overlay covers it; the
/// Review pane's title lit while something new waits.
fn framing(app: &App, pane: Pane) -> Framing {
    Framing {
        focused: app.focus == pane && app.overlay.is_none(),
        lit: pane == Pane::Review && app.review_lit(),
    }
}

pub(crate) fn catalog_view(app: &App) -> CatalogView<'_> {
    CatalogView {
        theme: &app.theme,
        keymap: &app.keymap,
        framing: framing(app, Pane::Catalog),
        catalog: &app.catalog,
        total: app.catalog_total(),
        view: &app.view,
        sort: app.sort,
        filter: &app.filter,
        catalog_cursor: &app.catalog_cursor,
        scan: &app.scan,
        stats: &app.stats,
        instances: &app.instances,
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let lines = super::app::status_line::lines(app, usize::from(area.width));
    frame.render_widget(Paragraph::new(lines).style(app.theme.status_bar), area);
}

fn draw_too_small(frame: &mut Frame, app: &App, area: Rect) {
    let mut text = vec![
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
    // What the quit key just answered ("press q again to cancel 2 runs") must show here too.
    if let Some((message, level, _)) = &app.message {
        let style = match level {
            Level::Info => Style::default(),
            Level::Error => app.theme.error,
        };
        text.push(Line::styled(message.clone(), style));
    }
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
