//! Building what `packages` keeps: `uv` resolving a tool's declarations into a lock and
//! installing a lock into an environment, each a confined run (package build code is tool
//! code) with no project, no home, one writable folder and network only to the index hosts
//! through the egress proxy; the result copied out as it is, links never followed, and made
//! read-only.

use std::path::{Path, PathBuf};

use super::confined_program::{self, Program};
use super::confinement::Confinement;
use super::packages::{
    ENV_INFO, ENVS_DIR, EnvInfo, PackagesError, SITE, Sources, UV_TIMEOUT, built, env_dir,
    find_python, find_uv, python_version, remove_tree, walk,
};
use crate::model::deps::{DECLARED_PREFIX, Declared, LOCK_FILE, Lock};
use crate::model::settings::DependencySettings;

/// Memory for uv and the builds it runs.
const UV_MEMORY_MB: u64 = 2048;
/// How the C library (and so Rust and Python) words EFBIG and ENOSPC.
const EFBIG_TEXT: &str = "File too large";
const ENOSPC_TEXT: &str = "No space left on device";

/// The certificate authorities the user's environment names for TLS (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`: a company's own, which `uv` on the host trusts through them), for the
/// confined `uv`; only those in the system folders every confined program reads, so nothing
/// else of the host is named to it.
fn trusted_authorities(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Vec<(String, String)> {
    ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .filter_map(|name| {
            let value = var(name)?.into_string().ok()?;
            let path = Path::new(&value);
            let in_system = path.is_absolute()
                && !path
                    .components()
                    .any(|c| c == std::path::Component::ParentDir)
                && super::grants::SYSTEM_READ
                    .iter()
                    .any(|folder| path.starts_with(folder));
            in_system.then(|| (name.to_string(), value))
        })
        .collect()
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

    /// Runs uv confined: it reads the system, itself and the link folders; writes its scratch
    /// and the `build` folder of an install; reaches `sources`' hosts only.
    async fn uv(
        &self,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
        sources: &Sources,
        build: Option<&BuildFolder>,
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
        env.extend(trusted_authorities(|name| std::env::var_os(name)));
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
            writable: build.map(|b| b.dir.path().to_path_buf()),
            hosts: sources.hosts.clone(),
            memory_mb: Some(UV_MEMORY_MB),
            max_file_size_mb: build.map(|b| b.max_mb),
        };
        let finished = confined_program::run(self.root, self.exe, self.confinement, program)
            .await
            .map_err(|e| PackagesError::Uv(format!("uv {e}")))?;
        match build {
            _ if finished.success() => Ok(finished),
            Some(build) if past_file_size_limit(&finished) => Err(PackagesError::TooLarge {
                max_mb: build.max_mb,
            }),
            _ if said(&finished, ENOSPC_TEXT) => Err(PackagesError::ScratchFull {
                reason: uv_reason(&finished.stderr),
                disk_mb: self.confinement.limits.disk_mb,
            }),
            _ => Err(PackagesError::Uv(uv_reason(&finished.stderr))),
        }
    }

    /// Resolves `declared` into a lock with every distribution's sha256 (PEP 751 text), whose
    /// first line names the declarations it resolves.
    pub(crate) async fn resolve(
        &self,
        declared: &Declared,
        sources: &Sources,
    ) -> Result<String, PackagesError> {
        if let Some(spec) = &declared.requires_python {
            let version = python_version(&self.python)?;
            let met = crate::model::python_version::satisfies(spec, &version).map_err(|why| {
                PackagesError::Uv(format!("{}: requires-python: {why}", declared.file))
            })?;
            if !met {
                return Err(PackagesError::WrongPython {
                    file: declared.file.clone(),
                    spec: spec.clone(),
                    python: self.python.display().to_string(),
                    version,
                });
            }
        }
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
        // uv reads the requirements from its stdin, and names it `-`: the file is the tool's.
        let finished = self
            .uv(args, Some(input.into_bytes()), sources, None)
            .await
            .map_err(|e| match e {
                PackagesError::Uv(reason) => {
                    PackagesError::Uv(reason.replace("in `-`", &format!("in {}", declared.file)))
                }
                other => other,
            })?;
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
        let build = BuildFolder::new(max_mb).map_err(io)?;
        let lock_path = build.dir.path().join(LOCK_FILE);
        std::fs::write(&lock_path, text).map_err(io)?;
        let site = build.dir.path().join(SITE);
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
        let installed = self.uv(args, None, sources, Some(&build)).await;
        let result = match installed {
            Ok(_) => self.keep(lock, &site, max_mb),
            Err(e) => Err(e),
        };
        // What the install left may be read-only: opened up before the folder goes.
        let _ = remove_tree(build.dir.path());
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
            tag: None,
        };
        std::fs::write(staging.join(ENV_INFO), info.encode_tagged()).map_err(io)?;
        make_read_only(&staging);
        // Equal locks share one environment: whoever renames first built it, the other's
        // copy goes.
        let target = env_dir(self.root, &lock.digest);
        if target.symlink_metadata().is_ok() && built(self.root, &lock.digest).is_none() {
            // There, but not built by this user's toolbench (carried in by a commit, or cut
            // short): never used, and out of the way of the one just built.
            let _ = remove_tree(&target);
        }
        if std::fs::rename(&staging, &target).is_err() {
            let _ = remove_tree(&staging);
            return built(self.root, &lock.digest).ok_or_else(|| {
                PackagesError::Io(format!("cannot move it to {}", target.display()))
            });
        }
        Ok(info)
    }
}

/// The one folder an install writes, outside the workspace's state (which the sandbox never
/// shows): the environment being built, copied in from here, links as links. uv's cache stays
/// in the run's scratch: at its start uv writes a `.git` into it, which the sandbox refuses in
/// any folder it lets a program write.
struct BuildFolder {
    dir: tempfile::TempDir,
    /// `max_env_mb`: no file the install writes may be larger than the environment may be
    /// (a single file of a package may pass the 64 MiB every other sandboxed program gets).
    max_mb: u64,
}

impl BuildFolder {
    fn new(max_mb: u64) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("toolbench-env-")
            .tempdir()?;
        Ok(BuildFolder { dir, max_mb })
    }
}

/// A write went past the file size limit: uv was killed by SIGXFSZ, or a program that ignores
/// the signal (Python does, so an sdist's build) failed with EFBIG, which uv passes on.
fn past_file_size_limit(finished: &confined_program::Finished) -> bool {
    finished.signal == Some(libc::SIGXFSZ) || said(finished, EFBIG_TEXT)
}

/// Whether `text` is in what it wrote to stderr.
fn said(finished: &confined_program::Finished, text: &str) -> bool {
    String::from_utf8_lossy(&finished.stderr).contains(text)
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
                crate::io_text::open_regular(&path, crate::io_text::Follow::No)
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
    fn only_authorities_in_the_system_folders_reach_the_confined_uv() {
        let given = |file: &str, dir: &str| {
            let (file, dir) = (file.to_string(), dir.to_string());
            trusted_authorities(move |name| match name {
                "SSL_CERT_FILE" if !file.is_empty() => Some(file.clone().into()),
                "SSL_CERT_DIR" if !dir.is_empty() => Some(dir.clone().into()),
                _ => None,
            })
        };
        assert_eq!(
            given("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs"),
            [
                (
                    "SSL_CERT_FILE".to_string(),
                    "/etc/ssl/certs/ca-certificates.crt".to_string()
                ),
                ("SSL_CERT_DIR".to_string(), "/etc/ssl/certs".to_string()),
            ]
        );
        assert_eq!(
            given("/usr/local/share/ca-certificates/corp.pem", ""),
            [(
                "SSL_CERT_FILE".to_string(),
                "/usr/local/share/ca-certificates/corp.pem".to_string()
            )]
        );
        for elsewhere in [
            "/root/.ssh/id_ed25519",
            "/etc/../root/.ssh/id_ed25519",
            "certs/corp.pem",
            "/etcetera/corp.pem",
        ] {
            assert!(given(elsewhere, "").is_empty(), "{elsewhere}");
        }
        assert!(given("", "").is_empty());
    }

    #[test]
    fn a_write_past_the_file_size_limit_is_told_by_signal_or_by_efbig() {
        let finished = |signal, stderr: &[u8]| confined_program::Finished {
            exit_code: None,
            signal,
            stdout: Vec::new(),
            stderr: stderr.to_vec(),
            stdout_cut: false,
        };
        assert!(past_file_size_limit(&finished(Some(libc::SIGXFSZ), b"")));
        let efbig =
            b"error: Failed to build `big`\n  Caused by: OSError: [Errno 27] File too large\n";
        assert!(past_file_size_limit(&finished(None, efbig)));
        assert!(!past_file_size_limit(&finished(Some(libc::SIGKILL), b"")));
        assert!(!past_file_size_limit(&finished(
            None,
            b"error: No solution found"
        )));
    }

    #[test]
    fn uv_failures_are_one_line_with_their_cause() {
        let stderr = b"warning: The `--pylock` option is experimental\nerror: No solution found when resolving dependencies:\n  \xe2\x95\xb0\xe2\x94\x80\xe2\x96\xb6 Because nothere was not found in the package registry and you require nothere, we can conclude that your requirements are unsatisfiable.\n";
        let reason = uv_reason(stderr);
        assert!(reason.starts_with("uv: No solution found"), "{reason}");
        assert!(reason.contains("nothere was not found"), "{reason}");
        assert!(!reason.contains('\n'));
    }
}
