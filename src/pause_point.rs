//! A test hook: `TOOLBENCH_PAUSE_AT=<point>:<milliseconds>` holds the process that long at a
//! named point, so a test can make another process act, or kill this one, exactly there (the
//! races of a run's hand-off and its collection, `tests/stored_once.rs`; a proposal between
//! its landing and its record, `tests/mcp.rs`). Debug builds only: a release build has no
//! such points.

/// The variable naming the point to pause at.
#[cfg(debug_assertions)]
pub const PAUSE_ENV: &str = "TOOLBENCH_PAUSE_AT";

/// Pauses here when `TOOLBENCH_PAUSE_AT` names `point`. One variable lookup otherwise.
#[cfg(debug_assertions)]
pub(crate) fn pause_point(point: &str) {
    let Some(asked) = std::env::var_os(PAUSE_ENV) else {
        return;
    };
    let pause = asked
        .to_str()
        .and_then(|asked| asked.strip_prefix(point)?.strip_prefix(':')?.parse().ok());
    if let Some(millis) = pause {
        std::thread::sleep(std::time::Duration::from_millis(millis));
    }
}

#[cfg(not(debug_assertions))]
pub(crate) fn pause_point(_point: &str) {}
