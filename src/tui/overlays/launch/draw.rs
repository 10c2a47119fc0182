//! Drawing the launch overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::LaunchState;
use crate::tui::action::{Action, KeyContext};
use crate::tui::keymap::Keymap;
use crate::tui::overlays::centered;
use crate::tui::paste::Field;
use crate::tui::text_fit::wrap_rows;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    state: &LaunchState,
    project_label: Option<&str>,
) {
    let rect = centered(area, 76, area.height.saturating_sub(4).max(12));
    let m = &state.manifest;
    let title = format!(" Run {} {} ", m.name, m.version);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(foot(keymap, state), theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    // Every line whole, wrapped here so the rows given are the rows it takes: the
    // description (at most `INFO_ROWS`), the cost, input and timeout, and what the run will
    // touch: what it declares, on which project (an unreviewed tool gets it only when the
    // person grants it).
    let width = usize::from(inner.width);
    let mut info_lines = rows_of(&crate::text::visible(&m.description), width, theme.text);
    // An active tool that will not run as it is says so before anything is typed.
    if let Some(warning) = crate::tui::review_keys::launch_warning(&state.entry, keymap) {
        info_lines.extend(rows_of(&warning, width, theme.error));
    }
    info_lines.push(Line::from(vec![
        Span::styled(format!("cost {} ", m.cost_tier), theme.cost(m.cost_tier)),
        Span::styled(
            format!("· input {} · timeout {} s", m.run.input, m.run.timeout_secs),
            theme.dim,
        ),
    ]));
    if m.permissions.declares_any() {
        let touches = touches(&m.permissions, project_label);
        let grant_key = keymap.hint(Action::Grant);
        let (text, style) = match (state.unreviewed, state.grant) {
            (false, _) => (format!("touches: {touches}"), theme.warning),
            (true, false) => (
                format!("unreviewed: runs without {touches}; {grant_key} grants it for this run"),
                theme.dim,
            ),
            (true, true) => (
                format!("unreviewed, granted for this run: {touches} ({grant_key} takes it back)"),
                theme.error,
            ),
        };
        info_lines.extend(rows_of(&text, width, style));
    }
    // Here rather than in the field's title, which is cut to the dialog's width.
    if state.confirm.is_some() {
        let why = format!("why its name is asked: {}", state.confirm_reason());
        info_lines.extend(rows_of(&why, width, theme.warning));
    }
    let info_height = u16::try_from(info_lines.len()).unwrap_or(u16::MAX);
    let info_text = Paragraph::new(info_lines);
    let confirm_height = if state.confirm.is_some() { 3 } else { 0 };
    let [info, editor, status, confirm] = Layout::vertical([
        Constraint::Length(info_height),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(confirm_height),
    ])
    .areas(inner);
    frame.render_widget(info_text, info);
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
                .title(input_title(keymap, state));
            let inner_editor = block.inner(editor);
            frame.render_widget(block, editor);
            frame.render_widget(area, inner_editor);
        }
        None => frame.render_widget(
            Paragraph::new(if state.confirm.is_some() {
                "This tool takes no input. Type its name below, then press enter (or ctrl-s) to run it."
            } else {
                "This tool takes no input. Press enter (or ctrl-s) to run it."
            })
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
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
                format!(" {} ", state.confirm_prompt()),
                theme.warning,
            ));
        let inner_confirm = block.inner(confirm);
        frame.render_widget(block, confirm);
        frame.render_widget(area, inner_confirm);
    }
}

/// The keys the dialog answers, from the keymap in force: Enter runs too where the keys are
/// in a one-line field (the typed name, or none for a tool without input), and Tab moves only
/// where there are two fields.
fn foot(keymap: &Keymap, state: &LaunchState) -> String {
    let key = |action| keymap.hint_in(KeyContext::Dialog, action);
    let submit = key(Action::Submit);
    let run = match state.field() {
        Field::Line => format!("enter/{submit}"),
        Field::Lines => submit,
    };
    let fields = if state.two_fields() {
        format!(
            " · {}/{} switch field",
            key(Action::NextField),
            key(Action::PrevField)
        )
    } else {
        String::new()
    };
    format!(" {run} run{fields} · {} cancel ", key(Action::Close))
}

/// The editor's title, with where the walk through past inputs is, or how many there are.
fn input_title(keymap: &Keymap, state: &LaunchState) -> String {
    let older = keymap.hint(Action::OlderInput);
    match (state.history.position(), state.history.len()) {
        (Some((shown, of)), _) => format!(" input (JSON) · past input {shown}/{of} "),
        (None, 0) => " input (JSON) ".to_string(),
        (None, 1) => format!(" input (JSON) · {older}: 1 past input "),
        (None, n) => format!(" input (JSON) · {older}: {n} past inputs "),
    }
}

/// What a run of a tool declaring `permissions` touches, the project named where it is
/// declared: `project write on myproject · network anywhere`.
fn touches(permissions: &crate::model::Permissions, project: Option<&str>) -> String {
    let summary = permissions.summary();
    let access = format!("project {}", permissions.project.as_str());
    let on = match project {
        Some(project) => format!("{access} on {project}"),
        None => format!("{access} (no project!)"),
    };
    match (permissions.uses_project(), summary.starts_with(&access)) {
        (true, true) => summary.replacen(&access, &on, 1),
        (true, false) => format!("{summary} on {}", project.unwrap_or("(no project!)")),
        (false, _) => summary,
    }
}

/// Rows the launch dialog gives one line of its text at most.
const INFO_ROWS: usize = 3;

/// `text` in rows of `width` columns, at most `INFO_ROWS` (the last ending in `…` when more
/// was left), each a line in `style`.
fn rows_of(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap_rows(text, width, INFO_ROWS)
        .into_iter()
        .map(|row| Line::from(Span::styled(row, style)))
        .collect()
}
