//! The tool detail and review overlay: overview, validation checklist (findings jump to their
//! line), diff against the parent, highlighted sources, manifest and files.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::resources::ResourceState;
use crate::model::ToolEntry;
use crate::review::validate::{CaseStatus, CheckStatus, FindingSeverity, ValidationReport};
use crate::text::visible;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::detail_content::{DetailContent, SourceFile};
use crate::tui::quality_history;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailSection {
    Overview,
    Validation,
    Diff,
    Source,
    Manifest,
    Files,
}

impl DetailSection {
    pub const ALL: [DetailSection; 6] = [
        DetailSection::Overview,
        DetailSection::Validation,
        DetailSection::Diff,
        DetailSection::Source,
        DetailSection::Manifest,
        DetailSection::Files,
    ];

    pub fn title(self) -> &'static str {
        match self {
            DetailSection::Overview => "Overview",
            DetailSection::Validation => "Checks",
            DetailSection::Diff => "Diff",
            DetailSection::Source => "Source",
            DetailSection::Manifest => "Manifest",
            DetailSection::Files => "Files",
        }
    }

    fn step(self, delta: isize) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as isize;
        let n = Self::ALL.len() as isize;
        Self::ALL[(i + delta).rem_euclid(n) as usize]
    }
}

/// What an action did to the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailOutcome {
    Consumed,
    Close,
    /// Not an overlay action (quit, help): the app handles it.
    Ignored,
}

#[derive(Debug)]
pub struct DetailState {
    pub entry: ToolEntry,
    pub section: DetailSection,
    pub scroll: usize,
    pub content: Option<Box<DetailContent>>,
    /// The file shown in Source (index into `content.sources`); the main one until chosen.
    pub source: Option<usize>,
    /// Selected finding in Checks, selected file in Files.
    pub finding: usize,
    pub file: usize,
    /// The resource view it was opened from, shown again when it closes.
    pub back: Option<Box<ResourceState>>,
}

impl DetailState {
    pub fn new(entry: ToolEntry, section: DetailSection) -> Self {
        Self {
            entry,
            section,
            scroll: 0,
            content: None,
            source: None,
            finding: 0,
            file: 0,
            back: None,
        }
    }

    pub fn on_action(
        &mut self,
        action: Action,
        validation: Option<&ValidationReport>,
    ) -> DetailOutcome {
        let findings = validation.map_or(0, |v| v.findings.len());
        let files = self.content.as_ref().map_or(0, |c| c.sources.len());
        let (cursor, len) = match self.section {
            DetailSection::Validation => (Some(&mut self.finding), findings),
            DetailSection::Files => (Some(&mut self.file), files),
            _ => (None, 0),
        };
        let step: Option<isize> = match action {
            Action::Down => Some(1),
            Action::Up => Some(-1),
            Action::PageDown => Some(10),
            Action::PageUp => Some(-10),
            Action::First => Some(isize::MIN / 2),
            Action::Last => Some(isize::MAX / 2),
            _ => None,
        };
        match (action, step, cursor) {
            (Action::NextSection | Action::PrevSection, _, _) => {
                self.section =
                    self.section
                        .step(if action == Action::NextSection { 1 } else { -1 });
                self.scroll = 0;
            }
            (Action::Close, _, _) => return DetailOutcome::Close,
            // Decisions act on the tool shown, from the app (`App::decide_on_shown`).
            (Action::Quit | Action::Help, _, _) => return DetailOutcome::Ignored,
            (action, _, _) if action.is_decision() => return DetailOutcome::Ignored,
            (_, Some(step), Some(cursor)) if len > 0 => {
                *cursor = (*cursor as isize + step).clamp(0, len as isize - 1) as usize;
            }
            (_, Some(step), _) => self.scroll = (self.scroll as isize + step).max(0) as usize,
            (Action::Open, _, _) => self.open_selected(validation),
            _ => {}
        }
        DetailOutcome::Consumed
    }

    /// Enter on a finding shows its file at its line; on a file, shows that file.
    fn open_selected(&mut self, validation: Option<&ValidationReport>) {
        let Some(content) = &self.content else {
            return;
        };
        match self.section {
            DetailSection::Validation => {
                let Some(finding) = validation.and_then(|v| v.findings.get(self.finding)) else {
                    return;
                };
                if let Some(index) = content.source_index(&finding.file) {
                    self.source = Some(index);
                    self.section = DetailSection::Source;
                    // One line of context above the finding.
                    self.scroll = finding.line.unwrap_or(1).saturating_sub(2);
                }
            }
            DetailSection::Files if self.file < content.sources.len() => {
                self.source = Some(self.file);
                self.section = DetailSection::Source;
                self.scroll = 0;
            }
            _ => {}
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, detail: &DetailState) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).max(40),
        area.height.saturating_sub(2),
    );
    let theme = &app.theme;
    let validation = app.validations.get(&detail.entry.path);
    let mut tabs = vec![Span::raw(" ")];
    for section in DetailSection::ALL {
        let style = if section == detail.section {
            theme.title_focused
        } else {
            theme.dim
        };
        tabs.push(Span::styled(format!("{} ", section.title()), style));
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
        .title_bottom(Span::styled(bottom_hint(app, detail.section), theme.dim));
    let visible = rect.height.saturating_sub(2) as usize;
    let mut chart = None;
    let (content, scroll) = match detail.section {
        DetailSection::Overview => {
            let mut lines = overview(theme, detail);
            if let Some(days) = detail
                .content
                .as_ref()
                .map(|c| c.quality_by_day.as_slice())
                .filter(|days| !days.is_empty())
                .filter(|_| rect.width.saturating_sub(2) >= quality_history::MIN_WIDTH)
            {
                // Right under the run picture: as tall as the room left allows, and at least
                // readable, in which case it scrolls into view with the text.
                let room = visible.saturating_sub(lines.len()) as u16;
                let rows = room.clamp(quality_history::MIN_ROWS, quality_history::MAX_ROWS);
                let top = lines.len();
                lines.extend(std::iter::repeat_n(Line::from(""), usize::from(rows)));
                chart = Some((days, rows, top));
            }
            (lines, detail.scroll)
        }
        DetailSection::Validation => {
            let (lines, selected_line) = checks(theme, validation, detail.finding);
            // Keep the selected finding in view.
            let scroll = selected_line.map_or(0, |l| l.saturating_sub(visible.saturating_sub(3)));
            (lines, scroll)
        }
        _ => match &detail.content {
            None => (vec![Line::from(Span::styled("loading…", theme.dim))], 0),
            Some(content) => (
                loaded_section(theme, detail, content, detail.scroll, visible),
                0,
            ),
        },
    };
    let scroll = scroll.min(content.len().saturating_sub(visible));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(content)
            .block(block)
            .scroll((scroll as u16, 0)),
        rect,
    );
    if let Some((days, rows, top)) = chart {
        quality_history::render_scrolled(
            theme,
            days,
            rows,
            (top, scroll),
            inner,
            frame.buffer_mut(),
        );
    }
}

fn bottom_hint(app: &App, section: DetailSection) -> String {
    let open = app.keymap.hint(Action::Open);
    match section {
        DetailSection::Validation => {
            format!(" j/k finding · {open} jump to its line · tab section · esc close ")
        }
        DetailSection::Files => format!(" j/k file · {open} show it · tab section · esc close "),
        _ => " tab/←→ section · j/k scroll · esc close ".to_string(),
    }
}

/// The lines of a loaded section that fall in the window of `height` lines from `scroll`
/// (kept inside the section). Only the window is built, so a 50,000-line file draws as fast
/// as a short one.
fn loaded_section(
    theme: &Theme,
    detail: &DetailState,
    content: &DetailContent,
    scroll: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let window = |total: usize| {
        let start = scroll.min(total.saturating_sub(height));
        start..(start + height).min(total)
    };
    match detail.section {
        DetailSection::Manifest => content.manifest[window(content.manifest.len())].to_vec(),
        DetailSection::Diff => match &content.diff {
            Some(diff) => diff[window(diff.len())].to_vec(),
            None => vec![Line::from(Span::styled(
                "Not an evolved tool, or its parent is not in the catalog: nothing to compare.",
                theme.dim,
            ))],
        },
        DetailSection::Files => {
            let files = &content.files;
            files[window(files.len())]
                .iter()
                .map(|file| {
                    let shown = content.source_index(&file.name);
                    let selected = shown.is_some_and(|i| i == detail.file);
                    let mut spans = vec![
                        Span::styled(format!("{:>9}  ", file.size), theme.dim),
                        Span::raw(visible(&file.name)),
                    ];
                    if let Some(why) = &file.not_shown {
                        spans.push(Span::styled(format!("  ({why}, not shown)"), theme.dim));
                    }
                    let line = Line::from(spans);
                    if selected {
                        line.style(theme.selected)
                    } else {
                        line
                    }
                })
                .collect()
        }
        _ => match detail
            .source
            .or(content.main_source)
            .and_then(|i| content.sources.get(i))
        {
            Some(source) => {
                // Line 0 is the file name; line n is the source's line n.
                window(source.lines.len() + 1)
                    .map(|n| match n.checked_sub(1) {
                        None => source_header(theme, source),
                        Some(i) => numbered(i, &source.lines[i], theme.dim),
                    })
                    .collect()
            }
            None => vec![Line::from(Span::styled(
                "No source file found for this tool.",
                theme.dim,
            ))],
        },
    }
}

/// The file name, and what was left plain when highlighting stopped short.
fn source_header(theme: &Theme, source: &SourceFile) -> Line<'static> {
    let mut spans = vec![Span::styled(visible(&source.name), theme.syntax_heading)];
    if let Some(note) = &source.note {
        spans.push(Span::styled(format!("  ({note})"), theme.dim));
    }
    Line::from(spans)
}

fn numbered(index: usize, line: &Line<'static>, style: Style) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{:>4} ", index + 1), style)];
    spans.extend(line.spans.iter().cloned());
    Line::from(spans)
}

/// The validation checklist; returns the lines and the line of the selected finding.
fn checks(
    theme: &Theme,
    report: Option<&ValidationReport>,
    selected: usize,
) -> (Vec<Line<'static>>, Option<usize>) {
    let Some(report) = report else {
        return (
            vec![Line::from(Span::styled(
                "Not validated yet: press v to validate.",
                theme.dim,
            ))],
            None,
        );
    };
    let verdict_style = match report.verdict.as_str() {
        "pass" => theme.ok,
        "warn" => theme.warning,
        _ => theme.error,
    };
    let cached = if report.cached { " (cached)" } else { "" };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("verdict {}", report.verdict), verdict_style),
        Span::styled(
            format!(" · validated {}{cached}", report.validated_at),
            theme.dim,
        ),
    ])];
    for check in &report.checks {
        let (mark, style) = match check.status {
            CheckStatus::Pass => ("✓", theme.ok),
            CheckStatus::Warn => ("!", theme.warning),
            CheckStatus::Fail => ("✗", theme.error),
            CheckStatus::Skip => ("-", theme.dim),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {:<14}", check.check.as_str()), style),
            Span::raw(check.message.clone()),
        ]));
    }
    let mut selected_line = None;
    if !report.findings.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("findings", theme.syntax_heading)));
        for (i, f) in report.findings.iter().enumerate() {
            let style = match f.severity {
                FindingSeverity::Error => theme.error,
                FindingSeverity::Warning => theme.warning,
                FindingSeverity::Info => theme.dim,
            };
            let place = f.line.map_or(f.file.clone(), |l| format!("{}:{l}", f.file));
            let line = Line::from(vec![
                Span::styled(format!("  {place} {} ", f.rule), style),
                Span::raw(f.message.clone()),
            ]);
            if i == selected {
                selected_line = Some(lines.len());
                lines.push(line.style(theme.selected));
            } else {
                lines.push(line);
            }
        }
    }
    if !report.tests.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("test cases", theme.syntax_heading)));
        for case in &report.tests {
            let (mark, style) = match case.status {
                CaseStatus::Pass => ("✓", theme.ok),
                CaseStatus::Fail => ("✗", theme.error),
                CaseStatus::Error => ("!", theme.warning),
            };
            let memory = case
                .peak_memory_kb
                .map_or(String::new(), |kb| format!(" {:.1} MB", kb as f64 / 1024.0));
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} {:<20}", case.case), style),
                Span::styled(format!("{:>6} ms{memory}  ", case.duration_ms), theme.dim),
                Span::raw(case.message.clone()),
            ]));
        }
    }
    if !report.similar.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "similar tools",
            theme.syntax_heading,
        )));
        for similar in &report.similar {
            lines.push(Line::from(format!(
                "  {:<24} {:.2}",
                similar.name, similar.score
            )));
        }
    }
    (lines, selected_line)
}

fn overview(theme: &Theme, detail: &DetailState) -> Vec<Line<'static>> {
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
            lines.push(field("evolved from", parent.to_string()));
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
    if let Some(content) = &detail.content {
        let history = crate::tui::run_history::lines(theme, &content.recent_runs);
        if !history.is_empty() {
            lines.push(Line::from(""));
            lines.extend(history);
        }
    }
    lines
}
