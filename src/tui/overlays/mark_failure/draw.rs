//! Drawing the mark failure overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::MarkFailureState;
use crate::model::Severity;
use crate::tui::overlays::centered;
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

pub(crate) fn draw(frame: &mut Frame, theme: &Theme, area: Rect, state: &MarkFailureState) {
    let rect = centered(area, 70, 17);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Mark a failure of {}@{} ", state.tool, state.version),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            " enter/tab next field · ←/→ severity · ctrl-s save · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [scenario, error, tag, severity, problem] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(1),
    ])
    .areas(inner);
    let tag_label = if state.known_tags.is_empty() {
        "negative tag".to_string()
    } else {
        format!(
            "negative tag · tab completes: {}",
            state.known_tags.join(", ")
        )
    };
    for (i, (label, widget, rect)) in [
        ("scenario", &state.scenario, scenario),
        ("error", &state.error, error),
        (tag_label.as_str(), &state.tag, tag),
    ]
    .into_iter()
    .enumerate()
    {
        let style = if state.field == i {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(format!(
                " {} ",
                fit(label, rect.width.saturating_sub(4) as usize)
            ));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(widget, inner);
    }
    let mut spans = vec![Span::styled(
        " severity: ",
        if state.field == 3 {
            theme.title_focused
        } else {
            theme.dim
        },
    )];
    for s in Severity::ALL {
        let style = if *s == state.severity {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(format!(" {s} "), style));
    }
    if state.field == 3 {
        spans.push(Span::styled("  enter saves", theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), severity);
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error)),
            problem,
        );
    }
}
