//! Drawing the whole screen from `App`. Reads state only: no I/O, no mutation.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::layout::{self};
use super::{overlays, panes};

pub(crate) mod text_fit;
pub(crate) use text_fit::{fit, short_time, wanted, widest, wrap};

type DrawPane = fn(&mut Frame, &App, Rect);

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::is_too_small(area) {
        draw_too_small(frame, app, area);
        return;
    }
    let areas = layout::compute(area, &app.shape(area));
    // A zoomed-out pane has no area and is not drawn.
    let draws: [(Rect, DrawPane); 4] = [
        (areas.catalog, panes::catalog::draw),
        (areas.review, panes::review::draw),
        (areas.failures, panes::failures::draw),
        (areas.output, panes::output::draw),
    ];
    for (rect, draw_pane) in draws {
        if !rect.is_empty() {
            draw_pane(frame, app, rect);
        }
    }
    draw_status(frame, app, areas.status);
    overlays::draw(frame, app, area);
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

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let lines = super::app::status_line::lines(app, usize::from(area.width));
    frame.render_widget(Paragraph::new(lines).style(app.theme.status_bar), area);
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
