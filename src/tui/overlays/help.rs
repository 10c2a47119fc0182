//! The `?` overlay, generated from the keymap so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::keymap::Keymap;
use crate::tui::text_fit::wrap;
use crate::tui::theme::Theme;

/// Columns before a key's description: two of indent and the keys.
const KEYS_WIDTH: usize = 20;

/// Every section of the keymap, with descriptions wrapped to `width` columns under their
/// own column, so no line is cut; only the bindings holding every word of `query`.
pub(crate) fn lines(
    theme: &Theme,
    keymap: &Keymap,
    width: usize,
    query: &str,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(KEYS_WIDTH).max(12);
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut lines = Vec::new();
    for (context, rows) in keymap.sections() {
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(keys, action)| {
                let haystack = format!(
                    "{keys} {} {} {}",
                    action.help_in(context),
                    action.name(),
                    context.title()
                )
                .to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(
            context.title().to_string(),
            theme.syntax_heading,
        )));
        for (keys, action) in rows {
            let keys = format!("  {keys:<18}");
            for (i, part) in wrap(action.help_in(context), room).into_iter().enumerate() {
                let lead = if i == 0 {
                    Span::styled(keys.clone(), theme.key)
                } else {
                    Span::raw(" ".repeat(KEYS_WIDTH))
                };
                lines.push(Line::from(vec![lead, Span::styled(part, theme.text)]));
            }
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("No key does \"{query}\"."),
            theme.dim,
        )));
    }
    lines
}

/// The widest line the overlay needs, so a wide terminal shows every description whole.
fn natural_width(keymap: &Keymap) -> usize {
    keymap
        .sections()
        .iter()
        .flat_map(|(context, rows)| {
            rows.iter()
                .map(|(_, action)| action.help_in(*context).chars().count())
        })
        .max()
        .unwrap_or(0)
        + KEYS_WIDTH
}

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    scroll: usize,
    query: &str,
) {
    let width = u16::try_from(natural_width(keymap) + 2)
        .unwrap_or(u16::MAX)
        .max(64);
    let rect = centered(area, width, area.height.saturating_sub(2));
    let content = lines(theme, keymap, rect.width.saturating_sub(2) as usize, query);
    let visible = rect.height.saturating_sub(2) as usize;
    let scroll = scroll.min(content.len().saturating_sub(visible));
    let (title, foot) = match query.is_empty() {
        true => (
            " Keys · type to find one ".to_string(),
            " ↑↓ scroll · esc or ? close ",
        ),
        false => (
            format!(" Keys · {query}█ "),
            " ↑↓ scroll · backspace edits · esc clears ",
        ),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(foot, theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((scroll as u16, 0)),
        rect,
    );
}
