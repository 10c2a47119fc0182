//! Drawing the evolve overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{EvolveFocus, EvolveState};
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

pub(crate) fn draw(frame: &mut Frame, theme: &Theme, area: Rect, state: &EvolveState) {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Evolve {} into a new candidate ", state.entry.id()),
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            " tab hint/editor · ctrl-n/ctrl-p file · ctrl-s create · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [hint_area, body, status] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    let focus_style = |focused: bool| {
        if focused {
            theme.border_focused
        } else {
            theme.border
        }
    };
    let hint_block = Block::default()
        .borders(Borders::ALL)
        .border_style(focus_style(state.focus == EvolveFocus::Hint))
        .title(" hint ");
    let hint_inner = hint_block.inner(hint_area);
    frame.render_widget(hint_block, hint_area);
    frame.render_widget(&state.hint, hint_inner);

    let Some(files) = &state.files else {
        frame.render_widget(
            Paragraph::new(Span::styled("reading the tool's files…", theme.dim)),
            body,
        );
        return;
    };
    let [list, editor] =
        Layout::horizontal([Constraint::Length(24), Constraint::Min(10)]).areas(body);
    let rows: Vec<Line> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mark = if f.is_changed() { "● " } else { "  " };
            let line = Line::from(vec![
                Span::styled(mark, theme.warning),
                Span::raw(f.name.clone()),
            ]);
            if i == state.selected {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(rows).block(
            Block::default()
                .borders(Borders::RIGHT)
                .border_style(theme.border),
        ),
        list,
    );
    if let Some(file) = files.get(state.selected) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focus_style(state.focus == EvolveFocus::Editor))
            .title(format!(" {} ", file.name));
        let inner_editor = block.inner(editor);
        frame.render_widget(block, editor);
        frame.render_widget(&file.editor, inner_editor);
    }
    let changed = files.iter().filter(|f| f.is_changed()).count();
    let line = match &state.problem {
        Some(problem) => Line::from(Span::styled(format!("✗ {problem}"), theme.error)),
        None if changed == 0 => Line::from(Span::styled(
            "no edits: the configured evolver (or a plain copy) makes the new version",
            theme.dim,
        )),
        None => Line::from(Span::styled(
            format!("{changed} file(s) edited: they become the new version"),
            theme.ok,
        )),
    };
    frame.render_widget(Paragraph::new(line), status);
}
