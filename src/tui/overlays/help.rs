//! The `?` overlay, generated from the keymap so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::app::App;
use crate::tui::ui::wrap;

/// Columns before a key's description: two of indent and the keys.
const KEYS_WIDTH: usize = 20;

/// Every section of the keymap, with descriptions wrapped to `width` columns under their
/// own column, so no line is cut.
pub(crate) fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let room = width.saturating_sub(KEYS_WIDTH).max(12);
    let mut lines = Vec::new();
    for (context, rows) in app.keymap.sections() {
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
    lines
}

/// The widest line the overlay needs, so a wide terminal shows every description whole.
fn natural_width(app: &App) -> usize {
    app.keymap
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

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let width = u16::try_from(natural_width(app) + 2)
        .unwrap_or(u16::MAX)
        .max(64);
    let rect = centered(area, width, area.height.saturating_sub(2));
    let content = lines(app, rect.width.saturating_sub(2) as usize);
    let visible = rect.height.saturating_sub(2) as usize;
    let scroll = scroll.min(content.len().saturating_sub(visible));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(app.theme.border_focused)
        .title(Span::styled(" Keys ", app.theme.title_focused))
        .title_bottom(Span::styled(" j/k scroll · esc or ? close ", app.theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((scroll as u16, 0)),
        rect,
    );
}
