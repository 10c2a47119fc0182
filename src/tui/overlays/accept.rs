//! Accepting the active tools of a workspace never opened here (DESIGN §11 rule 5): the
//! workbench asks once the first scan shows them, listing what would be accepted, and takes
//! the typed word `accept`; until then none of them runs. Esc leaves them waiting; the
//! `accept_workspace` key asks again.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use crate::model::{Drift, ToolEntry};
use crate::tui::overlays::centered;
use crate::tui::theme::Theme;

/// The word that accepts.
const WORD: &str = "accept";
/// Tools listed by name; the rest are counted.
const SHOWN: usize = 8;

pub(crate) struct AcceptState {
    /// `core/json_format 1.1.0 9faaf5bbea6e`, one a tool waiting to be accepted.
    pub(crate) tools: Vec<String>,
    pub(crate) confirm: TextArea<'static>,
    pub(crate) problem: Option<String>,
}

impl AcceptState {
    /// The question for the active tools of `entries` that wait for the workspace to be
    /// accepted; `None` when none does.
    pub(crate) fn of(entries: &[ToolEntry]) -> Option<Self> {
        let tools: Vec<String> = entries
            .iter()
            .filter(|e| matches!(e.drift.as_deref(), Some(Drift::NotAccepted)))
            .map(|e| {
                format!(
                    "{}/{} {} {}",
                    e.tier,
                    e.name,
                    crate::text::visible(&e.version),
                    crate::model::short_hash(&e.content_hash)
                )
            })
            .collect();
        if tools.is_empty() {
            return None;
        }
        let mut confirm = TextArea::default();
        confirm.set_placeholder_text(format!("type {WORD}"));
        Some(AcceptState {
            tools,
            confirm,
            problem: None,
        })
    }

    /// Whether the person typed the word.
    pub(crate) fn confirmed(&self) -> bool {
        self.confirm.lines().join("").trim() == WORD
    }

    pub(crate) fn refuse(&mut self) {
        self.problem = Some(format!("type {WORD} to accept them, or esc to leave them"));
    }
}

pub(crate) fn draw(frame: &mut Frame, theme: &Theme, area: Rect, state: &AcceptState) {
    let shown = state.tools.len().min(SHOWN);
    let more = usize::from(state.tools.len() > SHOWN);
    let rect = centered(area, 72, 12 + (shown + more) as u16);
    let title = match state.tools.len() {
        1 => " Accept this workspace's active tool? ".to_string(),
        n => format!(" Accept this workspace's {n} active tools? "),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title_focused))
        .title_bottom(Span::styled(" enter accept · esc later ", theme.dim));
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [said, list, field, problem] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length((shown + more) as u16 + 1),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(inner);
    let text = "This workspace was never opened here: none of its active tools runs until you \
                accept them as they are. Each is sealed and kept; a later change to it needs a \
                review. `toolbench accept NAME` accepts one at a time.";
    frame.render_widget(
        Paragraph::new(Span::styled(text, theme.text)).wrap(Wrap { trim: true }),
        said,
    );
    let mut lines: Vec<Line> = state
        .tools
        .iter()
        .take(SHOWN)
        .map(|tool| Line::from(Span::styled(format!("  {tool}"), theme.text)))
        .collect();
    if more > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "  and {} more (toolbench accept --dry-run lists them all)",
                state.tools.len() - SHOWN
            ),
            theme.dim,
        )));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" type {WORD} to accept them "),
            theme.warning,
        ));
    let inner_field = block.inner(field);
    frame.render_widget(block, field);
    frame.render_widget(&state.confirm, inner_field);
    if let Some(text) = &state.problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {text}"), theme.error)),
            problem,
        );
    }
}
