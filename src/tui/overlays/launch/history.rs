//! The launch dialog's past inputs of its tool, walked like a shell's history: older, newer,
//! and back to what was typed before walking.

/// Past inputs a dialog offers at most, newest first (read from the runs the store holds).
pub(crate) const INPUT_HISTORY: usize = 50;
/// A past input longer than this is not offered: the editor is for inputs a person types.
pub(crate) const INPUT_HISTORY_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
pub(crate) struct InputHistory {
    /// Newest first.
    inputs: Vec<String>,
    /// The input shown, as an index into `inputs`; `None` while the draft shows.
    at: Option<usize>,
    /// What the editor held before walking, given back past the newest.
    draft: Option<String>,
}

impl InputHistory {
    pub(crate) fn new(inputs: Vec<String>) -> Self {
        Self {
            inputs,
            ..Self::default()
        }
    }

    /// The text to show after one step (`older` or newer) from `current`, or `None` when
    /// there is nothing further that way.
    pub(crate) fn step(&mut self, older: bool, current: &str) -> Option<String> {
        let next = match (self.at, older) {
            (None, true) if !self.inputs.is_empty() => Some(0),
            (Some(i), true) if i + 1 < self.inputs.len() => Some(i + 1),
            (Some(0), false) => None,
            (Some(i), false) => Some(i - 1),
            _ => return None,
        };
        if self.at.is_none() {
            self.draft = Some(current.to_string());
        }
        self.at = next;
        match next {
            Some(i) => Some(pretty(&self.inputs[i])),
            None => self.draft.take(),
        }
    }

    /// Where the walk is, for the dialog: `(shown, of)` counted from the newest, from 1.
    pub(crate) fn position(&self) -> Option<(usize, usize)> {
        self.at.map(|i| (i + 1, self.inputs.len()))
    }

    pub(crate) fn is_walking(&self) -> bool {
        self.at.is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.inputs.len()
    }
}

/// JSON laid out over lines as the editor's example is; other text as it was given.
fn pretty(input: &str) -> String {
    serde_json::from_str::<serde_json::Value>(input)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walking_goes_older_then_newer_and_gives_the_draft_back() {
        let mut history = InputHistory::new(vec![r#"{"n":2}"#.into(), r#"{"n":1}"#.into()]);
        assert_eq!(
            history.step(false, "draft"),
            None,
            "nothing newer than the draft"
        );
        assert_eq!(
            history.step(true, "draft").as_deref(),
            Some("{\n  \"n\": 2\n}")
        );
        assert_eq!(history.position(), Some((1, 2)));
        assert_eq!(
            history.step(true, "edited").as_deref(),
            Some("{\n  \"n\": 1\n}")
        );
        assert_eq!(history.step(true, "x"), None, "nothing older");
        assert_eq!(history.position(), Some((2, 2)));
        history.step(false, "x");
        assert_eq!(history.step(false, "x").as_deref(), Some("draft"));
        assert!(!history.is_walking());
    }

    #[test]
    fn an_empty_history_has_nowhere_to_go() {
        let mut history = InputHistory::default();
        assert_eq!(history.step(true, "draft"), None);
        assert_eq!(history.position(), None);
    }

    #[test]
    fn text_that_is_not_json_is_shown_as_it_was_given() {
        let mut history = InputHistory::new(vec!["plain text".into()]);
        assert_eq!(history.step(true, "").as_deref(), Some("plain text"));
    }
}
