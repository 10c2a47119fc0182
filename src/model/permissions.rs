//! The `[permissions]` a tool declares: what of the user's machine it may read, write and
//! reach. A person approves them with the tool; the sandbox grants nothing else.

use std::fmt;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

string_enum! {
    /// How much of the project (the folder a tool is run for) the tool may touch.
    pub(crate) ProjectAccess {
        None => "none",
        Read => "read",
        Write => "write",
    }
}

// `string_enum!` takes no attributes on variants, so `#[default]` cannot be derived.
#[allow(clippy::derivable_impls)]
impl Default for ProjectAccess {
    fn default() -> Self {
        ProjectAccess::None
    }
}

/// Where a tool may connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Network {
    /// Nowhere: the run has no network at all.
    #[default]
    None,
    /// Only these hosts and ports.
    Hosts(Vec<HostPort>),
    /// Anywhere (`["*"]`, or `[run] network = true`).
    Any,
}

impl Network {
    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Network::None)
    }

    /// The manifest's spelling: `[]`, `["*"]` or the `host:port` pairs.
    pub(crate) fn entries(&self) -> Vec<String> {
        match self {
            Network::None => Vec::new(),
            Network::Any => vec![ANYWHERE.to_string()],
            Network::Hosts(hosts) => hosts.iter().map(HostPort::to_string).collect(),
        }
    }
}

/// The spelling of "anywhere" in `network`.
pub(crate) const ANYWHERE: &str = "*";

/// One `host:port` a tool may connect to. The host is kept as written, lowercased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct HostPort {
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for HostPort {
    type Err = String;

    /// `host:port`, `1.2.3.4:port` or `[::1]:port`; the port a number from 1 to 65535.
    fn from_str(text: &str) -> Result<Self, String> {
        let refused = |why: &str| format!("{text:?} is not host:port ({why})");
        let (host, port) = match text.strip_prefix('[') {
            Some(rest) => {
                let (host, port) = rest
                    .split_once("]:")
                    .ok_or_else(|| refused("an IPv6 address is written [::1]:80"))?;
                if host.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(refused("not an IPv6 address between the brackets"));
                }
                (host, port)
            }
            None => text
                .rsplit_once(':')
                .ok_or_else(|| refused("no port, e.g. api.github.com:443"))?,
        };
        let port = match port.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Err(refused("the port must be a number from 1 to 65535")),
        };
        let valid_name = |host: &str| {
            !host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        };
        if !text.starts_with('[') && !valid_name(host) {
            return Err(refused(
                "the host must be a name like api.github.com or an address",
            ));
        }
        Ok(HostPort {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// The `[permissions]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Permissions {
    pub(crate) project: ProjectAccess,
    /// More paths the tool may read, as written: absolute, `~/...` or `project/...`.
    pub(crate) read: Vec<String>,
    /// Paths it may write, as written; each beneath something it may read.
    pub(crate) write: Vec<String>,
    pub(crate) network: Network,
}

/// `[permissions]` as reports and `--json` print them: the network as the manifest spells it
/// (`[]`, `["*"]` or `host:port` pairs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeclaredPermissions {
    pub(crate) project: ProjectAccess,
    pub(crate) read: Vec<String>,
    pub(crate) write: Vec<String>,
    pub(crate) network: Vec<String>,
}

impl From<&Permissions> for DeclaredPermissions {
    fn from(p: &Permissions) -> Self {
        Self {
            project: p.project,
            read: p.read.clone(),
            write: p.write.clone(),
            network: p.network.entries(),
        }
    }
}

/// Where a declared path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathBase {
    /// `/...`
    Root,
    /// `~` or `~/...`
    Home,
    /// `project` or `project/...`
    Project,
}

/// A declared path split into where it starts and what follows (no `.` or `..` in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeclaredPath<'a> {
    pub(crate) base: PathBase,
    pub(crate) rest: &'a str,
}

/// Splits a declared path, or says why it is refused: it must start with `/`, `~/` or
/// `project/`, and never step out with `..`.
pub(crate) fn declared_path(text: &str) -> Result<DeclaredPath<'_>, String> {
    let (base, rest) = if let Some(rest) = text.strip_prefix('/') {
        (PathBase::Root, rest)
    } else if text == "~" || text.starts_with("~/") {
        (PathBase::Home, text[1..].trim_start_matches('/'))
    } else if text == "project" || text.starts_with("project/") {
        (
            PathBase::Project,
            text["project".len()..].trim_start_matches('/'),
        )
    } else {
        return Err(format!(
            "{text:?} must be absolute, start with ~/ or start with project/"
        ));
    };
    let steps_out = Path::new(rest)
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir));
    if steps_out {
        return Err(format!("{text:?} must not contain . or .. components"));
    }
    if text.contains('\0') {
        return Err(format!("{text:?} holds a NUL byte"));
    }
    Ok(DeclaredPath {
        base,
        rest: rest.trim_end_matches('/'),
    })
}

impl DeclaredPath<'_> {
    /// True when this path is `other` or beneath it.
    pub(crate) fn is_within(&self, other: &DeclaredPath<'_>) -> bool {
        self.base == other.base && Path::new(self.rest).starts_with(other.rest)
    }
}

impl Permissions {
    /// True when the tool works on a project: it declares `project`, or a path in it.
    pub(crate) fn uses_project(&self) -> bool {
        self.project != ProjectAccess::None
            || self
                .read
                .iter()
                .chain(&self.write)
                .any(|p| declared_path(p).is_ok_and(|d| d.base == PathBase::Project))
    }

    /// True when it declares anything at all: a project, a path or a host.
    pub(crate) fn declares_any(&self) -> bool {
        self.uses_project()
            || !self.read.is_empty()
            || !self.write.is_empty()
            || !self.network.is_none()
    }

    /// True when the tool may change nothing outside its own scratch folder.
    pub(crate) fn writes_nothing(&self) -> bool {
        self.project != ProjectAccess::Write && self.write.is_empty()
    }

    /// Checks what parsing alone cannot: every path is well formed, and every written path
    /// lies within something the tool may read. Names the field of the first problem.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        for (field, paths) in [("read", &self.read), ("write", &self.write)] {
            for path in paths {
                declared_path(path).map_err(|why| (field, why))?;
            }
        }
        for path in &self.write {
            let written = declared_path(path).map_err(|why| ("write", why))?;
            if !self.may_read(&written) {
                return Err((
                    "write",
                    format!(
                        "{path:?} is outside what the tool may read: add it to read, or set \
                         project = \"read\" for a path under project/"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn may_read(&self, path: &DeclaredPath<'_>) -> bool {
        (path.base == PathBase::Project && self.project != ProjectAccess::None)
            || self
                .read
                .iter()
                .filter_map(|read| declared_path(read).ok())
                .any(|read| path.is_within(&read))
    }

    /// What this tool asks for that `parent` was not granted, one line each: the project
    /// from read to write, a new path, a new host, anything to `*`. Empty when it asks for
    /// nothing new.
    pub(crate) fn escalations(&self, parent: &Permissions) -> Vec<String> {
        let mut new = Vec::new();
        if self.project > parent.project {
            new.push(format!(
                "project: {} → {}",
                parent.project.as_str(),
                self.project.as_str()
            ));
        }
        let covered = |path: &str, granted: &[String], project_covers: bool| {
            let Ok(asked) = declared_path(path) else {
                return false;
            };
            (asked.base == PathBase::Project && project_covers)
                || granted
                    .iter()
                    .filter_map(|g| declared_path(g).ok())
                    .any(|g| asked.is_within(&g))
        };
        for path in &self.read {
            if !covered(path, &parent.read, parent.project != ProjectAccess::None) {
                new.push(format!("read: {path}"));
            }
        }
        for path in &self.write {
            if !covered(path, &parent.write, parent.project == ProjectAccess::Write) {
                new.push(format!("write: {path}"));
            }
        }
        match (&self.network, &parent.network) {
            (Network::None, _) | (_, Network::Any) => {}
            (Network::Any, _) => new.push(format!("network: {ANYWHERE} (anywhere)")),
            (Network::Hosts(hosts), granted) => {
                let granted: &[HostPort] = match granted {
                    Network::Hosts(granted) => granted,
                    _ => &[],
                };
                new.extend(
                    hosts
                        .iter()
                        .filter(|host| !granted.contains(host))
                        .map(|host| format!("network: {host}")),
                );
            }
        }
        new
    }

    /// One line for a person: `project read · read ~/data · write project/build · network
    /// api.github.com:443`, or `none`.
    pub(crate) fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.project != ProjectAccess::None {
            parts.push(format!("project {}", self.project.as_str()));
        }
        if !self.read.is_empty() {
            parts.push(format!("read {}", self.read.join(", ")));
        }
        if !self.write.is_empty() {
            parts.push(format!("write {}", self.write.join(", ")));
        }
        match &self.network {
            Network::None => {}
            Network::Any => parts.push("network anywhere".to_string()),
            Network::Hosts(_) => {
                parts.push(format!("network {}", self.network.entries().join(", ")))
            }
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(" · ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Network {
        Network::Hosts(list.iter().map(|h| h.parse().expect("host")).collect())
    }

    #[test]
    fn host_port_pairs_parse_and_bad_ones_say_why() {
        let hp: HostPort = "API.GitHub.com:443".parse().expect("parses");
        assert_eq!(hp.to_string(), "api.github.com:443");
        assert_eq!(
            "[::1]:8080".parse::<HostPort>().map(|h| h.to_string()),
            Ok("[::1]:8080".to_string())
        );
        assert_eq!(
            "127.0.0.1:8080".parse::<HostPort>().map(|h| h.port),
            Ok(8080)
        );
        for bad in [
            "api.github.com",
            "host:0",
            "host:70000",
            ":80",
            "a b:80",
            "[nope]:80",
            "h:x",
        ] {
            let err = bad.parse::<HostPort>().expect_err(bad);
            assert!(err.contains("is not host:port"), "{bad}: {err}");
        }
    }

    #[test]
    fn declared_paths_must_not_step_out() {
        assert_eq!(
            declared_path("project/build").map(|p| (p.base, p.rest)),
            Ok((PathBase::Project, "build"))
        );
        assert_eq!(
            declared_path("~/data/").map(|p| (p.base, p.rest)),
            Ok((PathBase::Home, "data"))
        );
        assert_eq!(
            declared_path("project").map(|p| (p.base, p.rest)),
            Ok((PathBase::Project, ""))
        );
        for bad in [
            "project/../..",
            "/etc/../root",
            "relative/x",
            "~user/x",
            "./x",
            "projects/x",
        ] {
            assert!(declared_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writing_outside_what_may_be_read_is_refused() {
        let mut p = Permissions {
            write: vec!["project/build".into()],
            ..Permissions::default()
        };
        assert_eq!(p.check().map_err(|(field, _)| field), Err("write"));
        p.project = ProjectAccess::Read;
        assert_eq!(p.check(), Ok(()));
        p.write = vec!["~/out".into()];
        assert!(p.check().is_err());
        p.read = vec!["~".into()];
        assert_eq!(p.check(), Ok(()));
    }

    #[test]
    fn escalations_name_what_is_new() {
        let parent = Permissions {
            project: ProjectAccess::Read,
            read: vec!["~/data".into()],
            network: hosts(&["api.github.com:443"]),
            ..Permissions::default()
        };
        assert!(parent.escalations(&parent).is_empty());
        let narrower = Permissions {
            read: vec!["~/data/sales".into()],
            ..Permissions::default()
        };
        assert!(narrower.escalations(&parent).is_empty());
        let wider = Permissions {
            project: ProjectAccess::Write,
            read: vec!["~/data".into(), "/srv/x".into()],
            write: vec!["project/build".into()],
            network: hosts(&["api.github.com:443", "evil.example:443"]),
        };
        assert_eq!(
            wider.escalations(&parent),
            [
                "project: read → write",
                "read: /srv/x",
                "write: project/build",
                "network: evil.example:443",
            ]
        );
        let anywhere = Permissions {
            network: Network::Any,
            ..parent.clone()
        };
        assert_eq!(anywhere.escalations(&parent), ["network: * (anywhere)"]);
    }

    #[test]
    fn declared_permissions_spell_the_network_as_the_manifest_does() {
        let p = Permissions {
            project: ProjectAccess::Read,
            write: vec!["project/build".into()],
            network: hosts(&["api.github.com:443"]),
            ..Permissions::default()
        };
        assert_eq!(
            serde_json::to_value(DeclaredPermissions::from(&p)).expect("json"),
            serde_json::json!({
                "project": "read",
                "read": [],
                "write": ["project/build"],
                "network": ["api.github.com:443"],
            })
        );
        let anywhere = Permissions {
            network: Network::Any,
            ..Permissions::default()
        };
        assert_eq!(DeclaredPermissions::from(&anywhere).network, ["*"]);
    }

    #[test]
    fn summary_reads_as_one_line() {
        assert_eq!(Permissions::default().summary(), "none");
        let p = Permissions {
            project: ProjectAccess::Read,
            network: hosts(&["api.github.com:443"]),
            ..Permissions::default()
        };
        assert_eq!(p.summary(), "project read · network api.github.com:443");
    }
}
