//! Drawing the call answer overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::{CallAnswer, CallAnswerState};
use crate::model::Catalog;
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

/// What the called tool may touch, as the catalog holds the content the call names.
fn grants(catalog: &Catalog, state: &CallAnswerState) -> String {
    let Some(call) = state.call() else {
        return String::new();
    };
    catalog
        .entries()
        .iter()
        .find(|e| e.name == call.tool && e.content_hash == call.content_hash)
        .and_then(|e| e.manifest.as_ref())
        .map(|m| m.permissions.summary())
        .unwrap_or_else(|| "unknown: that content is no longer in the catalog".to_string())
}

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    state: &CallAnswerState,
    catalog: &Catalog,
) {
    let has_field = !matches!(state.kind, CallAnswer::Once(_) | CallAnswer::Revoke(_));
    let facts = state.facts(&grants(catalog, state)).unwrap_or_default();
    // Room for the facts and the arguments the person is answering about: the editor its
    // own, the others what they say (a long argument list scrolls off the foot), the field
    // and a line for what is wrong with it.
    let height = if state.is_editor() {
        22 + facts.len() as u16
    } else {
        let said = facts.len() + state.consequence().lines().count();
        let field = if has_field { 3 } else { 0 };
        (said + field + 3).clamp(8, 30) as u16
    };
    let rect = centered(area, 76, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(state.title(), theme.title_focused))
        .title_bottom(Span::styled(state.keys(), theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let field_height = match (has_field, state.is_editor()) {
        (false, _) => 0,
        (true, true) => inner.height.saturating_sub(4),
        (true, false) => 3,
    };
    let what_height = if state.is_editor() {
        2 + facts.len() as u16
    } else {
        inner.height.saturating_sub(field_height + 1)
    };
    let [what, field, problem] = Layout::vertical([
        Constraint::Length(what_height),
        Constraint::Length(field_height),
        Constraint::Min(1),
    ])
    .areas(inner);
    let fact = |(label, value): &(&str, String)| {
        Line::from(vec![
            Span::styled(format!("{label:<8}"), theme.dim),
            Span::styled(value.clone(), theme.text),
        ])
    };
    let lines: Vec<Line> = facts
        .iter()
        .map(fact)
        .chain(
            state
                .consequence()
                .lines()
                .map(|l| Line::from(Span::styled(l.to_string(), theme.text))),
        )
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), what);
    if has_field {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused);
        let inner_field = block.inner(field);
        frame.render_widget(block, field);
        frame.render_widget(&state.text, inner_field);
    }
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error))
                .wrap(Wrap { trim: true }),
            problem,
        );
    } else if state.is_editor() {
        frame.render_widget(
            Paragraph::new(Span::styled("✓ matches the input schema", theme.ok)),
            problem,
        );
    }
}
