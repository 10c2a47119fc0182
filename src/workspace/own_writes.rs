//! What toolbench reads back from a workspace's state to decide what may run (a seal, an
//! interrupted decision's intent, a remembered verification) is believed only when this
//! user's toolbench wrote it: each carries a tag, a keyed hash under a secret of the user's
//! (`state.key` in the user data folder, 0600, made on first use).
//!
//! Why: `.toolbench/` sits inside the workspace, and a commit can carry files into it past
//! the `.gitignore` (`git add -f`), into a fresh clone or a teammate's existing state. Without
//! the tag, a seal so carried made an approved tool nobody reviewed on that machine run, and
//! an intent so carried was finished at the next start as if a person had decided it.
//!
//! Nothing untagged is believed: a workspace whose seals an older build wrote is, to this
//! one, a workspace nobody accepted here yet, as a fresh clone is (`toolbench accept`).
//!
//! The secret lives in the home folder the user database gives this user, at the data
//! folder's default place, whatever `HOME` or `XDG_DATA_HOME` say: every process of the user
//! (a terminal, an editor installed as a snap, an agent's MCP server started with other
//! variables) must tag and check with the same one; where that folder cannot hold it (an
//! account whose home does not exist), in the data folder `HOME` gives. `TOOLBENCH_STATE_KEY`
//! names another file for it, for several isolated toolbench users under one account (the
//! tests' machines). Where no secret can be kept, no workspace opens: believing everything
//! then would believe what a commit carried.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The secret's file name in the user data folder.
const SECRET_FILE: &str = "state.key";
/// Names another file for the secret.
const SECRET_ENV: &str = "TOOLBENCH_STATE_KEY";

/// The user's secret.
struct Secret {
    key: [u8; 32],
}

/// The secret and the file it is kept in.
struct Kept {
    secret: Secret,
    path: PathBuf,
}

/// The user's secret, made on first use, or why none can be kept (then nothing is believed,
/// and opening a workspace says why: `check`).
fn kept() -> Result<&'static Kept, &'static str> {
    static KEPT: OnceLock<Result<Kept, String>> = OnceLock::new();
    KEPT.get_or_init(keep).as_ref().map_err(String::as_str)
}

/// The first of the places the secret may be kept that holds it. `TOOLBENCH_STATE_KEY`, when
/// set, is the only one; else the data folder in the home the user database gives, then the
/// same folder under `HOME` (an account whose home is not there, or not its own).
fn keep() -> Result<Kept, String> {
    if let Some(file) = std::env::var_os(SECRET_ENV).map(PathBuf::from) {
        if !file.is_absolute() || file.file_name().is_none() {
            return Err(format!(
                "{SECRET_ENV}={}: not an absolute file path",
                file.display()
            ));
        }
        return keep_at(file);
    }
    // The same place under either home, whatever `XDG_DATA_HOME` says: processes of one user
    // started with other variables must still find the one key.
    let homes = [
        crate::config::user_home(),
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from),
    ];
    let mut places: Vec<PathBuf> = homes
        .into_iter()
        .flatten()
        .map(|home| home.join(".local/share/toolbench").join(SECRET_FILE))
        .collect();
    places.dedup();
    let mut reasons = Vec::new();
    for place in places {
        match keep_at(place) {
            Ok(kept) => return Ok(kept),
            Err(reason) => reasons.push(reason),
        }
    }
    if reasons.is_empty() {
        reasons.push("no home folder is known".to_string());
    }
    Err(reasons.join("; "))
}

fn keep_at(path: PathBuf) -> Result<Kept, String> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(SECRET_FILE);
    let secret = load_or_make(dir, name).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Kept { secret, path })
}

/// Whether this user's toolbench can keep its secret: opening a workspace fails, saying
/// why, when it cannot, since nothing it wrote into a state folder could then be told from
/// what a commit carried there.
pub(crate) fn check() -> Result<(), String> {
    kept().map(|_| ()).map_err(|reason| {
        format!(
            "cannot keep the key that marks toolbench's own writes ({reason}); set {SECRET_ENV} to \
             a file toolbench may create"
        )
    })
}

/// Where the user's secret is kept: every confined program hides it
/// (`runner::confinement`), since a program that read it could tag what it wrote.
pub(crate) fn secret_path() -> Option<PathBuf> {
    kept().ok().map(|kept| kept.path.clone())
}

fn load_or_make(dir: &Path, name: &str) -> std::io::Result<Secret> {
    let path = dir.join(name);
    let read = |path: &Path| -> std::io::Result<Secret> {
        let bytes = std::fs::read(path)?;
        let key = bytes.as_slice().try_into().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("holds {} bytes, not 32", bytes.len()),
            )
        })?;
        Ok(Secret { key })
    };
    match read(&path) {
        Ok(secret) => return Ok(secret),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(std::io::Error::other)?;
    super::private::create_dirs(dir)?;
    // Made apart and linked into place: of two processes making one at once, the first wins
    // and the second reads it.
    let fresh = dir.join(format!("{name}.{}", std::process::id()));
    super::private::write(&fresh, key)?;
    let _ = std::fs::hard_link(&fresh, &path);
    let _ = std::fs::remove_file(&fresh);
    read(&path)
}

/// The tag of `bytes` of the kind `domain` (each kind its own, so one never stands for
/// another); `None` without a secret.
pub(crate) fn tag(domain: &str, bytes: &[u8]) -> Option<String> {
    Some(tag_with(&kept().ok()?.secret.key, domain, bytes))
}

fn tag_with(key: &[u8; 32], domain: &str, bytes: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(&(domain.len() as u64).to_le_bytes());
    hasher.update(domain.as_bytes());
    hasher.update(bytes);
    hasher.finalize().to_hex().to_string()
}

/// Whether `tag` is this user's toolbench's tag of `bytes` of the kind `domain`. Without a
/// secret nothing is believed (and no workspace opens: `check`).
pub(crate) fn believed(domain: &str, bytes: &[u8], tag: Option<&str>) -> bool {
    kept().is_ok_and(|kept| judge(&kept.secret, domain, bytes, tag))
}

fn judge(secret: &Secret, domain: &str, bytes: &[u8], tag: Option<&str>) -> bool {
    tag.is_some_and(|tag| {
        let expected = tag_with(&secret.key, domain, bytes);
        // Constant time: the tag is a secret's work.
        expected.len() == tag.len()
            && expected
                .bytes()
                .zip(tag.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_or_make(dir.path(), SECRET_FILE).expect("made");
        let again = load_or_make(dir.path(), SECRET_FILE).expect("read");
        assert_eq!(first.key, again.key);
        use std::os::unix::fs::MetadataExt;
        let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
            .expect("file")
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "nothing left beside it"
        );
    }

    #[test]
    fn a_tag_is_believed_only_for_its_bytes_its_kind_and_its_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = load_or_make(dir.path(), SECRET_FILE).expect("made");
        let tag = tag_with(&secret.key, "seal", b"seal bytes");
        assert!(judge(&secret, "seal", b"seal bytes", Some(&tag)));
        assert!(!judge(&secret, "seal", b"other bytes", Some(&tag)));
        assert!(!judge(&secret, "intent", b"seal bytes", Some(&tag)));
        assert!(!judge(
            &Secret { key: [1; 32] },
            "seal",
            b"seal bytes",
            Some(&tag)
        ));
        assert!(!judge(&secret, "seal", b"seal bytes", Some("00")));
        assert!(!judge(&secret, "seal", b"seal bytes", None));
    }
}
