//! From what a tool declares (`[permissions]`) to what its run is granted on this machine:
//! the declared paths made absolute and real (links followed), the project as the working
//! folder, the ports it may connect to. Every refusal names the field and says why.

use std::path::{Path, PathBuf};

use crate::model::run_error::GrantError;
use crate::model::{PathBase, Permissions, ProjectAccess, declared_path};

/// What one run may reach beyond the system's folders, its tool folder and its scratch.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grants {
    /// Real paths it may read, each shown at its own path.
    pub read: Vec<PathBuf>,
    /// Real paths it may write (each also readable).
    pub write: Vec<PathBuf>,
    /// The project, its working folder, when it declared one.
    pub(crate) workdir: Option<PathBuf>,
    /// What stays hidden although a grant shows it: the hidden paths beneath a granted one
    /// (a workspace's state inside the project), and a granted path beneath a hidden one (a
    /// grant never shows the user's keys or toolbench's state). Filled in by the sandbox's
    /// settings (`Confinement::policy`).
    #[serde(default)]
    pub(crate) hidden_within: Vec<PathBuf>,
    /// What stays read-only although a `write` grant holds it: a workspace inside it (its
    /// settings name programs toolbench runs outside any sandbox: the evolver, git commits)
    /// and the git folder at the top of a written folder (hooks and `core.*` settings run
    /// programs as the user). Filled in with `hidden_within`.
    #[serde(default)]
    pub(crate) read_only_within: Vec<PathBuf>,
}

impl Grants {
    /// Every granted path, read or written.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.read.iter().chain(&self.write)
    }
}

/// The system's folders every run reads: programs, libraries, settings, and the kernel's
/// views the run needs. Everything else is unreadable unless granted.
pub(crate) const SYSTEM_READ: [&str; 9] = [
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
];

/// Folders whose contents are people's: homes, drives, the temporary folders (every user's,
/// the programs' sockets and locks among them). What lies strictly beneath them may be
/// written, whatever system folder holds them (`/var/home/u` on image-based systems,
/// `/var/tmp/x`, `/tmp/x`).
const PERSONAL_PARENTS: [&str; 7] = [
    "/home",
    "/mnt",
    "/media",
    "/run/media",
    "/srv",
    "/var/tmp",
    "/tmp",
];

/// True when `path` may never be written, as the project or a `write` path: `/`, the home
/// folder or a folder above it, or a system folder (what lies below the home folder or a
/// folder of `PERSONAL_PARENTS` aside). Writing there reaches far beyond a project.
fn too_wide_to_write(path: &Path, home: Option<&Path>) -> bool {
    let strictly_below = |folder: &Path| path.starts_with(folder) && path != folder;
    let personal_parent = PERSONAL_PARENTS.iter().any(|p| Path::new(p) == path);
    if personal_parent || home.is_some_and(|home| home.starts_with(path)) {
        return true;
    }
    if home.is_some_and(strictly_below)
        || PERSONAL_PARENTS
            .iter()
            .any(|p| strictly_below(Path::new(p)))
    {
        return false;
    }
    let system = SYSTEM_READ
        .iter()
        .chain(&["/var", "/boot", "/proc", "/sys", "/dev", "/run"])
        .any(|folder| path.starts_with(folder));
    path == Path::new("/") || system
}

/// True for `/`, the home folder and every folder above it: a project there would show a tool
/// the user's every credential, read as written (DESIGN §11 rule 5).
fn holds_home(path: &Path, home: Option<&Path>) -> bool {
    path == Path::new("/") || home.is_some_and(|home| home.starts_with(path))
}

/// Resolves `permissions` for a run whose project is `project` (`None`: the front end gave
/// none) and whose user's home is `home`.
pub(crate) fn resolve(
    permissions: &Permissions,
    project: Option<&Path>,
    home: Option<&Path>,
) -> Result<Grants, GrantError> {
    let project = match (permissions.uses_project(), project) {
        (false, _) => None,
        (true, None) => return Err(GrantError::NoProject),
        (true, Some(project)) => Some(
            std::fs::canonicalize(project)
                .ok()
                .filter(|real| real.is_dir())
                .ok_or_else(|| GrantError::ProjectMissing(project.to_path_buf()))?,
        ),
    };
    let mut grants = Grants::default();
    if let Some(project) = &project {
        if holds_home(project, home) {
            return Err(GrantError::ProjectHoldsHome(project.clone()));
        }
        if permissions.project == ProjectAccess::Write {
            if too_wide_to_write(project, home) {
                return Err(GrantError::ProjectTooWide(project.clone()));
            }
            grants.write.push(project.clone());
        }
        if permissions.project != ProjectAccess::None {
            grants.read.push(project.clone());
            grants.workdir = Some(project.clone());
        }
    }
    let real = |field: &'static str, text: &str| -> Result<PathBuf, GrantError> {
        let declared = declared_path(text).map_err(|why| GrantError::Declared(why, field))?;
        let base = match declared.base {
            PathBase::Root => PathBuf::from("/"),
            PathBase::Home => home.map(Path::to_path_buf).ok_or(GrantError::NoHome {
                field,
                path: text.to_string(),
            })?,
            // `uses_project` made sure there is one.
            PathBase::Project => project.clone().ok_or(GrantError::NoProject)?,
        };
        let path = base.join(declared.rest);
        let real = std::fs::canonicalize(&path).map_err(|_| GrantError::Missing {
            field,
            path: text.to_string(),
        })?;
        if let (PathBase::Project, Some(project)) = (declared.base, &project)
            && !real.starts_with(project)
        {
            return Err(GrantError::LeadsOutOfProject {
                field,
                path: text.to_string(),
                real,
            });
        }
        Ok(real)
    };
    for path in &permissions.read {
        grants.read.push(real("read", path)?);
    }
    for declared in &permissions.write {
        let path = real("write", declared)?;
        if too_wide_to_write(&path, home) {
            return Err(GrantError::WriteTooWide {
                path: declared.clone(),
                real: path,
            });
        }
        grants.read.push(path.clone());
        grants.write.push(path);
    }
    if let Some(project) = &project {
        grants.read.extend(git_common_dir(project));
    }
    grants.read.sort();
    grants.read.dedup();
    grants.write.sort();
    grants.write.dedup();
    Ok(grants)
}

/// Where git keeps the repository of a worktree whose `.git` is a file (`gitdir: ...`): git
/// in the project needs it to read anything. Read-only like the project.
fn git_common_dir(project: &Path) -> Option<PathBuf> {
    let dot_git = project.join(".git");
    if !dot_git.symlink_metadata().ok()?.is_file() {
        return None;
    }
    let text = crate::io_text::read_text_capped(&dot_git, 4096).ok()?;
    let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let gitdir = std::fs::canonicalize(project.join(gitdir)).ok()?;
    // A worktree's folder names its repository's in `commondir`; that holds everything.
    let common = crate::io_text::read_text_capped(&gitdir.join("commondir"), 4096)
        .ok()
        .and_then(|c| std::fs::canonicalize(gitdir.join(c.trim())).ok());
    Some(common.unwrap_or(gitdir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(project: ProjectAccess, read: &[&str], write: &[&str]) -> Permissions {
        Permissions {
            project,
            read: read.iter().map(|s| s.to_string()).collect(),
            write: write.iter().map(|s| s.to_string()).collect(),
            network: crate::model::Network::None,
        }
    }

    #[test]
    fn writing_is_refused_on_system_folders_and_around_home_only() {
        let home = Some(Path::new("/var/home/u"));
        let wide = |path: &str| too_wide_to_write(Path::new(path), home);
        for refused in [
            "/",
            "/etc",
            "/usr/local",
            "/var",
            "/var/lib/x",
            "/var/tmp",
            "/tmp",
            "/var/home",
            "/var/home/u",
            "/run/user/0",
            "/opt",
        ] {
            assert!(wide(refused), "{refused} must be refused");
        }
        for allowed in [
            "/var/home/u/proj",
            "/home/other/proj",
            "/run/media/u/disk/proj",
            "/mnt/data/x",
            "/work/main",
            "/tmp/p",
            "/var/tmp/p",
        ] {
            assert!(!wide(allowed), "{allowed} must be allowed");
        }
        assert!(
            too_wide_to_write(Path::new("/home"), None),
            "a folder of homes"
        );
    }

    #[test]
    fn a_tool_without_permissions_gets_nothing_and_needs_no_project() {
        let grants = resolve(&Permissions::default(), None, None).expect("nothing to grant");
        assert_eq!(grants, Grants::default());
    }

    #[test]
    fn the_project_is_read_and_is_the_working_folder() {
        let project = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(project.path().join("build")).expect("build");
        let real = std::fs::canonicalize(project.path()).expect("real");
        let grants = resolve(
            &with(ProjectAccess::Read, &[], &["project/build"]),
            Some(project.path()),
            None,
        )
        .expect("granted");
        assert_eq!(grants.workdir.as_deref(), Some(real.as_path()));
        assert_eq!(grants.read, [real.clone(), real.join("build")]);
        assert_eq!(grants.write, [real.join("build")]);
    }

    #[test]
    fn bad_projects_and_paths_are_refused_naming_the_field() {
        let project = tempfile::tempdir().expect("tempdir");
        let read = with(ProjectAccess::Read, &[], &[]);
        assert_eq!(resolve(&read, None, None), Err(GrantError::NoProject));
        let gone = project.path().join("gone");
        assert_eq!(
            resolve(&read, Some(&gone), None),
            Err(GrantError::ProjectMissing(gone))
        );
        let write = with(ProjectAccess::Write, &[], &[]);
        let err = resolve(&write, Some(Path::new("/usr/share")), None).expect_err("system");
        assert!(matches!(err, GrantError::ProjectTooWide(_)), "{err}");
        let missing = with(ProjectAccess::Read, &["project/nope"], &[]);
        assert_eq!(
            resolve(&missing, Some(project.path()), None)
                .expect_err("missing")
                .to_string(),
            "permissions.read: project/nope does not exist"
        );
    }

    #[test]
    fn the_home_folder_and_what_holds_it_are_never_a_project() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = std::fs::canonicalize(dir.path())
            .expect("real")
            .join("users/u");
        std::fs::create_dir_all(home.join("proj")).expect("home");
        for access in [ProjectAccess::Read, ProjectAccess::Write] {
            for refused in [home.clone(), home.join(".."), PathBuf::from("/")] {
                let err = resolve(&with(access, &[], &[]), Some(&refused), Some(&home))
                    .expect_err("refused");
                assert!(
                    matches!(err, GrantError::ProjectHoldsHome(_)),
                    "{access:?} {}: {err}",
                    refused.display()
                );
                assert!(err.to_string().contains("--project"), "{err}");
            }
            let below = resolve(
                &with(access, &[], &[]),
                Some(&home.join("proj")),
                Some(&home),
            );
            assert!(
                below.is_ok(),
                "{access:?}: a folder below the home is a project"
            );
        }
    }

    #[test]
    fn a_link_inside_the_project_that_leads_out_is_refused() {
        let project = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("outside");
        std::os::unix::fs::symlink(outside.path(), project.path().join("out")).expect("link");
        let err = resolve(
            &with(ProjectAccess::None, &["project/out"], &[]),
            Some(project.path()),
            None,
        )
        .expect_err("leads out");
        assert!(
            matches!(err, GrantError::LeadsOutOfProject { field: "read", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_git_worktree_brings_its_repository() {
        let repo = tempfile::tempdir().expect("repo");
        let project = tempfile::tempdir().expect("project");
        let admin = repo.path().join(".git/worktrees/wt");
        std::fs::create_dir_all(&admin).expect("admin");
        std::fs::write(admin.join("commondir"), "../..\n").expect("commondir");
        std::fs::write(
            project.path().join(".git"),
            format!("gitdir: {}\n", admin.display()),
        )
        .expect(".git");
        let grants = resolve(
            &with(ProjectAccess::Read, &[], &[]),
            Some(project.path()),
            None,
        )
        .expect("granted");
        let common = std::fs::canonicalize(repo.path().join(".git")).expect("real");
        assert!(grants.read.contains(&common), "{:?}", grants.read);
    }
}
