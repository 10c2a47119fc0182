//! Drawing the suggestions overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{SuggestionsState, area};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    size: Rect,
    state: &SuggestionsState,
) {
    let rect = area(size);
    let keys = format!(
        " {} accept · {} dismiss · esc close ",
        keymap.hint(Action::Approve),
        keymap.hint(Action::Archive)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Suggestions ", theme.title_focused))
        .title_bottom(Span::styled(keys, theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [list, input] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    let list = if state.reason.is_some() { list } else { inner };
    let rows = match &state.rows {
        None => {
            frame.render_widget(Span::styled("reading the run history…", theme.dim), list);
            return;
        }
        Some(Err(reason)) => {
            let failed = format!(
                "could not read the suggestions: {}",
                crate::error_chain::one_line(reason)
            );
            frame.render_widget(Span::styled(failed, theme.error), list);
            return;
        }
        Some(Ok(rows)) if rows.is_empty() => {
            let none = Paragraph::new(vec![
                Line::from("Nothing in the run history stands out yet."),
                Line::styled(
                    "Habits, capabilities nothing serves, failing or slow tools and look-alikes show here.",
                    theme.dim,
                ),
            ]);
            frame.render_widget(none, list);
            return;
        }
        Some(Ok(rows)) => rows,
    };
    let width = usize::from(list.width);
    let window = state
        .cursor
        .window(rows.len(), usize::from(list.height) / 2);
    let mut lines = Vec::new();
    for pos in window {
        let row = &rows[pos];
        let style = if pos == state.cursor.selected {
            theme.selected
        } else {
            theme.text
        };
        let accepted = match row.state.as_str() {
            "new" => String::new(),
            state => format!(" [{state}]"),
        };
        let head = format!("#{} {:>6.1}  {}{accepted}", row.id, row.priority, row.title);
        lines.push(Line::styled(fit(&head, width), style));
        lines.push(Line::styled(
            fit(&format!("          {}", row.why), width),
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(reason) = &state.reason {
        let mut field = reason.clone();
        field.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(" dismiss: reason (enter confirms, esc goes back) "),
        );
        frame.render_widget(&field, input);
    }
}
