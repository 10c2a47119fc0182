//! Drawing the launch overlay from the app's state; the state itself stays in the
//! parent module, which never reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::LaunchState;
use crate::tui::app::App;
use crate::tui::overlays::centered;

pub(crate) fn draw(frame: &mut Frame, app: &App, area: Rect, state: &LaunchState) {
    let theme = &app.theme;
    let rect = centered(area, 76, area.height.saturating_sub(4).max(12));
    let m = &state.manifest;
    let title = format!(" Run {} {} ", m.name, m.version);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(
            " ctrl-s run · tab switch field · esc cancel ",
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let confirm_height = if state.confirm.is_some() { 3 } else { 0 };
    let [info, editor, status, confirm] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(confirm_height),
    ])
    .areas(inner);
    let mut info_spans = vec![
        Span::styled(format!("{} · ", m.description), theme.text),
        Span::styled(format!("cost {} ", m.cost_tier), theme.cost(m.cost_tier)),
        Span::styled(
            format!("· input {} · timeout {} s", m.run.input, m.run.timeout_secs),
            theme.dim,
        ),
    ];
    // What the run will be granted, and on which project.
    if m.permissions != Default::default() {
        let on = match (&app.project_label, m.permissions.uses_project()) {
            (Some(project), true) => format!(" on {project}"),
            (None, true) => " (no project!)".to_string(),
            _ => String::new(),
        };
        info_spans.push(Span::styled(
            format!(" · {}{on}", m.permissions.summary()),
            theme.warning,
        ));
    }
    let info_line = Line::from(info_spans);
    frame.render_widget(Paragraph::new(info_line).wrap(Wrap { trim: true }), info);
    match &state.editor {
        Some(area) => {
            let style = if state.editing_confirm {
                theme.border
            } else {
                theme.border_focused
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(style)
                .title(" input (JSON) ");
            let inner_editor = block.inner(editor);
            frame.render_widget(block, editor);
            frame.render_widget(area, inner_editor);
        }
        None => frame.render_widget(
            Paragraph::new(if state.confirm.is_some() {
                "This tool takes no input. Type its name below, then press ctrl-s to run it."
            } else {
                "This tool takes no input. Press enter (or ctrl-s) to run it."
            })
            .style(theme.dim),
            editor,
        ),
    }
    let status_line = match &state.error {
        Some(error) => Line::from(Span::styled(format!("✗ {error}"), theme.error)),
        None if state.editor.is_some() => {
            Line::from(Span::styled("✓ input matches the schema", theme.ok))
        }
        None => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(status_line).wrap(Wrap { trim: true }),
        status,
    );
    if let Some(area) = &state.confirm {
        let style = if state.editing_confirm {
            theme.border_focused
        } else {
            theme.warning
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(Span::styled(
                format!(" type the tool name to confirm: {} ", state.confirm_reason),
                theme.warning,
            ));
        let inner_confirm = block.inner(confirm);
        frame.render_widget(block, confirm);
        frame.render_widget(area, inner_confirm);
    }
}
