//! `name` or `name@version`: how every front end names a tool, parsed in one place.

use std::fmt;
use std::str::FromStr;

/// A tool name, optionally with a version and a content hash. Parsed from user input with
/// [`FromStr`] (which checks the manifest's name rule and that the version is semver); built
/// from catalog entries with `ToolId::of`, which takes the entry's name as it is (a broken
/// tool's folder name need not follow the rule), or with `ToolId::content_of`, which also
/// binds the id to the exact content a person saw or a rule cleared.
///
/// The hash is never part of the text form (`name@version`), which manifests and records
/// spell: it travels beside it, from `--hash` or from the row a person acted on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ToolId {
    pub(crate) name: String,
    pub(crate) version: Option<semver::Version>,
    /// The content hash, or a prefix of it (lowercase hex), the tool must have.
    pub(crate) hash: Option<String>,
}

/// Why a `name@version` spec was refused; one line, naming the spec once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{problem}; expected {expected}", subject(spec.as_deref()))]
pub struct ToolIdError {
    /// The spec, when the problem does not name it already.
    pub(crate) spec: Option<String>,
    pub(crate) problem: String,
    /// What was expected in its place.
    pub(crate) expected: &'static str,
}

/// `"spec": ` before the problem, when the problem does not name the spec itself.
fn subject(spec: Option<&str>) -> String {
    spec.map(|spec| format!("{}: ", echoed(spec)))
        .unwrap_or_default()
}

/// `text` quoted as a refusal echoes what a person or an agent typed: whole when short, else
/// its start and its length, so a name of thousands of characters is not sent back whole.
fn echoed(text: &str) -> String {
    const WHOLE: usize = 80;
    let length = text.chars().count();
    if length <= WHOLE {
        return format!("{text:?}");
    }
    // 32 characters and the `…` that says it goes on.
    format!("{:?} ({length} characters)", crate::text::shorten(text, 33))
}

impl ToolId {
    /// Any version of `name`.
    pub fn named(name: impl Into<String>) -> Self {
        ToolId {
            name: name.into(),
            version: None,
            hash: None,
        }
    }

    /// A name and version as the catalog or the store spells them (not checked: they were
    /// when the tool was read); a version that is not semver (`?`) is dropped.
    pub(crate) fn known(name: &str, version: &str) -> Self {
        ToolId {
            name: name.to_string(),
            version: semver::Version::parse(version).ok(),
            hash: None,
        }
    }

    /// The same id, bound to content whose hash starts with `prefix`.
    pub(crate) fn with_hash(self, prefix: &str) -> Result<Self, ToolIdError> {
        let refuse = |problem: &str| ToolIdError {
            spec: Some(prefix.to_string()),
            problem: problem.to_string(),
            expected: "the start of a content hash, as `list`, `show` and `review` print it",
        };
        if prefix.len() < MIN_HASH_PREFIX {
            return Err(refuse("a content hash prefix needs at least 8 hex digits"));
        }
        if !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refuse("a content hash is hex digits only"));
        }
        Ok(ToolId {
            hash: Some(prefix.to_ascii_lowercase()),
            ..self
        })
    }

    /// True when `version` (as a catalog entry or a record spells it) is the one asked for,
    /// or none was.
    pub(crate) fn accepts(&self, version: &str) -> bool {
        self.version
            .as_ref()
            .is_none_or(|v| semver::Version::parse(version).is_ok_and(|other| other == *v))
    }

    /// True when `content_hash` is the content asked for, or none was.
    pub(crate) fn accepts_hash(&self, content_hash: &str) -> bool {
        self.hash
            .as_deref()
            .is_none_or(|prefix| !content_hash.is_empty() && content_hash.starts_with(prefix))
    }
}

/// Hex digits a `--hash` prefix needs: 8 make a chance collision among a workspace's
/// versions of one tool negligible, and are still short to type.
pub(crate) const MIN_HASH_PREFIX: usize = 8;

impl FromStr for ToolId {
    type Err = ToolIdError;

    fn from_str(spec: &str) -> Result<Self, ToolIdError> {
        let refuse = |problem: String| ToolIdError {
            spec: Some(spec.to_string()),
            problem,
            expected: "NAME or NAME@VERSION",
        };
        let (name, version) = match spec.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (spec, None),
        };
        if name.is_empty() {
            return Err(refuse("empty name".into()));
        }
        if !is_valid_name(name) {
            let problem = format!("{} is not a valid tool name ({NAME_RULE})", echoed(name));
            // A bare name is the whole spec: named once.
            return Err(match version {
                None => ToolIdError {
                    spec: None,
                    ..refuse(problem)
                },
                Some(_) => refuse(problem),
            });
        }
        let version = match version {
            None => None,
            Some("") => return Err(refuse("empty version".into())),
            Some(text) => Some(
                semver::Version::parse(text)
                    .map_err(|e| refuse(format!("version {} is not semver ({e})", echoed(text))))?,
            ),
        };
        Ok(ToolId {
            name: name.to_string(),
            version,
            hash: None,
        })
    }
}

impl fmt::Display for ToolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{}@{version}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl serde::Serialize for ToolId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ToolId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The name rule in words, for error messages.
pub(crate) const NAME_RULE: &str = "lowercase letters, digits, `_` and `-`, starting with a letter or digit, at most 64 characters";

/// The longest tool name.
pub(crate) const MAX_NAME_BYTES: usize = 64;

/// `name` matches `^[a-z0-9][a-z0-9_-]{0,63}$`: safe as a folder name and a CLI argument.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-';
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME_BYTES
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ToolEntry;

    fn error(spec: &str) -> String {
        match spec.parse::<ToolId>() {
            Ok(id) => panic!("{spec:?} parsed as {id:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn names_and_versions_parse_and_print_back() {
        for spec in [
            "csv_to_json",
            "a",
            "csv_to_json@1.2.0",
            "x-1@0.1.0-rc.1+build.5",
        ] {
            let id: ToolId = spec.parse().expect(spec);
            assert_eq!(id.to_string(), spec);
        }
        let id: ToolId = "csv_to_json@1.2.0".parse().expect("valid");
        assert_eq!(id.name, "csv_to_json");
        assert_eq!(id.version, Some(semver::Version::new(1, 2, 0)));
        assert_eq!("t".parse::<ToolId>().expect("valid").version, None);
    }

    #[test]
    fn bad_specs_are_one_line_errors_naming_the_problem() {
        for (spec, problem) in [
            ("x@", "\"x@\": empty version"),
            ("@1.0.0", "\"@1.0.0\": empty name"),
            ("", "\"\": empty name"),
            ("@", "\"@\": empty name"),
            ("Csv", "\"Csv\" is not a valid tool name"),
            ("_x@1.0.0", "\"_x\" is not a valid tool name"),
            ("a b", "\"a b\" is not a valid tool name"),
            (&"a".repeat(65), "is not a valid tool name"),
            ("x@1.0", "version \"1.0\" is not semver"),
            ("x@latest", "version \"latest\" is not semver"),
            ("x@1.0.0@2.0.0", "version \"1.0.0@2.0.0\" is not semver"),
        ] {
            let err = error(spec);
            assert!(err.contains(problem), "{spec:?}: {err}");
            assert!(err.ends_with("; expected NAME or NAME@VERSION"), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!("a".repeat(64).parse::<ToolId>().is_ok());
    }

    /// A bare name is the whole spec: the refusal names it once, and a long one by its start
    /// and length, not its thousands of characters.
    #[test]
    fn a_bad_name_is_named_once_and_a_long_one_shortened() {
        assert_eq!(
            error("Csv"),
            format!(
                "\"Csv\" is not a valid tool name ({NAME_RULE}); expected NAME or NAME@VERSION"
            )
        );
        let long = error(&"a".repeat(5000));
        assert_eq!(
            long,
            format!(
                "\"{}…\" (5000 characters) is not a valid tool name ({NAME_RULE}); expected NAME \
                 or NAME@VERSION",
                "a".repeat(32)
            )
        );
        let versioned = error(&format!("{}@{}", "a".repeat(5000), "1".repeat(5000)));
        assert!(versioned.len() < 400, "{versioned}");
    }

    #[test]
    fn a_bad_hash_prefix_says_what_a_hash_is_not_what_a_name_is() {
        for (prefix, problem) in [
            ("1234", "needs at least 8 hex digits"),
            ("nothexhere", "is hex digits only"),
        ] {
            let err = ToolId::named("x")
                .with_hash(prefix)
                .expect_err("refused")
                .to_string();
            assert!(err.contains(problem), "{err}");
            assert!(err.ends_with("; expected the start of a content hash, as `list`, `show` and `review` print it"), "{err}");
            assert!(!err.contains("NAME@VERSION"), "{err}");
        }
    }

    #[test]
    fn an_entry_names_itself_even_when_broken() {
        let entry = ToolEntry::fixture(super::super::Tier::Approved, "greet");
        assert_eq!(ToolId::of(&entry).to_string(), "greet@1.0.0");
        let broken = ToolEntry {
            name: "Not A Name".into(),
            version: "?".into(),
            ..entry
        };
        assert_eq!(ToolId::of(&broken), ToolId::named("Not A Name"));
    }

    /// A broken tool's version is not known (`?`): it is named alone wherever a person reads
    /// its name (a refusal, the validation queue), never `name@?`.
    #[test]
    fn a_broken_entry_is_named_without_a_version() {
        let entry = ToolEntry::fixture(super::super::Tier::Experimental, "url_extract");
        assert_eq!(entry.id(), "url_extract@1.0.0");
        let broken = ToolEntry {
            version: "?".into(),
            error: Some("tool.toml: expected `=`".into()),
            ..entry
        };
        assert_eq!(broken.id(), "url_extract");
        let refused = crate::review::ReviewError::refused("approve", broken.id(), "broken");
        assert_eq!(refused.to_string(), "cannot approve url_extract: broken");
    }

    #[test]
    fn a_version_is_compared_as_semver() {
        let id: ToolId = "t@1.2.0".parse().expect("valid");
        assert!(id.accepts("1.2.0"));
        assert!(!id.accepts("1.2.1") && !id.accepts("?"));
        assert!(ToolId::named("t").accepts("?"));
    }

    #[test]
    fn serde_uses_the_spec() {
        let id: ToolId = "t@1.2.0".parse().expect("valid");
        assert_eq!(serde_json::to_string(&id).expect("json"), "\"t@1.2.0\"");
        let back: ToolId = serde_json::from_str("\"t@1.2.0\"").expect("json");
        assert_eq!(back, id);
        assert!(serde_json::from_str::<ToolId>("\"t@\"").is_err());
    }
}
