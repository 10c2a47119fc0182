//! What the Output pane shows, measured as the layout needs it and drawn by
//! `panes::output`.

use ratatui::text::{Line, Span};

use super::App;
use crate::model::RunStatus;
use crate::model::run_output::Stream;
use crate::model::services::InstanceState;
use crate::tui::action::Action;
use crate::tui::layout::Pane;
use crate::tui::panes::output::RunRows;
use crate::tui::runs::{RunState, RunView};
use crate::tui::text_view;

/// A run's rows in the Output pane, as the app holds them.
pub(crate) struct OutputRows<'a>(pub(crate) &'a App);

impl RunRows for OutputRows<'_> {
    fn header(&self, run: &RunView, width: usize) -> Vec<Line<'static>> {
        header_rows(self.0, run, width)
    }

    fn search(&self) -> Option<Line<'static>> {
        search_line(self.0)
    }

    fn visible(&self, run: &RunView, width: usize, height: usize) -> Vec<Line<'static>> {
        visible_rows(self.0, run, width, height)
    }
}

/// The rows and columns the selected run's lines get in the Output pane as it is laid out.
pub(crate) fn text_area(app: &App) -> (usize, usize) {
    let area = app.areas().of(Pane::Output);
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let header = app
        .selected_run()
        .map_or(1, |run| header_rows(app, run, width).len());
    let search = usize::from(search_line(app).is_some());
    (height.saturating_sub(header + search), width)
}

/// A run's output line as drawn: stderr in the warning colour.
pub(crate) fn styled_line(app: &App, stream: Stream, text: &str) -> Line<'static> {
    let style = match stream {
        Stream::Stdout => app.theme.text,
        Stream::Stderr => app.theme.warning,
    };
    Line::from(Span::styled(text.to_string(), style))
}

/// Rows a line takes in `width` columns: one, unless wrapped.
pub(crate) fn rows_of(app: &App, text: &str, width: usize) -> usize {
    if app.output_view.wrap {
        text_view::rows(&Line::from(text), width)
    } else {
        1
    }
}

/// The lines in view, `app.output_scroll` rows back from the end (0 follows the output).
pub(crate) fn window(app: &App, run: &RunView, width: usize, height: usize) -> text_view::Window {
    let lines = run.lines();
    text_view::Window::back_from_end(lines.len(), app.output_scroll, height, |i| {
        lines
            .get(i)
            .map_or(1, |(_, text)| rows_of(app, text, width))
    })
}

/// The farthest the Output scrolls back: until the first row is at the top.
pub(crate) fn most_back(app: &App, run: &RunView, width: usize, height: usize) -> usize {
    let lines = run.lines();
    text_view::most_back(lines.len(), height, |i| rows_of(app, &lines[i].1, width))
}

/// The rows the run's lines take, wrapped ones counted from the end up to `most`.
pub(crate) fn wanted_rows(app: &App, run: &RunView, width: usize, most: usize) -> usize {
    let lines = run.lines();
    if !app.output_view.wrap {
        return lines.len();
    }
    let mut rows = 0;
    for (_, text) in lines.iter().rev() {
        if rows >= most {
            break;
        }
        rows += rows_of(app, text, width);
    }
    rows
}

pub(crate) fn visible_rows(
    app: &App,
    run: &RunView,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let view = &app.output_view;
    let text_view::Window {
        start,
        end,
        skip,
        cut,
    } = window(app, run, width, height);
    let mut rows = Vec::new();
    for (i, (stream, text)) in run.lines().range(start..end).enumerate() {
        let mut line = styled_line(app, *stream, text);
        if let Some(query) = view.query() {
            let current = view.search.current.filter(|(l, _)| *l == start + i);
            let styles = (app.theme.search_match, app.theme.search_current);
            line = text_view::mark(&line, query, current.map(|(_, k)| k), styles);
        }
        if view.wrap {
            rows.extend(text_view::wrap(&line, width));
        } else {
            rows.push(text_view::shift(&line, view.offset, width));
        }
    }
    rows.truncate(rows.len().saturating_sub(cut));
    rows.into_iter().skip(skip).take(height).collect()
}

pub(crate) fn search_line(app: &App) -> Option<Line<'static>> {
    let keys = (
        app.keymap.hint(Action::NextMatch),
        app.keymap.hint(Action::PrevMatch),
    );
    app.output_view
        .search_line(app.theme.filter, (&keys.0, &keys.1))
}

/// The header over as many rows as it needs when asked for (`i`) or zoomed; else one row,
/// the sandbox's protections counted instead of listed when they would not fit. Under it, the
/// run's progress bar once the tool reported progress.
pub(crate) fn header_rows(app: &App, run: &RunView, width: usize) -> Vec<Line<'static>> {
    let mut rows = title_rows(app, run, width);
    rows.extend(progress_row(app, run, width));
    rows
}

/// Cells of the progress bar: a third of the pane, within these bounds.
const BAR_CELLS: (usize, usize) = (10, 30);

/// `██████░░░░░░░░░  40% · 4/10 · parsing file 4` when the tool gave a total, else
/// `progress 4 · parsing file 4`; dimmed once the run ended, as where it stopped.
pub(crate) fn progress_row(app: &App, run: &RunView, width: usize) -> Option<Line<'static>> {
    let report = run.progress.as_ref()?;
    let theme = &app.theme;
    let (bar_style, text_style) = if run.is_running() {
        (theme.ok, theme.text)
    } else {
        (theme.dim, theme.dim)
    };
    let number = crate::text::format_number;
    let mut spans = Vec::new();
    let mut text = match (report.fraction(), report.total) {
        (Some(fraction), Some(total)) => {
            let cells = (width / 3).clamp(BAR_CELLS.0, BAR_CELLS.1);
            let filled = ((fraction * cells as f64).floor() as usize).min(cells);
            spans.push(Span::styled("█".repeat(filled), bar_style));
            spans.push(Span::styled("░".repeat(cells - filled), theme.dim));
            // Floored: 100% only once the work is all done.
            let percent = (fraction * 100.0).floor() as u32;
            format!(
                " {percent:>3}% · {}/{}",
                number(report.progress),
                number(total)
            )
        }
        _ => format!("progress {}", number(report.progress)),
    };
    if let Some(message) = &report.message {
        text.push_str(" · ");
        text.push_str(message);
    }
    spans.push(Span::styled(text, text_style));
    Some(Line::from(spans))
}

fn title_rows(app: &App, run: &RunView, width: usize) -> Vec<Line<'static>> {
    let whole = header_line(app, run, None);
    if app.output_header_open || app.zoomed {
        return text_view::wrap(&whole, width);
    }
    if whole.width() <= width {
        return vec![whole];
    }
    let Some(protections) = run.protections.as_deref() else {
        return vec![whole];
    };
    let (count, key) = (layer_count(protections), app.keymap.hint(Action::RunInfo));
    // The count with the key that shows the list, said as briefly as the room needs.
    let mut shorter = [
        format!("{count} · {key} shows all"),
        format!("{count} ({key})"),
    ]
    .into_iter()
    .map(|short| header_line(app, run, Some(short)));
    let first = shorter.next();
    let last = shorter.next();
    let fitting = first.filter(|line| line.width() <= width);
    vec![fitting.or(last).unwrap_or(whole)]
}

/// `6 layers` or `5 layers, 1 missing`, from a protections summary
/// (`userns pidns landlock(v7 full) · missing: cgroup (not root), seccomp (…)`).
pub(crate) fn layer_count(protections: &str) -> String {
    let (active, missing) = match protections.split_once(" · missing: ") {
        Some((active, missing)) => (active, Some(missing)),
        None => (protections, None),
    };
    let active = if active.trim() == "none" {
        0
    } else {
        outside_parentheses(active, ' ')
    };
    let plural = |n: usize| if n == 1 { "layer" } else { "layers" };
    match missing.map(|m| outside_parentheses(m, ',')) {
        Some(missing) => format!("{active} {}, {missing} missing", plural(active)),
        None => format!("{active} {}", plural(active)),
    }
}

/// How many non-empty parts `text` has when split at `separator` outside parentheses.
fn outside_parentheses(text: &str, separator: char) -> usize {
    let mut depth = 0usize;
    let mut parts = 0;
    let mut in_part = false;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                in_part = false;
                continue;
            }
            _ => {}
        }
        if !in_part && !c.is_whitespace() {
            in_part = true;
            parts += 1;
        }
    }
    parts
}

/// `instance default · healthy :50123`, as the store last said.
fn instance_status(app: &App, instance: &str) -> (String, ratatui::style::Style) {
    let theme = &app.theme;
    match app.instances.iter().find(|r| r.name == instance) {
        Some(row) => {
            let style = match row.state {
                InstanceState::Healthy => theme.ok,
                InstanceState::Stopped => theme.dim,
                _ => theme.warning,
            };
            let text = format!("instance {instance} · {} :{}", row.state, row.port);
            (text, style)
        }
        None => (format!("instance {instance} · launching"), theme.warning),
    }
}

/// `tool version · protections · elapsed · exit`; `protections` in place of the list.
fn header_line(app: &App, run: &RunView, protections: Option<String>) -> Line<'static> {
    let theme = &app.theme;
    let elapsed = run.elapsed();
    let time = if elapsed.as_secs() >= 10 {
        format!("{} s", elapsed.as_secs())
    } else if elapsed.as_millis() < 1000 {
        format!("{} ms", elapsed.as_millis())
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    };
    let mut spans = vec![Span::styled(
        format!("{} {} ", run.tool, run.version),
        theme.title_focused,
    )];
    if run.is_unreviewed() {
        spans.push(Span::styled("unreviewed · ", theme.warning));
    }
    let (status, style) = match &run.state {
        RunState::Running => ("running".to_string(), theme.warning),
        RunState::Refused(_) => ("refused".to_string(), theme.error),
        RunState::Finished(record) => {
            let exit = match (record.exit_code, record.signal) {
                (Some(code), _) => format!(" · exit {code}"),
                (None, Some(signal)) => format!(" · signal {signal}"),
                _ => String::new(),
            };
            let style = match record.status {
                RunStatus::Ok => theme.ok,
                RunStatus::BadInput => theme.warning,
                _ => theme.error,
            };
            // Its number once stored: the one the failure detail and `toolbench runs` give.
            let number = if record.id > 0 {
                format!(" · run #{}", record.id)
            } else {
                String::new()
            };
            (format!("{}{exit}{number}", record.status), style)
        }
    };
    let (status, style) = match (&run.instance, &run.state) {
        (Some(view), RunState::Running) => instance_status(app, &view.instance),
        (Some(_), _) => ("stopped".to_string(), theme.dim),
        (None, _) => (status, style),
    };
    spans.push(Span::styled(status, style));
    spans.push(Span::styled(format!(" · {time}"), theme.dim));
    if let Some(starter) = &run.inherited_from {
        spans.push(Span::styled(
            format!(" · started by {}", starter.label()),
            theme.dim,
        ));
    }
    if let Some(protections) = protections.as_ref().or(run.protections.as_ref()) {
        spans.push(Span::styled(
            format!(" · sandbox: {protections}"),
            theme.dim,
        ));
    }
    if let Some(note) = not_shown(run) {
        spans.push(Span::styled(format!(" · {note}"), theme.dim));
    }
    Line::from(spans)
}

/// What the pane does not show of the run, and what of it the log keeps: all of it, or (past
/// `HEAD_BYTES` + `TAIL_BYTES` of a stream) each stream's first and last bytes.
fn not_shown(run: &RunView) -> Option<String> {
    let mut parts = Vec::new();
    match run.dropped {
        0 => {}
        1 => parts.push("1 earlier line".to_string()),
        n => parts.push(format!("{n} earlier lines")),
    }
    if run.skipped_bytes > 0 {
        parts.push(format!("{} of a flood", bytes(run.skipped_bytes)));
    }
    if parts.is_empty() {
        return None;
    }
    let kept = if run.log_is_whole() {
        "in the log".to_string()
    } else {
        format!(
            "not kept whole: the log keeps the first {} and last {} of each stream",
            bytes(crate::model::run_output::HEAD_BYTES as u64),
            bytes(crate::model::run_output::TAIL_BYTES as u64)
        )
    };
    Some(format!("{} {kept}", parts.join(" and ")))
}

/// A byte count as people read it: `512 bytes`, `3.2 KiB`, `4 MiB`.
fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    let scaled = |unit: u64, name: &str| {
        let value = n as f64 / unit as f64;
        if n.is_multiple_of(unit) {
            format!("{} {name}", n / unit)
        } else {
            format!("{value:.1} {name}")
        }
    };
    match n {
        n if n >= GIB => scaled(GIB, "GiB"),
        n if n >= MIB => scaled(MIB, "MiB"),
        n if n >= KIB => scaled(KIB, "KiB"),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::{bytes, layer_count, not_shown};
    use crate::model::run_output::Stream;
    use crate::tui::runs::RunView;

    /// A run that printed `lines` lines of `width` bytes on stdout, all of them shown.
    fn printed(lines: usize, width: usize) -> RunView {
        let starter = crate::tui::runs::StartedElsewhere {
            pid: 1,
            origin: crate::model::RunOrigin::Cli,
            client: None,
        };
        let mut run = RunView::inherited(1, "t".into(), "1.0.0".into(), starter);
        let line = format!("{}\n", "x".repeat(width - 1));
        for _ in 0..lines {
            run.push(Stream::Stdout, line.as_bytes());
        }
        run
    }

    #[test]
    fn the_header_says_what_the_log_really_keeps() {
        assert_eq!(not_shown(&printed(100, 10)), None);
        // 6,000 lines of 10 bytes: the pane holds the last 5,000, the log all of them.
        assert_eq!(
            not_shown(&printed(6_000, 10)).as_deref(),
            Some("1000 earlier lines in the log")
        );
        // 6,000 lines of 1 KiB: 5.9 MiB, more than the log's 4 MiB head and 1 MiB tail.
        assert_eq!(
            not_shown(&printed(6_000, 1024)).as_deref(),
            Some(
                "1000 earlier lines not kept whole: the log keeps the first 4 MiB and last \
                 1 MiB of each stream"
            )
        );
        let mut flooded = printed(10, 10);
        flooded.skip(Stream::Stderr, 3 * 1024 * 1024);
        assert_eq!(
            not_shown(&flooded).as_deref(),
            Some("3 MiB of a flood in the log")
        );
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 bytes");
    }

    #[test]
    fn layers_are_counted_with_their_details_and_the_missing_ones() {
        assert_eq!(layer_count("session landlock(v7)"), "2 layers");
        assert_eq!(
            layer_count("userns pidns mountns landlock(v7 full) · missing: cgroup (not root)"),
            "4 layers, 1 missing"
        );
        assert_eq!(
            layer_count("none · missing: userns (a, b), seccomp (off)"),
            "0 layers, 2 missing"
        );
        assert_eq!(layer_count("seccomp"), "1 layer");
    }
}
