//! The `?` overlay, generated from the keymap so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::app::App;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
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
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.key),
                Span::styled(action.help().to_string(), theme.text),
            ]));
        }
    }
    lines
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let rect = centered(area, 64, area.height.saturating_sub(2));
    let content = lines(app);
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
