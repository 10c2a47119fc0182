//! Where every integration test finds the toolbench binary, so the rule is written once.

use std::path::PathBuf;

/// The binary under test: `TOOLBENCH_BIN` when set (tests/as_unprivileged_user.sh copies it
/// out of `target/`, which a plain user may not reach), else the one cargo built for the tests.
pub fn bin() -> PathBuf {
    std::env::var_os("TOOLBENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_toolbench")))
}
