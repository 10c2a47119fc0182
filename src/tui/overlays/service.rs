//! The service dialogs: the instance name to launch (or attach to), and one message to send
//! to an instance, whose answer stays shown until the dialog is closed or sent again.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::centered;
use crate::model::ToolEntry;
use crate::tui::app::App;

/// What the dialog asks for.
pub enum ServiceDialogKind {
    /// The instance of this service to launch, or to attach to when it runs.
    Launch {
        entry: Box<ToolEntry>,
        /// Its instances that run now.
        running: Vec<String>,
    },
    /// A message for this instance.
    Send { instance: String },
}

pub struct ServiceDialogState {
    pub kind: ServiceDialogKind,
    pub text: TextArea<'static>,
    /// The last answer (`Ok`) or why the exchange failed (`Err`); `None` while none came.
    pub answer: Option<Result<String, crate::command::CommandError>>,
    /// An exchange is under way.
    pub waiting: bool,
    pub problem: Option<String>,
}

impl ServiceDialogState {
    /// Asks for an instance name: the first running one (Enter attaches), else "default".
    pub fn launch(entry: ToolEntry, running: Vec<String>) -> Self {
        let name = running.first().cloned().unwrap_or_else(|| "default".into());
        let kind = ServiceDialogKind::Launch {
            entry: Box::new(entry),
            running,
        };
        Self::with(kind, &name, "instance name")
    }

    pub fn send(instance: String) -> Self {
        Self::with(
            ServiceDialogKind::Send { instance },
            "",
            "the message; Enter sends it",
        )
    }

    fn with(kind: ServiceDialogKind, text: &str, placeholder: &str) -> Self {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.set_placeholder_text(placeholder);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Self {
            kind,
            text: area,
            answer: None,
            waiting: false,
            problem: None,
        }
    }

    /// The field's text on one line, trimmed; empty is refused.
    pub fn value(&self) -> Result<String, EmptyField> {
        let text = self.text.lines().join(" ").trim().to_string();
        if text.is_empty() {
            return Err(match self.kind {
                ServiceDialogKind::Launch { .. } => EmptyField::Name,
                ServiceDialogKind::Send { .. } => EmptyField::Message,
            });
        }
        Ok(text)
    }

    pub fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        if key.code != crossterm::event::KeyCode::Enter {
            self.text.input(key);
            self.problem = None;
        }
    }
}

/// The dialog's one field is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmptyField {
    #[error("name the instance")]
    Name,
    #[error("type a message")]
    Message,
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, state: &ServiceDialogState) {
    let theme = &app.theme;
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
