//! Drawing the stats overlay from its state in the parent module and the theme (and
//! keys) it is handed; neither reads `App`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{StatsState, areas, draw_days, name_width, ranked, summary};
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::text_fit::fit;
use crate::tui::theme::Theme;

pub(crate) fn draw(
    frame: &mut Frame,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    state: &StatsState,
) {
    let parts = areas(area);
    let close = keymap.hint(Action::Stats);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Workspace stats ", theme.title_focused))
        .title_bottom(Span::styled(
            format!(" j/k scroll the ranking · esc or {close} close "),
            theme.dim,
        ));
    frame.render_widget(Clear, parts.frame);
    frame.render_widget(block, parts.frame);
    let stats = match &state.data {
        None => {
            let loading = Paragraph::new(Span::styled("loading…", theme.dim));
            frame.render_widget(loading, parts.summary);
            return;
        }
        Some(Err(reason)) => {
            let failed = Paragraph::new(Span::styled(
                format!(
                    "could not read the statistics: {}",
                    crate::error_chain::one_line(reason)
                ),
                theme.error,
            ));
            frame.render_widget(failed, parts.summary);
            return;
        }
        Some(Ok(stats)) => stats,
    };
    frame.render_widget(summary(theme, &stats.days), parts.summary);
    draw_days(frame, theme, &stats.days, &parts);
    frame.render_widget(
        Line::from(vec![
            Span::styled("bars: ", theme.dim),
            Span::styled("█ all ok", theme.ok),
            Span::styled("  █ some not ok", theme.warning),
            Span::styled("  █ half or more not ok", theme.error),
        ]),
        parts.legend,
    );
    let name_width = name_width(&stats.ranking, parts.header.width);
    frame.render_widget(
        Line::from(Span::styled(
            format!(
                "{:>4}  {}  {:<14}  {:<7}  {:>7}  {:>4}",
                "#",
                fit("tool", name_width),
                "quality",
                "7 days",
                "runs",
                "ok"
            ),
            theme.dim,
        )),
        parts.header,
    );
    if stats.ranking.is_empty() {
        let none = Paragraph::new(Span::styled(
            "No active tools yet: agents write them into experimental/.",
            theme.dim,
        ));
        frame.render_widget(none, parts.ranking);
        return;
    }
    let rows: Vec<Line> = stats
        .ranking
        .iter()
        .enumerate()
        .skip(state.scroll)
        .take(usize::from(parts.ranking.height))
        .map(|(i, trend)| ranked(theme, i + 1, trend, name_width))
        .collect();
    frame.render_widget(Paragraph::new(rows), parts.ranking);
}
