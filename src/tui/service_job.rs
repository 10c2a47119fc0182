//! The kinds of service job, named in the event each one reports; a leaf the app state and
//! the jobs both read.

/// Which job reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceJob {
    Launch,
    Stop,
    Send,
}
