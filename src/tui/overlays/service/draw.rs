//! Drawing the service overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::{ServiceDialogKind, ServiceDialogState};
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

pub(crate) fn draw(frame: &mut Frame, theme: &Theme, area: Rect, state: &ServiceDialogState) {
    let (title, note, height) = match &state.kind {
        ServiceDialogKind::Launch { entry, running } => (
            format!(" Launch {}@{} ", entry.name, entry.version),
            if running.is_empty() {
                "a new instance starts in the sandbox".to_string()
            } else {
                format!("running: {} · its name attaches", running.join(", "))
            },
            7,
        ),
        ServiceDialogKind::Send { instance } => (
            format!(" Send to instance {instance} "),
            "one JSON line {\"message\": …}; the answer shows below".to_string(),
            14,
        ),
    };
    let rect = centered(area, 70, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(" enter ok · esc close ", theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [field, note_area, rest] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let field_block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused);
    frame.render_widget(&field_block, field);
    frame.render_widget(&state.text, field_block.inner(field));
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {note}"), theme.dim)),
        note_area,
    );
    let shown = match (&state.problem, state.waiting, &state.answer) {
        (Some(problem), _, _) => Line::from(Span::styled(format!("✗ {problem}"), theme.error)),
        (None, true, _) => Line::from(Span::styled("waiting for the answer…", theme.dim)),
        (None, false, Some(Ok(answer))) => Line::from(vec![
            Span::styled("← ", theme.ok),
            Span::styled(answer.clone(), theme.text),
        ]),
        (None, false, Some(Err(reason))) => {
            let reason = crate::error_chain::one_line(reason);
            Line::from(Span::styled(format!("✗ {reason}"), theme.error))
        }
        (None, false, None) => Line::from(""),
    };
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), rest);
}
