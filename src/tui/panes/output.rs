//! The Output pane: live output of tool runs, one run at a time, with a header.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::RunStatus;
use crate::runner::Stream;
use crate::store::services::InstanceState;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::layout::Pane;
use crate::tui::runs::{RunState, RunView};
use crate::tui::ui::{empty_state, pane_block};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let running = app.runs.iter().filter(|r| r.is_running()).count();
    let title = match (app.runs.len(), running) {
        (0, _) => "Output".to_string(),
        // The position among this session's runs; a run's number (`#42`, as the failure
        // detail and `toolbench runs` say it) is in the header once it is recorded.
        (n, 0) => format!("Output · {} of {n}", app.output_run + 1),
        (n, r) => format!("Output · {} of {n} · {r} running", app.output_run + 1),
    };
    let block = pane_block(app, Pane::Output, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(run) = app.selected_run() else {
        // Two lines: the empty pane is only as tall as this.
        let text = vec![
            Line::from("No runs yet."),
            Line::from(format!(
                "Press {} on a tool in the Catalog to run it; its output streams here live.",
                app.keymap.hint(Action::Launch)
            )),
        ];
        frame.render_widget(empty_state(app, text), inner);
        return;
    };
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(header_line(app, run)), header);
    let height = body.height as usize;
    let lines = run.lines();
    let end = lines
        .len()
        .saturating_sub(app.output_scroll.min(lines.len()));
    let start = end.saturating_sub(height);
    let width = body.width as usize;
    let rows: Vec<Line> = lines
        .range(start..end)
        .map(|(stream, text)| {
            let style = match stream {
                Stream::Stdout => app.theme.text,
                Stream::Stderr => app.theme.warning,
            };
            let shown: String = text.chars().take(width).collect();
            Line::from(Span::styled(shown, style))
        })
        .collect();
    if rows.is_empty() {
        let note = match &run.state {
            RunState::Refused(reason) => {
                Line::from(Span::styled(format!("✗ {reason}"), app.theme.error))
            }
            RunState::Running => Line::from(Span::styled("waiting for output…", app.theme.dim)),
            RunState::Finished(_) => Line::from(Span::styled("(no output)", app.theme.dim)),
        };
        frame.render_widget(Paragraph::new(note), body);
    } else {
        frame.render_widget(Paragraph::new(rows), body);
    }
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

/// `tool version · protections · elapsed · exit`.
fn header_line(app: &App, run: &RunView) -> Line<'static> {
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
    let (status, style) = match &run.state {
        RunState::Running => ("running".to_string(), theme.warning),
        RunState::Refused(_) => ("refused".to_string(), theme.error),
        RunState::Finished(record) => {
            let exit = match (record.exit_code, record.signal) {
                (Some(code), _) => format!(" · exit {code}"),
                (None, Some(signal)) => format!(" · signal {signal}"),
                _ => String::new(),
            };
            let style = if record.status == RunStatus::Ok {
                theme.ok
            } else {
                theme.error
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
    if let Some(protections) = &run.protections {
        spans.push(Span::styled(
            format!(" · sandbox: {protections}"),
            theme.dim,
        ));
    }
    if run.dropped > 0 {
        spans.push(Span::styled(
            format!(" · {} early lines in the log only", run.dropped),
            theme.dim,
        ));
    }
    if run.skipped_bytes > 0 {
        spans.push(Span::styled(
            format!(" · {} bytes of a flood in the log only", run.skipped_bytes),
            theme.dim,
        ));
    }
    Line::from(spans)
}
