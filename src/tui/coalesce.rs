//! Work asked for again while it runs is done once more after it, with the newest input, not
//! once per ask. After a scan the validation of thousands of candidates answers from its cache
//! at once, and each answer asks for the history again: one load per answer filled the
//! blocking pool with hundreds of threads, each with its own store connection, until nothing
//! else (the scan included) could get a thread.

use std::sync::{Arc, Mutex, PoisonError};

/// Whether the work runs, and the input of the run asked for since it started.
struct State<T> {
    running: bool,
    next: Option<T>,
}

pub(crate) struct Coalesced<T>(Arc<Mutex<State<T>>>);

impl<T> Clone for Coalesced<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Default for Coalesced<T> {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(State {
            running: false,
            next: None,
        })))
    }
}

impl<T> Coalesced<T> {
    /// `Some(input)` when the caller should start the work with it now; `None` when it runs
    /// already and will run once more, with the newest input, when it ends.
    pub(crate) fn ask(&self, input: T) -> Option<T> {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.running {
            state.next = Some(input);
            None
        } else {
            state.running = true;
            Some(input)
        }
    }

    /// Called by the work when it ends: the input to run again with, or `None` when nobody
    /// asked meanwhile (the work is then over).
    pub(crate) fn done(&self) -> Option<T> {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let next = state.next.take();
        state.running = next.is_some();
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_while_running_make_one_more_run_with_the_newest_input() {
        let loads = Coalesced::default();
        assert_eq!(loads.ask(1), Some(1));
        for input in 2..=4500 {
            assert_eq!(loads.ask(input), None, "already running");
        }
        assert_eq!(loads.done(), Some(4500), "once more, with the newest");
        assert_eq!(loads.ask(4501), None, "still running");
        assert_eq!(loads.done(), Some(4501));
        assert_eq!(loads.done(), None, "over");
        assert_eq!(loads.ask(4502), Some(4502), "a new ask starts it again");
    }
}
