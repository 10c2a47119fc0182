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
    let scroll = || {
        format!(
            "{}{} scroll",
            hint(Action::ScrollLeft),
            hint(Action::ScrollRight)
        )
    };
    let keys: Vec<String> = match detail.section {
        DetailSection::Validation => vec![
            "j/k finding".into(),
            format!("{open} its line"),
            format!("{} failing input → test case", hint(Action::AddCase)),
            "tab section".into(),
        ],
        DetailSection::Files => vec![
            "j/k file".into(),
            format!("{open} show it"),
            "tab section".into(),
        ],
        DetailSection::Overview => vec!["tab/←→ section".into(), "j/k scroll".into()],
        // Side by side only where the overlay has room for it.
        DetailSection::Diff if width + 2 >= SIDE_BY_SIDE_WIDTH => vec![
            "tab section".into(),
            "j/k scroll".into(),
            format!("{} side by side", hint(Action::SideBySide)),
            format!("{} wrap", hint(Action::Wrap)),
            scroll(),
            format!("{} search", hint(Action::Search)),
        ],
        _ => vec![
            "tab section".into(),
            "j/k scroll".into(),
            format!("{} wrap", hint(Action::Wrap)),
            scroll(),
            format!("{} search", hint(Action::Search)),
        ],
    };
    let labels: Vec<String> = match detail.view() {
        Some(view) => detail
            .split(width)
            .then(|| "side by side".to_string())
            .into_iter()
            .chain(view.label())
            .map(|label| format!("· {label} "))
            .collect(),
        None => Vec::new(),
    };
    let room = width.saturating_sub(labels.iter().map(|l| l.chars().count()).sum());
    let text = keys_within(&keys, room);
    let search = detail.view().and_then(|view| {
        let next = (hint(Action::NextMatch), hint(Action::PrevMatch));
        view.search_line(theme.filter, (&next.0, &next.1))
    });
    let mut spans = match search {
        Some(search) => {
            let mut spans = vec![Span::raw(" ")];
            spans.extend(search.spans);
            spans.push(Span::raw(" "));
            spans
        }
        None => vec![Span::styled(text, theme.dim)],
    };
    spans.extend(
        labels
            .into_iter()
            .map(|label| Span::styled(label, theme.title_focused)),
    );
    Line::from(spans)
}

/// ` a · b · esc close `: as many of `keys` as fit in `room` columns, in their order, and
/// always the way out.
fn keys_within(keys: &[String], room: usize) -> String {
    const CLOSE: &str = "esc close";
    let line = |shown: &[String]| {
        let mut all: Vec<&str> = shown.iter().map(String::as_str).collect();
        all.push(CLOSE);
        format!(" {} ", all.join(" · "))
    };
    (0..=keys.len())
        .rev()
        .map(|n| line(&keys[..n]))
        .find(|text| text.chars().count() <= room)
        .unwrap_or_else(|| line(&[]))
}

#[cfg(test)]
mod tests {
    use super::keys_within;

    #[test]
    fn the_way_out_stays_when_the_keys_do_not_fit() {
        let keys = ["j/k scroll".to_string(), "w wrap".to_string()];
        assert_eq!(keys_within(&keys, 80), " j/k scroll · w wrap · esc close ");
        assert_eq!(keys_within(&keys, 26), " j/k scroll · esc close ");
        assert_eq!(keys_within(&keys, 5), " esc close ");
    }
}
