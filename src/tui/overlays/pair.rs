//! The pairing overlay: a one-time link that pairs a phone or a browser with the review page,
//! and its QR code drawn in the terminal, so a phone's camera takes the link from the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// What the overlay shows: the code being made, the link, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PairState {
    Making,
    Ready(Box<Pairing>),
    Failed(String),
}

/// A pairing code made for a device, as the page's link.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pairing {
    pub(crate) link: String,
    pub(crate) device: String,
    pub(crate) expires_at: String,
    /// The link as a QR code, one string per row of the terminal; `None` if too long for one.
    pub(crate) qr: Option<Vec<String>>,
    /// Whether this workbench serves the page (`[web] with_workbench`): else the link finds
    /// the page only while `toolbench web` runs.
    pub(crate) served_here: bool,
}

/// Rows of text around the code: the border, the lines above and below it.
const TEXT_ROWS: u16 = 9;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    state: &PairState,
) {
    let key = |action| keymap.hint(action);
    let (lines, width, height) = match state {
        PairState::Making => (vec![Line::from("making a pairing code…")], 40, 3),
        PairState::Failed(why) => (
            vec![Line::from(Span::styled(why.clone(), theme.error))],
            72,
            6,
        ),
        PairState::Ready(pairing) => {
            let qr_size = pairing.qr.as_ref().map(|rows| {
                let wide = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0);
                (wide as u16, rows.len() as u16)
            });
            let fits =
                qr_size.filter(|(w, h)| w + 4 <= area.width && h + TEXT_ROWS + 2 <= area.height);
            let width = fits.map_or(0, |(w, _)| w + 4).max(72);
            let lines = ready_lines(theme, pairing, fits.is_some(), qr_size);
            let height = lines.len() as u16 + 4;
            (lines, width, height)
        }
    };
    let rect = centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            " Pair a device with the review page ",
            theme.title_focused,
        ))
        .title_bottom(Span::styled(
            format!(
                " {} copy the link · {} close ",
                key(Action::Copy),
                key(Action::Close)
            ),
            theme.dim,
        ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn ready_lines(
    theme: &Theme,
    pairing: &Pairing,
    qr_fits: bool,
    qr_size: Option<(u16, u16)>,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match (&pairing.qr, qr_fits, qr_size) {
        // The terminal's own colours, whatever the theme: the code is drawn in them.
        (Some(rows), true, _) => lines.extend(
            rows.iter()
                .map(|row| Line::from(Span::styled(row.clone(), Style::reset()))),
        ),
        (Some(_), false, Some((w, h))) => lines.push(Line::from(Span::styled(
            format!(
                "the QR code needs {} columns and {} rows: make the terminal larger to see it",
                w + 4,
                h + TEXT_ROWS + 2
            ),
            theme.dim,
        ))),
        _ => lines.push(Line::from(Span::styled(
            "the link is too long for a QR code",
            theme.dim,
        ))),
    }
    lines.push(Line::from(""));
    lines.push(Line::from(pairing.link.clone()));
    lines.push(Line::from(format!(
        "pairs the device as {}",
        pairing.device
    )));
    lines.push(Line::from(format!(
        "works once, until {}",
        pairing.expires_at
    )));
    lines.push(Line::from(Span::styled(
        if pairing.served_here {
            "the page is served beside this workbench ([web] with_workbench)"
        } else {
            "the page answers only while `toolbench web` runs (or set [web] with_workbench = true)"
        },
        theme.dim,
    )));
    lines
}
