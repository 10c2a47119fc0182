//! Drawing the detail overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{
    DetailSection, DetailState, SIDE_BY_SIDE_WIDTH, checks, loaded_section, overlay_rect, overview,
};
use crate::model::validation_report::ValidationReport;
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::quality_history;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    detail: &DetailState,
    validation: Option<&ValidationReport>,
) {
    let rect = overlay_rect(area);
    let mut tabs = vec![Span::raw(" ")];
    for section in DetailSection::ALL {
        let style = if section == detail.section {
            theme.title_focused
        } else {
            theme.dim
        };
        tabs.push(Span::styled(format!("{} ", section.title()), style));
    }
    let entry = &detail.entry;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {} {} ", entry.name, entry.version),
            theme.title_focused,
        ))
        .title(Line::from(tabs).right_aligned())
        .title_bottom(bottom_hint(
            theme,
            keymap,
            detail,
            rect.width.saturating_sub(2) as usize,
        ));
    let visible = rect.height.saturating_sub(2) as usize;
    let mut chart = None;
    let (content, scroll) = match detail.section {
        DetailSection::Overview => {
            let mut lines = overview(theme, detail, rect.width.saturating_sub(2) as usize);
            if let Some(days) = detail
                .content
                .as_ref()
                .map(|c| c.quality_by_day.as_slice())
                .filter(|days| !days.is_empty())
                .filter(|_| rect.width.saturating_sub(2) >= quality_history::MIN_WIDTH)
            {
                // Right under the run picture: as tall as the room left allows, and at least
                // readable, in which case it scrolls into view with the text.
                let room = visible.saturating_sub(lines.len()) as u16;
                let rows = room.clamp(quality_history::MIN_ROWS, quality_history::MAX_ROWS);
                let top = lines.len();
                lines.extend(std::iter::repeat_n(Line::from(""), usize::from(rows)));
                chart = Some((days, rows, top));
            }
            (lines, detail.scroll)
        }
        DetailSection::Validation => {
            let width = rect.width.saturating_sub(2) as usize;
            let (lines, selected_line) = checks(theme, validation, detail.finding, width);
            // Keep the selected finding in view.
            let scroll = selected_line.map_or(0, |l| l.saturating_sub(visible.saturating_sub(3)));
            (lines, scroll)
        }
        _ => match &detail.content {
            None => (vec![Line::from(Span::styled("loading…", theme.dim))], 0),
            Some(content) => (
                loaded_section(
                    theme,
                    detail,
                    content,
                    (detail.scroll, visible),
                    rect.width.saturating_sub(2) as usize,
                ),
                0,
            ),
        },
    };
    let scroll = scroll.min(content.len().saturating_sub(visible));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((scroll as u16, 0)),
        rect,
    );
    if let Some((days, rows, top)) = chart {
        quality_history::render_scrolled(
            theme,
            days,
            rows,
            (top, scroll),
            inner,
            frame.buffer_mut(),
        );
    }
}

/// The keys of the section shown, `width` the columns of its text.
fn bottom_hint(
    theme: &Theme,
    keymap: &Keymap,
    detail: &DetailState,
    width: usize,
) -> Line<'static> {
    let hint = |action| keymap.hint(action);
    let open = hint(Action::Open);
    let text = match detail.section {
        DetailSection::Validation => format!(
            " j/k finding · {open} its line · {} failing input → test case · tab section · esc close ",
            hint(Action::AddCase)
        ),
        DetailSection::Files => format!(" j/k file · {open} show it · tab section · esc close "),
        DetailSection::Overview => " tab/←→ section · j/k scroll · esc close ".to_string(),
        // Side by side only where the overlay has room for it.
        DetailSection::Diff if width + 2 >= SIDE_BY_SIDE_WIDTH => format!(
            " tab section · j/k scroll · {} side by side · {} wrap · {}{} scroll · {} search · esc close ",
            hint(Action::SideBySide),
            hint(Action::Wrap),
            hint(Action::ScrollLeft),
            hint(Action::ScrollRight),
            hint(Action::Search),
        ),
        _ => format!(
            " tab section · j/k scroll · {} wrap · {}{} scroll · {} search · esc close ",
            hint(Action::Wrap),
            hint(Action::ScrollLeft),
            hint(Action::ScrollRight),
            hint(Action::Search),
        ),
    };
    let Some(view) = detail.view() else {
        return Line::from(Span::styled(text, theme.dim));
    };
    let keys = (hint(Action::NextMatch), hint(Action::PrevMatch));
    let mut spans = match view.search_line(theme.filter, (&keys.0, &keys.1)) {
        Some(search) => {
            let mut spans = vec![Span::raw(" ")];
            spans.extend(search.spans);
            spans.push(Span::raw(" "));
            spans
        }
        None => vec![Span::styled(text, theme.dim)],
    };
    let split = detail.split(width).then(|| "side by side".to_string());
    for label in split.into_iter().chain(view.label()) {
        spans.push(Span::styled(format!("· {label} "), theme.title_focused));
    }
    Line::from(spans)
}
