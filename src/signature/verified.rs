//! Verifications remembered, so a run pays a few small reads instead of an `ssh-keygen`.
//!
//! Each is keyed by everything it judged (statement, signature, trusted list, content). They
//! are kept in this process's memory, and in `.toolbench/verified/` for later processes unless
//! the machine has a list of its own: that folder is the user's, and what an agent on the
//! account could write there must not stand in for a check against root's list.
//!
//! On disk the key is a tag under the user's secret (`workspace::own_writes`): a file a
//! commit carries into `.toolbench/verified/` (force-added past the `.gitignore`) is never
//! one this user's toolbench wrote, and is never believed.

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

/// The file name the verification `key` is remembered under: its tag under the user's secret;
/// `None` without one.
fn disk_key(key: &str) -> Option<String> {
    crate::workspace::own_writes::tag("verified", key.as_bytes())
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
