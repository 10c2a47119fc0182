//! The resource views (`:runs`, `:history`, `:calls`, `:services`, `:validations`): one
//! full-screen table of what the store holds, newest first (the validation queue's in the
//! order it goes), narrowed by every word typed after `/`.
//!
//! The rows are read and turned into cells off the event loop (`Effect::LoadResource`);
//! drawing only reads the loaded table.

use ratatui::layout::Rect;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::command::validations::{QueueSnapshot, Queued};
use crate::model::StoreError;
use crate::model::calls::CallRow;
use crate::model::decisions::DecisionRecord;
use crate::model::services::InstanceRow;
use crate::model::validation_report::ValidationReport;
use crate::model::{FailureRecord, RunRecord, ToolId};
use crate::tui::action::Action;
use crate::tui::cursor::ListCursor;
use crate::tui::text_fit::short_time;
use crate::workbench::reader::Reader;

mod draw;
pub(crate) use draw::{Surroundings, draw};

/// Rows a view reads at most: the newest ones (waiting calls always come too).
pub(crate) const ROW_LIMIT: usize = 1_000;

/// Columns one cell keeps before the last column takes the rest.
const CELL_MAX: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Runs,
    History,
    Calls,
    Services,
    Validations,
}

impl Resource {
    pub(crate) const ALL: [Resource; 5] = [
        Resource::Runs,
        Resource::History,
        Resource::Calls,
        Resource::Services,
        Resource::Validations,
    ];

    /// What is typed after `:`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Resource::Runs => "runs",
            Resource::History => "history",
            Resource::Calls => "calls",
            Resource::Services => "services",
            Resource::Validations => "validations",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Resource::Runs => "Runs",
            Resource::History => "History",
            Resource::Calls => "Calls",
            Resource::Services => "Services",
            Resource::Validations => "Validations",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Resource::Runs => &["ID", "TIME", "TOOL", "ORIGIN", "STATUS", "EXIT", "DURATION"],
            Resource::History => &["TIME", "TOOL", "VERSION", "DECISION", "REVIEWER", "REASON"],
            Resource::Calls => &["ID", "TIME", "CLIENT", "TOOL", "STATE", "ARGUMENTS"],
            Resource::Services => &["INSTANCE", "TOOL", "STATE", "PORT", "PID", "STARTED"],
            Resource::Validations => &["#", "STATE", "TOOL", "ASKED BY", "VERDICT", "VALIDATED"],
        }
    }

    /// What `enter` on a row does, for the hint line (a failed run's row opens its failure
    /// instead: the app says so, `App::resource_enter_hint`).
    pub(crate) fn enter_hint(self) -> &'static str {
        match self {
            Resource::Runs | Resource::History | Resource::Validations => "tool detail",
            Resource::Calls => "show in Review",
            Resource::Services => "show in Output",
        }
    }

    /// The view `typed` names: its whole name, or a beginning only its name has.
    pub(crate) fn named(typed: &str) -> Option<Resource> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        let mut starting = Self::ALL
            .into_iter()
            .filter(|r| r.name().starts_with(typed));
        match (starting.next(), starting.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// `typed` completed as far as the names starting with it agree, and those names.
    pub(crate) fn complete(typed: &str) -> (String, Vec<&'static str>) {
        let typed = typed.trim();
        let names: Vec<&'static str> = Self::ALL
            .iter()
            .map(|r| r.name())
            .filter(|n| n.starts_with(typed))
            .collect();
        let Some(first) = names.first() else {
            return (typed.to_string(), names);
        };
        let common = names.iter().fold(first.len(), |len, name| {
            first
                .bytes()
                .zip(name.bytes())
                .take(len)
                .take_while(|(a, b)| a == b)
                .count()
        });
        (first[..common].to_string(), names)
    }

    /// Every view's name, for a line saying which ones there are.
    pub(crate) fn names() -> String {
        Self::ALL.map(Resource::name).join(", ")
    }
}

/// The records a view shows, as the store gave them.
#[derive(Debug)]
pub(crate) enum Rows {
    Runs(Vec<RunRecord>),
    History(Vec<DecisionRecord>),
    Calls(Vec<CallRow>),
    Services(Vec<InstanceRow>),
    Validations(Vec<ValidationRow>),
}

/// A row of `:validations`: a tool under way, waiting, or validated.
#[derive(Debug)]
pub(crate) struct ValidationRow {
    /// The place in the queue of a tool that waits, from 1.
    order: Option<usize>,
    state: &'static str,
    tool: String,
    /// The folder validated: `enter` opens the tool found there.
    pub(crate) path: PathBuf,
    asked_by: &'static str,
    verdict: Option<String>,
    validated_at: Option<String>,
}

impl ValidationRow {
    fn queued(queued: Queued, state: &'static str, order: Option<usize>) -> Self {
        ValidationRow {
            order,
            state,
            tool: ToolId::known(&queued.name, &queued.version).to_string(),
            path: queued.path,
            asked_by: match queued.asked_by_person {
                true => "you",
                false => "background",
            },
            verdict: None,
            validated_at: None,
        }
    }

    fn validated(path: PathBuf, report: &ValidationReport) -> Self {
        ValidationRow {
            order: None,
            state: match report.cached {
                true => "kept",
                false => "done",
            },
            tool: ToolId::known(&report.name, &report.version).to_string(),
            path,
            asked_by: "-",
            verdict: Some(report.verdict.as_str().to_string()),
            validated_at: Some(report.validated_at.clone()),
        }
    }
}

/// How much the validation view's rows stand for: the view shows at most `ROW_LIMIT` of the
/// waiting and of the validated each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueCounts {
    pub(crate) validating: usize,
    pub(crate) waiting: usize,
    pub(crate) validated: usize,
    pub(crate) paused: bool,
}

/// The rows of `:validations`: what is under way, what waits in the order it will go (while
/// paused, the background's says so), then the newest verdicts (`kept`: a verdict the store
/// held for the same content).
///
/// Taken apart from the table's cells: the rows are read from the app on the event loop, the
/// cells made off it (`ValidationRows::table`).
pub(crate) fn validation_rows<'a>(
    queue: QueueSnapshot,
    reports: impl Iterator<Item = (&'a PathBuf, &'a ValidationReport)>,
) -> ValidationRows {
    let mut validated: Vec<(&PathBuf, &ValidationReport)> = reports.collect();
    let counts = QueueCounts {
        validating: queue.validating.len(),
        waiting: queue.waiting.len(),
        validated: validated.len(),
        paused: queue.paused,
    };
    validated.sort_by(|a, b| b.1.validated_at.cmp(&a.1.validated_at));
    let capped = counts.waiting > ROW_LIMIT || counts.validated > ROW_LIMIT;
    let paused = queue.paused;
    let under_way = queue
        .validating
        .into_iter()
        .map(|q| ValidationRow::queued(q, "validating", None));
    let waiting = queue
        .waiting
        .into_iter()
        .take(ROW_LIMIT)
        .enumerate()
        .map(|(i, q)| {
            let state = match paused && !q.asked_by_person {
                true => "paused",
                false => "waiting",
            };
            ValidationRow::queued(q, state, Some(i + 1))
        });
    let done = validated
        .into_iter()
        .take(ROW_LIMIT)
        .map(|(path, report)| ValidationRow::validated(path.clone(), report));
    ValidationRows {
        rows: under_way.chain(waiting).chain(done).collect(),
        counts,
        capped,
    }
}

/// The rows of `:validations`, before their cells are made.
pub(crate) struct ValidationRows {
    rows: Vec<ValidationRow>,
    counts: QueueCounts,
    capped: bool,
}

impl ValidationRows {
    pub(crate) fn table(self) -> Table {
        let mut table = Table::new(Rows::Validations(self.rows), self.capped);
        table.queue = Some(self.counts);
        table
    }
}

/// A view's rows with their cells, made once when they are read.
#[derive(Debug)]
pub struct Table {
    pub(crate) rows: Rows,
    /// One text per column, safe to show.
    cells: Vec<Vec<String>>,
    /// Each row's text in lower case, for the filter.
    haystacks: Vec<String>,
    /// The view holds only the newest `ROW_LIMIT` rows.
    pub(crate) capped: bool,
    /// The newest failure recorded of each run shown, by run id.
    failures: HashMap<i64, FailureRecord>,
    /// `:validations`: how many there are of each, shown or not.
    pub(crate) queue: Option<QueueCounts>,
}

impl Table {
    pub(crate) fn new(rows: Rows, capped: bool) -> Self {
        let cells: Vec<Vec<String>> = match &rows {
            Rows::Runs(runs) => runs.iter().map(run_cells).collect(),
            Rows::History(decisions) => decisions.iter().map(decision_cells).collect(),
            Rows::Calls(calls) => calls.iter().map(call_cells).collect(),
            Rows::Services(instances) => instances.iter().map(instance_cells).collect(),
            Rows::Validations(rows) => rows.iter().map(validation_cells).collect(),
        };
        let cells: Vec<Vec<String>> = cells
            .into_iter()
            .map(|row| row.iter().map(|c| crate::text::visible(c)).collect())
            .collect();
        let haystacks = cells
            .iter()
            .map(|row| row.join(" ").to_lowercase())
            .collect();
        Table {
            rows,
            cells,
            haystacks,
            capped,
            failures: HashMap::new(),
            queue: None,
        }
    }

    /// The table with the failures recorded of its runs, newest first.
    pub(crate) fn with_failures(mut self, failures: Vec<FailureRecord>) -> Self {
        for failure in failures {
            if let Some(run) = failure.run_id {
                self.failures.entry(run).or_insert(failure);
            }
        }
        self
    }

    /// The newest failure recorded of run `run`.
    pub(crate) fn failure_of_run(&self, run: i64) -> Option<&FailureRecord> {
        self.failures.get(&run)
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

fn run_cells(run: &RunRecord) -> Vec<String> {
    let origin = match &run.client {
        Some(client) => format!("{}/{client}", run.origin),
        None => run.origin.to_string(),
    };
    vec![
        run.id.to_string(),
        short_time(&run.started_at),
        format!("{}@{}", run.tool, run.version),
        origin,
        run.status.as_str().to_string(),
        run.exit_label(),
        crate::text::format_ms(run.duration_ms),
    ]
}

fn decision_cells(d: &DecisionRecord) -> Vec<String> {
    vec![
        short_time(&d.at),
        d.tool.clone(),
        d.versions_label(),
        d.action.as_str().to_string(),
        d.who.clone(),
        d.reason.clone().unwrap_or_default(),
    ]
}

fn call_cells(call: &CallRow) -> Vec<String> {
    vec![
        call.id.to_string(),
        short_time(&call.requested_at),
        call.client.clone(),
        format!("{}@{}", call.tool, call.version),
        call.state.as_str().to_string(),
        call.arguments.to_string(),
    ]
}

fn instance_cells(row: &InstanceRow) -> Vec<String> {
    vec![
        row.name.clone(),
        format!("{}@{}", row.tool, row.version),
        row.state.as_str().to_string(),
        row.port.to_string(),
        row.pid.map_or("-".to_string(), |p| p.to_string()),
        short_time(&row.started_at),
    ]
}

fn validation_cells(row: &ValidationRow) -> Vec<String> {
    vec![
        row.order.map_or(String::new(), |o| o.to_string()),
        row.state.to_string(),
        row.tool.clone(),
        row.asked_by.to_string(),
        row.verdict.clone().unwrap_or_else(|| "-".to_string()),
        row.validated_at
            .as_deref()
            .map_or("-".to_string(), short_time),
    ]
}

/// Reads the rows of `resource` (at most `ROW_LIMIT` of the newest) and makes their cells:
/// the event loop's side of `Effect::LoadResource`.
pub(crate) fn load(reader: &Reader, resource: Resource) -> Result<Table, StoreError> {
    // One more than shown says whether there were more.
    let over = ROW_LIMIT + 1;
    let (rows, capped) = match resource {
        Resource::Runs => {
            let mut runs = reader.runs(None, over)?;
            let capped = runs.len() > ROW_LIMIT;
            runs.truncate(ROW_LIMIT);
            let ids = runs.iter().map(|r| r.id);
            let failures = match (ids.clone().min(), ids.max()) {
                (Some(first), Some(last)) => reader.failures_of_runs(first, last)?,
                _ => Vec::new(),
            };
            return Ok(Table::new(Rows::Runs(runs), capped).with_failures(failures));
        }
        Resource::History => {
            let mut decisions = reader.recent_decisions(over)?;
            let capped = decisions.len() > ROW_LIMIT;
            decisions.truncate(ROW_LIMIT);
            (Rows::History(decisions), capped)
        }
        Resource::Calls => {
            let calls = reader.recent_calls(ROW_LIMIT)?;
            let capped = calls.len() >= ROW_LIMIT;
            (Rows::Calls(calls), capped)
        }
        Resource::Services => (Rows::Services(reader.instances(false)?), false),
        // Not the store's: the front end reads its queue instead (`validation_table`), and
        // the store holds nothing of it.
        Resource::Validations => (Rows::Validations(Vec::new()), false),
    };
    Ok(Table::new(rows, capped))
}

#[derive(Debug)]
pub(crate) struct ResourceState {
    pub(crate) resource: Resource,
    /// `None` until the rows arrive; `Err` holds why they could not be read.
    pub(crate) table: Option<Result<Table, StoreError>>,
    pub(crate) cursor: ListCursor,
    pub(crate) filter: String,
    /// Keys type into the filter.
    pub(crate) filtering: bool,
    /// Indices of the rows the filter lets through, in order.
    shown: Vec<usize>,
}

/// What a key in the view asks of the app.
pub(crate) enum Asked {
    Nothing,
    Close,
    /// `enter` on the row at this index of the table.
    Open(usize),
}

impl ResourceState {
    pub(crate) fn loading(resource: Resource) -> Self {
        ResourceState {
            resource,
            table: None,
            cursor: ListCursor::default(),
            filter: String::new(),
            filtering: false,
            shown: Vec::new(),
        }
    }

    pub(crate) fn loaded(&mut self, table: Result<Table, StoreError>, page: usize) {
        self.table = Some(table);
        self.refilter(page);
    }

    fn table(&self) -> Option<&Table> {
        self.table.as_ref().and_then(|t| t.as_ref().ok())
    }

    /// The rows shown and the rows read.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.shown.len(), self.table().map_or(0, Table::len))
    }

    pub(crate) fn set_filter(&mut self, filter: String, page: usize) {
        self.filter = filter;
        self.cursor.first();
        self.refilter(page);
    }

    /// Every word of the filter must be in the row's text, in any case.
    fn refilter(&mut self, page: usize) {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.shown = match self.table() {
            Some(table) => (0..table.len())
                .filter(|i| {
                    words
                        .iter()
                        .all(|w| table.haystacks[*i].contains(w.as_str()))
                })
                .collect(),
            None => Vec::new(),
        };
        self.cursor.keep_visible(self.shown.len(), page);
    }

    /// The table's index of the selected row, if a row is shown.
    pub(crate) fn selected_index(&self) -> Option<usize> {
        self.shown.get(self.cursor.selected).copied()
    }

    pub(crate) fn on_action(&mut self, action: Action, page: usize) -> Asked {
        let len = self.shown.len();
        match action {
            Action::Close if !self.filter.is_empty() => self.set_filter(String::new(), page),
            Action::Close | Action::Quit => return Asked::Close,
            Action::Filter => self.filtering = true,
            Action::Open => {
                if let Some(index) = self.shown.get(self.cursor.selected) {
                    return Asked::Open(*index);
                }
            }
            _ => {
                self.cursor.navigate(action, len, page);
            }
        }
        Asked::Nothing
    }
}

impl ResourceState {
    /// A click at screen row `row` on a screen of `size`: selects the row of the table drawn
    /// there and gives its index in the table, `None` off the rows.
    pub(crate) fn click(&mut self, size: Rect, row: u16) -> Option<usize> {
        if !matches!(&self.table, Some(Ok(_))) {
            return None;
        }
        // Below the top border and the column headings.
        let line = row.checked_sub(area(size).y + 2)?;
        let at = self
            .cursor
            .click(usize::from(line), self.shown.len(), page(size))?;
        self.shown.get(at).copied()
    }
}

/// The screen but its status line, which keeps showing messages and the command prompt.
fn area(size: Rect) -> Rect {
    Rect {
        height: size.height.saturating_sub(1),
        ..size
    }
}

/// Rows of the table that fit on a terminal of `size`: the frame, the header and the filter
/// line take four.
pub(crate) fn page(size: Rect) -> usize {
    usize::from(area(size).height.saturating_sub(4)).max(1)
}

/// Each column as wide as its widest cell or header, at most `CELL_MAX`; the last column
/// takes what is left of `room`.
fn column_widths(table: &Table, headers: &[&str], room: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &table.cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count().min(CELL_MAX));
        }
    }
    let fixed: usize = widths.iter().rev().skip(1).map(|w| w + 1).sum();
    if let Some(last) = widths.last_mut() {
        *last = room.saturating_sub(fixed);
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_named_by_any_beginning_only_it_has() {
        assert_eq!(Resource::named("r"), Some(Resource::Runs));
        assert_eq!(Resource::named("hist"), Some(Resource::History));
        assert_eq!(Resource::named("services"), Some(Resource::Services));
        assert_eq!(Resource::named("x"), None);
        assert_eq!(Resource::named(""), None);
    }

    #[test]
    fn completion_goes_as_far_as_the_names_agree() {
        assert_eq!(Resource::complete("c").0, "calls");
        assert_eq!(Resource::complete("").0, "");
        assert_eq!(Resource::complete("").1.len(), 5);
        assert_eq!(Resource::named("v"), Some(Resource::Validations));
        assert_eq!(Resource::complete("zz").1.len(), 0);
    }
}
