//! One failure in full: when, which tool, how bad, what was tried and what went wrong.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::centered;
use crate::model::FailureRecord;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    failure: &FailureRecord,
    scroll: usize,
) {
    let rect = centered(area, 76, 16);
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), theme.dim),
            Span::raw(value),
        ])
    };
    let lines = vec![
        field("tool", format!("{}@{}", failure.tool, failure.version)),
        field("when", failure.at.clone()),
        field("severity", failure.severity.to_string()),
        field("origin", failure.origin.to_string()),
        field(
            "run",
            failure
                .run_id
                .map_or("-".to_string(), |id| format!("#{id}")),
        ),
        field(
            "tag",
            failure.tag.clone().unwrap_or_else(|| "-".to_string()),
        ),
        field("scenario", failure.scenario.clone()),
        Line::from(""),
        Line::from(Span::styled("error", theme.dim)),
        Line::from(Span::styled(
            crate::text::visible(&failure.error),
            theme.error,
        )),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Failure #{} ", failure.id),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(" esc close ", theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        rect,
    );
}
