//! What every sandboxed process of a workspace may see and use: the paths
//! hidden from it, the limits of its process tree, and how the helper that
//! confines it is started. Runs, validation's checkers and the evolver all
//! build their sandbox here, so there is one rule for all of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::grants::Grants;
use super::sandbox::{self, SandboxPolicy};
use crate::config::Config;
use crate::model::settings::RunLimits;
use crate::workspace::registry;

/// Files and folders under the user's home that hold credentials or history: those of the
/// tools developers use. Each costs a run one `lstat`, and a mount only where it exists.
const HOME_SECRETS: &[&str] = &[
    // Keys, keyrings and password stores.
    ".ssh",
    ".gnupg",
    ".pki",
    ".local/share/keyrings",
    ".local/share/kwalletd",
    ".password-store",
    ".config/op",
    ".config/Bitwarden CLI",
    ".vault-token",
    // Coding agents and model providers.
    ".claude/.credentials.json",
    ".claude.json",
    ".codex/auth.json",
    ".gemini/oauth_creds.json",
    ".config/github-copilot",
    ".continue/config.json",
    ".cache/huggingface/token",
    ".huggingface/token",
    ".kaggle/kaggle.json",
    // Cloud and hosting.
    ".aws",
    ".azure",
    ".config/gcloud",
    ".oci",
    ".config/doctl",
    ".config/hcloud",
    ".fly",
    ".config/netlify",
    ".config/.wrangler",
    ".wrangler",
    ".local/share/com.vercel.cli",
    ".config/stripe",
    ".ngrok2",
    ".config/ngrok",
    ".terraform.d/credentials.tfrc.json",
    ".terraformrc",
    ".pulumi/credentials.json",
    ".s3cfg",
    ".boto",
    ".kube",
    ".config/helm",
    ".docker",
    ".config/containers/auth.json",
    // Source hosts and package registries.
    ".netrc",
    ".git-credentials",
    ".config/gh",
    ".config/hub",
    ".config/glab-cli",
    ".npmrc",
    ".yarnrc.yml",
    ".pypirc",
    ".config/pip/pip.conf",
    ".pip/pip.conf",
    ".gem/credentials",
    ".m2/settings.xml",
    ".m2/settings-security.xml",
    ".gradle/gradle.properties",
    ".nuget/NuGet/NuGet.Config",
    ".config/composer/auth.json",
    ".composer/auth.json",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    // Databases.
    ".pgpass",
    ".my.cnf",
    ".mylogin.cnf",
    ".config/redis",
    // Sync and backup tools.
    ".config/rclone",
    ".config/syncthing",
    ".dropbox",
    // Browsers (saved passwords, cookies, sessions).
    ".mozilla",
    "snap/firefox",
    ".config/google-chrome",
    ".config/chromium",
    ".config/BraveSoftware",
    ".config/microsoft-edge",
    ".config/vivaldi",
    // Shell, REPL and client histories.
    ".bash_history",
    ".zsh_history",
    ".zhistory",
    ".sh_history",
    ".history",
    ".python_history",
    ".node_repl_history",
    ".psql_history",
    ".mysql_history",
    ".sqlite_history",
    ".rediscli_history",
    ".dbshell",
    ".irb_history",
    ".local/share/fish",
    ".local/share/atuin",
];

/// System files no tool has any business reading (password hashes and their backups, the
/// kernel's tracing and debug file systems, which root can read and drain), and the per-user
/// runtime folders where session daemons (ssh-agent, gpg-agent, D-Bus) listen.
const SYSTEM_SECRETS: [&str; 8] = [
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
    "/sys/kernel/tracing",
    "/sys/kernel/debug",
    "/run/user",
];

/// The folder of the SSH server's private host keys (`ssh_host_*_key`), which root can read;
/// the rest of it (client configuration, known hosts, public keys) stays visible.
const SSH_CONFIG_DIR: &str = "/etc/ssh";

/// The SSH server's private host keys present on this system.
fn ssh_host_keys() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(SSH_CONFIG_DIR) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("ssh_host_") && name.ends_with("_key"))
        })
        .collect()
}

/// What every run of this user hides, whatever its workspace and settings: toolbench's own
/// data and settings, the secrets under the home folder and the system's. Sorted. A helper
/// forked ahead of its run hides these while the run is still being looked up; the state of
/// every workspace it opened (`workspace::registry`) is the run's policy's to hide, as far as
/// the run could reach it (`SandboxPolicy::workspaces_state`).
pub(crate) fn hidden_in_every_workspace() -> Vec<PathBuf> {
    outermost(hidden_always())
}

/// The user's home folder with its links followed (`/home/u` -> `/var/home/u` on some
/// systems), as set when that fails; `None` when HOME is unset or empty. Grants are real
/// paths: a home or a hidden path compared with them must be one too, or a grant of the home
/// (or of a path a link leads to) would show what is hidden there.
pub(crate) fn home() -> Option<PathBuf> {
    let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
    Some(real(home))
}

/// `path` with its links followed, where it exists.
fn real(path: PathBuf) -> PathBuf {
    // Most hidden paths are not there, which one `lstat` tells: following a path costs a
    // call per component, twice per run (the front end and the helper).
    if std::fs::symlink_metadata(&path).is_err() {
        return path;
    }
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// `hidden_in_every_workspace` but the workspaces' state, which is read again for each run.
/// Real paths, for `hidden_within` to compare with the grants.
fn hidden_always() -> Vec<PathBuf> {
    let mut hide = Vec::new();
    if let Some(dirs) = crate::user_dirs::project_dirs() {
        hide.extend([dirs.data_dir(), dirs.config_dir(), dirs.cache_dir()].map(Path::to_path_buf));
    }
    if let Some(dir) = crate::user_dirs::config_dir() {
        hide.push(dir);
    }
    if let Some(home) = home() {
        hide.extend(HOME_SECRETS.iter().map(|p| home.join(p)));
    }
    // The key that tags toolbench's own writes, which may live apart from the data folder
    // (a `HOME` or `XDG_DATA_HOME` other than the user database's).
    hide.extend(crate::workspace::own_writes::secret_path());
    // A secret of the user's may itself be a link (`~/.ssh` kept elsewhere by a dotfile
    // manager). The system's are named as they are.
    let mut hide: Vec<PathBuf> = hide.into_iter().map(real).collect();
    hide.extend(SYSTEM_SECRETS.iter().map(PathBuf::from));
    hide.extend(ssh_host_keys());
    hide
}

/// `paths` sorted, without those under another of them: a folder hidden whole hides what is
/// beneath it, and a second mount there would fail (the covering folder is empty).
fn outermost(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for path in paths {
        // Sorted, a folder comes right before the paths beneath it.
        if !kept.last().is_some_and(|folder| path.starts_with(folder)) {
            kept.push(path);
        }
    }
    kept
}

/// Where people keep their own files and mounted drives: covered for a tool's run, which
/// sees only what it was granted beneath them (its own folder included), names and all.
const PERSONAL_FOLDERS: [&str; 6] = ["/home", "/root", "/mnt", "/media", "/run/media", "/srv"];

/// The folders of `PERSONAL_FOLDERS` present here, with the user's home wherever it is.
fn personal_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = PERSONAL_FOLDERS.iter().map(PathBuf::from).collect();
    if let Some(home) = home() {
        // A home at `/` or in a system folder is not covered whole: the run needs those.
        if home.components().count() > 2 {
            folders.push(home);
        }
    }
    folders.retain(|folder| folder.is_dir());
    folders
}

/// Whether `path` lies beneath a grant or holds one: what `hidden_within` and
/// `read_only_within` can make anything of.
fn meets_a_grant(grants: &Grants, path: &Path) -> bool {
    grants
        .paths()
        .any(|granted| path.starts_with(granted) || granted.starts_with(path))
}

/// What a grant would show that stays hidden (`Grants::hidden_within`); `hide` holds every
/// hidden path, those beneath another included.
fn hidden_within(grants: &Grants, hide: &[PathBuf]) -> Vec<PathBuf> {
    let beneath_a_grant = hide
        .iter()
        .filter(|hidden| grants.paths().any(|granted| hidden.starts_with(granted)));
    let beneath_a_hidden = grants
        .paths()
        .filter(|granted| hide.iter().any(|hidden| granted.starts_with(hidden)));
    outermost(beneath_a_grant.chain(beneath_a_hidden).cloned().collect())
}

/// What a `write` grant holds that stays read-only (`Grants::read_only_within`): the roots of
/// the workspaces whose state `hide` holds, each written folder's `.git`, and a written folder
/// that itself lies in a workspace or a `.git` (the write broker judges a folder from its top
/// down, and nothing above it may change).
fn read_only_within(grants: &Grants, hide: &[PathBuf]) -> Vec<PathBuf> {
    let workspaces = hide
        .iter()
        .filter(|hidden| {
            hidden.file_name() == Some(std::ffi::OsStr::new(crate::workspace::STATE_DIR))
        })
        .filter_map(|state| state.parent());
    let git_folders: Vec<PathBuf> = grants
        .write
        .iter()
        .map(|folder| folder.join(".git"))
        .collect();
    let enclosed = grants
        .write
        .iter()
        .filter(|folder| in_repository_or_workspace(folder));
    let within: Vec<PathBuf> = workspaces
        .map(Path::to_path_buf)
        .chain(git_folders)
        .filter(|path| grants.write.iter().any(|written| path.starts_with(written)))
        .filter(|path| path.symlink_metadata().is_ok())
        .chain(enclosed.cloned())
        .collect();
    outermost(within)
}

/// True when `folder` (a real path) lies in a git folder (a `.git` among its names, in any
/// case) or beneath a toolbench workspace (a folder above it holding `toolbench.toml` or
/// `.toolbench`).
fn in_repository_or_workspace(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let in_git = folder
        .components()
        .any(|name| name.as_os_str().as_bytes().eq_ignore_ascii_case(b".git"));
    in_git
        || folder.ancestors().skip(1).any(|above| {
            [crate::config::WORKSPACE_CONFIG, crate::workspace::STATE_DIR]
                .iter()
                .any(|marker| above.join(marker).symlink_metadata().is_ok())
        })
}

/// Folders every run gets its own of (`sandbox::mounts`): a fresh `/tmp` (where `/dev/shm`
/// points too), a minimal `/dev`, its own `/proc`. Nothing of the host's beneath them shows.
const PRIVATE_FOLDERS: [&str; 3] = ["/tmp", "/dev", "/proc"];

/// The sandbox settings of one workspace.
#[derive(Debug, Clone)]
pub struct Confinement {
    /// What its runs hide but the other workspaces' state, which each run reads anew (a
    /// long-lived front end outlives the list it started with).
    pub(crate) hide: Vec<PathBuf>,
    pub(crate) limits: RunLimits,
    /// The folder its tools are run for (the front end's current directory or `--project`):
    /// granted to a tool that declares `project`. `None`: no project.
    pub(crate) project: Option<PathBuf>,
    /// Its runs are work nobody waits for (background validation): they run at a lower CPU
    /// and I/O priority (`SandboxPolicy::background`).
    pub(crate) background: bool,
}

/// One sandboxed process: what differs between a tool run, a checker and
/// the evolver.
#[derive(Debug, Clone)]
pub(crate) struct Jail {
    pub(crate) scratch: PathBuf,
    pub(crate) report: PathBuf,
    pub(crate) memory_mb: u64,
    pub(crate) cpu_secs: u64,
    pub(crate) network: bool,
    /// The whole environment of the confined program.
    pub(crate) env: BTreeMap<String, String>,
    /// Paths it needs to read even when they sit under a covered folder.
    pub(crate) visible: Vec<PathBuf>,
    /// A tool's run: reads are an allow list, and these are its grants. `None` (checkers,
    /// the evolver, services): it reads everything but what is hidden.
    pub(crate) grants: Option<Grants>,
    /// The fixture a withheld run's stand-in project is copied from (`SandboxPolicy`).
    pub(crate) project_fixture: Option<PathBuf>,
}

impl Confinement {
    /// The confinement of the workspace at `root` with `config`, its tools run for `project`.
    pub(crate) fn new(root: &Path, config: &Config, project: Option<PathBuf>) -> Self {
        let mut hide = hidden_always();
        hide.push(real(crate::workspace::state_dir(root)));
        hide.extend(config.sandbox_hide.iter().cloned().map(real));
        // The review page's private key: a program that read it could pose as the page.
        hide.extend(config.web.tls.iter().map(|tls| real(tls.key.clone())));
        Confinement {
            hide: outermost(hide),
            limits: config.run,
            project,
            background: false,
        }
    }

    /// The same confinement for work nobody waits for: what a person runs meanwhile gets the
    /// CPU and the disk first.
    pub(crate) fn in_background(self) -> Self {
        Confinement {
            background: true,
            ..self
        }
    }

    /// Why a run would not see the host's `path` (its tool folder aside, which every run
    /// sees): it is beneath a folder each run gets its own of, or one the sandbox hides.
    /// `None` when a run sees it.
    pub(crate) fn unseen(&self, path: &Path) -> Option<String> {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut hide = self.hide.clone();
        hide.extend(registry::state_dirs());
        [path, real.as_path()].into_iter().find_map(|path| {
            if let Some(folder) = PRIVATE_FOLDERS.iter().find(|f| path.starts_with(f)) {
                return Some(format!("each run gets a private {folder} of its own"));
            }
            hide.iter()
                .find(|hidden| path.starts_with(hidden))
                .map(|hidden| format!("the sandbox hides {}", hidden.display()))
        })
    }

    /// The policy of one run; the list of workspaces is read here, once per run.
    pub(crate) fn policy(&self, mut jail: Jail) -> SandboxPolicy {
        let mut hide = self.hide.clone();
        let mut workspaces_state = Vec::new();
        if let Some(grants) = &mut jail.grants {
            // Looked at by the helper, as far as the run could reach them; here only those
            // a grant meets.
            workspaces_state = registry::listed_state_dirs();
            let met = workspaces_state
                .iter()
                .filter(|state| meets_a_grant(grants, state) && registry::is_state_dir(state));
            let every: Vec<PathBuf> = hide.iter().chain(met).cloned().collect();
            grants.hidden_within = hidden_within(grants, &every);
            grants.read_only_within = read_only_within(grants, &every);
            hide.extend(personal_folders());
        } else {
            // It reads everything but what is hidden: every workspace's state is hidden.
            hide.extend(registry::state_dirs());
        }
        SandboxPolicy {
            scratch_dir: jail.scratch,
            hide: outermost(hide),
            workspaces_state,
            visible: jail.visible,
            memory_mb: jail.memory_mb,
            cpu_secs: jail.cpu_secs,
            max_open_files: 256,
            max_file_size_mb: 64.min(self.limits.disk_mb),
            max_processes: self.limits.max_processes,
            disk_mb: self.limits.disk_mb,
            network: jail.network,
            allow_list: jail.grants.is_some(),
            grants: jail.grants.unwrap_or_default(),
            project_fixture: jail.project_fixture,
            env: jail.env,
            report_path: jail.report,
            starter_pid: Some(std::process::id()),
            service_port: None,
            service_logs: None,
            egress: None,
            progress_fd: None,
            background: self.background,
        }
    }
}

/// The helper process for `policy`, started as toolbench's own program:
/// a fixed environment (nothing of the tool's reaches it before its final
/// exec), its own process group, killed when dropped.
pub(crate) fn helper_command(
    exe: &Path,
    policy: &SandboxPolicy,
    argv: &[String],
    stdin: bool,
) -> tokio::process::Command {
    // The run's scratch is made by the sandbox, which enters it; the helper needs no folder.
    let mut cmd = tokio::process::Command::from(sandbox::helper_program(exe, policy, argv));
    cmd.stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd
}

/// Removes what a run leaves on the host: its cgroups (the helper removes
/// them itself unless it was killed) and, for a run without a mount
/// namespace of its own, its scratch folder.
pub(crate) fn clean_up(report: Option<&sandbox::SandboxReport>, scratch: &Path) {
    for dir in report.map(|r| r.cgroups.as_slice()).unwrap_or_default() {
        // Only our own folders: a report is written by code we started, but
        // it names paths we then remove.
        let ours = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("toolbench-run-"));
        if ours {
            for _ in 0..50 {
                match std::fs::remove_dir(dir) {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                        // The namespace is still being torn down.
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    _ => break,
                }
            }
        }
    }
    remove_scratch(scratch);
}

/// Removes the run's scratch folder, which is on the host only when the run had no mount
/// namespace of its own (the sandbox made it there).
pub(crate) fn remove_scratch(scratch: &Path) {
    match std::fs::symlink_metadata(scratch) {
        Ok(meta) if meta.is_dir() => {
            let _ = std::fs::remove_dir_all(scratch);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_private_or_hidden_folders_are_unseen() {
        let confinement = Confinement {
            hide: vec![PathBuf::from("/home/u/.ssh")],
            limits: Config::defaults().expect("defaults").run,
            project: None,
            background: false,
        };
        let unseen = |p: &str| confinement.unseen(Path::new(p));
        assert_eq!(
            unseen("/tmp/x/server.py").as_deref(),
            Some("each run gets a private /tmp of its own")
        );
        assert_eq!(
            unseen("/home/u/.ssh/run.sh").as_deref(),
            Some("the sandbox hides /home/u/.ssh")
        );
        assert_eq!(unseen("/usr/bin/python3"), None);
        assert_eq!(unseen("/tmpfiles/x"), None, "a sibling, not beneath");
    }

    #[test]
    fn a_written_folder_in_a_workspace_or_a_git_folder_is_kept_read_only_whole() {
        let base = tempfile::tempdir().expect("tempdir");
        let ws = base.path().join("ws");
        let inside = ws.join("approved/t");
        let plain = base.path().join("project/build");
        let in_git = base.path().join("repo/.Git/hooks");
        for folder in [&inside, &plain, &in_git] {
            std::fs::create_dir_all(folder).expect("folder");
        }
        std::fs::write(ws.join("toolbench.toml"), "").expect("settings");
        let grants = Grants {
            write: vec![inside.clone(), plain.clone(), in_git.clone()],
            ..Grants::default()
        };
        let kept = read_only_within(&grants, &[]);
        assert!(kept.contains(&inside), "{kept:?}");
        assert!(kept.contains(&in_git), "{kept:?}");
        assert!(!kept.contains(&plain), "{kept:?}");
        // A workspace known only by its state folder counts too.
        std::fs::remove_file(ws.join("toolbench.toml")).expect("rm");
        std::fs::create_dir(ws.join(".toolbench")).expect("state");
        assert!(read_only_within(&grants, &[]).contains(&inside));
    }

    #[test]
    fn paths_beneath_a_hidden_folder_are_not_hidden_again() {
        let paths = [
            "/home/u/.local/share/toolbench/workspace/.toolbench",
            "/etc/shadow-",
            "/home/u/.local/share/toolbench",
            "/etc/shadow",
            "/home/u/ws/.toolbench",
            "/etc/shadow",
        ];
        let kept = outermost(paths.iter().map(PathBuf::from).collect());
        let expected = [
            "/etc/shadow",
            "/etc/shadow-",
            "/home/u/.local/share/toolbench",
            "/home/u/ws/.toolbench",
        ];
        assert_eq!(kept, expected.map(PathBuf::from));
    }
}
