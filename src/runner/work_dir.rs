//! The fresh folder of a confined program that is not a run (a validation, a jail).

use std::path::{Path, PathBuf};

use crate::model::run_error::RunError;

/// `<root>/.toolbench/<kind>/<time>-<name>-<n>`, created fresh, for a confined program that is
/// not a run (a run's folder is named by its in-flight file, `inflight::Marker::reserve`). Its
/// `scratch` is made by the sandbox (a tmpfs inside the program's mount namespace), not here.
pub(crate) fn create_work_dir(root: &Path, kind: &str, name: &str) -> Result<PathBuf, RunError> {
    let runs = crate::workspace::state_dir(root).join(kind);
    let stamp = crate::clock::now_rfc3339().replace([':', '.'], "");
    for attempt in 0..1000 {
        let dir = runs.join(format!("{stamp}-{name}-{attempt}"));
        let private = crate::workspace::private::create_dirs(runs.as_path())
            .and_then(|()| crate::workspace::private::create_dir(&dir));
        match private {
            Ok(true) => return Ok(dir),
            Ok(false) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(RunError::RunDir {
                    path: dir,
                    reason: e.to_string(),
                });
            }
        }
    }
    Err(RunError::RunDir {
        path: runs,
        reason: "too many runs started in the same millisecond".to_string(),
    })
}
