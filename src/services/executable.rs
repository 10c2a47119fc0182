//! Where a service's executable is, looked for as the sandbox will look for it.

use std::path::{Path, PathBuf};

/// The `PATH` a service's bare executable name is looked up in (the sandbox's).
pub(crate) const SANDBOX_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Why a service's executable cannot be launched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutableError {
    #[error("executable {0} is not found in {SANDBOX_PATH}")]
    NotInPath(String),
    #[error("executable {} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("executable {} is not a file", .0.display())]
    NotFile(PathBuf),
    #[error("executable {} is not executable (chmod +x it)", .0.display())]
    NotExecutable(PathBuf),
}

impl ExecutableError {
    /// The same error naming the executable as `given`, not by the folder it was looked in.
    pub(crate) fn named_as(self, given: &str) -> Self {
        match self {
            ExecutableError::Missing(_) => ExecutableError::Missing(given.into()),
            ExecutableError::NotFile(_) => ExecutableError::NotFile(given.into()),
            ExecutableError::NotExecutable(_) => ExecutableError::NotExecutable(given.into()),
            other => other,
        }
    }
}

/// Where `executable` is, as the sandbox will look for it: a path as given (made absolute
/// against `base`), a bare name in [`SANDBOX_PATH`]. The error says what is wrong with it.
pub(crate) fn locate_executable(executable: &str, base: &Path) -> Result<PathBuf, ExecutableError> {
    if !executable.contains('/') {
        return SANDBOX_PATH
            .split(':')
            .map(|dir| Path::new(dir).join(executable))
            .find(|p| is_executable(p))
            .ok_or_else(|| ExecutableError::NotInPath(executable.to_string()));
    }
    let path = base.join(executable);
    match std::fs::metadata(&path) {
        Err(_) => Err(ExecutableError::Missing(path)),
        Ok(meta) if !meta.is_file() => Err(ExecutableError::NotFile(path)),
        Ok(_) if !is_executable(&path) => Err(ExecutableError::NotExecutable(path)),
        Ok(_) => Ok(path),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_checked_where_the_sandbox_looks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = locate_executable("nope.sh", dir.path())
            .expect_err("bare, not in PATH")
            .to_string();
        assert!(missing.contains("not found in /usr/local/bin"), "{missing}");
        std::fs::write(dir.path().join("plain"), "x").expect("write");
        let err = locate_executable("./plain", dir.path())
            .expect_err("no x bit")
            .to_string();
        assert!(err.ends_with("is not executable (chmod +x it)"), "{err}");
        assert!(locate_executable("sh", dir.path()).is_ok());
    }
}
