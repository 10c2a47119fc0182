//! Where each pane sits. Pure, so drawing and mouse hit-testing agree.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// The smallest terminal the main screen is designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Catalog,
    Output,
    Failures,
    Review,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Catalog, Pane::Output, Pane::Failures, Pane::Review];

    pub fn next(self) -> Pane {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub catalog: Rect,
    pub output: Rect,
    pub failures: Rect,
    pub review: Rect,
    pub status: Rect,
}

impl Areas {
    pub fn of(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Catalog => self.catalog,
            Pane::Output => self.output,
            Pane::Failures => self.failures,
            Pane::Review => self.review,
        }
    }

    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let position = ratatui::layout::Position::new(column, row);
        Pane::ALL
            .into_iter()
            .find(|p| self.of(*p).contains(position))
    }
}

pub fn is_too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Catalog on the left, Review over Failures on the right, Output along the bottom.
pub fn compute(area: Rect) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let [top, output] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
    let [catalog, right] = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(58), Constraint::Percentage(42)])
        .areas(top);
    let [review, failures] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
    Areas {
        catalog,
        output,
        failures,
        review,
        status,
    }
}

/// Rows inside a bordered pane.
pub fn inner_height(area: Rect) -> usize {
    area.height.saturating_sub(2) as usize
}
