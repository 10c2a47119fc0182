//! Verifications remembered, so a run pays a few small reads instead of an `ssh-keygen`.
//!
//! Each is keyed by everything it judged (statement, signature, trusted list, content). They
//! are kept in this process's memory, and in `.toolbench/verified/` for later processes unless
//! the machine has a list of its own: that folder is the user's, and what an agent on the
//! account could write there must not stand in for a check against root's list.
//!
//! On disk the key is a keyed hash under a secret of the user's (in the user data folder,
//! 0600): a file a commit carries into `.toolbench/verified/` (force-added past the
//! `.gitignore`) is never one this user's toolbench wrote, and is never believed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use crate::workspace::STATE_DIR;

/// The folder of verifications remembered, under the workspace's state.
const VERIFIED_DIR: &str = "verified";

/// Good verifications of this process, by key: ssh-keygen's line.
static IN_MEMORY: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

/// Where remembered verifications may be read from and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Memory {
    /// This process's memory and the workspace's state.
    ProcessAndState,
    /// This process's memory alone (the machine's list is the anchor).
    ProcessOnly,
}

/// The secret's file name in the user data folder.
const SECRET_FILE: &str = "verified.key";

/// The user's secret for remembered verifications, made on first use; `None` when the user
/// data folder cannot hold one (then nothing is remembered on disk).
fn secret() -> Option<[u8; 32]> {
    static SECRET: std::sync::OnceLock<Option<[u8; 32]>> = std::sync::OnceLock::new();
    *SECRET.get_or_init(|| {
        let dir = crate::config::project_dirs()?.data_dir().to_path_buf();
        let path = dir.join(SECRET_FILE);
        let read = |path: &Path| -> Option<[u8; 32]> {
            std::fs::read(path).ok()?.as_slice().try_into().ok()
        };
        if let Some(secret) = read(&path) {
            return Some(secret);
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).ok()?;
        crate::workspace::private::create_dirs(&dir).ok()?;
        // Made apart and linked into place: two processes making one at once keep the first.
        let fresh = dir.join(format!("{SECRET_FILE}.{}", std::process::id()));
        crate::workspace::private::write(&fresh, secret).ok()?;
        let linked = std::fs::hard_link(&fresh, &path);
        let _ = std::fs::remove_file(&fresh);
        match linked {
            Ok(()) => Some(secret),
            Err(_) => read(&path),
        }
    })
}

/// The file name the verification `key` is remembered under: a keyed hash under the user's
/// secret; `None` without one.
fn disk_key(key: &str) -> Option<String> {
    let secret = secret()?;
    Some(
        blake3::keyed_hash(&secret, key.as_bytes())
            .to_hex()
            .to_string(),
    )
}

/// The key of a verification of `json` signed by `sig` against `signers` for `content_hash`.
pub(crate) fn key(json: &[u8], sig: &[u8], signers: &str, content_hash: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [json, sig, signers.as_bytes(), content_hash.as_bytes()] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_hex().to_string()
}

/// ssh-keygen's line of a good verification remembered under `key`.
pub(crate) fn recall(root: &Path, key: &str, memory: Memory) -> Option<String> {
    let held = IN_MEMORY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(key).cloned());
    if held.is_some() || memory == Memory::ProcessOnly {
        return held;
    }
    std::fs::read_to_string(root.join(STATE_DIR).join(VERIFIED_DIR).join(disk_key(key)?)).ok()
}

/// Remembers a good verification; a failure to write only costs the next run a check.
pub(crate) fn remember(root: &Path, key: &str, line: &str, memory: Memory) {
    IN_MEMORY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(key.to_string(), line.to_string());
    if memory == Memory::ProcessOnly {
        return;
    }
    let Some(name) = disk_key(key) else {
        return;
    };
    let Ok(state) = crate::workspace::make_state_dir(root) else {
        return;
    };
    let dir = state.join(VERIFIED_DIR);
    if crate::workspace::private::create_dir(&dir).is_err() && !dir.is_dir() {
        return;
    }
    let _ = crate::workspace::private::write(&dir.join(name), line.as_bytes());
}
