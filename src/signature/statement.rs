//! A review statement: an in-toto Statement (v1) whose subject is one tool's exact content
//! and whose predicate is the decision a reviewer took on it. Written as
//! `.reviews/NAME/VERSION-HASH.json` beside its OpenSSH signature `….json.sig`; the signature
//! is over the file's exact bytes, so `ssh-keygen -Y verify` checks it without toolbench.
//!
//! Read strictly: unknown or repeated fields, a file over its limit, a symlink anywhere on
//! the way, or a statement naming other content than the path it sits at are refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::model::DeclaredPermissions;
use crate::model::{Tier, is_valid_name};

/// The folder of statements, relative to the workspace root.
pub(crate) const REVIEWS_DIR: &str = ".reviews";
pub(crate) const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub(crate) const PREDICATE_TYPE: &str = "https://toolbench.dev/review/v1";
/// The most a statement may hold; one is well under 2 KiB.
pub(crate) const MAX_STATEMENT_BYTES: usize = 64 * 1024;
/// The most a signature file may hold; an armored SSH signature is under 2 KiB (RSA-4096
/// included).
pub(crate) const MAX_SIGNATURE_BYTES: usize = 16 * 1024;

/// The in-toto Statement a reviewer signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Statement {
    #[serde(rename = "_type")]
    pub(crate) statement_type: String,
    pub(crate) subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub(crate) predicate_type: String,
    pub(crate) predicate: Review,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Subject {
    /// `NAME@VERSION`.
    pub(crate) name: String,
    pub(crate) digest: SubjectDigest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectDigest {
    /// SHA-256 over the tool's files, computable without toolbench (see `tree_sha256`).
    pub(crate) sha256: String,
}

/// The review: what was decided on which content, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Review {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) tier: Tier,
    /// toolbench's content hash (blake3 over every file of the folder).
    pub(crate) content_hash: String,
    pub(crate) permissions: DeclaredPermissions,
    /// `approve`, `promote`, `restore`, `rollback`.
    pub(crate) decision: String,
    /// The principal whose key signs it (`ssh-keygen -I`).
    pub(crate) reviewer: String,
    /// The name recorded with the decision (`reviewer` of the config, else the login name).
    pub(crate) by: String,
    /// RFC 3339 UTC.
    pub(crate) at: String,
    pub(crate) reason: Option<String>,
    /// The version this one took the place of, when one did.
    pub(crate) supersedes: Option<Superseded>,
    /// For `call-rule`: the "approve always" rule the person made for this content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rule: Option<RuleGrant>,
}

/// An "approve always" rule: every agent call of this content whose arguments contain
/// `pattern` (every call, when `null`) runs without asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleGrant {
    pub(crate) pattern: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Superseded {
    pub(crate) version: String,
    pub(crate) content_hash: String,
}

impl Statement {
    pub(crate) fn new(review: Review, sha256: String) -> Statement {
        Statement {
            statement_type: STATEMENT_TYPE.to_string(),
            subject: vec![Subject {
                name: format!("{}@{}", review.tool, review.version),
                digest: SubjectDigest { sha256 },
            }],
            predicate_type: PREDICATE_TYPE.to_string(),
            predicate: review,
        }
    }

    /// The bytes that are signed and written: pretty JSON, one trailing newline.
    pub(crate) fn encode(&self) -> Vec<u8> {
        // Strings, lists and an enum: serialising cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Parses and checks a statement's bytes; the error says which field is wrong.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Statement, String> {
        let statement: Statement = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a review statement (line {}: {e})", e.line()))?;
        if statement.statement_type != STATEMENT_TYPE {
            return Err(format!("field `_type` is not {STATEMENT_TYPE}"));
        }
        if statement.predicate_type != PREDICATE_TYPE {
            return Err(format!("field `predicateType` is not {PREDICATE_TYPE}"));
        }
        let review = &statement.predicate;
        let expected = format!("{}@{}", review.tool, review.version);
        match statement.subject.as_slice() {
            [one] if one.name == expected => {}
            _ => return Err(format!("field `subject` does not name {expected} alone")),
        }
        super::signers::check_principal(&review.reviewer)
            .map_err(|why| format!("field `predicate.reviewer`: {why}"))?;
        Ok(statement)
    }
}

/// Where the statement of `name` `version` with `content_hash` lives, relative to the root.
pub(crate) fn statement_path(name: &str, version: &str, content_hash: &str) -> PathBuf {
    Path::new(REVIEWS_DIR)
        .join(name)
        .join(format!("{version}-{content_hash}.json"))
}

/// The signature beside a statement.
pub(crate) fn signature_path(statement: &Path) -> PathBuf {
    let mut name = statement.as_os_str().to_os_string();
    name.push(".sig");
    PathBuf::from(name)
}

/// Other statements of `name` than `except` (file names), at most `limit` looked at: to say
/// what content a statement exists for when none is for the tool's own.
pub(crate) fn other_statements(root: &Path, name: &str, except: &Path) -> Option<(String, String)> {
    if !is_valid_name(name) {
        return None;
    }
    let folder = root.join(REVIEWS_DIR).join(name);
    let meta = std::fs::symlink_metadata(&folder).ok()?;
    if !meta.is_dir() {
        return None;
    }
    let except = except.file_name()?;
    // Bounded: a folder of 10,000 statements costs a run no more than this.
    std::fs::read_dir(&folder)
        .ok()?
        .flatten()
        .take(4096)
        .filter(|e| e.file_name() != except)
        .filter_map(|e| {
            let file = e.file_name().into_string().ok()?;
            let stem = file.strip_suffix(".json")?;
            let (version, hash) = stem.rsplit_once('-')?;
            (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (version.to_string(), hash.to_string()))
        })
        .max()
}

/// SHA-256 over a tool folder's regular files, as
/// `cd TOOL && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum`
/// computes it: one `HEX  ./PATH` line per file, in byte order of the paths. Symlinks are not
/// followed (the blake3 content hash covers them and every file's mode).
pub(crate) fn tree_sha256(folder: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(folder, Path::new(""), &mut files)?;
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let mut listing = sha2::Sha256::new();
    for relative in files {
        let mut file = std::fs::File::open(folder.join(&relative))?;
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        listing.update(format!("{:x}", hasher.finalize()).as_bytes());
        listing.update(b"  ./");
        listing.update(relative.as_os_str().as_encoded_bytes());
        listing.update(b"\n");
    }
    Ok(format!("{:x}", listing.finalize()))
}

fn collect_files(base: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(base.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(base, &path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review() -> Review {
        Review {
            tool: "x".into(),
            version: "1.0.0".into(),
            tier: Tier::Approved,
            content_hash: "ab".repeat(32),
            permissions: DeclaredPermissions::default(),
            decision: "approve".into(),
            reviewer: "ana@example.com".into(),
            by: "ana".into(),
            at: "2026-11-24T10:00:00Z".into(),
            reason: None,
            supersedes: None,
            rule: None,
        }
    }

    #[test]
    fn a_statement_round_trips_and_its_fields_are_held_strictly() {
        let statement = Statement::new(review(), "00".repeat(32));
        let bytes = statement.encode();
        assert_eq!(Statement::parse(&bytes).expect("parses"), statement);
        let text = String::from_utf8(bytes).expect("utf8");
        // A repeated field is refused, not read as its last value.
        let twice = text.replacen(
            "\"tool\": \"x\",",
            "\"tool\": \"x\",\n    \"tool\": \"y\",",
            1,
        );
        let err = Statement::parse(twice.as_bytes()).expect_err("duplicate");
        assert!(err.contains("duplicate field `tool`"), "{err}");
        let extra = text.replacen("\"tool\": \"x\",", "\"tool\": \"x\", \"trusted\": true,", 1);
        assert!(Statement::parse(extra.as_bytes()).is_err());
        let other = text.replacen("\"name\": \"x@1.0.0\"", "\"name\": \"y@1.0.0\"", 1);
        let err = Statement::parse(other.as_bytes()).expect_err("subject");
        assert!(err.contains("subject"), "{err}");
        let newline = text.replacen("ana@example.com", "ana\\nbob", 1);
        let err = Statement::parse(newline.as_bytes()).expect_err("principal");
        assert!(err.contains("predicate.reviewer"), "{err}");
    }

    #[test]
    fn the_tree_digest_is_what_sha256sum_computes() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
        std::fs::write(dir.path().join("tool.toml"), "a\n").expect("write");
        std::fs::write(dir.path().join("lib/m.py"), "b\n").expect("write");
        let ours = tree_sha256(dir.path()).expect("digest");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum")
            .current_dir(dir.path())
            .output()
            .expect("sh");
        let theirs = String::from_utf8_lossy(&out.stdout);
        assert_eq!(theirs.split_whitespace().next(), Some(ours.as_str()));
    }
}
