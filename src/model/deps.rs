//! The nouns of a tool's dependencies: what its manifest says about where packages come from,
//! what its files declare, and the rules their addresses follow. Reading files is the
//! catalog's; resolving and installing are the runner's.

use std::path::Path;

use super::HostPort;

/// The lock a tool's packages are resolved into (PEP 751), a file of the tool: its content
/// hash covers it, so what a person approves includes exactly this resolution.
pub const LOCK_FILE: &str = "pylock.toml";

/// The requirements file read beside the tool's manifest when its entry script declares none.
pub const REQUIREMENTS_FILE: &str = "requirements.txt";

/// The index packages come from when neither the manifest nor the config names one.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple";

/// `[dependencies]` of a manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ManifestDependencies {
    /// `index`: the simple index this tool's packages come from.
    pub(crate) index: Option<String>,
    /// `find_links`: more places distributions are looked for.
    pub(crate) find_links: Vec<String>,
    /// `allow_direct`: the tool asks for requirements naming a URL or a path (the user's
    /// config must allow them too).
    pub(crate) allow_direct: bool,
}

/// What a tool's files declare: its requirements (PEP 508 strings) and Python version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The file that declares them, relative to the tool folder.
    pub(crate) file: String,
    pub(crate) requirements: Vec<String>,
    pub(crate) requires_python: Option<String>,
}

impl Declared {
    /// The requirements that name a URL or a path instead of an index's package.
    pub(crate) fn direct(&self) -> impl Iterator<Item = &String> {
        self.requirements.iter().filter(|r| is_direct(r))
    }

    /// A digest of what is declared, recorded in the lock so a lock resolved for other
    /// declarations is never taken for this one.
    pub(crate) fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for requirement in &self.requirements {
            hasher.update(requirement.trim().as_bytes());
            hasher.update(b"\n");
        }
        hasher.update(b"python:");
        hasher.update(self.requires_python.as_deref().unwrap_or("").as_bytes());
        crate::text::hex(&hasher.finalize())
    }
}

/// The first line of a lock toolbench wrote: which declarations it resolves.
pub(crate) const DECLARED_PREFIX: &str = "# toolbench: resolves declared ";

/// One distribution of a lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockedPackage {
    pub(crate) name: String,
    pub(crate) version: String,
    /// Where the distribution is fetched from.
    pub(crate) url: String,
    /// A source distribution: installing it runs its build code.
    pub(crate) sdist: bool,
    pub(crate) sha256: String,
}

/// A tool's lock (`pylock.toml`, PEP 751) as toolbench reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lock {
    /// The sha256 of the lock file's bytes: its environment's name.
    pub(crate) digest: String,
    /// The digest of the declarations it was resolved for, when toolbench wrote it.
    pub(crate) declared: Option<String>,
    pub(crate) packages: Vec<LockedPackage>,
}

impl Lock {
    /// Whether this lock was resolved for exactly `declared`.
    pub(crate) fn resolves(&self, declared: &Declared) -> bool {
        self.declared.as_deref() == Some(declared.digest().as_str())
    }

    /// The first 12 hex digits of the digest, as it is shown.
    pub(crate) fn short(&self) -> &str {
        &self.digest[..12.min(self.digest.len())]
    }
}

/// The sha256 of `bytes` in hex: how a lock is named.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::text::hex(&Sha256::digest(bytes))
}

/// A requirement that names a URL or a path (`pkg @ https://…`, `./wheel.whl`, `git+…`)
/// rather than a name an index answers for.
pub(crate) fn is_direct(requirement: &str) -> bool {
    let r = requirement.trim();
    r.contains(" @ ")
        || r.contains('@')
            && r.split('@')
                .nth(1)
                .is_some_and(|after| after.contains("://"))
        || r.contains("://")
        || r.starts_with('.')
        || r.starts_with('/')
        || r.starts_with('~')
        || r.ends_with(".whl")
        || r.ends_with(".tar.gz")
        || r.ends_with(".zip")
}

/// The scheme, host and port of an `http(s)` URL; `None` for anything else.
pub(crate) fn url_host(url: &str) -> Option<HostPort> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') || authority.is_empty() {
        return None;
    }
    let with_port = if authority.starts_with('[') {
        if authority.contains("]:") {
            authority.to_string()
        } else {
            format!("{authority}:{default_port}")
        }
    } else if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    let mut host: HostPort = with_port.parse().ok()?;
    host.host = host
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    Some(host)
}

/// The index named `none`: packages come from the find-links alone (an offline mirror).
pub(crate) const NO_INDEX: &str = "none";

/// An `index` field: an index URL, or `none`.
pub(crate) fn check_index(index: &str) -> Result<(), String> {
    if index == NO_INDEX {
        return Ok(());
    }
    check_index_url(index).map_err(|why| format!("{why}, or \"{NO_INDEX}\""))
}

/// An index URL: `http://` or `https://`, a host, no credentials.
pub(crate) fn check_index_url(url: &str) -> Result<(), String> {
    if url_host(url).is_some() {
        Ok(())
    } else {
        Err(format!(
            "{url:?} is not an http(s) URL with a host and no credentials, e.g. \
             \"https://pypi.org/simple\""
        ))
    }
}

/// A find-links entry: an http(s) URL as for an index, or an absolute folder path. A file that
/// `travels` with the tools (a manifest, a workspace's `toolbench.toml`, both written by
/// agents) names URLs only: a folder of this machine is shown to the resolution and to every
/// package build it runs, so only the user's config may choose one.
pub(crate) fn check_find_links(link: &str, travels: bool) -> Result<(), String> {
    if link.contains("://") {
        return check_index_url(link);
    }
    if !Path::new(link).is_absolute() {
        return Err(format!(
            "{link:?} is neither an http(s) URL nor an absolute folder path"
        ));
    }
    if travels {
        return Err(format!(
            "{link:?} is a folder of this machine, which only your user config's \
             [dependencies] find_links may name (package builds see it)"
        ));
    }
    Ok(())
}

/// The environment a tool runs in, as `show`, `list --json` and `env` name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Environment {
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
    /// `c729fc514bb9 (tinydep==1.0.0), 603 bytes`, or that it is not built.
    pub(crate) fn line(&self) -> String {
        let short = &self.digest[..12.min(self.digest.len())];
        match self.bytes {
            Some(bytes) if self.built => format!(
                "{short} ({}), {}",
                self.packages.join(" "),
                crate::text::human_size(bytes)
            ),
            _ => format!(
                "{short} ({}), not built here: validate the tool to build it",
                self.packages.join(" ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_requirements_are_told_from_names() {
        for direct in [
            "pkg @ https://example.com/pkg.whl",
            "pkg@https://example.com/pkg.whl",
            "./local.whl",
            "/abs/pkg.tar.gz",
            "git+https://github.com/a/b",
            "file:///tmp/x",
        ] {
            assert!(is_direct(direct), "{direct}");
        }
        for named in [
            "requests",
            "requests>=2",
            "rich[jupyter]==13.0; python_version>'3'",
        ] {
            assert!(!is_direct(named), "{named}");
        }
    }

    #[test]
    fn index_hosts_carry_their_default_ports() {
        let host = url_host("https://PyPI.org/simple").expect("host");
        assert_eq!((host.host.as_str(), host.port), ("pypi.org", 443));
        let host = url_host("http://127.0.0.1:8123/simple/").expect("host");
        assert_eq!((host.host.as_str(), host.port), ("127.0.0.1", 8123));
        assert!(url_host("ftp://x/simple").is_none());
        assert!(url_host("https://user:pw@x/simple").is_none());
        assert!(check_find_links("relative/dir", false).is_err());
        assert!(check_find_links("/abs/dir", false).is_ok());
        assert!(check_find_links("/abs/dir", true).is_err());
        assert!(check_find_links("https://mirror.example/wheels/", true).is_ok());
    }
}
