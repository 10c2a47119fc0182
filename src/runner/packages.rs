//! Tools' packages: `uv` resolving a tool's declarations into a lock and installing a lock into
//! an environment, always inside the sandbox (package build code is tool code), with no
//! project, no home, one writable folder and network only to the index hosts through the
//! egress proxy; and the environments themselves, content-addressed by their lock's sha256
//! under `.toolbench/envs/`, read-only once built and shared by every tool with that lock.
//!
//! Nothing here runs a package's code outside the sandbox, and nothing follows a link the
//! sandboxed install left: environments are copied out of the build folder as they are.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::confined_program::{self, Program};
use super::confinement::Confinement;
use crate::config::DependencySettings;
use crate::model::HostPort;
use crate::model::deps::{
    DECLARED_PREFIX, DEFAULT_INDEX, Declared, LOCK_FILE, Lock, ManifestDependencies, url_host,
};

/// The folder of environments in the workspace's state.
pub(crate) const ENVS_DIR: &str = "envs";
/// What an environment says of itself, written last: an environment without it is not one.
const ENV_INFO: &str = "env.json";
/// The installed packages of an environment, the folder a run gets on its `PYTHONPATH`.
pub(crate) const SITE: &str = "site";
/// How long a resolution or an install may take.
const UV_TIMEOUT: Duration = Duration::from_secs(600);
/// Memory for uv and the builds it runs.
const UV_MEMORY_MB: u64 = 2048;
/// Where PyPI's index serves its files from.
const PYPI_FILES: &str = "files.pythonhosted.org:443";

/// Why packages could not be resolved or installed: one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PackagesError {
    #[error(
        "uv not found: install it with `pip install uv`, or set [dependencies] uv = \"/path/to/uv\" \
         in your config"
    )]
    NoUv,
    #[error("python3 not found on /usr/local/bin, /usr/bin, /bin or PATH")]
    NoPython,
    /// uv ran and failed; its reason, on one line.
    #[error("{0}")]
    Uv(String),
    #[error("the environment takes more than [dependencies] max_env_mb = {max_mb} MiB")]
    TooLarge { max_mb: u64 },
    #[error("cannot build the environment: {0}")]
    Io(String),
}

/// Where one tool's packages may come from, and so what its resolution may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sources {
    pub(crate) index: String,
    pub(crate) find_links: Vec<String>,
    /// Every host named (the index's, the links'), with PyPI's file host for PyPI.
    pub(crate) hosts: Vec<HostPort>,
    /// Link folders on this machine, read by the resolution.
    pub(crate) local: Vec<PathBuf>,
}

impl Sources {
    /// The manifest's index before the config's, PyPI's when neither names one; the links of
    /// both.
    pub(crate) fn of(settings: &DependencySettings, manifest: &ManifestDependencies) -> Self {
        let index = manifest
            .index
            .clone()
            .or_else(|| settings.index.clone())
            .unwrap_or_else(|| DEFAULT_INDEX.to_string());
        let mut find_links: Vec<String> = settings.find_links.clone();
        for link in &manifest.find_links {
            if !find_links.contains(link) {
                find_links.push(link.clone());
            }
        }
        let mut hosts: Vec<HostPort> = Vec::new();
        let mut add = |host: HostPort| {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        };
        if let Some(host) = url_host(&index) {
            if host.host == "pypi.org"
                && let Ok(files) = PYPI_FILES.parse()
            {
                add(files);
            }
            add(host);
        }
        for link in &find_links {
            if let Some(host) = url_host(link) {
                add(host);
            }
        }
        let local = find_links
            .iter()
            .filter(|l| !l.contains("://"))
            .map(PathBuf::from)
            .collect();
        Sources {
            index,
            find_links,
            hosts,
            local,
        }
    }

    /// The hosts the user's config names (its index, or PyPI's; its links).
    pub(crate) fn configured_hosts(settings: &DependencySettings) -> Vec<HostPort> {
        Sources::of(settings, &ManifestDependencies::default()).hosts
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec!["--index-url".to_string(), self.index.clone()];
        for link in &self.find_links {
            args.push("--find-links".into());
            args.push(link.clone());
        }
        args
    }
}

/// The `uv` to run: the config's, else the first real program named `uv` on the standard
/// paths and `PATH`, else the one the `uv` Python package installed (`pip install uv` under
/// pyenv leaves only a shim on `PATH`).
pub(crate) fn find_uv(settings: &DependencySettings) -> Result<PathBuf, PackagesError> {
    if let Some(uv) = &settings.uv {
        return is_binary(uv).then(|| uv.clone()).ok_or(PackagesError::NoUv);
    }
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let found = ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&inherited))
        .map(|dir| dir.join("uv"))
        .find(|candidate| is_binary(candidate));
    if let Some(uv) = found {
        return Ok(uv);
    }
    // The package knows where its program is; python3 is the user's own, run as they would,
    // but from `/` and without PYTHON* variables: a `uv.py` in the folder toolbench was
    // started from (a project, a tool) must never be what is imported here, outside any
    // sandbox.
    let asked = std::process::Command::new("python3")
        .args(["-E", "-c", "import uv; print(uv.find_uv_bin())"])
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    asked.filter(|uv| is_binary(uv)).ok_or(PackagesError::NoUv)
}

/// An executable file that is a program, not a script (a shim needs what is around it).
fn is_binary(path: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let executable =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    let mut head = [0u8; 4];
    executable
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && &head == b"\x7fELF"
}

/// The python3 a tool's `python3` is: the first on the standard paths.
fn find_python() -> Result<PathBuf, PackagesError> {
    ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join("python3"))
        .find(|p| p.exists())
        .ok_or(PackagesError::NoPython)
}

/// What an environment says of itself (`env.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EnvInfo {
    /// Its lock's sha256: its name.
    pub(crate) digest: String,
    /// `name==version` of each package.
    pub(crate) packages: Vec<String>,
    /// The interpreter it was installed for.
    pub(crate) python: String,
    /// Its size on disk.
    pub(crate) bytes: u64,
    /// RFC 3339 UTC.
    pub(crate) built_at: String,
}

/// The environment a tool runs in, as `show`, `list --json` and `env` name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Environment {
    /// Its lock's sha256.
    pub(crate) digest: String,
    /// Built and whole here; else the tool does not run until validation builds it.
    pub(crate) built: bool,
    /// Its size on disk, when built.
    pub(crate) bytes: Option<u64>,
    /// `name==version` of each locked package.
    pub(crate) packages: Vec<String>,
}

impl Environment {
    /// `c729fc514bb9 (tinydep==1.0.0), 603 B`, or that it is not built.
    pub(crate) fn line(&self) -> String {
        let short = &self.digest[..12.min(self.digest.len())];
        match self.bytes {
            Some(bytes) if self.built => format!(
                "{short} ({}), {}",
                self.packages.join(" "),
                human_size(bytes)
            ),
            _ => format!(
                "{short} ({}), not built here: validate the tool to build it",
                self.packages.join(" ")
            ),
        }
    }
}

/// The environment of the tool in `tool_dir`: `None` when it has no lock with packages.
pub(crate) fn environment_of(root: &Path, tool_dir: &Path) -> Option<Environment> {
    let lock = crate::catalog::deps::read_lock(tool_dir).ok().flatten()?;
    if lock.packages.is_empty() {
        return None;
    }
    let info = built(root, &lock.digest);
    Some(Environment {
        built: info.is_some(),
        bytes: info.map(|i| i.bytes),
        packages: lock
            .packages
            .iter()
            .map(|p| format!("{}=={}", p.name, p.version))
            .collect(),
        digest: lock.digest,
    })
}

/// `1.2 MB`, `340 kB`, `12 B`.
pub(crate) fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1_000_000.0),
        b if b >= 1_000 => format!("{} kB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// The folder of the environment of the lock `digest`.
pub(crate) fn env_dir(root: &Path, digest: &str) -> PathBuf {
    crate::workspace::state_dir(root)
        .join(ENVS_DIR)
        .join(digest)
}

/// The environment of the lock `digest`, when it was built whole.
pub(crate) fn built(root: &Path, digest: &str) -> Option<EnvInfo> {
    let text = std::fs::read_to_string(env_dir(root, digest).join(ENV_INFO)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The site folder a run of the tool in `tool_dir` gets, `None` when it declares no packages;
/// `Err` says in words why it cannot run (nothing locked, its environment not built).
pub(crate) fn for_run(
    root: &Path,
    tool_dir: &Path,
    manifest: &crate::model::Manifest,
) -> Result<Option<PathBuf>, String> {
    let lock = crate::catalog::deps::read_lock(tool_dir).map_err(|e| e.to_string())?;
    let Some(lock) = lock else {
        // A lock is what runs; declarations with none never ran through validation.
        return match crate::catalog::deps::read_declared(tool_dir, manifest) {
            Ok(Some(declared)) => Err(format!(
                "{} declares packages but the tool has no {LOCK_FILE}; validate it to resolve \
                 them",
                declared.file
            )),
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        };
    };
    if lock.packages.is_empty() {
        return Ok(None);
    }
    match built(root, &lock.digest) {
        Some(_) => Ok(Some(env_dir(root, &lock.digest).join(SITE))),
        None => Err(format!(
            "its environment (lock {}) is not built here; validate it to build it",
            lock.short()
        )),
    }
}

/// A run's variables for the site folder `site`: Python imports from it, its scripts on
/// `PATH`.
pub(crate) fn add_site_env(env: &mut std::collections::BTreeMap<String, String>, site: &Path) {
    env.insert("PYTHONPATH".into(), site.display().to_string());
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert(
        "PATH".into(),
        format!("{}:{path}", site.join("bin").display()),
    );
    env.insert("PYTHONNOUSERSITE".into(), "1".into());
}

/// Every environment built in the workspace, by digest.
pub(crate) fn list(root: &Path) -> Vec<EnvInfo> {
    let dir = crate::workspace::state_dir(root).join(ENVS_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut envs: Vec<EnvInfo> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter_map(|digest| built(root, &digest))
        .collect();
    envs.sort_by(|a, b| a.digest.cmp(&b.digest));
    envs
}

/// The environments whose digest is not in `used`.
pub(crate) fn unused(root: &Path, used: &BTreeSet<String>) -> Vec<EnvInfo> {
    list(root)
        .into_iter()
        .filter(|env| !used.contains(&env.digest))
        .collect()
}

/// Removes every environment whose digest is not in `used`, and what half-built ones left;
/// returns those removed.
pub(crate) fn remove_unused(root: &Path, used: &BTreeSet<String>) -> Vec<EnvInfo> {
    let dir = crate::workspace::state_dir(root).join(ENVS_DIR);
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if used.contains(&name) {
            continue;
        }
        let info = built(root, &name);
        // A folder being built is named `<digest>.building-…`: left alone unless stale.
        let stale_build = name.contains(".building-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > UV_TIMEOUT * 2));
        if (info.is_some() || stale_build) && remove_tree(&entry.path()).is_ok() {
            removed.extend(info);
        }
    }
    removed
}

/// Removes a read-only tree: its folders are made writable first (never following links).
fn remove_tree(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for (folder, kind) in walk(path) {
        if kind.is_dir() {
            let _ = std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700));
        }
    }
    std::fs::remove_dir_all(path)
}

/// Every path beneath `root` (itself first) with its type, links never followed; parents
/// before their children.
fn walk(root: &Path) -> Vec<(PathBuf, std::fs::FileType)> {
    let mut found = Vec::new();
    let Ok(meta) = root.symlink_metadata() else {
        return found;
    };
    found.push((root.to_path_buf(), meta.file_type()));
    let mut index = 0;
    while index < found.len() {
        let (path, kind) = (found[index].0.clone(), found[index].1);
        index += 1;
        if !kind.is_dir() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(kind) = entry.file_type() {
                found.push((entry.path(), kind));
            }
        }
    }
    found
}

/// Resolves and installs packages in the workspace at `root`, in its confinement.
pub(crate) struct Packager<'a> {
    root: &'a Path,
    exe: &'a Path,
    confinement: &'a Confinement,
    uv: PathBuf,
    python: PathBuf,
}

impl<'a> Packager<'a> {
    pub(crate) fn new(
        root: &'a Path,
        exe: &'a Path,
        confinement: &'a Confinement,
        settings: &DependencySettings,
    ) -> Result<Self, PackagesError> {
        Ok(Packager {
            root,
            exe,
            confinement,
            uv: find_uv(settings)?,
            python: find_python()?,
        })
    }

    /// Runs uv confined: it reads the system, itself, the link folders and `readable`; writes
    /// its scratch and `writable`; reaches `sources`' hosts only.
    async fn uv(
        &self,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
        sources: &Sources,
        writable: Option<&Path>,
    ) -> Result<confined_program::Finished, PackagesError> {
        let mut argv = vec![self.uv.display().to_string()];
        argv.extend(args);
        let mut env = std::collections::BTreeMap::new();
        // Nothing of the user's uv settings, caches or interpreters: the same resolution on
        // every machine, from the named sources only.
        for (name, value) in [
            ("UV_NO_CONFIG", "1"),
            ("UV_NO_CACHE", "1"),
            ("UV_PYTHON_DOWNLOADS", "never"),
            ("UV_NO_PROGRESS", "1"),
            ("NO_COLOR", "1"),
            ("PIP_NO_INPUT", "1"),
        ] {
            env.insert(name.to_string(), value.to_string());
        }
        let mut visible = vec![self.uv.clone(), self.python.clone()];
        visible.extend(sources.local.iter().cloned());
        let program = Program {
            argv,
            stdin,
            env,
            network: !sources.hosts.is_empty(),
            visible,
            only_visible: true,
            timeout: UV_TIMEOUT,
            writable: writable.map(Path::to_path_buf),
            hosts: sources.hosts.clone(),
            memory_mb: Some(UV_MEMORY_MB),
        };
        let finished = confined_program::run(self.root, self.exe, self.confinement, program)
            .await
            .map_err(|e| PackagesError::Uv(format!("uv {e}")))?;
        if finished.success() {
            Ok(finished)
        } else {
            Err(PackagesError::Uv(uv_reason(&finished.stderr)))
        }
    }

    /// Resolves `declared` into a lock with every distribution's sha256 (PEP 751 text), whose
    /// first line names the declarations it resolves.
    pub(crate) async fn resolve(
        &self,
        declared: &Declared,
        sources: &Sources,
    ) -> Result<String, PackagesError> {
        let mut args: Vec<String> = [
            "pip",
            "compile",
            "-",
            "--format",
            "pylock.toml",
            "--no-header",
            "--quiet",
        ]
        .map(String::from)
        .to_vec();
        args.push("--python".into());
        args.push(self.python.display().to_string());
        args.extend(sources.args());
        let input = declared.requirements.join("\n") + "\n";
        let finished = self
            .uv(args, Some(input.into_bytes()), sources, None)
            .await?;
        let text = String::from_utf8_lossy(&finished.stdout);
        let body: String = text
            .lines()
            .filter(|line| !line.starts_with("#    uv pip compile"))
            .map(|line| format!("{line}\n"))
            .collect();
        Ok(format!("{DECLARED_PREFIX}{}\n{body}", declared.digest()))
    }

    /// The environment of `lock` (whose text is `text`), installed now unless it was built
    /// already; `max_mb` bounds its size.
    pub(crate) async fn install(
        &self,
        lock: &Lock,
        text: &str,
        sources: &Sources,
        max_mb: u64,
    ) -> Result<EnvInfo, PackagesError> {
        if let Some(info) = built(self.root, &lock.digest) {
            return Ok(info);
        }
        let io = |e: std::io::Error| PackagesError::Io(e.to_string());
        // Outside the workspace's state, which the sandbox never shows: the one folder the
        // install may write. Copied in from here, links as links.
        let build = tempfile::Builder::new()
            .prefix("toolbench-env-")
            .tempdir()
            .map_err(io)?;
        let lock_path = build.path().join(LOCK_FILE);
        std::fs::write(&lock_path, text).map_err(io)?;
        let site = build.path().join(SITE);
        let mut args: Vec<String> = vec![
            "pip".into(),
            "install".into(),
            "-r".into(),
            lock_path.display().to_string(),
            "--target".into(),
            site.display().to_string(),
            "--python".into(),
            self.python.display().to_string(),
            "--preview-features".into(),
            "pylock".into(),
            "--link-mode".into(),
            "copy".into(),
            "--quiet".into(),
        ];
        args.extend(sources.args());
        let installed = self.uv(args, None, sources, Some(build.path())).await;
        let result = match installed {
            Ok(_) => self.keep(lock, &site, max_mb),
            Err(e) => Err(e),
        };
        // What the install left may be read-only: opened up before the folder goes.
        let _ = remove_tree(build.path());
        result
    }

    /// Copies the installed `site` into the workspace's environments as `lock`'s.
    fn keep(&self, lock: &Lock, site: &Path, max_mb: u64) -> Result<EnvInfo, PackagesError> {
        let io = |e: std::io::Error| PackagesError::Io(e.to_string());
        let envs = crate::workspace::state_dir(self.root).join(ENVS_DIR);
        crate::workspace::private::create_dirs(&envs).map_err(io)?;
        let staging = envs.join(format!(
            "{}.building-{}-{}",
            lock.digest,
            std::process::id(),
            crate::clock::now_rfc3339().replace([':', '.'], "")
        ));
        let limit = max_mb.saturating_mul(1024 * 1024);
        let bytes = match copy_tree(site, &staging.join(SITE), limit) {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = remove_tree(&staging);
                return Err(e);
            }
        };
        let info = EnvInfo {
            digest: lock.digest.clone(),
            packages: lock
                .packages
                .iter()
                .map(|p| format!("{}=={}", p.name, p.version))
                .collect(),
            python: self.python.display().to_string(),
            bytes,
            built_at: crate::clock::now_rfc3339(),
        };
        let json =
            serde_json::to_string_pretty(&info).map_err(|e| PackagesError::Io(e.to_string()))?;
        std::fs::write(staging.join(ENV_INFO), json).map_err(io)?;
        make_read_only(&staging);
        // Equal locks share one environment: whoever renames first built it, the other's
        // copy goes.
        let target = env_dir(self.root, &lock.digest);
        if std::fs::rename(&staging, &target).is_err() {
            let _ = remove_tree(&staging);
            return built(self.root, &lock.digest).ok_or_else(|| {
                PackagesError::Io(format!("cannot move it to {}", target.display()))
            });
        }
        Ok(info)
    }
}

/// uv's failure as one line: its error and the deepest cause.
fn uv_reason(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("warning:"))
        .collect();
    let error = lines
        .iter()
        .find(|l| l.starts_with("error:"))
        .or(lines.first())
        .map(|l| l.trim_start_matches("error:").trim())
        .unwrap_or("uv failed without saying why");
    let cause = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("cause:") || l.starts_with("╰─▶"))
        .map(|l| {
            l.trim_start_matches("cause:")
                .trim_start_matches("╰─▶")
                .trim()
        });
    let reason = match cause {
        Some(cause) if cause != error => format!("{error}: {cause}"),
        _ => error.to_string(),
    };
    let mut one: String = reason.chars().take(400).collect();
    one = one.replace(['\n', '\r'], " ");
    format!("uv: {one}")
}

/// Copies `from` to `to` as it is: folders, regular files and symlinks (as links, never
/// followed); anything else is left out. Fails past `limit` bytes.
fn copy_tree(from: &Path, to: &Path, limit: u64) -> Result<u64, PackagesError> {
    let io = |e: std::io::Error| PackagesError::Io(e.to_string());
    let mut total = 0u64;
    std::fs::create_dir_all(to).map_err(io)?;
    for (path, kind) in walk(from).into_iter().skip(1) {
        let relative = path
            .strip_prefix(from)
            .map_err(|e| PackagesError::Io(e.to_string()))?;
        let target = to.join(relative);
        if kind.is_dir() {
            std::fs::create_dir(&target).map_err(io)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(&path).map_err(io)?;
            std::os::unix::fs::symlink(link, &target).map_err(io)?;
        } else if kind.is_file() {
            // Opened without following a link swapped in meanwhile.
            let (mut source, meta) =
                crate::catalog::manifest::open_regular(&path, crate::catalog::manifest::Follow::No)
                    .map_err(|e| PackagesError::Io(format!("{}: {e}", path.display())))?;
            total = total.saturating_add(meta.len());
            if total > limit {
                return Err(PackagesError::TooLarge {
                    max_mb: limit / (1024 * 1024),
                });
            }
            let mut sink = std::fs::File::create(&target).map_err(io)?;
            std::io::copy(&mut source, &mut sink).map_err(io)?;
            use std::os::unix::fs::PermissionsExt;
            let mode = if meta.permissions().mode() & 0o111 != 0 {
                0o555
            } else {
                0o444
            };
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).map_err(io)?;
        }
    }
    Ok(total)
}

/// Every folder of the tree read-only (its files were made so as they were copied).
fn make_read_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let folders: Vec<PathBuf> = walk(path)
        .into_iter()
        .filter(|(_, kind)| kind.is_dir())
        .map(|(folder, _)| folder)
        .collect();
    // The deepest first: a folder made read-only first would refuse its children's change.
    for folder in folders.iter().rev() {
        let _ = std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555));
    }
    let _ = std::fs::set_permissions(path.join(ENV_INFO), std::fs::Permissions::from_mode(0o444));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_failures_are_one_line_with_their_cause() {
        let stderr = b"warning: The `--pylock` option is experimental\nerror: No solution found when resolving dependencies:\n  \xe2\x95\xb0\xe2\x94\x80\xe2\x96\xb6 Because nothere was not found in the package registry and you require nothere, we can conclude that your requirements are unsatisfiable.\n";
        let reason = uv_reason(stderr);
        assert!(reason.starts_with("uv: No solution found"), "{reason}");
        assert!(reason.contains("nothere was not found"), "{reason}");
        assert!(!reason.contains('\n'));
    }

    #[test]
    fn sources_reach_the_index_host_and_pypi_files_only_for_pypi() {
        let settings = DependencySettings::default();
        let pypi = Sources::of(&settings, &ManifestDependencies::default());
        let hosts: Vec<String> = pypi.hosts.iter().map(ToString::to_string).collect();
        assert_eq!(hosts, vec!["files.pythonhosted.org:443", "pypi.org:443"]);
        let mirror = DependencySettings {
            index: Some("http://127.0.0.1:8123/simple".into()),
            find_links: vec!["/srv/wheels".into()],
            ..DependencySettings::default()
        };
        let sources = Sources::of(&mirror, &ManifestDependencies::default());
        let hosts: Vec<String> = sources.hosts.iter().map(ToString::to_string).collect();
        assert_eq!(hosts, vec!["127.0.0.1:8123"]);
        assert_eq!(sources.local, vec![PathBuf::from("/srv/wheels")]);
    }
}
