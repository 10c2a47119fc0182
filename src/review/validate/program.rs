//! Running the checkers validation borrows from the machine (python3, sh, node, ruff,
//! shellcheck): found on the standard paths first, run without a shell, inside the same
//! sandbox as a run (the tool folder read-only, a scratch of their own, no network), bounded
//! in time. A tool's files are their input, never their configuration.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::runner::confined_program::{self, Finished, Program};
use crate::runner::confinement::Confinement;

/// How long one checker may take before it is killed and its check skipped.
pub(crate) const CHECKER_TIMEOUT: Duration = Duration::from_secs(30);

/// Searched before toolbench's own `PATH`: the interpreters a tool itself runs with.
const STANDARD_PATH: [&str; 3] = ["/usr/local/bin", "/usr/bin", "/bin"];

/// The executable `name`, like `which`, preferring the standard paths.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    STANDARD_PATH
        .iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&inherited))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What a checker found outside the system's folders needs to run besides itself: the
/// installation it belongs to, the folder above its `bin/` (`~/.pyenv` for a pyenv shim, which
/// runs `~/.pyenv/libexec/pyenv`; a pipx environment for the link `~/.local/bin/ruff`), read
/// only. Never the home folder or a folder above it: then the program alone is seen.
fn installation_of(program: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(program).ok()?;
    if crate::runner::grants::SYSTEM_READ
        .iter()
        .any(|system| real.starts_with(system))
    {
        return None;
    }
    let installation = real.parent()?.parent()?.to_path_buf();
    let home = crate::runner::confinement::home();
    let holds_home = installation == Path::new("/")
        || home
            .as_deref()
            .is_some_and(|home| home.starts_with(&installation));
    (!holds_home).then_some(installation)
}

/// `python3` of `/usr/bin/python3`, as messages name a checker.
fn program_name(program: &Path) -> String {
    program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Why a checker did not run or finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckerError {
    #[error("{program} {reason}")]
    Failed {
        program: String,
        reason: confined_program::ConfinedError,
    },
}

/// Where the checkers of one validation run.
pub(crate) struct Checkers<'a> {
    root: &'a Path,
    exe: &'a Path,
    pub(crate) tool_dir: &'a Path,
    confinement: &'a Confinement,
}

impl<'a> Checkers<'a> {
    /// `exe` is the toolbench binary, the sandbox helper; `confinement` is the workspace's.
    pub(crate) fn new(
        root: &'a Path,
        exe: &'a Path,
        tool_dir: &'a Path,
        confinement: &'a Confinement,
    ) -> Self {
        Checkers {
            root,
            exe,
            tool_dir,
            confinement,
        }
    }

    /// Runs `program args…` confined, reading the tool folder, and returns what it printed;
    /// the error is one line saying why it could not run or finish.
    pub(crate) async fn run<I, S>(&self, program: &Path, args: I) -> Result<Finished, CheckerError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut argv = vec![program.display().to_string()];
        argv.extend(
            args.into_iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        );
        let checker = Program {
            argv,
            stdin: None,
            env: Default::default(),
            network: false,
            visible: [self.tool_dir.to_path_buf(), program.to_path_buf()]
                .into_iter()
                .chain(installation_of(program))
                .collect(),
            // It reads code nobody approved: the tool and the system, nothing of the user's.
            only_visible: true,
            timeout: CHECKER_TIMEOUT,
            writable: None,
            hosts: Vec::new(),
            memory_mb: None,
            max_file_size_mb: None,
        };
        confined_program::run(self.root, self.exe, self.confinement, checker)
            .await
            .map_err(|reason| CheckerError::Failed {
                program: program_name(program),
                reason,
            })
    }

    /// The absolute path of a tool file, as checkers are given it.
    pub(crate) fn path_of(&self, relative: &str) -> String {
        self.tool_dir.join(relative).display().to_string()
    }

    /// A path a checker printed, relative to the tool folder again.
    pub(crate) fn relative<'p>(&self, printed: &'p str) -> &'p str {
        let prefix = format!("{}/", self.tool_dir.display());
        printed.strip_prefix(prefix.as_str()).unwrap_or(printed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_on_path_and_not_others() {
        assert!(find_program("sh").is_some());
        assert!(find_program("no-such-program-xyz").is_none());
    }

    #[test]
    fn standard_paths_come_before_the_inherited_path() {
        let found = find_program("sh").expect("sh");
        assert!(
            STANDARD_PATH.iter().any(|dir| found.starts_with(dir)),
            "{}",
            found.display()
        );
    }

    #[test]
    fn a_checker_installed_in_the_home_folder_brings_its_installation_never_the_home() {
        let home = crate::runner::confinement::home().expect("HOME");
        let dir = tempfile::tempdir_in(&home).expect("a folder in the home");
        let shims = dir.path().join(".pyenv/shims");
        std::fs::create_dir_all(&shims).expect("shims");
        std::fs::write(shims.join("ruff"), "#!/bin/sh\n").expect("shim");
        let real = std::fs::canonicalize(dir.path()).expect("real");
        assert_eq!(
            installation_of(&shims.join("ruff")),
            Some(real.join(".pyenv"))
        );
        std::fs::write(dir.path().join("ruff"), "#!/bin/sh\n").expect("loose");
        assert_eq!(
            installation_of(&dir.path().join("ruff")),
            None,
            "a program right below the home brings no folder above it"
        );
        assert_eq!(installation_of(Path::new("/bin/sh")), None, "system");
    }

    #[test]
    fn printed_paths_become_relative_to_the_tool() {
        let dir = Path::new("/ws/experimental/t");
        let config = crate::config::Config::defaults().expect("defaults");
        let confinement = Confinement::new(Path::new("/ws"), &config, None);
        let checkers = Checkers::new(Path::new("/ws"), Path::new("/bin/true"), dir, &confinement);
        assert_eq!(checkers.path_of("a/b.py"), "/ws/experimental/t/a/b.py");
        assert_eq!(checkers.relative("/ws/experimental/t/a/b.py"), "a/b.py");
        assert_eq!(checkers.relative("other.py"), "other.py");
    }
}
