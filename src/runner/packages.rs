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

use crate::model::HostPort;
use crate::model::deps::{DEFAULT_INDEX, Environment, LOCK_FILE, ManifestDependencies, url_host};
use crate::model::settings::DependencySettings;

/// How long a resolution or an install may take.
pub(super) const UV_TIMEOUT: Duration = Duration::from_secs(600);
/// The folder of environments in the workspace's state.
pub(crate) const ENVS_DIR: &str = "envs";
/// What an environment says of itself, written last: an environment without it is not one.
pub(super) const ENV_INFO: &str = "env.json";
/// The installed packages of an environment, the folder a run gets on its `PYTHONPATH`.
pub(crate) const SITE: &str = "site";
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
    /// The config's `[dependencies] uv` names no program to run: it is not looked for elsewhere.
    #[error("field `dependencies.uv` of your config: {uv} {why}")]
    ConfiguredUv { uv: String, why: String },
    #[error("python3 not found on /usr/local/bin, /usr/bin, /bin or PATH")]
    NoPython,
    /// The tool's `requires-python` and the interpreter environments are built for.
    #[error("{file} asks for requires-python {spec:?}, and {python} here is {version}")]
    WrongPython {
        file: String,
        spec: String,
        python: String,
        version: String,
    },
    /// uv ran and failed; its reason, on one line.
    #[error("{0}")]
    Uv(String),
    #[error("the environment takes more than [dependencies] max_env_mb = {max_mb} MiB")]
    TooLarge { max_mb: u64 },
    /// uv ran out of room where it downloads and unpacks: the sandbox's scratch.
    #[error("{reason} (uv downloads into the sandbox's scratch: [run] disk_mb = {disk_mb} MiB)")]
    ScratchFull { reason: String, disk_mb: u64 },
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

    pub(super) fn args(&self) -> Vec<String> {
        let mut args = if self.index == crate::model::deps::NO_INDEX {
            vec!["--no-index".to_string()]
        } else {
            vec!["--index-url".to_string(), self.index.clone()]
        };
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
        return configured_uv(uv);
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

/// The `uv` the config names, or why it names none: the person set it, so "not found" would
/// not tell them what is wrong with what they wrote.
fn configured_uv(uv: &Path) -> Result<PathBuf, PackagesError> {
    use std::os::unix::fs::PermissionsExt;
    let refused = |why: &str| PackagesError::ConfiguredUv {
        uv: uv.display().to_string(),
        why: why.to_string(),
    };
    let meta = std::fs::metadata(uv).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => refused("does not exist"),
        _ => refused(&format!(
            "cannot be read: {}",
            crate::io_text::io_reason(&e)
        )),
    })?;
    if !meta.is_file() {
        return Err(refused("is not a file"));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(refused("is not executable"));
    }
    if !is_binary(uv) {
        return Err(refused(
            "is not the uv program but a script (a shim needs what is around it)",
        ));
    }
    Ok(uv.to_path_buf())
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
/// The version of the interpreter at `python` (`3.11.2`), as it prints it: no code of anyone's
/// runs, only `--version`.
pub(super) fn python_version(python: &Path) -> Result<String, PackagesError> {
    let out = std::process::Command::new(python)
        .arg("--version")
        .env_clear()
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| PackagesError::Io(format!("{}: {e}", python.display())))?;
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    said.split_whitespace()
        .nth(1)
        .filter(|_| out.status.success() && said.starts_with("Python "))
        .map(str::to_string)
        .ok_or_else(|| PackagesError::Io(format!("{}: no version in {said:?}", python.display())))
}

pub(super) fn find_python() -> Result<PathBuf, PackagesError> {
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
    /// Written by this user's toolbench (`workspace::own_writes`): an environment a commit
    /// carried into `.toolbench/envs/` is not one, and is built again before anything uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tag: Option<String>,
}

/// The kind of file an environment's tag is for.
const TAG_KIND: &str = "environment";

impl EnvInfo {
    fn encode(&self) -> Vec<u8> {
        // Strings and integers: serialising cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// `env.json` as written: tagged as this user's toolbench's own.
    pub(crate) fn encode_tagged(&self) -> Vec<u8> {
        let untagged = EnvInfo {
            tag: None,
            ..self.clone()
        };
        let tag = crate::workspace::own_writes::tag(TAG_KIND, &untagged.encode());
        EnvInfo { tag, ..untagged }.encode()
    }

    /// `bytes` read as `env.json`, when this user's toolbench wrote them.
    fn parse_own(bytes: &[u8]) -> Option<EnvInfo> {
        let mut info: EnvInfo = serde_json::from_slice(bytes).ok()?;
        let tag = info.tag.take();
        crate::workspace::own_writes::believed(TAG_KIND, &info.encode(), tag.as_deref())
            .then_some(info)
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

/// The folder of the environment of the lock `digest`.
pub(crate) fn env_dir(root: &Path, digest: &str) -> PathBuf {
    crate::workspace::state_dir(root)
        .join(ENVS_DIR)
        .join(digest)
}

/// The environment of the lock `digest`, when it was built whole.
pub(crate) fn built(root: &Path, digest: &str) -> Option<EnvInfo> {
    let bytes = std::fs::read(env_dir(root, digest).join(ENV_INFO)).ok()?;
    EnvInfo::parse_own(&bytes).filter(|info| info.digest == digest)
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
pub(super) fn remove_tree(path: &Path) -> std::io::Result<()> {
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
pub(super) fn walk(root: &Path) -> Vec<(PathBuf, std::fs::FileType)> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_configured_uv_that_cannot_run_is_named_with_its_field_and_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let said = |uv: PathBuf| {
            let settings = DependencySettings {
                uv: Some(uv),
                ..DependencySettings::default()
            };
            find_uv(&settings).map_err(|e| e.to_string())
        };
        let missing = dir.path().join("nonexistent/uv");
        assert_eq!(
            said(missing.clone()),
            Err(format!(
                "field `dependencies.uv` of your config: {} does not exist",
                missing.display()
            ))
        );
        let plain = dir.path().join("uv");
        std::fs::write(&plain, b"\x7fELF").expect("write");
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert_eq!(
            said(plain.clone()),
            Err(format!(
                "field `dependencies.uv` of your config: {} is not executable",
                plain.display()
            ))
        );
        assert_eq!(
            said(dir.path().to_path_buf()),
            Err(format!(
                "field `dependencies.uv` of your config: {} is not a file",
                dir.path().display()
            ))
        );
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_eq!(said(plain.clone()), Ok(plain));
    }

    #[test]
    fn no_index_resolves_from_the_links_alone_and_reaches_no_host() {
        let offline = DependencySettings {
            index: Some(crate::model::deps::NO_INDEX.into()),
            find_links: vec!["/srv/wheels".into()],
            ..DependencySettings::default()
        };
        let sources = Sources::of(&offline, &ManifestDependencies::default());
        assert!(sources.hosts.is_empty(), "{:?}", sources.hosts);
        assert_eq!(
            sources.args(),
            ["--no-index", "--find-links", "/srv/wheels"]
        );
    }
}
