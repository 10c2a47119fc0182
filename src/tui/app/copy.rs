//! `y`: what the focused pane or the open overlay selects, copied to the terminal's clipboard
//! (`Effect::Copy`): an output line, a run's input, a tool's content hash or a call's
//! arguments. Chooses the text and says what it is; never writes to the terminal itself.

use super::{App, Effect, Level, Overlay, Pane, ReviewRow};
use crate::tui::overlays::pair::PairState;
use crate::tui::overlays::resources::Rows;

const NO_ROW: &str = "nothing to copy: no row selected";

/// What `y` would copy here: a few words naming it, and its text.
struct Copied {
    what: String,
    text: String,
}

impl App {
    /// Copies what is selected, or says in one line why nothing is.
    pub(super) fn copy_selected(&mut self) {
        match self.copy_target() {
            Ok(Copied { what, text }) => {
                self.effects.push(Effect::Copy(text));
                self.notify(format!("copied {what}"), Level::Info);
            }
            Err(why) => self.notify(why, Level::Error),
        }
    }

    fn copy_target(&self) -> Result<Copied, String> {
        match &self.overlay {
            Some(Overlay::Detail(detail)) => Ok(content_hash(&detail.entry)),
            Some(Overlay::Resource(state)) => {
                let row = match (&state.table, state.selected_index()) {
                    (Some(Ok(table)), Some(index)) => Some((&table.rows, index)),
                    _ => None,
                };
                match row {
                    Some((Rows::Runs(runs), i)) => runs
                        .get(i)
                        .map(|run| match run.input.is_empty() {
                            true => Err(format!("nothing to copy: run #{} took no input", run.id)),
                            false => Ok(Copied {
                                what: format!("the input of run #{}", run.id),
                                text: run.input.clone(),
                            }),
                        })
                        .unwrap_or_else(|| Err(NO_ROW.to_string())),
                    Some((Rows::Calls(calls), i)) => calls
                        .get(i)
                        .map(|call| arguments(call.id, &call.arguments))
                        .ok_or_else(|| NO_ROW.to_string()),
                    Some(_) => Err(format!(
                        "nothing to copy in :{} (only in :runs and :calls)",
                        state.resource.name()
                    )),
                    None => Err(NO_ROW.to_string()),
                }
            }
            Some(Overlay::Pair(state)) => match &**state {
                PairState::Ready(pairing) => Ok(Copied {
                    what: format!("the link that pairs {}", pairing.device),
                    text: pairing.link.clone(),
                }),
                _ => Err("nothing to copy: no pairing link yet".to_string()),
            },
            Some(_) => Err("nothing to copy in this view".to_string()),
            None => self.copy_in_pane(),
        }
    }

    fn copy_in_pane(&self) -> Result<Copied, String> {
        match self.focus {
            Pane::Catalog => self
                .selected_entry()
                .map(content_hash)
                .ok_or_else(|| "nothing to copy: no tool selected".to_string()),
            Pane::Review => match self.review_row(self.review_cursor.selected) {
                Some(ReviewRow::Call(call)) => Ok(arguments(call.id, &call.arguments)),
                Some(ReviewRow::Candidate(_) | ReviewRow::Alert(_)) => self
                    .selected_entry()
                    .map(content_hash)
                    .ok_or_else(|| "nothing to copy: the tool is not in the catalog".to_string()),
                Some(ReviewRow::Request(_) | ReviewRow::Rule(_)) => {
                    Err("nothing to copy: a request or a rule has no content".to_string())
                }
                None => Err(NO_ROW.to_string()),
            },
            Pane::Output => self.selected_output_line(),
            Pane::Failures => Err("nothing to copy in the Failures pane".to_string()),
        }
    }

    /// The Output's selected line: the current search match's, else the last line in view.
    fn selected_output_line(&self) -> Result<Copied, String> {
        let run = self
            .selected_run()
            .ok_or_else(|| "nothing to copy: no run in the Output pane".to_string())?;
        let lines = run.lines();
        let line = match self.output_view.search.current {
            Some((line, _)) => line,
            None => {
                let (height, width) = super::output_lines::text_area(self);
                super::output_lines::window(self, run, width, height)
                    .end
                    .checked_sub(1)
                    .ok_or_else(|| format!("nothing to copy: {} printed nothing yet", run.tool))?
            }
        };
        let (_, text) = lines
            .get(line)
            .ok_or_else(|| format!("nothing to copy: {} printed nothing yet", run.tool))?;
        Ok(Copied {
            what: format!(
                "line {} of {}'s output ({} characters)",
                run.dropped + line as u64 + 1,
                run.tool,
                text.chars().count()
            ),
            text: text.clone(),
        })
    }
}

fn content_hash(entry: &crate::model::ToolEntry) -> Copied {
    Copied {
        what: format!("the content hash of {}", entry.id()),
        text: entry.content_hash.clone(),
    }
}

fn arguments(id: i64, arguments: &serde_json::Value) -> Copied {
    Copied {
        what: format!("the arguments of call #{id}"),
        text: arguments.to_string(),
    }
}
