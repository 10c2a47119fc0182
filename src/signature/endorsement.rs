//! An endorsement: the list of a workspace's reviewers a person accepted on this machine,
//! signed with a key of the machine's own list (`system`), so that nothing on the user's
//! account can widen trust by writing that list.
//!
//! Signed in a namespace of its own: a review's signature never counts as an endorsement, nor
//! one made for git.

use std::collections::HashSet;
use std::sync::Mutex;

use super::sshkeygen::{self, SigningKey};
use crate::model::signers::SystemList;

/// The namespace of endorsements.
pub(crate) const TRUST_NAMESPACE: &str = "toolbench-trust";

/// Endorsements this process found good, by their digest: a long-lived front end checks each
/// once. Kept in memory only: a file of them would be the user's, which an agent could write.
static GOOD: Mutex<Option<HashSet<[u8; 32]>>> = Mutex::new(None);

/// The principal `system` gives the key `public` (base64) for endorsements.
pub(crate) fn principal_of(system: &SystemList, public: &str) -> Option<String> {
    system
        .entries
        .iter()
        .filter(|e| e.key == public)
        .flat_map(|e| {
            e.principals
                .iter()
                .filter(|p| e.allows_in(p, TRUST_NAMESPACE))
        })
        .next()
        .cloned()
}

/// Signs the accepted list's `bytes` with `key`.
pub(crate) fn sign(key: &SigningKey, bytes: &[u8], detached: bool) -> Result<Vec<u8>, String> {
    sshkeygen::sign(key, TRUST_NAMESPACE, bytes, detached)
}

/// Whether `sig` is a good signature of `bytes` by `principal`'s key in `system`.
pub(crate) fn check(
    system: &SystemList,
    principal: Option<&str>,
    bytes: &[u8],
    sig: Option<&[u8]>,
) -> Result<(), String> {
    let (Some(principal), Some(sig)) = (principal, sig) else {
        return Err("it carries no endorsement".into());
    };
    if !system
        .entries
        .iter()
        .any(|e| e.allows_in(principal, TRUST_NAMESPACE))
    {
        return Err(format!(
            "its endorser {} is not in the machine's list",
            crate::text::visible(principal)
        ));
    }
    let text = system.text();
    let digest = {
        let mut hasher = blake3::Hasher::new();
        for part in [text.as_bytes(), principal.as_bytes(), bytes, sig] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        *hasher.finalize().as_bytes()
    };
    let mut good = GOOD.lock().unwrap_or_else(|e| e.into_inner());
    if good.as_ref().is_some_and(|g| g.contains(&digest)) {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|e| crate::io_text::io_reason(&e))?;
    let allowed = dir.path().join("allowed_signers");
    let signature = dir.path().join("accepted.sig");
    std::fs::write(&allowed, text)
        .and_then(|()| std::fs::write(&signature, sig))
        .map_err(|e| crate::io_text::io_reason(&e))?;
    sshkeygen::verify(&allowed, TRUST_NAMESPACE, principal, &signature, bytes)
        .map_err(|why| format!("its endorsement does not verify ({why})"))?;
    good.get_or_insert_with(HashSet::new).insert(digest);
    Ok(())
}
