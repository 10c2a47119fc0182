//! Drawing the whole screen from `App`. Reads state only: no I/O, no mutation.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::{App, Level};
use super::layout::{self};
use super::{overlays, panes};

mod text_fit;
pub(crate) use text_fit::{fit, short_time, widest};

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
        draw_prompt(frame, app, areas.status, typed);
    }
}

/// The `:` prompt in place of the status line, with the names that fit what is typed.
fn draw_prompt(frame: &mut Frame, app: &App, area: Rect, typed: &str) {
    let theme = &app.theme;
    let prompt = format!(" :{typed}█");
    let names = overlays::resources::Resource::complete(typed).1;
    let hint = if names.is_empty() {
        format!("no view starts with {} ", typed.trim())
    } else {
        format!(
            "{} · tab completes · enter opens · esc cancels ",
            names.join(", ")
        )
    };
    let width = usize::from(area.width);
    let used = prompt.chars().count().min(width);
    let hint = if used + 2 + hint.chars().count() <= width {
        hint
    } else {
        String::new()
    };
    let pad = width.saturating_sub(used + hint.chars().count());
    let line = Line::from(vec![
        Span::styled(fit(&prompt, used), theme.status_bar.patch(theme.filter)),
        Span::styled(" ".repeat(pad), theme.status_bar),
        Span::styled(hint, theme.status_bar.patch(theme.dim)),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.status_bar), area);
}

/// Keeps the last `width` columns of `text` (by characters), marking a cut with `…`.
fn fit_end(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let tail: String = text.chars().skip(count - (width - 1)).collect();
        format!("…{tail}")
    }
}

/// Columns the status bar keeps for the help hint (`? help  q quit `) and a margin.
const STATUS_HINT_ROOM: usize = 18;
/// Columns a long workspace path keeps when it gives way to a message.
const STATUS_ROOT_MIN: usize = 16;

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let scan = app
        .scan
        .progress()
        .map(|progress| format!(" │ {progress}"))
        .unwrap_or_default();
    let mut states = vec![scan];
    // The project gives way to a message, which may say why nothing happened.
    if let Some(project) = app.project_label.as_ref().filter(|_| app.message.is_none()) {
        states.push(format!(" │ project {project}"));
    }
    if app.watching {
        states.push(
            if app.polling {
                " │ polling"
            } else {
                " │ watching"
            }
            .to_string(),
        );
    }
    if app.zoomed {
        states.push(format!(
            " │ zoomed ({} back)",
            app.keymap.hint(Action::Zoom)
        ));
    }
    let running = app.runs.iter().filter(|r| r.is_running()).count();
    if running > 0 {
        states.push(format!(" │ {running} running"));
    }
    if app.new_suggestions > 0 {
        states.push(format!(
            " │ {} suggested ({})",
            app.new_suggestions,
            app.keymap.hint(Action::Suggestions)
        ));
    }
    // The catalog's short tier names give way to a message and to the states, so the bar
    // always has room for them and the help hint at 80 columns.
    let counts: Vec<String> = app
        .catalog
        .counts_per_tier()
        .into_iter()
        .map(|(tier, count)| {
            let label = super::panes::catalog::tier_badge(tier).trim_end();
            format!(" {label} {count}")
        })
        .collect();
    let width_of = |texts: &[String]| texts.iter().map(|t| t.chars().count()).sum::<usize>();
    // A long workspace path gives way to a message (which may say why nothing happened); its
    // end, the folder's own name, stays.
    let root = match &app.message {
        Some((text, _, _)) => {
            // The label's padding (2) and the message's " │ " (3) beside the texts.
            let others = width_of(&states) + text.chars().count() + 5;
            let room = (area.width as usize).saturating_sub(others + STATUS_HINT_ROOM);
            fit_end(&app.root_label, room.max(STATUS_ROOT_MIN))
        }
        None => app.root_label.clone(),
    };
    let mut spans = vec![Span::styled(
        format!(" {root} "),
        theme.status_bar.patch(theme.title_focused),
    )];
    let needed = spans[0].width() + width_of(&counts) + width_of(&states) + STATUS_HINT_ROOM;
    if app.message.is_none() && needed <= area.width as usize {
        spans.extend(
            counts
                .into_iter()
                .map(|c| Span::styled(c, theme.status_bar)),
        );
    }
    spans.extend(
        states
            .into_iter()
            .map(|s| Span::styled(s, theme.status_bar)),
    );
    if let Some((text, level, _)) = &app.message {
        let style = match level {
            Level::Info => theme.status_bar,
            Level::Error => theme.status_bar.patch(theme.error),
        };
        let used: usize = spans.iter().map(|s| s.width()).sum();
        // The message gives way to the help hint, never the other way round.
        let room = (area.width as usize).saturating_sub(used + STATUS_HINT_ROOM);
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
