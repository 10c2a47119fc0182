/// Where a test's host folders are made: somewhere a run sees (read-only), so that an attack
/// on them meets the read-only world and not only the private `/tmp` that covers the usual
/// temporary folder. The first of these outside `/tmp`: the caller's `TMPDIR` (the
/// unprivileged run sets one), cargo's own temporary folder for integration tests (inside
/// the clone, which may itself lie under `/tmp`, and which another user may not write),
/// `/var/tmp`.
pub fn visible_base() -> std::path::PathBuf {
    [
        std::env::temp_dir(),
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
        std::path::PathBuf::from("/var/tmp"),
    ]
    .into_iter()
    .find(|base| !base.starts_with("/tmp") && base.is_dir())
    .expect("a temporary folder outside /tmp (TMPDIR, cargo's target folder or /var/tmp)")
}
