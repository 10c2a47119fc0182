//! The service dialogs: the instance name to launch (or attach to), and one message to send
//! to an instance, whose answer stays shown until the dialog is closed or sent again.

use ratatui_textarea::TextArea;

use crate::model::ToolEntry;
use crate::tui::paste::{self, Field};

mod draw;
pub(crate) use draw::draw;

/// What the dialog asks for.
pub(crate) enum ServiceDialogKind {
    /// The instance of this service to launch, or to attach to when it runs.
    Launch {
        entry: Box<ToolEntry>,
        /// Its instances that run now.
        running: Vec<String>,
    },
    /// A message for this instance.
    Send { instance: String },
}

pub(crate) struct ServiceDialogState {
    pub(crate) kind: ServiceDialogKind,
    pub(crate) text: TextArea<'static>,
    /// The last answer (`Ok`) or why the exchange failed (`Err`); `None` while none came.
    pub(crate) answer: Option<Result<String, crate::command::CommandError>>,
    /// An exchange is under way.
    pub(crate) waiting: bool,
    pub(crate) problem: Option<String>,
}

impl ServiceDialogState {
    /// Asks for an instance name: the first running one (Enter attaches), else the service's
    /// own (`services::default_instance`).
    pub(crate) fn launch(entry: ToolEntry, running: Vec<String>) -> Self {
        let name = running
            .first()
            .cloned()
            .unwrap_or_else(|| crate::model::services::default_instance(&entry.name).to_string());
        let kind = ServiceDialogKind::Launch {
            entry: Box::new(entry),
            running,
        };
        Self::with(kind, &name, "instance name")
    }

    pub(crate) fn send(instance: String) -> Self {
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
    pub(crate) fn value(&self) -> Result<String, EmptyField> {
        let text = self.text.lines().join(" ").trim().to_string();
        if text.is_empty() {
            return Err(match self.kind {
                ServiceDialogKind::Launch { .. } => EmptyField::Name,
                ServiceDialogKind::Send { .. } => EmptyField::Message,
            });
        }
        Ok(text)
    }

    /// Types a paste into the dialog's one line.
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        self.problem = None;
        paste::into_area(&mut self.text, text, Field::Line)
    }

    pub(crate) fn input_key(&mut self, key: crossterm::event::KeyEvent) {
        paste::key_into_area(&mut self.text, key, Field::Line);
        self.problem = None;
    }
}

/// The dialog's one field is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EmptyField {
    #[error("name the instance")]
    Name,
    #[error("type a message")]
    Message,
}
