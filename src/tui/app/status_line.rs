//! What the status bar shows, measured as the layout needs it (how many rows) and drawn by
//! `ui`: the workspace, tiers, states and the key hint on its first row, and a message that
//! does not fit beside them on rows of its own below, wrapped, never cut into the hint.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{App, Level};
use crate::tui::action::Action;
use crate::tui::text_fit::wrap_rows;

/// The most rows a message takes below the first row; what is longer still is cut there.
const MESSAGE_ROWS: usize = 2;
/// Columns a long workspace path keeps, its end (the folder's own name).
const ROOT_MIN: usize = 16;

/// The status bar's rows for a screen `width` columns wide: one, or more while a message does
/// not fit beside the states.
pub(crate) fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let bar = theme.status_bar;
    let hint = format!(
        "{} help  {} quit ",
        app.keymap.hint(Action::Help),
        app.keymap.hint(Action::Quit)
    );
    let hint_width = hint.chars().count();
    // The states in the order they are shown, each with how much it matters when the row is
    // short: the least telling gives way first.
    let mut states: Vec<(u8, String)> = Vec::new();
    if let Some(progress) = app.scan.progress() {
        states.push((5, format!(" │ {progress}")));
    }
    if let Some(project) = &app.project_label {
        states.push((0, format!(" │ project {project}")));
    }
    if app.watching {
        let watch = if app.polling {
            " │ polling"
        } else {
            " │ watching"
        };
        states.push((1, watch.to_string()));
    }
    if app.zoomed {
        states.push((
            2,
            format!(" │ zoomed ({} back)", app.keymap.hint(Action::Zoom)),
        ));
    }
    if app.validation_paused {
        let waiting = app
            .catalog
            .entries()
            .iter()
            .filter(|e| super::waits_for_review(e) && !app.validations.contains_key(&e.path))
            .count();
        states.push((
            4,
            format!(
                " │ validation paused ({waiting} waiting, {})",
                app.keymap.hint(Action::PauseValidation)
            ),
        ));
    }
    let waiting = app.waiting();
    if waiting > 0 {
        states.push((
            5,
            format!(
                " │ {waiting} waiting ({})",
                app.keymap.hint(Action::FocusReview)
            ),
        ));
    }
    let running = app.runs.iter().filter(|r| r.is_running()).count();
    if running > 0 {
        states.push((4, format!(" │ {running} running")));
    }
    if app.new_suggestions > 0 {
        states.push((
            3,
            format!(
                " │ {} suggested ({})",
                app.new_suggestions,
                app.keymap.hint(Action::Suggestions)
            ),
        ));
    }
    let counts: String = app
        .tier_counts()
        .into_iter()
        .map(|(tier, count)| {
            let label = crate::tui::text_fit::tier_badge(tier).trim_end();
            format!(" {label} {count}")
        })
        .collect();
    // Room on the first row beside the hint, with a space before it.
    let room = width.saturating_sub(hint_width + 1);
    let message = app.message.as_ref().map(|(text, level, _)| {
        let style = match level {
            Level::Info => bar,
            Level::Error => bar.patch(theme.error),
        };
        (format!(" │ {text}"), style)
    });
    let width_of =
        |states: &[(u8, String)]| -> usize { states.iter().map(|(_, s)| s.chars().count()).sum() };
    // A message stays on the first row when it fits there whole once the path gives way (to
    // its end) and the least telling states (the project, the watcher, the zoom) do.
    let beside = message.as_ref().and_then(|(said, _)| {
        let mut kept: Vec<(u8, String)> = states.iter().filter(|(w, _)| *w > 2).cloned().collect();
        let said = said.chars().count();
        let root_room = room.saturating_sub(width_of(&kept) + said + 2);
        let root_label = fit_end(&app.root_label, root_room.max(ROOT_MIN));
        if root_label.chars().count() + 2 + width_of(&kept) + said > room {
            return None;
        }
        // What of the rest still fits beside it comes back.
        for state in states.iter().filter(|(w, _)| *w <= 2) {
            let used = root_label.chars().count() + 2 + width_of(&kept) + said;
            if used + state.1.chars().count() <= room {
                kept.push(state.clone());
            }
        }
        kept.sort_by_key(|kept| states.iter().position(|s| s == kept));
        Some((root_label, kept))
    });
    let on_first_row = beside.is_some();
    let (root_label, states) = match beside {
        Some(fitted) => fitted,
        None => {
            let root_label = fit_end(
                &app.root_label,
                room.saturating_sub(2).max(ROOT_MIN.min(room)),
            );
            let mut states = states;
            // The least telling state gives way first until the row fits.
            while root_label.chars().count() + 2 + width_of(&states) > room {
                let Some(least) = states
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, (weight, _))| *weight)
                    .map(|(i, _)| i)
                else {
                    break;
                };
                states.remove(least);
            }
            (root_label, states)
        }
    };
    let root = format!(" {root_label} ");
    let mut used = root.chars().count() + width_of(&states);
    let mut first = vec![Span::styled(root, bar.patch(theme.title_focused))];
    // The tier counts only when there is no message and they fit.
    if message.is_none() && used + counts.chars().count() <= room {
        used += counts.chars().count();
        first.push(Span::styled(counts, bar));
    }
    first.extend(states.into_iter().map(|(_, s)| Span::styled(s, bar)));
    if let (Some((said, style)), true) = (&message, on_first_row) {
        used += said.chars().count();
        first.push(Span::styled(said.clone(), *style));
    }
    let pad = width.saturating_sub(used + hint_width);
    first.push(Span::styled(" ".repeat(pad), bar));
    first.push(Span::styled(hint, bar));
    let mut lines = vec![Line::from(first)];
    if let (Some((_, style)), Some((text, _, _)), false) = (&message, &app.message, on_first_row) {
        lines.extend(
            wrap_rows(text, width.saturating_sub(2), MESSAGE_ROWS)
                .into_iter()
                .map(|row| message_row(row, width, *style, bar)),
        );
    }
    lines
}

/// How many rows the status bar takes on a screen `width` columns wide.
pub(crate) fn rows(app: &App, width: usize) -> u16 {
    u16::try_from(lines(app, width).len()).unwrap_or(1)
}

fn message_row(text: String, width: usize, style: Style, bar: Style) -> Line<'static> {
    let text = format!(" {text}");
    let pad = width.saturating_sub(text.chars().count());
    Line::from(vec![
        Span::styled(text, style),
        Span::styled(" ".repeat(pad), bar),
    ])
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
