//! Drawing the decision overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::{
    DecisionState, Subject, asked_lines, batch_consequence, consequence, marked_lines,
    request_consequence, text_field,
};
use crate::tui::keymap::Keymap;
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    state: &DecisionState,
) {
    // A request shows what was asked, which is all the human has to judge it by.
    let asked = match &state.subject {
        Subject::Tool(_) => Vec::new(),
        Subject::Tools(entries) => marked_lines(entries),
        Subject::Request(request) => asked_lines(request),
    };
    let field_rows = if state.takes_text() { 3 } else { 0 };
    let confirm_rows = if state.confirm.is_some() { 3 } else { 0 };
    // Each caution line may take two rows at this width.
    let caution_rows = 2 * state.caution.len() as u16;
    let rect = centered(
        area,
        72,
        8 + field_rows + confirm_rows + caution_rows + asked.len() as u16,
    );
    let title = format!(" {} {}? ", state.kind.verb(), state.label());
    let keys = match state.refusal() {
        Some(_) => " esc close ",
        None => " enter confirm · esc cancel ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(keys, theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [caution, what, field, confirm, problem] = Layout::vertical([
        Constraint::Length(caution_rows),
        Constraint::Length(3 + asked.len() as u16),
        Constraint::Length(field_rows),
        Constraint::Length(confirm_rows),
        Constraint::Min(1),
    ])
    .areas(inner);
    // What approving accepts comes first, before what it does.
    let cautions: Vec<Line> = state
        .caution
        .iter()
        .map(|line| Line::from(Span::styled(line.clone(), theme.error)))
        .collect();
    frame.render_widget(Paragraph::new(cautions).wrap(Wrap { trim: true }), caution);
    let consequence = match &state.subject {
        Subject::Tool(entry) => consequence(
            state.kind,
            entry,
            state.superseded.as_deref(),
            state.destination.as_ref(),
        ),
        Subject::Tools(_) => batch_consequence(state.kind).into(),
        Subject::Request(_) => request_consequence(state.kind).into(),
    };
    let mut lines: Vec<Line> = asked
        .into_iter()
        .map(|(label, text)| {
            Line::from(vec![
                Span::styled(format!("{label:<12}"), theme.dim),
                Span::styled(text, theme.text),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(consequence, theme.text)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), what);
    let focused = |editing: bool| {
        if editing {
            theme.border_focused
        } else {
            theme.border
        }
    };
    if state.takes_text() {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focused(!state.editing_confirm))
            .title(format!(" {} ", text_field(state.kind, &state.subject).0));
        let inner_field = block.inner(field);
        frame.render_widget(block, field);
        frame.render_widget(&state.text, inner_field);
    }
    if let Some(area) = &state.confirm {
        let switch = keymap.hint(crate::tui::action::Action::NextField);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focused(state.editing_confirm))
            .title(Span::styled(
                format!(
                    " type {} to approve it all the same ({switch}) ",
                    state.confirm_word()
                ),
                theme.warning,
            ));
        let inner_confirm = block.inner(confirm);
        frame.render_widget(block, confirm);
        frame.render_widget(area, inner_confirm);
    }
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error)),
            problem,
        );
    }
}
