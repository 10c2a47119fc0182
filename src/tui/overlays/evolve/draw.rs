//! Drawing the evolve overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use ratatui::style::Modifier;

use super::{EditedFile, EvolveFocus, EvolveState};
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
        paint_syntax(frame, theme, inner_editor, file);
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

/// Bytes of a file, up to the last line in view, highlighted in the editor at each frame:
/// the grammar reads from the top, so past this the editor's text shows plain.
const EDITOR_HIGHLIGHT_BYTES: usize = 64 * 1024;

/// Colours the text the editor drew in `area` by the file's language. The textarea draws one
/// style per line only, so the visible lines are highlighted here (from the top of the file,
/// which the grammar needs) and their colours laid over its cells; the cursor and a
/// selection keep theirs.
fn paint_syntax(frame: &mut Frame, theme: &Theme, area: Rect, file: &EditedFile) {
    let Some(set) = crate::tui::highlight::loaded() else {
        return;
    };
    let editor = &file.editor;
    let (top, left) = editor.scroll_offset();
    let (top, left) = (usize::from(top), usize::from(left));
    let lines = editor.lines();
    let bottom = (top + usize::from(area.height)).min(lines.len());
    if top >= bottom {
        return;
    }
    let mut text = String::new();
    for line in &lines[..bottom] {
        text.push_str(line);
        text.push('\n');
        if text.len() > EDITOR_HIGHLIGHT_BYTES {
            return;
        }
    }
    let first = lines.first().map_or("", String::as_str);
    let Some(syntax) = crate::tui::highlight::find_syntax(set, &file.name, first, None) else {
        return;
    };
    let highlighted = crate::tui::highlight::highlight(set, syntax, &text, theme).lines;
    // The textarea scrolls the numbered line whole, its gutter too.
    let gutter = usize::from(editor.line_number_width());
    let width = usize::from(area.width);
    let tab = usize::from(editor.tab_length());
    let buffer = frame.buffer_mut();
    for (row, index) in (top..bottom).enumerate() {
        let Some(styled) = highlighted.get(index) else {
            break;
        };
        let raw = &lines[index];
        let y = area.y + row as u16;
        let mut col = 0;
        for (c, style) in raw
            .chars()
            .zip(crate::tui::highlight::char_styles(raw, styled))
        {
            // As the textarea lays a line out: a tab to the next stop, a control character
            // in no column at all.
            let cells = match c {
                '\t' if tab > 0 => tab - col % tab,
                c => unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
            };
            let start = col;
            col += cells;
            let Some(fg) = style.fg else {
                continue;
            };
            for x in (gutter + start)..(gutter + col) {
                if x < left || x - left >= width {
                    continue;
                }
                let at = (area.x + (x - left) as u16, y);
                if let Some(cell) = buffer.cell_mut(at)
                    && !cell.modifier.contains(Modifier::REVERSED)
                    && cell.bg == ratatui::style::Color::Reset
                {
                    cell.fg = fg;
                }
            }
            if gutter + col >= left + width {
                break;
            }
        }
    }
}
