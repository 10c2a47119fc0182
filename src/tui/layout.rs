//! Where each pane sits. Pure, so drawing and mouse hit-testing agree.
//!
//! Panes are sized by what they hold: a pane asks for the rows its content needs, spare
//! rows go to the Catalog and the Review pane, and when the screen is short each pane keeps
//! a fair share. One pane may be zoomed to the whole screen.

use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal the main screen is designed for.
pub(crate) const MIN_WIDTH: u16 = 80;
pub(crate) const MIN_HEIGHT: u16 = 24;

/// Rows of a bordered pane that shows nothing but its frame and a title.
const BORDERS: u16 = 2;
/// The smallest a pane gets while others want room: its frame and two rows.
const MIN_PANE: u16 = BORDERS + 2;
/// The share of the screen's height the Output pane keeps when everything wants more room
/// than there is, and the share of the right column the Failures pane keeps.
const OUTPUT_SHARE: u16 = 45;
const FAILURES_SHARE: u16 = 45;
/// The most of the width the right column (Review over Failures) takes, and the least it
/// keeps while the screen allows: room for an empty pane's explanation.
pub(crate) const RIGHT_SHARE: u16 = 44;
const MIN_RIGHT: u16 = 37;
/// The Review pane's inner width from which it shows the preview beside its queue: the queue
/// keeps 40 columns (a name, its version and badge whole), the preview 60 (a diff line with
/// both numbers).
pub(crate) const PREVIEW_WIDTH: u16 = 100;
/// The most the right column takes while a person reviews (the Review pane focused on a
/// candidate) and the preview beside the queue fits in it: the Catalog keeps the rest.
pub(crate) const REVIEWING_SHARE: u16 = 62;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pane {
    Catalog,
    Output,
    Failures,
    Review,
}

impl Pane {
    pub(crate) const ALL: [Pane; 4] = [Pane::Catalog, Pane::Output, Pane::Failures, Pane::Review];

    pub(crate) fn next(self) -> Pane {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub(crate) fn prev(self) -> Pane {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// What the panes hold, in rows of content (frames not counted), and which pane, if any,
/// has the whole screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shape {
    /// Columns the Review and Failures panes' rows fill (frames not counted).
    pub(crate) right_cols: u16,
    /// Columns the Catalog's rows fill whole, descriptions included (frames not counted):
    /// what it does not need of the screen's width goes to the right column.
    pub(crate) catalog_cols: u16,
    pub(crate) catalog_rows: u16,
    pub(crate) output_rows: u16,
    pub(crate) review_rows: u16,
    pub(crate) failures_rows: u16,
    /// Rows of the status bar: one, more while a message does not fit beside the states.
    pub(crate) status_rows: u16,
    /// The most of the width, in percent, the right column may take (`RIGHT_SHARE`, or
    /// `REVIEWING_SHARE` while a person reviews with the preview); 0 reads as `RIGHT_SHARE`.
    pub(crate) right_share: u16,
    pub(crate) zoomed: Option<Pane>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Areas {
    pub(crate) catalog: Rect,
    pub(crate) output: Rect,
    pub(crate) failures: Rect,
    pub(crate) review: Rect,
    pub(crate) status: Rect,
}

impl Areas {
    pub(crate) fn of(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Catalog => self.catalog,
            Pane::Output => self.output,
            Pane::Failures => self.failures,
            Pane::Review => self.review,
        }
    }

    pub(crate) fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let position = ratatui::layout::Position::new(column, row);
        Pane::ALL
            .into_iter()
            .find(|p| self.of(*p).contains(position))
    }
}

pub(crate) fn is_too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Catalog on the left, Review over Failures on the right, Output along the bottom; or the
/// zoomed pane alone above the status bar.
pub(crate) fn compute(area: Rect, shape: &Shape) -> Areas {
    let [body, status] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(shape.status_rows.max(1)),
    ])
    .areas(area);
    if let Some(pane) = shape.zoomed {
        let mut areas = Areas {
            status,
            ..Areas::default()
        };
        match pane {
            Pane::Catalog => areas.catalog = body,
            Pane::Output => areas.output = body,
            Pane::Failures => areas.failures = body,
            Pane::Review => areas.review = body,
        }
        return areas;
    }
    // The Catalog gets one more row than its list: the filter line.
    let top_wants =
        (shape.catalog_rows + 1).max(shape.review_rows + shape.failures_rows + BORDERS) + BORDERS;
    let output_height = share(
        body.height,
        top_wants,
        shape.output_rows + BORDERS,
        OUTPUT_SHARE,
    );
    let [top, output] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(output_height)]).areas(body);
    // The right column takes what its rows fill, or what the Catalog leaves when its rows
    // fill less, up to its share; the catalog the rest.
    let fair = share_of(top.width, shape.right_share);
    let left_over = top
        .width
        .saturating_sub(shape.catalog_cols.saturating_add(BORDERS));
    let right_width = (shape.right_cols + BORDERS)
        .max(left_over)
        .min(fair)
        .max(MIN_RIGHT.min(fair));
    let [catalog, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)]).areas(top);
    let failures_height = share(
        right.height,
        shape.review_rows + BORDERS,
        shape.failures_rows + BORDERS,
        FAILURES_SHARE,
    );
    let [review, failures] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(failures_height)]).areas(right);
    Areas {
        catalog,
        output,
        failures,
        review,
        status,
    }
}

/// Rows for the second of two stacked panes out of `total`. When both fit, it gets what it
/// wants and the first takes the spare room; when they do not, it keeps at least
/// `share_percent` of the total (or less, if it wants less). Either keeps `MIN_PANE` rows
/// while the total allows.
fn share(total: u16, first_wants: u16, second_wants: u16, share_percent: u16) -> u16 {
    let second_wants = second_wants.max(MIN_PANE);
    let rows = if first_wants.saturating_add(second_wants) <= total {
        second_wants
    } else {
        let fair = (u32::from(total) * u32::from(share_percent) / 100) as u16;
        second_wants.min(fair.max(total.saturating_sub(first_wants)))
    };
    rows.clamp(
        MIN_PANE.min(total),
        total.saturating_sub(MIN_PANE).max(MIN_PANE.min(total)),
    )
}

/// The most columns of `width` the right column takes, rounded.
pub(crate) fn right_share(width: u16) -> u16 {
    share_of(width, RIGHT_SHARE)
}

/// `percent` of `width` (`RIGHT_SHARE` for 0), rounded.
pub(crate) fn share_of(width: u16, percent: u16) -> u16 {
    let percent = if percent == 0 { RIGHT_SHARE } else { percent };
    ((u32::from(width) * u32::from(percent) + 50) / 100) as u16
}

/// Rows inside a bordered pane.
pub(crate) fn inner_height(area: Rect) -> usize {
    area.height.saturating_sub(BORDERS) as usize
}

/// The width of a column of `longest` characters in `room` columns: whole when it fits,
/// never under `min`, and leaving `keep` columns for what follows it.
pub(crate) fn column_width(longest: usize, room: usize, min: usize, keep: usize) -> usize {
    longest.min(room.saturating_sub(keep)).max(min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(width: u16, height: u16) -> Rect {
        Rect::new(0, 0, width, height)
    }

    #[test]
    fn an_empty_output_pane_shrinks_and_the_catalog_takes_the_room() {
        let shape = Shape {
            catalog_rows: 7,
            output_rows: 2,
            review_rows: 3,
            failures_rows: 4,
            zoomed: None,
            ..Shape::default()
        };
        let areas = compute(screen(80, 24), &shape);
        assert_eq!(areas.output.height, 4);
        assert_eq!(areas.catalog.height, 19);
        assert_eq!(areas.failures.height, 6);
        assert_eq!(areas.review.height, 13);
        assert_eq!(areas.status.y, 23);
    }

    #[test]
    fn a_streaming_run_grows_the_output_pane_up_to_its_share() {
        let mut shape = Shape {
            catalog_rows: 16,
            output_rows: 5,
            review_rows: 3,
            failures_rows: 4,
            zoomed: None,
            ..Shape::default()
        };
        assert_eq!(compute(screen(80, 24), &shape).output.height, 7);
        shape.output_rows = 500;
        // 45 % of the 23 rows above the status bar; the catalog keeps the rest.
        assert_eq!(compute(screen(80, 24), &shape).output.height, 10);
        // A tall screen gives the run every row the catalog does not need.
        let tall = compute(screen(160, 48), &shape);
        assert_eq!(tall.catalog.height, 19);
        assert_eq!(tall.output.height, 28);
    }

    #[test]
    fn long_lists_keep_a_fair_share_each() {
        let shape = Shape {
            catalog_rows: 1_000,
            output_rows: 1_000,
            review_rows: 1_000,
            failures_rows: 1_000,
            zoomed: None,
            ..Shape::default()
        };
        let areas = compute(screen(80, 24), &shape);
        assert_eq!(areas.output.height, 10);
        assert_eq!(areas.catalog.height, 13);
        assert_eq!(areas.failures.height, 5);
        assert_eq!(areas.review.height, 8);
    }

    #[test]
    fn a_zoomed_pane_has_the_screen_and_the_others_nothing() {
        let shape = Shape {
            zoomed: Some(Pane::Failures),
            ..Shape::default()
        };
        let areas = compute(screen(80, 24), &shape);
        assert_eq!(areas.failures, Rect::new(0, 0, 80, 23));
        assert_eq!(areas.catalog.area(), 0);
        assert_eq!(areas.pane_at(5, 5), Some(Pane::Failures));
    }

    #[test]
    fn every_pane_keeps_its_frame_on_a_tiny_screen() {
        for height in 0..30 {
            let areas = compute(screen(80, height), &Shape::default());
            assert_eq!(
                areas.catalog.height + areas.output.height + areas.status.height,
                height,
                "height {height}"
            );
            assert_eq!(
                areas.review.height + areas.failures.height,
                areas.catalog.height
            );
        }
    }

    #[test]
    fn the_right_column_is_as_wide_as_its_rows_up_to_its_share() {
        let narrow = Shape {
            right_cols: 30,
            catalog_cols: 500,
            ..Shape::default()
        };
        // Room for an empty pane's explanation, and the catalog takes the rest.
        let areas = compute(screen(150, 45), &narrow);
        assert_eq!(areas.review.width, 37);
        assert_eq!(areas.catalog.width, 113);
        let wide = Shape {
            right_cols: 500,
            ..narrow
        };
        assert_eq!(compute(screen(150, 45), &wide).review.width, 66);
        // At 80 columns the share is what there is: `… csv_to_json 1.3.0 evolves 1.2.0` whole.
        assert_eq!(compute(screen(80, 24), &narrow).review.width, 35);
        assert_eq!(compute(screen(80, 24), &wide).review.width, 35);
        // What a catalog of short rows does not need goes to the right column, up to its share.
        let short_catalog = Shape {
            catalog_cols: 100,
            ..narrow
        };
        assert_eq!(compute(screen(150, 45), &short_catalog).review.width, 48);
        assert_eq!(compute(screen(150, 45), &short_catalog).catalog.width, 102);
    }

    #[test]
    fn columns_are_whole_when_they_fit_and_give_way_to_what_follows() {
        assert_eq!(column_width(11, 60, 8, 20), 11);
        assert_eq!(column_width(36, 40, 8, 20), 20);
        assert_eq!(column_width(36, 20, 8, 20), 8);
    }
}
