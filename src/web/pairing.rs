//! Pairing codes refused at the page: counted, and once too many came within a while, every
//! pairing is refused until that while has passed, so guessing codes gains nothing even
//! before the odds (128 random bits a code) are counted.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Refused codes within [`WINDOW`] that close pairing.
const MAX_REFUSED: usize = 5;
/// How long a refused code counts against pairing.
const WINDOW: Duration = Duration::from_secs(60);

/// The codes refused so far: all of them, and the times of the recent ones.
#[derive(Default)]
pub(super) struct RefusedCodes {
    state: Mutex<Refused>,
}

#[derive(Default)]
struct Refused {
    total: u64,
    recent: VecDeque<Instant>,
}

impl RefusedCodes {
    /// Whether a pairing may be tried now; else how long until one may.
    pub(super) fn admits(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state
            .recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= WINDOW)
        {
            state.recent.pop_front();
        }
        match state.recent.front() {
            Some(oldest) if state.recent.len() >= MAX_REFUSED => {
                Err(WINDOW.saturating_sub(now.duration_since(*oldest)))
            }
            _ => Ok(()),
        }
    }

    /// Counts a refused code; returns how many were refused since the server started.
    pub(super) fn refused(&self, now: Instant) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.total += 1;
        state.recent.push_back(now);
        state.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_refused_codes_close_pairing_for_a_while() {
        let refused = RefusedCodes::default();
        let start = Instant::now();
        for n in 1..=MAX_REFUSED as u64 {
            assert!(refused.admits(start).is_ok());
            assert_eq!(refused.refused(start), n);
        }
        let wait = refused.admits(start).expect_err("closed");
        assert!(wait <= WINDOW);
        assert!(refused.admits(start + WINDOW).is_ok(), "open again");
    }
}
