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
//! variables) must tag and check with the same one. `TOOLBENCH_STATE_KEY` names another file
//! for it, for several isolated toolbench users under one account (the tests' machines).

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

/// The user's secret, made on first use; `None` when the user data folder cannot hold one
/// (then nothing is tagged, and everything is believed as before).
fn secret() -> Option<&'static Secret> {
    static SECRET: OnceLock<Option<Secret>> = OnceLock::new();
    SECRET
        .get_or_init(|| {
            let file = secret_path()?;
            load_or_make(file.parent()?, file.file_name()?.to_str()?)
        })
        .as_ref()
}

/// Where the user's secret is kept, whether or not it is there yet: every confined program
/// hides it (`runner::confinement`), since a program that read it could tag what it wrote.
pub(crate) fn secret_path() -> Option<PathBuf> {
    if let Some(file) = std::env::var_os(SECRET_ENV).map(PathBuf::from)
        && file.is_absolute()
        && file.file_name().is_some()
    {
        return Some(file);
    }
    let dir = match crate::config::user_home() {
        Some(home) => home.join(".local/share/toolbench"),
        None => crate::config::project_dirs()?.data_dir().to_path_buf(),
    };
    Some(dir.join(SECRET_FILE))
}

fn load_or_make(dir: &Path, name: &str) -> Option<Secret> {
    let path = dir.join(name);
    let read = |path: &Path| -> Option<Secret> {
        let key = std::fs::read(path).ok()?.as_slice().try_into().ok()?;
        Some(Secret { key })
    };
    if let Some(secret) = read(&path) {
        return Some(secret);
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).ok()?;
    super::private::create_dirs(dir).ok()?;
    // Made apart and linked into place: of two processes making one at once, the first wins
    // and the second reads it.
    let fresh = dir.join(format!("{name}.{}", std::process::id()));
    super::private::write(&fresh, key).ok()?;
    let _ = std::fs::hard_link(&fresh, &path);
    let _ = std::fs::remove_file(&fresh);
    read(&path)
}

/// The tag of `bytes` of the kind `domain` (each kind its own, so one never stands for
/// another); `None` without a secret.
pub(crate) fn tag(domain: &str, bytes: &[u8]) -> Option<String> {
    Some(tag_with(&secret()?.key, domain, bytes))
}

fn tag_with(key: &[u8; 32], domain: &str, bytes: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(&(domain.len() as u64).to_le_bytes());
    hasher.update(domain.as_bytes());
    hasher.update(bytes);
    hasher.finalize().to_hex().to_string()
}

/// Whether `tag` is this user's toolbench's tag of `bytes` of the kind `domain`. Without a
/// secret (no user data folder to keep one in) nothing is tagged, and everything is believed.
pub(crate) fn believed(domain: &str, bytes: &[u8], tag: Option<&str>) -> bool {
    match secret() {
        Some(secret) => judge(secret, domain, bytes, tag),
        None => true,
    }
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
