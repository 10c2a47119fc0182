//! One line for an error and everything that caused it.
//!
//! The convention every error type of the crate follows: an error that holds a cause
//! (`#[source]` or `#[from]`) does not repeat the cause's text in its own message, and a
//! wrapper that adds nothing is `#[error(transparent)]`. The front ends then print
//! `outer: cause: root cause` by walking `source()`, which is what `one_line` does (and what
//! anyhow's `{:#}` does too).

use std::error::Error;

/// `outer: cause: root cause` on one line. A cause whose text the line already ends with is
/// left out, so an error from outside the crate that does repeat its source is not doubled;
/// line breaks inside a message become spaces, so the whole chain stays one line.
pub(crate) fn one_line(err: &(dyn Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !line.ends_with(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        cause = e.source();
    }
    if line.contains(['\n', '\r']) {
        line = line
            .split(['\n', '\r'])
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct Root;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write state.db")]
    struct Middle(#[source] Root);

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("cannot record the run of hello")]
        Record(#[from] Middle),
        #[error(transparent)]
        Passed(Middle),
    }

    #[test]
    fn three_level_chain_prints_as_one_line_without_repeating_text() {
        let err = Outer::Record(Middle(Root));
        let line = one_line(&err);
        assert_eq!(
            line,
            "cannot record the run of hello: cannot write state.db: disk full"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn a_transparent_wrapper_adds_nothing_to_the_line() {
        let err = Outer::Passed(Middle(Root));
        assert_eq!(one_line(&err), "cannot write state.db: disk full");
    }

    #[test]
    fn anyhow_alternate_format_prints_the_same_line() {
        let err = anyhow::Error::new(Middle(Root)).context("cannot record the run of hello");
        assert_eq!(format!("{err:#}"), one_line(err.as_ref()));
    }

    #[test]
    fn a_cause_the_message_already_ends_with_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot open: disk full")]
        struct Repeats(#[source] Root);
        assert_eq!(one_line(&Repeats(Root)), "cannot open: disk full");
    }

    #[test]
    fn a_message_with_a_line_break_stays_one_line() {
        #[derive(Debug, thiserror::Error)]
        #[error("first\nsecond")]
        struct Broken;
        assert_eq!(one_line(&Broken), "first second");
    }
}
