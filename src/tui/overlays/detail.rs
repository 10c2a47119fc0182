//! The tool detail overlay: overview, manifest, highlighted source and files.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::app::{App, DetailSection, DetailState};

pub fn draw(frame: &mut Frame, app: &App, area: Rect, detail: &DetailState) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).max(40),
        area.height.saturating_sub(2),
    );
    let theme = &app.theme;
    let mut tabs = vec![Span::raw(" ")];
    for section in DetailSection::ALL {
        let style = if section == detail.section {
            theme.title_focused
        } else {
            theme.dim
        };
        tabs.push(Span::styled(format!(" {} ", section.title()), style));
    }
    let entry = &detail.entry;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {} {} ", entry.name, entry.version),
            theme.title_focused,
        ))
        .title(Line::from(tabs).right_aligned())
        .title_bottom(Span::styled(
            " tab/←→ section · j/k scroll · esc close ",
            theme.dim,
        ));
    let content = match detail.section {
        DetailSection::Overview => overview(app, detail),
        _ => match &detail.content {
            None => vec![Line::from(Span::styled("loading…", theme.dim))],
            Some(content) => match detail.section {
                DetailSection::Manifest => content.manifest.clone(),
                DetailSection::Source => match &content.source_name {
                    Some(name) => {
                        let mut lines =
                            vec![Line::from(Span::styled(name.clone(), theme.syntax_heading))];
                        lines.extend(numbered(&content.source, theme.dim));
                        lines
                    }
                    None => vec![Line::from(Span::styled(
                        "No source file found for this tool.",
                        theme.dim,
                    ))],
                },
                _ => content
                    .files
                    .iter()
                    .map(|(name, size)| {
                        Line::from(vec![
                            Span::styled(format!("{size:>9}  "), theme.dim),
                            Span::raw(name.clone()),
                        ])
                    })
                    .collect(),
            },
        },
    };
    let visible = rect.height.saturating_sub(2) as usize;
    let scroll = detail.scroll.min(content.len().saturating_sub(visible));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((scroll as u16, 0)),
        rect,
    );
}

fn numbered(lines: &[Line<'static>], style: ratatui::style::Style) -> Vec<Line<'static>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut spans = vec![Span::styled(format!("{:>4} ", i + 1), style)];
            spans.extend(line.spans.iter().cloned());
            Line::from(spans)
        })
        .collect()
}

fn overview(app: &App, detail: &DetailState) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let e = &detail.entry;
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<13}"), theme.dim),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field("tier", e.tier.to_string()),
        field("path", e.path.display().to_string()),
    ];
    if let Some(error) = &e.error {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<13}", "error"), theme.dim),
            Span::styled(error.clone(), theme.error),
        ]));
    }
    for warning in &e.warnings {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<13}", "warning"), theme.dim),
            Span::styled(warning.clone(), theme.warning),
        ]));
    }
    if let Some(m) = &e.manifest {
        lines.push(field("description", m.description.clone()));
        lines.push(field("category", m.category.to_string()));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<13}", "cost tier"), theme.dim),
            Span::styled(m.cost_tier.to_string(), theme.cost(m.cost_tier)),
        ]));
        lines.push(field("command", m.run.command.join(" ")));
        lines.push(field("input", m.run.input.to_string()));
        lines.push(field(
            "limits",
            format!(
                "{} s · {} MB · network {}",
                m.run.timeout_secs,
                m.run.memory_mb,
                if m.run.network { "on" } else { "off" }
            ),
        ));
        if !m.keywords.is_empty() {
            lines.push(field("keywords", m.keywords.join(", ")));
        }
        if !m.capabilities.is_empty() {
            lines.push(field("capabilities", m.capabilities.join(", ")));
        }
        if let Some(origin) = m.provenance.origin {
            let generator = m
                .provenance
                .generator
                .clone()
                .map(|g| format!(" ({g})"))
                .unwrap_or_default();
            lines.push(field("origin", format!("{origin}{generator}")));
        }
        if let Some(parent) = &m.provenance.parent {
            lines.push(field("evolved from", parent.clone()));
        }
        if let Some(hint) = &m.provenance.hint {
            lines.push(field("hint", hint.clone()));
        }
        if let Some(service) = &m.service {
            lines.push(field(
                "service",
                format!("port {} · health {}", service.port, service.health_check),
            ));
        }
        if m.inferred {
            lines.push(Line::from(Span::styled(
                "manifest inferred from a bare script: check it before approving",
                theme.warning,
            )));
        }
    }
    lines.push(field("content hash", e.content_hash.clone()));
    lines
}
